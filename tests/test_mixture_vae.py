"""The mixture-prior VAE: closed forms, the K = 1 reduction, the trainable prior, the estimator, bad inputs.

Networks here are tiny and trained for an epoch or two: the tests check the mathematics and the
mechanics, not the quality of the clusters.
"""

import numpy as np
import pytest

from aegmm_lessons import repro

repro.setup(0, tensorflow=True)

import keras  # noqa: E402  (after repro.setup, which configures TensorFlow)
import tensorflow as tf  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from aegmm_lessons import mixture_vae as mv  # noqa: E402
from aegmm_lessons import vae  # noqa: E402
from aegmm_lessons.automl import log_likelihood_scorer  # noqa: E402
from aegmm_lessons.gmm import e_step, estimate_log_gaussian_prob  # noqa: E402
from aegmm_lessons.params import GMMParams  # noqa: E402

# Keras variables converted with np.array warn on NumPy 2; the module must not do that.
pytestmark = pytest.mark.filterwarnings("error:__array__ implementation:DeprecationWarning")

N_TRAIN = 200
LATENT_DIM = 3
K = 4
SETTINGS = {"latent_dim": LATENT_DIM, "hidden_units": (16,), "pretrain_epochs": 2, "epochs": 2, "batch_size": 32,
            "graph_weight": 0.5, "n_neighbors": 5}


@pytest.fixture(scope="module")
def pixels(digits):
    return digits.X_train[:N_TRAIN]


@pytest.fixture(scope="module")
def estimator(pixels):
    return mv.MixtureVAEClustering(K, random_state=0, **SETTINGS).fit(pixels)


def untrained_model(n_features, prior, hidden=(8,)):
    keras.utils.set_random_seed(0)
    encoder = vae.build_encoder(n_features, prior.n_features, hidden, random_state=0)
    decoder = vae.build_decoder(prior.n_features, n_features, hidden)
    return mv.MixtureVAE(encoder, decoder, prior)


def posterior_draws(rng, n_draws=200_000):
    z_mean, z_log_var = rng.normal(size=(1, LATENT_DIM)), rng.normal(scale=0.5, size=(1, LATENT_DIM))
    z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal((n_draws, LATENT_DIM))
    return z_mean, z_log_var, z, stats.norm.logpdf(z, z_mean, np.exp(0.5 * z_log_var)).sum(axis=1)


# --- closed forms -----------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_component_kl_matches_monte_carlo_estimate(random_params, covariance_type):
    prior = random_params(K, LATENT_DIM, covariance_type, seed=1)
    z_mean, z_log_var, z, log_q = posterior_draws(np.random.default_rng(0))
    if covariance_type == "diag":
        closed = mv.component_kl(z_mean, z_log_var, prior.means, np.log(prior.covariances))[0]
    else:
        closed = mv.component_kl_full(z_mean, z_log_var, prior.means, prior.precisions_cholesky())[0]
    for c in range(K):
        log_ratio = log_q - stats.multivariate_normal(prior.means[c], prior.full_covariances()[c]).logpdf(z)
        # Five standard errors of the Monte Carlo mean.
        assert closed[c] == pytest.approx(log_ratio.mean(), abs=5 * log_ratio.std() / np.sqrt(len(z)))


def test_full_kl_equals_the_diagonal_kl_for_diagonal_covariances(random_params):
    diag = random_params(K, LATENT_DIM, "diag", seed=2)
    full = GMMParams(diag.weights, diag.means, diag.full_covariances(), "full")
    rng = np.random.default_rng(2)
    z_mean, z_log_var = rng.normal(size=(6, LATENT_DIM)), rng.normal(size=(6, LATENT_DIM))
    np.testing.assert_allclose(mv.component_kl_full(z_mean, z_log_var, full.means, full.precisions_cholesky()),
                               mv.component_kl(z_mean, z_log_var, diag.means, np.log(diag.covariances)))


def test_component_kl_to_the_standard_normal_is_gaussian_kl():
    rng = np.random.default_rng(6)
    z_mean, z_log_var = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    kl = mv.component_kl(z_mean, z_log_var, np.zeros((1, 2)), np.zeros((1, 2)))
    np.testing.assert_array_equal(kl[:, 0], vae.gaussian_kl(z_mean, z_log_var))


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


def test_full_log_densities_match_scipy(random_params):
    prior, z = random_params(K, LATENT_DIM, "full", seed=3), np.random.default_rng(3).normal(size=(5, LATENT_DIM))
    expected = np.column_stack([stats.multivariate_normal(m, c).logpdf(z)
                                for m, c in zip(prior.means, prior.covariances, strict=True)])
    np.testing.assert_allclose(mv.log_component_densities_full(z, prior.means, prior.precisions_cholesky()), expected)


def test_softmax_responsibilities_are_lesson_01_e_step(random_params):
    prior, z = random_params(K, LATENT_DIM, "full", seed=4), np.random.default_rng(4).normal(size=(50, LATENT_DIM))
    log_densities = mv.log_component_densities_full(z, prior.means, prior.precisions_cholesky())
    gamma = mv.softmax_responsibilities(log_densities, np.log(prior.weights))
    np.testing.assert_allclose(gamma, np.exp(e_step(z, prior)[1]), atol=1e-12)
    np.testing.assert_allclose(gamma, prior.to_sklearn().predict_proba(z), atol=1e-12)


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_training_terms_on_tensors_agree_with_numpy(random_params, covariance_type):
    """The keras.ops code used in training is the NumPy closed form, to float32 precision."""
    prior = random_params(K, LATENT_DIM, covariance_type, seed=5)
    rng = np.random.default_rng(5)
    z_mean, z_log_var = rng.normal(size=(5, LATENT_DIM)), rng.normal(scale=0.3, size=(5, LATENT_DIM))
    model = untrained_model(64, prior)
    means = model.prior_means.numpy()

    def as_tensors(*arrays):
        return [tf.constant(a, dtype="float32") for a in arrays]

    if covariance_type == "diag":
        log_vars = model.prior_log_vars.numpy()
        kl = mv.component_kl(*as_tensors(z_mean, z_log_var, means, log_vars))
        expected_kl = mv.component_kl(z_mean, z_log_var, means, log_vars)
        log_densities = mv._log_densities_diag(*as_tensors(z_mean, means, log_vars))
        expected_log_densities = estimate_log_gaussian_prob(z_mean, means, np.exp(-0.5 * log_vars), "diag")
    else:
        factors = keras.ops.convert_to_numpy(model.precisions_cholesky())
        kl = mv.component_kl_full(*as_tensors(z_mean, z_log_var, means, factors))
        expected_kl = mv.component_kl_full(z_mean, z_log_var, means, factors)
        log_densities = mv.log_component_densities_full(*as_tensors(z_mean, means, factors))
        expected_log_densities = mv.log_component_densities_full(z_mean, means, factors)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(kl), expected_kl, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(log_densities), expected_log_densities, rtol=1e-4)
    gamma = rng.dirichlet(np.ones(K), size=5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(mv.categorical_kl(*as_tensors(gamma, np.log(prior.weights)))),
                               mv.categorical_kl(gamma, np.log(prior.weights)), rtol=1e-5)


# --- K = 1 is lesson 04's VAE ----------------------------------------------------


def test_one_standard_component_gives_exactly_the_vae_elbo(pixels):
    vae_model = vae.fit_vae(pixels, latent_dim=LATENT_DIM, hidden_units=(8,), epochs=1, random_state=0)
    standard = GMMParams(np.ones(1), np.zeros((1, LATENT_DIM)), np.ones((1, LATENT_DIM)), "diag")
    model = mv.MixtureVAE(vae_model.encoder, vae_model.decoder, standard)
    terms = mv.elbo_terms(model, pixels, n_draws=3, random_state=5)
    reference = vae.elbo(vae_model, pixels, n_draws=3, random_state=5)
    np.testing.assert_array_equal(terms["kl_categorical"], 0.0)
    assert terms["kl_mixture"].mean() == reference["kl"]
    assert terms["elbo"].mean() == pytest.approx(reference["elbo"], rel=1e-15, abs=1e-12)


# --- the prior is trained ---------------------------------------------------------


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_gradient_reaches_weights_means_and_variances(pixels, random_params, covariance_type):
    model = untrained_model(pixels.shape[1], random_params(K, LATENT_DIM, covariance_type, seed=7))
    with tf.GradientTape() as tape:
        loss = sum(model.loss_terms(tf.constant(pixels[:64], dtype="float32")))
    prior_weights = [w for w in model.trainable_weights if w.name.startswith("prior_")]
    assert len(prior_weights) == (3 if covariance_type == "diag" else 4)
    for weight, grad in zip(prior_weights, tape.gradient(loss, prior_weights), strict=True):
        assert grad is not None, weight.name
        grad = keras.ops.convert_to_numpy(grad)
        assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 0, weight.name


@pytest.mark.parametrize("covariance_type", ["diag", "full"])
def test_prior_weights_take_their_shapes_and_values_from_the_start_mixture(pixels, random_params, covariance_type):
    prior = random_params(K, LATENT_DIM, covariance_type, seed=8)
    model = untrained_model(pixels.shape[1], prior)
    assert tuple(model.prior_logits.shape) == (K - 1,)
    assert tuple(model.prior_means.shape) == (K, LATENT_DIM)
    n_prior_weights = sum(int(np.prod(w.shape)) for w in model.trainable_weights if w.name.startswith("prior_"))
    assert n_prior_weights == prior.n_parameters
    recovered = model.prior_params()
    np.testing.assert_allclose(recovered.weights, prior.weights, rtol=1e-5)
    np.testing.assert_allclose(recovered.means, prior.means, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(recovered.covariances, prior.covariances, rtol=1e-4, atol=1e-6)


def test_train_step_tracks_the_four_terms_and_their_weighted_sum(estimator):
    history = estimator.history_
    total = (np.add(history["reconstruction_loss"], history["kl_mixture_loss"]) + history["kl_categorical_loss"]
             + SETTINGS["graph_weight"] * np.asarray(history["graph_loss"]))
    np.testing.assert_allclose(history["loss"], total, rtol=1e-5)
    assert len(history["loss"]) == SETTINGS["epochs"]
    assert min(history["kl_mixture_loss"]) > 0 and min(history["kl_categorical_loss"]) >= 0
    assert min(history["graph_loss"]) > 0
    pretraining = estimator.pretrain_history_
    graph_part = SETTINGS["graph_weight"] * np.asarray(pretraining["graph_loss"])
    np.testing.assert_allclose(pretraining["loss"], graph_part + pretraining["reconstruction_loss"], rtol=1e-5)


def test_beta_weights_both_kl_terms(pixels, random_params):
    model = untrained_model(pixels.shape[1], random_params(K, LATENT_DIM, "full", seed=9))
    model.beta = 3.0
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0))
    logs = model.train_step(tf.constant(pixels[:32], dtype="float32"))
    expected = logs["reconstruction_loss"] + 3.0 * (logs["kl_mixture_loss"] + logs["kl_categorical_loss"])
    assert float(logs["loss"]) == pytest.approx(float(expected), rel=1e-5)


def test_training_moves_the_prior_away_from_its_start(estimator):
    assert not np.allclose(estimator.prior_.means, estimator.start_.means)
    assert not np.allclose(estimator.prior_.weights, estimator.start_.weights)


# --- the estimator -----------------------------------------------------------------


def test_predict_proba_is_the_e_step_of_the_trained_prior_at_the_posterior_means(estimator, digits):
    X_test = digits.X_test[:30]
    proba = estimator.predict_proba(X_test)
    np.testing.assert_allclose(proba, np.exp(e_step(estimator.transform(X_test), estimator.prior_)[1]), atol=1e-10)
    np.testing.assert_array_equal(estimator.predict(X_test), proba.argmax(axis=1))
    assert estimator.transform(X_test).shape == (30, LATENT_DIM)
    assert estimator.labels_.shape == estimator.start_labels_.shape == (N_TRAIN,)


def test_sample_component_decodes_draws_from_that_component(estimator, digits):
    samples = estimator.sample_component(1, 5, random_state=3)
    assert samples.shape == (5, digits.n_features) and np.all((samples >= 0) & (samples <= 1))
    np.testing.assert_array_equal(samples, estimator.sample_component(1, 5, random_state=3))
    assert not np.allclose(samples, estimator.sample_component(2, 5, random_state=3))


def test_score_is_the_mean_elbo_and_serves_the_search_scorer(estimator, digits):
    X_test = digits.X_test[:30]
    terms = mv.elbo_terms(estimator.model_, X_test)
    np.testing.assert_allclose(terms["elbo"], -(terms["reconstruction"] + terms["kl_mixture"]
                                                + terms["kl_categorical"]))
    assert np.all(terms["kl_mixture"] > 0) and np.all(terms["kl_categorical"] >= 0)
    assert estimator.score(X_test) == pytest.approx(terms["elbo"].mean())
    assert log_likelihood_scorer(estimator, X_test) == pytest.approx(estimator.score(X_test))


def test_a_clone_refitted_with_the_same_seed_gives_the_same_model(estimator, pixels):
    refitted = clone(estimator).fit(pixels)
    np.testing.assert_array_equal(refitted.labels_, estimator.labels_)
    np.testing.assert_allclose(refitted.prior_.means, estimator.prior_.means)


# --- bad inputs ---------------------------------------------------------------------


def test_unfitted_estimator_refuses_to_predict(pixels):
    with pytest.raises(NotFittedError):
        mv.MixtureVAEClustering(K).predict(pixels)


@pytest.mark.parametrize("bad, error, match", [
    (lambda x: x[:5, :10], ValueError, r"10 features.*64"),
    (lambda x: x[0], ValueError, r"1D array"),
    (lambda x: np.where(np.arange(64) == 7, np.nan, x[:40]), ValueError, r"X contains NaN"),
    (lambda x: np.where(np.arange(64) == 7, np.inf, x[:40]), ValueError, r"X contains infinity"),
    (lambda x: x[:40] - 0.5, ValueError, r"X must lie in \[0, 1\].*-0\.5"),
    (lambda x: np.full((3, 64), "a"), ValueError, r"strings"),
])
def test_fitted_estimator_refuses_bad_data(estimator, pixels, bad, error, match):
    with pytest.raises(error, match=match):
        estimator.predict(bad(pixels))
    with pytest.raises(error, match=match):
        estimator.score(bad(pixels))


@pytest.mark.parametrize("data, params, match", [
    (lambda x: np.empty((0, 64)), {}, r"0 sample"),
    (lambda x: x[:5], {"n_components": 20}, r"n_components=20 must be <= n_samples=5"),
    (lambda x: x, {"n_components": 10, "batch_size": 8}, r"n_components=10 must be <= batch_size=8"),
    (lambda x: x, {"beta": -1.0, "pretrain_epochs": 0}, r"beta == -1\.0"),
    (lambda x: x, {"learning_rate": -0.1}, r"learning_rate == -0\.1"),
    (lambda x: x, {"pretrain_epochs": -1}, r"pretrain_epochs == -1"),
    (lambda x: x, {"hidden_units": (16, 0)}, r"hidden_units\[1\] == 0"),
    (lambda x: x[:40], {"n_neighbors": 40}, r"n_neighbors=40 must be < n_samples=40"),
    (lambda x: x, {"graph_weight": -1.0}, r"graph_weight == -1\.0"),
    (lambda x: x, {"reconstruction_weight": -0.5}, r"reconstruction_weight == -0\.5"),
    (lambda x: x, {"joint_learning_rate": -1e-3}, r"joint_learning_rate == -0\.001"),
    (lambda x: x, {"joint_learning_rate": 0.0}, r"joint_learning_rate == 0\.0, must be > 0"),
    (lambda x: x, {"schedule": "linear"}, r"schedule must be one of \('cosine', 'constant'\), got 'linear'"),
    (lambda x: x, {"initial_log_var": np.nan}, r"initial_log_var must be a finite number or None"),
    (lambda x: np.where(np.arange(64) == 3, np.nan, x), {}, r"X contains NaN"),
])
def test_fit_refuses_bad_data_and_settings(pixels, data, params, match):
    with pytest.raises(ValueError, match=match):
        mv.MixtureVAEClustering(**{"n_components": K, **SETTINGS, "epochs": 1, **params}).fit(data(pixels))


def test_unknown_parameter_name_is_refused():
    with pytest.raises(ValueError, match="n_component"):
        mv.MixtureVAEClustering().set_params(n_component=3)


def test_prior_of_the_wrong_width_or_type_is_refused(pixels, random_params):
    encoder, decoder = vae.build_encoder(pixels.shape[1], 3), vae.build_decoder(3, pixels.shape[1])
    with pytest.raises(ValueError, match="prior has n_features=2, but expected n_features=3"):
        mv.MixtureVAE(encoder, decoder, random_params(K, 2, "diag", seed=9))
    with pytest.raises(TypeError, match="prior must be a GMMParams, got dict"):
        mv.MixtureVAE(encoder, decoder, {"weights": [1.0]})
    with pytest.raises(ValueError, match=r"decoder has 10 outputs, but n_features=64"):
        mv.MixtureVAE(encoder, vae.build_decoder(3, 10), random_params(K, 3, "diag", seed=9))


def test_closed_forms_refuse_mismatched_shapes():
    zeros = np.zeros
    with pytest.raises(ValueError, match="z_mean has 2 features, but expected n_features=3"):
        mv.component_kl(zeros((4, 2)), zeros((4, 2)), zeros((K, 3)), zeros((K, 3)))
    with pytest.raises(ValueError, match=r"z_mean and z_log_var must have one shape.*\(4, 3\).*\(5, 3\)"):
        mv.component_kl(zeros((4, 3)), zeros((5, 3)), zeros((K, 3)), zeros((K, 3)))
    with pytest.raises(ValueError, match=r"log_vars has shape \(4, 2\), but means has shape \(4, 3\)"):
        mv.component_kl(zeros((4, 3)), zeros((4, 3)), zeros((K, 3)), zeros((K, 2)))
    with pytest.raises(ValueError, match=r"precisions_chol has shape \(4, 3\), but means has shape \(4, 3\)"):
        mv.component_kl_full(zeros((4, 3)), zeros((4, 3)), zeros((K, 3)), zeros((K, 3)))
    with pytest.raises(ValueError, match=r"z has 2 features, but expected n_features=3"):
        mv.log_component_densities_full(zeros((4, 2)), zeros((K, 3)), np.tile(np.eye(3), (K, 1, 1)))
    with pytest.raises(ValueError, match=r"log_weights has shape \(3,\), but gamma has n_components=4"):
        mv.categorical_kl(np.full((2, 4), 0.25), zeros(3))
    with pytest.raises(ValueError, match="gamma contains NaN"):
        mv.categorical_kl(np.full((2, 4), np.nan), zeros(4))


def test_model_functions_refuse_a_bad_model_or_component(estimator, pixels):
    with pytest.raises(TypeError, match="model must be a MixtureVAE, got str"):
        mv.elbo_terms("model", pixels)
    with pytest.raises(ValueError, match="n_draws == 0"):
        mv.elbo_terms(estimator.model_, pixels, n_draws=0)
    with pytest.raises(ValueError, match=f"component={K} must be < n_components={K}"):
        estimator.sample_component(K, 3)
    with pytest.raises(ValueError, match="component == -1"):
        estimator.sample_component(-1, 3)


# --- issue 20: the graph term, the initialised log-variance head, fixed weights ---------------------


def test_graph_term_separates_three_blobs_whose_codes_start_mixed():
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    from aegmm_lessons import graph

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 40)
    blobs = 10.0 * np.eye(3, 8)[labels] + rng.normal(size=(120, 8))
    memberships = graph.fuzzy_knn_graph(blobs, 10)
    a, b = graph.similarity_curve(0.1)
    codes = tf.Variable(rng.normal(scale=0.1, size=(120, 5)), dtype="float32")  # mixed: no trace of the blobs

    def separation():
        found = KMeans(3, n_init=10, random_state=0).fit_predict(codes.numpy())
        return adjusted_rand_score(labels, found)

    before = separation()
    optimizer = keras.optimizers.Adam(0.05)
    for _ in range(300):
        order = rng.permutation(120)  # shuffled, so that the negatives are random points
        tails = graph.sample_neighbours(memberships, rng)[order]
        with tf.GradientTape() as tape:
            loss = graph.graph_cross_entropy(tf.gather(codes, order), tf.gather(codes, tails), a, b)
        optimizer.apply_gradients([(tape.gradient(loss, codes), codes)])
    assert before < 0.2
    assert separation() == 1.0


def test_graph_weight_zero_with_one_standard_component_is_lesson_04_s_loss(pixels):
    keras.utils.set_random_seed(0)
    encoder = vae.build_encoder(pixels.shape[1], LATENT_DIM, (8,), random_state=0)
    decoder = vae.build_decoder(LATENT_DIM, pixels.shape[1], (8,))
    standard = GMMParams(np.ones(1), np.zeros((1, LATENT_DIM)), np.ones((1, LATENT_DIM)), "diag")
    sampling = encoder.get_layer("z").seed_generator.state
    start = sampling.numpy()
    x = tf.constant(pixels[:64], dtype="float32")
    lesson_04 = [float(v) for v in vae.VAE(encoder, decoder).compute_losses(x)]  # loss, reconstruction, KL
    sampling.assign(start)  # the same draws of z
    ours = [float(v) for v in mv.MixtureVAE(encoder, decoder, standard, graph_weight=0.0).compute_losses(x)]
    assert ours[0] == pytest.approx(lesson_04[0], rel=1e-6)
    assert ours[1] == pytest.approx(lesson_04[1], rel=1e-6) and ours[2] == pytest.approx(lesson_04[2], rel=1e-6)
    assert abs(ours[3]) < 1e-6 and ours[4] == 0.0  # the categorical KL: 0 up to float32 rounding


def test_log_variance_head_starts_the_joint_stage_at_its_initial_value(pixels):
    seen = {}

    class Start(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["log_var"] = keras.ops.convert_to_numpy(self.model.encoder(pixels.astype("float32"))[1])

    settings = {**SETTINGS, "epochs": 1, "random_state": 0}
    mv.MixtureVAEClustering(K, initial_log_var=np.log(0.01), **settings).fit(pixels, callbacks=[Start()])
    np.testing.assert_allclose(seen["log_var"], np.log(0.01), rtol=1e-6)
    mv.MixtureVAEClustering(K, initial_log_var=None, **settings).fit(pixels, callbacks=[Start()])
    assert np.ptp(seen["log_var"]) > 0.1  # Keras' random start: posterior variances differ between images


def test_pretraining_leaves_the_log_variance_head_untouched_and_warns_of_nothing(pixels, recwarn):
    estimator = mv.MixtureVAEClustering(K, initial_log_var=-3.0, random_state=0, **SETTINGS).fit(pixels)
    assert not [w for w in recwarn if "Gradients do not exist" in str(w.message)]
    assert estimator.model_.encoder.get_layer("z_log_var").trainable


def test_fixed_weights_hold_pi_at_one_over_k(pixels):
    estimator = mv.MixtureVAEClustering(K, fixed_weights=True, random_state=0, **SETTINGS).fit(pixels)
    np.testing.assert_allclose(estimator.prior_.weights, 1.0 / K, rtol=1e-6)
    assert not estimator.model_.prior_logits.trainable
    assert not np.allclose(estimator.start_.weights, 1.0 / K)  # EM's start had other weights


def test_watching_the_joint_stage_does_not_change_the_fit(pixels, digits):
    plain = mv.MixtureVAEClustering(K, random_state=0, **SETTINGS).fit(pixels)
    watch = mv.ClusteringHistory(watched=(pixels, digits.y_train[:N_TRAIN]))
    watched = mv.MixtureVAEClustering(K, random_state=0, **SETTINGS).fit(pixels, callbacks=[watch])
    assert len(watch.ari["watched"]) == SETTINGS["epochs"] + 1
    np.testing.assert_array_equal(watched.transform(pixels), plain.transform(pixels))
