"""Direct likelihood maximization of a Gaussian mixture with BFGS.

A mixture's parameters are constrained: weights on the simplex, covariances
symmetric positive-definite. Quasi-Newton optimizers work on a flat vector of
*unconstrained* numbers, so we map one to the other:

- weights by softmax logits, the first logit pinned to 0 (``K - 1`` numbers);
- means as they are (``K * d`` numbers);
- each precision matrix ``P_k = U_k U_k^T`` by its upper-triangular Cholesky
  factor ``U_k`` (scikit-learn's ``precisions_cholesky_``), the diagonal
  stored as ``log(diag(U_k))`` (``K * d`` numbers) and the strict upper
  triangle as it is (``K * d * (d - 1) / 2`` numbers; none for 'diag').

Every finite vector maps to a valid mixture (as long as float64 can hold the
covariance, the inverse of ``U_k U_k^T``), and the vector has exactly
``GMMParams.n_parameters`` entries. :class:`ParamLayout` derives every block's
position from ``(K, d)`` and the covariance type; nothing else in the package
indexes the flat vector by hand.

Why the precision's factor rather than the covariance's: the log-density is

    log N(x | mu_k, P_k^{-1}) = -d/2 log(2 pi) + sum_j s_kj - 1/2 ||(x - mu_k) U_k||^2,

with ``s_kj = log U_k[j, j]``: no matrix inverse, no triangular solve, and a
gradient made of matrix products (see :func:`negative_log_likelihood`).

No TensorFlow here: NumPy and SciPy (and scikit-learn's EM-side helpers).
"""

import contextlib
import numbers
import time
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

try:  # installed with scikit-learn
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

from .params import COVARIANCE_TYPES, GMMParams
from .validation import check_array_2d, check_positive_int

__all__ = [
    "ParamLayout",
    "RefineResult",
    "negative_log_likelihood",
    "refine",
    "synthetic_latent_codes",
    "OPTIMIZERS",
    "compare_optimizers",
    "iterations_to_reach",
    "convergence_by_separation",
    "METHODS",
    "DEFAULT_TOL",
    "POLISH_RESTARTS",
    "GRADIENTS",
]

METHODS = ("L-BFGS-B", "BFGS")
GRADIENTS = ("exact", "finite-difference")
DEFAULT_TOL = {"exact": 1e-7, "finite-difference": 1e-6}
# Restarts of the optimizer when float64 rounding stops its line search short of tol.
POLISH_RESTARTS = 3
LOG_2PI = np.log(2.0 * np.pi)


@dataclass(frozen=True)
class ParamLayout:
    """Where each parameter block of a mixture lives in one flat vector.

    Build it with :meth:`from_params`; every offset and shape is derived from
    ``(n_components, n_features, covariance_type)``.

    Parameters
    ----------
    n_components : int
        Number of components K.
    n_features : int
        Dimension d.
    covariance_type : {'full', 'diag'}, default 'full'

    Notes
    -----
    The blocks, in order (see :meth:`block_shapes`):

    ``logits`` (K - 1,)
        Softmax logits of components 1..K-1; component 0's logit is pinned to
        0, so the map to the simplex is one-to-one.
    ``means`` (K, d)
    ``log_diagonals`` (K, d)
        ``log(diag(U_k))`` of the precision's Cholesky factor.
    ``off_diagonals`` (K, d (d - 1) / 2) for 'full', (K, 0) for 'diag'
        The strict upper triangle of ``U_k``, row by row
        (``numpy.triu_indices(d, 1)`` order).
    """

    n_components: int
    n_features: int
    covariance_type: str = "full"

    def __post_init__(self):
        check_positive_int("n_components", self.n_components)
        check_positive_int("n_features", self.n_features)
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type must be one of {COVARIANCE_TYPES}, got {self.covariance_type!r}"
            )

    @classmethod
    def from_params(cls, params):
        """The layout of mixtures shaped like ``params``.

        Parameters
        ----------
        params : GMMParams

        Returns
        -------
        ParamLayout
        """
        if not isinstance(params, GMMParams):
            raise ValueError(f"params must be a GMMParams, got {type(params).__name__}")
        return cls(params.n_components, params.n_features, params.covariance_type)

    # ----- shapes and offsets, all derived from (K, d, covariance_type) -----

    @cached_property
    def _triu(self):
        """Row and column indices of the strict upper triangle stored in the vector."""
        if self.covariance_type == "diag":
            empty = np.empty(0, dtype=int)
            return empty, empty
        return np.triu_indices(self.n_features, 1)

    @cached_property
    def _shapes(self):
        k, d = self.n_components, self.n_features
        return {
            "logits": (k - 1,),
            "means": (k, d),
            "log_diagonals": (k, d),
            "off_diagonals": (k, len(self._triu[0])),
        }

    @cached_property
    def _slices(self):
        result, start = {}, 0
        for name, shape in self._shapes.items():
            stop = start + int(np.prod(shape))
            result[name] = slice(start, stop)
            start = stop
        return result

    def block_shapes(self):
        """Name and shape of each block, in vector order.

        Returns
        -------
        dict of str to tuple of int
        """
        return dict(self._shapes)

    def slices(self):
        """Name and slice of each block in the flat vector.

        Returns
        -------
        dict of str to slice
        """
        return dict(self._slices)

    @property
    def size(self):
        """int: length of the flat vector (equals ``GMMParams.n_parameters``)."""
        return self._slices["off_diagonals"].stop

    # ----- vector <-> blocks -----

    def check_theta(self, theta, name="theta"):
        """Validate a flat vector against this layout.

        Parameters
        ----------
        theta : array-like of shape (size,)

        Returns
        -------
        ndarray of shape (size,), float64

        Raises
        ------
        ValueError
            If ``theta`` is not 1-D of length ``size`` or holds NaN or infinity.
        """
        try:
            theta = np.asarray(theta, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a numeric vector, got {type(theta).__name__}: {exc}") from None
        if theta.shape != (self.size,):
            raise ValueError(
                f"{name} must have shape ({self.size},) for {self.n_components} component(s) in "
                f"{self.n_features} dimension(s) ({self.covariance_type!r}), got {theta.shape}"
            )
        if not np.all(np.isfinite(theta)):
            bad = int(theta.size - np.count_nonzero(np.isfinite(theta)))
            raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")
        return theta

    def split(self, theta):
        """Views of the blocks of ``theta``, reshaped.

        Parameters
        ----------
        theta : ndarray of shape (size,)

        Returns
        -------
        dict of str to ndarray
            Keys and shapes as in :meth:`block_shapes`.
        """
        return {name: theta[s].reshape(self._shapes[name]) for name, s in self._slices.items()}

    def join(self, blocks):
        """Concatenate blocks (the inverse of :meth:`split`).

        Parameters
        ----------
        blocks : dict of str to array-like
            One array per block name, of the shape in :meth:`block_shapes`.

        Returns
        -------
        ndarray of shape (size,)
        """
        theta = np.empty(self.size)
        for name, s in self._slices.items():
            block = np.asarray(blocks[name], dtype=np.float64)
            expected = self._shapes[name]
            if block.shape != expected:
                raise ValueError(f"block {name!r} must have shape {expected}, got {block.shape}")
            theta[s] = block.ravel()
        return theta

    def log_weights(self, theta):
        """Log mixing weights, ``log softmax([0, logits])``.

        Returns
        -------
        ndarray of shape (n_components,)
        """
        logits = np.concatenate([[0.0], self.split(theta)["logits"]])
        return logits - _logsumexp(logits, axis=0)

    def precisions_cholesky(self, theta):
        """Upper-triangular factors ``U_k`` with ``U_k @ U_k.T`` the precision.

        Returns
        -------
        ndarray of shape (n_components, n_features, n_features)
            Full matrices for both covariance types (diagonal for 'diag').
        """
        blocks = self.split(theta)
        rows, cols = self._triu
        d = self.n_features
        factors = np.zeros((self.n_components, d, d))
        diagonal = np.arange(d)
        factors[:, diagonal, diagonal] = np.exp(blocks["log_diagonals"])
        factors[:, rows, cols] = blocks["off_diagonals"]
        return factors

    def off_diagonal_entries(self, matrices):
        """The entries of ``matrices`` at the positions of the ``off_diagonals`` block.

        Parameters
        ----------
        matrices : ndarray of shape (n_components, n_features, n_features)

        Returns
        -------
        ndarray of shape (n_components, n_off_diagonal)
            ``n_off_diagonal`` is d (d - 1) / 2 for 'full', 0 for 'diag'.
        """
        rows, cols = self._triu
        return matrices[:, rows, cols]

    # ----- GMMParams <-> vector -----

    def _check_matches(self, params):
        if not isinstance(params, GMMParams):
            raise ValueError(f"params must be a GMMParams, got {type(params).__name__}")
        given = (params.n_components, params.n_features, params.covariance_type)
        expected = (self.n_components, self.n_features, self.covariance_type)
        if given != expected:
            raise ValueError(
                f"params has (n_components, n_features, covariance_type) = {given}, "
                f"but this layout expects {expected}"
            )

    def pack(self, params):
        """The flat unconstrained vector of a mixture.

        Parameters
        ----------
        params : GMMParams
            Shaped like this layout.

        Returns
        -------
        theta : ndarray of shape (size,)
        """
        self._check_matches(params)
        log_weights = np.log(params.weights)
        factors = params.precisions_cholesky()
        if self.covariance_type == "diag":
            log_diagonals = np.log(factors)
            off_diagonals = np.empty((self.n_components, 0))
        else:
            log_diagonals = np.log(np.diagonal(factors, axis1=1, axis2=2))
            off_diagonals = self.off_diagonal_entries(factors)
        return self.join(
            {
                "logits": log_weights[1:] - log_weights[0],
                "means": params.means,
                "log_diagonals": log_diagonals,
                "off_diagonals": off_diagonals,
            }
        )

    def unpack(self, theta):
        """The mixture of a flat vector.

        Any finite vector gives a valid mixture, within float64's range: the
        weights are a softmax (raised to float64's smallest normal number where
        they would underflow, then renormalised) and each covariance is the
        inverse of ``U_k U_k^T`` with ``U_k`` triangular with a positive
        diagonal.

        Parameters
        ----------
        theta : array-like of shape (size,)

        Returns
        -------
        GMMParams

        Raises
        ------
        ValueError
            If ``theta`` has the wrong shape or is not finite, or if a factor is
            so ill-conditioned that its covariance is not representable in
            float64 (the message names the component).
        """
        theta = self.check_theta(theta)
        weights = np.maximum(np.exp(self.log_weights(theta)), np.finfo(np.float64).tiny)
        weights /= weights.sum()
        means = self.split(theta)["means"]
        factors = self.precisions_cholesky(theta)
        if self.covariance_type == "diag":
            with np.errstate(over="ignore", under="ignore"):  # out-of-range values are reported below
                covariances = np.exp(-2.0 * self.split(theta)["log_diagonals"])
        else:
            covariances = np.empty_like(factors)
            identity = np.eye(self.n_features)
            for k, factor in enumerate(factors):
                # cov = inv(U U^T) = V^T V with V = inv(U), upper triangular.
                inverse = solve_triangular(factor, identity, lower=False)
                covariance = inverse.T @ inverse
                covariances[k] = (covariance + covariance.T) / 2
        flat = covariances.reshape(self.n_components, -1)
        unrepresentable = ~np.all(np.isfinite(flat) & (np.abs(flat) < np.finfo(np.float64).max), axis=1)
        if self.covariance_type == "diag":
            unrepresentable |= np.any(flat <= 0, axis=1)
        if np.any(unrepresentable):
            k = int(np.argmax(unrepresentable))
            log_diagonal = self.split(theta)["log_diagonals"][k]
            raise ValueError(
                f"component {k}: its precision factor is too extreme for a float64 covariance "
                f"(log-diagonal from {log_diagonal.min():.4g} to {log_diagonal.max():.4g})"
            )
        try:
            return GMMParams(weights, means, covariances, self.covariance_type)
        except ValueError as exc:
            # U_k U_k^T is positive-definite for every finite theta, but its inverse
            # has condition number cond(U_k)^2, which float64 cannot hold past ~1e15.
            condition = max(np.linalg.cond(factor) for factor in factors) ** 2
            raise ValueError(
                f"{exc}: the precision factors are valid, but a covariance with condition "
                f"number {condition:.3g} is not representable in float64"
            ) from None


def _logsumexp(a, axis):
    """log(sum(exp(a), axis)) without overflow; a lean version of SciPy's for the hot loop."""
    top = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(a - top), axis=axis))


def _forward(theta, X, layout):
    """Per-component log terms of the mixture log-likelihood.

    Returns
    -------
    factors : ndarray of shape (K, d, d)
        ``U_k``.
    whitened : ndarray of shape (K, n, d)
        ``y_ik = (x_i - mu_k) U_k``.
    weighted : ndarray of shape (K, n)
        ``log pi_k + log N(x_i | mu_k, (U_k U_k^T)^{-1})``.
    log_likelihood : ndarray of shape (n,)
        ``log p(x_i)``.
    """
    blocks = layout.split(theta)
    factors = layout.precisions_cholesky(theta)
    whitened = X @ factors - (blocks["means"][:, None, :] @ factors)
    log_prob = (
        -0.5 * X.shape[1] * LOG_2PI
        + blocks["log_diagonals"].sum(axis=1)[:, None]
        - 0.5 * np.einsum("kni,kni->kn", whitened, whitened)
    )
    weighted = log_prob + layout.log_weights(theta)[:, None]
    return factors, whitened, weighted, _logsumexp(weighted, axis=0)


def _nll(theta, X, layout):
    """Mean negative log-likelihood alone (what finite differences evaluate)."""
    return -_forward(theta, X, layout)[3].mean()


def _nll_and_gradient(theta, X, layout):
    """Mean negative log-likelihood and its gradient, without input checks.

    See :func:`negative_log_likelihood` for the formulas.
    """
    n_samples = X.shape[0]
    factors, whitened, weighted, log_likelihood = _forward(theta, X, layout)
    resp = np.exp(weighted - log_likelihood[None, :])  # (K, n), columns sum to 1
    counts = resp.sum(axis=1)  # N_k
    resp_whitened = resp[:, :, None] * whitened  # r_ik y_ik, (K, n, d)
    sum_resp_whitened = resp_whitened.sum(axis=1)  # (K, d)
    # S_k = sum_i r_ik (x_i - mu_k)^T y_ik = X^T (r y) - mu_k^T sum_i r_ik y_ik
    means = layout.split(theta)["means"]
    scatter = X.T @ resp_whitened - means[:, :, None] * sum_resp_whitened[:, None, :]

    grad_logits = (np.exp(layout.log_weights(theta)) - counts / n_samples)[1:]
    # -(1/n) sum_i r_ik P_k (x_i - mu_k), with P_k (x_i - mu_k) = U_k y_ik^T
    grad_means = -np.einsum("kij,kj->ki", factors, sum_resp_whitened) / n_samples
    # d/dU_k = -(1/n) (N_k diag(1/U_k) - S_k); U_jj = exp(s_j) gives the factor U_jj
    diagonal = np.diagonal(factors, axis1=1, axis2=2)
    grad_log_diagonals = -(counts[:, None] - diagonal * np.diagonal(scatter, axis1=1, axis2=2)) / n_samples
    grad_off_diagonals = layout.off_diagonal_entries(scatter) / n_samples
    gradient = layout.join(
        {
            "logits": grad_logits,
            "means": grad_means,
            "log_diagonals": grad_log_diagonals,
            "off_diagonals": grad_off_diagonals,
        }
    )
    return -log_likelihood.mean(), gradient


def negative_log_likelihood(theta, X, layout):
    """Mean negative log-likelihood of a mixture and its exact gradient.

    Parameters
    ----------
    theta : array-like of shape (layout.size,)
        Unconstrained parameters (see :class:`ParamLayout`).
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

    Notes
    -----
    Returned together for ``scipy.optimize.minimize(..., jac=True)``.

    Raises
    ------
    ValueError
        If ``layout`` is not a ParamLayout, ``theta`` does not fit it, or ``X``
        is not finite 2-D data of width ``layout.n_features``.
    """
    if not isinstance(layout, ParamLayout):
        raise ValueError(f"layout must be a ParamLayout, got {type(layout).__name__}")
    theta = layout.check_theta(theta)
    X = _check_data(X, layout)
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, as an error
        value, gradient = _nll_and_gradient(theta, X, layout)
    if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
        raise ValueError(
            "X must be small enough for its squared distances to the components to fit in "
            f"float64 (about 1.8e308), got an overflow with largest |x| = {np.max(np.abs(X)):.3g}: "
            "scale the data (e.g. StandardScaler)"
        )
    return value, gradient


def _check_data(X, layout):
    X = check_array_2d(X, "X")
    if X.shape[1] != layout.n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but the mixture expects n_features = {layout.n_features}"
        )
    return X


def synthetic_latent_codes(n_samples=1000, n_features=10, n_components=10, *, separation=6.0,
                           random_state=0):
    """Samples of a random Gaussian mixture, standing in for autoencoder codes.

    A stand-in for the ``d = 10, K = 10`` latent codes of lesson 02 that needs
    no network: component means at a typical distance ``separation`` (in
    units of the components' standard deviation), anisotropic random
    covariances with average variance 1, unequal weights.

    Parameters
    ----------
    n_samples : int, default 1000
    n_features : int, default 10
    n_components : int, default 10
    separation : float, default 6.0
        Root mean square distance between two component means, in standard
        deviations: about 2 overlaps strongly, 6 and more is well separated.
    random_state : int, default 0
        Seeds a ``numpy.random.Generator``; the same seed gives the same
        mixture for every ``separation`` (only the means are scaled).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    labels : ndarray of shape (n_samples,)
        The component each sample was drawn from.
    params : GMMParams
        The mixture that generated ``X``.
    """
    n_samples = check_positive_int("n_samples", n_samples)
    n_features = check_positive_int("n_features", n_features)
    n_components = check_positive_int("n_components", n_components)
    if n_components > n_samples:
        raise ValueError(
            f"n_components must be <= n_samples, got n_components = {n_components} "
            f"and n_samples = {n_samples}"
        )
    if isinstance(separation, bool) or not isinstance(separation, numbers.Real) or not 0 <= separation < np.inf:
        raise ValueError(f"separation must be a finite number >= 0, got {separation!r}")
    rng = np.random.default_rng(random_state)
    weights = rng.dirichlet(np.full(n_components, 5.0))
    # E||mu_j - mu_l||^2 = separation^2 for independent N(0, s^2 / (2 d)) coordinates.
    means = rng.normal(size=(n_components, n_features)) * separation / np.sqrt(2.0 * n_features)
    covariances = np.empty((n_components, n_features, n_features))
    for k in range(n_components):
        rotation, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
        variances = np.exp(rng.uniform(np.log(0.25), np.log(4.0), size=n_features))
        variances /= variances.mean()
        covariances[k] = (rotation * variances) @ rotation.T
        covariances[k] = (covariances[k] + covariances[k].T) / 2
    labels = rng.choice(n_components, size=n_samples, p=weights)
    noise = rng.standard_normal((n_samples, n_features))
    factors = np.linalg.cholesky(covariances)
    X = means[labels] + np.einsum("nij,nj->ni", factors[labels], noise)
    return X, labels, GMMParams(weights, means, covariances)


def _single_threaded_blas():
    """Run BLAS on one thread while the optimizer works.

    The optimizer's vectors and the per-component matrices are small, so BLAS
    threads only add synchronization: L-BFGS-B measured 2 to 2.5 times slower
    with two threads on two busy cores.
    """
    if threadpool_limits is None:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class RefineResult:
    """What :func:`refine` found and what the optimizer did.

    Attributes
    ----------
    params : GMMParams
        The refined mixture (covariances SPD by construction).
    log_likelihood : float
        Final mean log-likelihood per sample.
    nfev : int
        Evaluations of the negative log-likelihood (including those spent on
        finite differences), over all restarts.
    nit : int
        Optimizer iterations, over all restarts.
    success : bool
        With the exact gradient: ``gradient_max_norm <= tol``. With finite
        differences: the optimizer's own verdict.
    message : str
        The optimizer's own words, from its last run.
    history : ndarray of shape (nit + 1,)
        Mean log-likelihood at the start and after each iteration.
    method : str
    gradient : str
        'exact' or 'finite-difference'.
    seconds : float
        Wall time of the optimization.
    gradient_max_norm : float
        Largest absolute entry of the exact gradient of the mean negative
        log-likelihood at the result: how stationary the result is.
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


def _optimizer_options(method, gradient, tol, max_iter):
    options = {"maxiter": max_iter, "gtol": tol}
    if method == "L-BFGS-B":
        # With the exact gradient, stop on the gradient alone: a small relative
        # decrease of the objective happens on flat stretches far from a
        # stationary point (and where it happens depends on the float rounding).
        options["ftol"] = 0.0 if gradient == "exact" else tol
    return options


def refine(params, X, *, method="L-BFGS-B", gradient="exact", tol=None, max_iter=1000):
    """Maximize a mixture's likelihood directly with a quasi-Newton method.

    With the exact gradient the result is a stationary point by construction:
    the optimizer stops on the largest entry of the gradient (its max-norm),
    and when float64 rounding stops its line search short of ``tol`` it is
    restarted from where it stopped, with fresh curvature memory, up to
    ``POLISH_RESTARTS`` times.

    Parameters
    ----------
    params : GMMParams
        Starting point (e.g. k-means or EM parameters); fixes K, d and the
        covariance type.
    X : array-like of shape (n_samples, n_features)
    method : {'L-BFGS-B', 'BFGS'}, default 'L-BFGS-B'
    gradient : {'exact', 'finite-difference'}, default 'exact'
        The analytic gradient of :func:`negative_log_likelihood`, or SciPy's
        forward differences (``size + 1`` evaluations per gradient).
    tol : float, optional
        Stop once the largest absolute entry of the gradient of the mean
        negative log-likelihood is at most ``tol``. By default
        ``DEFAULT_TOL[gradient]``: 1e-7 for the exact gradient (float64
        rounding leaves about 1e-8), 1e-6 for finite differences (their error
        is about the square root of machine epsilon times the gradient's scale;
        L-BFGS-B then also stops on a relative decrease of ``tol``).
    max_iter : int, default 1000
        Iterations at most, over all restarts.

    Returns
    -------
    RefineResult

    Raises
    ------
    ValueError
        If ``params`` is not a GMMParams, ``X`` is not finite 2-D data of
        width ``params.n_features``, or an option is unknown.
    """
    if not isinstance(params, GMMParams):
        raise ValueError(f"params must be a GMMParams, got {type(params).__name__}")
    X = params.check_data(X)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {GRADIENTS}, got {gradient!r}")
    if tol is None:
        tol = DEFAULT_TOL[gradient]
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 < tol < np.inf:
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    max_iter = check_positive_int("max_iter", max_iter)

    layout = ParamLayout.from_params(params)
    theta = layout.pack(params)
    calls = 0

    def value_and_gradient(theta):
        nonlocal calls
        calls += 1
        return _nll_and_gradient(theta, X, layout)

    def value_only(theta):
        nonlocal calls
        calls += 1
        return _nll(theta, X, layout)

    def largest_gradient_entry(theta):
        return float(np.abs(_nll_and_gradient(theta, X, layout)[1]).max())

    history = [-_nll(theta, X, layout)]

    def record(intermediate_result):
        history.append(-float(intermediate_result.fun))

    exact = gradient == "exact"
    iterations, runs = 0, 0
    start = time.perf_counter()
    with _single_threaded_blas():
        while True:
            result = minimize(
                value_and_gradient if exact else value_only,
                theta,
                method=method,
                jac=True if exact else None,
                callback=record,
                options=_optimizer_options(method, gradient, tol, max_iter - iterations),
            )
            theta, iterations, runs = result.x, iterations + int(result.nit), runs + 1
            gradient_max_norm = largest_gradient_entry(theta)
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


# ---------------------------------------------------------------------------
# Measuring EM against direct maximization (lesson 03's table, curves, widget)

# Display name -> (method, gradient) of refine, or None for the package's EM.
OPTIMIZERS = {
    "EM": None,
    "BFGS, finite differences": ("BFGS", "finite-difference"),
    "BFGS, exact gradient": ("BFGS", "exact"),
    "L-BFGS-B, exact gradient": ("L-BFGS-B", "exact"),
}


def compare_optimizers(X, start, optimizers=tuple(OPTIMIZERS), *, em_tol=1e-10, max_iter=5000):
    """Run EM and direct maximization from the same start, measured in one run.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    start : GMMParams
        Common starting mixture (e.g. :func:`aegmm_lessons.gmm.kmeans_init`).
    optimizers : sequence of str, default all of ``OPTIMIZERS``
        Names from ``OPTIMIZERS``.
    em_tol : float, default 1e-10
        EM stops when the mean log-likelihood changes by less than this; EM
        runs without ``reg_covar`` so that it maximizes the same likelihood.
    max_iter : int, default 5000

    Returns
    -------
    list of dict
        One row per optimizer, with ``optimizer``, ``evaluations`` (likelihood
        evaluations: one E step per EM iteration), ``iterations``,
        ``seconds``, ``log_likelihood`` (final mean), ``converged`` (EM met
        ``em_tol`` before ``max_iter``; the optimizer reported success) and
        ``history`` (ndarray of shape (iterations + 1,), mean log-likelihood
        from the start on).
    """
    from .gmm import GaussianMixtureEM

    if not isinstance(start, GMMParams):
        raise ValueError(f"start must be a GMMParams, got {type(start).__name__}")
    X = start.check_data(X)
    unknown = [name for name in optimizers if name not in OPTIMIZERS]
    if unknown or not len(optimizers):
        raise ValueError(f"optimizers must be names from {tuple(OPTIMIZERS)}, got {tuple(optimizers)}")
    rows = []
    for name in optimizers:
        if OPTIMIZERS[name] is None:
            em = GaussianMixtureEM(
                start.n_components, covariance_type=start.covariance_type, init=start,
                tol=em_tol, reg_covar=0.0, max_iter=max_iter,
            )
            began = time.perf_counter()
            with warnings.catch_warnings():
                # an EM run stopped by max_iter is reported in the row ("converged")
                warnings.simplefilter("ignore", ConvergenceWarning)
                em.fit(X)
            seconds = time.perf_counter() - began
            final = em.score(X)
            # the history holds the E steps (from the start); add the last M step's result
            history = np.append(em.log_likelihood_history_, final)
            rows.append({"optimizer": name, "evaluations": int(em.n_iter_), "iterations": int(em.n_iter_),
                         "seconds": seconds, "log_likelihood": float(final), "converged": bool(em.converged_),
                         "history": history})
        else:
            method, gradient = OPTIMIZERS[name]
            result = refine(start, X, method=method, gradient=gradient, max_iter=max_iter)
            rows.append({"optimizer": name, "evaluations": result.nfev, "iterations": result.nit,
                         "seconds": result.seconds, "log_likelihood": result.log_likelihood,
                         "converged": result.success, "history": result.history})
    return rows


def iterations_to_reach(history, target, tol=1e-6):
    """First iteration whose mean log-likelihood is within ``tol`` of ``target``.

    Parameters
    ----------
    history : array-like of shape (n_iterations + 1,)
        Mean log-likelihood from the start (index 0) on.
    target : float
        The best log-likelihood known (e.g. the largest final value of the runs
        being compared).
    tol : float, default 1e-6

    Returns
    -------
    int or None
        None if the run never got within ``tol`` (it stopped elsewhere, e.g.
        at another local optimum).
    """
    history = np.asarray(history, dtype=np.float64)
    if history.ndim != 1 or history.size == 0:
        raise ValueError(f"history must be a non-empty 1-D array, got shape {history.shape}")
    if not np.all(np.isfinite(history)):
        bad = int(history.size - np.count_nonzero(np.isfinite(history)))
        raise ValueError(f"history must be finite, got {bad} NaN or infinite value(s)")
    reached = np.flatnonzero(history >= target - tol)
    return int(reached[0]) if reached.size else None


def convergence_by_separation(separations, *, n_samples=600, n_features=3, n_components=3,
                              optimizers=("EM", "L-BFGS-B, exact gradient"), max_iter=1000,
                              random_state=0, tol=1e-6):
    """EM against L-BFGS-B on mixtures that overlap more or less.

    For each separation, :func:`synthetic_latent_codes` draws a sample (the
    same mixture shape, only its means scaled), k-means gives the common
    start, and :func:`compare_optimizers` runs the optimizers.

    Parameters
    ----------
    separations : sequence of float
        Values of ``separation`` (distance between means in standard deviations).
    n_samples, n_features, n_components : int, default 600, 3, 3
    optimizers : sequence of str, default EM and exact-gradient L-BFGS-B
    max_iter : int, default 1000
        Iteration cap of every run (EM is slow under heavy overlap).
    random_state : int, default 0
        Seeds the data and k-means.
    tol : float, default 1e-6
        Converged means within ``tol`` of the best final log-likelihood.

    Returns
    -------
    dict of float to list of dict
        For each separation, the rows of :func:`compare_optimizers`, each with
        ``to_converge`` added (:func:`iterations_to_reach` of the best final
        value; None for a run that stopped elsewhere).
    """
    from .gmm import kmeans_init

    study = {}
    for separation in separations:
        X, _, _ = synthetic_latent_codes(n_samples, n_features, n_components, separation=separation,
                                         random_state=random_state)
        start = kmeans_init(X, n_components, reg_covar=0.0, random_state=random_state)
        rows = compare_optimizers(X, start, optimizers, max_iter=max_iter)
        best = max(row["log_likelihood"] for row in rows)
        for row in rows:
            row["to_converge"] = iterations_to_reach(row["history"], best, tol)
        study[float(separation)] = rows
    return study
