"""Checks for the exercises of lesson 05 (hyperparameter search)."""

import math

from ..automl import count_fits
from . import check, close_to

__all__ = ["check_halving_fits", "check_random_draws", "check_nested_fits"]


def check_halving_fits(n_fits, n_candidates=27, factor=3, n_splits=5):
    """Exercise 1: cross-validation fits of successive halving, every round fully resourced.

    Parameters
    ----------
    n_fits : int or None
    n_candidates, factor, n_splits : int, default 27, 3, 5
    """
    rounds = [n_candidates]
    while rounds[-1] > 1:
        rounds.append(math.ceil(rounds[-1] / factor))
    check("exercise 1", n_fits, close_to(n_splits * sum(rounds), atol=0),
          f"every round fits each of its candidates on every fold: {n_splits} x ({' + '.join(map(str, rounds))})")


def check_random_draws(n_draws, share_good=0.05, confidence=0.95):
    """Exercise 2: the fewest random draws that include a good candidate with the given confidence.

    Parameters
    ----------
    n_draws : int or None
    share_good, confidence : float, default 0.05, 0.95
    """
    expected = math.ceil(math.log(1 - confidence) / math.log(1 - share_good))
    check("exercise 2", n_draws, close_to(expected, atol=0),
          "the smallest n with 1 - 0.95**n >= 0.95: take logarithms and round up, not to the next ten")


def check_nested_fits(n_fits, param_grid, inner_cv=4, outer_cv=4):
    """Exercise 3: SVM fits of one nested-CV trial plus the non-nested search, refits included.

    Parameters
    ----------
    n_fits : int or None
    param_grid : dict
        The searched grid.
    inner_cv, outer_cv : int, default 4, 4
    """
    one_search = count_fits(param_grid, inner_cv)
    check("exercise 3", n_fits, close_to(outer_cv * one_search + one_search, atol=0),
          "each of the outer folds runs one whole search (candidates x inner folds, plus its refit); "
          "then add the non-nested search")
