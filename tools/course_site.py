"""Lay out the sources of the course site: `make site` runs this, then Sphinx.

The site is built from the committed notebooks, never executed. This writes a
source folder for Sphinx (``build/site-src`` by default; ``docs/conf.py`` is the
configuration) holding

- ``index.md``: README's introduction and its notebook table, whose links
  become links to the lesson pages, and a table of contents;
- ``notebooks/*.ipynb``: each lesson as committed, with what the page shows
  adjusted through cell tags that myst-nb reads:

  - solution cells (tag ``solution``, or, in a notebook not yet tagged, code
    cells whose input is collapsed under ``## Solutions``) get ``hide-input``:
    their input is folded, their checked output shows;
  - the Colab set-up cell (see ``tools/colab_cell.py``) gets ``remove-cell``;
  - a stored widget view (``application/vnd.jupyter.widget-view+json``) is
    dropped together with its ``VBox(children=...)`` text: without a kernel it
    would render nothing or that text, and every widget has a static figure
    beside it. The notebook's widget state goes too, so that no widget
    JavaScript is asked for.

Only files whose content changed are rewritten, so Sphinx rebuilds only those.
"""

import argparse
import copy
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_notebooks import COLAB_TAG, is_colab_setup, is_solution  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TABLE_START, TABLE_END = "<!-- notebook-table -->", "<!-- /notebook-table -->"


def site_notebook(nb):
    """A copy of ``nb`` (a NotebookNode) with the tags and outputs the site shows.

    Solution cells get ``hide-input``, the Colab set-up cell ``remove-cell``;
    widget views and the notebook's widget state are dropped.
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.setdefault("tags", [])
        if is_colab_setup(cell) and "remove-cell" not in tags:
            tags.append("remove-cell")
        elif is_solution(nb, index) and "hide-input" not in tags:
            tags.append("hide-input")
        if not tags:
            del cell.metadata["tags"]
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.outputs if WIDGET_VIEW not in out.get("data", {})]
    return nb


def readme_parts(readme_text):
    """README's introduction (the text before the first ``##``) and its notebook table's rows.

    Raises
    ------
    ValueError
        If README has no ``<!-- notebook-table -->`` block or the block holds no table.
    """
    body = readme_text.split("\n", 1)[1]
    intro = body.split("\n## ", 1)[0].strip()
    match = re.search(re.escape(TABLE_START) + r"(.*?)" + re.escape(TABLE_END), readme_text, re.DOTALL)
    if match is None:
        raise ValueError(f"README has no {TABLE_START} ... {TABLE_END} block")
    rows = [line for line in match.group(1).splitlines() if line.startswith("|")]
    if len(rows) < 3:
        raise ValueError(f"README's notebook table has {len(rows)} lines, expected a header, a rule and rows")
    return intro, rows


def index_page(readme_text, notebook_names):
    """The site's front page (MyST Markdown): README's introduction and notebook table, and a toctree.

    Parameters
    ----------
    readme_text : str
        README.md's text.
    notebook_names : sequence of str
        The lesson files, in order (``"00_concepts.ipynb"``, ...).
    """
    intro, rows = readme_parts(readme_text)
    missing = [name for name in notebook_names if f"(notebooks/{name})" not in "\n".join(rows)]
    if missing:
        raise ValueError(f"README's notebook table does not link {missing}")
    toctree = "\n".join(f"notebooks/{Path(name).stem}" for name in notebook_names)
    return (
        "# aegmm-lessons\n\n"
        f"{intro}\n\n"
        "## Lessons\n\n"
        "Read them here, or run them: each page has launch links when the course has a public address, "
        "and `make lab` runs them on your machine.\n\n"
        + "\n".join(rows)
        + "\n\n```{toctree}\n:hidden:\n:maxdepth: 1\n\n"
        + toctree
        + "\n```\n"
    )


def _write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def prepare(out_dir, root=ROOT):
    """Write the site's sources into ``out_dir``; returns the lesson files written."""
    out_dir = Path(out_dir)
    notebooks = sorted((root / "notebooks").glob("[0-9]*.ipynb"))
    if not notebooks:
        raise ValueError(f"no notebooks under {root / 'notebooks'}")
    readme = (root / "README.md").read_text(encoding="utf-8")
    _write_if_changed(out_dir / "index.md", index_page(readme, [p.name for p in notebooks]))
    written = []
    for path in notebooks:
        nb = site_notebook(nbformat.read(path, as_version=4))
        target = out_dir / "notebooks" / path.name
        _write_if_changed(target, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        written.append(target)
    wanted = {p.name for p in notebooks}
    for stale in (out_dir / "notebooks").glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the course site's Sphinx sources.")
    parser.add_argument("out_dir", nargs="?", default=str(ROOT / "build" / "site-src"))
    args = parser.parse_args(argv)
    written = prepare(args.out_dir)
    print(f"{len(written)} lessons laid out in {args.out_dir} (tag for the Colab cell: {COLAB_TAG})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
