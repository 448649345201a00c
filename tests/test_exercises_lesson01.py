"""Each check of lesson 01 accepts its solution, rejects a plausible wrong answer
and says "not attempted" for None."""

import numpy as np
import pytest
from scipy.special import logsumexp

from aegmm_lessons import GMMParams
from aegmm_lessons.exercises import lesson01
from aegmm_lessons.gmm import log_gaussian_prob

NOT_ATTEMPTED = "not attempted yet"

# The lesson's mixture: three overlapping components, two of them tilted.
TRUTH = GMMParams(
    weights=[0.5, 0.3, 0.2],
    means=[[0.0, 0.0], [3.0, 1.5], [0.5, 3.5]],
    covariances=[[[1.0, 0.6], [0.6, 1.0]], [[0.6, -0.3], [-0.3, 0.8]], [[0.3, 0.0], [0.0, 1.2]]],
)


def draw(n_samples, seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice(TRUTH.n_components, size=n_samples, p=TRUTH.weights)
    factors = np.linalg.cholesky(TRUTH.full_covariances())[labels]
    return TRUTH.means[labels] + np.einsum("nij,nj->ni", factors, rng.standard_normal((n_samples, 2)))


def stable_responsibilities(X, params):
    log_terms = log_gaussian_prob(X, params) + np.log(params.weights)
    return np.exp(log_terms - logsumexp(log_terms, axis=1, keepdims=True))


def test_responsibilities_accepts_log_sum_exp(capsys):
    assert lesson01.check_responsibilities(stable_responsibilities, TRUTH, draw(50, 1)) is True
    assert capsys.readouterr().out == "exercise 1: correct\n"


def naive_responsibilities(X, params):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = params.weights * np.exp(log_gaussian_prob(X, params))
        return terms / terms.sum(axis=1, keepdims=True)


def normalised_over_points(X, params):
    log_terms = log_gaussian_prob(X, params) + np.log(params.weights)
    return np.exp(log_terms - logsumexp(log_terms, axis=0, keepdims=True))


@pytest.mark.parametrize("wrong", [naive_responsibilities, normalised_over_points], ids=lambda f: f.__name__)
def test_responsibilities_rejects_naive_densities_or_the_wrong_axis(wrong):
    with pytest.raises(AssertionError, match="exercise 1: .* Hint: .*logsumexp"):
        lesson01.check_responsibilities(wrong, TRUTH, draw(50, 1))


@pytest.mark.parametrize("empty", [None, lambda X, params: None], ids=["None", "returns None"])
def test_responsibilities_says_not_attempted_for_none_or_an_empty_function(empty, capsys):
    assert lesson01.check_responsibilities(empty, TRUTH, draw(50, 1)) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out


def test_parameter_counts_accepts_the_solution(capsys):
    K, d = 3, 2
    full, diagonal = (K - 1) + K * d + K * d * (d + 1) // 2, (K - 1) + K * d + K * d
    assert lesson01.check_parameter_counts((full, diagonal), TRUTH) is True
    assert capsys.readouterr().out == "exercise 2: correct\n"


@pytest.mark.parametrize("wrong", [
    (3 + 6 + 9, 3 + 6 + 6),  # K weights, forgetting that they sum to one
    (2 + 6 + 12, 2 + 6 + 6),  # d*d entries for a full covariance, forgetting symmetry
    (2 + 6 + 9, 2 + 6 + 9),  # a diagonal covariance counted like a full one
])
def test_parameter_counts_rejects_miscounted_weights_or_covariances(wrong):
    with pytest.raises(AssertionError, match=r"exercise 2: .* Hint: .*d\(d \+ 1\)/2"):
        lesson01.check_parameter_counts(wrong, TRUTH)


def test_parameter_counts_says_not_attempted_for_none(capsys):
    assert lesson01.check_parameter_counts(None, TRUTH) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out


@pytest.fixture(scope="module")
def diagonal_bic_choice():
    from aegmm_lessons.gmm import GaussianMixtureEM

    X = draw(300, 1)  # a sample on which the tilt costs a component
    bic = [GaussianMixtureEM(k, covariance_type="diag", n_init=3, max_iter=500, random_state=0).fit(X).bic(X)
           for k in range(1, 9)]
    return X, 1 + int(np.argmin(bic))


def test_diagonal_bic_choice_accepts_the_lowest_bic(diagonal_bic_choice, capsys):
    X, choice = diagonal_bic_choice
    assert lesson01.check_diagonal_bic_choice(choice, X) is True
    assert capsys.readouterr().out == "exercise 3: correct\n"


def test_diagonal_bic_choice_rejects_the_true_number_of_components(diagonal_bic_choice):
    X, choice = diagonal_bic_choice
    assert choice != TRUTH.n_components  # the premise of the exercise, on this sample too
    with pytest.raises(AssertionError, match="exercise 3: 3 is not right. Hint: .*tilt"):
        lesson01.check_diagonal_bic_choice(TRUTH.n_components, X)


def test_diagonal_bic_choice_says_not_attempted_for_none(capsys):
    assert lesson01.check_diagonal_bic_choice(None, draw(300, 1)) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out


def test_reg_covar_accepts_an_error_without_it_and_reg_covar_as_the_variance_with_it(capsys):
    assert lesson01.check_reg_covar((True, 1e-6), draw(500, 3)) is True
    assert capsys.readouterr().out == "exercise 4: correct\n"


@pytest.mark.parametrize("wrong", [
    (True, 0.0),  # a collapsed component of variance zero
    (False, 1e-6),  # no error without reg_covar
    (1.0, 1e-6),  # not a yes/no answer
    1e-6,  # not a pair
])
def test_reg_covar_rejects_a_zero_variance_a_missing_error_or_a_malformed_answer(wrong):
    with pytest.raises(AssertionError, match="exercise 4: .* Hint: .*reg_covar \\* I"):
        lesson01.check_reg_covar(wrong, draw(500, 3))


def test_reg_covar_says_not_attempted_for_none(capsys):
    assert lesson01.check_reg_covar(None, draw(500, 3)) is False
    assert NOT_ATTEMPTED in capsys.readouterr().out
