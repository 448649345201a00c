"""Checks for lesson 05 (hyperparameter search): the learner writes nested cross-validation as two loops, and the
schedule of successive halving; each check runs the function on fresh random inputs against scikit-learn's own."""

import copy
import numbers

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, ParameterGrid, cross_validate

from . import Mistake, NotAttemptedError, WrongAnswerError, exercise, function_check

__all__ = ["nested_cv_scores", "halving_schedule", "check_nested_cv", "check_halving_schedule"]


# --------------------------------------------------------------------------- nested cross-validation


def nested_cv_scores(estimator, param_grid, X, y, outer_cv, inner_cv):
    """Scores of nested cross-validation, one per outer fold: scikit-learn's two lines.

    Parameters
    ----------
    estimator : estimator with ``score``
    param_grid : dict of name -> list of values
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    outer_cv, inner_cv : cross-validation splitters (``KFold``, ...)

    Returns
    -------
    ndarray of shape (outer_cv.get_n_splits(),)
        The score, on each outer test fold, of the winner of a grid search over ``inner_cv`` folds of the outer
        training part, refitted on that whole part.
    """
    return cross_validate(GridSearchCV(estimator, param_grid, cv=inner_cv), X, y, cv=outer_cv)["test_score"]


def _fit_score(estimator, params, X_fit, y_fit, X_score, y_score):
    return clone(estimator).set_params(**params).fit(X_fit, y_fit).score(X_score, y_score)


def _tuned_on_the_outer_test_fold(estimator, param_grid, X, y, outer_cv, inner_cv):
    """Mistake: the candidate is chosen by its score on the outer test fold, which then reports it."""
    return np.array([max(_fit_score(estimator, params, X[train], y[train], X[test], y[test])
                         for params in ParameterGrid(param_grid)) for train, test in outer_cv.split(X, y)])


def _inner_best_score(estimator, param_grid, X, y, outer_cv, inner_cv):
    """Mistake: each outer fold reports the inner search's best score, not the winner's score on the outer fold."""
    return np.array([GridSearchCV(estimator, param_grid, cv=inner_cv).fit(X[train], y[train]).best_score_
                     for train, _ in outer_cv.split(X, y)])


def _one_search_on_all_the_data(estimator, param_grid, X, y, outer_cv, inner_cv):
    """Mistake: one search on all the data picks the candidate that every outer fold then scores."""
    best = GridSearchCV(estimator, param_grid, cv=inner_cv).fit(X, y).best_params_
    return np.array([_fit_score(estimator, best, X[train], y[train], X[test], y[test])
                     for train, test in outer_cv.split(X, y)])


def _inner_indices_into_all_the_data(estimator, param_grid, X, y, outer_cv, inner_cv):
    """Mistake: the inner split's positions (within the outer training part) index the whole of X."""
    scores = []
    for train, test in outer_cv.split(X, y):
        candidates = list(ParameterGrid(param_grid))
        means = [np.mean([_fit_score(estimator, params, X[fit], y[fit], X[held], y[held])
                          for fit, held in inner_cv.split(X[train], y[train])]) for params in candidates]
        best = candidates[int(np.argmax(means))]
        scores.append(_fit_score(estimator, best, X[train], y[train], X[test], y[test]))
    return np.array(scores)


def _draw_regression(rng):
    """A ridge regression problem: continuous scores, so no two candidates tie."""
    n_samples, n_features = int(rng.integers(40, 71)), int(rng.integers(4, 9))
    X = rng.normal(size=(n_samples, n_features))
    y = X @ rng.normal(size=n_features) + rng.normal(scale=2.0, size=n_samples)
    outer_cv = KFold(int(rng.integers(3, 6)), shuffle=True, random_state=int(rng.integers(1000)))
    inner_cv = KFold(int(rng.integers(3, 5)), shuffle=True, random_state=int(rng.integers(1000)))
    return Ridge(), {"alpha": [0.01, 1.0, 10.0, 100.0]}, X, y, outer_cv, inner_cv


check_nested_cv = function_check(
    "nested cross-validation", nested_cv_scores, _draw_regression,
    hint="for each outer fold: search over inner folds of the outer training part only, refit the winner on that "
         "whole part, then score it once on the outer test fold",
    seed=5,  # its first draw tells every named mistake from the right scores and from each other
    mistakes={
        "tuned on the outer test fold": Mistake(
            _tuned_on_the_outer_test_fold,
            "the candidate was chosen by its score on the outer test fold: that fold must play no part in choosing, "
            "or its score is as optimistic as best_score_ (choose with the inner folds only)"),
        "reported the inner best score": Mistake(
            _inner_best_score,
            "these are the inner searches' best scores, biased upwards like best_score_: report the winner's score "
            "on the outer test fold it never saw"),
        "one search on all the data": Mistake(
            _one_search_on_all_the_data,
            "one search on all the data chose the candidate, so every outer test fold helped to choose it: run a "
            "search inside each outer training part"),
        "inner positions used on all the data": Mistake(
            _inner_indices_into_all_the_data,
            "inner_cv.split(X[train]) gives positions within X[train]: index X[train] with them, not X"),
    })


# --------------------------------------------------------------------------- successive halving's schedule


def halving_schedule(n_candidates, factor, min_resources, max_resources):
    """The rounds of scikit-learn's successive halving (``HalvingGridSearchCV``, ``aggressive_elimination=False``).

    Round ``i`` fits its candidates on ``min_resources * factor**i`` samples; the best ``ceil(n / factor)`` go on.
    There are ``1 + floor(log_factor(n_candidates))`` rounds (enough to bring the candidates below ``factor``),
    fewer if a round would need more than ``max_resources`` samples.

    Parameters
    ----------
    n_candidates, factor, min_resources, max_resources : int
        ``factor >= 2`` and ``1 <= min_resources <= max_resources``.

    Returns
    -------
    ndarray of shape (n_rounds, 2)
        ``(candidates, samples per fit)`` of each round.
    """
    n_required = n_possible = 1
    while factor**n_required <= n_candidates:  # rounds until a round leaves one candidate
        n_required += 1
    while min_resources * factor**n_possible <= max_resources:  # rounds whose resources fit under the maximum
        n_possible += 1
    rounds = []
    for i in range(min(n_required, n_possible)):
        rounds.append((n_candidates, min_resources * factor**i))
        n_candidates = -(-n_candidates // factor)
    return np.array(rounds, dtype=int)


def _halving_with_floor(n_candidates, factor, min_resources, max_resources):
    """Mistake: the candidates that go on are rounded down."""
    rounds = halving_schedule(n_candidates, factor, min_resources, max_resources)
    for i in range(1, len(rounds)):
        rounds[i, 0] = rounds[i - 1, 0] // factor
    return rounds


def _halving_past_the_maximum(n_candidates, factor, min_resources, max_resources):
    """Mistake: all the rounds the candidates need, even those that need more than ``max_resources`` samples."""
    return halving_schedule(n_candidates, factor, min_resources, min_resources * factor * n_candidates)


def _halving_counted_down_from_the_maximum(n_candidates, factor, min_resources, max_resources):
    """Mistake: the last round gets ``max_resources`` and each earlier one ``factor`` times fewer."""
    rounds = halving_schedule(n_candidates, factor, min_resources, max_resources)
    rounds[:, 1] = max_resources // factor ** np.arange(len(rounds))[::-1]
    return rounds


_HALVING_MISTAKES = {
    "rounded down": Mistake(
        _halving_with_floor,
        "with 10 candidates and factor 3, how many go on? scikit-learn keeps a round's best ceil(n / factor), so "
        "no round is ever left empty"),
    "past max_resources": Mistake(
        _halving_past_the_maximum,
        "a round cannot use more than max_resources samples: stop when the next round's samples would exceed it, "
        "even if several candidates remain"),
    "counted down from the maximum": Mistake(
        _halving_counted_down_from_the_maximum,
        "scikit-learn's first round uses min_resources samples and each round multiplies them by factor; it does "
        "not count down from max_resources"),
}


def _draw_halving(rng):
    """Inputs where every named mistake gives another schedule: rounds cut short by the resources, ratios that
    are no power of ``factor``, candidates that ``factor`` does not divide."""
    while True:
        factor = int(rng.integers(2, 5))
        n_candidates = int(rng.integers(factor**3 + 1, 200))
        min_resources = int(rng.integers(5, 40))
        max_resources = min_resources * factor ** int(rng.integers(1, 3)) + int(rng.integers(1, min_resources))
        inputs = (n_candidates, factor, min_resources, max_resources)
        right = halving_schedule(*inputs)
        if all(not np.array_equal(right, mistake.version(*inputs)) for mistake in _HALVING_MISTAKES.values()):
            return inputs


def _as_schedule(result):
    """The learner's schedule as a float array of shape (n_rounds, 2), refusing text and True/False with a hint."""
    if isinstance(result, str | bytes):
        raise WrongAnswerError(f"one (candidates, samples) pair per round is asked for, and {result!r} is text")
    items = np.asarray(result, dtype=object)
    if items.ndim != 2 or items.shape[1] != 2:
        raise WrongAnswerError(f"your function returns an array of shape {items.shape}, where one "
                               "(candidates, samples) pair per round is asked for")
    for item in items.ravel():
        if isinstance(item, bool | np.bool_):
            raise WrongAnswerError(f"whole numbers are asked for, not {bool(item)}: True and False are not counts")
        if not isinstance(item, numbers.Real):
            raise WrongAnswerError(f"whole numbers are asked for, and {item!r} is not one")
    return items.astype(float)


@exercise("successive halving's schedule", _HALVING_MISTAKES)
def check_halving_schedule(function, n_trials=4, seed=0):
    """Check the learner's ``halving_schedule(n_candidates, factor, min_resources, max_resources)``.

    The function returns one ``(candidates, samples per fit)`` pair a round, as a list of pairs or an array of
    shape (n_rounds, 2); it runs on fresh random inputs against :func:`halving_schedule`, which agrees with
    scikit-learn's ``HalvingGridSearchCV``.
    """
    if not callable(function):
        raise WrongAnswerError("a function is asked for: define it with def and pass its name, without calling it")
    rng = np.random.default_rng(seed)
    for _ in range(n_trials):
        inputs = _draw_halving(rng)
        where = "n_candidates={}, factor={}, min_resources={}, max_resources={}".format(*inputs)
        try:
            result = function(*copy.deepcopy(inputs))
        except Exception as error:
            raised = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            raise WrongAnswerError(f"your function raised {raised} for {where}. Hint: start from "
                                   "min_resources samples and the n_candidates, and add one round at a time") from error
        if result is None:
            raise NotAttemptedError("your function still returns None")
        given = _as_schedule(result)
        if np.array_equal(given, halving_schedule(*inputs)):
            continue
        for mistake in _HALVING_MISTAKES.values():
            if np.array_equal(given, mistake.version(*inputs)):
                raise WrongAnswerError(f"your schedule is not right for {where}. Hint: {mistake.hint}")
        raise WrongAnswerError(f"your schedule is not right for {where}. Hint: each round keeps the best "
                               "ceil(n / factor) and multiplies the samples by factor, from min_resources, while "
                               "both limits allow")
