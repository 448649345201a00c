"""Checks for lesson 03 (refining a mixture with BFGS)."""

import numpy as np

from ..gmm import e_step
from ..params import ParamLayout
from . import close_to, exercise

__all__ = ["check_parameter_counts", "check_mean_responsibilities", "check_bfgs_polish", "check_dense_memory"]


@exercise(1, "K - 1 logits, K*d means, d(d + 1)/2 per full covariance, only d per diagonal", answers=2, verdict=False)
def check_parameter_counts(full, diag):
    """Unconstrained numbers of a 5-component mixture in 4 dimensions, full and diagonal."""
    return close_to((full, diag), (ParamLayout(5, 4).size, ParamLayout(5, 4, "diag").size), atol=0)


@exercise(2, "e_step returns log-responsibilities: exponentiate, then average over the samples", verdict=False)
def check_mean_responsibilities(mean_responsibilities, params, X):
    """N_k / n at ``params``, which at a stationary point are its weights."""
    expected = np.exp(e_step(X, params)[1]).mean(axis=0)
    assert np.allclose(params.weights, expected, atol=1e-6), "the weights are not the mean responsibilities"
    return close_to(mean_responsibilities, expected, atol=1e-9)


@exercise(3, "call refine(em_quick.params_, X_overlap, method='BFGS') and keep its result", verdict=False)
def check_bfgs_polish(result, best_log_likelihood):
    """``refine(..., method="BFGS")`` reaches ``best_log_likelihood``, the best of the lesson's runs."""
    return result.method == "BFGS" and abs(result.log_likelihood - best_log_likelihood) < 1e-6


@exercise(4, "one float64 (8 bytes) per *pair* of unconstrained numbers: size ** 2 * 8 / 1e6", verdict=False)
def check_dense_memory(megabytes):
    """Megabytes of a dense inverse Hessian for 4 components in 32 dimensions."""
    return close_to(megabytes, ParamLayout(4, 32).size ** 2 * 8 / 1e6, atol=0.1)
