"""GMMParams: the weights, means and covariances of a Gaussian mixture, validated on construction."""

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular

from .validation import COVARIANCE_TYPES as COVARIANCE_TYPES  # importable from here, as before
from .validation import check_array, check_covariance_type, check_data, check_is_fitted

__all__ = ["GMMParams"]


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


def _check_covariances(covariances, covariance_type, tol):
    if covariance_type == "diag":
        if np.any(covariances <= 0):
            raise ValueError(f"diag covariances must be positive, got minimum {covariances.min():.6g}")
        return
    for k, cov in enumerate(covariances):
        asymmetry = np.max(np.abs(cov - cov.T))
        if asymmetry > tol * max(1.0, np.max(np.abs(cov))):
            raise ValueError(f"covariances[{k}] must be symmetric, got max |C - C.T| = {asymmetry:.3g}")
        try:
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            smallest = np.linalg.eigvalsh((cov + cov.T) / 2).min()
            raise ValueError(
                f"covariances[{k}] must be positive-definite, got smallest eigenvalue {smallest:.6g}"
            ) from None


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
    The arrays are stored as read-only float64 copies, so a ``GMMParams`` cannot become invalid.
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
        _check_covariances(covariances, self.covariance_type, _tolerance(covariances.dtype))
        for name, array in (("weights", weights), ("means", means), ("covariances", covariances)):
            array = np.array(array, dtype=np.float64)
            array.setflags(write=False)
            object.__setattr__(self, name, array)

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
        """
        if self.covariance_type == "diag":
            return 1.0 / np.sqrt(self.covariances)
        identity = np.eye(self.n_features)
        # Sigma = L L^T, so inv(Sigma) = inv(L)^T inv(L) and U = inv(L)^T is upper triangular.
        return np.stack([solve_triangular(np.linalg.cholesky(cov), identity, lower=True).T for cov in self.covariances])

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
        gm.precisions_cholesky_ = self.precisions_cholesky()
        gm.precisions_ = self.precisions()
        gm.converged_, gm.n_iter_, gm.lower_bound_, gm.n_features_in_ = True, 0, -np.inf, self.n_features
        return gm
