"""Each check of lesson 02 accepts its solution, rejects a plausible wrong answer
and says "not attempted" for None."""

import numpy as np
import pytest

from aegmm_lessons.exercises import lesson02

NOT_ATTEMPTED = "not attempted yet"


@pytest.fixture(scope="module")
def digit_autoencoder():
    from aegmm_lessons import repro

    repro.setup(0, tensorflow=True)
    from aegmm_lessons.autoencoder import build_autoencoder

    return build_autoencoder(64, 10, hidden_units=(64,), output_activation="sigmoid")[2]


@pytest.fixture(scope="module")
def gmm_on_codes():
    from aegmm_lessons.gmm import GaussianMixtureEM

    codes = np.random.default_rng(0).normal(size=(200, 10))
    return GaussianMixtureEM(3, random_state=0).fit(codes)


@pytest.fixture(scope="module")
def scores_with_a_tie():
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.9])
    is_anomaly = np.array([0, 0, 1, 1, 1, 0, 0])
    return scores, is_anomaly


def test_trainable_numbers_accepts_the_solution(digit_autoencoder, capsys):
    solution = (64 * 64 + 64) + (64 * 10 + 10) + (10 * 64 + 64) + (64 * 64 + 64)
    lesson02.check_trainable_numbers(solution, digit_autoencoder)
    assert capsys.readouterr().out == "exercise 1: correct\n"


def test_trainable_numbers_rejects_a_count_without_biases(digit_autoencoder):
    weights_only = 64 * 64 + 64 * 10 + 10 * 64 + 64 * 64
    with pytest.raises(AssertionError, match="exercise 1: .* Hint: .*biases"):
        lesson02.check_trainable_numbers(weights_only, digit_autoencoder)


def test_trainable_numbers_says_not_attempted_for_none(digit_autoencoder, capsys):
    lesson02.check_trainable_numbers(None, digit_autoencoder)
    assert NOT_ATTEMPTED in capsys.readouterr().out


def test_free_parameters_accepts_the_solution(gmm_on_codes, capsys):
    K, d = 3, 10
    lesson02.check_free_parameters((K - 1) + K * d + K * d * (d + 1) // 2, gmm_on_codes)
    assert capsys.readouterr().out == "exercise 2: correct\n"


@pytest.mark.parametrize("wrong", [
    3 + 3 * 10 + 3 * 10 * 11 // 2,  # K weights, forgetting that they sum to one
    2 + 3 * 10 + 3 * 10 * 10,  # d*d covariance entries, forgetting symmetry
])
def test_free_parameters_rejects_miscounted_weights_or_covariances(gmm_on_codes, wrong):
    with pytest.raises(AssertionError, match="exercise 2: .* Hint: .*d\\(d \\+ 1\\)/2"):
        lesson02.check_free_parameters(wrong, gmm_on_codes)


def test_free_parameters_says_not_attempted_for_none(gmm_on_codes, capsys):
    lesson02.check_free_parameters(None, gmm_on_codes)
    assert NOT_ATTEMPTED in capsys.readouterr().out


def pair_auc(scores, is_anomaly, ties=0.5):
    anomalous, normal = scores[is_anomaly == 1], scores[is_anomaly == 0]
    return np.mean(anomalous[:, None] > normal[None, :]) + ties * np.mean(anomalous[:, None] == normal[None, :])


def test_auc_by_pairs_accepts_the_solution(scores_with_a_tie, capsys):
    scores, is_anomaly = scores_with_a_tie
    lesson02.check_auc_by_pairs(pair_auc(scores, is_anomaly), scores, is_anomaly)
    assert capsys.readouterr().out == "exercise 3: correct\n"


@pytest.mark.parametrize("mistake", ["reversed", "ties ignored", "ties counted whole"])
def test_auc_by_pairs_rejects_a_reversed_comparison_or_miscounted_ties(scores_with_a_tie, mistake):
    scores, is_anomaly = scores_with_a_tie
    wrong = {
        "reversed": pair_auc(scores, 1 - is_anomaly),
        "ties ignored": pair_auc(scores, is_anomaly, ties=0.0),
        "ties counted whole": pair_auc(scores, is_anomaly, ties=1.0),
    }[mistake]
    with pytest.raises(AssertionError, match="exercise 3: .* Hint: .*ties counting one half"):
        lesson02.check_auc_by_pairs(wrong, scores, is_anomaly)


def test_auc_by_pairs_says_not_attempted_for_none(scores_with_a_tie, capsys):
    scores, is_anomaly = scores_with_a_tie
    lesson02.check_auc_by_pairs(None, scores, is_anomaly)
    assert NOT_ATTEMPTED in capsys.readouterr().out
