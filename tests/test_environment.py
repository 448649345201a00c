"""The pins in pyproject.toml, environment.yml and binder/ are one set."""

import os
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# Extras that learners and Binder get besides the base dependencies; the
# `browser` extra (Playwright, for `make test-browser`) is for CI and maintainers.
ENVIRONMENT_EXTRAS = ("test",)


def pyproject_pins(extras=None):
    """Base dependencies plus the pins of ``extras`` (default: every extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    pins = list(project["dependencies"])
    for name in optional if extras is None else extras:
        pins.extend(optional[name])
    return pins


def pin_name(pin):
    return re.split(r"[=<>!~;\s\[]", pin, maxsplit=1)[0].lower()


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


def test_environment_yml_pins_equal_pyproject_base_and_test_pins():
    assert environment_pip_pins(ROOT / "environment.yml") == pyproject_pins(ENVIRONMENT_EXTRAS)


def test_browser_extra_stays_out_of_the_binder_image():
    browser = {pin_name(pin) for pin in pyproject_pins(["browser"]) if pin not in pyproject_pins([])}
    assert browser, "pyproject.toml has no browser extra"
    binder = {pin_name(pin) for pin in environment_pip_pins(ROOT / "binder" / "environment.yml")}
    assert not browser & binder


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


def test_makefile_installs_the_browser_extra_only_for_the_browser_tests():
    makefile = (ROOT / "Makefile").read_text()
    assert '-e ".[test,browser]"' in makefile
    assert "--ignore=tests/browser" in makefile
