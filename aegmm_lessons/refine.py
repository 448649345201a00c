"""Direct likelihood maximization of a Gaussian mixture with BFGS.

The optimizer works on unconstrained numbers: softmax logits with the first
pinned to 0 for the weights, the means, and for each precision ``U_k U_k^T``
its upper Cholesky factor ``U_k`` with a log diagonal. Every finite vector is a
valid mixture; the vector has ``GMMParams.n_parameters`` entries. No TensorFlow.
"""

import numbers
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import minimize
from scipy.special import logsumexp
from threadpoolctl import threadpool_limits

from .gmm import estimate_log_gaussian_prob
from .params import GMMParams
from .validation import check_array, check_covariance_type, check_data, check_params, check_positive_int, check_scalar

__all__ = ["ParamLayout", "RefineResult", "negative_log_likelihood", "refine", "bfgs_inverse_update", "DEFAULT_TOL"]

METHODS = ("L-BFGS-B", "BFGS")
GRADIENTS = ("exact", "finite-difference")
DEFAULT_TOL = {"exact": 1e-7, "finite-difference": 1e-6}
# Restarts of the optimizer when float64 rounding stops its line search short of tol.
POLISH_RESTARTS = 3


@dataclass(frozen=True)
class ParamLayout:
    """Where each block of a mixture's parameters lives in one flat vector.

    The blocks, in order: ``logits`` (K - 1,), the softmax logits of
    components 1..K-1; ``means`` (K, d); ``log_diagonals`` (K, d), the log of
    ``diag(U_k)``; ``off_diagonals`` (K, d (d - 1) / 2) for 'full', (K, 0) for
    'diag', the strict upper triangle of ``U_k`` in ``numpy.triu_indices`` order.
    """

    n_components: int
    n_features: int
    covariance_type: str = "full"

    def __post_init__(self):
        check_positive_int("n_components", self.n_components)
        check_positive_int("n_features", self.n_features)
        check_covariance_type(self.covariance_type)

    @classmethod
    def from_params(cls, params):
        """The layout of mixtures shaped like ``params`` (a GMMParams)."""
        params = check_params(params)
        return cls(params.n_components, params.n_features, params.covariance_type)

    @cached_property
    def _triu(self):
        if self.covariance_type == "diag":
            return np.empty(0, dtype=int), np.empty(0, dtype=int)
        return np.triu_indices(self.n_features, 1)

    @cached_property
    def _blocks(self):
        """Name -> (slice, shape) of each block, in vector order."""
        k, d = self.n_components, self.n_features
        n_off = len(self._triu[0])
        shapes = {"logits": (k - 1,), "means": (k, d), "log_diagonals": (k, d), "off_diagonals": (k, n_off)}
        blocks, start = {}, 0
        for name, shape in shapes.items():
            blocks[name] = (slice(start, start + int(np.prod(shape))), shape)
            start += int(np.prod(shape))
        return blocks

    def block_shapes(self):
        """Name and shape of each block, in vector order (dict of str to tuple)."""
        return {name: shape for name, (_, shape) in self._blocks.items()}

    def slices(self):
        """Name and slice of each block in the flat vector (dict of str to slice)."""
        return {name: where for name, (where, _) in self._blocks.items()}

    @property
    def size(self):
        """int: length of the flat vector (equals ``GMMParams.n_parameters``)."""
        return self._blocks["off_diagonals"][0].stop

    def check_theta(self, theta, name="theta"):
        """``theta`` as a finite float64 vector of shape (size,)."""
        theta = check_array(theta, ensure_2d=False, dtype=np.float64, input_name=name)
        if theta.shape != (self.size,):
            raise ValueError(
                f"{name} must have shape ({self.size},) for {self.n_components} component(s) in "
                f"{self.n_features} dimension(s) ({self.covariance_type!r}), got {theta.shape}"
            )
        return theta

    def split(self, theta):
        """Views of the blocks of ``theta`` (dict of str to ndarray, shaped as in :meth:`block_shapes`)."""
        return {name: theta[where].reshape(shape) for name, (where, shape) in self._blocks.items()}

    def join(self, blocks):
        """The flat vector of shape (size,) of a dict of blocks (the inverse of :meth:`split`)."""
        theta = np.empty(self.size)
        for name, (where, shape) in self._blocks.items():
            block = np.asarray(blocks[name], dtype=np.float64)
            if block.shape != shape:
                raise ValueError(f"block {name!r} must have shape {shape}, got {block.shape}")
            theta[where] = block.ravel()
        return theta

    def log_weights(self, theta):
        """Log mixing weights ``log softmax([0, logits])``, of shape (n_components,)."""
        logits = np.concatenate([[0.0], self.split(theta)["logits"]])
        return logits - logsumexp(logits)

    def precisions_cholesky(self, theta):
        """Upper-triangular ``U_k`` with ``U_k @ U_k.T`` the precision, shape (n_components, d, d)."""
        blocks, (rows, cols), d = self.split(theta), self._triu, self.n_features
        factors = np.zeros((self.n_components, d, d))
        factors[:, np.arange(d), np.arange(d)] = np.exp(blocks["log_diagonals"])
        factors[:, rows, cols] = blocks["off_diagonals"]
        return factors

    def off_diagonal_entries(self, matrices):
        """Entries of ``matrices`` (n_components, d, d) at the ``off_diagonals`` positions."""
        rows, cols = self._triu
        return matrices[:, rows, cols]

    def pack(self, params):
        """The flat unconstrained vector of shape (size,) of a GMMParams shaped like this layout."""
        given = ParamLayout.from_params(params)
        if given != self:
            shapes = [(layout.n_components, layout.n_features, layout.covariance_type) for layout in (given, self)]
            raise ValueError(f"params has (n_components, n_features, covariance_type) = {shapes[0]}, "
                             f"but this layout expects {shapes[1]}")
        log_weights = np.log(params.weights)
        factors = params.precisions_cholesky()
        if self.covariance_type == "diag":
            factors = factors[:, :, None] * np.eye(self.n_features)
        return self.join({
            "logits": log_weights[1:] - log_weights[0],
            "means": params.means,
            "log_diagonals": np.log(np.diagonal(factors, axis1=1, axis2=2)),
            "off_diagonals": self.off_diagonal_entries(factors),
        })

    def unpack(self, theta):
        """The GMMParams of a flat vector (ValueError if a covariance is beyond float64)."""
        theta = self.check_theta(theta)
        weights = np.maximum(np.exp(self.log_weights(theta)), np.finfo(np.float64).tiny)
        weights /= weights.sum()
        blocks, factors = self.split(theta), self.precisions_cholesky(theta)
        if self.covariance_type == "diag":
            with np.errstate(over="ignore", under="ignore"):  # out-of-range values are reported below
                covariances = np.exp(-2.0 * blocks["log_diagonals"])
        else:
            inverses = np.stack([solve_triangular(factor, np.eye(self.n_features)) for factor in factors])
            covariances = inverses.transpose(0, 2, 1) @ inverses  # inv(U U^T) = V^T V with V = inv(U)
            covariances = (covariances + covariances.transpose(0, 2, 1)) / 2
        flat = covariances.reshape(self.n_components, -1)
        bad = ~np.all(np.isfinite(flat) & (np.abs(flat) < np.finfo(np.float64).max), axis=1)
        bad |= (self.covariance_type == "diag") & np.any(flat <= 0, axis=1)
        if np.any(bad):
            k, log_diagonal = int(np.argmax(bad)), blocks["log_diagonals"][np.argmax(bad)]
            raise ValueError(f"component {k}: its precision factor is too extreme for a float64 covariance "
                             f"(log-diagonal from {log_diagonal.min():.4g} to {log_diagonal.max():.4g})")
        try:
            return GMMParams(weights, blocks["means"], covariances, self.covariance_type)
        except ValueError as exc:
            # U_k U_k^T is positive-definite, but its inverse has condition number cond(U_k)^2.
            condition = max(np.linalg.cond(factor) for factor in factors) ** 2
            raise ValueError(
                f"{exc}: the precision factors are valid, but a covariance with condition "
                f"number {condition:.3g} is not representable in float64"
            ) from None


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
