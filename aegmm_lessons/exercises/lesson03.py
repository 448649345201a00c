"""Checks for the exercises of lesson 03 (refining a mixture with BFGS)."""

import numpy as np

from ..gmm import e_step
from ..refine import ParamLayout
from . import check, close_to

__all__ = ["check_parameter_counts", "check_mean_responsibilities", "check_bfgs_polish", "check_dense_memory"]


def check_parameter_counts(full, diag):
    """Exercise 1: unconstrained numbers of a 5-component mixture in 4 dimensions.

    Parameters
    ----------
    full, diag : int or None
        The counts for full and for diagonal covariances.
    """
    answer = None if full is None or diag is None else (full, diag)
    expected = (ParamLayout(5, 4).size, ParamLayout(5, 4, "diag").size)
    check("exercise 1", answer, close_to(expected, atol=0),
                 "K - 1 logits, K * d means, and per component d(d + 1)/2 numbers for a full "
                 "covariance but only d for a diagonal one")


def check_mean_responsibilities(mean_responsibilities, params, X):
    """Exercise 2: at a stationary point the weights are the mean responsibilities.

    Parameters
    ----------
    mean_responsibilities : array-like of shape (n_components,) or None
        The learner's N_k / n at ``params``.
    params : GMMParams
        The polished mixture.
    X : ndarray of shape (n_samples, n_features)
    """
    expected = np.exp(e_step(X, params)[1]).mean(axis=0)
    if mean_responsibilities is not None:
        assert np.allclose(params.weights, expected, atol=1e-6), "the weights are not the mean responsibilities"
    check("exercise 2", mean_responsibilities, close_to(expected, atol=1e-9),
                 "e_step returns log-responsibilities: exponentiate them, then average over the samples (axis 0)")


def check_bfgs_polish(result, best_log_likelihood):
    """Exercise 3: polishing with dense BFGS reaches the same optimum.

    Parameters
    ----------
    result : RefineResult or None
        What ``refine(..., method="BFGS")`` returned.
    best_log_likelihood : float
        The best mean log-likelihood of the lesson's runs.
    """
    def is_correct(result):
        return result.method == "BFGS" and abs(result.log_likelihood - best_log_likelihood) < 1e-6

    check("exercise 3", result, is_correct,
                 "call refine(em_quick.params_, X_overlap, method='BFGS') and keep its result")


def check_dense_memory(megabytes):
    """Exercise 4: memory of a dense inverse Hessian for 4 components in 32 dimensions, in MB.

    Parameters
    ----------
    megabytes : float or None
    """
    expected = ParamLayout(4, 32).size ** 2 * 8 / 1e6
    check("exercise 4", megabytes, close_to(expected, atol=0.1),
                 "one float64 (8 bytes) per *pair* of unconstrained numbers: size ** 2 * 8 / 1e6")
