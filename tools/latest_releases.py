"""`make test-latest`: the lessons against the newest releases, an early warning before the pins move.

A learner on Colab or on an unpinned machine gets the newest releases; the
pins protect only the stored outputs. This script

1. makes a separate environment, ``.venv-latest`` (git-ignored), and installs
   into it the newest releases that the requirement *names* of pyproject.toml
   allow: the run-time dependencies and the ``test`` extra, without versions,
   with their platform markers (tensorflow-cpu on Linux x86-64, tensorflow
   elsewhere);
2. runs the unit tests (``tests/``, without the browser tests) and every
   notebook top to bottom with ``nbval-lax`` (an error fails a notebook; stored
   outputs are not compared, since the newest releases round differently);
3. writes ``artifacts/latest/report.md``: the versions it got beside the pins,
   and what broke (failing tests and notebook cells with their errors).

It is a report, not a gate: it is not part of CI, and it exits 0 when tests
fail (1 only when the environment cannot be built). Run it before bumping the
pins, and once a month.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-latest"
OUT = ROOT / "artifacts" / "latest"
EXTRAS = ("test",)
# ruff checks style, not whether the lessons run on new releases.
SKIP = {"ruff"}
ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_DETERMINISTIC_OPS": "1",
    "PYTHONHASHSEED": "0",
}
PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(==|>=|<=|~=|!=|<|>)?\s*([^;\s]*)\s*(;.*)?$")


def requirements(pyproject=ROOT / "pyproject.toml", extras=EXTRAS):
    """The requirements without versions: ``(unpinned requirement, label, pinned version)`` in pyproject's order.

    The label is the name, with the requirement's environment marker if it has one.

    A requirement's environment marker stays, so that each platform gets the
    package the pins choose for it (tensorflow-cpu on Linux x86-64).
    """
    with open(pyproject, "rb") as file:
        project = tomllib.load(file)["project"]
    pins = list(project["dependencies"])
    for extra in extras:
        pins.extend(project.get("optional-dependencies", {}).get(extra, []))
    result = []
    for pin in pins:
        match = PIN.match(pin)
        if match is None:
            raise ValueError(f"cannot read the requirement {pin!r} in {pyproject}")
        name, extra, _, version, marker = match.groups()
        if name.lower() in SKIP:
            continue
        unpinned = name + (extra or "") + (f" {marker}" if marker else "")
        label = name.lower() + (f" (where {marker.lstrip('; ').strip()})" if marker else "")
        result.append((unpinned, label, version or ""))
    return result


def run(command, log, env=None, cwd=ROOT):
    """Run ``command``, appending its output to ``log``; returns the exit code and seconds taken."""
    started = time.perf_counter()
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(map(str, command))}\n".encode())
        out.flush()
        code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd).returncode
    return code, time.perf_counter() - started


def junit_results(path):
    """``(counts, failures)`` from a pytest JUnit XML file: counts by outcome, failures as (test, message)."""
    if not Path(path).exists():
        return {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}, [("(no report)", "pytest wrote no results")]
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    failures = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
        problem = next((child for child in case if child.tag in ("failure", "error")), None)
        if problem is not None:
            counts["failed" if problem.tag == "failure" else "errors"] += 1
            text = (problem.get("message") or problem.text or "").strip()
            failures.append((name, _first_lines(text)))
        elif any(child.tag == "skipped" for child in case):
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return counts, failures


def _first_lines(text, limit=300):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # An nbval failure names the error at its end; a pytest failure at its start.
    errors = [line for line in lines if re.match(r"^(E\s+)?\w+(Error|Exception|Warning)\b", line)]
    picked = errors[-1] if errors else (lines[0] if lines else "")
    return picked[:limit]


def report(versions, pins, results, seconds, python):
    """The Markdown report: versions got against the pins, then what broke."""
    lines = [
        "# make test-latest",
        "",
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, Python {python}, "
        f"{platform.system()} {platform.machine()}; {seconds / 60:.1f} min in all.",
        "",
        "The newest releases the requirement names allow, without pins. Notebooks ran with nbval-lax "
        "(errors count, stored outputs are not compared).",
        "",
        "## Versions",
        "",
        "| package | pinned | got | |",
        "| --- | --- | --- | --- |",
    ]
    for label, pinned in pins:
        name = label.split(" ", 1)[0]
        got = versions.get(name, "not installed")
        moved = "" if got in (pinned, "not installed") else "moved"
        lines.append(f"| {label} | {pinned} | {got} | {moved} |")
    for title, (counts, failures, elapsed) in results.items():
        summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        lines += ["", f"## {title}", "", f"{summary or 'nothing ran'} ({elapsed / 60:.1f} min).", ""]
        if failures:
            lines += ["What broke:", ""]
            lines += [f"- `{name}`: {message}" for name, message in failures]
        else:
            lines.append("Nothing broke.")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell-timeout", type=int, default=600, help="seconds per notebook cell")
    parser.add_argument("--notebooks", nargs="*", help="notebooks to run (default: all)")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "log.txt"
    log.write_text("")
    started = time.perf_counter()
    python = VENV / "bin" / "python"
    wanted = requirements()
    if not python.exists():
        code, _ = run([sys.executable, "-m", "venv", str(VENV)], log)
        if code:
            print(f"could not create {VENV}; see {log}")
            return 1
    install = [str(python), "-m", "pip", "install", "--upgrade", "--upgrade-strategy", "eager",
               "--disable-pip-version-check", "pip", *[unpinned for unpinned, _, _ in wanted]]
    print(f"installing the newest releases of {len(wanted)} requirements into {VENV.name} (log: {log})")
    code, _ = run(install, log)
    if code:
        print(f"pip could not install the newest releases; see {log}")
        return 1
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=json"], capture_output=True, text=True)
    versions = {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(listed.stdout)}

    env = dict(os.environ, **ENVIRONMENT, PYTHONPATH=str(ROOT))
    env.pop("VIRTUAL_ENV", None)
    results = {}
    print("unit tests ...")
    unit_xml = OUT / "unit.xml"
    unit_xml.unlink(missing_ok=True)
    _, elapsed = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests",
                      "--ignore=tests/browser", f"--junitxml={unit_xml}"], log, env=env)
    counts, failures = junit_results(unit_xml)
    results["Unit tests"] = (counts, failures, elapsed)
    print("notebooks ...")
    notebooks = args.notebooks or [str(p.relative_to(ROOT)) for p in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))]
    nb_xml = OUT / "notebooks.xml"
    nb_xml.unlink(missing_ok=True)
    _, elapsed = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                      "--nbval-current-env", f"--nbval-cell-timeout={args.cell_timeout}", *notebooks,
                      f"--junitxml={nb_xml}"], log, env=env)
    counts, failures = junit_results(nb_xml)
    results["Notebooks (nbval-lax)"] = (counts, failures, elapsed)

    pins = [(name, pinned) for _, name, pinned in wanted]
    version = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True).stdout.strip()
    text = report(versions, pins, results, time.perf_counter() - started, version)
    (OUT / "report.md").write_text(text, encoding="utf-8")
    broke = sum(len(f) for _, f, _ in results.values())
    print(f"{broke} failures; report: {OUT / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
