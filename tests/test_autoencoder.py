import numpy as np
import pytest

pytest.importorskip("keras")

import keras
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from aegmm_lessons.autoencoder import (
    AutoencoderGMM,
    build_autoencoder,
    encode,
    output_activation_for,
    reconstruct,
    reconstruction_error,
    train_autoencoder,
)

# Tiny trainings: the tests check wiring and contracts, not quality.
FAST = {"epochs": 2, "batch_size": 32, "hidden_units": (8,)}


@pytest.fixture(scope="module")
def fitted(lifted_blobs):
    X, _ = lifted_blobs
    return AutoencoderGMM(latent_dim=2, n_components=3, random_state=0, **FAST).fit(X)


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    return build_autoencoder(6, 2, hidden_units=(4,))


# latent_dim=1 leaves a bottleneck for the 2-feature data of most checks.
@parametrize_with_checks([AutoencoderGMM(latent_dim=1, n_components=2, **FAST)])
def test_autoencoder_gmm_passes_scikit_learns_estimator_checks(estimator, check):
    check(estimator)


# --- builders -------------------------------------------------------------------

@pytest.mark.parametrize("n_features, latent_dim", [(7, 2), (100, 32)])
def test_builder_widths_follow_the_data(n_features, latent_dim):
    encoder, decoder, autoencoder = build_autoencoder(n_features, latent_dim, hidden_units=(16, 8))
    assert encoder.input_shape == (None, n_features)
    assert encoder.output_shape == decoder.input_shape == (None, latent_dim)
    assert decoder.output_shape == (None, n_features)
    assert autoencoder.input_shape == autoencoder.output_shape == (None, n_features)


def test_autoencoder_is_decoder_of_encoder_over_the_encoders_one_input(models):
    # A2: the autoencoder is decoder(encoder.output) over the encoder's Input.
    encoder, decoder, autoencoder = models
    assert autoencoder.inputs[0] is encoder.inputs[0]
    assert {id(w) for w in autoencoder.weights} == {id(w) for w in encoder.weights} | {id(w) for w in decoder.weights}
    X = np.random.default_rng(0).normal(size=(4, 6))
    np.testing.assert_allclose(reconstruct(autoencoder, X), np.asarray(decoder(encoder(X.astype("float32")))),
                               rtol=1e-6)


def test_output_activation_follows_the_data_range():
    assert output_activation_for(np.array([[0.0, 1.0], [0.5, 0.2]])) == "sigmoid"
    assert output_activation_for(np.array([[-0.1, 1.0], [0.5, 0.2]])) == "linear"


def test_linear_output_reaches_negative_values(models):
    X = np.random.default_rng(1).normal(size=(50, 6))
    assert reconstruct(models[2], X).min() < 0


# --- encode, reconstruct, train --------------------------------------------------

def test_encode_gives_codes_and_reconstruct_the_inputs_width(models):
    encoder, _, autoencoder = models
    X = np.random.default_rng(0).normal(size=(9, 6))
    assert encode(encoder, X).shape == (9, 2)
    assert reconstruct(autoencoder, X).shape == (9, 6)


def test_reconstruction_error_averages_to_the_keras_mse(models):
    autoencoder = models[2]
    autoencoder.compile(loss="mse")
    X = np.random.default_rng(2).normal(size=(40, 6))
    errors = reconstruction_error(autoencoder, X)
    assert errors.shape == (40,)
    assert errors.mean() == pytest.approx(autoencoder.evaluate(X, X, verbose=0), rel=1e-5)


def test_training_lowers_the_reconstruction_error(lifted_blobs):
    X, _ = lifted_blobs
    keras.utils.set_random_seed(0)
    _, _, autoencoder = build_autoencoder(6, 2, hidden_units=(16,))
    before = reconstruction_error(autoencoder, X).mean()
    history = train_autoencoder(autoencoder, X, epochs=30, batch_size=16, learning_rate=1e-2)
    assert history.shape == (30,)
    assert history[-1] < 0.5 * history[0]
    assert reconstruction_error(autoencoder, X).mean() < 0.5 * before


# --- AutoencoderGMM ---------------------------------------------------------------

def test_autoencoder_gmm_fits_the_mixture_on_codes_of_latent_width(fitted, lifted_blobs):
    X, _ = lifted_blobs
    codes = fitted.transform(X)
    assert codes.shape == (90, 2) and fitted.reconstruct(X).shape == (90, 6)
    assert fitted.gmm_.n_features_in_ == 2 and fitted.history_.shape == (FAST["epochs"],)
    assert fitted.output_activation_ == "linear"
    np.testing.assert_array_equal(fitted.labels_, fitted.gmm_.predict(codes))
    np.testing.assert_array_equal(fitted.predict(X), fitted.gmm_.predict(codes))
    np.testing.assert_allclose(fitted.predict_proba(X), fitted.gmm_.predict_proba(codes))
    np.testing.assert_allclose(fitted.score_samples(X), fitted.gmm_.score_samples(codes))
    assert fitted.score(X) == pytest.approx(fitted.score_samples(X).mean())


def test_autoencoder_gmm_codes_change_with_the_random_state(fitted, lifted_blobs):
    X, _ = lifted_blobs
    other = AutoencoderGMM(latent_dim=2, n_components=3, random_state=1, **FAST).fit(X)
    assert not np.allclose(other.transform(X), fitted.transform(X))


def test_autoencoder_gmm_picks_sigmoid_for_scaled_data_in_a_pipeline(lifted_blobs):
    X, _ = lifted_blobs
    pipeline = make_pipeline(MinMaxScaler(), AutoencoderGMM(latent_dim=2, n_components=3, random_state=0, **FAST))
    assert pipeline.fit(X).predict(X).shape == (90,)
    assert pipeline[-1].output_activation_ == "sigmoid"


def test_autoencoder_gmm_works_in_grid_search(lifted_blobs):
    X, _ = lifted_blobs
    one_split = [(np.arange(60), np.arange(60, 90))]
    search = GridSearchCV(AutoencoderGMM(latent_dim=2, random_state=0, **FAST), {"n_components": [2, 3]},
                          cv=one_split, refit=False).fit(X)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


# --- bad inputs -------------------------------------------------------------------

X01 = np.random.default_rng(1).uniform(size=(32, 6))


def aegmm(**kwargs):
    return AutoencoderGMM(**{"latent_dim": 2, "n_components": 2, "epochs": 1, "hidden_units": (4,), **kwargs})


@pytest.mark.parametrize(
    "call, error, match",
    [
        pytest.param(lambda m: build_autoencoder(0, 2), ValueError, "n_features.*0", id="width-n_features"),
        pytest.param(lambda m: build_autoencoder(4, 4), ValueError, "latent_dim = 4", id="no-bottleneck"),
        pytest.param(lambda m: build_autoencoder(6, 2, hidden_units=(0,)), ValueError, r"hidden_units\[0\].*0",
                     id="hidden_units-zero"),
        pytest.param(lambda m: build_autoencoder(6, 2, hidden_units=("8",)), TypeError, r"hidden_units\[0\]",
                     id="hidden_units-str"),
        # A3: a ReLU output can never reconstruct negative values.
        pytest.param(lambda m: build_autoencoder(6, 2, output_activation="relu"), ValueError,
                     "output_activation.*'relu'.*never be negative", id="relu-output"),
        # A1: 2-D lifted_blobs fed to a model declared for 6 features.
        pytest.param(lambda m: encode(m[0], np.ones((3, 5))), ValueError, "X has 5 features.*encoder.*= 6",
                     id="width-encode"),
        pytest.param(lambda m: reconstruct(m[2], np.ones((3, 5))), ValueError, "X has 5 features.*autoencoder.*= 6",
                     id="width-reconstruct"),
        pytest.param(lambda m: reconstruction_error(m[2], np.ones((3, 5))), ValueError, "5 features.*= 6",
                     id="width-reconstruction_error"),
        pytest.param(lambda m: train_autoencoder(m[2], np.ones((3, 5)), epochs=1), ValueError, "5 features.*6",
                     id="width-train_autoencoder"),
        # A4: an autoencoder's outputs are reconstructions, not codes.
        pytest.param(lambda m: encode(m[2], X01), ValueError, "6 -> 6.*reconstructions", id="encode-autoencoder"),
        pytest.param(lambda m: reconstruct(m[0], X01), ValueError, "6 -> 2.*encoder", id="reconstruct-encoder"),
        pytest.param(lambda m: encode("encoder", X01), TypeError, "keras.Model.*str", id="dtype-not-a-model"),
        pytest.param(lambda m: encode(m[0], np.ones(6)), ValueError, "1D array", id="1d-encode"),
        pytest.param(lambda m: encode(m[0], np.zeros((0, 6))), ValueError, r"0 sample\(s\)", id="empty-encode"),
        pytest.param(lambda m: reconstruct(m[2], np.full((3, 6), np.nan)), ValueError, "NaN", id="nan-reconstruct"),
        pytest.param(lambda m: output_activation_for(np.full((3, 2), np.inf)), ValueError, "infinity",
                     id="inf-output_activation_for"),
        pytest.param(lambda m: output_activation_for(np.full((3, 2), np.nan)), ValueError, "NaN",
                     id="nan-output_activation_for"),
        pytest.param(lambda m: train_autoencoder(m[2], X01, epochs=0), ValueError, "epochs == 0",
                     id="zero-epochs"),
        pytest.param(lambda m: train_autoencoder(m[2], X01, epochs=1.5), TypeError, "epochs", id="dtype-epochs"),
        pytest.param(lambda m: train_autoencoder(m[2], X01, epochs=1, learning_rate=-1.0), ValueError,
                     r"learning_rate == -1\.0", id="negative-learning_rate"),
        pytest.param(lambda m: train_autoencoder(m[2], X01, epochs=1, learning_rate=0.0), ValueError,
                     "learning_rate == 0", id="zero-learning_rate"),
        pytest.param(lambda m: train_autoencoder(m[2], X01, epochs=1, learning_rate=np.nan), ValueError,
                     "learning_rate.*nan", id="nan-learning_rate"),
    ],
)
def test_functions_reject_bad_inputs_naming_parameter_and_value(models, call, error, match):
    with pytest.raises(error, match=match):
        call(models)


@pytest.mark.parametrize(
    "model, X, error, match",
    [
        pytest.param(aegmm(), X01[:, 0], ValueError, "1D array", id="1d"),
        pytest.param(aegmm(), np.empty((0, 6)), ValueError, r"0 sample\(s\)", id="empty"),
        pytest.param(aegmm(), X01[:1], ValueError, r"1 sample\(s\)", id="one-sample"),
        pytest.param(aegmm(), np.vstack([X01, [[np.inf] * 6]]), ValueError, "infinity", id="inf"),
        pytest.param(aegmm(), np.where(X01 > 0.5, np.nan, X01), ValueError, "NaN", id="nan"),
        pytest.param(aegmm(), X01.astype(str), ValueError, "strings", id="dtype-str"),
        pytest.param(aegmm(n_components=50), X01, ValueError, "n_components=50.*n_samples=32", id="k-gt-n"),
        pytest.param(aegmm(latent_dim=10), X01, ValueError, "n_features = 6.*latent_dim = 10", id="width-latent_dim"),
        pytest.param(aegmm(learning_rate=-1.0), X01, ValueError, r"learning_rate == -1\.0", id="negative-lr"),
        pytest.param(aegmm(covariance_type="spherical"), X01, ValueError, "covariance_type.*'spherical'",
                     id="unknown-covariance_type"),
        pytest.param(aegmm(output_activation="sigmoid"), X01 - 1.0, ValueError,
                     r"'sigmoid'.*ranges over \[-0\.99", id="sigmoid-on-negative-data"),
        pytest.param(aegmm(output_activation="relu"), X01, ValueError, "'relu'", id="relu"),
    ],
)
def test_autoencoder_gmm_fit_rejects_bad_inputs(model, X, error, match):
    with pytest.raises(error, match=match):
        model.fit(X)


def test_autoencoder_gmm_rejects_data_of_another_width_after_fit(fitted):
    with pytest.raises(ValueError, match="X has 5 features, but AutoencoderGMM is expecting 6"):
        fitted.predict(np.zeros((3, 5)))


def test_autoencoder_gmm_rejects_unknown_parameter_names():
    with pytest.raises(ValueError, match="'latentdim'"):
        AutoencoderGMM().set_params(latentdim=3)
