"""The VAE module: closed-form KL, the sampling layer (mistake B3), loss terms, ELBO.

Trainings here are tiny (a few hundred digits, a few epochs): they check the
mechanics, not the quality.
"""

import numpy as np
import pytest

from aegmm_lessons import repro

repro.setup(0, tensorflow=True)

import keras  # noqa: E402  (after repro.setup, which configures TensorFlow)
from scipy import stats  # noqa: E402

from aegmm_lessons import vae  # noqa: E402
from aegmm_lessons.data import load_digits_scaled  # noqa: E402

N_TRAIN = 256
EPOCHS = 4


@pytest.fixture(scope="module")
def digits():
    return load_digits_scaled()


@pytest.fixture(scope="module")
def small_train(digits):
    return digits.X_train[:N_TRAIN]


@pytest.fixture(scope="module")
def trained(small_train):
    return vae.fit_vae(small_train, latent_dim=2, hidden_units=(16,), epochs=EPOCHS, random_state=0)


# --- gaussian_kl --------------------------------------------------------------

KL_CASES = [
    ([0.0], [0.0]),
    ([1.5], [0.0]),
    ([0.0], [-2.0]),
    ([0.5, -1.0, 2.0], [0.7, -0.3, -1.5]),
]


@pytest.mark.parametrize("mu, log_var", KL_CASES)
def test_gaussian_kl_matches_monte_carlo_estimate(mu, log_var):
    mu, log_var = np.array([mu]), np.array([log_var])
    rng = np.random.default_rng(0)
    n_draws = 200_000
    sigma = np.exp(0.5 * log_var)
    z = mu + sigma * rng.standard_normal((n_draws, mu.shape[1]))
    log_ratio = (stats.norm.logpdf(z, mu, sigma) - stats.norm.logpdf(z)).sum(axis=1)
    estimate = log_ratio.mean()
    standard_error = log_ratio.std() / np.sqrt(n_draws)
    # Stated tolerance: five standard errors of the Monte Carlo mean, plus a
    # floor for the case KL = 0, where the estimator has zero variance.
    assert vae.gaussian_kl(mu, log_var)[0] == pytest.approx(estimate, abs=5 * standard_error + 1e-9)


def test_gaussian_kl_is_one_value_per_example_and_zero_at_the_prior():
    mu = np.zeros((5, 3))
    kl = vae.gaussian_kl(mu, np.zeros((5, 3)))
    assert kl.shape == (5,)
    np.testing.assert_array_equal(kl, 0.0)


def test_gaussian_kl_is_non_negative():
    rng = np.random.default_rng(1)
    assert np.all(vae.gaussian_kl(rng.normal(size=(100, 4)), rng.normal(size=(100, 4))) >= 0)


def test_gaussian_kl_accepts_tensors_and_returns_a_tensor():
    rng = np.random.default_rng(2)
    mu, log_var = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    result = vae.gaussian_kl(keras.ops.convert_to_tensor(mu), keras.ops.convert_to_tensor(log_var))
    assert keras.ops.is_tensor(result)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(result), vae.gaussian_kl(mu, log_var), rtol=1e-6)


def test_gaussian_kl_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"same shape, got mu \(4, 2\), log_var \(4, 3\)"):
        vae.gaussian_kl(np.zeros((4, 2)), np.zeros((4, 3)))


def test_gaussian_kl_rejects_one_dimensional_input():
    with pytest.raises(ValueError, match="2-D"):
        vae.gaussian_kl(np.zeros(3), np.zeros(3))


# --- Sampling: the noise has the shape of z_mean (mistake B3) ---------------

@pytest.mark.parametrize("batch, latent_dim", [(1, 1), (5, 3), (64, 2), (7, 8)])
def test_sampling_noise_has_shape_of_z_mean(batch, latent_dim):
    z_mean = keras.ops.zeros((batch, latent_dim))
    z = vae.Sampling(seed=0)([z_mean, keras.ops.zeros((batch, latent_dim))])
    assert tuple(keras.ops.shape(z)) == (batch, latent_dim)


def test_sampling_draws_independent_noise_per_latent_dimension():
    # A noise vector of shape (batch,) broadcast over the latent axis would
    # give every latent coordinate of an example the same value.
    z = keras.ops.convert_to_numpy(vae.Sampling(seed=0)([keras.ops.zeros((4000, 2)), keras.ops.zeros((4000, 2))]))
    assert np.all(z[:, 0] != z[:, 1])
    assert abs(np.corrcoef(z.T)[0, 1]) < 0.05
    np.testing.assert_allclose(z.std(axis=0), 1.0, atol=0.05)


def test_sampling_scales_and_shifts_the_noise():
    z_mean = keras.ops.convert_to_tensor(np.full((4000, 2), [3.0, -1.0], dtype="float32"))
    z_log_var = keras.ops.convert_to_tensor(np.full((4000, 2), np.log([0.25, 4.0]), dtype="float32"))
    z = keras.ops.convert_to_numpy(vae.Sampling(seed=1)([z_mean, z_log_var]))
    np.testing.assert_allclose(z.mean(axis=0), [3.0, -1.0], atol=0.1)
    np.testing.assert_allclose(z.std(axis=0), [0.5, 2.0], rtol=0.05)


def test_sampling_with_the_same_seed_draws_the_same_noise():
    inputs = [keras.ops.zeros((3, 2)), keras.ops.zeros((3, 2))]
    first = keras.ops.convert_to_numpy(vae.Sampling(seed=7)(inputs))
    second = keras.ops.convert_to_numpy(vae.Sampling(seed=7)(inputs))
    np.testing.assert_array_equal(first, second)


# --- Likelihoods and the reconstruction floor --------------------------------

def test_bernoulli_nll_is_never_below_the_entropy_floor(digits):
    X = digits.X_test[:50]
    rng = np.random.default_rng(3)
    probabilities = rng.uniform(size=X.shape)
    assert np.all(vae.bernoulli_nll(X, probabilities) >= vae.bernoulli_entropy(X))


def test_bernoulli_nll_reaches_the_floor_when_the_decoder_copies_the_pixels(digits):
    X = digits.X_test[:50]
    np.testing.assert_allclose(vae.bernoulli_nll(X, X), vae.bernoulli_entropy(X), atol=1e-4)


def test_bernoulli_entropy_is_zero_for_binary_images():
    X = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(vae.bernoulli_entropy(X), 0.0)


def test_bernoulli_entropy_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*got values in \[0, 2\]"):
        vae.bernoulli_entropy(np.array([[0.0, 2.0]]))


def test_gaussian_nll_matches_scipy():
    rng = np.random.default_rng(4)
    X, mean, log_var = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), rng.normal(size=3)
    expected = -stats.norm.logpdf(X, mean, np.exp(0.5 * log_var)).sum(axis=1)
    np.testing.assert_allclose(vae.gaussian_nll(X, mean, log_var), expected)


# --- Training ------------------------------------------------------------------

def test_short_training_lowers_the_loss(trained):
    losses = trained.history.history["loss"]
    assert len(losses) == EPOCHS
    assert losses[-1] < losses[0]


def test_same_random_state_gives_the_same_losses(small_train, trained):
    again = vae.fit_vae(small_train, latent_dim=2, hidden_units=(16,), epochs=EPOCHS, random_state=0)
    first, second = trained.history.history, again.history.history
    assert first.keys() == second.keys()
    for key in first:
        # Multithreaded float32 reductions may round differently in the last
        # bit; anything beyond that would be a seeding bug.
        np.testing.assert_allclose(first[key], second[key], rtol=1e-6)


def test_a_different_random_state_gives_different_losses(small_train, trained):
    other = vae.fit_vae(small_train, latent_dim=2, hidden_units=(16,), epochs=1, random_state=1)
    assert other.history.history["loss"][0] != pytest.approx(trained.history.history["loss"][0], rel=1e-4)


def test_loss_terms_are_finite_and_kl_non_negative(trained):
    history = trained.history.history
    assert set(history) == {"loss", "reconstruction_loss", "kl_loss"}
    for values in history.values():
        assert np.all(np.isfinite(values))
    assert np.all(np.array(history["kl_loss"]) >= 0)


def test_total_loss_is_reconstruction_plus_beta_times_kl(small_train):
    model = vae.fit_vae(small_train, latent_dim=2, hidden_units=(16,), beta=4.0, epochs=2)
    history = model.history.history
    np.testing.assert_allclose(
        history["loss"], np.add(history["reconstruction_loss"], 4.0 * np.array(history["kl_loss"])), rtol=1e-5
    )


def test_validation_data_records_held_out_losses_and_evaluate_works(small_train, digits):
    model = vae.fit_vae(small_train, hidden_units=(16,), epochs=1, validation_data=digits.X_test[:64])
    assert {"val_loss", "val_reconstruction_loss", "val_kl_loss"} <= set(model.history.history)
    result = model.evaluate(digits.X_test[:64].astype("float32"), verbose=0, return_dict=True)
    assert set(result) == {"loss", "reconstruction_loss", "kl_loss"}


def test_auto_likelihood_is_bernoulli_in_unit_interval_and_gaussian_otherwise(small_train, trained):
    assert trained.likelihood == "bernoulli"
    standardized = (small_train - small_train.mean(axis=0)) / (small_train.std(axis=0) + 1e-3)
    model = vae.fit_vae(standardized, hidden_units=(16,), epochs=2)
    assert model.likelihood == "gaussian"
    assert np.all(np.isfinite(model.history.history["loss"]))
    result = vae.elbo(model, standardized[:32])
    assert np.isfinite(result["elbo"])


def test_fit_takes_widths_from_the_data(trained, small_train):
    assert trained.n_features == small_train.shape[1]
    assert trained.latent_dim == 2


# --- elbo, encode, decode, sample ----------------------------------------------

def test_elbo_is_minus_reconstruction_minus_kl(trained, digits):
    result = vae.elbo(trained, digits.X_test, n_samples=2)
    assert set(result) == {"elbo", "reconstruction", "kl"}
    assert result["elbo"] == pytest.approx(-(result["reconstruction"] + result["kl"]))
    assert result["kl"] >= 0


def test_elbo_respects_the_bernoulli_reconstruction_floor(trained, digits):
    result = vae.elbo(trained, digits.X_test)
    floor = vae.bernoulli_entropy(digits.X_test).mean()
    assert result["reconstruction"] > floor
    assert -result["elbo"] > floor


def test_elbo_is_reproducible_with_the_same_random_state(trained, digits):
    assert vae.elbo(trained, digits.X_test, random_state=3) == vae.elbo(trained, digits.X_test, random_state=3)


def test_importance_sampled_log_likelihood_lies_above_the_elbo(trained, digits):
    X = digits.X_test[:100]
    bound = vae.elbo(trained, X, n_samples=20)["elbo"]
    assert vae.log_marginal_likelihood(trained, X, n_samples=50) > bound
    # With one importance sample the estimate is an unbiased estimate of the ELBO.
    assert vae.log_marginal_likelihood(trained, X, n_samples=1) == pytest.approx(bound, abs=1.0)


def test_posterior_returns_mean_and_log_variance_of_q(trained, digits):
    z_mean, z_log_var = vae.posterior(trained, digits.X_test[:6])
    assert z_mean.shape == z_log_var.shape == (6, 2)
    np.testing.assert_allclose(z_mean, vae.encode(trained, digits.X_test[:6]))


def test_encode_decode_and_sample_shapes(trained, digits):
    codes = vae.encode(trained, digits.X_test[:10])
    assert codes.shape == (10, 2)
    images = vae.decode(trained, codes)
    assert images.shape == (10, digits.n_features)
    assert np.all((images >= 0) & (images <= 1))
    assert vae.sample(trained, 7, random_state=0).shape == (7, digits.n_features)
    np.testing.assert_array_equal(vae.sample(trained, 3, random_state=1), vae.sample(trained, 3, random_state=1))


def test_encode_returns_the_posterior_mean_without_noise(trained, digits):
    np.testing.assert_array_equal(vae.encode(trained, digits.X_test[:5]), vae.encode(trained, digits.X_test[:5]))


# --- Clear errors ------------------------------------------------------------

def test_wrong_input_width_is_rejected(trained):
    with pytest.raises(ValueError, match="X has 10 features, but the model expects n_features = 64"):
        vae.encode(trained, np.zeros((3, 10)))
    with pytest.raises(ValueError, match="expects n_features = 64"):
        vae.elbo(trained, np.zeros((3, 10)))


def test_wrong_latent_width_is_rejected(trained):
    with pytest.raises(ValueError, match="Z has 3 columns, but the model expects latent_dim = 2"):
        vae.decode(trained, np.zeros((4, 3)))


def test_bernoulli_likelihood_rejects_data_outside_unit_interval(small_train, trained):
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\] for a Bernoulli likelihood"):
        vae.fit_vae(small_train * 16, likelihood="bernoulli", epochs=1)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        vae.elbo(trained, np.full((2, 64), 1.5))


@pytest.mark.parametrize("latent_dim", [0, -2])
def test_non_positive_latent_width_is_rejected(small_train, latent_dim):
    with pytest.raises(ValueError, match=f"latent_dim must be an integer >= 1, got {latent_dim}"):
        vae.fit_vae(small_train, latent_dim=latent_dim)


def test_negative_beta_is_rejected(small_train):
    with pytest.raises(ValueError, match="beta must be >= 0, got -1"):
        vae.fit_vae(small_train, beta=-1.0)


def test_unknown_likelihood_is_rejected(small_train):
    with pytest.raises(ValueError, match="likelihood must be one of"):
        vae.fit_vae(small_train, likelihood="poisson")


def test_one_dimensional_and_non_finite_data_are_rejected(small_train):
    with pytest.raises(ValueError, match="2-D"):
        vae.fit_vae(small_train[0])
    bad = small_train.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        vae.fit_vae(bad)


def test_helpers_reject_a_model_that_is_not_a_vae():
    with pytest.raises(ValueError, match="model must be a VAE"):
        vae.encode(object(), np.zeros((1, 64)))


def test_likelihoods_reject_numpy_input_they_cannot_score():
    X = np.full((2, 3), 0.5)
    with pytest.raises(ValueError, match=r"probabilities must lie in \[0, 1\].*got values in \[1.5, 1.5\]"):
        vae.bernoulli_nll(X, np.full((2, 3), 1.5))
    with pytest.raises(ValueError, match=r"compatible shapes, got X \(2, 3\), probabilities \(2, 4\)"):
        vae.bernoulli_nll(X, np.full((2, 4), 0.5))
    with pytest.raises(ValueError, match=r"log_var must have shape \(n_features,\) = \(3,\), got \(2,\)"):
        vae.gaussian_nll(X, X, np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        vae.gaussian_nll(X, np.full((2, 3), np.nan), np.zeros(3))
