import subprocess
import sys
import types

import pytest

import aegmm_lessons

# Lessons 01 and 03 run EM and BFGS with these modules and never load TensorFlow.
NUMPY_MODULES = ("params", "validation", "gmm", "refine", "data", "repro", "experiments", "automl", "plotting",
                 "widgets", "dask_search")


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


def test_the_package_holds_modules_only_so_each_public_name_has_one_import_path():
    from aegmm_lessons.params import GMMParams  # noqa: F401  (the one path)

    names = {name: value for name, value in vars(aegmm_lessons).items() if not name.startswith("__")}
    assert names and all(isinstance(value, types.ModuleType) for value in names.values()), names


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="nothing_here"):
        _ = aegmm_lessons.nothing_here
