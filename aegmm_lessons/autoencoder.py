"""Autoencoders in Keras 3 whose widths come from the data, and AE + GMM.

``encode`` (codes of width ``latent_dim``) and ``reconstruct`` (of the input's width) each refuse the other's model.
"""

import keras
import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin

from .gmm import GaussianMixtureEM
from .networks import NetworkEstimatorMixin, compile_adam, predict
from .validation import (
    check_covariance_type,
    check_data,
    check_hidden_units,
    check_is_fitted,
    check_n_components,
    check_positive_int,
    check_random_state,
    check_seed,
    check_training,
    in_unit_interval,
    validate_data,
)

__all__ = ["output_activation_for", "build_autoencoder", "encode", "reconstruct", "reconstruction_error",
           "train_autoencoder", "AutoencoderGMM"]

# Output activations and the range of values each can produce. ReLU is not
# among them: it is never negative, so it cannot reconstruct data that is.
_OUTPUT_RANGES = {"linear": (-np.inf, np.inf), "sigmoid": (0.0, 1.0)}

def output_activation_for(X):
    """``'sigmoid'`` when every value of ``X`` lies in [0, 1] (e.g. scaled pixels), else ``'linear'``."""
    return "sigmoid" if in_unit_interval(check_data(X)) else "linear"


def _check_output_activation(output_activation, X=None):
    """``output_activation`` if it is known and its range covers the values of ``X``."""
    if output_activation not in _OUTPUT_RANGES:
        hint = (" (a ReLU output can never be negative, so it cannot reconstruct data with negative values: "
                "use 'linear', or 'sigmoid' for data in [0, 1])") if output_activation == "relu" else ""
        raise ValueError(f"output_activation must be one of {tuple(_OUTPUT_RANGES)}, "
                         f"got {output_activation!r}{hint}")
    low, high = _OUTPUT_RANGES[output_activation]
    if X is not None and (X.min() < low or X.max() > high):
        raise ValueError(f"output_activation={output_activation!r} produces values in [{low:g}, {high:g}], "
                         f"but the data ranges over [{X.min():.4g}, {X.max():.4g}]: use 'linear'")
    return output_activation


def build_autoencoder(n_features, latent_dim, hidden_units=(64,), output_activation="linear"):
    """Encoder, decoder and autoencoder, all wired from the encoder's one ``Input``.

    The encoder maps ``n_features -> hidden_units... -> latent_dim`` (ReLU hidden
    layers, linear codes); the decoder mirrors it back to ``n_features``.

    Parameters
    ----------
    n_features : int
        Input width: pass ``X.shape[1]`` of the data to be fitted.
    latent_dim : int
        Width of the codes, smaller than ``n_features`` (a bottleneck).
    hidden_units : int or sequence of int, default (64,)
    output_activation : {'linear', 'sigmoid'}, default 'linear'

    Returns
    -------
    encoder, decoder, autoencoder : keras.Model
        (batch, n_features) -> (batch, latent_dim), its mirror, and
        ``decoder(encoder(x))`` over their shared layers (training it trains them).
    """
    n_features = check_positive_int("n_features", n_features)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    if latent_dim >= n_features:
        raise ValueError(f"latent_dim must be smaller than n_features = {n_features} (a bottleneck), "
                         f"got latent_dim = {latent_dim}")
    hidden_units = check_hidden_units(hidden_units)
    _check_output_activation(output_activation)

    h = x = keras.Input(shape=(n_features,), name="x")
    for i, units in enumerate(hidden_units):
        h = keras.layers.Dense(units, activation="relu", name=f"encoder_hidden_{i}")(h)
    encoder = keras.Model(x, keras.layers.Dense(latent_dim, name="codes")(h), name="encoder")

    h = z = keras.Input(shape=(latent_dim,), name="z")
    for i, units in enumerate(reversed(hidden_units)):
        h = keras.layers.Dense(units, activation="relu", name=f"decoder_hidden_{i}")(h)
    x_hat = keras.layers.Dense(n_features, activation=output_activation, name="reconstruction")(h)
    decoder = keras.Model(z, x_hat, name="decoder")

    autoencoder = keras.Model(encoder.input, decoder(encoder.output), name="autoencoder")
    return encoder, decoder, autoencoder


def _widths(model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"expected a keras.Model (e.g. from build_autoencoder), got {type(model).__name__}")
    return int(model.inputs[0].shape[-1]), int(model.outputs[0].shape[-1])


def _forward(model, role, X):
    """``model(X)`` (``networks.predict``) after checking X against the model's input width."""
    n_in, _ = _widths(model)
    X = check_data(X)
    if X.shape[1] != n_in:
        raise ValueError(f"X has {X.shape[1]} features, but the {role} expects n_features = {n_in} "
                         "(build the model from the data's width, X.shape[1])")
    return predict(model, X)


def encode(encoder, X):
    """Latent codes of ``X``, shape (n_samples, latent_dim): the encoder's output, not a reconstruction."""
    n_in, n_out = _widths(encoder)
    if n_out >= n_in:
        raise ValueError(f"encode expects an encoder (n_features -> latent_dim, a narrower output), but this "
                         f"model maps {n_in} -> {n_out} features: its outputs are reconstructions, not codes. "
                         "Pass the encoder, or call reconstruct() for reconstructions")
    return _forward(encoder, "encoder", X)


def reconstruct(autoencoder, X):
    """Reconstructions ``decoder(encoder(X))``, of the input's shape (n_samples, n_features)."""
    n_in, n_out = _widths(autoencoder)
    if n_out != n_in:
        raise ValueError(f"reconstruct expects an autoencoder (n_features -> n_features), but this model maps "
                         f"{n_in} -> {n_out} features: it is an encoder. Pass the autoencoder, or call "
                         "encode() for latent codes")
    return _forward(autoencoder, "autoencoder", X)


def reconstruction_error(autoencoder, X):
    """Mean squared reconstruction error of each sample, shape (n_samples,)."""
    X = check_data(X)
    return np.mean((reconstruct(autoencoder, X) - X) ** 2, axis=1)


def train_autoencoder(autoencoder, X, *, epochs=50, batch_size=64, learning_rate=1e-3, random_state=0):
    """Train ``autoencoder`` to reproduce ``X`` (mean squared error, Adam); return the loss of each epoch.

    ``random_state`` (None, int, RandomState or Generator) seeds the shuffling; the weights were drawn when the
    layers were built (call ``keras.utils.set_random_seed`` before :func:`build_autoencoder`). The
    samples come through ``tf.data``: from NumPy arrays, Keras would rebuild its
    input pipeline every epoch (benchmarks/bench_autoencoder.py measures it).
    """
    n_in, _ = _widths(autoencoder)
    epochs, batch_size, learning_rate = check_training(epochs, batch_size, learning_rate)
    X32 = check_data(X, n_features=n_in).astype(np.float32)
    compile_adam(autoencoder, learning_rate, loss="mse")
    batches = (tf.data.Dataset.from_tensor_slices((X32, X32))
               .shuffle(X32.shape[0], seed=check_seed(random_state), reshuffle_each_iteration=True)
               .batch(batch_size))
    history = autoencoder.fit(batches, epochs=epochs, shuffle=False, verbose=0)
    return np.asarray(history.history["loss"], dtype=np.float64)


class AutoencoderGMM(NetworkEstimatorMixin, ClusterMixin, TransformerMixin, BaseEstimator):
    """Autoencoder features, then a Gaussian mixture on the latent codes.

    ``fit`` trains an autoencoder on X, encodes X with the encoder alone and fits
    :class:`~aegmm_lessons.gmm.GaussianMixtureEM` on the codes. ``score_samples``
    is the log density of a sample's code, minus DAGMM's energy (low = anomalous).

    Parameters
    ----------
    n_components : int, default 10
    latent_dim : int, default 10
        Width of the codes (and of the mixture), smaller than n_features.
    hidden_units : int or sequence of int, default (64,)
    output_activation : {'auto', 'linear', 'sigmoid'}, default 'auto'
        'auto' picks 'sigmoid' for data in [0, 1], 'linear' otherwise.
    epochs, batch_size, learning_rate : int, int, float, default 50, 64, 1e-3
        Adam on the mean squared error.
    covariance_type : {'full', 'diag'}, default 'full'
    n_init : int, default 1
        EM initialisations on the codes.
    random_state : None, int, RandomState or Generator, default None
        Seeds Keras (weights, shuffling; through ``keras.utils.set_random_seed``,
        which also reseeds Python's and NumPy's global generators) and the mixture.

    Attributes
    ----------
    encoder_, decoder_, autoencoder_ : keras.Model
        As returned by :func:`build_autoencoder`, trained.
    gmm_ : GaussianMixtureEM
        Fitted on the training codes.
    history_ : ndarray of shape (epochs,)
        Training loss after each epoch.
    labels_, output_activation_, n_features_in_

    Notes
    -----
    ``score`` is a log-likelihood in the latent space: it compares models of the same ``latent_dim`` only.
    Each ``fit`` leaves a few megabytes that TensorFlow does not give back (keras-team/keras#20245).
    """

    def __init__(self, n_components=10, *, latent_dim=10, hidden_units=(64,), output_activation="auto",
                 epochs=50, batch_size=64, learning_rate=1e-3, covariance_type="full", n_init=1,
                 random_state=None):
        self.n_components, self.latent_dim, self.hidden_units = n_components, latent_dim, hidden_units
        self.output_activation, self.epochs, self.batch_size = output_activation, epochs, batch_size
        self.learning_rate, self.covariance_type, self.n_init = learning_rate, covariance_type, n_init
        self.random_state = random_state

    def fit(self, X, y=None):
        """Train the autoencoder on X (n_samples, n_features), then fit the mixture on its codes."""
        X = validate_data(self, X, ensure_min_samples=2)
        n_components = check_n_components(self.n_components, X.shape[0])
        check_covariance_type(self.covariance_type)
        output_activation = (output_activation_for(X) if self.output_activation == "auto"
                             else _check_output_activation(self.output_activation, X))
        keras_seed, gmm_seed = (int(s) for s in check_random_state(self.random_state).randint(2**31 - 1, size=2))
        keras.utils.set_random_seed(keras_seed)
        self.encoder_, self.decoder_, self.autoencoder_ = build_autoencoder(
            X.shape[1], self.latent_dim, self.hidden_units, output_activation)
        self.history_ = train_autoencoder(self.autoencoder_, X, epochs=self.epochs, batch_size=self.batch_size,
                                          learning_rate=self.learning_rate, random_state=keras_seed)
        self.output_activation_ = output_activation
        codes = encode(self.encoder_, X)
        self.gmm_ = GaussianMixtureEM(n_components, covariance_type=self.covariance_type, n_init=self.n_init,
                                      random_state=gmm_seed).fit(codes)
        self.labels_ = self.gmm_.predict(codes)
        return self

    def transform(self, X):
        """Latent codes of X, shape (n_samples, latent_dim)."""
        check_is_fitted(self)
        return encode(self.encoder_, validate_data(self, X, reset=False))

    def reconstruct(self, X):
        """Reconstructions of X, shape (n_samples, n_features)."""
        check_is_fitted(self)
        return reconstruct(self.autoencoder_, validate_data(self, X, reset=False))

    def predict(self, X):
        """Mixture component of each sample's code, shape (n_samples,)."""
        codes = self.transform(X)
        return self.gmm_.predict(codes)

    def predict_proba(self, X):
        """Responsibilities of the components for each sample's code, shape (n_samples, n_components)."""
        codes = self.transform(X)
        return self.gmm_.predict_proba(codes)

    def score_samples(self, X):
        """Log density of each sample's code under the mixture (minus DAGMM's energy), shape (n_samples,)."""
        codes = self.transform(X)
        return self.gmm_.score_samples(codes)

    def score(self, X, y=None):
        """Mean log-likelihood of the codes of X (latent space, higher is better)."""
        codes = self.transform(X)
        return self.gmm_.score(codes)
