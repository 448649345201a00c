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
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from aegmm_lessons import vae  # noqa: E402

N_TRAIN = 256
EPOCHS = 4


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

def test_elbo_respects_the_bernoulli_reconstruction_floor(trained, digits):
    result = vae.elbo(trained, digits.X_test)
    floor = vae.bernoulli_entropy(digits.X_test).mean()
    assert result["reconstruction"] > floor
    assert -result["elbo"] > floor


def test_elbo_draws_depend_on_random_state_and_nothing_else(trained, digits):
    first = vae.elbo(trained, digits.X_test, random_state=3)
    other = vae.elbo(trained, digits.X_test, random_state=4)  # would advance any shared random state
    assert other["reconstruction"] != first["reconstruction"]
    assert vae.elbo(trained, digits.X_test, random_state=3) == first


def test_importance_sampled_log_likelihood_lies_above_the_elbo(trained, digits):
    X = digits.X_test[:100]
    bound = vae.elbo(trained, X, n_draws=20)["elbo"]
    assert vae.log_marginal_likelihood(trained, X, n_draws=50) > bound
    # With one importance sample the estimate is an unbiased estimate of the ELBO.
    assert vae.log_marginal_likelihood(trained, X, n_draws=1) == pytest.approx(bound, abs=1.0)


def test_encode_decode_and_sample_shapes(trained, digits):
    codes = vae.encode(trained, digits.X_test[:10])
    assert codes.shape == (10, 2)
    images = vae.decode(trained, codes)
    assert images.shape == (10, digits.n_features)
    assert np.all((images >= 0) & (images <= 1))
    assert vae.sample(trained, 7, random_state=0).shape == (7, digits.n_features)
    draws = vae.sample(trained, 3, random_state=1)
    np.testing.assert_array_equal(vae.sample(trained, 3, random_state=1), draws)
    assert not np.allclose(vae.sample(trained, 3, random_state=2), draws)


def _relu(a):
    return np.maximum(a, 0.0)


def _dense(network, name, inputs):
    kernel, bias = network.get_layer(name).get_weights()
    return inputs @ kernel.astype(np.float64) + bias


def test_posterior_and_encode_are_the_encoder_layers_computed_in_numpy(trained, digits):
    # The encoder of `trained` has one hidden ReLU layer: h = relu(x W + b), then two linear heads.
    X = digits.X_test[:20]
    hidden_name = trained.encoder.layers[1].name
    hidden = _relu(_dense(trained.encoder, hidden_name, X))
    z_mean, z_log_var = vae.posterior(trained, X)
    np.testing.assert_allclose(z_mean, _dense(trained.encoder, "z_mean", hidden), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(z_log_var, _dense(trained.encoder, "z_log_var", hidden), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(vae.encode(trained, X), _dense(trained.encoder, "z_mean", hidden), rtol=1e-4, atol=1e-5)


def test_decode_is_the_decoder_layers_computed_in_numpy(trained):
    Z = np.random.default_rng(5).normal(size=(15, 2))
    hidden = _relu(_dense(trained.decoder, trained.decoder.layers[1].name, Z))
    expected = 1.0 / (1.0 + np.exp(-_dense(trained.decoder, "x_hat", hidden)))
    np.testing.assert_allclose(vae.decode(trained, Z), expected, rtol=1e-4, atol=1e-6)


# --- A linear Gaussian VAE whose encoder is the exact posterior: every quantity is known --

@pytest.fixture(scope="module")
def exact_linear_vae():
    """p(z) = N(0, I), p(x | z) = N(U z + d, I) and q(z | x) = p(z | x), built from linear layers.

    U has orthogonal columns, so the exact posterior N(S U^T (x - d), S), S = (I + U^T U)^-1,
    is diagonal, as the encoder's q is; and log p(x) = log N(x; d, U U^T + I).
    """
    n_features, latent_dim = 5, 2
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.normal(size=(n_features, latent_dim)))[0] * [1.5, 0.7]
    d = rng.normal(size=n_features)
    S = np.linalg.inv(np.eye(latent_dim) + U.T @ U)
    encoder = vae.build_encoder(n_features, latent_dim, hidden_units=(), random_state=0)
    decoder = vae.build_decoder(latent_dim, n_features, hidden_units=(), likelihood="gaussian")
    encoder.get_layer("z_mean").set_weights([(S @ U.T).T, -S @ U.T @ d])
    encoder.get_layer("z_log_var").set_weights([np.zeros((n_features, latent_dim)), np.log(np.diag(S))])
    decoder.get_layer("x_hat").set_weights([U.T, d])
    model = vae.VAE(encoder, decoder, likelihood="gaussian")
    X = rng.multivariate_normal(d, U @ U.T + np.eye(n_features), size=40)
    log_px = stats.multivariate_normal(d, U @ U.T + np.eye(n_features)).logpdf(X)
    return model, X, U, d, S, log_px


def test_elbo_of_the_exact_posterior_matches_its_closed_form(exact_linear_vae):
    model, X, U, d, S, log_px = exact_linear_vae
    m = (X - d) @ U @ S  # posterior means, (n, latent_dim)
    expected_reconstruction = 0.5 * np.mean(
        np.sum(np.log(2 * np.pi) + (X - d - m @ U.T) ** 2, axis=1) + np.sum(U**2 * np.diag(S), axis=None)
    )
    expected_kl = np.mean(0.5 * np.sum(m**2 + np.diag(S) - 1 - np.log(np.diag(S)), axis=1))
    result = vae.elbo(model, X, n_draws=4000, random_state=0)
    assert result["kl"] == pytest.approx(expected_kl, rel=1e-4)
    assert result["reconstruction"] == pytest.approx(expected_reconstruction, rel=2e-3)
    # With q equal to the true posterior the bound is tight: ELBO = log p(x).
    assert result["elbo"] == pytest.approx(log_px.mean(), rel=2e-3)


def test_importance_sampling_with_the_exact_posterior_gives_log_px_for_any_number_of_samples(exact_linear_vae):
    model, X, _, _, _, log_px = exact_linear_vae
    # Every importance weight p(x, z) / q(z | x) equals p(x): the estimate has no variance.
    for n_samples in (1, 7):
        estimate = vae.log_marginal_likelihood(model, X, n_draws=n_samples, random_state=n_samples)
        assert estimate == pytest.approx(log_px.mean(), abs=1e-4)


# --- Loss terms on tensors agree with the NumPy ones, and broadcast over draws ------------

def test_likelihoods_on_tensors_equal_the_numpy_values():
    rng = np.random.default_rng(6)
    X, output, log_var = rng.uniform(size=(4, 3)), rng.uniform(0.05, 0.95, size=(4, 3)), rng.normal(size=3)
    tensor = keras.ops.convert_to_tensor
    np.testing.assert_allclose(keras.ops.convert_to_numpy(vae.bernoulli_nll(tensor(X), tensor(output))),
                               vae.bernoulli_nll(X, output), rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(vae.gaussian_nll(tensor(X), tensor(output), tensor(log_var))),
                               vae.gaussian_nll(X, output, log_var), rtol=1e-5)


def test_likelihoods_score_several_draws_of_decoder_outputs_at_once():
    rng = np.random.default_rng(7)
    X, outputs = rng.uniform(size=(4, 3)), rng.uniform(0.05, 0.95, size=(2, 4, 3))
    per_draw = vae.bernoulli_nll(X, outputs)
    assert per_draw.shape == (2, 4)
    np.testing.assert_allclose(per_draw[1], vae.bernoulli_nll(X, outputs[1]))
    log_var = np.zeros(3)
    np.testing.assert_allclose(vae.gaussian_nll(X, outputs, log_var)[0], vae.gaussian_nll(X, outputs[0], log_var))


def test_bernoulli_entropy_of_a_grey_pixel_is_log_2():
    np.testing.assert_allclose(vae.bernoulli_entropy(np.full((2, 3), 0.5)), 3 * np.log(2))


# --- Bad input: a clear error naming the parameter and the value --------------------------

X01 = np.random.default_rng(1).uniform(size=(32, 6))
NAN = np.full((3, 2), np.nan)


def bad(case_id, call, pattern, error=ValueError):
    """A row: ``call(trained_model)`` raises ``error`` whose message matches ``pattern``."""
    return pytest.param(call, error, pattern, id=case_id)


BAD_INPUTS = [
    bad("width-gaussian_kl", lambda m: vae.gaussian_kl(np.zeros((3, 2)), np.zeros((3, 3))), r"log_var.*\(3, 3\)"),
    bad("nan-gaussian_kl", lambda m: vae.gaussian_kl(NAN, np.zeros((3, 2))), r"mu contains NaN"),
    bad("inf-gaussian_kl", lambda m: vae.gaussian_kl(np.zeros((3, 2)), np.full((3, 2), np.inf)), r"log_var.*infinity"),
    bad("1d-gaussian_kl", lambda m: vae.gaussian_kl(np.zeros(3), np.zeros(3)), r"2D array, got 1D"),
    bad("negative-beta-fit_vae", lambda m: vae.fit_vae(X01, beta=-1.0, epochs=1), r"beta == -1\.0"),
    bad("nan-beta-fit_vae", lambda m: vae.fit_vae(X01, beta=float("nan"), epochs=1), r"beta.*nan"),
    bad("negative-beta-VAE", lambda m: vae.VAE(m.encoder, m.decoder, beta=-1.0), r"beta == -1\.0"),
    bad("unknown-fit_vae-likelihood", lambda m: vae.fit_vae(X01, likelihood="poisson"), r"likelihood.*'poisson'"),
    bad("unknown-build_decoder-likelihood", lambda m: vae.build_decoder(2, 6, likelihood="auto"),
        r"likelihood.*'auto'"),
    bad("nan-fit_vae", lambda m: vae.fit_vae(np.full((4, 3), np.nan), epochs=1), r"X contains NaN"),
    bad("1d-fit_vae", lambda m: vae.fit_vae(X01[:, 0], epochs=1), r"2D array, got 1D"),
    bad("empty-fit_vae", lambda m: vae.fit_vae(X01[:0], epochs=1), r"0 sample"),
    bad("dtype-fit_vae-complex", lambda m: vae.fit_vae(X01 + 1j, epochs=1), r"[Cc]omplex"),
    bad("range-fit_vae", lambda m: vae.fit_vae(X01 * 4 - 2, likelihood="bernoulli"), r"X must lie.*\[-\d"),
    bad("width-gaussian_nll-mean", lambda m: vae.gaussian_nll(X01, X01[:3], np.zeros(6)), r"mean.*\(3, 6\)"),
    bad("width-gaussian_nll-log_var", lambda m: vae.gaussian_nll(X01, X01, np.zeros(2)), r"log_var.*\(2,\)"),
    bad("range-bernoulli_nll-probabilities", lambda m: vae.bernoulli_nll(X01, np.full(X01.shape, 1.5)),
        r"probabilities must lie in \[0, 1\].*1\.5"),
    bad("range-bernoulli_entropy", lambda m: vae.bernoulli_entropy(X01 * 3), r"X must lie in \[0, 1\].*2\.\d+\]"),
    bad("empty-build_decoder-latent_dim", lambda m: vae.build_decoder(0, 6), r"latent_dim == 0"),
    bad("empty-build_encoder", lambda m: vae.build_encoder(6, 2, hidden_units=(0,)), r"hidden_units\[0\] == 0"),
    bad("dtype-fit_vae-latent_dim", lambda m: vae.fit_vae(X01, latent_dim=2.5), r"latent_dim.*float", TypeError),
    bad("width-encode", lambda m: vae.encode(m, np.ones((3, 5))), r"X has 5 features.*n_features=64"),
    bad("width-decode", lambda m: vae.decode(m, np.ones((3, 5))), r"Z has 5 columns.*latent_dim=2"),
    bad("width-elbo", lambda m: vae.elbo(m, np.ones((3, 5))), r"X has 5 features.*n_features=64"),
    bad("range-elbo-bernoulli", lambda m: vae.elbo(m, np.full((2, 64), 1.5)), r"X must lie in \[0, 1\].*1\.5"),
    bad("empty-sample", lambda m: vae.sample(m, 0), r"n_samples == 0"),
    bad("dtype-encode-not-a-vae", lambda m: vae.encode(m.encoder, X01), r"model must be a VAE.*Functional", TypeError),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("call, error, pattern", BAD_INPUTS)
def test_bad_input_raises_an_error_naming_parameter_and_value(trained, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call(trained)


# --------------------------------------------------------------------------- VAE as an estimator


def test_vae_estimator_is_searchable_and_scored_by_held_out_elbo():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV, ShuffleSplit

    from aegmm_lessons import automl

    X = load_digits().data[:240] / 16.0
    X_fit, X_held_out = X[:180], X[180:]
    estimator = vae.VAEEstimator(latent_dim=2, hidden_units=(16,), epochs=1, batch_size=60, random_state=0)
    search = GridSearchCV(estimator, {"beta": [0.5, 1.0]}, cv=ShuffleSplit(1, test_size=0.5, random_state=0))
    rows = automl.results_table(search.fit(X_fit))
    assert sorted(row["beta"] for row in rows) == [0.5, 1.0]
    assert np.all(np.isfinite([row["mean_score"] for row in rows]))
    best = search.best_estimator_
    assert best.n_features_in_ == 64 and best.model_.beta == search.best_params_["beta"]
    assert best.score(X_held_out) == vae.elbo(best.model_, X_held_out)["elbo"]
    np.testing.assert_array_equal(best.transform(X_held_out), vae.encode(best.model_, X_held_out))
    with pytest.raises(ValueError, match="5 features"):
        best.score(np.ones((3, 5)))


def test_vae_estimator_refuses_to_score_before_fit_and_rejects_bad_parameters():
    from sklearn.exceptions import NotFittedError

    estimator = vae.VAEEstimator(latent_dim=3, beta=0.5)
    with pytest.raises(NotFittedError, match="VAEEstimator"):
        estimator.score(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="'betta'"):
        estimator.set_params(betta=2.0)
    with pytest.raises(ValueError, match=r"beta.*-1\.0"):
        vae.VAEEstimator(beta=-1.0, epochs=1).fit(np.random.default_rng(1).uniform(size=(32, 6)))


@parametrize_with_checks([vae.VAEEstimator(epochs=1, hidden_units=(4,), batch_size=32)])
def test_vae_estimator_passes_check_estimator(estimator, check):
    check(estimator)


def test_a_pickled_vae_estimator_scores_encodes_and_decodes_as_the_original(small_train):
    import pickle

    estimator = vae.VAEEstimator(latent_dim=2, hidden_units=(8,), epochs=1, batch_size=64,
                                 random_state=0).fit(small_train)
    copy = pickle.loads(pickle.dumps(estimator))
    assert copy.score(small_train) == estimator.score(small_train)
    np.testing.assert_array_equal(copy.transform(small_train), estimator.transform(small_train))
    z = np.zeros((3, 2))
    np.testing.assert_array_equal(vae.decode(copy.model_, z), vae.decode(estimator.model_, z))
    assert (copy.model_.beta, copy.model_.likelihood) == (estimator.model_.beta, estimator.model_.likelihood)


def test_unpickling_restores_adam_s_state_without_a_warning(small_train, recwarn):
    import pickle

    estimator = vae.VAEEstimator(latent_dim=2, hidden_units=(8,), epochs=1, batch_size=64,
                                 random_state=0).fit(small_train)
    copy = pickle.loads(pickle.dumps(estimator))
    assert not [w for w in recwarn if "Skipping variable loading" in str(w.message)]
    saved, loaded = (model.optimizer.variables for model in (estimator.model_, copy.model_))
    assert len(loaded) == len(saved) > 2  # the moments, not only the step count and the learning rate
    for a, b in zip(saved, loaded, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
