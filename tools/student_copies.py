"""Copies of the lessons without their solutions, for a teacher to hand out (`make student`).

Each copy (``student/NN_name.ipynb``) is the committed notebook with

- a note at the top saying that the solutions are not in this copy and where
  the teacher finds them;
- every solution cell removed (see ``tools/course_notebooks.py`` for how they
  are recognised), and the ``## Solutions`` section reduced to that note
  (a section after it, such as the references, stays);
- every exercise cell kept, with its check, and its stored output cleared
  (it showed "not attempted yet"); the lesson's other outputs stay, since the
  text reads them.

``student/aegmm-lessons-student.zip`` holds all the copies. The folder is
git-ignored and rewritten on every run.
"""

import argparse
import copy
import sys
import zipfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_notebooks import is_exercise, is_solution, section_of

NOTE_TAG = "teacher-note"
ZIP_NAME = "aegmm-lessons-student.zip"


def teacher_note(name):
    return (
        f"> **Student copy of `{name}`.** The solution cells are not in this copy: the teacher finds them at "
        f"the end of `notebooks/{name}` in the course repository, under *Solutions*. Each exercise cell "
        "still checks your answer when you run it: \"not attempted yet\", a hint, or a confirmation."
    )


def student_notebook(nb, name):
    """A copy of ``nb`` (a NotebookNode) without solutions, for the lesson file ``name``.

    Returns
    -------
    NotebookNode
        The note first; solution cells and the rest of the ``## Solutions``
        section's Markdown removed (the heading stays, followed by the note);
        exercise cells with their outputs cleared.
    """
    cells = nb.cells
    kept = [nbformat.v4.new_markdown_cell(teacher_note(name), metadata={"tags": [NOTE_TAG]})]
    for index, cell in enumerate(cells):
        if is_solution(nb, index):
            continue
        in_solutions = section_of(cells, index) == "Solutions"
        if cell.cell_type == "markdown" and "## Solutions" in cell.source:
            heading = cell.source[: cell.source.index("## Solutions")] + "## Solutions"
            cell = nbformat.v4.new_markdown_cell(heading + "\n\n" + teacher_note(name))
            in_solutions = False
        elif cell.cell_type == "markdown" and in_solutions:
            # What the solutions section says of its solutions goes; a heading after it starts a new section.
            lines = cell.source.splitlines()
            start = next((i for i, line in enumerate(lines) if line.startswith("## ")), None)
            if start is None:
                continue
            if start > 0:
                cell = nbformat.v4.new_markdown_cell("\n".join(lines[start:]))
        cell = copy.deepcopy(cell)
        if is_exercise(nb, index):
            cell.outputs = []
            cell.execution_count = None
        kept.append(cell)
    student = copy.deepcopy(nb)
    student.cells = kept
    return student


def write_copies(notebook_dir, out_dir):
    """Write a student copy of every lesson in ``notebook_dir`` and the zip of them; returns the copies' paths."""
    notebooks = sorted(Path(notebook_dir).glob("[0-9]*.ipynb"))
    if not notebooks:
        raise ValueError(f"no notebooks under {notebook_dir}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.ipynb"):
        stale.unlink()
    written = []
    for path in notebooks:
        student = student_notebook(nbformat.read(path, as_version=4), path.name)
        nbformat.validate(student)
        target = out_dir / path.name
        nbformat.write(student, target)
        written.append(target)
    with zipfile.ZipFile(out_dir / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in written:
            archive.write(path, f"aegmm-lessons-student/{path.name}")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write copies of the lessons without their solutions.")
    parser.add_argument("notebook_dir", nargs="?", default="notebooks")
    parser.add_argument("out_dir", nargs="?", default="student")
    args = parser.parse_args(argv)
    written = write_copies(args.notebook_dir, args.out_dir)
    print(f"{len(written)} student copies in {args.out_dir}/, zipped in {args.out_dir}/{ZIP_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
