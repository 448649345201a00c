"""Input validation shared by every module: one path, clear messages.

Each check raises ``ValueError`` naming what was expected and what was given.
"""

import numbers

import numpy as np

__all__ = ["check_array_2d", "check_positive_int", "check_non_negative", "check_hidden_units"]


def check_array_2d(X, name="X", min_samples=1):
    """Convert ``X`` to a finite float64 array of shape (n_samples, n_features).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    name : str, default 'X'
        Name used in error messages.
    min_samples : int, default 1
        Fewest rows accepted.

    Returns
    -------
    ndarray of shape (n_samples, n_features), float64

    Raises
    ------
    ValueError
        If X is not numeric (or is complex), not 2-D, has fewer than ``min_samples`` rows or no
        columns, or holds NaN or infinity.
    """
    if np.iscomplexobj(X):
        # float64 conversion would drop the imaginary part with only a warning.
        raise ValueError(f"{name} must be real-valued, got complex dtype {np.asarray(X).dtype}")
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array, got {type(X).__name__}: {exc}") from None
    if X.ndim != 2:
        hint = " (reshape a single feature with X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got {X.ndim}-D shape {X.shape}{hint}"
        )
    if X.shape[0] < min_samples or X.shape[1] < 1:
        raise ValueError(
            f"{name} must have at least {min_samples} sample(s) and 1 feature, got shape {X.shape}"
        )
    if not np.all(np.isfinite(X)):
        bad = int(X.size - np.count_nonzero(np.isfinite(X)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")
    return X


def check_positive_int(name, value, minimum=1):
    """Return ``value`` as int, or raise ``ValueError`` if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_non_negative(name, value):
    """Return ``value`` as float, or raise ``ValueError`` if it is not a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return float(value)


def check_hidden_units(hidden_units):
    """Widths of a network's hidden layers as a tuple of positive ints.

    Parameters
    ----------
    hidden_units : int or sequence of int
        One width, or one per hidden layer (an empty sequence means none).

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        If it is not a sequence of integers >= 1; the message names the offending entry.
    """
    if isinstance(hidden_units, numbers.Integral):
        hidden_units = (hidden_units,)
    try:
        hidden_units = tuple(hidden_units)
    except TypeError:
        raise ValueError(
            f"hidden_units must be a sequence of positive integers, got {hidden_units!r}"
        ) from None
    return tuple(check_positive_int(f"hidden_units[{i}]", units) for i, units in enumerate(hidden_units))
