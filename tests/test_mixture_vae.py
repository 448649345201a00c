"""The mixture-prior VAE: closed-form terms, the K = 1 reduction, gradients, bad inputs.

Networks here are tiny and trained for an epoch or two: the tests check the
mathematics and the mechanics, not the quality of the clusters.
"""

import numpy as np
import pytest

from aegmm_lessons import repro

repro.setup(0, tensorflow=True)

import keras  # noqa: E402  (after repro.setup, which configures TensorFlow)
import tensorflow as tf  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.base import clone  # noqa: E402

from aegmm_lessons import mixture_vae as mv  # noqa: E402
from aegmm_lessons import vae  # noqa: E402
from aegmm_lessons.automl import log_likelihood_scorer  # noqa: E402
from aegmm_lessons.data import load_digits_scaled  # noqa: E402
from aegmm_lessons.params import GMMParams  # noqa: E402

N_TRAIN = 200
LATENT_DIM = 3
K = 4


@pytest.fixture(scope="module")
def digits():
    return load_digits_scaled()


@pytest.fixture(scope="module")
def X(digits):
    return digits.X_train[:N_TRAIN]


def random_prior(rng, n_components=K, latent_dim=LATENT_DIM):
    weights = rng.dirichlet(np.ones(n_components))
    return GMMParams(weights, rng.normal(size=(n_components, latent_dim)),
                     np.exp(rng.normal(scale=0.5, size=(n_components, latent_dim))), "diag")


def untrained_model(n_features, prior, hidden=(8,)):
    keras.utils.set_random_seed(0)
    encoder = vae.build_encoder(n_features, prior.n_features, hidden, seed=0)
    decoder = vae.build_decoder(prior.n_features, n_features, hidden)
    return mv.MixtureVAE(encoder, decoder, prior)


@pytest.fixture(scope="module")
def estimator(X):
    return mv.MixtureVAEClustering(K, latent_dim=LATENT_DIM, hidden_units=(16,), pretrain_epochs=2, epochs=2,
                                   batch_size=32, random_state=0).fit(X)


# --- closed forms against Monte Carlo ------------------------------------------


def test_component_kl_matches_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    prior = random_prior(rng)
    z_mean, z_log_var = rng.normal(size=(1, LATENT_DIM)), rng.normal(scale=0.5, size=(1, LATENT_DIM))
    closed = mv.component_kl(z_mean, z_log_var, prior.means, np.log(prior.covariances))[0]
    n_draws = 200_000
    sd = np.exp(0.5 * z_log_var)
    z = z_mean + sd * rng.standard_normal((n_draws, LATENT_DIM))
    log_q = stats.norm.logpdf(z, z_mean, sd).sum(axis=1)
    for c in range(K):
        log_ratio = log_q - stats.norm.logpdf(z, prior.means[c], np.sqrt(prior.covariances[c])).sum(axis=1)
        # Five standard errors of the Monte Carlo mean.
        assert closed[c] == pytest.approx(log_ratio.mean(), abs=5 * log_ratio.std() / np.sqrt(n_draws))


def random_full_prior(rng, n_components=K, latent_dim=LATENT_DIM):
    factors = rng.normal(scale=0.4, size=(n_components, latent_dim, latent_dim))
    covariances = factors @ np.swapaxes(factors, 1, 2) + 0.5 * np.eye(latent_dim)
    return GMMParams(rng.dirichlet(np.ones(n_components)), rng.normal(size=(n_components, latent_dim)),
                     covariances, "full")


def test_full_component_kl_matches_monte_carlo_estimate():
    rng = np.random.default_rng(10)
    prior = random_full_prior(rng)
    z_mean, z_log_var = rng.normal(size=(1, LATENT_DIM)), rng.normal(scale=0.5, size=(1, LATENT_DIM))
    closed = mv.component_kl_full(z_mean, z_log_var, prior.means, prior.precisions_cholesky())[0]
    n_draws = 200_000
    sd = np.exp(0.5 * z_log_var)
    z = z_mean + sd * rng.standard_normal((n_draws, LATENT_DIM))
    log_q = stats.norm.logpdf(z, z_mean, sd).sum(axis=1)
    for c in range(K):
        log_ratio = log_q - stats.multivariate_normal(prior.means[c], prior.covariances[c]).logpdf(z)
        assert closed[c] == pytest.approx(log_ratio.mean(), abs=5 * log_ratio.std() / np.sqrt(n_draws))


def test_full_terms_equal_the_diagonal_ones_for_diagonal_covariances():
    rng = np.random.default_rng(11)
    diag = random_prior(rng)
    full = GMMParams(diag.weights, diag.means, diag.full_covariances(), "full")
    z_mean, z_log_var = rng.normal(size=(6, LATENT_DIM)), rng.normal(size=(6, LATENT_DIM))
    np.testing.assert_allclose(mv.component_kl_full(z_mean, z_log_var, full.means, full.precisions_cholesky()),
                               mv.component_kl(z_mean, z_log_var, diag.means, np.log(diag.covariances)))
    np.testing.assert_allclose(mv.log_component_densities_full(z_mean, full.means, full.precisions_cholesky()),
                               mv.log_component_densities(z_mean, diag.means, np.log(diag.covariances)))


def test_categorical_kl_matches_monte_carlo_estimate():
    rng = np.random.default_rng(1)
    gamma, log_weights = rng.dirichlet(np.ones(K), size=1), np.log(rng.dirichlet(np.ones(K)))
    draws = rng.choice(K, size=200_000, p=gamma[0])
    log_ratio = np.log(gamma[0, draws]) - log_weights[draws]
    closed = mv.categorical_kl(gamma, log_weights)[0]
    assert closed == pytest.approx(log_ratio.mean(), abs=5 * log_ratio.std() / np.sqrt(len(draws)))


def test_categorical_kl_treats_zero_responsibility_as_zero():
    kl = mv.categorical_kl(np.array([[1.0, 0.0]]), np.log([0.25, 0.75]))
    assert kl[0] == pytest.approx(np.log(4.0))


def test_full_log_densities_match_scipy():
    rng = np.random.default_rng(12)
    prior, z = random_full_prior(rng), rng.normal(size=(5, LATENT_DIM))
    expected = np.column_stack([stats.multivariate_normal(m, c).logpdf(z)
                                for m, c in zip(prior.means, prior.covariances)])
    np.testing.assert_allclose(mv.log_component_densities_full(z, prior.means, prior.precisions_cholesky()), expected)


def test_log_component_densities_match_scipy():
    rng = np.random.default_rng(2)
    prior, z = random_prior(rng), rng.normal(size=(5, LATENT_DIM))
    expected = np.column_stack([stats.multivariate_normal(m, np.diag(v)).logpdf(z)
                                for m, v in zip(prior.means, prior.covariances)])
    np.testing.assert_allclose(mv.log_component_densities(z, prior.means, np.log(prior.covariances)), expected)


def test_responsibilities_are_the_mixture_posterior():
    rng = np.random.default_rng(3)
    prior, z = random_prior(rng), rng.normal(size=(6, LATENT_DIM))
    gamma = mv.responsibilities(z, np.log(prior.weights), prior.means, np.log(prior.covariances))
    expected = prior.to_sklearn().predict_proba(z)
    np.testing.assert_allclose(gamma, expected, atol=1e-12)


def test_tensor_and_numpy_terms_agree():
    rng = np.random.default_rng(4)
    prior = random_prior(rng)
    args = (rng.normal(size=(5, LATENT_DIM)), rng.normal(size=(5, LATENT_DIM)), prior.means, np.log(prior.covariances))
    as_tensors = [tf.constant(a) for a in args]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(mv.component_kl(*as_tensors)), mv.component_kl(*args))


# --- K = 1 is lesson 04's VAE ----------------------------------------------------


def test_one_standard_component_gives_exactly_the_vae_elbo(X):
    vae_model = vae.fit_vae(X, latent_dim=LATENT_DIM, hidden_units=(8,), epochs=1, random_state=0)
    standard = GMMParams(np.ones(1), np.zeros((1, LATENT_DIM)), np.ones((1, LATENT_DIM)), "diag")
    model = mv.MixtureVAE(vae_model.encoder, vae_model.decoder, standard)
    terms = mv.elbo_terms(model, X, n_samples=3, random_state=5)
    reference = vae.elbo(vae_model, X, n_samples=3, random_state=5)
    np.testing.assert_array_equal(terms["kl_categorical"], 0.0)
    assert terms["kl_mixture"].mean() == reference["kl"]
    assert terms["elbo"].mean() == pytest.approx(reference["elbo"], rel=1e-15, abs=1e-12)


def test_component_kl_to_the_standard_normal_is_gaussian_kl():
    rng = np.random.default_rng(6)
    z_mean, z_log_var = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    kl = mv.component_kl(z_mean, z_log_var, np.zeros((1, 2)), np.zeros((1, 2)))
    np.testing.assert_array_equal(kl[:, 0], vae.gaussian_kl(z_mean, z_log_var))


# --- the prior is trained ---------------------------------------------------------


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_gradient_reaches_weights_means_and_variances(X, covariance_type):
    rng = np.random.default_rng(7)
    prior = random_prior(rng) if covariance_type == "diag" else random_full_prior(rng)
    model = untrained_model(X.shape[1], prior)
    with tf.GradientTape() as tape:
        loss = sum(model.loss_terms(tf.constant(X[:64], dtype="float32")))
    scales = ([model.prior_log_vars] if covariance_type == "diag"
              else [model.prior_log_diagonals, model.prior_off_diagonals])
    prior_weights = [model.prior_logits, model.prior_means] + scales
    for weight, grad in zip(prior_weights, tape.gradient(loss, prior_weights)):
        assert grad is not None, weight.name
        grad = keras.ops.convert_to_numpy(grad)
        assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 0, weight.name


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_prior_weights_take_their_shapes_and_values_from_the_start_mixture(X, covariance_type):
    rng = np.random.default_rng(8)
    prior = random_prior(rng) if covariance_type == "diag" else random_full_prior(rng)
    model = untrained_model(X.shape[1], prior)
    assert tuple(model.prior_logits.shape) == (K - 1,)
    assert tuple(model.prior_means.shape) == (K, LATENT_DIM)
    n_prior_weights = sum(int(np.prod(w.shape)) for w in model.trainable_weights if w.name.startswith("prior_"))
    assert n_prior_weights == prior.n_parameters
    recovered = model.prior_params()
    np.testing.assert_allclose(recovered.weights, prior.weights, rtol=1e-5)
    np.testing.assert_allclose(recovered.means, prior.means, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(recovered.covariances, prior.covariances, rtol=1e-5)


def test_train_step_tracks_the_three_terms_and_their_sum(estimator):
    history = estimator.history_
    assert set(history) == {"loss", "reconstruction_loss", "kl_mixture_loss", "kl_categorical_loss"}
    total = np.add(history["reconstruction_loss"], history["kl_mixture_loss"]) + history["kl_categorical_loss"]
    np.testing.assert_allclose(history["loss"], total, rtol=1e-5)
    assert min(history["kl_mixture_loss"]) > 0 and min(history["kl_categorical_loss"]) >= 0


def test_training_moves_the_prior_away_from_its_start(estimator):
    assert not np.allclose(estimator.prior_.means, estimator.start_.means)
    assert not np.allclose(estimator.prior_.weights, estimator.start_.weights)


# --- the estimator -----------------------------------------------------------------


def test_estimator_outputs_have_documented_shapes(estimator, digits):
    X_test = digits.X_test[:30]
    assert estimator.transform(X_test).shape == (30, LATENT_DIM)
    proba = estimator.predict_proba(X_test)
    assert proba.shape == (30, K)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(estimator.predict(X_test), proba.argmax(axis=1))
    assert estimator.labels_.shape == estimator.start_labels_.shape == (N_TRAIN,)
    assert set(np.unique(estimator.start_labels_)) <= set(range(K))
    assert estimator.sample_component(1, 5).shape == (5, digits.n_features)


def test_score_is_the_mean_elbo_and_serves_the_search_scorer(estimator, digits):
    X_test = digits.X_test[:30]
    terms = mv.elbo_terms(estimator.model_, X_test)
    np.testing.assert_allclose(terms["elbo"], -(terms["reconstruction"] + terms["kl_mixture"]
                                                + terms["kl_categorical"]))
    assert estimator.score(X_test) == pytest.approx(terms["elbo"].mean())
    assert log_likelihood_scorer(estimator, X_test) == pytest.approx(estimator.score(X_test))


def test_clone_keeps_parameters_and_drops_the_fit(estimator):
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert not hasattr(copy, "model_")


# --- bad inputs ---------------------------------------------------------------------


def test_width_mismatch_names_both_widths(estimator, digits):
    with pytest.raises(ValueError, match="10 features.*n_features = 64"):
        estimator.predict(digits.X_test[:5, :10])


def test_more_components_than_the_batch_is_refused(X):
    with pytest.raises(ValueError, match="batch_size = 8 and n_components = 10"):
        mv.fit_mixture_vae(X, 10, batch_size=8)


def test_more_components_than_samples_is_refused(X):
    with pytest.raises(ValueError, match="n_components = 20 and n_samples = 5"):
        mv.fit_mixture_vae(X[:5], 20, batch_size=32)


def test_nan_in_the_data_is_refused(X, estimator):
    bad = X[:40].copy()
    bad[3, 7] = np.nan
    with pytest.raises(ValueError, match="must be finite, got 1 NaN"):
        mv.fit_mixture_vae(bad, 2)
    with pytest.raises(ValueError, match="must be finite"):
        estimator.score(bad)


def test_prior_of_the_wrong_width_or_type_is_refused(X):
    encoder, decoder = vae.build_encoder(X.shape[1], 3), vae.build_decoder(3, X.shape[1])
    narrow = random_prior(np.random.default_rng(9), latent_dim=2)
    with pytest.raises(ValueError, match="n_features = 2, but the encoder's latent_dim is 3"):
        mv.MixtureVAE(encoder, decoder, narrow)
    with pytest.raises(ValueError, match="prior must be a GMMParams, got dict"):
        mv.MixtureVAE(encoder, decoder, {"weights": [1.0]})


def test_component_terms_refuse_mismatched_widths():
    with pytest.raises(ValueError, match="z_mean has 2 columns, but the mixture expects latent_dim = 3"):
        mv.component_kl(np.zeros((4, 2)), np.zeros((4, 2)), np.zeros((K, 3)), np.zeros((K, 3)))
    with pytest.raises(ValueError, match=r"log_weights must have shape \(n_components,\) = \(4,\), got \(3,\)"):
        mv.categorical_kl(np.full((2, 4), 0.25), np.zeros(3))


def test_sample_component_refuses_a_component_out_of_range(estimator):
    with pytest.raises(ValueError, match=f"component must be < n_components = {K}, got {K}"):
        estimator.sample_component(K, 3)
