"""The pins in pyproject.toml, environment.yml and binder/ are one set."""

import os
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        pins.extend(extra)
    return pins


def environment_pip_pins(path):
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    pins = []
    for line in lines[start + 1:]:
        match = re.match(r"^\s+- (.+)$", line)
        if not match:
            break
        pins.append(match.group(1).strip().strip('"'))
    return pins


def test_every_dependency_is_pinned_exactly():
    for pin in pyproject_pins():
        assert re.match(r"^[A-Za-z0-9_.\-]+==[0-9][^;\s]*(;.*)?$", pin), pin


def test_environment_yml_pins_equal_pyproject_pins():
    assert environment_pip_pins(ROOT / "environment.yml") == pyproject_pins()


def test_environment_yml_asks_for_python_3_11():
    assert re.search(r"^\s+- python=3\.11$", (ROOT / "environment.yml").read_text(), re.M)


def test_binder_environment_is_identical_to_top_level():
    assert (ROOT / "binder" / "environment.yml").read_bytes() == (ROOT / "environment.yml").read_bytes()


def test_binder_post_build_installs_the_package_without_dependencies():
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "pip install --no-deps -e ." in post_build.read_text()


def test_makefile_installs_from_pyproject():
    assert '-e ".[test]"' in (ROOT / "Makefile").read_text()
