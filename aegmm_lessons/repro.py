"""Reproducibility: one call at the top of every notebook, and rounded printing.

Stored notebook outputs are compared by nbval, so every number a notebook
prints goes through :func:`format_value` (a fixed number of significant
digits) and every duration through :func:`format_seconds` (a fixed width that
the nbval sanitize file recognises).
"""

import math
import numbers
import os
import random
import sys

import numpy as np

__all__ = [
    "setup",
    "format_value",
    "format_seconds",
    "format_metrics",
    "print_metrics",
    "format_table",
    "print_table",
    "SIGNIFICANT_DIGITS",
]

SIGNIFICANT_DIGITS = 4

# Set before TensorFlow is imported: no C++ log lines on stderr (nbval would see
# them as output), no oneDNN custom ops (a source of cross-machine float
# differences), deterministic kernels.
TF_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_DETERMINISTIC_OPS": "1",
}


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return int(seed)


def _intra_op_threads():
    text = os.environ.get("TF_NUM_INTRAOP_THREADS", "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"TF_NUM_INTRAOP_THREADS must be a positive integer, got {text!r}")
    return int(text)


def setup(seed=0, *, tensorflow=False):
    """Seed everything and configure TensorFlow's environment.

    Call once, at the top of a notebook, before anything imports TensorFlow.

    Parameters
    ----------
    seed : int
        Seed for Python's ``random``, NumPy's global state and (when
        ``tensorflow`` is true) Keras.
    tensorflow : bool, default False
        Also import Keras, seed it and turn on TensorFlow's op determinism.
        Lessons that need no network leave this off and never load TensorFlow.
        When the environment variable ``TF_NUM_INTRAOP_THREADS`` holds a
        positive integer, TensorFlow's intra-op thread pool gets that many
        threads (``make test-portability`` varies it to stand in for other
        machines).

    Returns
    -------
    rng : numpy.random.Generator
        A generator seeded with ``seed``, for the notebook's own sampling.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer in [0, 2**32), or
        ``TF_NUM_INTRAOP_THREADS`` is set to anything but a positive integer.
    """
    seed = _check_seed(seed)
    intra_op_threads = _intra_op_threads()
    if "tensorflow" in sys.modules and any(
        os.environ.get(k) != v for k, v in TF_ENVIRONMENT.items()
    ):
        raise RuntimeError(
            "TensorFlow was imported before aegmm_lessons.repro.setup(); "
            "restart the kernel and call setup() first"
        )
    os.environ.update(TF_ENVIRONMENT)
    random.seed(seed)
    np.random.seed(seed)
    if tensorflow:
        import keras
        import tensorflow as tf

        if intra_op_threads is not None:
            tf.config.threading.set_intra_op_parallelism_threads(intra_op_threads)
        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
    return np.random.default_rng(seed)


def format_value(value, digits=SIGNIFICANT_DIGITS):
    """Format a number to ``digits`` significant digits.

    Integers are printed exactly, floats with ``digits`` significant digits,
    negative zero as zero; anything else with ``str``.

    Parameters
    ----------
    value : object
        The value to format.
    digits : int, default 4
        Significant digits for floats, at least 1.

    Returns
    -------
    str
    """
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got {digits!r}")
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            return str(value)
        text = f"{value:.{int(digits)}g}"
        return "0" if float(text) == 0.0 else text
    return str(value)


def format_seconds(seconds):
    """Format a duration as fixed-width ``'   0.21 s'``.

    The nbval sanitize file replaces exactly this form, so timings can be shown
    in a notebook without making its stored outputs irreproducible.
    """
    if not isinstance(seconds, numbers.Real) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be a finite non-negative number, got {seconds!r}")
    return f"{float(seconds):7.2f} s"


def format_metrics(metrics, digits=SIGNIFICANT_DIGITS):
    """Format a mapping of metric names to values as ``name: value`` lines.

    Parameters
    ----------
    metrics : mapping of str to number
    digits : int, default 4

    Returns
    -------
    str
    """
    if not hasattr(metrics, "items"):
        raise ValueError(f"metrics must be a mapping of names to values, got {type(metrics).__name__}")
    if not metrics:
        return ""
    width = max(len(str(name)) for name in metrics)
    return "\n".join(
        f"{str(name):<{width}} : {format_value(value, digits)}" for name, value in metrics.items()
    )


def print_metrics(metrics=None, digits=SIGNIFICANT_DIGITS, **named):
    """Print metrics rounded to ``digits`` significant digits, one per line.

    Examples
    --------
    >>> print_metrics(log_likelihood=-1.234567, n_iter=12)
    log_likelihood : -1.235
    n_iter         : 12
    """
    merged = dict(metrics or {})
    merged.update(named)
    print(format_metrics(merged, digits))


def format_table(rows, columns=None, digits=SIGNIFICANT_DIGITS):
    """Format rows as an aligned plain-text table.

    Parameters
    ----------
    rows : sequence of mapping
        One mapping per row; missing keys are shown as empty cells.
    columns : sequence of str, optional
        Column order; by default the keys of the first row, then any new keys
        in order of appearance.
    digits : int, default 4
        Significant digits for floats.

    Returns
    -------
    str
    """
    rows = list(rows)
    if not rows:
        raise ValueError("rows must contain at least one row, got 0")
    if columns is None:
        columns = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
    columns = list(columns)
    cells = [[format_value(row[c], digits) if c in row else "" for c in columns] for row in rows]
    widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values):
        return "  ".join(v.rjust(w) for v, w in zip(values, widths)).rstrip()

    header = line([str(c) for c in columns])
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([header, rule] + [line(r) for r in cells])


def print_table(rows, columns=None, digits=SIGNIFICANT_DIGITS):
    """Print :func:`format_table` of ``rows``."""
    print(format_table(rows, columns, digits))
