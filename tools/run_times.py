"""Writes the course's schedule and measured run times where learners read them.

README's notebook table (between ``<!-- notebook-table -->`` and
``<!-- /notebook-table -->``) gets, per notebook, its teaching and exercise
minutes, read from the header line of its first Markdown cell::

    **Teaching:** 25 min · **Exercises:** 30 min · **Run time:** <!-- run-time -->...<!-- /run-time -->

("–" while a notebook has no such line), and its measured run time and kernel
peak memory; each header gets the same figures between the run-time markers
(Markdown is not compared by nbval, so stored outputs stay valid).

``benchmarks/bench_notebooks.py`` measures the notebooks and calls
:func:`write_run_times`. ``python -m tools.run_times --rewrite`` rewrites the
table and the headers from the figures README already holds, without running
anything (after a header's minutes change, or to bring a header in line).
"""

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOTEBOOK_DIR = ROOT / "notebooks"
HEADER_MARKERS = re.compile(r"(<!-- run-time -->).*?(<!-- /run-time -->)", re.DOTALL)
SCHEDULE = re.compile(r"\*\*Teaching:\*\*\s*(\d+)\s*min\s*·\s*\*\*Exercises:\*\*\s*(\d+)\s*min")
TABLE = re.compile(r"(<!-- notebook-table -->\n)(.*?)(\n<!-- /notebook-table -->)", re.DOTALL)
COLUMNS = ("notebook", "learning goals", "teaching", "exercises", "run time (2 cores)", "kernel peak memory")
MISSING = "–"


def run_time_text(seconds, peak_mb):
    """How a notebook's header states its measured cost."""
    memory = "not measured" if peak_mb is None else f"{peak_mb / 1024:.2f} GB"
    return f"about {max(5, 5 * round(seconds / 5)):.0f} s on 2 CPU cores, kernel peak memory {memory}"


def read_schedule(header):
    """``(teaching, exercises)`` minutes of a header's schedule line, as strings; "–" for each when it has none."""
    found = SCHEDULE.search(header)
    return found.groups() if found else (MISSING, MISSING)


def _header(nb):
    return next(cell for cell in nb.cells if cell.cell_type == "markdown")


def _rows(table):
    """Rows of README's notebook table as dicts of COLUMNS, whichever of its two layouts it has."""
    rows = []
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) == 4:  # before the schedule columns
            cells = [*cells[:2], MISSING, MISSING, *cells[2:]]
        if len(cells) != len(COLUMNS):
            raise ValueError(f"README's notebook table has a row of {len(cells)} cells: {line!r}")
        rows.append(dict(zip(COLUMNS, cells, strict=True)))
    return rows


def _format_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    return "\n".join(lines + ["| " + " | ".join(row[column] for column in COLUMNS) + " |" for row in rows])


def write_run_times(measured, readme=README, notebook_dir=NOTEBOOK_DIR):
    """Write the schedule and measured run times into README's notebook table and the notebooks' headers.

    Parameters
    ----------
    measured : dict of Path to dict
        ``seconds``, ``peak_mb`` (or None) and ``error`` (None when it ran) of the notebooks measured; the
        others keep the figures README holds.
    readme, notebook_dir : Path
        README.md and the folder of the notebooks.

    Returns
    -------
    list of str
        The notebooks whose header has no run-time markers (left unchanged).
    """
    import nbformat

    text = readme.read_text(encoding="utf-8")
    table = TABLE.search(text)
    if table is None:
        raise ValueError(f"{readme.name} has no <!-- notebook-table --> ... <!-- /notebook-table --> block")
    measured = {Path(path).name: result for path, result in measured.items() if not result["error"]}
    lines = table.group(2).split("\n")
    n_table = next((i for i, line in enumerate(lines) if not line.startswith("|")), len(lines))
    rows, after_table, unmarked = _rows("\n".join(lines[:n_table])), lines[n_table:], []
    for row in rows:
        name = re.search(r"\(notebooks/([^)]+)\)", row["notebook"]).group(1)
        path = notebook_dir / name
        nb = nbformat.read(str(path), as_version=4)
        header = _header(nb)
        row["teaching"], row["exercises"] = (f"{m} min" if m != MISSING else m for m in read_schedule(header.source))
        if name in measured:
            result = measured[name]
            row["run time (2 cores)"] = f"{result['seconds']:.0f} s"
            row["kernel peak memory"] = "" if result["peak_mb"] is None else f"{result['peak_mb'] / 1024:.2f} GB"
        seconds = re.fullmatch(r"(\d+) s", row["run time (2 cores)"])
        if seconds is None:
            continue
        memory = re.fullmatch(r"([\d.]+) GB", row["kernel peak memory"])
        figures = run_time_text(float(seconds.group(1)), float(memory.group(1)) * 1024 if memory else None)
        if not HEADER_MARKERS.search(header.source):
            unmarked.append(name)
            continue
        source = HEADER_MARKERS.sub(lambda m, figures=figures: m.group(1) + figures + m.group(2), header.source)
        if source != header.source:
            header.source = source
            nbformat.write(nb, str(path))
    block = "\n".join([_format_table(rows), *after_table])  # the lines below the table stay as they are
    readme.write_text(text[:table.start(2)] + block + text[table.end(2):], encoding="utf-8")
    return unmarked


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rewrite", action="store_true", required=True,
                        help="rewrite README's table and the headers from the figures README holds (runs nothing)")
    parser.parse_args(argv)
    unmarked = write_run_times({})
    print(f"README.md and the headers rewritten; headers without run-time markers: {', '.join(unmarked) or 'none'}")


if __name__ == "__main__":
    main()
