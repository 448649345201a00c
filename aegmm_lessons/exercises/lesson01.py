"""Checks for lesson 01 (EM for Gaussian mixtures); each computes the answer with the package."""

import numpy as np

from ..gmm import GaussianMixtureEM, e_step
from ..params import ParamLayout
from . import close_to, exercise

__all__ = ["check_responsibilities", "check_parameter_counts", "check_diagonal_bic_choice", "check_reg_covar"]

# About 40 standard deviations from every component of the lesson's mixture: its densities underflow to zero.
_FAR_POINT = np.array([[40.0, -40.0]])


@exercise(1, "subtract logsumexp(..., axis=1, keepdims=True) before exponentiating: a far point must not give 0/0")
def check_responsibilities(function, params, X):
    """``function(X, params)`` returns the responsibilities, also at a far point (None: not attempted)."""
    if function(X, params) is None:
        return None
    return all(close_to(function(x, params), np.exp(e_step(x, params)[1]), atol=1e-10) for x in (X, _FAR_POINT))


@exercise(2, "K - 1 weights and K*d means; a full covariance has d(d + 1)/2 free entries, a diagonal one d")
def check_parameter_counts(answer, params):
    """``(full, diagonal)``: the free parameters for the K and d of ``params``, full and diagonal covariances."""
    k, d = params.n_components, params.n_features
    return close_to(answer, (ParamLayout(k, d).size, ParamLayout(k, d, "diag").size), atol=0.5)


@exercise(3, "an axis-aligned ellipse cannot tilt: how many does it take to cover the two tilted components?")
def check_diagonal_bic_choice(answer, X, max_components=8):
    """The K in 1..max_components of lowest BIC for diagonal mixtures, fitted as the lesson fits full ones."""
    bic = [GaussianMixtureEM(k, covariance_type="diag", n_init=3, max_iter=500, random_state=0).fit(X).bic(X)
           for k in range(1, max_components + 1)]
    return close_to(answer, 1 + np.argmin(bic), atol=0.5)


@exercise(4, "identical points give a zero covariance, which has no Cholesky factor; reg_covar adds reg_covar * I")
def check_reg_covar(answer, X, n_copies=20, far=(10.0, -10.0)):
    """Whether 4 components on ``X`` and copies of ``far`` raise without reg_covar; their least variance with it."""
    said_raises, said_variance = answer
    X = np.vstack([X, np.repeat([far], n_copies, axis=0)])
    try:
        GaussianMixtureEM(4, reg_covar=0.0, random_state=0).fit(X)
        raises = False
    except ValueError:
        raises = True
    variance = np.linalg.eigvalsh(GaussianMixtureEM(4, random_state=0).fit(X).params_.covariances).min()
    return (isinstance(said_raises, bool | np.bool_) and said_raises == raises
            and np.isclose(float(said_variance), variance, rtol=1e-2, atol=0.0))
