"""Checks for the notebooks' exercises, one module a lesson, judging the way a teacher would.

A check is named by its topic (``check_m_step``) and called with the learner's answer, then the data the exercise
uses. It prints ``<topic>: not attempted yet`` while the answer is None (or a function still returns None),
``<topic>: correct`` for a right answer in any form a learner gives (a Python or NumPy number, an array of size one,
a number rounded to the digits the exercise asks for), and raises :class:`WrongAnswerError` (an ``AssertionError``)
with a hint otherwise. The hints are distinct: a wrong type (text or True/False where a number is asked for), a wrong
shape, rounding, an exception raised by the learner's code, each named conceptual mistake, and last the exercise's
own hint. No hint states the answer.

Two kinds of check are built the same way:

* :func:`number_check` for an answer that is a number, an array or a tuple of numbers;
* :func:`function_check` for a coding exercise: the learner's function runs on fresh random inputs drawn by the
  check's own seeded generator and is compared with the package's version; mistaken versions of the function
  recognise the named mistakes.

Each named mistake is a :class:`Mistake`: ``version`` computes what the mistake gives (from the check's data for a
number; in place of the learner's function for a coding exercise) and ``hint`` points at it. A check keeps its
mistakes in ``check.mistakes`` (name -> Mistake), so that the tests can feed each one to it.
Checks that need their own logic use :func:`exercise` around :func:`judge_number` and :func:`judge_function`.
"""

import copy
import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = ["Mistake", "WrongAnswerError", "NotAttemptedError", "exercise", "number_check", "function_check",
           "judge_number", "judge_function", "judge_flag"]

#: Tolerance for numbers the learner computes with code (relative, absolute), unless the check states another.
COMPUTED_RTOL, COMPUTED_ATOL = 1e-6, 1e-9


class Mistake(NamedTuple):
    """A named conceptual mistake: what it gives (``version``) and the hint that points at it."""

    version: Callable
    hint: str


class WrongAnswerError(AssertionError):
    """A wrong answer; the message is the hint."""


class NotAttemptedError(Exception):
    """The answer is still None, or the learner's function still returns None."""


def exercise(topic, mistakes=None):
    """Make ``judge(answer, *data)`` the check of the exercise on ``topic``.

    ``judge`` raises :class:`NotAttemptedError` or :class:`WrongAnswerError`, or returns for a right answer. The check
    prints the verdict, raises ``WrongAnswerError("<topic>: <hint>")`` for a wrong answer, turns any other exception
    (an answer of a kind the check cannot use) into a ``WrongAnswerError`` that names it, and returns None.
    ``mistakes`` (name -> :class:`Mistake`) is kept as ``check.mistakes``, and ``topic`` as ``check.topic``.
    """

    def decorate(judge):
        @functools.wraps(judge)
        def check(answer, *data, **options):
            try:
                if answer is None or (isinstance(answer, tuple) and any(part is None for part in answer)):
                    raise NotAttemptedError("replace None with your answer")
                judge(answer, *data, **options)
            except NotAttemptedError as reason:
                print(f"{topic}: not attempted yet ({reason})")
                return None
            except WrongAnswerError as wrong:
                raise WrongAnswerError(f"{topic}: {wrong}") from None
            except Exception as error:  # the answer is of a kind the check cannot use
                raise WrongAnswerError(f"{topic}: your answer could not be checked: {_describe(error)}") from error
            print(f"{topic}: correct")
            return None

        check.topic, check.mistakes = topic, dict(mistakes or {})
        return check

    return decorate


def number_check(topic, expected, *, hint, mistakes=None, digits=None, atol=None, rtol=None, units=""):
    """A check of ``check(answer, *data)`` against ``expected(*data)`` (a number, an array or a tuple of them).

    ``digits`` (decimal places the exercise asks for) or ``atol``/``rtol`` (a tolerance the exercise states) set
    what counts as right; see :func:`judge_number`. Each mistake's ``version(*data)`` gives its wrong value.
    """

    @exercise(topic, mistakes)
    def check(answer, *data, **named):
        judge_number(answer, expected(*data, **named), hint=hint, digits=digits, atol=atol, rtol=rtol, units=units,
                     mistakes={name: (mistake.version(*data, **named), mistake.hint)
                               for name, mistake in (mistakes or {}).items()})

    check.__doc__ = f"Check the answer to the exercise on {topic}: ``check(answer, *data, **named)``."
    return check


def function_check(topic, reference, draw_inputs, *, hint, mistakes=None, n_trials=3, seed=0, atol=COMPUTED_ATOL,
                   rtol=COMPUTED_RTOL):
    """A check of a learner's function against ``reference`` on inputs from ``draw_inputs(rng)`` (a tuple of args).

    Each of ``n_trials`` trials draws fresh inputs from ``numpy.random.default_rng(seed)``; see
    :func:`judge_function`. Each mistake's ``version`` is a mistaken version of the function.
    """

    @exercise(topic, mistakes)
    def check(function):
        judge_function(function, reference, draw_inputs, hint=hint, n_trials=n_trials, seed=seed, atol=atol,
                       rtol=rtol, mistakes={name: (mistake.version, mistake.hint)
                                            for name, mistake in (mistakes or {}).items()})

    check.__doc__ = f"Check the learner's function for the exercise on {topic}: ``check(function)``."
    return check


def judge_number(answer, expected, *, hint, mistakes=None, digits=None, atol=None, rtol=None, units=""):
    """Return if ``answer`` is ``expected`` within the tolerance; else raise :class:`WrongAnswerError` with a hint.

    Parameters
    ----------
    answer : number, array-like or tuple of numbers
        The learner's answer. A single number may come as a NumPy scalar or an array of size one.
    expected : number, array-like or tuple of numbers
    hint : str
        Said when the answer is wrong for no reason the check can name.
    mistakes : dict, optional
        ``name -> (wrong value, hint)``: an answer that matches a wrong value gets that hint.
    digits : int, optional
        Decimal places the exercise asks for: right within half a unit of the last place (0.818 for 0.8181).
    atol, rtol : float, optional
        A tolerance the exercise states; without ``digits`` or these, :data:`COMPUTED_RTOL` and
        :data:`COMPUTED_ATOL`, for numbers computed with code.
    units : str, optional
        Named in the rounding hint ("MB").
    """
    given, wanted = _numbers(answer), _numbers(expected)
    if wanted.size == 1 and given.size == 1:
        given, wanted = given.reshape(()), wanted.reshape(())
    elif given.shape != wanted.shape:
        raise WrongAnswerError(f"{_shape_words(given)} is not what is asked for: {_shape_words(wanted)}. "
                               f"Hint: {hint}")
    if digits is not None:
        atol, rtol = 0.5 * 10.0 ** -digits * (1 + 1e-9), 0.0
    elif atol is None and rtol is None:
        atol, rtol = COMPUTED_ATOL, COMPUTED_RTOL
    atol, rtol = atol or 0.0, rtol or 0.0
    if _close(given, wanted, atol, rtol):
        return
    for wrong, mistake_hint in (mistakes or {}).values():
        wrong = _numbers(wrong).reshape(wanted.shape) if np.size(wrong) == wanted.size else None
        if wrong is not None and _close(given, wrong, atol, rtol, same_nan=True):
            raise WrongAnswerError(f"not right. Hint: {mistake_hint}")
    if _rounded_too_far(given, wanted):
        if digits is not None:
            places = "a whole number" if digits == 0 else f"{digits} decimal place{'s' if digits > 1 else ''}"
            raise WrongAnswerError(f"close, but rounded differently from what the exercise asks: round to {places}"
                                   f"{units and ' of ' + units}, from the unrounded value (rounding, not cutting off)")
        within = atol + rtol * float(np.abs(wanted).max())
        raise WrongAnswerError(f"close, but not close enough (within {within:.2g}): "
                               "keep every digit, rounding only at the end")
    raise WrongAnswerError(f"not right. Hint: {hint}")


def judge_function(function, reference, draw_inputs, *, hint, mistakes=None, n_trials=3, seed=0,
                   atol=COMPUTED_ATOL, rtol=COMPUTED_RTOL):
    """Return if ``function`` agrees with ``reference`` on fresh random inputs; else raise with a hint.

    Parameters
    ----------
    function : callable
        The learner's function. While it returns None, the exercise is not attempted.
    reference : callable
        The package's version, called with the same arguments.
    draw_inputs : callable
        ``draw_inputs(rng) -> tuple`` of arguments; ``rng`` is ``numpy.random.default_rng(seed)``, so each trial
        draws new inputs (new shapes too, where the drawer varies them) and every run of the check the same ones.
    hint : str
        Said when the results differ for no reason the check can name.
    mistakes : dict, optional
        ``name -> (mistaken function, hint)``: results that match a mistaken function's get that hint.
    n_trials : int, default 3
    seed : int, default 0
    atol, rtol : float
        Tolerance on every entry of the results.
    """
    if not callable(function):
        raise WrongAnswerError(f"a function is asked for, and {_kind(function)} is not one: define it with def and "
                               "pass its name, without calling it")
    rng = np.random.default_rng(seed)
    for _ in range(n_trials):
        inputs = draw_inputs(rng)
        try:
            result = function(*copy.deepcopy(inputs))
        except Exception as error:
            raise WrongAnswerError(f"your function raised {_describe(error)} on inputs {_shapes(inputs)}. "
                                   f"Hint: {hint}") from error
        if result is None:
            raise NotAttemptedError("your function still returns None")
        wanted = reference(*copy.deepcopy(inputs))
        given = _results(result, wanted)
        if _all_close(given, _results(wanted, wanted), atol, rtol):
            continue
        for version, mistake_hint in (mistakes or {}).values():
            try:
                wrong = _results(version(*copy.deepcopy(inputs)), wanted)
            except Exception:  # a mistake that cannot run on these inputs is not this one
                continue
            if _all_close(given, wrong, atol, rtol, same_nan=True):
                raise WrongAnswerError(f"your function gives a wrong result on inputs {_shapes(inputs)}. "
                                       f"Hint: {mistake_hint}")
        if not all(np.all(np.isfinite(part)) for part in given):
            raise WrongAnswerError(f"your function returns nan or inf on inputs {_shapes(inputs)}, where every "
                                   f"entry should be finite. Hint: {hint}")
        raise WrongAnswerError(f"your function gives a wrong result on inputs {_shapes(inputs)}. Hint: {hint}")


def judge_flag(answer, expected, *, hint):
    """Return if ``answer`` is the truth value ``expected`` (True or False, not 1 or "yes"); else raise."""
    if not isinstance(answer, bool | np.bool_):
        raise WrongAnswerError(f"True or False is asked for, and {_kind(answer)} is neither")
    if bool(answer) != bool(expected):
        raise WrongAnswerError(f"not right. Hint: {hint}")


def _numbers(answer):
    """``answer`` as a float array, refusing text, True/False and other non-numbers with a hint."""
    parts = answer if isinstance(answer, tuple | list) else [answer]
    for part in parts:
        if isinstance(part, str | bytes):
            raise WrongAnswerError(f"a number is asked for, and {part!r} is text: write the number without quotes")
        if isinstance(part, bool | np.bool_):
            raise WrongAnswerError(f"a number is asked for, not {bool(part)}: True and False are not numbers here")
        if part is None:
            raise WrongAnswerError("a number is asked for, not None")
    if isinstance(answer, tuple | list) and answer:
        # Each part on its own: a package's (1,)-shaped output stands for one number, (44.36, np.array([0])).
        arrays = [_numbers(part) for part in answer]
        arrays = [a.reshape(()) if a.size == 1 and not isinstance(part, tuple | list) else a
                  for a, part in zip(arrays, answer, strict=True)]
        if len({a.shape for a in arrays}) > 1:
            raise WrongAnswerError("the parts of your answer have different shapes: "
                                   + ", ".join(_shape_words(a) for a in arrays))
        return np.stack(arrays)
    array = np.asarray(answer)
    if array.dtype.kind == "b":
        raise WrongAnswerError("numbers are asked for, not True/False values")
    if array.dtype.kind not in "iuf":
        raise WrongAnswerError(f"a number is asked for, and {_kind(answer)} is not one")
    return array.astype(float)


def _rounded_too_far(given, wanted):
    """Whether ``given`` is ``wanted`` rounded or cut off at the decimals ``given`` shows (0.82 for 0.8187)."""
    for decimals in range(13):
        scaled = given * 10.0**decimals
        if np.allclose(scaled, np.round(scaled), rtol=0.0, atol=1e-6):
            return bool(np.all(np.abs(given - wanted) < 10.0**-decimals * (1 - 1e-9)))
    return False


def _close(given, wanted, atol, rtol, same_nan=False):
    """Whether ``given`` is ``wanted`` within the tolerance: finite, or (``same_nan``, for a mistake) NaN alike."""
    if same_nan:
        return bool(np.allclose(given, wanted, rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.all(np.isfinite(given)) and np.allclose(given, wanted, rtol=rtol, atol=atol))


def _results(result, like):
    """``result`` as a list of float arrays shaped like ``like``'s (one array, or a tuple of them)."""
    if isinstance(like, tuple):
        if isinstance(result, str | bytes | bool | np.bool_):
            _numbers(result)  # says "text" or "True/False"
        if not isinstance(result, tuple | list) or len(result) != len(like):
            raise WrongAnswerError(f"your function should return {len(like)} things (a tuple), and it returns "
                                   f"{_kind(result)}")
        return [part for given, wanted in zip(result, like, strict=True) for part in _results(given, wanted)]
    given, wanted = _numbers(result), np.asarray(like, dtype=float)
    if given.shape != wanted.shape and not (given.size == wanted.size == 1):
        raise WrongAnswerError(f"your function returns {_shape_words(given)}, where {_shape_words(wanted)} is "
                               "asked for")
    return [given.reshape(wanted.shape)]


def _all_close(given, wanted, atol, rtol, same_nan=False):
    return all(_close(g, w, atol, rtol, same_nan) for g, w in zip(given, wanted, strict=True))


def _describe(error):
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _kind(value):
    return f"{value!r}" if isinstance(value, str | bytes | bool | np.bool_) else f"a {type(value).__name__}"


def _shape_words(array):
    return "a single number" if array.size == 1 and array.ndim <= 1 else f"an array of shape {array.shape}"


def _shapes(inputs):
    return "(" + ", ".join(f"shape {np.shape(x)}" if isinstance(x, np.ndarray) else type(x).__name__
                           for x in inputs) + ")"
