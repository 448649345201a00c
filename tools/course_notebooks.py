"""How the site, the student copies and the Colab tool recognise a lesson's cells.

- Solution cells carry the tag ``solution``. In a notebook not tagged yet, a
  code cell whose input is collapsed (``metadata.jupyter.source_hidden``) under
  the ``## Solutions`` heading is one.
- Exercise cells carry the tag ``exercise``. In a notebook not tagged yet, a
  code cell under ``## Exercises`` that starts empty is one: its first
  statement is ``answer = None`` or a function stub whose body only returns
  None (or is ``pass`` / ``...``).
- The Colab set-up cell carries the tag ``colab-setup``.
"""

import ast

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
COLAB_TAG = "colab-setup"


def source_of(cell):
    """A cell's source as one string (nbformat stores a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def tags_of(cell):
    return cell.get("metadata", {}).get("tags", [])


def section_of(cells, index):
    """The ``## `` heading that cell ``index`` of ``cells`` sits under ("" before the first one)."""
    for cell in reversed(cells[:index]):
        if cell.get("cell_type") != "markdown":
            continue
        for line in reversed(source_of(cell).splitlines()):
            if line.startswith("## "):
                return line[3:].strip()
    return ""


def is_colab_setup(cell):
    return COLAB_TAG in tags_of(cell)


def is_solution(nb, index):
    """Whether cell ``index`` of notebook ``nb`` (a dict or NotebookNode) is a solution cell."""
    cell = nb["cells"][index]
    if SOLUTION_TAG in tags_of(cell):
        return True
    hidden = cell.get("metadata", {}).get("jupyter", {}).get("source_hidden", False)
    return cell.get("cell_type") == "code" and hidden and section_of(nb["cells"], index) == "Solutions"


def _returns_nothing(function):
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # a docstring
    if len(body) != 1:
        return False
    statement = body[0]
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return statement.value.value is Ellipsis
    return isinstance(statement, ast.Return) and (
        statement.value is None or (isinstance(statement.value, ast.Constant) and statement.value.value is None)
    )


def starts_empty(source):
    """Whether code ``source`` starts the way an exercise does: ``answer = None`` or a stub returning None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    if not tree.body:
        return False
    first = tree.body[0]
    if isinstance(first, ast.Assign):
        return (
            any(isinstance(t, ast.Name) and t.id == "answer" for t in first.targets)
            and isinstance(first.value, ast.Constant)
            and first.value.value is None
        )
    if isinstance(first, ast.FunctionDef):
        return _returns_nothing(first)
    return False


def is_exercise(nb, index):
    """Whether cell ``index`` of notebook ``nb`` is an exercise cell (the learner's answer and its check)."""
    cell = nb["cells"][index]
    if EXERCISE_TAG in tags_of(cell):
        return True
    if cell.get("cell_type") != "code" or is_solution(nb, index):
        return False
    return section_of(nb["cells"], index) == "Exercises" and starts_empty(source_of(cell))
