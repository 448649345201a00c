import importlib
import subprocess
import sys

import pytest

import aegmm_lessons

# Lessons 01 and 03 run EM and BFGS with these modules and never load TensorFlow.
NUMPY_MODULES = ("params", "validation", "gmm", "refine", "data", "repro", "plotting", "widgets", "cluster")


def test_importing_the_package_and_its_numpy_modules_does_not_load_tensorflow():
    code = (
        "import importlib, sys\n"
        f"for name in {NUMPY_MODULES!r}:\n"
        "    importlib.import_module('aegmm_lessons.' + name)\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"


@pytest.mark.parametrize("name", ["GMMParams", "GaussianMixtureEM", "setup"])
def test_top_level_names_are_those_of_their_modules(name):
    module = importlib.import_module(f"aegmm_lessons.{aegmm_lessons._EXPORTS[name]}")
    assert getattr(aegmm_lessons, name) is getattr(module, name)
    assert name in dir(aegmm_lessons)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = aegmm_lessons.nothing_here
