"""Writes measured notebook run times where learners read them.

README's notebook table gets "run time" and "kernel peak memory" columns, and
each notebook's header the same figures between the markers
``<!-- run-time -->`` and ``<!-- /run-time -->`` of its first Markdown cell
(Markdown is not compared by nbval, so stored outputs stay valid).
``benchmarks/bench_notebooks.py`` measures the figures and calls
:func:`write_run_times`.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
HEADER_MARKERS = re.compile(r"(<!-- run-time -->).*?(<!-- /run-time -->)", re.DOTALL)


def run_time_text(seconds, peak_mb):
    """How a notebook's header and README state its measured cost."""
    memory = "not measured" if peak_mb is None else f"{peak_mb / 1024:.2f} GB"
    return f"about {max(5, 5 * round(seconds / 5)):.0f} s on 2 CPU cores, kernel peak memory {memory}"


def write_run_times(measured):
    """Write measured run times into README's notebook table and the notebooks' headers.

    Parameters
    ----------
    measured : dict of Path to dict
        ``execute_notebook`` results of the notebooks that ran.

    Returns
    -------
    list of str
        The notebooks whose header has no run-time markers (left unchanged).
    """
    import nbformat

    readme = README.read_text(encoding="utf-8")
    unmarked = []
    for path, result in measured.items():
        if result["error"]:
            continue
        text = run_time_text(result["seconds"], result["peak_mb"])
        nb = nbformat.read(str(path), as_version=4)
        header = next(cell for cell in nb.cells if cell.cell_type == "markdown")
        if HEADER_MARKERS.search(header.source):
            header.source = HEADER_MARKERS.sub(lambda m, text=text: m.group(1) + text + m.group(2), header.source)
            nbformat.write(nb, str(path))
        else:
            unmarked.append(path.name)
        memory = "" if result["peak_mb"] is None else f"{result['peak_mb'] / 1024:.2f} GB"
        row = re.compile(rf"^(\| \[[^]]*\]\(notebooks/{re.escape(path.name)}\) \| [^|]* \| )[^|]* \| [^|]* \|$",
                         re.MULTILINE)
        cells = f"{result['seconds']:.0f} s | {memory} |"
        readme = row.sub(lambda m, cells=cells: m.group(1) + cells, readme)
    README.write_text(readme, encoding="utf-8")
    return unmarked
