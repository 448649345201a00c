"""Checks for lesson 03 (refining a mixture with BFGS); each computes the answer with the package."""

import numpy as np

from ..gmm import e_step, kmeans_init
from ..params import ParamLayout
from ..refine import bfgs_inverse_update, negative_log_likelihood, refine
from . import Mistake, WrongAnswerError, exercise, function_check, judge_number, number_check

__all__ = ["check_log_cholesky_density", "check_bfgs_update", "check_mean_responsibilities", "check_bfgs_polish",
           "check_dense_memory"]


# Exercise: one component's log-density from its log-Cholesky numbers, and the gradient in the log-diagonals

def _factor(log_diagonal, off_diagonal):
    d = len(log_diagonal)
    factor = np.diag(np.exp(log_diagonal))
    factor[np.triu_indices(d, 1)] = off_diagonal
    return factor


def _log_density_and_gradient(x, mean, log_diagonal, off_diagonal):
    """The package's: one component (K = 1), one point, through ``negative_log_likelihood``."""
    layout = ParamLayout(1, len(x))
    theta = layout.join({"logits": np.empty(0), "means": mean[None], "log_diagonals": log_diagonal[None],
                         "off_diagonals": off_diagonal[None]})
    value, gradient = negative_log_likelihood(theta, x[None], layout)
    return -value, -layout.split(gradient)["log_diagonals"][0]


def _one_component(rng):
    d = int(rng.integers(2, 5))
    return (rng.normal(size=d), rng.normal(size=d), rng.uniform(-1.0, 1.0, size=d),
            rng.normal(scale=0.5, size=d * (d - 1) // 2))


def _density_with(x, mean, log_diagonal, factor, log_det_term=True, chain_rule=True):
    diff = x - mean
    y = factor.T @ diff
    value = -0.5 * len(x) * np.log(2 * np.pi) + (log_diagonal.sum() if log_det_term else 0.0) - 0.5 * y @ y
    diagonal = np.diag(factor)
    gradient = (1.0 if log_det_term else 0.0) - diagonal * diff * y  # d/ds_j = 1 - U_jj (x - mu)_j y_j
    if not chain_rule:
        gradient = (1.0 / diagonal if log_det_term else 0.0) - diff * y  # d/dU_jj instead
    return value, gradient


check_log_cholesky_density = function_check(
    "log-Cholesky density", _log_density_and_gradient, _one_component,
    hint="U = upper triangular, diagonal exp(log_diagonal), strict upper triangle off_diagonal in np.triu_indices "
         "order; y = U^T (x - mean); log N = -d/2 log 2 pi + sum(log_diagonal) - |y|^2 / 2; check the gradient "
         "with scipy.optimize.approx_fprime",
    mistakes={
        "the factor's lower triangle": Mistake(
            lambda x, mean, s, off: _density_with(x, mean, s, _factor(s, off).T),
            "U is upper triangular: the off-diagonal numbers fill np.triu_indices(d, 1), and y = U^T (x - mean)"),
        "the log-determinant left out": Mistake(
            lambda x, mean, s, off: _density_with(x, mean, s, _factor(s, off), log_det_term=False),
            "the normalising constant depends on U: log det U = sum_j log U_jj = sum(log_diagonal), and each "
            "log-diagonal number contributes 1 to the gradient"),
        "the gradient in U_jj, not in its log": Mistake(
            lambda x, mean, s, off: _density_with(x, mean, s, _factor(s, off), chain_rule=False),
            "the optimizer moves s_j = log U_jj: by the chain rule, d/ds_j = U_jj * d/dU_jj"),
    })


# Exercise: one BFGS update of the inverse Hessian

def _bfgs_inputs(rng):
    n = int(rng.integers(2, 6))
    A, C = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    s = rng.normal(size=n)
    return A @ A.T + np.eye(n), s, (C @ C.T + np.eye(n)) @ s  # y = B s with B positive-definite: y^T s > 0


def _bfgs_without_last_term(H, s, y):
    left = np.eye(len(s)) - np.outer(s, y) / (y @ s)
    return left @ H @ left.T


def _bfgs_rho_from_step(H, s, y):
    left = np.eye(len(s)) - np.outer(s, y) / (s @ s)
    return left @ H @ left.T + np.outer(s, s) / (s @ s)


check_bfgs_update = function_check(
    "BFGS inverse update", bfgs_inverse_update, _bfgs_inputs,
    hint="H+ = (I - rho s y^T) H (I - rho y s^T) + rho s s^T with rho = 1 / (y^T s); it must satisfy the secant "
         "condition H+ y = s",
    mistakes={
        "s and y swapped": Mistake(
            lambda H, s, y: bfgs_inverse_update(H, y, s),
            "that maps s to y, as the Hessian B does: the inverse must map y to s (H+ y = s)"),
        "rho from the step alone": Mistake(
            _bfgs_rho_from_step, "rho = 1 / (y^T s), the curvature along the step, not 1 / (s^T s)"),
        "the term rho s s^T left out": Mistake(
            _bfgs_without_last_term, "without + rho s s^T the new matrix maps y to 0, not to s"),
    })


# Exercise: the mean responsibilities at the optimum

check_mean_responsibilities = number_check(
    "mean responsibilities", lambda params, X: np.exp(e_step(X, params)[1]).mean(axis=0),
    hint="N_k / n: the responsibilities of each component, averaged over the points",
    mistakes={"the mean of the log-responsibilities": Mistake(
        lambda params, X: e_step(X, params)[1].mean(axis=0),
        "e_step returns log-responsibilities: exponentiate before averaging")})


# Exercise: BFGS polishing, started where EM stopped

@exercise("BFGS polish", mistakes={
    "started from the k-means start": Mistake(
        lambda start, X, best: refine(kmeans_init(X, start.n_components, reg_covar=0.0, random_state=0), X,
                                      method="BFGS"),
        "polish EM's result: start refine from em_quick.params_, not from start_overlap"),
    "L-BFGS-B instead of BFGS": Mistake(lambda start, X, best: refine(start, X), "pass method='BFGS' to refine"),
})
def check_bfgs_polish(result, start, X, best_log_likelihood):
    """``result = refine(start, X, method="BFGS")`` began at ``start`` and reached ``best_log_likelihood``."""
    mistakes = check_bfgs_polish.mistakes
    if not all(hasattr(result, name) for name in ("method", "history", "log_likelihood")):
        raise WrongAnswerError("the result of refine(...) is asked for (it has .method, .history and "
                               ".log_likelihood), not a number or a mixture")
    if result.method != "BFGS":
        raise WrongAnswerError(f"not right. Hint: {mistakes['L-BFGS-B instead of BFGS'].hint}")
    judge_number(result.history[0], e_step(X, start)[0], hint=mistakes["started from the k-means start"].hint)
    judge_number(result.log_likelihood, best_log_likelihood, atol=1e-6,
                 hint="run refine to its end (the default tol), so that it reaches the best optimum")


# Exercise: the memory of a dense inverse Hessian

def _dense_megabytes(n_components=4, n_features=32):
    return ParamLayout(n_components, n_features).size ** 2 * 8 / 1e6


check_dense_memory = number_check(
    "dense inverse-Hessian memory", _dense_megabytes, digits=2, units="MB",
    hint="one float64 (8 bytes) per pair of unconstrained numbers",
    mistakes={
        "one float per number": Mistake(lambda: ParamLayout(4, 32).size * 8 / 1e6,
                                        "the matrix has one entry per *pair* of numbers: size squared"),
        "K logits, not K - 1": Mistake(lambda: (ParamLayout(4, 32).size + 1) ** 2 * 8 / 1e6,
                                       "one logit is pinned at 0: K - 1 free logits"),
        "d*d entries per covariance": Mistake(
            lambda: (ParamLayout(4, 32).size + 4 * 32 * 31 // 2) ** 2 * 8 / 1e6,
            "a Cholesky factor is triangular: d(d + 1)/2 numbers per component, not d*d"),
    })
