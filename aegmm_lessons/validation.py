"""Input validation: scikit-learn's own utilities, plus the few checks it lacks.

Every module validates through here. As in scikit-learn, a wrong type raises
``TypeError`` and a wrong value raises ``ValueError``; each message names the
parameter, what was expected and what was given.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_array, check_is_fitted, check_scalar, validate_data

__all__ = [
    "COVARIANCE_TYPES",
    "check_array",
    "check_scalar",
    "check_data",
    "check_is_fitted",
    "validate_data",
    "check_positive_int",
    "check_non_negative",
    "check_n_components",
    "check_covariance_type",
    "check_params",
    "check_hidden_units",
]

COVARIANCE_TYPES = ("full", "diag")


def check_data(X, *, n_features=None, name="X", min_samples=1, dtype=np.float64):
    """A finite 2-D array of numbers, through ``sklearn.utils.check_array``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_features : int, optional
        Width ``X`` must have, when known (from a fitted model or ``GMMParams``).
    name : str, default 'X'
        Name used in error messages.
    min_samples : int, default 1
        Fewest rows accepted.
    dtype : dtype or list of dtypes, default float64
        As in ``check_array``; a list keeps any of its dtypes (e.g. float32).

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Raises
    ------
    TypeError
        For sparse matrices.
    ValueError
        For complex, 1-D or non-numeric data, NaN or infinity, too few rows, or
        a width other than ``n_features``.
    """
    X = check_array(X, dtype=dtype, ensure_min_samples=min_samples, input_name=name)
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features, but expected n_features={n_features}")
    return X


def check_positive_int(name, value, minimum=1):
    """``value`` as an int >= ``minimum`` (``TypeError`` for a non-integer, bool included)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an instance of int, not bool.")
    return int(check_scalar(value, name, numbers.Integral, min_val=minimum))


def check_non_negative(name, value):
    """``value`` as a finite float >= 0."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an instance of float, not bool.")
    value = float(check_scalar(value, name, numbers.Real, min_val=0))
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_n_components(n_components, n_samples=None):
    """``n_components`` as an int >= 1 and, when ``n_samples`` is given, <= n_samples."""
    n_components = check_positive_int("n_components", n_components)
    if n_samples is not None and n_components > n_samples:
        raise ValueError(f"n_components={n_components} must be <= n_samples={n_samples}")
    return n_components


def check_covariance_type(covariance_type):
    """``covariance_type`` if it is one of ``COVARIANCE_TYPES``."""
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}, got {covariance_type!r}")
    return covariance_type


def check_params(params, name="params", n_features=None):
    """``params`` if it is a ``GMMParams`` (of width ``n_features``, when given)."""
    from .params import GMMParams

    if not isinstance(params, GMMParams):
        raise TypeError(f"{name} must be a GMMParams, got {type(params).__name__}")
    if n_features is not None and params.n_features != n_features:
        raise ValueError(f"{name} has n_features={params.n_features}, but expected n_features={n_features}")
    return params


def check_hidden_units(hidden_units):
    """Widths of a network's hidden layers as a tuple of positive ints.

    Parameters
    ----------
    hidden_units : int or sequence of int
        One width, or one per hidden layer (an empty sequence means none).

    Returns
    -------
    tuple of int
    """
    if isinstance(hidden_units, numbers.Integral):
        hidden_units = (hidden_units,)
    try:
        hidden_units = tuple(hidden_units)
    except TypeError:
        raise TypeError(f"hidden_units must be a sequence of int, got {type(hidden_units).__name__}") from None
    return tuple(check_positive_int(f"hidden_units[{i}]", units) for i, units in enumerate(hidden_units))

