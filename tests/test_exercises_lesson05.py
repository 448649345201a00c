import pytest

from aegmm_lessons.exercises import lesson05

GRID = {"C": [0.1, 1.0, 10.0], "gamma": [0.1, 1.0]}


def test_halving_fits_accept_every_round_and_reject_the_exhaustive_count(capsys):
    lesson05.check_halving_fits(5 * (27 + 9 + 3 + 1))
    lesson05.check_halving_fits(None)
    assert capsys.readouterr().out.splitlines() == [
        "exercise 1: correct", "exercise 1: not attempted yet (replace None with your answer)"]
    with pytest.raises(AssertionError, match=r"5 x \(27 \+ 9 \+ 3 \+ 1\)"):
        lesson05.check_halving_fits(5 * 27)


def test_random_draws_reject_the_rounded_rule_of_thumb(capsys):
    lesson05.check_random_draws(59)
    assert capsys.readouterr().out == "exercise 2: correct\n"
    with pytest.raises(AssertionError, match="not to the next ten"):
        lesson05.check_random_draws(60)


def test_nested_fits_reject_a_count_without_refits(capsys):
    lesson05.check_nested_fits(5 * (6 * 4 + 1), GRID)
    assert capsys.readouterr().out == "exercise 3: correct\n"
    with pytest.raises(AssertionError, match="plus its refit"):
        lesson05.check_nested_fits(5 * 6 * 4, GRID)
