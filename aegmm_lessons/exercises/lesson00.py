"""Checks for lesson 00 (the concepts tour); each finds the answer by another route than the exercise asks for."""

from unittest import mock

import numpy as np
from scipy.stats import norm
from sklearn.dummy import DummyRegressor
from sklearn.model_selection import GridSearchCV

from . import Mistake, number_check

__all__ = ["check_kl_divergence", "check_grid_search_fits", "check_output_shapes", "check_bic"]


def _kl_to_standard_normal(mean, variance):
    return 0.5 * (mean**2 + variance - np.log(variance) - 1)


def _kl_numerically(mean, std):
    """KL(N(mean, std^2) || N(0, 1)), integrated numerically: another route than the closed form."""
    return norm(mean, std).expect(lambda z: norm.logpdf(z, mean, std) - norm.logpdf(z))


check_kl_divergence = number_check(
    "KL divergence", _kl_numerically, digits=3,
    hint="start from the closed form of KL(N(mu, sigma^2) || N(0, 1)) in the VAE section, with mu = mean and "
         "sigma = std",
    mistakes={
        "the standard deviation for the variance": Mistake(
            lambda mean, std: _kl_to_standard_normal(mean, std), "the formula takes the variance sigma^2 = std**2"),
        "the factor 1/2 left out": Mistake(
            lambda mean, std: 2 * _kl_to_standard_normal(mean, std**2), "keep the factor 1/2 in front"),
        "KL(p || q)": Mistake(
            lambda mean, std: np.log(std) + (1 + mean**2) / (2 * std**2) - 0.5,
            "the KL is not symmetric: take KL(q || p) with q = N(mu, sigma^2), p = N(0, 1)"),
    })


def _grid_search_fits():
    """The fits of a 5-fold grid search over 3 x 4 settings, refit included, counted as they happen."""
    X = np.arange(40.0).reshape(-1, 1)
    grid = {"strategy": ["mean", "median", "quantile"], "quantile": [0.1, 0.25, 0.5, 0.9]}
    with mock.patch.object(DummyRegressor, "fit", autospec=True, side_effect=DummyRegressor.fit) as fit:
        GridSearchCV(DummyRegressor(), grid, cv=5).fit(X, X[:, 0])
    return fit.call_count


check_grid_search_fits = number_check(
    "grid-search fits", _grid_search_fits, digits=0,
    hint="count the fits: settings times folds, and what happens after the search",
    mistakes={"no refit": Mistake(lambda: _grid_search_fits() - 1,
                                  "after the search the best setting is fitted once more on all the data (the refit)")})


def _output_shapes(encoder, autoencoder, X):
    return encoder.predict(X, verbose=0).shape, autoencoder.predict(X, verbose=0).shape


check_output_shapes = number_check(
    "output shapes", _output_shapes, digits=0,
    hint="(rows, columns) of the codes, then of the reconstructions",
    mistakes={
        "codes and reconstructions swapped": Mistake(
            lambda encoder, autoencoder, X: _output_shapes(encoder, autoencoder, X)[::-1],
            "the encoder gives the codes (latent width), the autoencoder the reconstructions (input width)"),
        "reconstructions of latent width": Mistake(
            lambda encoder, autoencoder, X: (_output_shapes(encoder, autoencoder, X)[0],) * 2,
            "the autoencoder decodes the codes back to the input's width"),
    })


check_bic = number_check(
    "BIC", lambda gmm, X: gmm.bic(X), digits=1,
    hint="BIC = -2 log L + p log n, with p = gmm.params_.n_parameters",
    mistakes={
        "the mean log-likelihood for log L": Mistake(
            lambda gmm, X: -2 * gmm.score(X) + gmm.params_.n_parameters * np.log(len(X)),
            "score() is the mean log-likelihood per point: log L is n times it"),
        "AIC's penalty": Mistake(
            lambda gmm, X: -2 * gmm.score(X) * len(X) + 2 * gmm.params_.n_parameters,
            "BIC's penalty is p log n; 2p is AIC's"),
    })
