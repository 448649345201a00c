import os
import random
import subprocess
import sys

import numpy as np
import pytest

from aegmm_lessons import repro


def test_setup_seeds_python_and_numpy_the_same_way_twice():
    rng = repro.setup(7)
    first = (random.random(), np.random.rand(), rng.random())  # noqa: NPY002  (the global state setup seeds)
    rng = repro.setup(7)
    assert (random.random(), np.random.rand(), rng.random()) == first  # noqa: NPY002


def test_setup_sets_tensorflow_environment_without_importing_it():
    code = (
        "import sys, os; from aegmm_lessons import repro; repro.setup(0); "
        "print('tensorflow' in sys.modules, os.environ['TF_CPP_MIN_LOG_LEVEL'], "
        "os.environ['TF_ENABLE_ONEDNN_OPTS'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["False", "3", "0"]


@pytest.mark.parametrize("seed, error", [(1.5, TypeError), ("0", TypeError), (None, TypeError), (True, TypeError),
                                         (-1, ValueError), (2**32, ValueError)])
def test_setup_rejects_a_seed_that_is_not_a_32_bit_integer(seed, error):
    with pytest.raises(error, match="seed"):
        repro.setup(seed)


@pytest.mark.parametrize(
    "value, expected",
    [(1.23456789, "1.235"), (-0.0, "0"), (-1e-20, "-1e-20"), (12, "12"), (np.int64(3), "3"),
     (np.float32(0.5), "0.5"), (123456.7, "1.235e+05"), (True, "True"), ("text", "text")],
)
def test_format_value_rounds_to_significant_digits(value, expected):
    assert repro.format_value(value) == expected


def test_format_value_rounds_to_the_requested_digits():
    assert [repro.format_value(2 / 3, digits) for digits in (1, 2, 6)] == ["0.7", "0.67", "0.666667"]
    assert repro.format_value(float("nan")) == "nan" and repro.format_value(-float("inf")) == "-inf"


def test_format_seconds_is_fixed_width():
    assert repro.format_seconds(0.213) == "   0.21 s"
    assert repro.format_seconds(np.float32(1234.5)) == "1234.50 s"
    assert len(repro.format_seconds(123.4)) == len(repro.format_seconds(0.0))


def test_print_metrics_prints_aligned_rounded_lines(capsys):
    repro.print_metrics({"log_likelihood": -1.234567}, n_iter=12)
    repro.print_metrics(ratio=2 / 3, digits=2)
    assert capsys.readouterr().out == "log_likelihood : -1.235\nn_iter         : 12\nratio : 0.67\n"


def test_format_table_aligns_columns_and_rounds():
    text = repro.format_table([{"model": "EM", "ll": -1.23456}, {"model": "BFGS", "ll": -1.2}])
    assert text.splitlines() == ["model      ll", "-----  ------", "   EM  -1.235", " BFGS    -1.2"]


def test_format_table_leaves_missing_cells_empty_and_follows_the_given_columns(capsys):
    rows = [{"K": 1, "BIC": 10.0}, {"K": 2, "note": "best"}]
    assert repro.format_table(rows).splitlines() == ["K  BIC  note", "-  ---  ----", "1   10", "2       best"]
    repro.print_table(rows, columns=["note", "K"])
    assert capsys.readouterr().out.splitlines() == ["note  K", "----  -", "      1", "best  2"]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: repro.setup(-1), ValueError, r"seed.*-1"),
        (lambda: repro.format_value(1.0, digits=0), ValueError, r"digits == 0"),
        (lambda: repro.format_value(1.0, digits=2.5), TypeError, r"digits"),
        (lambda: repro.format_seconds(-1.0), ValueError, r"seconds == -1\.0"),
        (lambda: repro.format_seconds(float("inf")), ValueError, r"seconds.*inf"),
        (lambda: repro.format_seconds("1"), TypeError, r"seconds"),
        (lambda: repro.format_table([]), ValueError, r"rows.*got 0"),
        (lambda: repro.print_metrics([1, 2]), TypeError, r"metrics.*list"),
    ],
)
def test_bad_input_raises_an_error_naming_the_parameter_and_value(call, error, match):
    with pytest.raises(error, match=match):
        call()


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
