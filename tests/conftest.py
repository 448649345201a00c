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


# --- data shared by the tests of gmm, experiments, plotting and widgets --------------------------


@pytest.fixture
def three_bumps():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(-3, 0.5, 150), rng.normal(0, 0.6, 200), rng.normal(3, 0.4, 100)])


@pytest.fixture
def blobs_2d():
    rng = np.random.default_rng(1)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 4.0]])
    return np.vstack([rng.normal(c, 0.8, size=(80, 2)) for c in centers])


@pytest.fixture
def trajectory(blobs_2d):
    """Five EM iterations on ``blobs_2d`` from k-means (``gmm.em_trajectory``)."""
    from aegmm_lessons.gmm import em_trajectory, kmeans_init

    return em_trajectory(blobs_2d, kmeans_init(blobs_2d, 3, random_state=0), 5)


@pytest.fixture
def search_rows():
    """Rows as automl.results_table returns them, for a 2 x 2 x 2 grid; the score falls with the rank."""
    grid = [(a, b, c) for a in (1, 2) for b in (None, 3) for c in (0.1, 0.2)]
    return [{"rank": rank, "a": a, "b": b, "c": c, "mean_score": 1.0 - 0.05 * rank, "std_score": 0.01,
             "fit_time": 0.1} for rank, (a, b, c) in enumerate(grid, 1)]


@pytest.fixture
def study():
    """A convergence study as notebook 03 makes it: EM stops short at separation 2, converges at 8."""
    def rows(em_to_converge, em_iterations):
        return [{"optimizer": "EM", "iterations": em_iterations, "to_converge": em_to_converge,
                 "history": -1.0 - 0.5 ** np.arange(em_iterations + 1)},
                {"optimizer": "L-BFGS-B", "iterations": 12, "to_converge": 9, "history": -1.0 - 0.1 ** np.arange(13)}]
    return {2.0: rows(None, 100), 8.0: rows(5, 8)}


@pytest.fixture
def originals_and_reconstructions():
    originals = np.random.default_rng(0).uniform(size=(5, 16))
    return originals, {"exact": originals.copy(), "blurred": np.full_like(originals, 0.5)}


@pytest.fixture
def linear_decoder():
    """A NumPy stand-in for a VAE decoder: ``linear_decoder(latent_dim)`` is the sigmoid of a fixed linear map."""
    def make(latent_dim, n_features=64, seed=0):
        weights = np.random.default_rng(seed).normal(size=(latent_dim, n_features))
        return lambda Z: 1.0 / (1.0 + np.exp(-np.asarray(Z) @ weights))
    return make
