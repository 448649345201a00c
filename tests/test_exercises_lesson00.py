"""Each check of lesson 00 accepts its solution, rejects a plausible wrong answer
and says "not attempted" for None."""

import numpy as np
import pytest

from aegmm_lessons.exercises import lesson00

NOT_ATTEMPTED = "not attempted yet"


@pytest.fixture(scope="module")
def small_autoencoder():
    from aegmm_lessons import repro

    repro.setup(0, tensorflow=True)
    from aegmm_lessons.autoencoder import build_autoencoder

    encoder, _, autoencoder = build_autoencoder(64, 2, hidden_units=(32,), output_activation="sigmoid")
    return encoder, autoencoder


@pytest.fixture(scope="module")
def fitted_gmm():
    from aegmm_lessons.gmm import GaussianMixtureEM

    X = np.random.default_rng(0).normal(size=(120, 1))
    return GaussianMixtureEM(2, random_state=0).fit(X), X


def test_free_parameters_accepts_the_solution(capsys):
    K, d = 4, 3
    assert lesson00.check_free_parameters((K - 1) + K * d + K * d * (d + 1) // 2, K, d) is True
    assert capsys.readouterr().out == "exercise 1: correct\n"


@pytest.mark.parametrize("wrong", [
    4 + 4 * 3 + 4 * 6,  # K weights, forgetting that they sum to one
    3 + 4 * 3 + 4 * 9,  # d*d covariance entries, forgetting symmetry
])
def test_free_parameters_rejects_miscounted_weights_or_covariances(wrong):
    with pytest.raises(AssertionError, match=r"exercise 1: .* Hint: .*d\(d \+ 1\)/2"):
        lesson00.check_free_parameters(wrong, 4, 3)


def test_free_parameters_says_not_attempted_for_none(capsys):
    assert lesson00.check_free_parameters(None, 4, 3) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out


def kl_to_standard_normal(mean, variance):
    return 0.5 * (mean**2 + variance - np.log(variance) - 1)


def test_kl_divergence_accepts_the_closed_form(capsys):
    assert lesson00.check_kl_divergence(kl_to_standard_normal(1.0, 0.5**2), 1.0, 0.5) is True
    assert capsys.readouterr().out == "exercise 2: correct\n"


@pytest.mark.parametrize("mistake", ["std for variance", "no factor 1/2", "reversed"])
def test_kl_divergence_rejects_std_for_variance_a_lost_half_or_the_reverse_kl(mistake):
    wrong = {
        "std for variance": kl_to_standard_normal(1.0, 0.5),
        "no factor 1/2": 2 * kl_to_standard_normal(1.0, 0.5**2),
        # KL(N(0, 1) || N(1, 0.5^2))
        "reversed": np.log(0.5) + (1.0 + 1.0**2) / (2 * 0.5**2) - 0.5,
    }[mistake]
    with pytest.raises(AssertionError, match="exercise 2: .* Hint: .*variance"):
        lesson00.check_kl_divergence(wrong, 1.0, 0.5)


def test_kl_divergence_says_not_attempted_for_none(capsys):
    assert lesson00.check_kl_divergence(None, 1.0, 0.5) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out


def test_grid_search_fits_accepts_candidates_times_folds_plus_refit(capsys):
    assert lesson00.check_grid_search_fits(3 * 4 * 5 + 1) is True
    assert capsys.readouterr().out == "exercise 3: correct\n"


def test_grid_search_fits_rejects_a_count_without_the_refit():
    with pytest.raises(AssertionError, match="exercise 3: 60 is not right. Hint: .*refit"):
        lesson00.check_grid_search_fits(3 * 4 * 5)


def test_grid_search_fits_says_not_attempted_for_none(capsys):
    assert lesson00.check_grid_search_fits(None) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out


def test_output_shapes_accepts_codes_then_reconstructions(small_autoencoder, capsys):
    encoder, autoencoder = small_autoencoder
    X = np.random.default_rng(0).uniform(size=(10, 64))
    assert lesson00.check_output_shapes(((10, 2), (10, 64)), encoder, autoencoder, X) is True
    assert capsys.readouterr().out == "exercise 4: correct\n"


@pytest.mark.parametrize("wrong", [
    ((10, 64), (10, 2)),  # codes and reconstructions swapped
    ((10, 2), (10, 2)),  # reconstructions taken for codes (mistake A4, the other way round)
])
def test_output_shapes_rejects_swapped_or_confused_shapes(small_autoencoder, wrong):
    encoder, autoencoder = small_autoencoder
    X = np.random.default_rng(0).uniform(size=(10, 64))
    with pytest.raises(AssertionError, match="exercise 4: .* Hint: .*latent width"):
        lesson00.check_output_shapes(wrong, encoder, autoencoder, X)


def test_output_shapes_says_not_attempted_for_none(small_autoencoder, capsys):
    encoder, autoencoder = small_autoencoder
    assert lesson00.check_output_shapes(None, encoder, autoencoder, np.zeros((10, 64))) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out


def test_bic_accepts_the_total_log_likelihood_and_p_log_n(fitted_gmm, capsys):
    gmm, X = fitted_gmm
    n = len(X)
    assert lesson00.check_bic(-2 * gmm.score(X) * n + gmm.params_.n_parameters * np.log(n), gmm, X) is True
    assert capsys.readouterr().out == "exercise 5: correct\n"


@pytest.mark.parametrize("mistake", ["mean log-likelihood", "AIC penalty"])
def test_bic_rejects_the_mean_log_likelihood_or_the_aic_penalty(fitted_gmm, mistake):
    gmm, X = fitted_gmm
    n, p = len(X), gmm.params_.n_parameters
    wrong = {
        "mean log-likelihood": -2 * gmm.score(X) + p * np.log(n),
        "AIC penalty": -2 * gmm.score(X) * n + 2 * p,
    }[mistake]
    with pytest.raises(AssertionError, match="exercise 5: .* Hint: .*n times"):
        lesson00.check_bic(wrong, gmm, X)


def test_bic_says_not_attempted_for_none(fitted_gmm, capsys):
    gmm, X = fitted_gmm
    assert lesson00.check_bic(None, gmm, X) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out
