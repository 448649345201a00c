"""Checks for the notebooks' exercises, one module a lesson: each says "not attempted yet" for an answer that is
still None, "correct" for a right answer, and raises an ``AssertionError`` with a hint for a wrong one."""

import functools

import numpy as np

__all__ = ["exercise", "close_to"]


def close_to(answer, expected, atol=1e-6):
    """Whether ``answer`` has the shape of ``expected`` and lies within ``atol`` of it."""
    answer, expected = np.asarray(answer, dtype=float), np.asarray(expected, dtype=float)
    return answer.shape == expected.shape and bool(np.allclose(answer, expected, rtol=0.0, atol=atol))


def exercise(number, hint, answers=1, verdict=True):
    """Make ``is_right(*answers, *data) -> bool`` the check of exercise ``number``.

    The first ``answers`` arguments are the learner's: not attempted while any is None or ``is_right`` returns None
    (say, for a function that returns None), wrong if ``is_right`` cannot compare them (TypeError, ValueError). The
    check returns True (right) or False (not attempted) if ``verdict``, else None, for a cell that ends with the call.
    """
    name = f"exercise {number}"

    def decorate(is_right):
        @functools.wraps(is_right)
        def check(*args, **kwargs):
            answer = args[0] if answers == 1 else args[:answers]
            wrong = f"{name}: {answer!r} is not right. Hint: {hint}"
            try:
                right = None if any(given is None for given in args[:answers]) else is_right(*args, **kwargs)
            except (TypeError, ValueError) as error:  # an answer of the wrong type or shape
                raise AssertionError(wrong) from error
            if right is None:
                print(f"{name}: not attempted yet (replace None with your answer)")
                return False if verdict else None
            if not right:
                raise AssertionError(wrong)
            print(f"{name}: correct")
            return True if verdict else None

        return check

    return decorate
