"""What the Keras models share: batched inference, the array namespace, one check of the training settings."""

import numpy as np
import pytest

from aegmm_lessons import repro

repro.setup(0, tensorflow=True)

import keras  # noqa: E402  (after repro.setup, which configures TensorFlow)

from aegmm_lessons import networks  # noqa: E402
from aegmm_lessons.autoencoder import build_autoencoder, train_autoencoder  # noqa: E402
from aegmm_lessons.mixture_vae import MixtureVAEClustering  # noqa: E402
from aegmm_lessons.vae import fit_vae  # noqa: E402

X01 = np.random.default_rng(0).uniform(size=(40, 6))


def test_predict_in_batches_equals_one_call_and_keeps_every_output(monkeypatch):
    inputs = keras.Input(shape=(6,))
    network = keras.Model(inputs, [keras.layers.Dense(2)(inputs), keras.layers.Dense(3)(inputs)])
    whole = [keras.ops.convert_to_numpy(out) for out in network(X01.astype("float32"))]
    monkeypatch.setattr(networks, "BATCH_ROWS", 7)  # 40 rows: six batches, the last of 5
    first, second = networks.predict(network, X01)
    assert first.dtype == np.float64 and first.shape == (40, 2) and second.shape == (40, 3)
    np.testing.assert_allclose(first, whole[0], rtol=1e-6)
    np.testing.assert_allclose(second, whole[1], rtol=1e-6)
    single = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    assert networks.predict(single, X01).shape == (40, 2)  # one output: an array, not a list


def test_predict_leaves_the_draws_of_a_sampling_layer_as_they_were():
    from aegmm_lessons import vae

    encoder = vae.build_encoder(6, 2, (4,), random_state=0)
    state = encoder.get_layer("z").seed_generator.state
    before = keras.ops.convert_to_numpy(state).copy()
    first = networks.predict(encoder, X01)[2]  # z: drawn
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(state), before)
    np.testing.assert_array_equal(networks.predict(encoder, X01)[2], first)  # the same draws again


def test_array_namespace_is_keras_ops_for_any_tensor():
    assert networks.array_namespace(np.ones(2), [1.0]) is np
    assert networks.array_namespace(np.ones(2), keras.ops.ones(2)) is keras.ops


def test_compile_adam_creates_the_moment_slots_before_the_first_training_step():
    inputs = keras.Input(shape=(6,))
    model = networks.compile_adam(keras.Model(inputs, keras.layers.Dense(2)(inputs)), 1e-3, loss="mse")
    slots = [v for v in model.optimizer.variables if v.path.endswith(("_momentum", "_velocity"))]
    # a kernel and a bias, each with Adam's two moments, before any step was traced
    assert sorted(tuple(v.shape) for v in slots) == sorted(2 * [tuple(w.shape) for w in model.trainable_variables])
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    before = [keras.ops.convert_to_numpy(w).copy() for w in model.trainable_variables]
    model.fit(X01, X01[:, :2], epochs=1, verbose=0)  # the slots built early are the ones training uses
    after = [keras.ops.convert_to_numpy(w) for w in model.trainable_variables]
    assert all(np.any(b != a) for b, a in zip(before, after, strict=True))


TRAINERS = {
    "train_autoencoder": lambda **bad: train_autoencoder(build_autoencoder(6, 2, (4,))[2], X01, **bad),
    "fit_vae": lambda **bad: fit_vae(X01, latent_dim=2, hidden_units=(4,), **bad),
    "MixtureVAEClustering": lambda **bad: MixtureVAEClustering(2, latent_dim=2, hidden_units=(4,), **bad).fit(X01),
}


@pytest.mark.parametrize("trainer", TRAINERS)
@pytest.mark.parametrize("bad, match", [
    ({"learning_rate": 0.0}, r"learning_rate == 0\.0, must be > 0"),
    ({"learning_rate": float("nan")}, r"learning_rate must be finite, got nan"),
    ({"learning_rate": float("inf")}, r"learning_rate must be finite, got inf"),
    ({"epochs": 0}, r"epochs == 0"),
    ({"batch_size": 0}, r"batch_size == 0"),
])
def test_every_trainer_rejects_the_same_bad_settings_with_the_same_message(trainer, bad, match):
    with pytest.raises(ValueError, match=match):
        TRAINERS[trainer](**bad)
