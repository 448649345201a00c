"""Reproducibility: one call at the top of every notebook, and rounded printing.

nbval compares stored notebook outputs, so every number a notebook prints goes
through :func:`format_value` (fixed significant digits) and every duration
through :func:`format_seconds` (a fixed width the nbval sanitize file replaces).
"""

import math
import numbers
import os
import random
import sys

import numpy as np

from .validation import check_non_negative, check_positive_int

__all__ = ["setup", "format_value", "format_seconds", "print_metrics", "format_table", "print_table"]

# Set before TensorFlow is imported: no C++ log lines on stderr (nbval would see
# them as output), no oneDNN custom ops (a source of cross-machine float
# differences), deterministic kernels.
TF_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_DETERMINISTIC_OPS": "1",
}


def _intra_op_threads():
    text = os.environ.get("TF_NUM_INTRAOP_THREADS", "").strip()
    if text and (not text.isdigit() or int(text) < 1):
        raise ValueError(f"TF_NUM_INTRAOP_THREADS must be a positive integer, got {text!r}")
    return int(text) if text else None


def setup(seed=0, *, tensorflow=False):
    """Seed Python, NumPy (and Keras) and set TensorFlow's environment; call before TensorFlow is imported.

    Parameters
    ----------
    seed : int in [0, 2**32)
    tensorflow : bool, default False
        Also import Keras, seed it and turn on op determinism. A positive
        integer in the environment variable ``TF_NUM_INTRAOP_THREADS`` sets
        TensorFlow's intra-op thread count (``make test-portability`` varies it).

    Returns
    -------
    numpy.random.Generator
        Seeded with ``seed``, for the notebook's own sampling.
    """
    seed = check_positive_int("seed", seed, minimum=0)
    if seed >= 2**32:
        raise ValueError(f"seed must be < 2**32, got {seed}")
    intra_op_threads = _intra_op_threads()
    if "tensorflow" in sys.modules and any(os.environ.get(k) != v for k, v in TF_ENVIRONMENT.items()):
        raise RuntimeError("TensorFlow was imported before aegmm_lessons.repro.setup(); "
                           "restart the kernel and call setup() first")
    os.environ.update(TF_ENVIRONMENT)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002  (the global state is what notebook code without a Generator draws from)
    if tensorflow:
        import keras
        import tensorflow as tf

        if intra_op_threads is not None:
            tf.config.threading.set_intra_op_parallelism_threads(intra_op_threads)
        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
    return np.random.default_rng(seed)


def format_value(value, digits=4):
    """A number to ``digits`` significant digits: integers exactly, -0 as 0, non-numbers with ``str``."""
    digits = check_positive_int("digits", digits)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if not isinstance(value, numbers.Real):
        return str(value)
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    return "0" if float(text) == 0.0 else text


def format_seconds(seconds):
    """A duration as fixed-width ``'   0.21 s'`` (the form the nbval sanitize file replaces)."""
    return f"{check_non_negative('seconds', seconds):7.2f} s"


def print_metrics(metrics=None, digits=4, **named):
    """Print ``name : value`` lines, aligned, values to ``digits`` significant digits.

    Examples
    --------
    >>> print_metrics(log_likelihood=-1.234567, n_iter=12)
    log_likelihood : -1.235
    n_iter         : 12
    """
    if metrics is not None and not hasattr(metrics, "items"):
        raise TypeError(f"metrics must be a mapping of names to values, got {type(metrics).__name__}")
    merged = {**(metrics or {}), **named}
    width = max((len(str(name)) for name in merged), default=0)
    print("\n".join(f"{name!s:<{width}} : {format_value(value, digits)}" for name, value in merged.items()))


def format_table(rows, columns=None, digits=4):
    """Rows (mappings) as an aligned plain-text table; missing keys give empty cells.

    Columns default to the keys in order of first appearance; floats get
    ``digits`` significant digits.
    """
    rows = list(rows)
    if not rows:
        raise ValueError("rows must contain at least one row, got 0")
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    columns = list(columns)
    cells = [[format_value(row[c], digits) if c in row else "" for c in columns] for row in rows]
    widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values):
        return "  ".join(v.rjust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line([str(c) for c in columns]), rule] + [line(r) for r in cells])


def print_table(rows, columns=None, digits=4):
    """Print :func:`format_table` of ``rows``."""
    print(format_table(rows, columns, digits))
