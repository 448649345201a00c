"""What the package's Keras models share: inference on NumPy data in batches, the array namespace of a loss
term, and the scikit-learn tags of an estimator that trains a network."""

import keras
import numpy as np
from keras import ops

__all__ = ["BATCH_ROWS", "STEPS_PER_EXECUTION", "array_namespace", "compile_adam", "predict", "NetworkEstimatorMixin"]

# Rows per direct call of a network on NumPy data: bounds the memory of large inputs.
BATCH_ROWS = 4096
# Training steps per call of the compiled train function (the networks are tiny).
STEPS_PER_EXECUTION = 32


def array_namespace(*arrays):
    """``keras.ops`` if any of ``arrays`` is a tensor, NumPy otherwise (both spell the same functions)."""
    return ops if any(ops.is_tensor(a) for a in arrays) else np


def compile_adam(model, learning_rate, *, n_batches=None, **compile_options):
    """Compile ``model`` with Adam at ``learning_rate`` and create Adam's moment slots at once; returns ``model``.

    Created inside the first traced training step (Keras' default), every slot leaves graphs that TensorFlow
    keeps after the model is freed: 34 MB per fit of lesson 06's model instead of 14 MB (``make bench``).
    With ``n_batches`` (batches per epoch), up to ``STEPS_PER_EXECUTION`` steps run per call of the train
    function.
    """
    if n_batches is not None:
        compile_options["steps_per_execution"] = min(STEPS_PER_EXECUTION, n_batches)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), **compile_options)
    model.optimizer.build(model.trainable_variables)
    return model


def predict(network, X):
    """Outputs of ``network`` on the rows of ``X`` of shape (n_samples, n_features), ``BATCH_ROWS`` at a time.

    The seeds of the network's random layers (a sampling layer's ``seed_generator``) are put back afterwards, so
    a prediction made while the network trains (say, in a callback that watches the clusters) leaves the
    training's draws as they were: watching a fit does not change it.

    Returns
    -------
    ndarray of shape (n_samples, ...), or a list of them for a network with several outputs
        float64, computed in float32.
    """
    seeds = [layer.seed_generator.state for layer in network.layers
             if isinstance(getattr(layer, "seed_generator", None), keras.random.SeedGenerator)]
    saved = [state.numpy() for state in seeds]
    batches = [keras.tree.flatten(network(X[start:start + BATCH_ROWS].astype("float32"), training=False))
               for start in range(0, X.shape[0], BATCH_ROWS)]
    for state, value in zip(seeds, saved, strict=True):
        state.assign(value)
    outputs = [np.concatenate([ops.convert_to_numpy(batch[i]) for batch in batches]).astype(np.float64)
               for i in range(len(batches[0]))]
    return outputs[0] if len(outputs) == 1 else outputs


class NetworkEstimatorMixin:
    """scikit-learn tags of an estimator that trains a Keras network (put it first among the bases)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The network computes in float32, and a float32 matrix product is blocked by its shape: a sample's output
        # changes in its last digits (~1e-7) with the samples computed beside it, so results on a subset or a
        # permutation of X differ slightly. This tag skips those checks (and repeats of a fit that
        # check_fit_idempotent still makes: fit is deterministic for a fixed random_state).
        tags.non_deterministic = True
        return tags
