"""Shared set-up: TensorFlow's environment, a headless Matplotlib, random mixtures, the shared datasets.

TensorFlow's variables are set before any test module imports Keras (as the
Makefile and ``repro.setup`` do), so that it is quiet and deterministic however
pytest is started.
"""

import os

import matplotlib
import numpy as np
import pytest

from aegmm_lessons.repro import TF_ENVIRONMENT

os.environ.update(TF_ENVIRONMENT)
matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def make_random_params(n_components=3, n_features=2, covariance_type="full", seed=0):
    """A valid ``GMMParams`` with well-conditioned random covariances."""
    from aegmm_lessons.params import GMMParams

    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(n_components, 5.0))
    means = rng.normal(size=(n_components, n_features))
    if covariance_type == "diag":
        covariances = rng.uniform(0.3, 2.0, size=(n_components, n_features))
    else:
        factors = rng.normal(size=(n_components, n_features, n_features))
        covariances = factors @ factors.transpose(0, 2, 1) + 0.5 * np.eye(n_features)
    return GMMParams(weights, means, covariances, covariance_type)


@pytest.fixture
def random_params():
    """``make_random_params``: call it with (n_components, n_features, covariance_type, seed)."""
    return make_random_params


@pytest.fixture(scope="session")
def digits():
    """``data.load_digits_scaled()``: pixels in [0, 1], split as the lessons split them."""
    from aegmm_lessons.data import load_digits_scaled

    return load_digits_scaled()


@pytest.fixture(scope="session")
def lifted_blobs():
    """90 points of 3 blobs lifted to 6 features (``data.make_lifted_blobs``), and their labels."""
    from aegmm_lessons.data import make_lifted_blobs

    return make_lifted_blobs(n_samples=90, n_features=6, n_centers=3, random_state=0)
