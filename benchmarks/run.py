"""`make bench`: one report of everything the course measures.

Each section is a module ``benchmarks/bench_<name>.py`` with a function
``run(full: bool) -> list[dict]``; a row has ``metric``, ``value`` (a number or
text), and optionally ``budget`` and ``note``. The report is printed and
written as Markdown to ``bench-results/report.md`` (git-ignored).

Usage: ``make bench`` or ``make bench BENCH_ARGS="--full --only em"``.
"""

import argparse
import importlib
import platform
import time
from pathlib import Path

from aegmm_lessons.repro import format_value

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ["em", "refine", "autoencoder", "vae", "mixture_vae", "dask_search", "notebooks"]


def markdown_table(rows):
    lines = ["| metric | value | budget | note |", "| --- | --- | --- | --- |"]
    for row in rows:
        cells = [row["metric"], format_value(row["value"]), row.get("budget", ""), row.get("note", "")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="include the slow runs (over a minute each)")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only these sections")
    args = parser.parse_args(argv)

    import os

    parts = [
        "# aegmm-lessons benchmark report",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}.",
    ]
    started = time.perf_counter()
    for name in args.only or SECTIONS:
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.bench_{name}":
                raise
            continue
        print(f"running {name} ...", flush=True)
        section_start = time.perf_counter()
        rows = module.run(full=args.full)
        parts += ["", f"## {name}", "", (module.__doc__ or "").strip().splitlines()[0], "", markdown_table(rows)]
        parts.append(f"\n({name}: {time.perf_counter() - section_start:.1f} s)")
    parts.append(f"\nTotal: {time.perf_counter() - started:.1f} s")
    report = "\n".join(parts) + "\n"
    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "report.md").write_text(report)
    print(report)
    print(f"written to {(out_dir / 'report.md').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
