"""Input validation: scikit-learn's own utilities, plus the few checks it lacks.

Every module validates through here. As in scikit-learn, a wrong type raises
``TypeError`` and a wrong value raises ``ValueError``; each message names the
parameter, what was expected and what was given.
"""

import numbers

import numpy as np
from sklearn.utils import check_random_state as _sklearn_check_random_state
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
    "check_hidden_units",
    "in_unit_interval",
    "check_unit_interval",
    "check_learning_rate",
    "check_training",
    "check_random_state",
    "check_seed",
    "check_generator",
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


def in_unit_interval(X):
    """Whether every value of ``X`` lies in [0, 1]: the data a sigmoid output, and a Bernoulli likelihood, can model."""
    return bool(X.min() >= 0 and X.max() <= 1)


def check_unit_interval(X, name="X"):
    """``X`` if :func:`in_unit_interval`, else a ValueError naming its range (a Bernoulli likelihood needs [0, 1])."""
    if not in_unit_interval(X):
        raise ValueError(f"{name} must lie in [0, 1] for a Bernoulli likelihood, got values in "
                         f"[{X.min():.4g}, {X.max():.4g}]")
    return X


def check_learning_rate(learning_rate, name="learning_rate"):
    """A finite float ``learning_rate`` > 0 (0 would train nothing)."""
    if isinstance(learning_rate, bool):
        raise TypeError(f"{name} must be an instance of float, not bool.")
    learning_rate = float(check_scalar(learning_rate, name, numbers.Real, min_val=0, include_boundaries="neither"))
    if not np.isfinite(learning_rate):
        raise ValueError(f"{name} must be finite, got {learning_rate}")
    return learning_rate


def check_training(epochs, batch_size, learning_rate):
    """Adam's settings, checked alike for every network: ints ``epochs``, ``batch_size`` >= 1 and a finite
    ``learning_rate`` > 0. Returns the three."""
    learning_rate = check_learning_rate(learning_rate)
    return check_positive_int("epochs", epochs), check_positive_int("batch_size", batch_size), learning_rate


def check_random_state(random_state):
    """A ``numpy.random.RandomState`` from None, an int, a RandomState or a Generator.

    scikit-learn's ``check_random_state``, which also accepts a ``numpy.random.Generator``: the RandomState returned
    then draws from the Generator's bit generator, so that drawing from either advances both.
    """
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(random_state.bit_generator)
    return _sklearn_check_random_state(random_state)


def check_seed(random_state):
    """An int seed in [0, 2**32) for Keras and NumPy: an int as given, else one drawn by :func:`check_random_state`.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator

    Returns
    -------
    int
    """
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(check_scalar(random_state, "random_state", numbers.Integral, min_val=0, max_val=2**32 - 1))
    return int(check_random_state(random_state).randint(2**31 - 1))


def check_generator(random_state):
    """A ``numpy.random.Generator``: a Generator as given, else ``default_rng`` of :func:`check_seed`."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(check_seed(random_state))
