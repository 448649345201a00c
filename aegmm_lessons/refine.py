"""Direct likelihood maximization of a Gaussian mixture with BFGS.

The optimizer works on unconstrained numbers: softmax logits with the first
pinned to 0 for the weights, the means, and for each precision ``U_k U_k^T``
its upper Cholesky factor ``U_k`` with a log diagonal. Every finite vector is a
valid mixture; the vector has ``GMMParams.n_parameters`` entries. No TensorFlow.
"""

import numbers
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from .gmm import estimate_log_gaussian_prob
from .numerics import logsumexp
from .params import GMMParams, ParamLayout, check_params
from .validation import check_array, check_data, check_positive_int, check_scalar

__all__ = ["RefineResult", "negative_log_likelihood", "refine", "bfgs_inverse_update", "DEFAULT_TOL"]

METHODS = ("L-BFGS-B", "BFGS")
GRADIENTS = ("exact", "finite-difference")
DEFAULT_TOL = {"exact": 1e-7, "finite-difference": 1e-6}
# Restarts of the optimizer when float64 rounding stops its line search short of tol.
POLISH_RESTARTS = 3


def _log_terms(theta, X, layout):
    """``U_k``, ``log pi_k`` and ``w_ik = log pi_k + log N(x_i | mu_k, (U_k U_k^T)^{-1})`` (n_samples, K)."""
    factors, log_weights = layout.precisions_cholesky(theta), layout.log_weights(theta)
    diag = layout.covariance_type == "diag"
    precisions_cholesky = np.diagonal(factors, axis1=1, axis2=2) if diag else factors
    means = layout.split(theta)["means"]
    log_prob = estimate_log_gaussian_prob(X, means, precisions_cholesky, layout.covariance_type)
    return factors, log_weights, log_prob + log_weights


def _nll(theta, X, layout):
    """Mean negative log-likelihood alone (what finite differences evaluate)."""
    return -logsumexp(_log_terms(theta, X, layout)[2], axis=1).mean()


def _nll_and_gradient(theta, X, layout):
    """Mean negative log-likelihood and its gradient, without input checks."""
    n_samples = X.shape[0]
    factors, log_weights, weighted = _log_terms(theta, X, layout)
    log_likelihood = logsumexp(weighted, axis=1)
    resp = np.exp(weighted - log_likelihood[:, None]).T  # r_ik as (K, n)
    counts = resp.sum(axis=1)  # N_k
    means = layout.split(theta)["means"]
    whitened = X @ factors - means[:, None, :] @ factors  # y_ik = (x_i - mu_k) U_k, (K, n, d)
    resp_whitened = resp[:, :, None] * whitened
    sum_resp_whitened = resp_whitened.sum(axis=1)  # (K, d)
    # S_k = sum_i r_ik (x_i - mu_k)^T y_ik
    scatter = X.T @ resp_whitened - means[:, :, None] * sum_resp_whitened[:, None, :]
    diagonal = np.diagonal(factors, axis1=1, axis2=2)
    gradient = layout.join({
        "logits": (np.exp(log_weights) - counts / n_samples)[1:],
        "means": -np.einsum("kij,kj->ki", factors, sum_resp_whitened) / n_samples,
        "log_diagonals": -(counts[:, None] - diagonal * np.diagonal(scatter, axis1=1, axis2=2)) / n_samples,
        "off_diagonals": layout.off_diagonal_entries(scatter) / n_samples,
    })
    return -log_likelihood.mean(), gradient


def negative_log_likelihood(theta, X, layout):
    """Mean negative log-likelihood of a mixture and its exact gradient.

    Parameters
    ----------
    theta : array-like of shape (layout.size,)
    X : array-like of shape (n_samples, n_features)
    layout : ParamLayout

    Returns
    -------
    value : float
        ``-(1/n) sum_i log sum_k pi_k N(x_i | mu_k, (U_k U_k^T)^{-1})``.
    gradient : ndarray of shape (layout.size,)
        With responsibilities ``r_ik``, ``N_k = sum_i r_ik``,
        ``y_ik = (x_i - mu_k) U_k`` and ``S_k = sum_i r_ik (x_i - mu_k)^T y_ik``:
        logits ``pi_k - N_k / n``; means ``-(1/n) U_k sum_i r_ik y_ik``;
        log-diagonals ``-(1/n) (N_k - U_k[j, j] S_k[j, j])``;
        off-diagonals ``(1/n) S_k[a, b]``.
    """
    if not isinstance(layout, ParamLayout):
        raise TypeError(f"layout must be a ParamLayout, got {type(layout).__name__}")
    theta = layout.check_theta(theta)
    X = check_data(X, n_features=layout.n_features)
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, as an error
        value, gradient = _nll_and_gradient(theta, X, layout)
    if not np.all(np.isfinite(gradient)):
        raise ValueError(f"X overflows float64 in the gradient (largest |x| = {np.max(np.abs(X)):.3g}): scale it")
    return value, gradient


@dataclass(frozen=True)
class RefineResult:
    """What :func:`refine` found and what the optimizer did.

    ``log_likelihood`` is the final mean per sample and ``history`` (nit + 1,)
    the mean at the start and after each iteration; ``nfev`` and ``nit`` count
    over all restarts; ``gradient_max_norm`` is the largest entry of the exact
    gradient at the result; ``success`` is ``gradient_max_norm <= tol`` for the
    exact gradient, the optimizer's verdict for finite differences.
    """

    params: GMMParams
    log_likelihood: float
    nfev: int
    nit: int
    success: bool
    message: str
    history: np.ndarray
    method: str
    gradient: str
    seconds: float
    gradient_max_norm: float


def refine(params, X, *, method="L-BFGS-B", gradient="exact", tol=None, max_iter=1000):
    """Maximize a mixture's likelihood directly with a quasi-Newton method.

    With the exact gradient the optimizer stops on the gradient's max-norm
    (L-BFGS-B with ``ftol=0``); when float64 rounding stops its line search
    short of ``tol`` it restarts from there, up to ``POLISH_RESTARTS`` times.

    Parameters
    ----------
    params : GMMParams
        Starting point; fixes K, d and the covariance type.
    X : array-like of shape (n_samples, n_features)
    method : {'L-BFGS-B', 'BFGS'}, default 'L-BFGS-B'
    gradient : {'exact', 'finite-difference'}, default 'exact'
        The analytic gradient, or SciPy's forward differences (``size + 1`` evaluations each).
    tol : float, optional
        Largest gradient entry accepted; ``DEFAULT_TOL[gradient]`` by default
        (1e-7 exact, 1e-6 finite differences, where L-BFGS-B also stops on a
        relative decrease of ``tol``).
    max_iter : int, default 1000
        Iterations at most, over all restarts.

    Returns
    -------
    RefineResult
    """
    params = check_params(params)
    X = check_data(X, n_features=params.n_features)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {GRADIENTS}, got {gradient!r}")
    tol = DEFAULT_TOL[gradient] if tol is None else tol
    tol = check_scalar(tol, "tol", numbers.Real, min_val=0, max_val=np.inf, include_boundaries="neither")
    max_iter = check_positive_int("max_iter", max_iter)

    layout = ParamLayout.from_params(params)
    theta, exact = layout.pack(params), gradient == "exact"
    history, calls = [-_nll(theta, X, layout)], 0

    def objective(theta):
        nonlocal calls
        calls += 1
        return _nll_and_gradient(theta, X, layout) if exact else _nll(theta, X, layout)

    def record(intermediate_result):
        history.append(-float(intermediate_result.fun))

    iterations, runs = 0, 0
    start = time.perf_counter()
    # The vectors are small: BLAS threads only add synchronization (2 to 2.5 times slower on two busy cores).
    with threadpool_limits(limits=1, user_api="blas"):
        while True:
            options = {"maxiter": max_iter - iterations, "gtol": tol}
            if method == "L-BFGS-B":  # exact gradient: stop on the gradient alone, not on flat stretches
                options["ftol"] = 0.0 if exact else tol
            result = minimize(objective, theta, method=method, jac=exact or None, callback=record, options=options)
            theta, iterations, runs = result.x, iterations + int(result.nit), runs + 1
            gradient_max_norm = float(np.abs(_nll_and_gradient(theta, X, layout)[1]).max())
            stationary = gradient_max_norm <= tol
            if not exact or stationary or runs > POLISH_RESTARTS or iterations >= max_iter:
                break
    seconds = time.perf_counter() - start
    return RefineResult(
        params=layout.unpack(theta),
        log_likelihood=-float(result.fun),
        nfev=calls,
        nit=iterations,
        success=stationary if exact else bool(result.success),
        message=str(result.message),
        history=np.array(history),
        method=method,
        gradient=gradient,
        seconds=seconds,
        gradient_max_norm=gradient_max_norm,
    )


def bfgs_inverse_update(inverse_hessian, step, gradient_change):
    """One BFGS update of an inverse-Hessian approximation (Nocedal & Wright, eq. 6.17).

    ``H+ = (I - rho s y^T) H (I - rho y s^T) + rho s s^T`` with ``rho = 1 / (y^T s)``: the symmetric matrix
    nearest to ``H`` (in a weighted norm) that satisfies the secant condition ``H+ y = s``. It stays
    positive-definite when ``H`` is and ``y^T s > 0`` (the curvature condition, which a Wolfe line search ensures).

    Parameters
    ----------
    inverse_hessian : array-like of shape (n, n)
        ``H``, symmetric positive-definite.
    step : array-like of shape (n,)
        ``s = x_{k+1} - x_k``.
    gradient_change : array-like of shape (n,)
        ``y = grad f(x_{k+1}) - grad f(x_k)``.

    Returns
    -------
    ndarray of shape (n, n)
    """
    H = check_array(inverse_hessian, dtype=np.float64, input_name="inverse_hessian")
    n = H.shape[0]
    if H.shape != (n, n):
        raise ValueError(f"inverse_hessian must be square, got shape {H.shape}")
    s = check_array(step, ensure_2d=False, dtype=np.float64, input_name="step")
    y = check_array(gradient_change, ensure_2d=False, dtype=np.float64, input_name="gradient_change")
    if s.shape != (n,) or y.shape != (n,):
        raise ValueError(f"step and gradient_change must have shape ({n},), got {s.shape} and {y.shape}")
    curvature = float(y @ s)
    if not curvature > 0:
        raise ValueError(f"the curvature y^T s must be positive (a Wolfe step ensures it), got {curvature:.6g}")
    rho = 1.0 / curvature
    left = np.eye(n) - rho * np.outer(s, y)
    return left @ H @ left.T + rho * np.outer(s, s)
