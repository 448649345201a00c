"""Strict nbval over every notebook under configurations that stand in for other machines.

``make test-portability`` runs this. One recording of the notebooks (``make
notebooks``, on any machine) must reproduce under each configuration below and
under the machine's default, which ``make test`` covers. The configurations
differ in what changes the last digits of a float pipeline from one learner's
machine to the next:

- the OpenBLAS kernel (``OPENBLAS_CORETYPE``; the names below run on every
  x86-64 CPU, and the kernel OpenBLAS really loaded is checked with
  threadpoolctl before the notebooks run);
- the BLAS / OpenMP thread count (1 and 2);
- TensorFlow's intra-op thread count (``TF_NUM_INTRAOP_THREADS``, applied by
  ``aegmm_lessons.repro.setup``).

Usage: ``python tools/portability.py [--jobs N] [notebook ...]``. Two
configurations run at once by default: the notebooks' kernels are mostly
single-threaded, so two share two cores well.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
IGNORE_TAG = "nbval-ignore-output"

# name -> (environment, the kernel name threadpoolctl reports for it)
CONFIGURATIONS = {
    "sandybridge-blas1-tf1": ({"OPENBLAS_CORETYPE": "Sandybridge", "OPENBLAS_NUM_THREADS": "1",
                               "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1"}, "Sandybridge"),
    "nehalem-blas2-tf1": ({"OPENBLAS_CORETYPE": "Nehalem", "OPENBLAS_NUM_THREADS": "2",
                           "OMP_NUM_THREADS": "2", "TF_NUM_INTRAOP_THREADS": "1"}, "Nehalem"),
    "haswell-blas1-tf2": ({"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "1",
                           "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "2"}, "Haswell"),
    # OpenBLAS runs its oldest SSE3 kernel for Prescott and reports it as Katmai.
    "prescott-blas2-tf2": ({"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "2",
                            "OMP_NUM_THREADS": "2", "TF_NUM_INTRAOP_THREADS": "2"}, "Katmai"),
}

KERNEL_PROBE = (
    "import numpy, scipy.linalg, json\n"
    "from threadpoolctl import threadpool_info\n"
    "print(json.dumps(sorted({i.get('architecture') for i in threadpool_info() "
    "if i['internal_api'] == 'openblas'})))"
)


def environment(settings):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(settings)
    return env


def loaded_kernels(settings):
    out = subprocess.run([sys.executable, "-c", KERNEL_PROBE], env=environment(settings),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def ignored_cell_counts(path):
    """Code cells compared exactly and code cells whose output nbval ignores."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    ignored = sum(IGNORE_TAG in c.get("metadata", {}).get("tags", []) for c in code)
    return len(code) - ignored, ignored


def run_configuration(name, settings, notebooks, log_dir):
    command = [sys.executable, "-m", "pytest", *map(str, notebooks), "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
               "--nbval-cell-timeout=600", "-q", "-p", "no:cacheprovider"]
    began = time.perf_counter()
    log = log_dir / f"{name}.log"
    with log.open("w") as handle:
        code = subprocess.run(command, cwd=ROOT, env=environment(settings), stdout=handle,
                              stderr=subprocess.STDOUT).returncode
    return name, code, time.perf_counter() - began, log


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=NOTEBOOKS)
    parser.add_argument("--jobs", type=int, default=2, help="configurations run at once (default 2)")
    args = parser.parse_args(argv)

    print("code cells per notebook: compared exactly / output ignored (asserted instead)")
    for path in args.notebooks:
        exact, ignored = ignored_cell_counts(path)
        print(f"  {path.name:<36} {exact:>3} / {ignored}")

    configurations = {}
    for name, (settings, expected) in CONFIGURATIONS.items():
        if platform.machine().lower() not in ("x86_64", "amd64"):
            # OPENBLAS_CORETYPE names x86 kernels; elsewhere vary the threads only.
            settings = {k: v for k, v in settings.items() if k != "OPENBLAS_CORETYPE"}
            expected = None
        kernels = loaded_kernels(settings)
        if expected is not None and kernels != [expected]:
            sys.exit(f"{name}: OpenBLAS loaded {kernels}, expected [{expected!r}]; "
                     "this OpenBLAS build does not accept the configured OPENBLAS_CORETYPE")
        configurations[name] = settings
        print(f"{name}: OpenBLAS kernel {', '.join(kernels)}; "
              + " ".join(f"{k}={v}" for k, v in settings.items()))

    log_dir = ROOT / "artifacts" / "portability"
    log_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(lambda item: run_configuration(*item, args.notebooks, log_dir),
                             configurations.items()))
    failed = 0
    for name, code, seconds, log in runs:
        summary = log.read_text().strip().splitlines()[-1] if log.stat().st_size else "(no output)"
        print(f"{name}: {'passed' if code == 0 else 'FAILED'} in {seconds:.0f} s: {summary}")
        if code != 0:
            failed += 1
            print(log.read_text()[-6000:])
    print(f"portability: {len(runs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
