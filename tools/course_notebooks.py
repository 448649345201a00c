"""How the site, the student copies and the Colab tool recognise a lesson's cells.

- Solution cells carry the tag ``solution``. In a notebook not tagged yet, a
  code cell whose input is collapsed (``metadata.jupyter.source_hidden``) under
  the ``## Solutions`` heading, or under ``## Exercises`` in a lesson that
  keeps its solutions there, is one.
- Exercise cells carry the tag ``exercise``. In a notebook not tagged yet, a
  code cell under ``## Exercises`` that holds an empty answer is one: a
  top-level statement sets names to None (``answer = None``,
  ``a, b = None, None``) or defines a function stub whose body only returns
  None (or is ``pass`` / ``...``).

Headings may be numbered (``## 9. Exercises``).
- The Colab set-up cell carries the tag ``colab-setup``.
"""

import ast
import re

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
    """The ``## `` heading that cell ``index`` of ``cells`` sits under, without its number ("" before the first)."""
    for cell in reversed(cells[:index]):
        if cell.get("cell_type") != "markdown":
            continue
        for line in reversed(source_of(cell).splitlines()):
            if line.startswith("## "):
                return re.sub(r"^\d+(\.\d+)*\.?\s+", "", line[3:].strip())
    return ""


def is_colab_setup(cell):
    return COLAB_TAG in tags_of(cell)


def is_solution(nb, index):
    """Whether cell ``index`` of notebook ``nb`` (a dict or NotebookNode) is a solution cell."""
    cell = nb["cells"][index]
    if SOLUTION_TAG in tags_of(cell):
        return True
    hidden = cell.get("metadata", {}).get("jupyter", {}).get("source_hidden", False)
    return cell.get("cell_type") == "code" and hidden and section_of(nb["cells"], index) in ("Solutions", "Exercises")


def _returns_nothing(function):
    body = function.body
    docstring = body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    if docstring and isinstance(body[0].value.value, str) and len(body) > 1:
        body = body[1:]
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
    """Whether code ``source`` holds an empty answer: a name set to None at top level, or a stub returning None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            values = statement.value.elts if isinstance(statement.value, ast.Tuple) else [statement.value]
            if all(isinstance(value, ast.Constant) and value.value is None for value in values):
                return True
        if isinstance(statement, ast.FunctionDef) and _returns_nothing(statement):
            return True
    return False


def is_exercise(nb, index):
    """Whether cell ``index`` of notebook ``nb`` is an exercise cell (the learner's answer and its check)."""
    cell = nb["cells"][index]
    if EXERCISE_TAG in tags_of(cell):
        return True
    if cell.get("cell_type") != "code" or is_solution(nb, index):
        return False
    return section_of(nb["cells"], index) == "Exercises" and starts_empty(source_of(cell))
