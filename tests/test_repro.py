import os
import random
import subprocess
import sys

import numpy as np
import pytest

from aegmm_lessons import repro


def test_setup_seeds_python_and_numpy_the_same_way_twice():
    rng = repro.setup(7)
    first = (random.random(), np.random.rand(), rng.random())
    rng = repro.setup(7)
    assert (random.random(), np.random.rand(), rng.random()) == first


def test_setup_sets_tensorflow_environment_without_importing_it():
    code = (
        "import sys, os; from aegmm_lessons import repro; repro.setup(0); "
        "print('tensorflow' in sys.modules, os.environ['TF_CPP_MIN_LOG_LEVEL'], "
        "os.environ['TF_ENABLE_ONEDNN_OPTS'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["False", "3", "0"]


@pytest.mark.parametrize("seed", [1.5, "0", None, True, -1, 2**32])
def test_setup_rejects_a_seed_that_is_not_a_32_bit_integer(seed):
    with pytest.raises(ValueError, match="seed must be"):
        repro.setup(seed)


@pytest.mark.parametrize(
    "value, expected",
    [(1.23456789, "1.235"), (-0.0, "0"), (-1e-20, "-1e-20"), (12, "12"), (np.int64(3), "3"),
     (np.float32(0.5), "0.5"), (123456.7, "1.235e+05"), (True, "True"), ("text", "text")],
)
def test_format_value_rounds_to_significant_digits(value, expected):
    assert repro.format_value(value) == expected


def test_format_value_rejects_bad_digits():
    with pytest.raises(ValueError, match="digits must be a positive integer, got 0"):
        repro.format_value(1.0, digits=0)


def test_format_seconds_is_fixed_width_and_rejects_negative():
    assert repro.format_seconds(0.213) == "   0.21 s"
    assert len(repro.format_seconds(123.4)) == len(repro.format_seconds(0.0))
    with pytest.raises(ValueError, match="seconds must be a finite non-negative number, got -1"):
        repro.format_seconds(-1)


def test_print_metrics_prints_aligned_rounded_lines(capsys):
    repro.print_metrics({"log_likelihood": -1.234567}, n_iter=12)
    assert capsys.readouterr().out == "log_likelihood : -1.235\nn_iter         : 12\n"


def test_format_metrics_rejects_non_mapping():
    with pytest.raises(ValueError, match="metrics must be a mapping"):
        repro.format_metrics([1, 2])


def test_format_table_aligns_columns_and_rounds():
    text = repro.format_table([{"model": "EM", "ll": -1.23456}, {"model": "BFGS", "ll": -1.2}])
    assert text.splitlines() == ["model      ll", "-----  ------", "   EM  -1.235", " BFGS    -1.2"]


def test_format_table_rejects_empty_rows():
    with pytest.raises(ValueError, match="at least one row, got 0"):
        repro.format_table([])


def test_setup_gives_tensorflow_the_intra_op_threads_of_the_environment():
    code = (
        "from aegmm_lessons import repro; repro.setup(0, tensorflow=True); import tensorflow as tf; "
        "print(tf.config.threading.get_intra_op_parallelism_threads())"
    )
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split()[-1] == "1"


@pytest.mark.parametrize("threads", ["0", "two", "-1"])
def test_setup_rejects_intra_op_threads_that_are_not_a_positive_integer(threads, monkeypatch):
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", threads)
    with pytest.raises(ValueError, match=f"TF_NUM_INTRAOP_THREADS must be a positive integer, got '{threads}'"):
        repro.setup(0)
