"""The Colab set-up cell (tools/colab_cell.py): what it runs on Colab, and that it does nothing elsewhere."""

import importlib.util
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import colab_cell  # noqa: E402
from course_notebooks import COLAB_TAG  # noqa: E402

ADDRESS = "https://github.com/course-owner/aegmm-lessons"
CANDIDATES = [("dask", "dask"), ("distributed", "distributed")]
PIP = [sys.executable, "-m", "pip", "install", "--quiet"]
PACKAGE = "aegmm-lessons @ git+https://github.com/course-owner/aegmm-lessons.git@main"


@pytest.fixture
def pip_calls(monkeypatch):
    """subprocess.run replaced by a recorder: the commands the cell would have run."""
    calls = []

    def record(command, **kwargs):
        calls.append(list(command))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", record)
    return calls


@pytest.fixture
def on_colab(monkeypatch):
    # Colab's kernel imports google.colab at start-up; a stand-in module is enough for the cell.
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


@pytest.fixture
def not_on_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)


def missing_modules(monkeypatch, *names):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in names else real(name, *a))


def run_cell(source):
    exec(compile(source, "<colab-setup>", "exec"), {"__name__": "__main__"})


@pytest.mark.parametrize("address", [ADDRESS, None], ids=["address set", "no address"])
def test_cell_does_nothing_and_prints_nothing_outside_colab(address, not_on_colab, pip_calls, capsys):
    run_cell(colab_cell.cell_source(address, CANDIDATES))
    assert pip_calls == []
    assert capsys.readouterr() == ("", "")


def test_on_colab_installs_the_package_without_dependencies_then_only_what_is_missing(
    on_colab, pip_calls, monkeypatch
):
    missing_modules(monkeypatch, "distributed")
    run_cell(colab_cell.cell_source(ADDRESS, CANDIDATES))
    assert pip_calls == [[*PIP, "--no-deps", PACKAGE], [*PIP, "distributed"]]


def test_on_colab_with_everything_importable_installs_only_the_package(on_colab, pip_calls, monkeypatch):
    missing_modules(monkeypatch)
    run_cell(colab_cell.cell_source(ADDRESS, CANDIDATES))
    assert pip_calls == [[*PIP, "--no-deps", PACKAGE]]


def test_on_colab_never_installs_what_colab_ships(on_colab, pip_calls, monkeypatch):
    shipped = ("numpy", "tensorflow", "keras", "sklearn", "scipy", "matplotlib", "ipywidgets", "nbval")
    missing_modules(monkeypatch, *shipped, "dask", "distributed")
    run_cell(colab_cell.cell_source(ADDRESS, colab_cell.colab_candidates()))
    installed = [argument for command in pip_calls for argument in command[len(PIP):]]
    assert installed == ["--no-deps", PACKAGE, "dask", "distributed"]


def test_on_colab_without_an_address_says_what_to_set(on_colab, pip_calls):
    with pytest.raises(RuntimeError, match=r"Repository under \[project.urls\] in pyproject.toml"):
        run_cell(colab_cell.cell_source(None, CANDIDATES))
    assert pip_calls == []


def test_candidates_are_the_requirements_colab_does_not_ship(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[project]\nname = 'x'\ndependencies = [\n"
        "  \"tensorflow-cpu==2.21.0; sys_platform == 'linux'\",\n"
        "  \"tensorflow==2.21.0; sys_platform != 'linux'\",\n"
        "  'numpy==2.4.6', 'scikit-learn==1.9.1', 'dask==2026.8.0', 'some-thing[extra]>=1',\n"
        "]\n"
    )
    assert colab_cell.colab_candidates(pyproject) == [("dask", "dask"), ("some-thing", "some_thing")]


def test_the_projects_candidates_leave_out_colabs_packages():
    names = [name for name, _ in colab_cell.colab_candidates()]
    assert names, "no candidates: then the cell's check for missing modules is dead code"
    assert not set(names) & colab_cell.COLAB_SHIPS


def notebook(counts=(1, 2)):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title")]
    for count in counts:
        cell = nbformat.v4.new_code_cell(f"x = {count}")
        cell.execution_count = count
        nb.cells.append(cell)
    return nb


def test_tool_inserts_the_cell_first_among_code_cells_and_renumbers():
    nb = notebook()
    assert colab_cell.apply(nb, "# set-up")
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code"]
    assert nb.cells[1].source == "# set-up" and COLAB_TAG in nb.cells[1].metadata.tags
    assert [c.execution_count for c in nb.cells[1:]] == [1, 2, 3]
    nbformat.validate(nb)


def test_tool_is_idempotent_and_follows_the_address():
    nb = notebook()
    colab_cell.apply(nb, "# set-up")
    assert not colab_cell.apply(nb, "# set-up")
    assert len(nb.cells) == 4
    assert colab_cell.apply(nb, "# set-up, new address")
    assert nb.cells[1].source == "# set-up, new address"
    assert [c.execution_count for c in nb.cells[1:]] == [1, 2, 3]


def test_tool_moves_a_misplaced_cell_back_before_the_first_code_cell():
    nb = notebook()
    colab_cell.apply(nb, "# set-up")
    nb.cells.append(nb.cells.pop(1))
    assert colab_cell.apply(nb, "# set-up")
    assert COLAB_TAG in nb.cells[1].metadata.tags
    assert sum(COLAB_TAG in c.metadata.get("tags", []) for c in nb.cells) == 1


def test_every_lesson_has_the_current_colab_cell(capsys):
    assert colab_cell.main(["--check", str(ROOT / "notebooks")]) == 0, (
        capsys.readouterr().out + "run: python tools/colab_cell.py notebooks"
    )
