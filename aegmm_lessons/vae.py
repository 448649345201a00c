"""A variational autoencoder in Keras 3.

Generative model (decoder, parameters theta) and inference model (encoder, phi):

    p(z) = N(0, I)
    p_theta(x | z) = Bernoulli(x; decoder(z))  (data in [0, 1])  or  N(x; decoder(z), diag(sigma^2))
    q_phi(z | x) = N(z; mu_phi(x), diag(exp(log_var_phi(x))))

    ELBO(x) = E_q[log p_theta(x | z)] - KL(q_phi(z | x) || p(z))

Training minimizes reconstruction + beta * KL, the negative ELBO when beta = 1.
Everything is in nats per example.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops
from scipy import special, stats
from sklearn.base import BaseEstimator, DensityMixin, TransformerMixin

from .networks import BATCH_ROWS, NetworkEstimatorMixin, array_namespace, compile_adam, predict
from .validation import (
    check_array,
    check_data,
    check_generator,
    check_hidden_units,
    check_is_fitted,
    check_non_negative,
    check_positive_int,
    check_seed,
    check_training,
    check_unit_interval,
    in_unit_interval,
    validate_data,
)

__all__ = [
    "gaussian_kl", "bernoulli_nll", "gaussian_nll", "bernoulli_entropy", "Sampling", "build_encoder", "build_decoder",
    "VAE", "fit_vae", "elbo", "log_marginal_likelihood", "posterior", "encode", "decode", "sample", "active_units",
    "VAEEstimator",
]

# Probabilities are clipped as in Keras' binary cross-entropy: a saturated sigmoid gives a finite loss.
EPSILON = 1e-7
# Floor of the observation log-variance: a feature decoded exactly would make the likelihood infinite.
MIN_LOG_VAR = math.log(1e-3)
LOG_2PI = math.log(2.0 * math.pi)
def gaussian_kl(mu, log_var):
    """KL(N(mu, diag(exp(log_var))) || N(0, I)) = 1/2 sum_j (mu_j^2 + exp(log_var_j) - 1 - log_var_j).

    ``mu`` and ``log_var`` are arrays or tensors of shape (n_samples, latent_dim); returns shape (n_samples,).
    """
    xp = array_namespace(mu, log_var)
    if xp is np:
        mu, log_var = check_data(mu, name="mu"), check_data(log_var, name="log_var")
        if mu.shape != log_var.shape:
            raise ValueError(f"log_var has shape {log_var.shape}, but expected the shape {mu.shape} of mu")
    return 0.5 * xp.sum(xp.square(mu) + xp.exp(log_var) - 1.0 - log_var, axis=-1)


def _check_output(X, output, name):
    X = check_data(X)
    output = check_array(output, ensure_2d=False, allow_nd=True, input_name=name, dtype=np.float64)
    try:
        np.broadcast_shapes(X.shape, output.shape)
    except ValueError:
        raise ValueError(f"{name} has shape {output.shape}, which does not broadcast to X's shape {X.shape}") from None
    return X, output


def bernoulli_nll(X, probabilities):
    """-log Bernoulli(X; probabilities) (binary cross-entropy), summed over features.

    ``X`` of shape (n_samples, n_features) in [0, 1]; ``probabilities`` (decoder
    outputs, clipped to [1e-7, 1 - 1e-7]) of shape (..., n_samples, n_features).
    Returns shape (..., n_samples): arrays for arrays, tensors for tensors.
    """
    xp = array_namespace(X, probabilities)
    if xp is np:
        X, probabilities = _check_output(X, probabilities, "probabilities")
        check_unit_interval(X)
        check_unit_interval(probabilities, "probabilities")
    p = xp.clip(probabilities, EPSILON, 1.0 - EPSILON)
    return -xp.sum(X * xp.log(p) + (1.0 - X) * xp.log(1.0 - p), axis=-1)


def gaussian_nll(X, mean, log_var):
    """-log N(X; mean, diag(exp(log_var))), summed over features.

    ``X`` of shape (n_samples, n_features); ``mean`` (decoder outputs) of shape
    (..., n_samples, n_features); ``log_var`` of shape (n_features,), shared by
    all examples. Returns shape (..., n_samples).
    """
    if array_namespace(X, mean, log_var) is ops:
        return 0.5 * ops.sum(LOG_2PI + log_var + ops.square(X - mean) / ops.exp(log_var), axis=-1)
    X, mean = _check_output(X, mean, "mean")
    log_var = check_array(log_var, ensure_2d=False, input_name="log_var", dtype=np.float64)
    if log_var.shape != X.shape[-1:]:
        raise ValueError(f"log_var has shape {log_var.shape}, but expected (n_features,) = {X.shape[-1:]}")
    return -stats.norm.logpdf(X, mean, np.exp(0.5 * log_var)).sum(axis=-1)


def bernoulli_entropy(X):
    """sum_j H(x_j) for ``X`` of shape (n_samples, n_features) in [0, 1]: the least cross-entropy a decoder reaches."""
    X = check_unit_interval(check_data(X))
    return (special.entr(X) + special.entr(1.0 - X)).sum(axis=1)


@keras.saving.register_keras_serializable(package="aegmm_lessons")
class Sampling(layers.Layer):
    """The reparameterization trick: z = z_mean + exp(z_log_var / 2) * epsilon, epsilon ~ N(0, I).

    Called on ``[z_mean, z_log_var]`` of shape (batch, latent_dim); epsilon has the shape of ``z_mean``
    and comes from the layer's ``keras.random.SeedGenerator(seed)``.
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


def _check_likelihood(likelihood, X=None):
    """'bernoulli' or 'gaussian'; 'auto' (with data ``X``) picks Bernoulli for data in [0, 1]."""
    choices = ("bernoulli", "gaussian") if X is None else ("auto", "bernoulli", "gaussian")
    if likelihood not in choices:
        raise ValueError(f"likelihood must be one of {choices}, got {likelihood!r}")
    if likelihood == "auto":
        likelihood = "bernoulli" if in_unit_interval(X) else "gaussian"
    if likelihood == "bernoulli" and X is not None:
        check_unit_interval(X)
    return likelihood


def _hidden_layers(hidden, hidden_units):
    for width in check_hidden_units(hidden_units):
        hidden = layers.Dense(width, activation="relu")(hidden)
    return hidden


def build_encoder(n_features, latent_dim, hidden_units=(64,), random_state=None):
    """q_phi(z | x): functional model x (batch, n_features) -> ``[z_mean, z_log_var, z]``, each (batch, latent_dim).

    ``random_state`` (None, int, RandomState or Generator) seeds the sampling layer's noise."""
    inputs = keras.Input(shape=(check_positive_int("n_features", n_features),), name="x")
    latent_dim = check_positive_int("latent_dim", latent_dim)
    hidden = _hidden_layers(inputs, hidden_units)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden)
    z = Sampling(seed=None if random_state is None else check_seed(random_state), name="z")([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def build_decoder(latent_dim, n_features, hidden_units=(64,), likelihood="bernoulli"):
    """p_theta(x | z): a functional model from (batch, latent_dim) to probabilities or means (batch, n_features)."""
    inputs = keras.Input(shape=(check_positive_int("latent_dim", latent_dim),), name="z")
    n_features = check_positive_int("n_features", n_features)
    activation = "sigmoid" if _check_likelihood(likelihood) == "bernoulli" else "linear"
    hidden = _hidden_layers(inputs, hidden_units)
    outputs = layers.Dense(n_features, activation=activation, name="x_hat")(hidden)
    return keras.Model(inputs, outputs, name="decoder")


@keras.saving.register_keras_serializable(package="aegmm_lessons")
class VAE(keras.Model):
    """Encoder and decoder trained on reconstruction + beta * KL, in nats per example.

    Tracks ``loss``, ``reconstruction_loss`` (one draw of z) and ``kl_loss`` (closed form). With
    ``likelihood='gaussian'`` a per-feature ``observation_log_var`` (at least log 1e-3) is learned too.
    """

    def __init__(self, encoder, decoder, *, beta=1.0, likelihood="bernoulli", **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.beta = check_non_negative("beta", beta)
        self.likelihood = _check_likelihood(likelihood)
        self.n_features = int(encoder.inputs[0].shape[-1])
        self.latent_dim = int(decoder.inputs[0].shape[-1])
        if decoder.outputs[0].shape[-1] != self.n_features:
            raise ValueError(f"decoder has {decoder.outputs[0].shape[-1]} outputs, but n_features={self.n_features}")
        if likelihood == "gaussian":
            self.observation_log_var = self.add_weight(shape=(self.n_features,), initializer="zeros",
                                                       name="observation_log_var")
        self.trackers = [keras.metrics.Mean(name=name) for name in ("loss", "reconstruction_loss", "kl_loss")]

    @property
    def metrics(self):
        return self.trackers

    def get_config(self):
        """Encoder, decoder, ``beta`` and ``likelihood``: what :meth:`from_config` (and so pickle) rebuilds from."""
        return {"name": self.name, "beta": self.beta, "likelihood": self.likelihood,
                **{part: keras.saving.serialize_keras_object(getattr(self, part)) for part in ("encoder", "decoder")}}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder, decoder = (keras.saving.deserialize_keras_object(config.pop(part)) for part in ("encoder", "decoder"))
        return cls(encoder, decoder, **config)

    def compile_from_config(self, config):
        """Compile as saved, with Adam's slots created (as :func:`~aegmm_lessons.networks.compile_adam` does), so
        that loading restores them."""
        super().compile_from_config(config)
        self.optimizer.build(self.trainable_variables)

    def log_var(self):
        """Observation log-variance per feature (Gaussian likelihood), shape (n_features,)."""
        return ops.maximum(self.observation_log_var, MIN_LOG_VAR)

    def negative_log_likelihood(self, x, x_hat):
        """-log p_theta(x | z) per example from decoder outputs ``x_hat`` (tensors, or float64 arrays)."""
        if self.likelihood == "bernoulli":
            return bernoulli_nll(x, x_hat)
        log_var = self.log_var()
        return gaussian_nll(x, x_hat, log_var if ops.is_tensor(x_hat) else ops.convert_to_numpy(log_var))

    def compute_losses(self, x):
        """Batch means of the loss, reconstruction and KL terms (one draw of z per example)."""
        z_mean, z_log_var, z = self.encoder(x)
        reconstruction = ops.mean(self.negative_log_likelihood(x, self.decoder(z)))
        kl = ops.mean(gaussian_kl(z_mean, z_log_var))
        return reconstruction + self.beta * kl, reconstruction, kl

    def _track(self, losses):
        for tracker, value in zip(self.trackers, losses, strict=True):
            tracker.update_state(value)
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            losses = self.compute_losses(data[0] if isinstance(data, tuple) else data)
        grads = tape.gradient(losses[0], self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        return self._track(losses)

    def test_step(self, data):
        return self._track(self.compute_losses(data[0] if isinstance(data, tuple) else data))

    def call(self, x):
        """Reconstruction from the posterior mean: decoder(mu_phi(x))."""
        return self.decoder(self.encoder(x)[0])


def fit_vae(X, *, latent_dim=2, hidden_units=(64,), beta=1.0, likelihood="auto", epochs=50, batch_size=64,
            learning_rate=1e-3, random_state=0, validation_data=None):
    """A :class:`VAE` trained on ``X`` of shape (n_samples, n_features), widths taken from ``X``.

    ``hidden_units`` are the encoder's widths (the decoder mirrors them);
    ``likelihood='auto'`` is Bernoulli when ``X`` lies in [0, 1]; Adam's
    ``learning_rate``; ``random_state`` seeds weights, shuffling and sampling;
    ``validation_data`` of shape (n_val, n_features) is scored as ``val_*``.
    ``model.history.history`` holds the losses per epoch.
    """
    X = check_data(X)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    hidden_units = check_hidden_units(hidden_units)
    epochs, batch_size, learning_rate = check_training(epochs, batch_size, learning_rate)
    random_state = check_seed(random_state)
    likelihood = _check_likelihood(likelihood, X)
    if validation_data is not None:
        validation_data = (_check_input(validation_data, X.shape[1], likelihood, "validation_data").astype("float32"),)
    keras.utils.set_random_seed(random_state)
    encoder = build_encoder(X.shape[1], latent_dim, hidden_units, random_state=random_state)
    decoder = build_decoder(latent_dim, X.shape[1], hidden_units[::-1], likelihood)
    model = VAE(encoder, decoder, beta=beta, likelihood=likelihood, name="vae")
    compile_adam(model, learning_rate, n_batches=math.ceil(X.shape[0] / batch_size))
    model.fit(X.astype("float32"), epochs=epochs, batch_size=batch_size, validation_data=validation_data,
              shuffle=True, verbose=0)
    return model


def _check_model(model):
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a VAE (from fit_vae), got {type(model).__name__}")
    return model


def _check_input(X, n_features, likelihood=None, name="X"):
    X = check_data(X, n_features=n_features, name=name)
    return check_unit_interval(X, name) if likelihood == "bernoulli" else X


def posterior(model, X):
    """``(z_mean, z_log_var)`` of q_phi(z | x), each of shape (n_samples, latent_dim)."""
    return tuple(predict(_check_model(model).encoder, _check_input(X, model.n_features))[:2])


def encode(model, X):
    """Posterior means mu_phi(x), shape (n_samples, latent_dim)."""
    return posterior(model, X)[0]


def decode(model, Z):
    """Decoder outputs (probabilities, or Gaussian means) at latent points ``Z`` of shape (n_points, latent_dim)."""
    Z = check_data(Z, name="Z")
    if Z.shape[1] != _check_model(model).latent_dim:
        raise ValueError(f"Z has {Z.shape[1]} columns, but expected latent_dim={model.latent_dim}")
    return predict(model.decoder, Z)


def sample(model, n_samples, random_state=0):
    """Decoder outputs at ``n_samples`` draws z ~ N(0, I), shape (n_samples, n_features)."""
    n_samples = check_positive_int("n_samples", n_samples)
    return decode(model, check_generator(random_state).standard_normal((n_samples, _check_model(model).latent_dim)))


def _draw_posterior(model, X, n_draws, random_state):
    """X checked, q's parameters, and ``n_draws`` reparameterized draws z of shape (n_draws, n_samples, latent_dim)."""
    X = _check_input(X, _check_model(model).n_features, model.likelihood)
    n_draws = check_positive_int("n_draws", n_draws)
    z_mean, z_log_var = posterior(model, X)
    epsilon = check_generator(random_state).standard_normal((n_draws, *z_mean.shape))
    return X, z_mean, z_log_var, z_mean + np.exp(0.5 * z_log_var) * epsilon


def _log_likelihood(model, X, z):
    """log p_theta(x | z) for draws ``z`` of shape (n_draws, n_samples, latent_dim), shape (n_draws, n_samples)."""
    x_hat = decode(model, z.reshape(-1, model.latent_dim)).reshape(len(z), *X.shape)
    return -model.negative_log_likelihood(X, x_hat)


def elbo(model, X, n_draws=1, random_state=0):
    """ELBO of ``X`` of shape (n_samples, n_features) as a dict of means over examples.

    ``kl`` in closed form, ``reconstruction`` = E_q[-log p_theta(x | z)] over
    ``n_draws`` draws of z per example, ``elbo = -(reconstruction + kl)``.
    """
    X, z_mean, z_log_var, z = _draw_posterior(model, X, n_draws, random_state)
    reconstruction = -float(_log_likelihood(model, X, z).mean())
    kl = float(gaussian_kl(z_mean, z_log_var).mean())
    return {"elbo": -(reconstruction + kl), "reconstruction": reconstruction, "kl": kl}


def log_marginal_likelihood(model, X, n_draws=100, random_state=0):
    """Importance-sampled log p_theta(x), mean over the rows of ``X``, nats per example.

    log p(x) ~ log 1/K sum_k p_theta(x | z_k) p(z_k) / q_phi(z_k | x), z_k ~ q_phi(z | x):
    the ELBO for K = 1, rising towards log p(x) as K = ``n_draws`` grows (Burda et al., 2016).
    """
    X, z_mean, z_log_var, z = _draw_posterior(model, X, n_draws, random_state)
    log_prior = stats.norm.logpdf(z).sum(axis=-1)
    log_q = stats.norm.logpdf(z, z_mean, np.exp(0.5 * z_log_var)).sum(axis=-1)
    # A few importance samples per decoder call: all at once would hold n_draws copies of X.
    per_call = max(1, BATCH_ROWS // len(X))
    log_likelihood = np.concatenate([_log_likelihood(model, X, z[k:k + per_call]) for k in range(0, len(z), per_call)])
    log_weights = log_likelihood + log_prior - log_q
    return float(np.mean(special.logsumexp(log_weights, axis=0) - math.log(n_draws)))


def active_units(model, X, threshold=0.01):
    """Per latent unit, the variance over ``X`` of its posterior mean; and how many exceed ``threshold``.

    Returns
    -------
    activity : ndarray of shape (latent_dim,)
    n_active : int
        Units whose activity exceeds ``threshold`` (Burda et al., 2016).
    """
    activity = posterior(model, X)[0].var(axis=0)
    return activity, int(np.sum(activity > threshold))


class VAEEstimator(NetworkEstimatorMixin, TransformerMixin, DensityMixin, BaseEstimator):
    """:func:`fit_vae` as an estimator whose ``score`` is the held-out ELBO.

    So that ``GridSearchCV`` can choose ``latent_dim`` and ``beta`` without
    labels. ``score(X)`` is the true ELBO (``beta = 1``) in nats per example,
    whatever ``beta`` training used.

    Parameters
    ----------
    latent_dim : int, default 2
    hidden_units : tuple of int, default (64,)
    beta : float, default 1.0
        Weight of the KL term during training.
    likelihood : {'auto', 'bernoulli', 'gaussian'}, default 'auto'
    epochs, batch_size : int, default 50, 64
    learning_rate : float, default 1e-3
    n_elbo_draws : int, default 1
        Monte Carlo draws of z per example in :meth:`score`.
    random_state : None, int, RandomState or Generator, default None
        Seeds training and the draws of :meth:`score` (see :func:`fit_vae`).

    Attributes
    ----------
    model_ : VAE
    n_features_in_ : int
    """

    def __init__(self, latent_dim=2, *, hidden_units=(64,), beta=1.0, likelihood="auto", epochs=50,
                 batch_size=64, learning_rate=1e-3, n_elbo_draws=1, random_state=None):
        self.latent_dim, self.hidden_units, self.beta, self.likelihood = latent_dim, hidden_units, beta, likelihood
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.n_elbo_draws, self.random_state = n_elbo_draws, random_state

    def fit(self, X, y=None):
        """Train a VAE on ``X`` of shape (n_samples, n_features); ``y`` is ignored."""
        X = validate_data(self, X, reset=True)
        self.model_ = fit_vae(X, latent_dim=self.latent_dim, hidden_units=self.hidden_units, beta=self.beta,
                              likelihood=self.likelihood, epochs=self.epochs, batch_size=self.batch_size,
                              learning_rate=self.learning_rate, random_state=self.random_state)
        return self

    def elbo(self, X):
        """``vae.elbo`` of ``X``: dict of ``elbo``, ``reconstruction``, ``kl`` in nats per example."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return elbo(self.model_, X, n_draws=self.n_elbo_draws, random_state=self.random_state)

    def score(self, X, y=None):
        """Held-out ELBO of ``X`` of shape (n_samples, n_features), nats per example."""
        value = self.elbo(X)["elbo"]
        if not math.isfinite(value):
            raise ValueError(f"ELBO of VAEEstimator is {value}; training may have diverged (lower learning_rate)")
        return value

    def transform(self, X):
        """Posterior means of ``X``: ndarray of shape (n_samples, latent_dim)."""
        check_is_fitted(self)
        return encode(self.model_, validate_data(self, X, reset=False))
