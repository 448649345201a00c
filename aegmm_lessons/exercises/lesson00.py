"""Checks for the exercises of lesson 00 (the concepts tour).

Each check computes the expected value by another route than the exercise
asks for (a count of parameters from ``GMMParams``, a KL divergence by
numerical integration, a grid search that counts its own fits, the models'
outputs, the mixture's own BIC), so the answer never appears in the
learner's call. Nothing here imports TensorFlow: exercise 4 receives the
Keras models from the notebook.
"""

import numpy as np

from . import check, close_to

__all__ = [
    "check_free_parameters",
    "check_kl_divergence",
    "check_grid_search_fits",
    "check_output_shapes",
    "check_bic",
]


def check_free_parameters(answer, n_components, n_features):
    """Exercise 1: the free parameters of a full-covariance mixture.

    Parameters
    ----------
    answer : int or None
        The learner's count; ``None`` means not attempted.
    n_components : int
        K, the number of components.
    n_features : int
        d, the dimension of each component.

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    from ..params import GMMParams

    mixture = GMMParams(np.full(n_components, 1.0 / n_components), np.zeros((n_components, n_features)),
                        np.tile(np.eye(n_features), (n_components, 1, 1)))
    return check(
        "exercise 1", answer, close_to(mixture.n_parameters, atol=0.5),
        "K weights that sum to one leave K - 1 free; add K*d means and, per component, "
        "the d(d + 1)/2 free entries of a symmetric d x d covariance",
    )


def check_kl_divergence(answer, mean, std):
    """Exercise 2: KL(N(mean, std^2) || N(0, 1)) in one dimension.

    The reference integrates ``q(z) log(q(z) / p(z))`` numerically, so it
    does not share a formula with the answer.

    Parameters
    ----------
    answer : float or None
        The learner's value; ``None`` means not attempted.
    mean : float
        Mean of q.
    std : float
        Standard deviation of q (not its variance).

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    from scipy.integrate import quad
    from scipy.stats import norm

    q = norm(mean, std)
    reference, _ = quad(lambda z: q.pdf(z) * (q.logpdf(z) - norm.logpdf(z)), -np.inf, np.inf)
    return check(
        "exercise 2", answer, close_to(reference, atol=1e-6),
        "the closed form takes the variance sigma^2 = std^2 (and log sigma^2), keeps the factor 1/2, "
        "and measures q against the prior: KL(q || p), not KL(p || q)",
    )


def check_grid_search_fits(answer):
    """Exercise 3: the fits of a 5-fold grid search over 3 x 4 settings, refit included.

    The check runs that search with a model that fits in microseconds and
    counts the calls to its ``fit``.

    Parameters
    ----------
    answer : int or None
        The learner's count; ``None`` means not attempted.

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    from sklearn.dummy import DummyRegressor
    from sklearn.model_selection import GridSearchCV

    hint = ("every setting is fitted once per fold, and after the search the best setting "
            "is fitted once more on all the data (the refit)")
    if answer is None:  # nothing to compare: skip the search
        return check("exercise 3", None, None, hint)
    calls = []

    class CountingRegressor(DummyRegressor):
        def fit(self, X, y, sample_weight=None):
            calls.append(len(X))
            return super().fit(X, y, sample_weight=sample_weight)

    grid = {"strategy": ["mean", "median", "quantile"], "quantile": [0.1, 0.25, 0.5, 0.9]}
    X = np.arange(40.0).reshape(-1, 1)
    GridSearchCV(CountingRegressor(), grid, cv=5).fit(X, X[:, 0])
    return check("exercise 3", answer, close_to(len(calls), atol=0.5), hint)


def check_output_shapes(answer, encoder, autoencoder, X):
    """Exercise 4: the shapes of ``encoder.predict(X)`` and ``autoencoder.predict(X)``.

    Parameters
    ----------
    answer : tuple of two tuples, or None
        ``(codes_shape, reconstructions_shape)``; ``None`` means not attempted.
    encoder, autoencoder : keras.Model
        The models of the notebook.
    X : array-like of shape (n_samples, n_features)
        The inputs the exercise names.

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    hint = ("the encoder returns codes, one row of latent width per input; the autoencoder "
            "returns reconstructions, one row of input width per input")
    if answer is None:  # nothing to compare: skip the predictions
        return check("exercise 4", None, None, hint)
    expected = (encoder.predict(X, verbose=0).shape, autoencoder.predict(X, verbose=0).shape)
    return check("exercise 4", answer, close_to(expected, atol=0.5), hint)


def check_bic(answer, gmm, X):
    """Exercise 5: the BIC of a fitted mixture from its mean log-likelihood.

    Parameters
    ----------
    answer : float or None
        The learner's BIC; ``None`` means not attempted.
    gmm : GaussianMixtureEM
        A fitted mixture (its ``bic(X)`` is the reference).
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    return check(
        "exercise 5", answer, close_to(gmm.bic(X), atol=1e-6),
        "score() is the mean log-likelihood per point: log L is n times it; "
        "the penalty is p log n (p log n, not 2p, which is AIC's)",
    )
