"""make test-latest's pieces (tools/latest_releases.py) that need no network: requirement names and the report."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import latest_releases  # noqa: E402

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.test_gmm" name="test_em_matches_sklearn" time="0.1"/>
<testcase classname="tests.test_vae" name="test_kl" time="0.1">
  <failure message="AssertionError: assert 0.51 == 0.5">long traceback</failure></testcase>
<testcase classname="notebooks.04_vae_derivation.ipynb" name="Cell 12" time="3">
  <failure message="">Traceback (most recent call last):
  File "x", line 1
ValueError: Input 0 of layer "dense" is incompatible</failure></testcase>
<testcase classname="tests.test_x" name="test_skipped" time="0"><skipped message="no gpu"/></testcase>
<testcase classname="tests.test_y" name="test_setup" time="0"><error message="fixture broke"/></testcase>
</testsuite></testsuites>
"""


def test_requirements_drop_versions_keep_markers_and_skip_ruff(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[project]\nname = 'x'\ndependencies = [\n"
        "  \"tensorflow-cpu==2.21.0; sys_platform == 'linux' and platform_machine == 'x86_64'\",\n"
        "  \"tensorflow==2.21.0; sys_platform != 'linux' or platform_machine != 'x86_64'\",\n"
        "  'numpy==2.4.6', 'dask[array]==2026.8.0',\n]\n"
        "[project.optional-dependencies]\ntest = ['pytest==9.2.0', 'ruff==0.17.6']\ndocs = ['sphinx==9.0.4']\n"
    )
    got = latest_releases.requirements(pyproject)
    assert [unpinned for unpinned, _, _ in got] == [
        "tensorflow-cpu ; sys_platform == 'linux' and platform_machine == 'x86_64'",
        "tensorflow ; sys_platform != 'linux' or platform_machine != 'x86_64'",
        "numpy",
        "dask[array]",
        "pytest",
    ]
    assert got[2][1:] == ("numpy", "2.4.6")
    assert got[0][1].startswith("tensorflow-cpu (where sys_platform == 'linux'")


def test_the_projects_requirements_are_all_named_without_a_version():
    got = latest_releases.requirements()
    assert {"numpy", "keras", "scikit-learn", "nbval", "pytest"} <= {label.split()[0] for _, label, _ in got}
    assert not [unpinned for unpinned, _, _ in got if "==" in unpinned.split(";")[0]]


def test_junit_results_count_outcomes_and_name_each_error(tmp_path):
    path = tmp_path / "results.xml"
    path.write_text(JUNIT)
    counts, failures = latest_releases.junit_results(path)
    assert counts == {"passed": 1, "failed": 2, "errors": 1, "skipped": 1}
    assert failures == [
        ("tests.test_vae::test_kl", "AssertionError: assert 0.51 == 0.5"),
        ("notebooks.04_vae_derivation.ipynb::Cell 12", 'ValueError: Input 0 of layer "dense" is incompatible'),
        ("tests.test_y::test_setup", "fixture broke"),
    ]


def test_missing_results_are_reported_as_broken(tmp_path):
    counts, failures = latest_releases.junit_results(tmp_path / "none.xml")
    assert failures and sum(counts.values()) == 0


def test_report_lists_versions_against_pins_and_what_broke():
    text = latest_releases.report(
        {"numpy": "2.5.0", "keras": "3.15.1"},
        [("numpy", "2.4.6"), ("keras", "3.15.1"), ("tensorflow (where sys_platform != 'linux')", "2.21.0")],
        {
            "Unit tests": ({"passed": 3, "failed": 0, "errors": 0, "skipped": 0}, [], 60.0),
            "Notebooks (nbval-lax)": ({"passed": 1, "failed": 1, "errors": 0, "skipped": 0}, [("nb::Cell 3", "E")], 6),
        },
        120.0,
        "3.11.7",
    )
    assert "| numpy | 2.4.6 | 2.5.0 | moved |" in text
    assert "| keras | 3.15.1 | 3.15.1 |  |" in text
    assert "| tensorflow (where sys_platform != 'linux') | 2.21.0 | not installed |  |" in text
    assert "## Unit tests\n\n3 passed (1.0 min).\n\nNothing broke." in text
    assert "What broke:\n\n- `nb::Cell 3`: E" in text
