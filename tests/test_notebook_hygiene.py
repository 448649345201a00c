"""Stored notebook outputs are what nbval compares: keep them reproducible.

Every notebook is executed top to bottom in a fresh kernel (execution counts
1, 2, 3, ...), holds no stderr, no error except in cells tagged to raise,
no absolute path, no progress bar or per-step timing, and starts with
``repro.setup`` (after the Colab set-up cell, which does nothing elsewhere).
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
ABSOLUTE_PATH = re.compile(r"(/root/|/home/\w+|/tmp/|/work/|/Users/\w+|[A-Z]:\\\\Users)")
PROGRESS = re.compile(r"\d+(\.\d+)?\s?m?s/step|ETA:|\d+/\d+ \[=+|\d+%\|")
RAISES = ("NBVAL_RAISES_EXCEPTION", "raises-exception")
IGNORE_TAG = "nbval-ignore-output"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ASSERTION = re.compile(r"^\s*assert\b", re.MULTILINE)


def code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def output_text(output):
    if output["output_type"] == "stream":
        text = output.get("text", "")
    elif output["output_type"] == "error":
        text = [output["evalue"], *output["traceback"]]
    else:
        text = output.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else text


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR.name}/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_reproducible(path):
    problems = []
    for number, cell in enumerate(code_cells(path), 1):
        source = "".join(cell["source"])
        tags = cell.get("metadata", {}).get("tags", [])
        where = f"code cell {number}"
        if cell["execution_count"] != number:
            problems.append(f"{where}: execution_count {cell['execution_count']}, expected {number}")
        may_raise = any(r in source for r in RAISES) or any(r in tags for r in RAISES)
        for output in cell["outputs"]:
            text = output_text(output)
            if output["output_type"] == "error" and not may_raise:
                problems.append(f"{where}: stored error {output['ename']}")
            if output["output_type"] == "stream" and output["name"] == "stderr":
                problems.append(f"{where}: stderr output {text[:80]!r}")
            if ABSOLUTE_PATH.search(text):
                problems.append(f"{where}: absolute path {ABSOLUTE_PATH.search(text).group(0)!r}")
            if PROGRESS.search(text):
                problems.append(f"{where}: progress or timing text {PROGRESS.search(text).group(0)!r}")
        if may_raise and not any(o["output_type"] == "error" for o in cell["outputs"]):
            problems.append(f"{where}: tagged to raise but stored no error")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_calls_repro_setup(path):
    # The Colab set-up cell (tag colab-setup, written by tools/colab_cell.py) may come before it.
    cells = [c for c in code_cells(path) if "colab-setup" not in c.get("metadata", {}).get("tags", [])]
    assert "setup(" in "".join(cells[0]["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_python3_kernel(path):
    meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    assert meta["kernelspec"]["name"] == "python3"


def is_ignored(cell):
    return IGNORE_TAG in cell.get("metadata", {}).get("tags", [])


def shows_a_widget(cell):
    return any(WIDGET_VIEW in output.get("data", {}) for output in cell["outputs"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_cell_whose_output_is_ignored_asserts_its_claim(path):
    """Path-dependent numbers are not compared digit for digit, so the cell
    itself must check what the prose claims of them, with a margin."""
    unchecked = [number for number, cell in enumerate(code_cells(path), 1)
                 if is_ignored(cell) and not shows_a_widget(cell)
                 and not ASSERTION.search("".join(cell["source"]))]
    assert not unchecked, f"code cells {unchecked} are tagged {IGNORE_TAG} but assert nothing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_at_most_a_quarter_of_code_cells_are_ignored(path):
    cells = code_cells(path)
    ignored = sum(is_ignored(cell) for cell in cells)
    assert 4 * ignored <= len(cells), f"{ignored} of {len(cells)} code cells are tagged {IGNORE_TAG}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ignored_output_is_a_cell_tag_not_a_comment_in_the_learners_code(path):
    commented = [number for number, cell in enumerate(code_cells(path), 1)
                 if "NBVAL_IGNORE_OUTPUT" in "".join(cell["source"])]
    assert not commented, f"code cells {commented}: use the cell tag {IGNORE_TAG}, not a comment"
