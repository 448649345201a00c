"""Checks for lesson 05 (hyperparameter search)."""

import math

from ..automl import count_fits
from . import close_to
from . import exercise_legacy as exercise

__all__ = ["check_halving_fits", "check_random_draws", "check_nested_fits"]


def check_halving_fits(n_fits, n_candidates=27, factor=3, n_splits=5):
    """Exercise 1: cross-validation fits of successive halving, every round fully resourced."""
    rounds = [n_candidates]
    while rounds[-1] > 1:
        rounds.append(math.ceil(rounds[-1] / factor))
    hint = f"every round fits each of its candidates on every fold: {n_splits} x ({' + '.join(map(str, rounds))})"
    exercise(1, hint, verdict=False)(lambda n_fits: close_to(n_fits, n_splits * sum(rounds), atol=0))(n_fits)


@exercise(2, "the smallest n with 1 - 0.95**n >= 0.95: take logs and round up, not to the next ten", verdict=False)
def check_random_draws(n_draws, share_good=0.05, confidence=0.95):
    """The fewest random draws that include a good candidate with the given confidence."""
    return close_to(n_draws, math.ceil(math.log(1 - confidence) / math.log(1 - share_good)), atol=0)


@exercise(3, "each outer fold runs a whole search (candidates x folds + refit); add the non-nested one", verdict=False)
def check_nested_fits(n_fits, param_grid, inner_cv=4, outer_cv=4):
    """SVM fits of one nested-CV trial over ``param_grid`` plus the non-nested search, refits included."""
    return close_to(n_fits, (outer_cv + 1) * count_fits(param_grid, inner_cv), atol=0)
