"""A Gaussian mixture's parameters: ``GMMParams`` (validated on construction) and ``ParamLayout``, their flat
unconstrained vector (lesson 03's BFGS and lesson 06's trainable prior)."""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.linalg import lapack, solve_triangular

from .numerics import logsumexp
from .validation import check_array, check_covariance_type, check_data, check_is_fitted, check_positive_int

__all__ = ["GMMParams", "ParamLayout", "check_params"]


def _tolerance(dtype):
    """How far float32 or float64 weights may sum from 1 (scikit-learn's rule), and a covariance be asymmetric."""
    return 1e-6 if dtype == np.float32 else 1e-8


def _as_array(name, value):
    """``value`` as a finite float array (float32 kept), the error naming ``name``."""
    try:
        return check_array(value, dtype=[np.float64, np.float32], ensure_2d=False, allow_nd=True,
                           ensure_min_samples=0, input_name=name)
    except (TypeError, ValueError) as exc:
        raise type(exc)(str(exc) if name in str(exc) else f"{name}: {exc}") from None


def _check_weights(weights):
    if weights.ndim != 1 or weights.shape[0] < 1:
        raise ValueError(f"weights must have shape (n_components,) with n_components >= 1, got {weights.shape}")
    if np.any(weights <= 0):
        raise ValueError(f"weights must be positive, got minimum {weights.min():.6g}")
    total = float(np.sum(weights, dtype=np.float64))
    if abs(total - 1.0) > _tolerance(weights.dtype):
        raise ValueError(f"weights must sum to 1, got sum {total:.12g}")
    # float32 weights within their tolerance become float64 weights within float64's.
    return weights.astype(np.float64) / total if weights.dtype == np.float32 else weights


def _check_symmetric(covariances, tol):
    for k, cov in enumerate(covariances):
        asymmetry = np.max(np.abs(cov - cov.T))
        if asymmetry > tol * max(1.0, np.max(np.abs(cov))):
            raise ValueError(f"covariances[{k}] must be symmetric, got max |C - C.T| = {asymmetry:.3g}")


def _precision_factors(covariances, covariance_type):
    """``U_k`` with ``U_k @ U_k.T = inv(Sigma_k)`` (for 'diag': ``1 / sigma``); ValueError if a Sigma_k is not SPD."""
    if covariance_type == "diag":
        if np.any(covariances <= 0):
            raise ValueError(f"diag covariances must be positive, got minimum {covariances.min():.6g}")
        return 1.0 / np.sqrt(covariances)
    identity, factors = np.eye(covariances.shape[-1]), np.empty_like(covariances)
    for k, cov in enumerate(covariances):
        try:
            lower = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            smallest = np.linalg.eigvalsh((cov + cov.T) / 2).min()
            raise ValueError(
                f"covariances[{k}] must be positive-definite, got smallest eigenvalue {smallest:.6g}"
            ) from None
        # Sigma = L L^T, so inv(Sigma) = inv(L)^T inv(L) and U = inv(L)^T is upper triangular. LAPACK's trtrs is
        # what scipy.linalg.solve_triangular calls (same result, bit for bit), without its ~20 us of Python per call:
        # EM builds K factors per iteration, and lesson 03 runs thousands of iterations.
        factors[k] = lapack.dtrtrs(lower, identity, lower=1)[0].T
    return factors


@dataclass(frozen=True, eq=False)
class GMMParams:
    """Weights, means and covariances of a Gaussian mixture, checked when built.

    Parameters
    ----------
    weights : array-like of shape (n_components,)
        Positive, summing to 1 (within 1e-8, or 1e-6 for float32 weights, as in scikit-learn).
    means : array-like of shape (n_components, n_features)
    covariances : array-like of shape (n_components, n_features, n_features) or (n_components, n_features)
        Symmetric positive-definite matrices ('full') or positive variances ('diag').
    covariance_type : {'full', 'diag'}, default 'full'

    Raises
    ------
    TypeError
        If an array holds something other than numbers (e.g. a dict).
    ValueError
        If a shape disagrees with ``n_components`` (from ``weights``) and ``n_features`` (from ``means``),
        a value is not finite, the weights are off the simplex, or a covariance is not positive-definite.

    Notes
    -----
    The arrays are stored as read-only float64 copies, so a ``GMMParams`` cannot become invalid. The Cholesky
    factors of the precisions, computed while checking that the covariances are positive-definite, are kept
    (:meth:`precisions_cholesky`). Algorithms whose arrays are valid by construction build mixtures with
    :meth:`from_estimates`, which skips the checks that cannot fail.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str = "full"

    def __post_init__(self):
        check_covariance_type(self.covariance_type)
        weights = _check_weights(_as_array("weights", self.weights))
        means = _as_array("means", self.means)
        covariances = _as_array("covariances", self.covariances)
        n_components = weights.shape[0]
        if means.ndim != 2 or means.shape[0] != n_components or means.shape[1] < 1:
            raise ValueError(f"means must have shape (n_components, n_features) = ({n_components}, d) "
                             f"with d >= 1, got {means.shape}")
        expected = means.shape + means.shape[1:] if self.covariance_type == "full" else means.shape
        if covariances.shape != expected:
            raise ValueError(f"covariances for covariance_type={self.covariance_type!r} must have shape "
                             f"{expected}, got {covariances.shape}")
        if self.covariance_type == "full":
            _check_symmetric(covariances, _tolerance(covariances.dtype))
        self._store(weights, means, covariances)

    def _store(self, weights, means, covariances):
        """Keep read-only float64 copies and the precisions' Cholesky factors (ValueError if a Sigma_k is not SPD)."""
        for name, array in (("weights", weights), ("means", means), ("covariances", covariances)):
            array = np.array(array, dtype=np.float64)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        factors = _precision_factors(self.covariances, self.covariance_type)
        factors.setflags(write=False)
        object.__setattr__(self, "_precisions_cholesky", factors)

    @classmethod
    def from_estimates(cls, weights, means, covariances, covariance_type="full"):
        """A mixture from arrays an algorithm computed (an M step), checked only where they can fail.

        Parameters
        ----------
        weights : ndarray of shape (n_components,)
            Positive and summing to 1 by construction: not checked.
        means : ndarray of shape (n_components, n_features)
        covariances : ndarray of shape (n_components, n_features, n_features) or (n_components, n_features)
            Symmetric by construction; checked to be finite and positive-definite.
        covariance_type : {'full', 'diag'}, default 'full'

        Raises
        ------
        ValueError
            If a covariance is not finite or not positive-definite (a collapsed component).
        """
        if not np.all(np.isfinite(covariances)):
            raise ValueError("covariances must be finite, got NaN or infinity")
        params = object.__new__(cls)
        object.__setattr__(params, "covariance_type", covariance_type)
        params._store(weights, means, covariances)
        return params

    @property
    def n_components(self):
        """int: number of components K."""
        return self.weights.shape[0]

    @property
    def n_features(self):
        """int: dimension d of each component."""
        return self.means.shape[1]

    @property
    def n_parameters(self):
        """int: free parameters (for BIC and AIC): K - 1 weights, K d means, K d (d + 1) / 2 or K d variances."""
        k, d = self.n_components, self.n_features
        per_covariance = d * (d + 1) // 2 if self.covariance_type == "full" else d
        return (k - 1) + k * d + k * per_covariance

    def full_covariances(self):
        """Covariances as matrices, of shape (n_components, n_features, n_features)."""
        if self.covariance_type == "full":
            return np.array(self.covariances)
        return np.stack([np.diag(variances) for variances in self.covariances])

    def precisions_cholesky(self):
        """Upper-triangular ``U_k`` with ``U_k @ U_k.T = inv(Sigma_k)`` (for 'diag': ``1 / sigma``), as scikit-learn.

        Returns
        -------
        ndarray of shape (n_components, n_features, n_features) or (n_components, n_features)
            Read-only: computed once, when the mixture was built.
        """
        return self._precisions_cholesky

    def precisions(self):
        """Inverse covariances, of the shape of ``covariances``."""
        if self.covariance_type == "diag":
            return 1.0 / self.covariances
        factors = self.precisions_cholesky()
        return factors @ factors.transpose(0, 2, 1)

    def check_data(self, X, name="X"):
        """``X`` as a finite float64 array of shape (n_samples, n_features), through ``validation.check_data``."""
        return check_data(X, n_features=self.n_features, name=name)

    def sklearn_init(self):
        """Arguments that start scikit-learn's ``GaussianMixture`` from these parameters.

        Returns
        -------
        dict
            ``n_components``, ``covariance_type``, ``weights_init``, ``means_init``, ``precisions_init``.
        """
        return {
            "n_components": self.n_components,
            "covariance_type": self.covariance_type,
            "weights_init": np.array(self.weights),
            "means_init": np.array(self.means),
            "precisions_init": self.precisions(),
        }

    @classmethod
    def from_sklearn(cls, gm):
        """The parameters of a fitted ``sklearn.mixture.GaussianMixture`` ('full' or 'diag')."""
        check_is_fitted(gm, "weights_")
        return cls(gm.weights_, gm.means_, gm.covariances_, gm.covariance_type)

    def to_sklearn(self, **kwargs):
        """A ``GaussianMixture`` (with constructor arguments ``kwargs``) holding these parameters as if fitted."""
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(**self.sklearn_init(), **kwargs)
        gm.weights_ = np.array(self.weights)
        gm.means_ = np.array(self.means)
        gm.covariances_ = np.array(self.covariances)
        gm.precisions_cholesky_ = np.array(self.precisions_cholesky())
        gm.precisions_ = self.precisions()
        gm.converged_, gm.n_iter_, gm.lower_bound_, gm.n_features_in_ = True, 0, -np.inf, self.n_features
        return gm


def check_params(params, name="params", n_features=None):
    """``params`` if it is a ``GMMParams`` (of width ``n_features``, when given)."""
    if not isinstance(params, GMMParams):
        raise TypeError(f"{name} must be a GMMParams, got {type(params).__name__}")
    if n_features is not None and params.n_features != n_features:
        raise ValueError(f"{name} has n_features={params.n_features}, but expected n_features={n_features}")
    return params


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

    def off_diagonal_scatter(self, dtype="float64"):
        """The matrix S of shape (n_off, d * d) with ``off_diagonals @ S`` the flattened strict upper triangles of
        the ``U_k``: a matrix product places the entries, on tensors as on arrays."""
        rows, cols = self._triu
        scatter = np.zeros((len(rows), self.n_features**2), dtype=dtype)
        scatter[np.arange(len(rows)), rows * self.n_features + cols] = 1
        return scatter

    def covariances_from_factors(self, factors):
        """``Sigma_k = inv(U_k U_k^T)``, symmetric, of shape (n_components, d, d), from upper-triangular ``factors``."""
        inverses = np.stack([solve_triangular(factor, np.eye(self.n_features)) for factor in factors])
        covariances = inverses.transpose(0, 2, 1) @ inverses  # inv(U U^T) = V^T V with V = inv(U)
        return (covariances + covariances.transpose(0, 2, 1)) / 2

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
            covariances = self.covariances_from_factors(factors)
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
