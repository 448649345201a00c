"""Hyperparameter search: counting fits, reading results, label-free scores.

Small functions over scikit-learn's own searches (``GridSearchCV``,
``RandomizedSearchCV``, ``HalvingGridSearchCV``). Nothing here imports
TensorFlow; the VAE a search tunes is ``vae.VAEEstimator``.
"""

import math
import numbers

import numpy as np
from sklearn.model_selection import ParameterGrid

from .gmm import estimate_log_gaussian_prob
from .params import GMMParams
from .repro import format_seconds
from .validation import check_data, check_is_fitted, check_positive_int

__all__ = [
    "count_candidates",
    "count_fits",
    "results_table",
    "format_durations",
    "searched_parameters",
    "score_matrix",
    "log_likelihood_scorer",
    "neg_bic_scorer",
    "log_likelihood_gain_scorer",
]


# --------------------------------------------------------------------------- counting


def count_candidates(param_grid):
    """Parameter combinations of a grid (dict, or list of dicts, of name -> list of values)."""
    return len(ParameterGrid(param_grid))


def count_fits(param_grid, n_splits, refit=True):
    """Fits of an exhaustive grid search: ``count_candidates(param_grid) * n_splits + refit``.

    Parameters
    ----------
    param_grid : dict or list of dict
    n_splits : int
        Cross-validation folds (>= 2); each candidate is fitted once per fold.
    refit : bool, default True
        Count the final refit of the best candidate on all the data.
    """
    n_splits = check_positive_int("n_splits", n_splits, minimum=2)
    return count_candidates(param_grid) * n_splits + int(bool(refit))


# --------------------------------------------------------------------------- results


_NOT_PARAMETERS = ("rank", "iter", "n_resources", "mean_score", "std_score", "fit_time")


def _metric_key(cv_results, metric, refit):
    """The suffix of ``mean_test_<suffix>`` to report: ``metric``, else the only one, else ``refit``."""
    metrics = sorted(key[len("mean_test_"):] for key in cv_results if key.startswith("mean_test_"))
    if metric is None:
        metric = "score" if "score" in metrics else refit
        if metric not in metrics:
            raise ValueError(f"the search used several metrics; pass metric= one of {metrics}")
    elif metric not in metrics:
        raise ValueError(f"unknown metric={metric!r}; the search recorded {metrics}")
    return metric


def results_table(search, *, metric=None, top=None):
    """One row per candidate of a fitted search, best first.

    Parameters
    ----------
    search : fitted GridSearchCV, RandomizedSearchCV, HalvingGridSearchCV, ...
    metric : str, optional
        Which score to report when ``scoring`` was a dict; by default the only
        one, or the one used to refit.
    top : int, optional
        Keep only the ``top`` best rows.

    Returns
    -------
    list of dict
        ``rank``; halving's ``iter`` and ``n_resources`` when present; one key
        per parameter a candidate set (without ``param_``); ``mean_score``,
        ``std_score`` over folds; ``fit_time`` (mean seconds per fit).
    """
    check_is_fitted(search, "cv_results_")
    results = search.cv_results_
    key = _metric_key(results, metric, getattr(search, "refit", None))
    rows = []
    for i in range(len(results["params"])):
        row = {"rank": int(results[f"rank_test_{key}"][i])}
        row.update({extra: int(results[extra][i]) for extra in ("iter", "n_resources") if extra in results})
        for column in (c for c in results if c.startswith("param_")):
            value = results[column][i]
            if not np.ma.is_masked(value):
                row[column[len("param_"):]] = value.item() if isinstance(value, np.generic) else value
        row.update(mean_score=float(results[f"mean_test_{key}"][i]), std_score=float(results[f"std_test_{key}"][i]),
                   fit_time=float(results["mean_fit_time"][i]))
        rows.append(row)
    rows.sort(key=lambda row: (row["rank"], -row.get("iter", 0)))  # halving: later iterations first
    return rows if top is None else rows[: check_positive_int("top", top)]


def format_durations(rows, suffix="time"):
    """Copy of ``rows`` with the numbers under keys ending in ``suffix`` formatted by ``repro.format_seconds``."""
    return [{key: format_seconds(value) if str(key).endswith(suffix) and isinstance(value, numbers.Real) else value
             for key, value in row.items()} for row in rows]


def _as_rows(search_or_rows, metric=None):
    """Rows of :func:`results_table`, given them or a fitted search."""
    rows = search_or_rows if isinstance(search_or_rows, list) else results_table(search_or_rows, metric=metric)
    if not rows:
        raise ValueError("no rows: the search has no results")
    return rows


def searched_parameters(search_or_rows):
    """Sorted names of the parameters a search varied (a fitted search, or rows of :func:`results_table`)."""
    return sorted({key for row in _as_rows(search_or_rows) for key in row} - set(_NOT_PARAMETERS))


def _axis_values(values):
    """Distinct values: numbers ascending with None first, strings sorted, anything else in order of appearance."""
    distinct = []
    for value in values:
        if value not in distinct:
            distinct.append(value)
    if all(v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool)) for v in distinct):
        return sorted(distinct, key=lambda v: (v is not None, 0 if v is None else v))
    if all(isinstance(v, str) for v in distinct):
        return sorted(distinct)
    return distinct


def score_matrix(search_or_rows, x_param, y_param, *, metric=None, aggregate="max"):
    """Mean CV scores over two hyperparameters, the others aggregated, for a heatmap.

    Parameters
    ----------
    search_or_rows : fitted search or list of dict from :func:`results_table`
        Rows of successive halving mix amounts of data: pass one iteration's rows.
    x_param, y_param : str
        Parameters of the columns and of the rows.
    metric : str, optional
        See :func:`results_table`.
    aggregate : {'max', 'mean'}, default 'max'
        How candidates sharing ``(x, y)`` but differing in other parameters combine.

    Returns
    -------
    x_values : list of length n_x
    y_values : list of length n_y
    scores : ndarray of shape (n_y, n_x)
        NaN where no candidate had that pair of values.
    """
    if aggregate not in ("max", "mean"):
        raise ValueError(f"aggregate must be 'max' or 'mean', got {aggregate!r}")
    rows = _as_rows(search_or_rows, metric)
    if x_param == y_param:
        raise ValueError(f"x_param and y_param must differ, got {x_param!r} twice")
    varied = searched_parameters(rows)
    for name in (x_param, y_param):
        if name not in varied:
            raise ValueError(f"unknown parameter {name!r}; the search varied {varied}")
    rows = [row for row in rows if x_param in row and y_param in row]
    x_values = _axis_values(row[x_param] for row in rows)
    y_values = _axis_values(row[y_param] for row in rows)
    cells = {}
    for row in rows:
        cells.setdefault((y_values.index(row[y_param]), x_values.index(row[x_param])), []).append(row["mean_score"])
    scores = np.full((len(y_values), len(x_values)), np.nan)
    for cell, values in cells.items():
        scores[cell] = max(values) if aggregate == "max" else np.mean(values)
    return x_values, y_values, scores


# --------------------------------------------------------------------------- label-free scores


def _finite(value, what, estimator):
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} of {type(estimator).__name__} is {value}; the model may have collapsed "
                         "(try a larger reg_covar)")
    return value


def _mixture_and_points(estimator, X):
    """The fitted mixture of ``estimator`` and the points it models: ``X``, or its codes for AutoencoderGMM."""
    X = check_data(X)
    if hasattr(estimator, "gmm_"):
        return estimator.gmm_, estimator.transform(X)
    return estimator, X


def log_likelihood_scorer(estimator, X, y=None):
    """Held-out mean log-likelihood per sample, ``estimator.score(X)``; a ``scoring=`` that ignores ``y``.

    Parameters
    ----------
    estimator : fitted density model (``GaussianMixtureEM``, ``AutoencoderGMM``, ``GaussianMixture``)
    X : array-like of shape (n_samples, n_features)
    """
    return _finite(estimator.score(check_data(X)), "score(X)", estimator)


def neg_bic_scorer(estimator, X, y=None):
    """``-bic(X) / n_samples = 2 * mean log-likelihood - n_parameters * log(n_samples) / n_samples``.

    Larger is better; ``y`` is ignored. For ``AutoencoderGMM`` it is the BIC of
    the latent mixture on the codes of ``X``.

    Parameters
    ----------
    estimator : fitted estimator with ``bic(X)``, or with ``gmm_`` and ``transform``
    X : array-like of shape (n_samples, n_features)
    """
    mixture, points = _mixture_and_points(estimator, X)
    if not callable(getattr(mixture, "bic", None)):
        raise TypeError(f"neg_bic_scorer needs an estimator with bic(X), got {type(mixture).__name__}")
    return _finite(-mixture.bic(points) / len(points), "bic(X)", estimator)


def log_likelihood_gain_scorer(estimator, X, y=None):
    """Held-out log-likelihood of the mixture minus that of one Gaussian with its mean and covariance.

    ``mean_i log p_mix(z_i) - mean_i log N(z_i | m, S)`` with
    ``m = sum_k w_k mu_k`` and ``S = sum_k w_k (Sigma_k + mu_k mu_k^T) - m m^T``
    (at a fixed point of EM, the training data's mean and covariance). Both terms
    shift by ``-log|det A|`` under ``z -> A z + b``, so the gain compares codes of
    different scales. Larger is better; ``y`` is ignored.

    Parameters
    ----------
    estimator : fitted ``GaussianMixtureEM`` or ``AutoencoderGMM``
    X : array-like of shape (n_samples, n_features)
    """
    mixture, points = _mixture_and_points(estimator, X)
    params = getattr(mixture, "params_", None)
    if not isinstance(params, GMMParams):
        raise TypeError(f"log_likelihood_gain_scorer needs a fitted GaussianMixtureEM, got {type(mixture).__name__}")
    log_mixture = mixture.score(points)  # checks the width of the points, too
    mean = params.weights @ params.means
    second_moment = np.einsum("k,kij->ij", params.weights,
                              params.full_covariances() + np.einsum("ki,kj->kij", params.means, params.means))
    covariance = second_moment - np.outer(mean, mean)
    single = GMMParams(np.ones(1), mean[None], (0.5 * (covariance + covariance.T))[None], "full")
    log_single = estimate_log_gaussian_prob(points, single.means, single.precisions_cholesky(), "full")[:, 0]
    return _finite(log_mixture - log_single.mean(), "log-likelihood gain", estimator)
