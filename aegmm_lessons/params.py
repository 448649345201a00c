"""GMMParams: the parameters of a Gaussian mixture, validated on construction.

Every other module takes its shapes from a ``GMMParams`` (``n_components``,
``n_features``, ``covariance_type``) instead of repeating literals, so a
mixture that reaches EM, the BFGS refinement or a plot is known to be valid:
weights on the simplex, means and covariances of consistent shapes,
covariances symmetric positive-definite.
"""

from dataclasses import dataclass

import numpy as np

from .validation import check_array_2d

__all__ = ["GMMParams", "COVARIANCE_TYPES"]

COVARIANCE_TYPES = ("full", "diag")

# Tolerances of the checks (float64 data).
WEIGHT_SUM_TOL = 1e-8
SYMMETRY_TOL = 1e-8


def _as_float_array(name, value):
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {type(value).__name__}: {exc}") from None
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")
    return array


def _covariance_shape(covariance_type, n_components, n_features):
    if covariance_type == "full":
        return (n_components, n_features, n_features)
    return (n_components, n_features)


@dataclass(frozen=True, eq=False)
class GMMParams:
    """Weights, means and covariances of a Gaussian mixture.

    Parameters
    ----------
    weights : array-like of shape (n_components,)
        Mixing weights: finite, positive, summing to 1.
    means : array-like of shape (n_components, n_features)
        Component means.
    covariances : array-like
        Shape (n_components, n_features, n_features) of symmetric
        positive-definite matrices for ``covariance_type='full'``, or
        (n_components, n_features) of positive variances for ``'diag'``.
    covariance_type : {'full', 'diag'}, default 'full'

    Raises
    ------
    ValueError
        If a shape disagrees with ``n_components`` (from ``weights``) and
        ``n_features`` (from ``means``), a value is not finite, the weights are
        off the simplex, or a covariance is not symmetric positive-definite.
        The message names the expected and the actual shape or value.

    Notes
    -----
    The arrays are copied and made read-only, so a ``GMMParams`` cannot be
    changed into an invalid one after construction.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str = "full"

    def __post_init__(self):
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type must be one of {COVARIANCE_TYPES}, got {self.covariance_type!r}"
            )
        weights = _as_float_array("weights", self.weights)
        means = _as_float_array("means", self.means)
        covariances = _as_float_array("covariances", self.covariances)

        if weights.ndim != 1 or weights.shape[0] < 1:
            raise ValueError(
                f"weights must have shape (n_components,) with n_components >= 1, got {weights.shape}"
            )
        n_components = weights.shape[0]
        if means.ndim != 2 or means.shape[0] != n_components or means.shape[1] < 1:
            raise ValueError(
                f"means must have shape (n_components, n_features) = ({n_components}, d) "
                f"with d >= 1, got {means.shape}"
            )
        n_features = means.shape[1]
        expected = _covariance_shape(self.covariance_type, n_components, n_features)
        if covariances.shape != expected:
            raise ValueError(
                f"covariances for covariance_type={self.covariance_type!r} must have shape "
                f"{expected}, got {covariances.shape}"
            )

        if np.any(weights <= 0):
            raise ValueError(f"weights must be positive, got minimum {weights.min():.6g}")
        if abs(weights.sum() - 1.0) > WEIGHT_SUM_TOL:
            raise ValueError(f"weights must sum to 1, got sum {weights.sum():.12g}")

        if self.covariance_type == "full":
            for k, cov in enumerate(covariances):
                asymmetry = np.max(np.abs(cov - cov.T))
                scale = max(1.0, np.max(np.abs(cov)))
                if asymmetry > SYMMETRY_TOL * scale:
                    raise ValueError(
                        f"covariances[{k}] must be symmetric, got max |C - C.T| = {asymmetry:.3g}"
                    )
                try:
                    np.linalg.cholesky(cov)
                except np.linalg.LinAlgError:
                    smallest = np.linalg.eigvalsh((cov + cov.T) / 2).min()
                    raise ValueError(
                        f"covariances[{k}] must be positive-definite, got smallest eigenvalue "
                        f"{smallest:.6g}"
                    ) from None
        elif np.any(covariances <= 0):
            k = int(np.argmin(covariances.min(axis=1)))
            raise ValueError(
                f"diagonal covariances must be positive, got minimum {covariances.min():.6g} "
                f"in component {k}"
            )

        for name, array in (("weights", weights), ("means", means), ("covariances", covariances)):
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def n_components(self):
        """int: number of mixture components K."""
        return self.weights.shape[0]

    @property
    def n_features(self):
        """int: dimension d of each component."""
        return self.means.shape[1]

    @property
    def n_parameters(self):
        """int: number of free parameters (for BIC and AIC).

        (K - 1) weights, K*d means, and K*d*(d+1)/2 (full) or K*d (diag)
        covariance entries.
        """
        k, d = self.n_components, self.n_features
        per_cov = d * (d + 1) // 2 if self.covariance_type == "full" else d
        return (k - 1) + k * d + k * per_cov

    def full_covariances(self):
        """Covariances as full matrices.

        Returns
        -------
        ndarray of shape (n_components, n_features, n_features)
        """
        if self.covariance_type == "full":
            return np.array(self.covariances)
        return np.stack([np.diag(v) for v in self.covariances])

    def precisions_cholesky(self):
        """Cholesky factors of the precisions, as scikit-learn stores them.

        For each component, the upper-triangular ``U`` with ``U @ U.T`` equal
        to the precision matrix (the inverse covariance); for ``'diag'``, the
        inverse standard deviations.

        Returns
        -------
        ndarray of shape (n_components, n_features, n_features) or (n_components, n_features)
        """
        if self.covariance_type == "diag":
            return 1.0 / np.sqrt(self.covariances)
        d = self.n_features
        result = np.empty_like(self.covariances)
        for k, cov in enumerate(self.covariances):
            chol = np.linalg.cholesky(cov)
            # inv(L).T is upper triangular and inv(L).T @ inv(L) = inv(cov).
            result[k] = np.linalg.solve(chol, np.eye(d)).T
        return result

    def precisions(self):
        """Inverse covariances, same shape as ``covariances``."""
        if self.covariance_type == "diag":
            return 1.0 / self.covariances
        chol = self.precisions_cholesky()
        return np.einsum("kij,klj->kil", chol, chol)

    def check_data(self, X, name="X"):
        """Validate data against these parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        name : str, default 'X'
            Name used in error messages.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features), float64

        Raises
        ------
        ValueError
            If X is not 2-D, is empty, holds NaN or infinity, or its width is
            not ``n_features``.
        """
        X = check_array_2d(X, name)
        if X.shape[1] != self.n_features:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but the mixture expects "
                f"n_features = {self.n_features}"
            )
        return X

    def sklearn_init(self):
        """Keyword arguments that start scikit-learn's ``GaussianMixture`` here.

        Returns
        -------
        dict
            ``n_components``, ``covariance_type``, ``weights_init``,
            ``means_init`` and ``precisions_init``.
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
        """Parameters of a fitted scikit-learn ``GaussianMixture``.

        Parameters
        ----------
        gm : sklearn.mixture.GaussianMixture
            Fitted, with ``covariance_type`` 'full' or 'diag'.

        Returns
        -------
        GMMParams
        """
        if not hasattr(gm, "weights_"):
            raise ValueError("the GaussianMixture is not fitted: call fit() first")
        if gm.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type must be one of {COVARIANCE_TYPES}, got {gm.covariance_type!r}"
            )
        return cls(gm.weights_, gm.means_, gm.covariances_, gm.covariance_type)

    def to_sklearn(self, **kwargs):
        """A scikit-learn ``GaussianMixture`` that holds these parameters as fitted.

        ``predict``, ``score_samples``, ``sample`` and the rest work on the
        result without calling ``fit``; ``fit`` would start from these
        parameters.

        Parameters
        ----------
        **kwargs
            Further ``GaussianMixture`` constructor arguments (e.g. ``tol``).

        Returns
        -------
        sklearn.mixture.GaussianMixture
        """
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(**self.sklearn_init(), **kwargs)
        gm.weights_ = np.array(self.weights)
        gm.means_ = np.array(self.means)
        gm.covariances_ = np.array(self.covariances)
        gm.precisions_cholesky_ = self.precisions_cholesky()
        gm.precisions_ = self.precisions()
        gm.converged_ = True
        gm.n_iter_ = 0
        gm.lower_bound_ = -np.inf
        gm.n_features_in_ = self.n_features
        return gm
