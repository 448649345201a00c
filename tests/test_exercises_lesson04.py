import numpy as np
import pytest

from aegmm_lessons.exercises import lesson04
from aegmm_lessons.vae import fit_vae


def test_kl_values_accept_the_closed_form_and_reject_a_dropped_log_term(capsys):
    lesson04.check_kl_values(0.5, 0.5 * (np.exp(-2.0) - 1.0 + 2.0))
    lesson04.check_kl_values(None, 0.5)
    assert capsys.readouterr().out.splitlines() == [
        "exercise 1: correct", "exercise 1: not attempted yet (replace None with your answer)"]
    with pytest.raises(AssertionError, match="the last term is \\+2"):
        lesson04.check_kl_values(0.5, 0.5 * (np.exp(-2.0) - 1.0))


def test_posterior_variance_rejects_the_prior_share_of_the_variance(capsys):
    lesson04.check_posterior_variance(0.25 / 4.25, w=2.0, s=0.5)
    assert capsys.readouterr().out == "exercise 2: correct\n"
    with pytest.raises(AssertionError, match="posterior's variance"):
        lesson04.check_posterior_variance(4.0 / 4.25, w=2.0, s=0.5)


def test_reconstruction_floors_reject_log_2_for_the_blank_image(capsys):
    lesson04.check_reconstruction_floors(64 * np.log(2), 0.0)
    assert capsys.readouterr().out == "exercise 3: correct\n"
    with pytest.raises(AssertionError, match="0 per pixel at exactly 0 or 1"):
        lesson04.check_reconstruction_floors(64 * np.log(2), 64 * np.log(2))


def test_active_units_counts_varying_posterior_means_and_rejects_the_width(capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(64, 6))
    model = fit_vae(X, latent_dim=3, epochs=2, random_state=0)
    activity, n_active = lesson04.active_units(model, X)
    assert activity.shape == (3,) and n_active == int(np.sum(activity > 0.01))
    lesson04.check_active_units(n_active, model, X)
    assert capsys.readouterr().out == "exercise 4: correct\n"
    wrong = 3 if n_active != 3 else 2
    with pytest.raises(AssertionError, match="not the width of the code"):
        lesson04.check_active_units(wrong, model, X)
