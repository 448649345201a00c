"""A variational autoencoder in Keras 3, written to be read beside its derivation.

The generative model (parameters theta, the decoder) is

    p(z) = N(0, I),    p_theta(x | z) = Bernoulli(x; decoder(z))   (data in [0, 1])
                                      or N(x; decoder(z), diag(sigma^2))  (otherwise)

and the inference model (parameters phi, the encoder) is
q_phi(z | x) = N(z; mu_phi(x), diag(exp(log_var_phi(x)))). Training maximizes
the evidence lower bound

    ELBO(x) = E_q[log p_theta(x | z)] - KL(q_phi(z | x) || p(z)),

so the loss that is minimized is its negative: reconstruction (the expected
negative log-likelihood) plus ``beta`` times the KL term. With ``beta = 1`` the
loss is exactly -ELBO; other values trade rate (KL) against distortion
(reconstruction), as in beta-VAE.

The layout follows the Keras VAE example: a :class:`Sampling` layer whose noise
has the shape of ``z_mean``, encoder and decoder as functional models, and a
:class:`VAE` model subclass with one metric tracker per loss term and a short
``train_step``. Everything is in nats per example.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from .validation import check_array_2d, check_hidden_units, check_non_negative, check_positive_int

__all__ = [
    "LIKELIHOODS",
    "gaussian_kl",
    "bernoulli_nll",
    "gaussian_nll",
    "bernoulli_entropy",
    "Sampling",
    "build_encoder",
    "build_decoder",
    "VAE",
    "fit_vae",
    "elbo",
    "log_marginal_likelihood",
    "posterior",
    "encode",
    "decode",
    "sample",
]

LIKELIHOODS = ("auto", "bernoulli", "gaussian")

# Probabilities are clipped to [EPSILON, 1 - EPSILON] before taking logs, as
# Keras' own binary cross-entropy does, so a saturated sigmoid gives a large
# but finite loss.
EPSILON = 1e-7
# Lower bound on the Gaussian observation log-variance: without it a feature
# that the decoder reproduces exactly would drive the likelihood to infinity.
MIN_LOG_VAR = math.log(1e-3)
LOG_2PI = math.log(2.0 * math.pi)
# Largest number of training steps run per call of the compiled train function.
STEPS_PER_EXECUTION = 32


def _xp(*arrays):
    """keras.ops for tensors, NumPy for everything else (both spell the same functions)."""
    return ops if any(ops.is_tensor(a) for a in arrays) else np


def _check_same_shape(names, arrays):
    checked = [check_array_2d(a, n) for n, a in zip(names, arrays)]
    shapes = [a.shape for a in checked]
    if len(set(shapes)) != 1:
        described = ", ".join(f"{n} {s}" for n, s in zip(names, shapes))
        raise ValueError(f"{' and '.join(names)} must have the same shape, got {described}")
    return checked


def gaussian_kl(mu, log_var):
    """Closed-form KL(N(mu, diag(exp(log_var))) || N(0, I)), one value per example.

    KL = 1/2 * sum_j (mu_j^2 + exp(log_var_j) - 1 - log_var_j)

    Parameters
    ----------
    mu : array-like or tensor of shape (n_samples, latent_dim)
        Posterior means.
    log_var : array-like or tensor of shape (n_samples, latent_dim)
        Posterior log-variances.

    Returns
    -------
    ndarray or tensor of shape (n_samples,)
        Nats, summed over the latent dimensions; a tensor for tensor input.

    Raises
    ------
    ValueError
        For NumPy input that is not 2-D, not finite, or of different shapes.
    """
    xp = _xp(mu, log_var)
    if xp is np:
        mu, log_var = _check_same_shape(("mu", "log_var"), (mu, log_var))
    return 0.5 * xp.sum(xp.square(mu) + xp.exp(log_var) - 1.0 - log_var, axis=-1)


def bernoulli_nll(X, probabilities):
    """Negative Bernoulli log-likelihood (binary cross-entropy), summed over features.

    For grey levels x in [0, 1] this is the cross-entropy between Bernoulli(x)
    and Bernoulli(p), so it is never below :func:`bernoulli_entropy` of ``X``.

    Parameters
    ----------
    X : array-like or tensor of shape (n_samples, n_features)
        Targets in [0, 1].
    probabilities : array-like or tensor of shape (n_samples, n_features)
        Decoder outputs, clipped to [1e-7, 1 - 1e-7].

    Returns
    -------
    ndarray or tensor of shape (n_samples,)
        Nats per example.
    """
    xp = _xp(X, probabilities)
    if xp is np:
        X, probabilities = _check_broadcastable(("X", "probabilities"), (X, probabilities))
        _check_unit_interval(X)
        _check_unit_interval(probabilities, "probabilities", "")
    p = xp.clip(probabilities, EPSILON, 1.0 - EPSILON)
    return -xp.sum(X * xp.log(p) + (1.0 - X) * xp.log(1.0 - p), axis=-1)


def gaussian_nll(X, mean, log_var):
    """Negative log-density of N(mean, diag(exp(log_var))), summed over features.

    Parameters
    ----------
    X : array-like or tensor of shape (n_samples, n_features)
    mean : array-like or tensor of shape (n_samples, n_features)
        Decoder outputs.
    log_var : array-like or tensor of shape (n_features,)
        Observation log-variance per feature (shared by all examples).

    Returns
    -------
    ndarray or tensor of shape (n_samples,)
        Nats per example.
    """
    xp = _xp(X, mean, log_var)
    if xp is np:
        X, mean = _check_broadcastable(("X", "mean"), (X, mean))
        (log_var,) = _check_broadcastable(("log_var",), (log_var,))
        if log_var.shape != X.shape[-1:]:
            raise ValueError(f"log_var must have shape (n_features,) = ({X.shape[-1]},), got {log_var.shape}")
    return 0.5 * xp.sum(LOG_2PI + log_var + xp.square(X - mean) / xp.exp(log_var), axis=-1)


def bernoulli_entropy(X):
    """Reconstruction floor of grey-level data under a Bernoulli likelihood.

    sum_j H(x_j) = -sum_j [x_j log x_j + (1 - x_j) log(1 - x_j)] (with 0 log 0 = 0):
    the smallest binary cross-entropy any decoder can reach on an image, reached
    only by reproducing every pixel's grey level exactly.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Values in [0, 1].

    Returns
    -------
    ndarray of shape (n_samples,)
        Nats per example.
    """
    X = _check_unit_interval(check_array_2d(X))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(X > 0, X * np.log(X), 0.0) + np.where(X < 1, (1 - X) * np.log1p(-X), 0.0)
    return -terms.sum(axis=1)


def _check_unit_interval(X, name="X", hint=" (scale the data, or use likelihood='gaussian')"):
    low, high = X.min(), X.max()
    if low < 0 or high > 1:
        raise ValueError(
            f"{name} must lie in [0, 1] for a Bernoulli likelihood, got values in [{low:.4g}, {high:.4g}]{hint}"
        )
    return X


def _check_broadcastable(names, arrays):
    """Finite float arrays of at least one dimension whose shapes broadcast together."""
    checked = []
    for name, array in zip(names, arrays):
        try:
            array = np.asarray(array, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric, got {type(array).__name__}: {exc}") from None
        if array.ndim < 1 or not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must be a finite array of at least 1 dimension, got shape {array.shape}")
        checked.append(array)
    try:
        np.broadcast_shapes(*(a.shape for a in checked))
    except ValueError:
        described = ", ".join(f"{n} {a.shape}" for n, a in zip(names, checked))
        raise ValueError(f"{' and '.join(names)} must have compatible shapes, got {described}") from None
    return checked


def _check_likelihood(likelihood, X=None):
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
    if likelihood == "auto":
        if X is None:
            raise ValueError("likelihood='auto' needs the data to choose; pass 'bernoulli' or 'gaussian'")
        likelihood = "bernoulli" if X.min() >= 0 and X.max() <= 1 else "gaussian"
    if likelihood == "bernoulli" and X is not None:
        _check_unit_interval(X)
    return likelihood


class Sampling(layers.Layer):
    """The reparameterization trick: z = z_mean + exp(z_log_var / 2) * epsilon.

    epsilon ~ N(0, I) has exactly the shape of ``z_mean`` (batch x latent), and
    is drawn from Keras' own seed generator, so the randomness is outside the
    path of the gradient and reproducible.

    Parameters
    ----------
    seed : int, optional
        Seed of the layer's ``keras.random.SeedGenerator``.

    Call arguments
    --------------
    inputs : list of two tensors of shape (batch, latent_dim)
        ``[z_mean, z_log_var]``.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def build_encoder(n_features, latent_dim, hidden_units=(64,), seed=None):
    """The inference model q_phi(z | x) as a functional Keras model.

    Parameters
    ----------
    n_features : int
        Input width (taken from the data by :func:`fit_vae`).
    latent_dim : int
        Width of z.
    hidden_units : sequence of int, default (64,)
        Widths of the ReLU hidden layers.
    seed : int, optional
        Seed of the :class:`Sampling` layer.

    Returns
    -------
    keras.Model
        Maps (batch, n_features) to ``[z_mean, z_log_var, z]``, each of shape
        (batch, latent_dim).
    """
    n_features = check_positive_int("n_features", n_features)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    inputs = keras.Input(shape=(n_features,), name="x")
    hidden = inputs
    for width in check_hidden_units(hidden_units):
        hidden = layers.Dense(width, activation="relu")(hidden)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden)
    z = Sampling(seed=seed, name="z")([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def build_decoder(latent_dim, n_features, hidden_units=(64,), likelihood="bernoulli"):
    """The generative model p_theta(x | z) as a functional Keras model.

    Parameters
    ----------
    latent_dim : int
    n_features : int
        Output width, equal to the data's.
    hidden_units : sequence of int, default (64,)
        Widths of the ReLU hidden layers, from z outwards.
    likelihood : {'bernoulli', 'gaussian'}, default 'bernoulli'
        'bernoulli': sigmoid outputs, the pixel probabilities; 'gaussian':
        linear outputs, the means.

    Returns
    -------
    keras.Model
        Maps (batch, latent_dim) to (batch, n_features).
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    n_features = check_positive_int("n_features", n_features)
    if likelihood not in ("bernoulli", "gaussian"):
        raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")
    inputs = keras.Input(shape=(latent_dim,), name="z")
    hidden = inputs
    for width in check_hidden_units(hidden_units):
        hidden = layers.Dense(width, activation="relu")(hidden)
    activation = "sigmoid" if likelihood == "bernoulli" else "linear"
    outputs = layers.Dense(n_features, activation=activation, name="x_hat")(hidden)
    return keras.Model(inputs, outputs, name="decoder")


class VAE(keras.Model):
    """Encoder and decoder trained on the negative ELBO, with ``beta`` on the KL term.

    Tracks three metrics per epoch, all in nats per example:
    ``reconstruction_loss`` (expected negative log-likelihood, one sample of
    z), ``kl_loss`` (closed form) and ``loss`` = reconstruction + beta * KL.

    Parameters
    ----------
    encoder : keras.Model
        From :func:`build_encoder`: x -> [z_mean, z_log_var, z].
    decoder : keras.Model
        From :func:`build_decoder`: z -> probabilities or means.
    beta : float, default 1.0
        Weight of the KL term, >= 0 (1 is the ELBO; beta-VAE uses other values).
    likelihood : {'bernoulli', 'gaussian'}, default 'bernoulli'
        For 'gaussian', a per-feature observation log-variance is learned
        (``observation_log_var``, bounded below by log(1e-3)).
    """

    def __init__(self, encoder, decoder, *, beta=1.0, likelihood="bernoulli", **kwargs):
        super().__init__(**kwargs)
        if likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.beta = check_non_negative("beta", beta)
        self.likelihood = likelihood
        self.n_features = int(encoder.inputs[0].shape[-1])
        self.latent_dim = int(decoder.inputs[0].shape[-1])
        if int(decoder.outputs[0].shape[-1]) != self.n_features:
            raise ValueError(
                f"decoder output width {decoder.outputs[0].shape[-1]} must equal the "
                f"encoder input width {self.n_features}"
            )
        if likelihood == "gaussian":
            self.observation_log_var = self.add_weight(
                shape=(self.n_features,), initializer="zeros", name="observation_log_var"
            )
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def log_var(self):
        """Observation log-variance per feature (Gaussian likelihood), shape (n_features,)."""
        return ops.maximum(self.observation_log_var, MIN_LOG_VAR)

    def negative_log_likelihood(self, x, x_hat):
        """-log p_theta(x | z) per example, shape (batch,), from decoder outputs ``x_hat``."""
        if self.likelihood == "bernoulli":
            return bernoulli_nll(x, x_hat)
        return gaussian_nll(x, x_hat, self.log_var())

    def compute_losses(self, x):
        """Batch means of reconstruction, KL and total loss (one sample of z per example)."""
        z_mean, z_log_var, z = self.encoder(x)
        reconstruction_loss = ops.mean(self.negative_log_likelihood(x, self.decoder(z)))
        kl_loss = ops.mean(gaussian_kl(z_mean, z_log_var))
        return reconstruction_loss, kl_loss, reconstruction_loss + self.beta * kl_loss

    def _update_metrics(self, reconstruction_loss, kl_loss, total_loss):
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            reconstruction_loss, kl_loss, total_loss = self.compute_losses(x)
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return self._update_metrics(reconstruction_loss, kl_loss, total_loss)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._update_metrics(*self.compute_losses(x))

    def call(self, x):
        """Deterministic reconstruction: the decoder applied to the posterior mean."""
        z_mean, _, _ = self.encoder(x)
        return self.decoder(z_mean)


def fit_vae(
    X,
    *,
    latent_dim=2,
    hidden_units=(64,),
    beta=1.0,
    likelihood="auto",
    epochs=50,
    batch_size=64,
    learning_rate=1e-3,
    random_state=0,
    validation_data=None,
):
    """Build and train a :class:`VAE` whose widths come from ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Training data.
    latent_dim : int, default 2
    hidden_units : sequence of int, default (64,)
        Hidden widths of the encoder; the decoder mirrors them.
    beta : float, default 1.0
        Weight of the KL term, >= 0.
    likelihood : {'auto', 'bernoulli', 'gaussian'}, default 'auto'
        'auto' picks Bernoulli when every value of ``X`` is in [0, 1].
    epochs, batch_size : int
    learning_rate : float, default 1e-3
        Adam's learning rate.
    random_state : int, default 0
        Seeds Keras (weights, shuffling) and the sampling layer: the same value
        gives the same losses.
    validation_data : array-like of shape (n_val, n_features), optional
        Held-out data whose losses are recorded as ``val_*`` each epoch.

    Returns
    -------
    VAE
        Trained; ``model.history.history`` holds the per-epoch losses.

    Raises
    ------
    ValueError
        For bad data, a non-positive ``latent_dim`` or width, a negative
        ``beta``, or data outside [0, 1] with ``likelihood='bernoulli'``.
    """
    X = check_array_2d(X)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    hidden_units = check_hidden_units(hidden_units)
    beta = check_non_negative("beta", beta)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    learning_rate = check_non_negative("learning_rate", learning_rate)
    random_state = check_positive_int("random_state", random_state, minimum=0)
    likelihood = _check_likelihood(likelihood, X)
    if validation_data is not None:
        validation_data = _check_input(validation_data, X.shape[1], likelihood, "validation_data")
        validation_data = (validation_data.astype("float32"),)

    keras.utils.set_random_seed(random_state)
    encoder = build_encoder(X.shape[1], latent_dim, hidden_units, seed=random_state)
    decoder = build_decoder(latent_dim, X.shape[1], hidden_units[::-1], likelihood)
    model = VAE(encoder, decoder, beta=beta, likelihood=likelihood, name="vae")
    # Several steps per call of the compiled train function: the networks are
    # tiny, so per-step Python overhead would otherwise dominate. The updates
    # and the per-epoch losses are the same as with one step per call.
    steps_per_execution = min(STEPS_PER_EXECUTION, math.ceil(X.shape[0] / batch_size))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        steps_per_execution=steps_per_execution,
    )
    model.fit(
        X.astype("float32"),
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        shuffle=True,
        verbose=0,
    )
    return model


def _check_model(model):
    if not isinstance(model, VAE):
        raise ValueError(f"model must be a VAE (from fit_vae), got {type(model).__name__}")
    return model


def _check_input(X, n_features, likelihood=None, name="X"):
    X = check_array_2d(X, name)
    if X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features, but the model expects n_features = {n_features}")
    if likelihood == "bernoulli":
        _check_unit_interval(X, name)
    return X


# Rows per direct call of the encoder or decoder: calling the Keras models on
# NumPy chunks avoids tracing a predict function for every new model.
CHUNK_ROWS = 4096


def _apply(network, X):
    """Outputs of ``network`` on float64 rows, computed in chunks, as float64 arrays."""
    chunks = [network(X[start:start + CHUNK_ROWS].astype("float32"), training=False)
              for start in range(0, X.shape[0], CHUNK_ROWS)]
    if isinstance(chunks[0], (list, tuple)):
        return [np.concatenate([ops.convert_to_numpy(c[i]) for c in chunks]).astype(np.float64)
                for i in range(len(chunks[0]))]
    return np.concatenate([ops.convert_to_numpy(c) for c in chunks]).astype(np.float64)


def _posterior(model, X):
    z_mean, z_log_var, _ = _apply(model.encoder, X)
    return z_mean, z_log_var


def posterior(model, X):
    """Parameters of q_phi(z | x) for each row of ``X``.

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    z_mean : ndarray of shape (n_samples, latent_dim)
    z_log_var : ndarray of shape (n_samples, latent_dim)
    """
    model = _check_model(model)
    return _posterior(model, _check_input(X, model.n_features))


def encode(model, X):
    """Posterior means mu_phi(x).

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, latent_dim)
    """
    model = _check_model(model)
    return _posterior(model, _check_input(X, model.n_features))[0]


def decode(model, Z):
    """Decoder outputs (pixel probabilities, or Gaussian means) for latent points.

    Parameters
    ----------
    model : VAE
    Z : array-like of shape (n_points, latent_dim)

    Returns
    -------
    ndarray of shape (n_points, n_features)
    """
    model = _check_model(model)
    Z = check_array_2d(Z, "Z")
    if Z.shape[1] != model.latent_dim:
        raise ValueError(f"Z has {Z.shape[1]} columns, but the model expects latent_dim = {model.latent_dim}")
    return _apply(model.decoder, Z)


def sample(model, n, random_state=0):
    """Decode ``n`` draws from the prior N(0, I).

    Parameters
    ----------
    model : VAE
    n : int
    random_state : int, default 0

    Returns
    -------
    ndarray of shape (n, n_features)
        Decoder outputs (the mean of p_theta(x | z) for each drawn z).
    """
    model = _check_model(model)
    n = check_positive_int("n", n)
    rng = np.random.default_rng(random_state)
    return decode(model, rng.standard_normal((n, model.latent_dim)))


def elbo(model, X, n_samples=1, random_state=0):
    """Evidence lower bound on held-out data, in nats per example.

    The KL term is computed in closed form, the reconstruction term
    E_q[-log p_theta(x | z)] by Monte Carlo with ``n_samples`` draws of z per
    example.

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n_examples, n_features)
    n_samples : int, default 1
        Draws of z per example.
    random_state : int, default 0
        Seed of the draws.

    Returns
    -------
    dict
        ``elbo``, ``reconstruction`` (expected negative log-likelihood) and
        ``kl``, each the mean over examples, with ``elbo = -(reconstruction + kl)``.
    """
    model = _check_model(model)
    X = _check_input(X, model.n_features, model.likelihood)
    n_samples = check_positive_int("n_samples", n_samples)
    z_mean, z_log_var = _posterior(model, X)
    rng = np.random.default_rng(random_state)
    epsilon = rng.standard_normal((n_samples,) + z_mean.shape)
    z = (z_mean + np.exp(0.5 * z_log_var) * epsilon).reshape(-1, model.latent_dim)
    nll = _negative_log_likelihood(model, X, decode(model, z).reshape(n_samples, *X.shape))
    reconstruction = float(nll.mean())
    kl = float(gaussian_kl(z_mean, z_log_var).mean())
    return {"elbo": -(reconstruction + kl), "reconstruction": reconstruction, "kl": kl}


def _negative_log_likelihood(model, X, x_hat):
    """-log p_theta(x | z) in float64, shape x_hat.shape[:-1]."""
    if model.likelihood == "bernoulli":
        return bernoulli_nll(X, x_hat)
    return gaussian_nll(X, x_hat, ops.convert_to_numpy(model.log_var()).astype(np.float64))


def log_marginal_likelihood(model, X, n_samples=100, random_state=0):
    """Importance-sampled estimate of log p_theta(x), in nats per example.

    log p(x) ~ log (1/K) sum_k p_theta(x | z_k) p(z_k) / q_phi(z_k | x), z_k ~ q_phi(z | x).
    By Jensen's inequality its expectation lies between the ELBO (K = 1) and
    log p(x), and it rises towards log p(x) as K grows (Burda et al., 2016).

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n_examples, n_features)
    n_samples : int, default 100
        Importance samples K per example.
    random_state : int, default 0

    Returns
    -------
    float
        Mean over examples of the estimate.
    """
    model = _check_model(model)
    X = _check_input(X, model.n_features, model.likelihood)
    n_samples = check_positive_int("n_samples", n_samples)
    z_mean, z_log_var = _posterior(model, X)
    epsilon = np.random.default_rng(random_state).standard_normal((n_samples,) + z_mean.shape)
    z = z_mean + np.exp(0.5 * z_log_var) * epsilon
    log_prior = -0.5 * np.sum(LOG_2PI + np.square(z), axis=-1)
    log_q = -0.5 * np.sum(LOG_2PI + z_log_var + np.square(epsilon), axis=-1)
    # Decode a few importance samples at a time: all of them at once would hold
    # n_samples copies of X in every intermediate of the likelihood.
    log_likelihood = np.empty((n_samples, X.shape[0]))
    per_chunk = max(1, CHUNK_ROWS // X.shape[0])
    for start in range(0, n_samples, per_chunk):
        z_chunk = z[start:start + per_chunk]
        x_hat = decode(model, z_chunk.reshape(-1, model.latent_dim)).reshape(z_chunk.shape[0], *X.shape)
        log_likelihood[start:start + per_chunk] = -_negative_log_likelihood(model, X, x_hat)
    log_weights = log_prior - log_q + log_likelihood
    peak = log_weights.max(axis=0)
    estimate = peak + np.log(np.mean(np.exp(log_weights - peak), axis=0))
    return float(estimate.mean())
