import subprocess
import sys

import pytest

import aegmm_lessons


def test_importing_the_package_and_its_numpy_modules_does_not_load_tensorflow():
    code = (
        "import sys, aegmm_lessons\n"
        "from aegmm_lessons import GMMParams, params, repro, validation\n"
        "for name in ('gmm', 'refine', 'cluster'):\n"
        "    try:\n"
        "        __import__('aegmm_lessons.' + name)\n"
        "    except ModuleNotFoundError:\n"
        "        pass\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        aegmm_lessons.nothing_here
