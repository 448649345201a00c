"""Checks for lesson 00 (the concepts tour); each finds the answer by another route than the exercise asks for."""

from unittest import mock

import numpy as np
from scipy.stats import norm
from sklearn.dummy import DummyRegressor
from sklearn.model_selection import GridSearchCV

from ..params import ParamLayout
from . import close_to, exercise

__all__ = ["check_free_parameters", "check_kl_divergence", "check_grid_search_fits", "check_output_shapes",
           "check_bic"]


@exercise(1, "K - 1 free weights (they sum to one), K*d means, d(d + 1)/2 per symmetric d x d covariance")
def check_free_parameters(answer, n_components, n_features):
    """The free parameters of ``n_components`` full-covariance Gaussians in ``n_features`` dimensions."""
    return close_to(answer, ParamLayout(n_components, n_features).size, atol=0.5)


@exercise(2, "use the variance std^2 (and log std^2), keep the factor 1/2, take KL(q || p), not KL(p || q)")
def check_kl_divergence(answer, mean, std):
    """KL(N(mean, std^2) || N(0, 1)), here integrated numerically."""
    return close_to(answer, norm(mean, std).expect(lambda z: norm.logpdf(z, mean, std) - norm.logpdf(z)))


@exercise(3, "each setting is fitted once per fold, then the best one once more on all the data (the refit)")
def check_grid_search_fits(answer):
    """The fits of a 5-fold grid search over 3 x 4 settings, refit included, here counted."""
    X = np.arange(40.0).reshape(-1, 1)
    grid = {"strategy": ["mean", "median", "quantile"], "quantile": [0.1, 0.25, 0.5, 0.9]}
    with mock.patch.object(DummyRegressor, "fit", autospec=True, side_effect=DummyRegressor.fit) as fit:
        GridSearchCV(DummyRegressor(), grid, cv=5).fit(X, X[:, 0])
    return close_to(answer, fit.call_count, atol=0.5)


@exercise(4, "the encoder gives codes (latent width), the autoencoder reconstructions (input width)")
def check_output_shapes(answer, encoder, autoencoder, X):
    """``(codes_shape, reconstructions_shape)`` of ``encoder.predict(X)`` and ``autoencoder.predict(X)``."""
    return close_to(answer, (encoder.predict(X, verbose=0).shape, autoencoder.predict(X, verbose=0).shape), atol=0.5)


@exercise(5, "log L is n times score(), the mean log-likelihood; the penalty is p log n, not AIC's 2p")
def check_bic(answer, gmm, X):
    """The BIC of the fitted mixture ``gmm`` on ``X``, from its mean log-likelihood."""
    return close_to(answer, gmm.bic(X))
