import numpy as np
import pytest

pytest.importorskip("keras")

from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from aegmm_lessons import AutoencoderGMM, data
from aegmm_lessons.autoencoder import (
    build_autoencoder,
    check_output_activation,
    clustering_scores,
    compare_feature_spaces,
    em_restarts,
    encode,
    fit_feature_gmm,
    output_activation_for,
    reconstruct,
    reconstruction_error,
    summarize_runs,
    train_autoencoder,
)
from aegmm_lessons.gmm import GaussianMixtureEM

# Tiny trainings: the tests check wiring, shapes and contracts, not quality.
FAST = {"epochs": 2, "batch_size": 32, "hidden_units": (8,)}


@pytest.fixture(scope="module")
def blobs():
    return data.make_lifted_blobs(n_samples=90, n_features=6, n_centers=3, random_state=0)


@pytest.fixture(scope="module")
def fitted(blobs):
    X, _ = blobs
    return AutoencoderGMM(latent_dim=2, n_components=3, random_state=0, **FAST).fit(X)


# --- builders -------------------------------------------------------------------

@pytest.mark.parametrize("n_features, latent_dim", [(7, 2), (100, 32), (64, 10)])
def test_builder_widths_follow_the_data(n_features, latent_dim):
    X = np.zeros((5, n_features))
    encoder, decoder, autoencoder = build_autoencoder(X.shape[1], latent_dim, hidden_units=(16, 8))
    assert encoder.input_shape == (None, n_features)
    assert encoder.output_shape == (None, latent_dim)
    assert decoder.input_shape == (None, latent_dim)
    assert decoder.output_shape == (None, n_features)
    assert autoencoder.input_shape == autoencoder.output_shape == (None, n_features)


def test_autoencoder_is_wired_from_the_encoders_one_input():
    # A2: the autoencoder is decoder(encoder.output) over the encoder's Input,
    # not a model over some unrelated `inputs` tensor.
    encoder, decoder, autoencoder = build_autoencoder(6, 2, hidden_units=(4,))
    assert autoencoder.inputs[0] is encoder.inputs[0]
    own = {id(w) for w in autoencoder.weights}
    assert own == {id(w) for w in encoder.weights} | {id(w) for w in decoder.weights}
    X = np.random.default_rng(0).normal(size=(4, 6))
    np.testing.assert_allclose(
        reconstruct(autoencoder, X),
        np.asarray(decoder(encoder(X.astype("float32")))),
        rtol=1e-6,
    )


def test_builder_refuses_a_latent_width_without_bottleneck():
    with pytest.raises(ValueError, match="latent_dim must be smaller than n_features = 4"):
        build_autoencoder(4, 4)


@pytest.mark.parametrize("hidden_units", [(0,), ("8",), None])
def test_builder_refuses_bad_hidden_units(hidden_units):
    with pytest.raises(ValueError, match="hidden_units"):
        build_autoencoder(6, 2, hidden_units=hidden_units)


def test_relu_output_is_refused_because_it_cannot_be_negative():
    # A3: a ReLU output layer can never reconstruct negative values.
    with pytest.raises(ValueError, match="ReLU output can never be negative"):
        build_autoencoder(6, 2, output_activation="relu")


def test_linear_output_reaches_negative_values():
    encoder, decoder, autoencoder = build_autoencoder(6, 2, output_activation="linear")
    X = np.random.default_rng(1).normal(size=(50, 6))
    assert reconstruct(autoencoder, X).min() < 0


def test_output_activation_follows_the_data_range():
    assert output_activation_for(np.array([[0.0, 1.0], [0.5, 0.2]])) == "sigmoid"
    assert output_activation_for(np.array([[-0.1, 1.0], [0.5, 0.2]])) == "linear"
    with pytest.raises(ValueError, match=r"produces values in \[0, 1\], but the data ranges over \[-2"):
        check_output_activation("sigmoid", np.array([[-2.0, 0.5]]))


# --- encode and reconstruct ---------------------------------------------------

def test_encode_returns_codes_and_reconstruct_returns_input_width():
    encoder, _, autoencoder = build_autoencoder(6, 2)
    X = np.random.default_rng(0).normal(size=(9, 6))
    assert encode(encoder, X).shape == (9, 2)
    assert reconstruct(autoencoder, X).shape == (9, 6)
    assert reconstruction_error(autoencoder, X).shape == (9,)


def test_encode_refuses_the_autoencoder_whose_outputs_are_reconstructions():
    # A4: the autoencoder's predictions are reconstructions, not features.
    _, _, autoencoder = build_autoencoder(6, 2)
    with pytest.raises(ValueError, match="maps 6 -> 6 features: its outputs are reconstructions"):
        encode(autoencoder, np.zeros((3, 6)))


def test_reconstruct_refuses_the_encoder():
    encoder, _, _ = build_autoencoder(6, 2)
    with pytest.raises(ValueError, match="maps 6 -> 2 features: it is an encoder"):
        reconstruct(encoder, np.zeros((3, 6)))


def test_data_narrower_than_the_model_is_a_value_error_naming_both_widths():
    # A1: 2-D blobs fed to an encoder declared for 100 features.
    encoder, _, autoencoder = build_autoencoder(100, 32)
    blobs_2d = np.zeros((10, 2))
    with pytest.raises(ValueError, match="X has 2 features, but the encoder expects n_features = 100"):
        encode(encoder, blobs_2d)
    with pytest.raises(ValueError, match="X has 2 features, but the autoencoder expects n_features = 100"):
        reconstruct(autoencoder, blobs_2d)


@pytest.mark.parametrize(
    "X, message",
    [(np.zeros(6), "2-D"), (np.full((3, 6), np.nan), "finite"), (np.zeros((0, 6)), "at least 1 sample")],
)
def test_encode_rejects_bad_inputs(X, message):
    encoder, _, _ = build_autoencoder(6, 2)
    with pytest.raises(ValueError, match=message):
        encode(encoder, X)


# --- AutoencoderGMM -----------------------------------------------------------

def test_autoencoder_gmm_clones_with_its_parameters():
    model = AutoencoderGMM(latent_dim=3, n_components=4, epochs=7, random_state=5)
    copy = clone(model)
    assert copy is not model
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "gmm_")


def test_autoencoder_gmm_fits_codes_of_latent_width(fitted, blobs):
    X, _ = blobs
    assert fitted.transform(X).shape == (90, 2)
    assert fitted.reconstruct(X).shape == (90, 6)
    assert isinstance(fitted.gmm_, GaussianMixtureEM)
    assert fitted.gmm_.n_features_in_ == 2
    assert fitted.history_.shape == (FAST["epochs"],)
    assert fitted.output_activation_ == "linear"
    assert fitted.n_features_in_ == 6
    assert fitted.labels_.shape == (90,)


def test_autoencoder_gmm_predictions_come_from_the_mixture_on_the_codes(fitted, blobs):
    X, _ = blobs
    codes = fitted.transform(X)
    proba = fitted.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(fitted.predict(X), fitted.gmm_.predict(codes))
    np.testing.assert_allclose(fitted.score_samples(X), fitted.gmm_.score_samples(codes))
    assert fitted.score(X) == pytest.approx(fitted.score_samples(X).mean())


def test_autoencoder_gmm_is_reproducible_with_a_fixed_random_state(fitted, blobs):
    X, _ = blobs
    again = AutoencoderGMM(latent_dim=2, n_components=3, random_state=0, **FAST).fit(X)
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(again.history_, fitted.history_)
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    other = AutoencoderGMM(latent_dim=2, n_components=3, random_state=1, **FAST).fit(X)
    assert not np.allclose(other.transform(X), fitted.transform(X))


def test_autoencoder_gmm_fits_in_a_pipeline_and_picks_sigmoid_for_scaled_data(blobs):
    X, _ = blobs
    pipeline = make_pipeline(MinMaxScaler(), AutoencoderGMM(latent_dim=2, n_components=3, random_state=0, **FAST))
    labels = pipeline.fit(X).predict(X)
    assert labels.shape == (90,)
    assert pipeline[-1].output_activation_ == "sigmoid"
    assert pipeline.transform(X).shape == (90, 2)


def test_autoencoder_gmm_works_in_grid_search(blobs):
    X, _ = blobs
    one_split = [(np.arange(60), np.arange(60, 90))]
    search = GridSearchCV(
        AutoencoderGMM(latent_dim=2, random_state=0, **FAST),
        {"n_components": [2, 3]}, cv=one_split, refit=False,
    ).fit(X)
    assert search.best_params_["n_components"] in (2, 3)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros(6), "2-D"),
        (np.full((3, 6), np.nan), "finite"),
        (np.zeros((3, 5)), "X has 5 features, but the encoder expects n_features = 6"),
    ],
)
def test_autoencoder_gmm_rejects_bad_inputs_after_fit(fitted, X, message):
    with pytest.raises(ValueError, match=message):
        fitted.predict(X)


def test_autoencoder_gmm_rejects_bad_training_data_and_settings(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="finite"):
        AutoencoderGMM(latent_dim=2, n_components=2, **FAST).fit(np.where(X > 0.5, np.nan, X))
    with pytest.raises(ValueError, match="2-D"):
        AutoencoderGMM(latent_dim=2, n_components=2, **FAST).fit(X[:, 0])
    with pytest.raises(ValueError, match="n_components must be <= n_samples"):
        AutoencoderGMM(latent_dim=2, n_components=5, **FAST).fit(X[:4])
    with pytest.raises(ValueError, match="latent_dim must be smaller than n_features = 6"):
        AutoencoderGMM(latent_dim=6, n_components=2, **FAST).fit(X)
    with pytest.raises(ValueError, match="produces values in"):
        AutoencoderGMM(latent_dim=2, n_components=2, output_activation="sigmoid", **FAST).fit(X)
    with pytest.raises(ValueError, match="epochs"):
        AutoencoderGMM(latent_dim=2, n_components=2, epochs=0).fit(X)


def test_unfitted_autoencoder_gmm_says_so(blobs):
    with pytest.raises(NotFittedError):
        AutoencoderGMM().predict(blobs[0])


# --- experiments of lesson 02 -------------------------------------------------

def test_clustering_scores_are_one_for_a_relabelled_partition():
    scores = clustering_scores([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1])
    assert scores == pytest.approx({"ARI": 1.0, "NMI": 1.0})


def test_compare_feature_spaces_scores_every_method_width_and_seed(blobs):
    X, y = blobs
    rows, models = compare_feature_spaces(
        X[:60], y[:60], X[60:], y[60:], latent_dims=(2,), seeds=(0,), n_components=3, ae_params=FAST,
    )
    assert [(r["method"], r["d"]) for r in rows] == [("raw", 6), ("PCA", 2), ("AE", 2)]
    assert set(models) == {("raw", 6, 0), ("PCA", 2, 0), ("AE", 2, 0)}
    for row in rows:
        assert -1.0 <= row["ARI"] <= 1.0 and np.isfinite(row["test LL"]) and row["seconds"] >= 0
    features, gmm, _ = models["AE", 2, 0]
    assert features(X).shape == (90, 2) and gmm.n_features_in_ == 2
    summary = summarize_runs(rows)
    assert [s["method"] for s in summary] == ["raw", "PCA", "AE"]
    assert summary[0]["ARI"] == pytest.approx(rows[0]["ARI"]) and summary[0]["fit time"].endswith(" s")


def test_fit_feature_gmm_rejects_an_unknown_method(blobs):
    with pytest.raises(ValueError, match="method must be one of"):
        fit_feature_gmm("ICA", blobs[0], latent_dim=2)


def test_em_restarts_returns_one_final_value_per_seed(blobs):
    X, y = blobs
    result = em_restarts(X, 3, seeds=range(4), y_true=y)
    assert result["log_likelihood"].shape == result["ARI"].shape == (4,)


def test_train_autoencoder_rejects_no_epochs_and_non_positive_learning_rates():
    _, _, autoencoder = build_autoencoder(6, 2)
    X = np.zeros((8, 6))
    with pytest.raises(ValueError, match="epochs must be an integer >= 1, got 0"):
        train_autoencoder(autoencoder, X, epochs=0)
    for learning_rate in (0.0, -1.0):
        with pytest.raises(ValueError, match="learning_rate must be"):
            train_autoencoder(autoencoder, X, epochs=1, learning_rate=learning_rate)


def test_encode_rejects_something_that_is_not_a_keras_model():
    with pytest.raises(ValueError, match="expected a keras.Model.*got str"):
        encode("encoder", np.zeros((3, 6)))
