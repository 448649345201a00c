"""Student copies (tools/student_copies.py): no solution survives, every exercise and its check does."""

import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import student_copies  # noqa: E402
from course_notebooks import is_exercise, is_solution, source_of, starts_empty  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    return out, student_copies.write_copies(ROOT / "notebooks", out)


def cells_where(nb, predicate):
    return [cell for index, cell in enumerate(nb.cells) if predicate(nb, index)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_copy_has_no_solution_and_every_exercise(path, copies):
    out, _ = copies
    lesson = nbformat.read(path, as_version=4)
    student = nbformat.read(out / path.name, as_version=4)
    nbformat.validate(student)
    solutions = cells_where(lesson, is_solution)
    exercises = cells_where(lesson, is_exercise)
    assert solutions and exercises, "a lesson without recognised exercises or solutions"
    assert not cells_where(student, is_solution)
    sources = [source_of(cell) for cell in student.cells]
    assert not [s for s in map(source_of, solutions) if s in sources], "a solution's code survived"
    kept = cells_where(student, is_exercise)
    assert [source_of(c) for c in kept] == [source_of(c) for c in exercises]
    assert all(c.outputs == [] and c.execution_count is None for c in kept)
    # Everything that is neither a solution nor in the solutions' Markdown is kept, in order.
    others = [source_of(c) for i, c in enumerate(lesson.cells) if not is_solution(lesson, i)]
    assert [s for s in sources if s in others] == [s for s in others if s in sources]
    assert len([s for s in sources if s in others]) >= len(lesson.cells) - len(solutions) - 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_copy_opens_with_a_note_for_the_teacher(path, copies):
    out, _ = copies
    first = nbformat.read(out / path.name, as_version=4).cells[0]
    assert first.cell_type == "markdown" and student_copies.NOTE_TAG in first.metadata.tags
    assert f"notebooks/{path.name}" in first.source and "solution" in first.source


def test_zip_holds_every_copy(copies):
    out, written = copies
    with zipfile.ZipFile(out / student_copies.ZIP_NAME) as archive:
        names = archive.namelist()
        assert names == [f"aegmm-lessons-student/{p.name}" for p in written]
        nbformat.validate(nbformat.reads(archive.read(names[0]).decode(), as_version=4))


def lesson_with_solutions_section():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 09 · Lesson\n\n## 9. Exercises"),
        nbformat.v4.new_code_cell("answer = None\ncheck(answer)", metadata={"tags": ["exercise"]}),
        nbformat.v4.new_code_cell("def my_step(X):\n    return None  # yours\n\n\ncheck_step(my_step)"),
        nbformat.v4.new_markdown_cell("## References\n\n- A book.\n\n## Solutions\n\nExpand a cell."),
        nbformat.v4.new_markdown_cell("Why the first answer is 3: ..."),
        nbformat.v4.new_code_cell("answer = 3\ncheck(answer)", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("def my_step(X):\n    return X\n", metadata={"jupyter": {"source_hidden": True}}),
        nbformat.v4.new_markdown_cell("More on the answer.\n\n## Further reading\n\n- Another book."),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="exercise 1: not attempted yet\n")]
    return nb


def test_solutions_and_their_explanations_go_and_the_sections_around_them_stay():
    student = student_copies.student_notebook(lesson_with_solutions_section(), "09_lesson.ipynb")
    sources = [c.source for c in student.cells]
    assert sources[1:4] == [
        "# 09 · Lesson\n\n## 9. Exercises",
        "answer = None\ncheck(answer)",
        "def my_step(X):\n    return None  # yours\n\n\ncheck_step(my_step)",
    ]
    assert sources[4].startswith("## References\n\n- A book.\n\n## Solutions\n\n> **Student copy")
    assert sources[5:] == ["## Further reading\n\n- Another book."]
    assert student.cells[2].outputs == []
    nbformat.validate(student)


@pytest.mark.parametrize(
    ("source", "empty"),
    [
        ("answer = None  # yours", True),
        ("data = load()\nanswer_a, answer_b = None, None\ncheck(answer_a)", True),
        ("def f(x):\n    '''Doc.'''\n    return None\n", True),
        ("def f(x):\n    ...\n", True),
        ("answer = 3", False),
        ("def f(x):\n    return x + 1\n", False),
        ("from aegmm_lessons.exercises import lesson06", False),
        ("not python (", False),
    ],
)
def test_an_empty_answer_is_recognised_in_untagged_notebooks(source, empty):
    assert starts_empty(source) is empty
