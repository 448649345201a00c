"""Every exercise check accepts its solution, rejects plausible mistakes with its hint and says "not attempted" for
None, with the printed lines that the notebooks' stored outputs show."""

import functools
import inspect
import re
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import logsumexp

from aegmm_lessons.exercises import (
    close_to,
    exercise,
    lesson00,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
)
from aegmm_lessons.gmm import GaussianMixtureEM, e_step, log_gaussian_prob
from aegmm_lessons.params import GMMParams
from aegmm_lessons.refine import refine

NOT_ATTEMPTED = "not attempted yet (replace None with your answer)\n"


def test_exercise_says_not_attempted_for_none_without_computing_the_reference(capsys):
    reference_calls = []

    @exercise(2, "count them")
    def check_count(answer, n):
        reference_calls.append(n)
        return close_to(answer, n)

    assert check_count(None, 3) is False
    assert capsys.readouterr().out == "exercise 2: " + NOT_ATTEMPTED
    assert reference_calls == []


@pytest.mark.parametrize("verdict", [True, False])
def test_exercise_confirms_a_right_answer_and_returns_the_verdict_only_if_asked(verdict, capsys):
    check_count = exercise(1, "count them", verdict=verdict)(lambda answer, n: close_to(answer, n))
    assert check_count(3, 3) is (True if verdict else None)
    assert check_count(None, 3) is (False if verdict else None)
    assert capsys.readouterr().out == "exercise 1: correct\nexercise 1: " + NOT_ATTEMPTED


@pytest.mark.parametrize("wrong", [4, "three", (3, 3), [[3.0]], {"n": 3}])
def test_exercise_rejects_a_wrong_or_uncomparable_answer_with_the_hint(wrong, capsys):
    check_count = exercise(1, "count them")(lambda answer, n: close_to(answer, n))
    with pytest.raises(AssertionError, match=re.escape(f"exercise 1: {wrong!r} is not right. Hint: count them")):
        check_count(wrong, 3)
    assert capsys.readouterr().out == ""


def test_exercise_with_two_answers_is_not_attempted_while_either_is_none(capsys):
    @exercise(1, "add them", answers=2)
    def check_pair(first, second, total):
        """Two numbers that add up to ``total``."""
        return close_to(first + second, total)

    assert [check_pair(None, 1, 3), check_pair(1, None, 3), check_pair(1, 2, 3)] == [False, False, True]
    assert capsys.readouterr().out == 2 * ("exercise 1: " + NOT_ATTEMPTED) + "exercise 1: correct\n"
    with pytest.raises(AssertionError, match=re.escape("exercise 1: (1, 1) is not right. Hint: add them")):
        check_pair(1, 1, 3)
    assert check_pair.__name__ == "check_pair" and list(inspect.signature(check_pair).parameters) == [
        "first", "second", "total"]


def test_exercise_lets_a_failure_of_the_check_itself_through():
    @exercise(1, "count them")
    def check_count(answer, model):
        return close_to(answer, model.n_parameters)

    with pytest.raises(AttributeError, match="n_parameters"):
        check_count(3, object())


def test_close_to_compares_shape_and_value_within_atol():
    assert close_to([1.05, 1.95], [1.0, 2.0], atol=0.1)
    assert not close_to([1.05, 1.95], [1.0, 2.0], atol=0.01)
    assert not close_to([1.0, 2.0, 3.0], [1.0, 2.0])
    assert not close_to(np.nan, np.nan)


@dataclass
class Case:
    """One exercise: its check, the arguments after the answer, the solution and plausible mistakes."""

    check: object
    number: int
    data: tuple
    solution: object
    mistakes: dict
    hint: str  # a regular expression the hint must match
    answers: int = 1

    def __call__(self, answer):
        return self.check(*(answer if self.answers > 1 else (answer,)), *self.data)

    def verdict(self, value):
        """Lessons 00, 01 and 06 keep the verdict in ``_``; the others end a cell with the call and return None."""
        return value if self.check.__module__.endswith(("lesson00", "lesson01", "lesson06")) else None


# Lesson 00

@functools.cache
def small_autoencoder():
    from aegmm_lessons import repro

    repro.setup(0, tensorflow=True)
    from aegmm_lessons.autoencoder import build_autoencoder

    encoder, _, autoencoder = build_autoencoder(64, 2, hidden_units=(32,), output_activation="sigmoid")
    return encoder, autoencoder


@functools.cache
def fitted_gmm():
    X = np.random.default_rng(0).normal(size=(120, 1))
    return GaussianMixtureEM(2, random_state=0).fit(X), X


def kl_to_standard_normal(mean, variance):
    return 0.5 * (mean**2 + variance - np.log(variance) - 1)


def lesson00_free_parameters():
    K, d = 4, 3
    return Case(lesson00.check_free_parameters, 1, (K, d), (K - 1) + K * d + K * d * (d + 1) // 2, {
        "K weights, forgetting that they sum to one": K + K * d + K * d * (d + 1) // 2,
        "d*d covariance entries, forgetting symmetry": (K - 1) + K * d + K * d * d,
    }, r"d\(d \+ 1\)/2")


def lesson00_kl_divergence():
    return Case(lesson00.check_kl_divergence, 2, (1.0, 0.5), kl_to_standard_normal(1.0, 0.5**2), {
        "std for the variance": kl_to_standard_normal(1.0, 0.5),
        "no factor 1/2": 2 * kl_to_standard_normal(1.0, 0.5**2),
        "KL(p || q)": np.log(0.5) + (1.0 + 1.0**2) / (2 * 0.5**2) - 0.5,
    }, "variance")


def lesson00_grid_search_fits():
    return Case(lesson00.check_grid_search_fits, 3, (), 3 * 4 * 5 + 1, {"no refit": 3 * 4 * 5}, "refit")


def lesson00_output_shapes():
    encoder, autoencoder = small_autoencoder()
    X = np.random.default_rng(0).uniform(size=(10, 64))
    return Case(lesson00.check_output_shapes, 4, (encoder, autoencoder, X), ((10, 2), (10, 64)), {
        "codes and reconstructions swapped": ((10, 64), (10, 2)),
        "reconstructions of latent width": ((10, 2), (10, 2)),
    }, "latent width")


def lesson00_bic():
    gmm, X = fitted_gmm()
    n, p, mean_log_likelihood = len(X), gmm.params_.n_parameters, gmm.score(X)
    return Case(lesson00.check_bic, 5, (gmm, X), -2 * mean_log_likelihood * n + p * np.log(n), {
        "mean log-likelihood for log L": -2 * mean_log_likelihood + p * np.log(n),
        "AIC's penalty": -2 * mean_log_likelihood * n + 2 * p,
    }, "n times")


# Lesson 01: the lesson's mixture, three overlapping components, two of them tilted.

TRUTH = GMMParams(
    weights=[0.5, 0.3, 0.2],
    means=[[0.0, 0.0], [3.0, 1.5], [0.5, 3.5]],
    covariances=[[[1.0, 0.6], [0.6, 1.0]], [[0.6, -0.3], [-0.3, 0.8]], [[0.3, 0.0], [0.0, 1.2]]],
)


def draw(n_samples, seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice(TRUTH.n_components, size=n_samples, p=TRUTH.weights)
    factors = np.linalg.cholesky(TRUTH.covariances)[labels]
    return TRUTH.means[labels] + np.einsum("nij,nj->ni", factors, rng.standard_normal((n_samples, 2)))


def stable_responsibilities(X, params):
    log_terms = log_gaussian_prob(X, params) + np.log(params.weights)
    return np.exp(log_terms - logsumexp(log_terms, axis=1, keepdims=True))


def naive_responsibilities(X, params):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = params.weights * np.exp(log_gaussian_prob(X, params))
        return terms / terms.sum(axis=1, keepdims=True)


def normalised_over_points(X, params):
    log_terms = log_gaussian_prob(X, params) + np.log(params.weights)
    return np.exp(log_terms - logsumexp(log_terms, axis=0, keepdims=True))


def without_keepdims(X, params):
    log_terms = log_gaussian_prob(X, params) + np.log(params.weights)
    return np.exp(log_terms - logsumexp(log_terms, axis=1))


def lesson01_responsibilities():
    return Case(lesson01.check_responsibilities, 1, (TRUTH, draw(50, 1)), stable_responsibilities, {
        "densities without log-sum-exp": naive_responsibilities,
        "normalised over the points": normalised_over_points,
        "logsumexp without keepdims": without_keepdims,
    }, "logsumexp")


def lesson01_parameter_counts():
    K, d = TRUTH.n_components, TRUTH.n_features
    return Case(lesson01.check_parameter_counts, 2, (TRUTH,), (2 + 6 + 9, 2 + 6 + 6), {
        "K weights, forgetting that they sum to one": (3 + 6 + 9, 3 + 6 + 6),
        "d*d entries for a full covariance": (2 + 6 + K * d * d, 2 + 6 + 6),
        "a diagonal covariance counted like a full one": (2 + 6 + 9, 2 + 6 + 9),
    }, r"d\(d \+ 1\)/2")


def lesson01_diagonal_bic_choice():
    # On this sample BIC picks 4 diagonal components (2174 against 2194 for 5 and 2205 for 3).
    return Case(lesson01.check_diagonal_bic_choice, 3, (draw(300, 1),), 4, {"the true K": 3}, "tilt")


def lesson01_reg_covar():
    return Case(lesson01.check_reg_covar, 4, (draw(500, 3),), (True, 1e-6), {
        "a collapsed component of variance zero": (True, 0.0),
        "no error without reg_covar": (False, 1e-6),
        "not a yes/no answer": (1.0, 1e-6),
        "not a pair": 1e-6,
    }, r"reg_covar \* I")


# Lesson 02

@functools.cache
def digit_autoencoder():
    from aegmm_lessons import repro

    repro.setup(0, tensorflow=True)
    from aegmm_lessons.autoencoder import build_autoencoder

    return build_autoencoder(64, 10, hidden_units=(64,), output_activation="sigmoid")[2]


def pair_auc(scores, is_anomaly, ties=0.5):
    anomalous, normal = scores[is_anomaly == 1], scores[is_anomaly == 0]
    return np.mean(anomalous[:, None] > normal[None, :]) + ties * np.mean(anomalous[:, None] == normal[None, :])


def lesson02_trainable_numbers():
    return Case(lesson02.check_trainable_numbers, 1, (digit_autoencoder(),),
                (64 * 64 + 64) + (64 * 10 + 10) + (10 * 64 + 64) + (64 * 64 + 64),
                {"weights without biases": 64 * 64 + 64 * 10 + 10 * 64 + 64 * 64}, "biases")


def lesson02_free_parameters():
    gmm = GaussianMixtureEM(3, random_state=0).fit(np.random.default_rng(0).normal(size=(200, 10)))
    return Case(lesson02.check_free_parameters, 2, (gmm,), 2 + 3 * 10 + 3 * 10 * 11 // 2, {
        "K weights, forgetting that they sum to one": 3 + 3 * 10 + 3 * 10 * 11 // 2,
        "d*d covariance entries, forgetting symmetry": 2 + 3 * 10 + 3 * 10 * 10,
    }, r"d\(d \+ 1\)/2")


def lesson02_auc_by_pairs():
    scores, is_anomaly = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.9]), np.array([0, 0, 1, 1, 1, 0, 0])
    return Case(lesson02.check_auc_by_pairs, 3, (scores, is_anomaly), pair_auc(scores, is_anomaly), {
        "normal samples scoring higher": pair_auc(scores, 1 - is_anomaly),
        "ties ignored": pair_auc(scores, is_anomaly, ties=0.0),
        "ties counted whole": pair_auc(scores, is_anomaly, ties=1.0),
    }, "ties counting one half")


# Lesson 03

@functools.cache
def polished():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(150, 2)), rng.normal(size=(150, 2)) + 3.0])
    start = GaussianMixtureEM(2, tol=1e-3, reg_covar=0.0, random_state=0).fit(X).params_
    return X, start, refine(start, X)


def lesson03_parameter_counts():
    return Case(lesson03.check_parameter_counts, 1, (), (4 + 5 * 4 + 5 * 10, 4 + 5 * 4 + 5 * 4), {
        "a diagonal covariance counted like a full one": (74, 74),
        "K logits, not K - 1": (5 + 5 * 4 + 5 * 10, 5 + 5 * 4 + 5 * 4),
    }, "only d per diagonal", answers=2)


def lesson03_mean_responsibilities():
    X, _, result = polished()
    log_responsibilities = e_step(X, result.params)[1]
    return Case(lesson03.check_mean_responsibilities, 2, (result.params, X), np.exp(log_responsibilities).mean(axis=0),
                {"the mean of the log-responsibilities": log_responsibilities.mean(axis=0)}, "exponentiate")


def lesson03_bfgs_polish():
    X, start, result = polished()
    return Case(lesson03.check_bfgs_polish, 3, (result.log_likelihood,), refine(start, X, method="BFGS"), {
        "the L-BFGS-B result": result,
        "a BFGS result off the optimum": SimpleNamespace(method="BFGS", log_likelihood=result.log_likelihood - 1e-3),
    }, "method='BFGS'")


def lesson03_dense_memory():
    return Case(lesson03.check_dense_memory, 4, (), 2243**2 * 8 / 1e6, {"one float per number": 2243 * 8 / 1e6},
                r"per \*pair\*")


# Lesson 04 (check_active_units is tested on its own below)

def lesson04_kl_values():
    return Case(lesson04.check_kl_values, 1, (), (0.5, 0.5 * (np.exp(-2.0) - 1.0 + 2.0)), {
        "the log term dropped": (0.5, 0.5 * (np.exp(-2.0) - 1.0)),
        "the log term with the wrong sign": (0.5, 0.5 * (np.exp(-2.0) - 1.0 - 2.0)),
    }, r"-log sigma\^2 = \+2", answers=2)


def lesson04_posterior_variance():
    return Case(lesson04.check_posterior_variance, 2, (2.0, 0.5), 0.25 / 4.25,
                {"the prior's share of the variance": 4.0 / 4.25}, "posterior's variance")


def lesson04_reconstruction_floors():
    return Case(lesson04.check_reconstruction_floors, 3, (), (64 * np.log(2), 0.0),
                {"log 2 for the blank image too": (64 * np.log(2), 64 * np.log(2))}, "0 per pixel at 0 or 1",
                answers=2)


# Lesson 05

def lesson05_halving_fits():
    return Case(lesson05.check_halving_fits, 1, (), 5 * (27 + 9 + 3 + 1), {"the exhaustive search's fits": 5 * 27},
                r"5 x \(27 \+ 9 \+ 3 \+ 1\)")


def lesson05_random_draws():
    return Case(lesson05.check_random_draws, 2, (), 59, {"rounded up to the next ten": 60}, "not to the next ten")


def lesson05_nested_fits():
    grid = {"C": [0.1, 1.0, 10.0], "gamma": [0.1, 1.0]}
    return Case(lesson05.check_nested_fits, 3, (grid,), 5 * (6 * 4 + 1), {
        "no refits": 5 * 6 * 4,
        "the outer folds without the non-nested search": 4 * (6 * 4 + 1),
    }, "refit")


# Lesson 06

def lesson06_component_kl():
    return Case(lesson06.check_exercise_1, 1, (), 0.5 * (1.0 + 0.25 - 1.0 - np.log(0.25)), {
        "the prior's variance 4 left out": 0.5 * ((1.0 - 3.0) ** 2 + 1.0 - 1.0 - np.log(1.0)),
    }, "standardize")


def lesson06_categorical_kl():
    return Case(lesson06.check_exercise_2, 2, (), np.log(10), {"the sign flipped": -np.log(10)}, "all its mass")


def lesson06_prior_numbers():
    prior = GMMParams(np.full(10, 0.1), np.zeros((10, 10)), np.tile(np.eye(10), (10, 1, 1)), "full")
    return Case(lesson06.check_exercise_3, 3, (prior,), 9 + 100 + 550, {"d*d Cholesky entries": 9 + 100 + 1000},
                "Cholesky entries")


CASES = [
    lesson00_free_parameters, lesson00_kl_divergence, lesson00_grid_search_fits, lesson00_output_shapes, lesson00_bic,
    lesson01_responsibilities, lesson01_parameter_counts, lesson01_diagonal_bic_choice, lesson01_reg_covar,
    lesson02_trainable_numbers, lesson02_free_parameters, lesson02_auc_by_pairs,
    lesson03_parameter_counts, lesson03_mean_responsibilities, lesson03_bfgs_polish, lesson03_dense_memory,
    lesson04_kl_values, lesson04_posterior_variance, lesson04_reconstruction_floors,
    lesson05_halving_fits, lesson05_random_draws, lesson05_nested_fits,
    lesson06_component_kl, lesson06_categorical_kl, lesson06_prior_numbers,
]


@pytest.mark.parametrize("build", CASES, ids=lambda build: build.__name__)
def test_check_accepts_its_solution(build, capsys):
    case = build()
    assert case(case.solution) is case.verdict(True)
    assert capsys.readouterr().out == f"exercise {case.number}: correct\n"


@pytest.mark.parametrize("build", CASES, ids=lambda build: build.__name__)
def test_check_rejects_each_plausible_mistake_with_its_hint(build, capsys):
    case = build()
    for mistake, wrong in case.mistakes.items():
        with pytest.raises(AssertionError) as raised:
            case(wrong)
        message = f"^exercise {case.number}: .* is not right. Hint: .*{case.hint}"
        assert re.search(message, str(raised.value), re.DOTALL), mistake
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("build", CASES, ids=lambda build: build.__name__)
def test_check_says_not_attempted_for_none(build, capsys):
    case = build()
    answer = None if case.answers == 1 else (*case.solution[:-1], None)
    assert case(answer) is case.verdict(False)
    assert capsys.readouterr().out == f"exercise {case.number}: " + NOT_ATTEMPTED


def test_responsibilities_are_not_attempted_while_the_function_returns_none(capsys):
    assert lesson01.check_responsibilities(lambda X, params: None, TRUTH, draw(50, 1)) is False
    assert capsys.readouterr().out == "exercise 1: " + NOT_ATTEMPTED


def test_active_units_count_the_posterior_means_that_vary_and_the_check_rejects_the_width(monkeypatch, capsys):
    grid = np.linspace(-1.0, 1.0, 101)
    z_mean = np.column_stack([grid, np.full(101, 0.3), 0.2 * grid, 0.1 * grid])  # variances 0.34, 0, 0.014, 0.0034
    from aegmm_lessons import vae

    monkeypatch.setattr(vae, "posterior", lambda model, X: (z_mean, np.zeros_like(z_mean)))
    activity, n_active = vae.active_units("model", "X")
    assert np.allclose(activity, [0.34, 0.0, 0.0136, 0.0034], atol=1e-4) and n_active == 2
    assert lesson04.check_active_units(2, "model", "X") is None
    assert lesson04.check_active_units(None, "model", "X") is None
    assert capsys.readouterr().out == "exercise 4: correct\nexercise 4: " + NOT_ATTEMPTED
    with pytest.raises(AssertionError, match=r"exercise 4: 4 is not right. Hint: .*not the code's width"):
        lesson04.check_active_units(4, "model", "X")
