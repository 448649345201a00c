"""Rewrite the file paths in notebooks' stored tracebacks so that no absolute path is committed.

A cell that is meant to raise stores the traceback of the machine that ran it,
with paths such as ``/home/me/aegmm-lessons/aegmm_lessons/params.py`` or
``/home/me/.../site-packages/keras/...``. ``make notebooks`` runs this script
after executing each notebook: paths inside the repository become relative to
it, and installed packages' paths start at ``site-packages/``.

Usage: python tools/relative_tracebacks.py NOTEBOOK...
"""

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
# Any absolute path up to an installed package, e.g. /usr/lib/python3.11/site-packages/
INSTALLED = re.compile(r"(?:/[^/\s\x1b'\"]+)+/(site-packages|dist-packages)/")
# The interpreter's own library, e.g. /usr/lib/python3.11/json/decoder.py
STANDARD_LIBRARY = re.compile(r"(?:/[^/\s\x1b'\"]+)+/(python3\.\d+)/")


def relative(line):
    """``line`` with the repository's path removed and installed paths shortened."""
    line = line.replace(f"{ROOT}/", "")
    line = INSTALLED.sub(r"\1/", line)
    return STANDARD_LIBRARY.sub(r"\1/", line)


def rewrite(path):
    """Rewrite ``path`` in place; return the number of traceback lines changed."""
    nb = nbformat.read(path, as_version=4)
    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            new = [relative(line) for line in output["traceback"]]
            changed += sum(a != b for a, b in zip(new, output["traceback"], strict=True))
            output["traceback"] = new
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {rewrite(name)} traceback line(s) made relative")
