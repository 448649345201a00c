"""Datasets that ship offline: nothing here downloads.

- :func:`load_digits_scaled`: scikit-learn's 8x8 digits (bundled with
  scikit-learn), pixels scaled to [0, 1], split into train and test.
- :func:`make_lifted_blobs`: Gaussian blobs in a few dimensions carried into
  ``n_features`` dimensions by a fixed nonlinear map, the high-dimensional
  setting in which a linear projection cannot unfold the clusters.

Nothing here imports TensorFlow.
"""

from dataclasses import dataclass

import numpy as np

from .validation import check_positive_int

__all__ = ["DigitsSplit", "load_digits_scaled", "make_lifted_blobs", "lift", "shuffle_pixels"]

# The digits are 8x8 images with integer intensities 0..16.
DIGITS_MAX_INTENSITY = 16.0


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
        (height, width) of one image; ``height * width == n_pixels``.
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
    """scikit-learn's digits with pixels in [0, 1], split stratified by label.

    Parameters
    ----------
    test_size : float in (0, 1), default 0.25
        Fraction of the 1797 images held out.
    random_state : int, default 0
        Seed of the split.

    Returns
    -------
    DigitsSplit
        With ``X_train`` of shape (n_train, 64), ``X_test`` of shape
        (n_test, 64), labels, and ``image_shape == (8, 8)``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not isinstance(test_size, float) or not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be a float in (0, 1), got {test_size!r}")
    digits = load_digits()
    X = digits.data / DIGITS_MAX_INTENSITY
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=test_size, random_state=random_state, stratify=digits.target
    )
    return DigitsSplit(X_train, X_test, y_train, y_test, tuple(digits.images.shape[1:]))


def lift(Z, n_features=100, random_state=0):
    """Carry low-dimensional points into ``n_features`` dimensions nonlinearly.

    Each output coordinate is a sinusoid of a random direction of ``Z``,
    ``x_j = sin(w_j . z + b_j)``, with frequencies comparable to the clusters'
    spread: the points lie on a curved, folded surface of dimension
    ``Z.shape[1]`` inside the high-dimensional space. The map is fixed by
    ``random_state`` (the same map for every call with the same seed and
    input width).

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_latent)
    n_features : int, default 100
    random_state : int, default 0

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Values in [-1, 1].
    """
    from .validation import check_array_2d

    Z = check_array_2d(Z, "Z")
    n_features = check_positive_int("n_features", n_features)
    map_rng = np.random.default_rng(random_state)
    directions = map_rng.normal(size=(Z.shape[1], n_features)) * LIFT_FREQUENCY
    phases = map_rng.uniform(0.0, 2.0 * np.pi, size=n_features)
    return np.sin(Z @ directions + phases)


# Angular frequency of the lifting map, in units of 1 / (latent distance).
# Clusters sit a few units apart, so neighbouring clusters land on different
# folds of the surface.
LIFT_FREQUENCY = 1.3


def make_lifted_blobs(n_samples=1000, n_features=100, n_centers=4, random_state=0):
    """Gaussian blobs in 2-D lifted into ``n_features`` dimensions by :func:`lift`.

    Parameters
    ----------
    n_samples : int, default 1000
    n_features : int, default 100
        Width of the returned data (the input width of any model fitted to it).
    n_centers : int, default 4
        Number of blobs (the true number of clusters).
    random_state : int, default 0
        Seed of the blobs and of the lifting map.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Lifted points plus a little isotropic noise.
    y : ndarray of shape (n_samples,)
        Blob label of each point, 0..n_centers-1.
    """
    from sklearn.datasets import make_blobs

    n_samples = check_positive_int("n_samples", n_samples)
    n_features = check_positive_int("n_features", n_features)
    n_centers = check_positive_int("n_centers", n_centers)
    if n_centers > n_samples:
        raise ValueError(f"n_centers must be <= n_samples = {n_samples}, got {n_centers}")
    Z, y = make_blobs(
        n_samples=n_samples, n_features=LATENT_WIDTH, centers=n_centers,
        cluster_std=BLOB_STD, center_box=CENTER_BOX, random_state=random_state,
    )
    X = lift(Z, n_features, random_state=random_state)
    noise = np.random.default_rng(random_state).normal(scale=LIFT_NOISE, size=X.shape)
    return X + noise, y


# The tutorial's blobs: 2-D, spread 0.6; centres drawn in a box.
LATENT_WIDTH = 2
BLOB_STD = 0.6
CENTER_BOX = (-10.0, 10.0)
LIFT_NOISE = 0.05


def shuffle_pixels(X, random_state=0):
    """Corrupt images by permuting the pixels inside each one.

    Each image keeps its intensities (same histogram, same mean) but loses
    its shape: a simple stand-in for anomalous inputs.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_pixels)
    random_state : int, default 0
        Seed of the permutations (one independent permutation per image).

    Returns
    -------
    ndarray of shape (n_samples, n_pixels)
    """
    from .validation import check_array_2d

    X = check_array_2d(X)
    rng = np.random.default_rng(random_state)
    return np.take_along_axis(X, rng.permuted(np.tile(np.arange(X.shape[1]), (X.shape[0], 1)), axis=1), axis=1)
