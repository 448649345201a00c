"""Each notebook top to bottom in a fresh kernel: wall time and the kernel's peak memory.

Every notebook runs as ``make notebooks`` runs it (nbclient, kernel
``python3``, the same TensorFlow environment variables, the notebook's folder
as working directory), but in a temporary copy of ``notebooks/``: the stored
notebooks are never overwritten. Wall time counts from kernel start to the
last cell's end. Peak memory is the kernel process's ``VmHWM`` (peak resident
set) read from ``/proc/<pid>/status`` before the kernel shuts down; the note
beside it adds the processes the kernel starts (e.g. joblib workers), as the
sampled peak of their summed resident memory.

The measured figures are also written where learners read them, by
``tools/run_times.py``: README's notebook table and each notebook's header.
Commit both after a quiet run.

Run on its own with ``make bench BENCH_ARGS="--only notebooks"`` or
``python -m benchmarks.bench_notebooks [NOTEBOOK ...]``.
"""

import contextlib
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from tools.run_times import write_run_times

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"

# The environment of `make notebooks` (exported by the Makefile), so that a
# direct `python -m benchmarks.run` measures the same thing.
KERNEL_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_DETERMINISTIC_OPS": "1",
    "PYTHONHASHSEED": "0",
}
KERNEL_NAME = "python3"
CELL_TIMEOUT = 600  # seconds, as in `make notebooks`

# Budgets from the course design (2 CPU cores, Binder's 2 GB shared by kernels).
FAST_NOTEBOOKS = ("00", "01", "03")
FAST_BUDGET_S = 30.0
DEFAULT_BUDGET_S = 60.0
MEMORY_BUDGET_MB = 1024.0
SUITE_BUDGET_S = 240.0

# Earlier measurements a run is read against (the redesign slowed lesson 03; issue 19 set out to undo it).
PREVIOUS = {"03": "previously 22.1 s with the package before the redesign and 33.4 s after it, on one busy host; "
                  "11.9 s on a quiet one"}

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def time_budget(path):
    """Wall-time budget in seconds for a notebook, from its two-digit prefix."""
    return FAST_BUDGET_S if Path(path).name[:2] in FAST_NOTEBOOKS else DEFAULT_BUDGET_S


def read_peak_memory_mb(pid):
    """Peak resident set size (``VmHWM``) of process ``pid`` in MiB.

    Parameters
    ----------
    pid : int

    Returns
    -------
    float or None
        None where ``/proc`` is not available (not Linux) or the process is gone.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise ValueError(f"VmHWM in /proc/{pid}/status: expected kB, got {unit!r}")
            return int(value) / 1024.0
    return None


def read_cpu_seconds(pid):
    """User + system CPU time of process ``pid`` and its waited-for children, in seconds.

    Less sensitive than wall time to other work on a shared machine (though
    threads add up: it can exceed wall time). None where ``/proc`` is missing.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name; utime, stime, cutime, cstime are 14-17.
    fields = stat[stat.rindex(")") + 2:].split()
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


class ProcessTreeMemory:
    """Peak summed resident memory of a process and its descendants, sampled in a thread.

    VmHWM covers the kernel alone; worker processes it starts (joblib's for
    ``n_jobs=2``) count too against a Binder session's memory limit.

    Parameters
    ----------
    pid : int
    interval : float, default 0.1
        Seconds between samples: a short-lived peak between two samples is missed.
    """

    def __init__(self, pid, interval=0.1):
        self.pid, self.interval = pid, interval
        self.peak_mb = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, root):
        import psutil

        total = 0
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a worker that just exited
                total += process.memory_info().rss
        return total / 2**20

    def _run(self):
        try:
            import psutil

            root = psutil.Process(self.pid)
        except Exception:  # no psutil, or the process is gone: report nothing
            return
        while not self._stop.is_set():
            try:
                sample = self._sample(root)
            except Exception:
                return
            self.peak_mb = sample if self.peak_mb is None else max(self.peak_mb, sample)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()


def load_average():
    """One-minute load average, or None where the platform has none."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def execute_notebook(path, workdir):
    """Execute a notebook top to bottom in a fresh kernel.

    Parameters
    ----------
    path : path-like
        The notebook to run; it is read, never written.
    workdir : path-like
        Working directory of the kernel (a temporary copy of the notebooks).

    Returns
    -------
    dict
        ``seconds`` (kernel start to last cell), ``cpu_seconds`` (kernel CPU
        time or None), ``peak_mb`` (kernel VmHWM or None), ``tree_peak_mb``
        (sampled peak of the kernel and its child processes, or None),
        ``n_cells`` (code cells executed) and ``error`` (None, or the text of
        the first unexpected error).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL_NAME,
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    env = dict(os.environ, **KERNEL_ENVIRONMENT)
    result = {"seconds": None, "cpu_seconds": None, "peak_mb": None, "tree_peak_mb": None, "n_cells": 0,
              "error": None}
    started = time.perf_counter()
    with client.setup_kernel(env=env, cwd=str(workdir)):
        pid = client.km.provisioner.process.pid
        with ProcessTreeMemory(pid) as tree:
            try:
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            except CellExecutionError as exc:
                text = ANSI_ESCAPE.sub("", str(exc)).strip()
                result["error"] = text.splitlines()[-1][:200] if text else type(exc).__name__
        result["seconds"] = time.perf_counter() - started
        result["tree_peak_mb"] = tree.peak_mb
        result["n_cells"] = client.code_cells_executed
        # Read before the context manager shuts the kernel down.
        result["peak_mb"] = read_peak_memory_mb(pid)
        result["cpu_seconds"] = read_cpu_seconds(pid)
    return result


def _status(value, budget):
    if value is None:
        return "not measured"
    return "within budget" if value <= budget else "OVER BUDGET"


def run(full=False, notebooks=None):
    """Rows of the ``notebooks`` section of ``make bench``.

    Parameters
    ----------
    full : bool
        Unused: every notebook always runs.
    notebooks : sequence of path-like, optional
        Defaults to every ``notebooks/NN_*.ipynb``.

    Returns
    -------
    list of dict
        One wall-time row and one peak-memory row per notebook, then the suite total.
    """
    paths = [Path(p) for p in notebooks] if notebooks else sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
    if not paths:
        return [{"metric": "notebooks found", "value": 0, "note": f"none in {NOTEBOOK_DIR.name}/"}]
    rows = []
    total = 0.0
    measured_by_path = {}
    with tempfile.TemporaryDirectory(prefix="aegmm-bench-") as tmp:
        workdir = Path(tmp) / "notebooks"
        shutil.copytree(NOTEBOOK_DIR, workdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for path in paths:
            copy = workdir / path.name
            if not copy.exists():
                shutil.copy2(path, copy)
            print(f"  executing {path.name} ...", flush=True)
            measured = execute_notebook(copy, workdir)
            measured_by_path[path] = measured
            total += measured["seconds"]
            budget = time_budget(path)
            note = _status(measured["seconds"], budget)
            if measured["error"]:
                note = f"FAILED: {measured['error']}"
            details = [note, f"{measured['n_cells']} code cells", *filter(None, [PREVIOUS.get(path.name[:2])])]
            if measured["cpu_seconds"] is not None:
                details.append(f"kernel CPU {measured['cpu_seconds']:.1f} s")
            load = load_average()
            if load is not None:
                details.append(f"load average {load:.1f} on {os.cpu_count()} cores")
            rows.append({
                "metric": f"{path.stem} wall time (s)",
                "value": round(measured["seconds"], 1),
                "budget": f"<= {budget:.0f} s",
                "note": "; ".join(details),
            })
            peak, tree_peak = measured["peak_mb"], measured["tree_peak_mb"]
            note = _status(peak, MEMORY_BUDGET_MB)
            if tree_peak is not None:
                # Sampling can miss the kernel's own peak; VmHWM cannot.
                tree_peak = max(tree_peak, peak or 0.0)
                note += f"; with child processes {tree_peak:.0f} MB ({_status(tree_peak, MEMORY_BUDGET_MB)})"
            rows.append({
                "metric": f"{path.stem} kernel peak memory (MB)",
                "value": "n/a" if peak is None else round(peak),
                "budget": f"<= {MEMORY_BUDGET_MB:.0f} MB",
                "note": note,
            })
    unmarked = write_run_times(measured_by_path)
    if unmarked:
        rows.append({"metric": "headers without run-time markers", "value": len(unmarked), "note": ", ".join(unmarked)})
    rows.append({
        "metric": f"all {len(paths)} notebooks, wall time (s)",
        "value": round(total, 1),
        "budget": f"<= {SUITE_BUDGET_S:.0f} s",
        "note": _status(total, SUITE_BUDGET_S),
    })
    return rows


def main(argv=None):
    from benchmarks.run import markdown_table

    argv = sys.argv[1:] if argv is None else argv
    print(markdown_table(run(notebooks=argv or None)))


if __name__ == "__main__":
    main()
