"""Checks for the exercises of lesson 01 (EM for Gaussian mixtures).

Each check computes the expected value with the package (``e_step``,
``GMMParams.n_parameters``, ``GaussianMixtureEM``) from the objects the
notebook passes in, so the answer never appears in the learner's call. The
checks that fit mixtures fit nothing while the answer is still ``None``.
Nothing here imports TensorFlow.
"""

import numpy as np

from . import check, close_to

__all__ = [
    "FAR_POINT",
    "check_responsibilities",
    "check_parameter_counts",
    "check_diagonal_bic_choice",
    "check_reg_covar",
]

# A point about 40 standard deviations from every component of the lesson's
# mixture: its densities underflow to zero in double precision.
FAR_POINT = np.array([[40.0, -40.0]])


def check_responsibilities(function, params, X):
    """Exercise 1: a function that returns the responsibilities.

    Parameters
    ----------
    function : callable or None
        ``function(X, params) -> ndarray of shape (n_samples, n_components)``.
        ``None``, or a function that returns ``None``, means not attempted.
    params : GMMParams
        The mixture whose responsibilities are asked for.
    X : array-like of shape (n_samples, n_features)
        Points to try the function on; :data:`FAR_POINT` is tried as well.

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    from ..gmm import e_step

    if function is not None and function(X, params) is None:
        function = None

    def is_correct(candidate):
        return all(
            np.allclose(candidate(points, params), np.exp(e_step(points, params)[1]), rtol=1e-10, atol=0.0)
            for points in (X, FAR_POINT)
        )

    return check(
        "exercise 1", function, is_correct,
        "subtract logsumexp over the components (axis=1, keepdims=True) from each row of "
        "log-weights + log-densities before exponentiating: a point far from every component "
        "must not give 0/0",
    )


def check_parameter_counts(answer, params):
    """Exercise 2: free parameters of a mixture with full, then diagonal, covariances.

    Parameters
    ----------
    answer : tuple of two ints, or None
        ``(full, diagonal)``; ``None`` means not attempted.
    params : GMMParams
        Gives K and d (its own covariance type is not used).

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    from ..params import GMMParams

    k, d = params.n_components, params.n_features
    full = GMMParams(params.weights, params.means, np.tile(np.eye(d), (k, 1, 1)), "full")
    diagonal = GMMParams(params.weights, params.means, np.ones((k, d)), "diag")
    return check(
        "exercise 2", answer, close_to((full.n_parameters, diagonal.n_parameters), atol=0.5),
        "K - 1 free weights (they sum to one) and K*d means in both; a full covariance has "
        "d(d + 1)/2 free entries (it is symmetric), a diagonal one d",
    )


def check_diagonal_bic_choice(answer, X, max_components=8):
    """Exercise 3: the K that BIC chooses for diagonal-covariance mixtures.

    The check fits ``GaussianMixtureEM(k, covariance_type="diag", n_init=3,
    max_iter=500, random_state=0)`` for k = 1..max_components, as the lesson
    fits its full-covariance mixtures, and takes the lowest BIC.

    Parameters
    ----------
    answer : int or None
        The learner's prediction; ``None`` means not attempted.
    X : array-like of shape (n_samples, n_features)
        The training data of the lesson's section 6.
    max_components : int, default 8

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    from ..gmm import GaussianMixtureEM

    hint = ("an axis-aligned ellipse cannot tilt: how many of them does it take to cover "
            "the two tilted true components well enough to pay for their parameters?")
    if answer is None:  # nothing to compare: fit nothing
        return check("exercise 3", None, None, hint)
    bic = [GaussianMixtureEM(k, covariance_type="diag", n_init=3, max_iter=500, random_state=0).fit(X).bic(X)
           for k in range(1, max_components + 1)]
    return check("exercise 3", answer, close_to(1 + int(np.argmin(bic)), atol=0.5), hint)


def check_reg_covar(answer, X, n_copies=20, far=(10.0, -10.0)):
    """Exercise 4: what ``reg_covar`` does for a component collapsed onto duplicates.

    The check appends ``n_copies`` copies of the point ``far`` to ``X`` and
    fits 4 components twice with ``random_state=0``: with ``reg_covar=0``
    and with the default.

    Parameters
    ----------
    answer : tuple (bool, float), or None
        ``(raises, smallest_variance)``: whether the fit with ``reg_covar=0``
        raises a ``ValueError``, and the smallest eigenvalue of a covariance
        of the fit with the default ``reg_covar``. ``None`` means not
        attempted.
    X : array-like of shape (n_samples, 2)
    n_copies : int, default 20
    far : tuple of two floats, default (10, -10)

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    from ..gmm import GaussianMixtureEM

    hint = ("the covariance of a component on identical points is the zero matrix, which has no "
            "Cholesky factor; reg_covar adds reg_covar * I to every covariance")
    if answer is None:  # nothing to compare: fit nothing
        return check("exercise 4", None, None, hint)
    X_duplicates = np.vstack([X, np.repeat([far], n_copies, axis=0)])
    try:
        GaussianMixtureEM(4, reg_covar=0.0, random_state=0).fit(X_duplicates)
        raises = False
    except ValueError:
        raises = True
    regularised = GaussianMixtureEM(4, random_state=0).fit(X_duplicates)
    smallest_variance = float(np.linalg.eigvalsh(regularised.params_.covariances).min())

    def is_correct(candidate):
        said_raises, said_variance = candidate
        return (isinstance(said_raises, (bool, np.bool_)) and bool(said_raises) == raises
                and np.isclose(float(said_variance), smallest_variance, rtol=1e-2, atol=0.0))

    return check("exercise 4", answer, is_correct, hint)
