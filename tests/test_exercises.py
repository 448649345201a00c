import pytest

from aegmm_lessons.exercises import check, close_to


def test_check_says_not_attempted_for_none(capsys):
    assert check("exercise 1", None, close_to(3.0), "count them") is False
    assert capsys.readouterr().out == "exercise 1: not attempted yet (replace None with your answer)\n"


def test_check_confirms_a_right_answer(capsys):
    assert check("exercise 1", 3, close_to(3.0), "count them") is True
    assert capsys.readouterr().out == "exercise 1: correct\n"


@pytest.mark.parametrize("wrong", [4, "three", (3, 3), [[3.0]]])
def test_check_rejects_a_wrong_answer_with_the_hint(wrong):
    with pytest.raises(AssertionError, match="exercise 1: .* is not right. Hint: count them"):
        check("exercise 1", wrong, close_to(3.0), "count them")


def test_close_to_compares_shape_and_value_within_atol():
    assert close_to([1.0, 2.0], atol=0.1)([1.05, 1.95])
    assert not close_to([1.0, 2.0], atol=0.01)([1.05, 1.95])
    assert not close_to([1.0, 2.0])([1.0, 2.0, 3.0])


def test_lesson06_checks_accept_the_solutions_and_reject_a_wrong_answer():
    import numpy as np

    from aegmm_lessons.exercises import lesson06
    from aegmm_lessons.params import GMMParams

    assert lesson06.check_exercise_1(0.5 * (1.0 + 0.25 - 1.0 - np.log(0.25)))
    assert lesson06.check_exercise_2(np.log(10))
    prior = GMMParams(np.full(10, 0.1), np.zeros((10, 10)), np.tile(np.eye(10), (10, 1, 1)), "full")
    assert lesson06.check_exercise_3(9 + 100 + 550, prior)
    assert lesson06.check_exercise_1(None) is False
    with pytest.raises(AssertionError, match="exercise 2: .* Hint: the KL is largest"):
        lesson06.check_exercise_2(1.0)
