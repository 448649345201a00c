"""Write the Colab set-up cell as the first code cell of every lesson.

On Google Colab (``google.colab`` imported, as it is in every Colab kernel)
the cell installs the course package from the repository's address with
``--no-deps``, so that Colab's own NumPy, TensorFlow, Keras, scikit-learn,
SciPy and Matplotlib stay untouched (reinstalling them breaks Colab's compiled
packages), then those of the course's other requirements that the kernel
cannot import (found when the cell runs; Colab ships most of them).
Everywhere else it does nothing and prints nothing. While pyproject's
``[project.urls] Repository`` is unset, on Colab it stops with what to set.

The cell carries the tag ``colab-setup``: running the tool again rewrites that
cell's source (it follows the address) and touches nothing else, so it can be
re-run on merged notebooks at any time::

    python tools/colab_cell.py notebooks            # write or update the cell
    python tools/colab_cell.py --check notebooks    # exit 1 if a notebook lacks it or it is stale

A new cell is inserted before the first code cell with execution count 1 and
later execution counts moved up by one, which is what a fresh run top to
bottom stores, since the cell prints nothing outside Colab.
"""

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_notebooks import COLAB_TAG, is_colab_setup
from launch_links import PYPROJECT, pip_requirement, repository_url

# Requirements Colab ships (or has its own of) and that the cell must never install.
COLAB_SHIPS = frozenset(
    {
        "tensorflow",
        "tensorflow-cpu",
        "keras",
        "numpy",
        "scipy",
        "scikit-learn",
        "matplotlib",
        "ipywidgets",
        "ipykernel",
        # Colab is its own notebook front end.
        "jupyterlab",
    }
)
# Requirement name -> the module the cell looks for before installing it.
IMPORT_NAMES = {"scikit-learn": "sklearn", "tensorflow-cpu": "tensorflow"}
CELL_ID = "colab-setup"


def requirement_names(pyproject=None):
    """The names of the course's run-time requirements, in pyproject's order, without versions or markers."""
    with open(PYPROJECT if pyproject is None else pyproject, "rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    names = []
    for requirement in dependencies:
        name = re.split(r"[=<>!~;\s\[@]", requirement, maxsplit=1)[0].lower()
        if name not in names:
            names.append(name)
    return names


def colab_candidates(pyproject=None):
    """The requirements Colab may lack: ``(requirement, module)`` pairs, for the cell to check at run time."""
    return [
        (name, IMPORT_NAMES.get(name, name.replace("-", "_")))
        for name in requirement_names(pyproject)
        if name not in COLAB_SHIPS
    ]


def cell_source(url, candidates):
    """The set-up cell's code.

    Parameters
    ----------
    url : str or None
        The repository's address (None while unset).
    candidates : sequence of (str, str)
        ``(requirement, module)`` pairs Colab may lack; installed only when the module is missing.
    """
    header = (
        "# Colab set-up (written by tools/colab_cell.py). On Google Colab: install the course package\n"
        "# without its dependencies (Colab's NumPy, TensorFlow and the rest stay as they are) and what\n"
        "# Colab lacks. Anywhere else this cell does nothing.\n"
        "import sys\n\n"
        'if "google.colab" in sys.modules:\n'
    )
    if url is None:
        return header + (
            "    raise RuntimeError(\n"
            '        "This copy of the course has no public address yet, so Colab cannot install its package: "\n'
            '        "set Repository under [project.urls] in pyproject.toml, run "\n'
            '        "`python tools/colab_cell.py notebooks`, and open the notebooks from that repository."\n'
            "    )"
        )
    modules = ", ".join(f"({json.dumps(requirement)}, {json.dumps(module)})" for requirement, module in candidates)
    return header + (
        "    import importlib.util\n"
        "    import subprocess\n\n"
        "    pip = [sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\"]\n"
        f"    subprocess.run([*pip, \"--no-deps\", {json.dumps(pip_requirement(url))}], check=True)\n"
        "    missing = [\n"
        f"        name for name, module in [{modules}]\n"
        "        if importlib.util.find_spec(module) is None\n"
        "    ]\n"
        "    if missing:\n"
        "        subprocess.run([*pip, *missing], check=True)"
    )


def _first_code_index(cells):
    return next((i for i, cell in enumerate(cells) if cell.cell_type == "code"), len(cells))


def apply(nb, source):
    """Put the set-up cell with ``source`` first among ``nb``'s code cells; returns whether ``nb`` changed."""
    cells = nb.cells
    existing = [i for i, cell in enumerate(cells) if is_colab_setup(cell)]
    if existing:
        index = existing[0]
        for extra in reversed(existing[1:]):
            del cells[extra]
        cell = cells[index]
        first_other = _first_code_index([c for i, c in enumerate(cells) if i != index])
        changed = len(existing) > 1 or cell.source != source
        if index != first_other:
            cells.insert(first_other, cells.pop(index))
            changed = True
        cell.source = source
        return changed
    cell = nbformat.v4.new_code_cell(source=source, metadata={"tags": [COLAB_TAG]})
    if "id" in (cells[0] if cells else {}):
        cell.id = CELL_ID
    else:
        cell.pop("id", None)
    counts = [c.execution_count for c in cells if c.cell_type == "code"]
    if counts and all(count is not None for count in counts):
        for other in cells:
            if other.cell_type == "code":
                other.execution_count += 1
        cell.execution_count = 1
    cells.insert(_first_code_index(cells), cell)
    return True


def notebook_paths(arguments):
    paths = []
    for argument in arguments:
        path = Path(argument)
        paths.extend(sorted(path.glob("[0-9]*.ipynb")) if path.is_dir() else [path])
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the Colab set-up cell into the lessons.")
    parser.add_argument("paths", nargs="*", default=["notebooks"], help="notebooks or folders of notebooks")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is not current")
    args = parser.parse_args(argv)
    source = cell_source(repository_url(), colab_candidates())
    stale = []
    for path in notebook_paths(args.paths):
        nb = nbformat.read(path, as_version=4)
        if apply(nb, source):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
    verb = "not current" if args.check else "written"
    for path in stale:
        print(f"{path}: Colab set-up cell {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
