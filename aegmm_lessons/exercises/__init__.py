"""Self-checks for the lessons' exercises.

Every exercise in a notebook starts empty (``answer = None``) and ends with a
call to its check, which

- says "not attempted yet" for ``None`` (so the notebook still runs top to
  bottom);
- raises an ``AssertionError`` with a hint for a wrong answer;
- confirms a right one.

The checks of lesson NN live in ``aegmm_lessons.exercises.lessonNN``; each is a
few lines around :func:`check`. Their solutions sit at the end of each
notebook, in collapsed cells, and go through the same checks.
"""

import numpy as np

__all__ = ["check", "close_to"]


def close_to(expected, atol=1e-6):
    """A predicate: the answer has the shape of ``expected`` and is within ``atol``.

    Parameters
    ----------
    expected : array-like
    atol : float, default 1e-6

    Returns
    -------
    callable
        ``is_correct(answer) -> bool``.
    """
    expected = np.asarray(expected, dtype=float)

    def is_correct(answer):
        answer = np.asarray(answer, dtype=float)
        return answer.shape == expected.shape and bool(np.allclose(answer, expected, rtol=0.0, atol=atol))

    return is_correct


def check(name, answer, is_correct, hint):
    """Check one exercise's answer and say so.

    Parameters
    ----------
    name : str
        How the notebook names the exercise, e.g. ``"exercise 2"``.
    answer : object
        The learner's answer; ``None`` means not attempted.
    is_correct : callable
        ``is_correct(answer) -> bool``. An answer it cannot even compare (of
        the wrong type or shape) counts as wrong.
    hint : str
        What to reconsider, shown with a wrong answer.

    Returns
    -------
    bool
        True for a right answer, False when not attempted.

    Raises
    ------
    AssertionError
        For a wrong answer, with the hint.
    """
    if answer is None:
        print(f"{name}: not attempted yet (replace None with your answer)")
        return False
    try:
        correct = bool(is_correct(answer))
    except (TypeError, ValueError):
        correct = False
    if not correct:
        raise AssertionError(f"{name}: {answer!r} is not right. Hint: {hint}")
    print(f"{name}: correct")
    return True
