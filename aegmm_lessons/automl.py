"""Hyperparameter search, measured: tables, strategy comparison, nested CV, unsupervised scores.

Small functions over scikit-learn's own search objects (``GridSearchCV``,
``RandomizedSearchCV``, ``HalvingGridSearchCV``), so that lesson 05 can show
what a search costs, what it finds, and how optimistic its best score is:

- :func:`check_param_grid`, :func:`count_candidates`, :func:`count_fits`: a
  grid checked against the estimator's parameters before anything is fitted;
- :func:`results_table`: one row per candidate (rank, parameters, mean and
  standard deviation of the CV score, fit time), for ``repro.print_table``;
- :func:`compare_searches`: several strategies under the same CV splits, with
  wall time, number of fits, best CV score and held-out test score;
- :func:`nested_cross_validation`: inner (optimistic) and outer (honest) scores;
- :func:`score_matrix`: CV scores over two hyperparameters, for a heatmap;
- :func:`log_likelihood_scorer`, :func:`neg_bic_scorer`,
  :func:`log_likelihood_gain_scorer`: scores that need no labels, usable as
  ``scoring=`` for ``GaussianMixtureEM``, ``AutoencoderGMM`` (its latent
  mixture) and, for the first two, scikit-learn's ``GaussianMixture``;
- :class:`VAEEstimator`: ``vae.fit_vae`` as an estimator scored by held-out ELBO.

Nothing here imports TensorFlow at import time; :class:`VAEEstimator` loads
``aegmm_lessons.vae`` (and with it Keras) when it is first fitted.
"""

import difflib
import math
import numbers
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin, clone, is_classifier
from sklearn.model_selection import GridSearchCV, ParameterGrid, check_cv

from .repro import format_seconds
from .validation import check_array_2d

__all__ = [
    "check_param_grid",
    "count_candidates",
    "count_fits",
    "measure_fit_seconds",
    "results_table",
    "format_durations",
    "compare_searches",
    "NestedCVResult",
    "nested_cross_validation",
    "searched_parameters",
    "score_matrix",
    "log_likelihood_scorer",
    "neg_bic_scorer",
    "mixture_moments",
    "log_likelihood_gain_scorer",
    "make_unsupervised_scorer",
    "VAEEstimator",
]


# --------------------------------------------------------------------------- grids


def _grid_as_list(param_grid):
    """Return ``param_grid`` as a non-empty list of non-empty mappings."""
    grids = [param_grid] if isinstance(param_grid, Mapping) else param_grid
    if not isinstance(grids, Sequence) or isinstance(grids, str):
        raise ValueError(
            f"param_grid must be a dict of parameter name -> values, or a list of such dicts, "
            f"got {type(param_grid).__name__}"
        )
    if len(grids) == 0:
        raise ValueError("param_grid is empty: got an empty list, expected at least one dict of parameters")
    for index, grid in enumerate(grids):
        where = "param_grid" if isinstance(param_grid, Mapping) else f"param_grid[{index}]"
        if not isinstance(grid, Mapping):
            raise ValueError(f"{where} must be a dict of parameter name -> values, got {type(grid).__name__}")
        if len(grid) == 0:
            raise ValueError(f"{where} is empty: got {{}}, expected at least one parameter name -> values")
        for name, values in grid.items():
            if hasattr(values, "rvs"):  # a scipy.stats distribution (randomized search)
                continue
            if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
                raise ValueError(
                    f"{where}[{name!r}] must be a list of values or a distribution with rvs(), "
                    f"got {type(values).__name__} {values!r}"
                )
            if len(values) == 0:
                raise ValueError(f"{where}[{name!r}] is empty: expected at least one value, got []")
    return list(grids)


def check_param_grid(estimator, param_grid):
    """Check a parameter grid against an estimator before any fit.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Its ``get_params(deep=True)`` names are the valid keys (nested names
        such as ``'svc__C'`` for a pipeline included).
    param_grid : dict or list of dict
        Parameter name -> list of values (or a ``scipy.stats`` distribution,
        for randomized search).

    Returns
    -------
    list of dict
        The grid as a list of dicts, unchanged.

    Raises
    ------
    ValueError
        If the grid is empty, a value list is empty, or a name is not a
        parameter of ``estimator`` (the message lists close matches).
    """
    grids = _grid_as_list(param_grid)
    valid = sorted(estimator.get_params(deep=True))
    for grid in grids:
        for name in grid:
            if name not in valid:
                close = difflib.get_close_matches(str(name), valid, n=3)
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                raise ValueError(
                    f"unknown parameter {name!r} for {type(estimator).__name__}{hint} "
                    f"Valid parameters are: {', '.join(valid)}"
                )
    return grids


def count_candidates(param_grid):
    """Number of parameter combinations in an exhaustive grid.

    Parameters
    ----------
    param_grid : dict or list of dict
        Parameter name -> list of values.

    Returns
    -------
    int
        The product of the list lengths, summed over the dicts.
    """
    grids = _grid_as_list(param_grid)
    for grid in grids:
        for name, values in grid.items():
            if hasattr(values, "rvs"):
                raise ValueError(
                    f"param_grid[{name!r}] is a distribution: an exhaustive grid needs a list of values"
                )
    return len(ParameterGrid(grids))


def count_fits(param_grid, n_splits, refit=True):
    """Number of model fits an exhaustive grid search performs.

    Parameters
    ----------
    param_grid : dict or list of dict
    n_splits : int
        Number of cross-validation folds; each candidate is fitted once per fold.
    refit : bool, default True
        Count the final refit of the best candidate on all the data.

    Returns
    -------
    int
        ``count_candidates(param_grid) * n_splits + refit``.
    """
    if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer >= 2, got {n_splits!r}")
    return count_candidates(param_grid) * int(n_splits) + int(bool(refit))


def measure_fit_seconds(estimator, X, y=None, candidates=({},)):
    """Wall time of one fit of ``estimator`` for each parameter setting.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned before each fit; not modified.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), optional
    candidates : sequence of dict, default ({},)
        Parameter settings to time, e.g. one per value of the parameter that
        dominates the cost.

    Returns
    -------
    ndarray of shape (len(candidates),)
        Seconds per fit. Timings vary with machine load; never assert them.
    """
    candidates = list(candidates)
    if not candidates:
        raise ValueError("candidates must hold at least one parameter dict, got 0")
    for params in candidates:
        if not isinstance(params, Mapping):
            raise ValueError(f"each candidate must be a dict of parameters, got {type(params).__name__}")
    settings = [{name: [value] for name, value in params.items()} for params in candidates if params]
    if settings:
        check_param_grid(estimator, settings)
    X, y = _check_xy(X, y)
    seconds = []
    for params in candidates:
        model = clone(estimator).set_params(**params)
        start = time.perf_counter()
        model.fit(X) if y is None else model.fit(X, y)
        seconds.append(time.perf_counter() - start)
    return np.asarray(seconds)


# --------------------------------------------------------------------------- results


def _metric_key(cv_results, metric, refit=None):
    """The suffix of ``mean_test_<suffix>`` to report."""
    metrics = sorted(k[len("mean_test_"):] for k in cv_results if k.startswith("mean_test_"))
    if metric is None:
        if "score" in metrics:
            return "score"
        if isinstance(refit, str) and refit in metrics:
            return refit
        raise ValueError(f"the search used several metrics; pass metric= one of {metrics}")
    if metric not in metrics:
        raise ValueError(f"unknown metric {metric!r}; the search recorded {metrics}")
    return metric


def _python_value(value):
    return value.item() if isinstance(value, np.generic) else value


def results_table(search, *, metric=None, top=None):
    """One row per candidate of a fitted search, best first.

    Parameters
    ----------
    search : fitted GridSearchCV, RandomizedSearchCV, HalvingGridSearchCV, ...
        Anything with a ``cv_results_`` dict.
    metric : str, optional
        Which score to report when the search used several (``scoring`` as a
        dict); by default the only one, or the one used to refit.
    top : int, optional
        Keep only the ``top`` best rows.

    Returns
    -------
    list of dict
        Keys: ``rank``; successive halving's ``iter`` and ``n_resources`` when
        present; one key per searched parameter (its name without the
        ``param_`` prefix, absent where a candidate did not set it);
        ``mean_score``, ``std_score`` over folds; ``fit_time`` (mean seconds
        per fit). Ready for ``repro.print_table`` after
        :func:`format_durations`.
    """
    cv_results = getattr(search, "cv_results_", None)
    if cv_results is None:
        raise ValueError(f"{type(search).__name__} is not fitted: call fit before results_table")
    key = _metric_key(cv_results, metric, getattr(search, "refit", None))
    param_columns = [k for k in cv_results if k.startswith("param_")]
    n_rows = len(cv_results["params"])
    rows = []
    for i in range(n_rows):
        row = {"rank": int(cv_results[f"rank_test_{key}"][i])}
        for extra in ("iter", "n_resources"):
            if extra in cv_results:
                row[extra] = int(cv_results[extra][i])
        for column in param_columns:
            values = cv_results[column]
            if np.ma.is_masked(values[i]):
                continue
            row[column[len("param_"):]] = _python_value(values[i])
        row["mean_score"] = float(cv_results[f"mean_test_{key}"][i])
        row["std_score"] = float(cv_results[f"std_test_{key}"][i])
        row["fit_time"] = float(cv_results["mean_fit_time"][i])
        rows.append(row)
    # Halving ranks candidates of later iterations first; sort by rank, then iteration.
    rows.sort(key=lambda r: (r["rank"], -r.get("iter", 0)))
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, numbers.Integral) or top < 1:
            raise ValueError(f"top must be a positive integer, got {top!r}")
        rows = rows[: int(top)]
    return rows


def format_durations(rows, suffix="time"):
    """Copy ``rows`` with every value under a key ending in ``suffix`` formatted as a duration.

    Durations printed with ``repro.format_seconds`` are recognised by the
    nbval sanitize file, so tables with timings reproduce.

    Parameters
    ----------
    rows : sequence of dict
    suffix : str, default 'time'

    Returns
    -------
    list of dict
    """
    return [
        {k: format_seconds(v) if str(k).endswith(suffix) and isinstance(v, numbers.Real) else v
         for k, v in row.items()}
        for row in rows
    ]


# --------------------------------------------------------------------------- strategies


def _check_xy(X, y, name="X"):
    X = check_array_2d(X, name)
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(
                f"y{name[1:]} must have shape ({len(X)},) to match {name}, got {y.shape}"
            )
    return X, y


def _n_distinct(params_list):
    return len({repr(sorted(p.items())) for p in params_list})


def compare_searches(searches, X_train, y_train=None, X_test=None, y_test=None, *, cv=5):
    """Run several search strategies under the same CV splits and compare them.

    Parameters
    ----------
    searches : dict of str -> search object
        Unfitted scikit-learn searches (``GridSearchCV``, ``RandomizedSearchCV``,
        ``HalvingGridSearchCV``...) with ``refit=True``. Each is cloned and
        given the same list of train/validation splits; the originals are not
        modified.
    X_train : array-like of shape (n_train, n_features)
    y_train : array-like of shape (n_train,), optional
    X_test : array-like of shape (n_test, n_features), optional
        Held-out data never seen by the searches; its score is reported.
    y_test : array-like of shape (n_test,), optional
    cv : int or cross-validation splitter, default 5
        Turned into one fixed list of splits of ``X_train`` (stratified for
        classifiers when an int), shared by every strategy.

    Returns
    -------
    rows : list of dict
        One per strategy: ``strategy``, ``candidates`` (distinct parameter
        settings tried), ``cv_fits`` (fits during the search, the final refit
        excluded), ``search_time`` (wall seconds, refit included),
        ``best_cv_score``, and ``test_score`` when ``X_test`` is given.
    fitted : dict of str -> search
        The fitted clones, by name.
    """
    if not isinstance(searches, Mapping) or not searches:
        raise ValueError("searches must be a non-empty dict of name -> search object, got "
                         f"{type(searches).__name__} of length {len(searches) if hasattr(searches, '__len__') else '?'}")
    X_train, y_train = _check_xy(X_train, y_train, "X_train")
    if X_test is not None:
        X_test, y_test = _check_xy(X_test, y_test, "X_test")
        if X_test.shape[1] != X_train.shape[1]:
            raise ValueError(
                f"X_test must have {X_train.shape[1]} features like X_train, got {X_test.shape[1]}"
            )
    for name, search in searches.items():
        if not hasattr(search, "estimator") or not hasattr(search, "fit"):
            raise ValueError(f"searches[{name!r}] is not a scikit-learn search, got {type(search).__name__}")
        if X_test is not None and getattr(search, "refit", True) is False:
            raise ValueError(f"searches[{name!r}] has refit=False: a test score needs the refitted best model")
        grid = getattr(search, "param_grid", None) or getattr(search, "param_distributions", None)
        if grid is not None:
            check_param_grid(search.estimator, grid)
    first = next(iter(searches.values()))
    splitter = check_cv(cv, y_train, classifier=is_classifier(first.estimator))
    splits = list(splitter.split(X_train, y_train))
    rows, fitted = [], {}
    for name, search in searches.items():
        search = clone(search).set_params(cv=splits)
        start = time.perf_counter()
        search.fit(X_train) if y_train is None else search.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        params_list = search.cv_results_["params"]
        row = {
            "strategy": name,
            "candidates": _n_distinct(params_list),
            "cv_fits": len(params_list) * len(splits),
            "search_time": seconds,
            "best_cv_score": float(search.best_score_),
        }
        if X_test is not None:
            row["test_score"] = float(
                search.score(X_test) if y_test is None else search.score(X_test, y_test)
            )
        rows.append(row)
        fitted[name] = search
    return rows, fitted


# --------------------------------------------------------------------------- nested CV


@dataclass(frozen=True)
class NestedCVResult:
    """Scores of a nested cross-validation.

    Attributes
    ----------
    inner_scores : ndarray of shape (n_outer_splits,)
        Best mean inner-CV score of the search run on each outer training
        part: the score the search reports, optimistic because it is the
        maximum over candidates of noisy estimates.
    outer_scores : ndarray of shape (n_outer_splits,)
        Score of that search's refitted best model on the outer test part,
        which took no part in choosing it: an honest estimate.
    best_params : list of dict
        The parameters chosen on each outer training part.
    non_nested_score : float or None
        Best CV score of one search on all the data (what a plain
        ``GridSearchCV`` reports), when requested.
    """

    inner_scores: np.ndarray
    outer_scores: np.ndarray
    best_params: list
    non_nested_score: float | None = None

    @property
    def inner_mean(self):
        """Mean of ``inner_scores``."""
        return float(np.mean(self.inner_scores))

    @property
    def outer_mean(self):
        """Mean of ``outer_scores``: the nested-CV estimate."""
        return float(np.mean(self.outer_scores))

    @property
    def optimism(self):
        """``non_nested_score - outer_mean`` if available, else ``inner_mean - outer_mean``."""
        reference = self.inner_mean if self.non_nested_score is None else self.non_nested_score
        return reference - self.outer_mean


def nested_cross_validation(estimator, param_grid, X, y=None, *, inner_cv=4, outer_cv=4,
                            scoring=None, n_jobs=None, non_nested=True):
    """Nested cross-validation of a grid search.

    The outer loop splits the data; on each outer training part a
    ``GridSearchCV`` (with ``inner_cv``) chooses the parameters, and its
    refitted best model is scored on the outer test part.

    Parameters
    ----------
    estimator : scikit-learn estimator
    param_grid : dict or list of dict
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), optional
    inner_cv, outer_cv : int or cross-validation splitter, default 4
        Pass splitters with a fixed ``random_state`` for reproducible results.
    scoring : str or callable, optional
        As in ``GridSearchCV``; also used for the outer scores.
    n_jobs : int, optional
        Passed to each ``GridSearchCV``.
    non_nested : bool, default True
        Also run one search on all the data and keep its best CV score.

    Returns
    -------
    NestedCVResult
    """
    check_param_grid(estimator, param_grid)
    X, y = _check_xy(X, y)
    classifier = is_classifier(estimator)
    outer = check_cv(outer_cv, y, classifier=classifier)

    def search():
        return GridSearchCV(clone(estimator), param_grid, scoring=scoring, cv=inner_cv,
                            n_jobs=n_jobs, refit=True)

    inner_scores, outer_scores, best_params = [], [], []
    for train, test in outer.split(X, y):
        fitted = search().fit(X[train]) if y is None else search().fit(X[train], y[train])
        inner_scores.append(float(fitted.best_score_))
        outer_scores.append(float(fitted.score(X[test]) if y is None else fitted.score(X[test], y[test])))
        best_params.append(dict(fitted.best_params_))
    non_nested_score = None
    if non_nested:
        fitted = search().fit(X) if y is None else search().fit(X, y)
        non_nested_score = float(fitted.best_score_)
    return NestedCVResult(np.asarray(inner_scores), np.asarray(outer_scores), best_params, non_nested_score)


# --------------------------------------------------------------------------- heatmap data


_NOT_PARAMETERS = ("rank", "iter", "n_resources", "mean_score", "std_score", "fit_time")


def _as_rows(search_or_rows, metric=None):
    rows = search_or_rows if isinstance(search_or_rows, list) else results_table(search_or_rows, metric=metric)
    if not rows:
        raise ValueError("no rows: the search has no results")
    return rows


def searched_parameters(search_or_rows):
    """Names of the parameters a search varied, sorted.

    Parameters
    ----------
    search_or_rows : fitted search or list of dict from :func:`results_table`

    Returns
    -------
    list of str
    """
    rows = _as_rows(search_or_rows)
    return sorted({key for row in rows for key in row} - set(_NOT_PARAMETERS))


def score_matrix(search_or_rows, x_param, y_param, *, metric=None, aggregate="max"):
    """CV scores over two hyperparameters, the others aggregated.

    Parameters
    ----------
    search_or_rows : fitted search or list of dict
        A search, or rows from :func:`results_table`. Rows of successive
        halving mix scores made with different amounts of data: pass only the
        rows of one iteration.
    x_param, y_param : str
        Parameter names (as in the grid) for columns and rows.
    metric : str, optional
        See :func:`results_table`.
    aggregate : {'max', 'mean'}, default 'max'
        How candidates that share ``(x, y)`` but differ in other parameters
        are combined: the best of them, or their average.

    Returns
    -------
    x_values : list, length n_x
        Distinct values of ``x_param``: ascending (None first) when numeric,
        else in order of first appearance.
    y_values : list, length n_y
    scores : ndarray of shape (n_y, n_x)
        NaN where no candidate had that combination (explicitly: an empty
        cell of the heatmap), never otherwise.
    """
    if aggregate not in ("max", "mean"):
        raise ValueError(f"aggregate must be 'max' or 'mean', got {aggregate!r}")
    rows = _as_rows(search_or_rows, metric)
    if x_param == y_param:
        raise ValueError(f"x_param and y_param must differ, got {x_param!r} twice")
    available = searched_parameters(rows)
    for name in (x_param, y_param):
        if name not in available:
            raise ValueError(f"unknown parameter {name!r}; the search varied {available}")
    usable = [row for row in rows if x_param in row and y_param in row]
    x_values = _sorted_values(_distinct(row[x_param] for row in usable))
    y_values = _sorted_values(_distinct(row[y_param] for row in usable))
    grouped = {}
    for row in usable:
        cell = (y_values.index(row[y_param]), x_values.index(row[x_param]))
        grouped.setdefault(cell, []).append(row["mean_score"])
    scores = np.full((len(y_values), len(x_values)), np.nan)
    for cell, values in grouped.items():
        scores[cell] = max(values) if aggregate == "max" else float(np.mean(values))
    return x_values, y_values, scores


def _distinct(values):
    """Distinct values in order of first appearance (values may be unhashable)."""
    distinct = []
    for value in values:
        if value not in distinct:
            distinct.append(value)
    return distinct


def _sorted_values(values):
    """Sort numbers ascending with None first; leave mixed or other types in order."""
    if all(v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool)) for v in values):
        return sorted(values, key=lambda v: (v is not None, v if v is not None else 0))
    if all(isinstance(v, str) for v in values):
        return sorted(values)
    return list(values)


# --------------------------------------------------------------------------- unsupervised scores


def _finite(value, what, estimator):
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} of {type(estimator).__name__} is not finite ({value}); "
                         "the model may have collapsed (try a larger reg_covar)")
    return value


def log_likelihood_scorer(estimator, X, y=None):
    """Mean log-likelihood per sample of held-out ``X`` under a fitted density model.

    A scorer for ``GridSearchCV(scoring=...)`` that needs no labels: ``y`` is
    ignored. Larger is better.

    Parameters
    ----------
    estimator : fitted estimator with ``score(X)`` returning the mean
        log-likelihood per sample (``GaussianMixtureEM``, ``AutoencoderGMM``
        in its latent space, scikit-learn's ``GaussianMixture``).
    X : array-like of shape (n_samples, n_features)
    y : ignored

    Returns
    -------
    float
    """
    if not callable(getattr(estimator, "score", None)):
        raise ValueError(f"log_likelihood_scorer needs an estimator with score(X), got {type(estimator).__name__}")
    X = check_array_2d(X)
    return _finite(estimator.score(X), "score(X)", estimator)


def _mixture_and_codes(estimator, X, what):
    """The fitted mixture of ``estimator`` and the points it models: X itself, or X's latent codes."""
    X = check_array_2d(X)
    mixture = getattr(estimator, "gmm_", None)
    if mixture is not None and callable(getattr(estimator, "transform", None)):
        return mixture, estimator.transform(X)  # AutoencoderGMM: a mixture on the codes
    if hasattr(estimator, "params_") or callable(getattr(estimator, "bic", None)):
        return estimator, X
    raise ValueError(
        f"{what} needs a fitted mixture (GaussianMixtureEM, or AutoencoderGMM with gmm_ and transform), "
        f"got {type(estimator).__name__}"
    )


def neg_bic_scorer(estimator, X, y=None):
    """Minus the Bayesian information criterion of held-out ``X``, per sample.

    ``-bic(X) / n_samples = 2 * mean log-likelihood - n_parameters * log(n_samples) / n_samples``:
    the log-likelihood penalised for the number of free parameters. Larger is
    better; ``y`` is ignored. For ``AutoencoderGMM`` it is the BIC of the
    latent mixture on the codes of ``X`` (so, like its ``score``, it compares
    models of the same ``latent_dim`` only).

    Parameters
    ----------
    estimator : fitted estimator with ``bic(X)`` (``GaussianMixtureEM``,
        scikit-learn's ``GaussianMixture``), or with ``gmm_`` and ``transform``
        (``AutoencoderGMM``).
    X : array-like of shape (n_samples, n_features)
    y : ignored

    Returns
    -------
    float
    """
    mixture, points = _mixture_and_codes(estimator, X, "neg_bic_scorer")
    if not callable(getattr(mixture, "bic", None)):
        raise ValueError(f"neg_bic_scorer needs an estimator with bic(X), got {type(mixture).__name__}")
    return _finite(-mixture.bic(points) / len(points), "bic(X)", estimator)


def mixture_moments(params):
    """Overall mean and covariance of a Gaussian mixture.

    ``mean = sum_k w_k mu_k`` and ``cov = sum_k w_k (Sigma_k + mu_k mu_k^T) - mean mean^T``.
    At a fixed point of EM these equal the sample mean and covariance of the
    training data (plus ``reg_covar``): the single Gaussian fitted to the data.

    Parameters
    ----------
    params : GMMParams

    Returns
    -------
    mean : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features)
    """
    from .params import GMMParams

    if not isinstance(params, GMMParams):
        raise ValueError(f"params must be a GMMParams, got {type(params).__name__} {params!r}")
    covariances = params.full_covariances()
    mean = params.weights @ params.means
    second_moment = np.einsum("k,kij->ij", params.weights,
                              covariances + np.einsum("ki,kj->kij", params.means, params.means))
    covariance = second_moment - np.outer(mean, mean)
    return mean, 0.5 * (covariance + covariance.T)


def log_likelihood_gain_scorer(estimator, X, y=None):
    """Held-out log-likelihood of the mixture minus that of one Gaussian, per sample.

    ``mean_i log p_mix(z_i) - mean_i log N(z_i | m, S)``, where ``(m, S)`` are
    the mixture's overall mean and covariance (:func:`mixture_moments`, the
    single Gaussian of the training data) and ``z_i`` are the points the
    mixture models (``X``, or its codes for ``AutoencoderGMM``). Both terms
    shift by ``-log|det A|`` when the points are mapped by ``z -> A z + b``,
    so the gain does not depend on the scale or rotation of the codes: unlike
    the log-likelihood itself, it compares autoencoders of different scales
    and widths. It is the cluster structure, in nats per sample, that the
    mixture finds beyond one Gaussian. Larger is better; ``y`` is ignored.

    Parameters
    ----------
    estimator : fitted ``GaussianMixtureEM`` or ``AutoencoderGMM`` (with
        ``covariance_type='full'`` or ``'diag'``).
    X : array-like of shape (n_samples, n_features)
    y : ignored

    Returns
    -------
    float
    """
    from .gmm import log_gaussian_prob
    from .params import GMMParams

    mixture, points = _mixture_and_codes(estimator, X, "log_likelihood_gain_scorer")
    params = getattr(mixture, "params_", None)
    if params is None:
        raise ValueError(f"log_likelihood_gain_scorer needs a GaussianMixtureEM (params_), got {type(mixture).__name__}")
    mean, covariance = mixture_moments(params)
    single = GMMParams(np.ones(1), mean[None, :], covariance[None, :, :], "full")
    gain = mixture.score(points) - float(np.mean(log_gaussian_prob(points, single)[:, 0]))
    return _finite(gain, "log-likelihood gain", estimator)


_UNSUPERVISED = {"log_likelihood": log_likelihood_scorer, "bic": neg_bic_scorer,
                 "log_likelihood_gain": log_likelihood_gain_scorer}


def make_unsupervised_scorer(criterion="log_likelihood"):
    """The scorer for a criterion name.

    Parameters
    ----------
    criterion : {'log_likelihood', 'bic', 'log_likelihood_gain'}

    Returns
    -------
    callable ``scorer(estimator, X, y=None) -> float``, larger is better.
    """
    if criterion not in _UNSUPERVISED:
        raise ValueError(f"criterion must be one of {sorted(_UNSUPERVISED)}, got {criterion!r}")
    return _UNSUPERVISED[criterion]


# --------------------------------------------------------------------------- VAE as an estimator


class VAEEstimator(DensityMixin, BaseEstimator):
    """``vae.fit_vae`` as a scikit-learn estimator scored by held-out ELBO.

    So that ``GridSearchCV`` can choose ``latent_dim`` and ``beta`` without
    labels: ``score(X)`` is the ELBO of ``X`` in nats per example (larger is
    better), always the true ELBO (``beta = 1``) whatever ``beta`` training used.

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : tuple of int, default (64,)
    beta : float, default 1.0
        Weight of the KL term during training.
    likelihood : {'auto', 'bernoulli', 'gaussian'}, default 'auto'
    epochs : int, default 50
    batch_size : int, default 64
    learning_rate : float, default 1e-3
    n_elbo_samples : int, default 1
        Monte Carlo draws of z per example in :meth:`score`.
    random_state : int, default 0
        Seeds training and the draws of :meth:`score`.

    Attributes
    ----------
    model_ : vae.VAE
        The trained model.
    n_features_in_ : int
    """

    def __init__(self, latent_dim=2, *, hidden_units=(64,), beta=1.0, likelihood="auto", epochs=50,
                 batch_size=64, learning_rate=1e-3, n_elbo_samples=1, random_state=0):
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.beta = beta
        self.likelihood = likelihood
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_elbo_samples = n_elbo_samples
        self.random_state = random_state

    def fit(self, X, y=None):
        """Train a VAE on ``X`` of shape (n_samples, n_features); ``y`` is ignored. Returns self."""
        from .vae import fit_vae  # loads Keras: only estimators that are fitted pay for it

        X = check_array_2d(X)
        self.model_ = fit_vae(
            X, latent_dim=self.latent_dim, hidden_units=self.hidden_units, beta=self.beta,
            likelihood=self.likelihood, epochs=self.epochs, batch_size=self.batch_size,
            learning_rate=self.learning_rate, random_state=self.random_state,
        )
        self.n_features_in_ = X.shape[1]
        return self

    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise ValueError("this VAEEstimator is not fitted yet: call fit(X) first")

    def elbo(self, X):
        """``vae.elbo`` of ``X``: dict with ``elbo``, ``reconstruction``, ``kl`` (nats per example)."""
        from .vae import elbo

        self._check_fitted()
        return elbo(self.model_, X, n_samples=self.n_elbo_samples, random_state=self.random_state)

    def score(self, X, y=None):
        """Held-out ELBO of ``X`` of shape (n_samples, n_features), nats per example; ``y`` is ignored."""
        return _finite(self.elbo(X)["elbo"], "ELBO", self)

    def transform(self, X):
        """Posterior means of ``X``: ndarray of shape (n_samples, latent_dim)."""
        from .vae import encode

        self._check_fitted()
        return encode(self.model_, X)
