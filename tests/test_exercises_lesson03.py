from types import SimpleNamespace

import numpy as np
import pytest

from aegmm_lessons.exercises import lesson03
from aegmm_lessons.gmm import GaussianMixtureEM, e_step
from aegmm_lessons.refine import refine, synthetic_latent_codes


@pytest.fixture(scope="module")
def polished():
    X, _, _ = synthetic_latent_codes(300, 2, 2, separation=3.0, random_state=0)
    start = GaussianMixtureEM(2, tol=1e-3, reg_covar=0.0, random_state=0).fit(X).params_
    return X, refine(start, X)


def test_parameter_counts_accept_the_solution_and_reject_a_full_count_for_diag(capsys):
    lesson03.check_parameter_counts(4 + 5 * 4 + 5 * 10, 4 + 5 * 4 + 5 * 4)
    lesson03.check_parameter_counts(None, None)
    assert capsys.readouterr().out.splitlines() == [
        "exercise 1: correct", "exercise 1: not attempted yet (replace None with your answer)"]
    with pytest.raises(AssertionError, match="only d for a diagonal"):
        lesson03.check_parameter_counts(74, 74)


def test_mean_responsibilities_reject_the_mean_of_log_responsibilities(polished, capsys):
    X, result = polished
    log_resp = e_step(X, result.params)[1]
    lesson03.check_mean_responsibilities(np.exp(log_resp).mean(axis=0), result.params, X)
    assert capsys.readouterr().out == "exercise 2: correct\n"
    with pytest.raises(AssertionError, match="exponentiate"):
        lesson03.check_mean_responsibilities(log_resp.mean(axis=0), result.params, X)


def test_bfgs_polish_rejects_an_l_bfgs_b_result_and_a_result_off_the_optimum(polished, capsys):
    X, result = polished
    lesson03.check_bfgs_polish(SimpleNamespace(method="BFGS", log_likelihood=-1.0), -1.0)
    assert capsys.readouterr().out == "exercise 3: correct\n"
    with pytest.raises(AssertionError, match="method='BFGS'"):
        lesson03.check_bfgs_polish(result, result.log_likelihood)
    with pytest.raises(AssertionError):
        lesson03.check_bfgs_polish(SimpleNamespace(method="BFGS", log_likelihood=-1.1), -1.0)


def test_dense_memory_rejects_one_float_per_number_instead_of_per_pair(capsys):
    lesson03.check_dense_memory(2243**2 * 8 / 1e6)
    assert capsys.readouterr().out == "exercise 4: correct\n"
    with pytest.raises(AssertionError, match="per \\*pair\\*"):
        lesson03.check_dense_memory(2243 * 8 / 1e6)
