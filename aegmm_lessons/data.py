"""Datasets that ship offline: nothing here downloads, nothing imports TensorFlow."""

from dataclasses import dataclass

import numpy as np

from .params import GMMParams
from .validation import check_n_components, check_non_negative, check_positive_int, check_scalar

__all__ = ["DigitsSplit", "load_digits_scaled", "make_lifted_blobs", "synthetic_latent_codes"]

# The digits are 8x8 images with integer intensities 0..16.
DIGITS_MAX_INTENSITY = 16.0
# make_lifted_blobs: 2-D blobs of spread 0.6 with centres in a box (the tutorial's), lifted by
# sinusoids of angular frequency 1.3 per unit of latent distance, so that neighbouring blobs
# land on different folds, plus a little noise.
LATENT_WIDTH = 2
BLOB_STD = 0.6
CENTER_BOX = (-10.0, 10.0)
LIFT_FREQUENCY = 1.3
LIFT_NOISE = 0.05


@dataclass(frozen=True, eq=False)
class DigitsSplit:
    """Train and test parts of the digits.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, n_pixels)
        Flat images, float64 in [0, 1].
    X_test : ndarray of shape (n_test, n_pixels)
    y_train : ndarray of shape (n_train,)
        Digit labels 0..9.
    y_test : ndarray of shape (n_test,)
    image_shape : tuple of int
        (height, width) of one image.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    image_shape: tuple

    @property
    def n_features(self):
        """int: pixels per image (the input width of every model)."""
        return self.X_train.shape[1]


def load_digits_scaled(test_size=0.25, random_state=0):
    """scikit-learn's 8x8 digits with pixels in [0, 1], split stratified by label.

    Parameters
    ----------
    test_size : float in (0, 1), default 0.25
        Fraction of the 1797 images held out.
    random_state : int, default 0
        Seed of the split.

    Returns
    -------
    DigitsSplit
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    check_scalar(test_size, "test_size", float, min_val=0.0, max_val=1.0, include_boundaries="neither")
    digits = load_digits()
    X = digits.data / DIGITS_MAX_INTENSITY
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=test_size, random_state=random_state, stratify=digits.target
    )
    return DigitsSplit(X_train, X_test, y_train, y_test, tuple(digits.images.shape[1:]))


def make_lifted_blobs(n_samples=1000, n_features=100, n_centers=4, random_state=0):
    """Gaussian blobs in 2-D carried into ``n_features`` dimensions by a fixed nonlinear map.

    Each coordinate is ``x_j = sin(w_j . z + b_j)`` for a random direction
    ``w_j`` and phase ``b_j``: the points lie on a folded 2-D surface, which no
    linear projection unfolds.

    Parameters
    ----------
    n_samples : int, default 1000
    n_features : int, default 100
    n_centers : int, default 4
        Number of blobs (the true number of clusters).
    random_state : int, default 0
        Seed of the blobs, the map and the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Blob label of each point, 0..n_centers-1.
    """
    from sklearn.datasets import make_blobs

    n_samples = check_positive_int("n_samples", n_samples)
    n_features = check_positive_int("n_features", n_features)
    n_centers = check_positive_int("n_centers", n_centers)
    if n_centers > n_samples:
        raise ValueError(f"n_centers={n_centers} must be <= n_samples={n_samples}")
    Z, y = make_blobs(
        n_samples=n_samples, n_features=LATENT_WIDTH, centers=n_centers,
        cluster_std=BLOB_STD, center_box=CENTER_BOX, random_state=random_state,
    )
    map_rng = np.random.default_rng(random_state)
    directions = map_rng.normal(size=(LATENT_WIDTH, n_features)) * LIFT_FREQUENCY
    phases = map_rng.uniform(0.0, 2.0 * np.pi, size=n_features)
    X = np.sin(Z @ directions + phases)
    noise = np.random.default_rng(random_state).normal(scale=LIFT_NOISE, size=X.shape)
    return X + noise, y


def synthetic_latent_codes(n_samples=1000, n_features=10, n_components=10, *, separation=6.0, random_state=0):
    """Samples of a random Gaussian mixture, a stand-in for autoencoder codes.

    Anisotropic random covariances with average variance 1, unequal weights.

    Parameters
    ----------
    n_samples, n_features, n_components : int, default 1000, 10, 10
    separation : float, default 6.0
        Root mean square distance between two means, in standard deviations:
        about 2 overlaps strongly, 6 and more is well separated. Only the means
        depend on it: the same seed gives the same mixture otherwise.
    random_state : int, default 0

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
    n_components = check_n_components(n_components, n_samples)
    separation = check_non_negative("separation", separation)
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
