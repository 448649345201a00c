"""A variational autoencoder whose prior is a Gaussian mixture (VaDE), in Keras 3.

The generative model (parameters theta: the decoder and the prior) is

    c ~ Cat(pi),    z | c ~ N(mu_c, Sigma_c),    x | z ~ p_theta(x | z)  (the decoder),

and the inference model factorizes as q(z, c | x) = q_phi(z | x) q(c | x), with
q_phi(z | x) = N(mu_phi(x), diag(exp(log_var_phi(x)))) the encoder's Gaussian
and q(c | x) = gamma(z), the prior mixture's responsibility for a point z drawn
from q_phi(z | x) (Jiang et al., 2017). The evidence lower bound is then

    ELBO(x) = E_q[log p_theta(x | z)]
              - sum_c gamma_c KL(q_phi(z | x) || N(mu_c, Sigma_c))
              - KL(gamma || pi),

three terms, the last two in closed form (:func:`component_kl` or
:func:`component_kl_full`, and :func:`categorical_kl`). With one component at mu = 0, sigma = 1 it is exactly
the ELBO of :mod:`aegmm_lessons.vae`. The loss minimized is -ELBO, in nats per
example.

The prior's weights are kept as softmax logits with the first one pinned to 0,
and its covariances as log-variances ('diag') or as the precision's Cholesky
factor with a log-diagonal ('full'), as in :mod:`aegmm_lessons.refine`: every
value of the trainable weights is a valid mixture, and their shapes come from
a :class:`~aegmm_lessons.params.GMMParams` (the mixture that starts training).
The encoder, decoder, :class:`~aegmm_lessons.vae.Sampling` layer and
:func:`~aegmm_lessons.vae.gaussian_kl` are the VAE module's own.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from sklearn.base import BaseEstimator, ClusterMixin, DensityMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .gmm import GaussianMixtureEM
from .params import GMMParams
from .refine import ParamLayout
from .validation import check_array_2d, check_hidden_units, check_non_negative, check_positive_int
from .vae import (
    LOG_2PI, STEPS_PER_EXECUTION, _apply, _check_unit_interval, _xp, bernoulli_nll, build_decoder,
    build_encoder, gaussian_kl,
)

__all__ = [
    "component_kl",
    "component_kl_full",
    "categorical_kl",
    "log_component_densities",
    "log_component_densities_full",
    "responsibilities",
    "softmax_responsibilities",
    "MixtureVAE",
    "pretrain_autoencoder",
    "fit_mixture_vae",
    "posterior",
    "elbo_terms",
    "sample_component",
    "MixtureVAEClustering",
]


def component_kl(z_mean, z_log_var, means, log_vars):
    """KL(q(z | x) || N(mu_c, diag(sigma_c^2))) for every example and component.

    In the component's standardized coordinates u = (z - mu_c) / sigma_c the
    component is N(0, I) and q is N((m - mu_c) / sigma_c, s^2 / sigma_c^2); KL
    does not change under this change of variables, so each entry is
    :func:`~aegmm_lessons.vae.gaussian_kl` of the standardized posterior:

        1/2 sum_j [(m_j - mu_cj)^2 / sigma_cj^2 + s_j^2 / sigma_cj^2 - 1 - log(s_j^2 / sigma_cj^2)].

    Parameters
    ----------
    z_mean, z_log_var : array-like or tensor of shape (n_samples, latent_dim)
        Parameters of q(z | x).
    means, log_vars : array-like or tensor of shape (n_components, latent_dim)
        Component means and log-variances of the prior.

    Returns
    -------
    ndarray or tensor of shape (n_samples, n_components)
        Nats.
    """
    xp = _xp(z_mean, z_log_var, means, log_vars)
    if xp is np:
        z_mean, z_log_var = _same_width(z_mean, z_log_var, "z_mean", "z_log_var")
        means, log_vars = _same_width(means, log_vars, "means", "log_vars")
        _check_latent_width(z_mean, means.shape[1], "z_mean")
    standardized_mean = (z_mean[:, None, :] - means[None, :, :]) * xp.exp(-0.5 * log_vars)[None, :, :]
    standardized_log_var = z_log_var[:, None, :] - log_vars[None, :, :]
    shape = ops.shape if xp is ops else np.shape
    n_samples, (n_components, latent_dim) = shape(z_mean)[0], shape(means)
    kl = gaussian_kl(xp.reshape(standardized_mean, (-1, latent_dim)),
                     xp.reshape(standardized_log_var, (-1, latent_dim)))
    return xp.reshape(kl, (n_samples, n_components))


def component_kl_full(z_mean, z_log_var, means, precisions_chol):
    """KL(q(z | x) || N(mu_c, Sigma_c)) for full covariances, every example and component.

    With the precision Sigma_c^{-1} = U_c U_c^T given by its upper-triangular
    Cholesky factor U_c (lesson 03's parametrization, scikit-learn's
    ``precisions_cholesky_``) and q = N(m, diag(s^2)):

        1/2 [sum_j s_j^2 ||U_c[j, :]||^2 + ||(m - mu_c) U_c||^2 - d
             - 2 sum_j log U_c[j, j] - sum_j log s_j^2].

    Parameters
    ----------
    z_mean, z_log_var : array-like or tensor of shape (n_samples, latent_dim)
    means : array-like or tensor of shape (n_components, latent_dim)
    precisions_chol : array-like or tensor of shape (n_components, latent_dim, latent_dim)
        Upper-triangular, positive diagonal.

    Returns
    -------
    ndarray or tensor of shape (n_samples, n_components)
        Nats.
    """
    xp = _xp(z_mean, z_log_var, means, precisions_chol)
    if xp is np:
        z_mean, z_log_var = _same_width(z_mean, z_log_var, "z_mean", "z_log_var")
        means, precisions_chol = _check_factors(means, precisions_chol)
        _check_latent_width(z_mean, means.shape[1], "z_mean")
    projected = xp.einsum("nkd,kde->nke", z_mean[:, None, :] - means[None, :, :], precisions_chol)
    trace = xp.matmul(xp.exp(z_log_var), xp.transpose(xp.sum(xp.square(precisions_chol), axis=2)))
    log_det_precision = 2.0 * xp.sum(xp.log(xp.diagonal(precisions_chol, axis1=1, axis2=2)), axis=1)
    latent_dim = xp.shape(z_mean)[1] if xp is np else ops.shape(z_mean)[1]
    return 0.5 * (trace + xp.sum(xp.square(projected), axis=-1) - latent_dim - log_det_precision[None, :]
                  - xp.sum(z_log_var, axis=-1, keepdims=True))


def categorical_kl(gamma, log_weights):
    """KL(Cat(gamma) || Cat(pi)) = sum_c gamma_c (log gamma_c - log pi_c), per example.

    Terms with gamma_c = 0 contribute 0 (the limit of g log g).

    Parameters
    ----------
    gamma : array-like or tensor of shape (n_samples, n_components)
        Rows on the simplex: q(c | x).
    log_weights : array-like or tensor of shape (n_components,)
        log pi.

    Returns
    -------
    ndarray or tensor of shape (n_samples,)
        Nats.
    """
    xp = _xp(gamma, log_weights)
    if xp is np:
        gamma = check_array_2d(gamma, "gamma")
        log_weights = np.asarray(log_weights, dtype=np.float64)
        if log_weights.shape != gamma.shape[1:]:
            raise ValueError(f"log_weights must have shape (n_components,) = ({gamma.shape[1]},), "
                             f"got {log_weights.shape}")
    safe = xp.where(gamma > 0, gamma, 1.0)
    return xp.sum(xp.where(gamma > 0, gamma * (xp.log(safe) - log_weights), 0.0), axis=-1)


def log_component_densities(z, means, log_vars):
    """log N(z | mu_c, diag(sigma_c^2)) for every point and component.

    Parameters
    ----------
    z : array-like or tensor of shape (n_samples, latent_dim)
    means, log_vars : array-like or tensor of shape (n_components, latent_dim)

    Returns
    -------
    ndarray or tensor of shape (n_samples, n_components)
    """
    xp = _xp(z, means, log_vars)
    if xp is np:
        means, log_vars = _same_width(means, log_vars, "means", "log_vars")
        z = _check_latent_width(check_array_2d(z, "z"), means.shape[1], "z")
    squared = xp.square(z[:, None, :] - means[None, :, :]) * xp.exp(-log_vars)[None, :, :]
    return -0.5 * xp.sum(LOG_2PI + log_vars[None, :, :] + squared, axis=-1)


def log_component_densities_full(z, means, precisions_chol):
    """log N(z | mu_c, Sigma_c) for every point and component, Sigma_c^{-1} = U_c U_c^T.

    log N = -d/2 log(2 pi) + sum_j log U_c[j, j] - 1/2 ||(z - mu_c) U_c||^2.

    Parameters
    ----------
    z : array-like or tensor of shape (n_samples, latent_dim)
    means : array-like or tensor of shape (n_components, latent_dim)
    precisions_chol : array-like or tensor of shape (n_components, latent_dim, latent_dim)

    Returns
    -------
    ndarray or tensor of shape (n_samples, n_components)
    """
    xp = _xp(z, means, precisions_chol)
    if xp is np:
        means, precisions_chol = _check_factors(means, precisions_chol)
        z = _check_latent_width(check_array_2d(z, "z"), means.shape[1], "z")
    projected = xp.einsum("nkd,kde->nke", z[:, None, :] - means[None, :, :], precisions_chol)
    half_log_det = xp.sum(xp.log(xp.diagonal(precisions_chol, axis1=1, axis2=2)), axis=1)
    latent_dim = xp.shape(z)[1] if xp is np else ops.shape(z)[1]
    return -0.5 * latent_dim * LOG_2PI + half_log_det[None, :] - 0.5 * xp.sum(xp.square(projected), axis=-1)


def responsibilities(z, log_weights, means, log_vars):
    """q(c | x) = gamma(z): the prior mixture's posterior over components at z (diagonal prior).

    gamma_c = pi_c N(z | mu_c, sigma_c^2) / sum_k pi_k N(z | mu_k, sigma_k^2),
    normalized in log space (a softmax), so far points do not give 0 / 0.

    Parameters
    ----------
    z : array-like or tensor of shape (n_samples, latent_dim)
    log_weights : array-like or tensor of shape (n_components,)
    means, log_vars : array-like or tensor of shape (n_components, latent_dim)

    Returns
    -------
    ndarray or tensor of shape (n_samples, n_components)
        Rows sum to 1.
    """
    return softmax_responsibilities(log_component_densities(z, means, log_vars), log_weights)


def softmax_responsibilities(log_densities, log_weights):
    """Normalize log pi_c + log N(z | component c) over c (a softmax).

    Parameters
    ----------
    log_densities : array-like or tensor of shape (n_samples, n_components)
    log_weights : array-like or tensor of shape (n_components,)

    Returns
    -------
    ndarray or tensor of shape (n_samples, n_components)
    """
    joint = log_densities + log_weights
    if _xp(joint) is np:
        joint = joint - joint.max(axis=1, keepdims=True)
        gamma = np.exp(joint)
        return gamma / gamma.sum(axis=1, keepdims=True)
    return ops.softmax(joint, axis=-1)


def _same_width(a, b, name_a, name_b):
    a, b = check_array_2d(a, name_a), check_array_2d(b, name_b)
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def _check_factors(means, precisions_chol):
    means = check_array_2d(means, "means")
    precisions_chol = np.asarray(precisions_chol, dtype=np.float64)
    expected = means.shape + means.shape[1:]
    if precisions_chol.shape != expected:
        raise ValueError(f"precisions_chol must have shape (n_components, latent_dim, latent_dim) = {expected}, "
                         f"got {precisions_chol.shape}")
    return means, precisions_chol


def _check_latent_width(z, latent_dim, name):
    if z.shape[1] != latent_dim:
        raise ValueError(f"{name} has {z.shape[1]} columns, but the mixture expects latent_dim = {latent_dim}")
    return z


def _check_prior(prior, latent_dim):
    if not isinstance(prior, GMMParams):
        raise ValueError(f"prior must be a GMMParams, got {type(prior).__name__}")
    if prior.n_features != latent_dim:
        raise ValueError(f"prior has n_features = {prior.n_features}, but the encoder's latent_dim is {latent_dim}")
    return prior


class MixtureVAE(keras.Model):
    """Encoder, decoder and a trainable Gaussian-mixture prior, trained on -ELBO.

    Tracks four metrics per epoch, in nats per example:
    ``reconstruction_loss`` (Bernoulli negative log-likelihood, one draw of z),
    ``kl_mixture_loss`` (sum_c gamma_c KL(q(z | x) || N(mu_c, sigma_c^2))),
    ``kl_categorical_loss`` (KL(gamma || pi)) and ``loss`` = reconstruction
    + beta * (the two KL terms), which is -ELBO for ``beta = 1``.

    Parameters
    ----------
    encoder : keras.Model
        From :func:`aegmm_lessons.vae.build_encoder`: x -> [z_mean, z_log_var, z].
    decoder : keras.Model
        From :func:`aegmm_lessons.vae.build_decoder` with Bernoulli outputs.
    prior : GMMParams
        Mixture of width latent_dim that starts training. Its shapes, through
        :class:`~aegmm_lessons.refine.ParamLayout`, fix those of the trainable
        weights: ``prior_logits`` (K - 1,), ``prior_means`` (K, latent_dim),
        and ``prior_log_vars`` (K, latent_dim) for 'diag', or the precision's
        Cholesky factor as ``prior_log_diagonals`` (K, latent_dim) and
        ``prior_off_diagonals`` (K, latent_dim (latent_dim - 1) / 2) for 'full'.
    beta : float, default 1.0
        Weight of the two KL terms in the loss (1 is -ELBO; larger values pull
        the codes harder towards their components, as in beta-VAE).

    Raises
    ------
    ValueError
        If the widths of encoder, decoder and prior disagree.
    """

    def __init__(self, encoder, decoder, prior, *, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.beta = check_non_negative("beta", beta)
        self.encoder, self.decoder = encoder, decoder
        self.n_features = int(encoder.inputs[0].shape[-1])
        self.latent_dim = int(decoder.inputs[0].shape[-1])
        if int(decoder.outputs[0].shape[-1]) != self.n_features:
            raise ValueError(f"decoder output width {decoder.outputs[0].shape[-1]} must equal the "
                             f"encoder input width {self.n_features}")
        prior = _check_prior(prior, self.latent_dim)
        self.n_components, self.covariance_type = prior.n_components, prior.covariance_type
        self.layout = ParamLayout.from_params(prior)
        shapes = self.layout.block_shapes()
        log_weights = np.log(prior.weights)
        self.prior_logits = self._weight("prior_logits", shapes["logits"], log_weights[1:] - log_weights[0])
        self.prior_means = self._weight("prior_means", shapes["means"], prior.means)
        if self.covariance_type == "diag":
            self.prior_log_vars = self._weight("prior_log_vars", shapes["means"], np.log(prior.covariances))
        else:
            factors = prior.precisions_cholesky()
            self.prior_log_diagonals = self._weight("prior_log_diagonals", shapes["log_diagonals"],
                                                    np.log(np.diagonal(factors, axis1=1, axis2=2)))
            self.prior_off_diagonals = self._weight("prior_off_diagonals", shapes["off_diagonals"],
                                                    self.layout.off_diagonal_entries(factors))
            # Places each off-diagonal entry at its (row, column) of a flattened d x d matrix.
            rows, cols = np.triu_indices(self.latent_dim, 1)
            scatter = np.zeros((len(rows), self.latent_dim**2), dtype="float32")
            scatter[np.arange(len(rows)), rows * self.latent_dim + cols] = 1.0
            self._scatter = scatter
        self.trackers = {name: keras.metrics.Mean(name=name) for name in
                         ("loss", "reconstruction_loss", "kl_mixture_loss", "kl_categorical_loss")}

    def _weight(self, name, shape, value):
        return self.add_weight(shape=shape, name=name,
                               initializer=keras.initializers.Constant(np.asarray(value, dtype="float32")))

    @property
    def metrics(self):
        return list(self.trackers.values())

    def log_weights(self):
        """log pi, shape (n_components,): log-softmax of the logits with the first pinned to 0."""
        logits = ops.concatenate([ops.zeros((1,)), ops.convert_to_tensor(self.prior_logits)])
        return ops.log_softmax(logits)

    def precisions_cholesky(self):
        """Upper-triangular U_c with U_c U_c^T = Sigma_c^{-1}, shape (K, d, d) ('full' prior only)."""
        d = self.latent_dim
        off_diagonal = ops.reshape(ops.matmul(self.prior_off_diagonals, self._scatter), (-1, d, d))
        diagonal = ops.exp(self.prior_log_diagonals)[:, :, None] * ops.eye(d)[None, :, :]
        return diagonal + off_diagonal

    def prior_params(self):
        """The current prior as a :class:`GMMParams` (float64) of the prior's covariance type."""
        weights = np.exp(ops.convert_to_numpy(self.log_weights()).astype(np.float64))
        means = ops.convert_to_numpy(self.prior_means).astype(np.float64)
        if self.covariance_type == "diag":
            covariances = np.exp(ops.convert_to_numpy(self.prior_log_vars).astype(np.float64))
        else:
            factors = ops.convert_to_numpy(self.precisions_cholesky()).astype(np.float64)
            covariances = np.linalg.inv(factors @ np.swapaxes(factors, 1, 2))
            covariances = 0.5 * (covariances + np.swapaxes(covariances, 1, 2))
        return GMMParams(weights / weights.sum(), means, covariances, self.covariance_type)

    def component_terms(self, z_mean, z_log_var, z):
        """log N(z | component c) and KL(q(z | x) || component c), each of shape (batch, K)."""
        means = ops.convert_to_tensor(self.prior_means)
        if self.covariance_type == "diag":
            log_vars = ops.convert_to_tensor(self.prior_log_vars)
            return (log_component_densities(z, means, log_vars),
                    component_kl(z_mean, z_log_var, means, log_vars))
        factors = self.precisions_cholesky()
        return (log_component_densities_full(z, means, factors),
                component_kl_full(z_mean, z_log_var, means, factors))

    def loss_terms(self, x):
        """Batch means of the three -ELBO terms, gamma taken at one draw of z per example."""
        z_mean, z_log_var, z = self.encoder(x)
        reconstruction = ops.mean(bernoulli_nll(x, self.decoder(z)))
        log_weights = self.log_weights()
        log_densities, kl_components = self.component_terms(z_mean, z_log_var, z)
        gamma = softmax_responsibilities(log_densities, log_weights)
        kl_z = ops.sum(gamma * kl_components, axis=-1)
        return reconstruction, ops.mean(kl_z), ops.mean(categorical_kl(gamma, log_weights))

    def _loss(self, terms):
        reconstruction, kl_mixture, kl_categorical = terms
        return reconstruction + self.beta * (kl_mixture + kl_categorical)

    def _update(self, terms):
        values = dict(zip(("reconstruction_loss", "kl_mixture_loss", "kl_categorical_loss"), terms))
        values["loss"] = self._loss(terms)
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            terms = self.loss_terms(x)
            loss = self._loss(terms)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return self._update(terms)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._update(self.loss_terms(x))

    def call(self, x):
        """Deterministic reconstruction: the decoder applied to the posterior mean."""
        return self.decoder(self.encoder(x)[0])


def pretrain_autoencoder(encoder, decoder, X, *, epochs=20, batch_size=64, learning_rate=1e-3):
    """Train encoder and decoder as a plain autoencoder: x -> decoder(z_mean(x)), Bernoulli loss.

    The usual start of VaDE and DEC: the codes are shaped by reconstruction
    alone before any prior acts on them.

    Parameters
    ----------
    encoder, decoder : keras.Model
        As for :class:`MixtureVAE`; trained in place.
    X : ndarray of shape (n_samples, n_features)
        Data in [0, 1].
    epochs, batch_size : int
    learning_rate : float

    Returns
    -------
    ndarray of shape (epochs,)
        Reconstruction loss per epoch (nats per example).
    """
    X32 = X.astype("float32")
    autoencoder = keras.Model(encoder.inputs, decoder(encoder.outputs[0]), name="pretraining")
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                        loss=lambda x, x_hat: bernoulli_nll(x, x_hat),
                        steps_per_execution=min(STEPS_PER_EXECUTION, math.ceil(X.shape[0] / batch_size)))
    history = autoencoder.fit(X32, X32, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return np.asarray(history.history["loss"], dtype=np.float64)


def _check_data(X, n_components=None, batch_size=None, name="X"):
    X = _check_unit_interval(check_array_2d(X, name), name)
    if n_components is not None and n_components > X.shape[0]:
        raise ValueError(f"n_components must be <= n_samples, got n_components = {n_components} "
                         f"and n_samples = {X.shape[0]}")
    if batch_size is not None and n_components is not None and n_components > batch_size:
        raise ValueError(f"batch_size must be >= n_components (every batch must be able to hold one "
                         f"example per component), got batch_size = {batch_size} and n_components = {n_components}")
    return X


def fit_mixture_vae(X, n_components, *, latent_dim=10, hidden_units=(128,), pretrain_epochs=40, epochs=30,
                    batch_size=128, learning_rate=2e-3, beta=1.0, covariance_type="full", n_init=5, random_state=0):
    """Pretrain an autoencoder, start the prior by EM on its codes, then train everything jointly.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data in [0, 1].
    n_components : int
        Mixture components K, <= n_samples and <= batch_size.
    latent_dim : int, default 10
    hidden_units : sequence of int, default (128,)
        Encoder hidden widths; the decoder mirrors them.
    pretrain_epochs : int, default 40
        Autoencoder epochs before the mixture is fitted (0: start the mixture
        on the codes of the untrained encoder).
    epochs : int, default 30
        Joint epochs on -ELBO.
    batch_size : int, default 128
    learning_rate : float, default 2e-3
        Adam's step size, for both stages.
    beta : float, default 1.0
        Weight of the KL terms in the joint stage (1 trains on -ELBO).
    covariance_type : {'full', 'diag'}, default 'full'
        Of the prior's components (and of the EM that starts them).
    n_init : int, default 5
        k-means starts of the EM on the codes.
    random_state : int, default 0
        Seeds Keras (weights, shuffling, sampling) and the EM.

    Returns
    -------
    model : MixtureVAE
        Trained; ``model.history.history`` holds the per-epoch loss terms.
    start : GMMParams
        The mixture fitted by EM on the pretrained codes (the prior's start).
    start_labels : ndarray of shape (n_samples,)
        The component of each example's pretrained code under ``start``: the
        two-stage clustering that joint training starts from.

    Raises
    ------
    ValueError
        For data that is not finite, not 2-D or outside [0, 1], or K larger
        than the number of examples or than the batch.
    """
    n_components = check_positive_int("n_components", n_components)
    batch_size = check_positive_int("batch_size", batch_size)
    X = _check_data(X, n_components, batch_size)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    hidden_units = check_hidden_units(hidden_units)
    pretrain_epochs = check_positive_int("pretrain_epochs", pretrain_epochs, minimum=0)
    epochs = check_positive_int("epochs", epochs)
    learning_rate = check_non_negative("learning_rate", learning_rate)
    random_state = check_positive_int("random_state", random_state, minimum=0)

    keras.utils.set_random_seed(random_state)
    encoder = build_encoder(X.shape[1], latent_dim, hidden_units, seed=random_state)
    decoder = build_decoder(latent_dim, X.shape[1], hidden_units[::-1], "bernoulli")
    if pretrain_epochs:
        pretrain_autoencoder(encoder, decoder, X, epochs=pretrain_epochs, batch_size=batch_size,
                             learning_rate=learning_rate)
    codes = _apply(encoder, X)[0]
    em = GaussianMixtureEM(n_components, covariance_type=covariance_type, n_init=n_init, max_iter=200,
                           random_state=random_state).fit(codes)
    model = MixtureVAE(encoder, decoder, em.params_, beta=beta, name="mixture_vae")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  steps_per_execution=min(STEPS_PER_EXECUTION, math.ceil(X.shape[0] / batch_size)))
    model.fit(X.astype("float32"), epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model, em.params_, em.predict(codes)


def _check_model(model):
    if not isinstance(model, MixtureVAE):
        raise ValueError(f"model must be a MixtureVAE (from fit_mixture_vae), got {type(model).__name__}")
    return model


def _check_input(model, X, name="X"):
    X = _check_data(X, name=name)
    if X.shape[1] != model.n_features:
        raise ValueError(f"{name} has {X.shape[1]} features, but the model expects n_features = {model.n_features}")
    return X


def _prior_terms(prior, z_mean, z_log_var, z):
    """NumPy twin of MixtureVAE.component_terms, from a GMMParams."""
    if prior.covariance_type == "diag":
        log_vars = np.log(prior.covariances)
        return (log_component_densities(z, prior.means, log_vars),
                component_kl(z_mean, z_log_var, prior.means, log_vars))
    factors = prior.precisions_cholesky()
    return (log_component_densities_full(z, prior.means, factors),
            component_kl_full(z_mean, z_log_var, prior.means, factors))


def posterior(model, X):
    """Parameters of q(z | x) and q(c | x) for each row of ``X``, in float64.

    q(c | x) is taken at the posterior mean (no sampling), as for prediction.

    Parameters
    ----------
    model : MixtureVAE
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    z_mean, z_log_var : ndarray of shape (n_samples, latent_dim)
    gamma : ndarray of shape (n_samples, n_components)
    """
    model = _check_model(model)
    X = _check_input(model, X)
    z_mean, z_log_var, _ = _apply(model.encoder, X)
    prior = model.prior_params()
    log_densities, _ = _prior_terms(prior, z_mean, z_log_var, z_mean)
    return z_mean, z_log_var, softmax_responsibilities(log_densities, np.log(prior.weights))


def elbo_terms(model, X, n_samples=1, random_state=0):
    """The three terms of the ELBO for each row of ``X``, in nats.

    The reconstruction term is a Monte Carlo mean over ``n_samples`` draws of
    z ~ q(z | x) (drawn as :func:`aegmm_lessons.vae.elbo` draws them); the two
    KL terms are closed forms, with gamma at the posterior mean.

    Parameters
    ----------
    model : MixtureVAE
    X : array-like of shape (n_examples, n_features)
    n_samples : int, default 1
    random_state : int, default 0

    Returns
    -------
    dict of str to ndarray of shape (n_examples,)
        ``reconstruction``, ``kl_mixture``, ``kl_categorical`` and
        ``elbo = -(reconstruction + kl_mixture + kl_categorical)``.
    """
    model = _check_model(model)
    X = _check_input(model, X)
    n_samples = check_positive_int("n_samples", n_samples)
    z_mean, z_log_var, gamma = posterior(model, X)
    prior = model.prior_params()
    epsilon = np.random.default_rng(random_state).standard_normal((n_samples,) + z_mean.shape)
    z = (z_mean + np.exp(0.5 * z_log_var) * epsilon).reshape(-1, model.latent_dim)
    reconstruction = bernoulli_nll(X, _apply(model.decoder, z).reshape(n_samples, *X.shape)).mean(axis=0)
    kl_mixture = np.sum(gamma * _prior_terms(prior, z_mean, z_log_var, z_mean)[1], axis=1)
    kl_categorical = categorical_kl(gamma, np.log(prior.weights))
    return {"reconstruction": reconstruction, "kl_mixture": kl_mixture, "kl_categorical": kl_categorical,
            "elbo": -(reconstruction + kl_mixture + kl_categorical)}


def sample_component(model, component, n, random_state=0):
    """Decode ``n`` draws z ~ N(mu_c, Sigma_c) of one prior component.

    Parameters
    ----------
    model : MixtureVAE
    component : int
        0 <= component < n_components.
    n : int
    random_state : int, default 0

    Returns
    -------
    ndarray of shape (n, n_features)
        Pixel probabilities (the mean of p(x | z)) for each draw.
    """
    model = _check_model(model)
    component = check_positive_int("component", component, minimum=0)
    if component >= model.n_components:
        raise ValueError(f"component must be < n_components = {model.n_components}, got {component}")
    prior = model.prior_params()
    draws = np.random.default_rng(random_state).standard_normal((check_positive_int("n", n), model.latent_dim))
    scale = np.linalg.cholesky(prior.full_covariances()[component])
    return _apply(model.decoder, prior.means[component] + draws @ scale.T)


class MixtureVAEClustering(ClusterMixin, TransformerMixin, DensityMixin, BaseEstimator):
    """:func:`fit_mixture_vae` as a scikit-learn estimator: clusters from q(c | x), score = ELBO.

    Parameters
    ----------
    n_components : int, default 10
    latent_dim : int, default 10
    hidden_units : sequence of int, default (128,)
    pretrain_epochs : int, default 40
    epochs : int, default 30
    batch_size : int, default 128
    learning_rate : float, default 2e-3
    beta : float, default 1.0
        Weight of the KL terms in the joint stage.
    covariance_type : {'full', 'diag'}, default 'full'
    n_init : int, default 5
        k-means starts of the EM on the pretrained codes.
    n_elbo_samples : int, default 1
        Draws of z per example in :meth:`score_samples`.
    random_state : int, default 0

    Attributes
    ----------
    model_ : MixtureVAE
    start_ : GMMParams
        The mixture fitted by EM on the pretrained codes.
    start_labels_ : ndarray of shape (n_samples,)
        Cluster of each training example under ``start_`` (before joint training).
    prior_ : GMMParams
        The prior after joint training.
    history_ : dict of str to list of float
        Per-epoch loss terms of the joint training.
    labels_ : ndarray of shape (n_samples,)
    n_features_in_ : int
    """

    def __init__(self, n_components=10, *, latent_dim=10, hidden_units=(128,), pretrain_epochs=40, epochs=30,
                 batch_size=128, learning_rate=2e-3, beta=1.0, covariance_type="full", n_init=5, n_elbo_samples=1,
                 random_state=0):
        self.n_components = n_components
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.pretrain_epochs = pretrain_epochs
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.beta = beta
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.n_elbo_samples = n_elbo_samples
        self.random_state = random_state

    def fit(self, X, y=None):
        """Pretrain, start the prior by EM, train jointly; ``y`` is ignored. Returns self."""
        self.model_, self.start_, self.start_labels_ = fit_mixture_vae(
            X, self.n_components, latent_dim=self.latent_dim, hidden_units=self.hidden_units,
            pretrain_epochs=self.pretrain_epochs, epochs=self.epochs, batch_size=self.batch_size,
            learning_rate=self.learning_rate, beta=self.beta, covariance_type=self.covariance_type,
            n_init=self.n_init, random_state=self.random_state,
        )
        self.prior_ = self.model_.prior_params()
        self.history_ = self.model_.history.history
        self.n_features_in_ = self.model_.n_features
        self.labels_ = self.predict(X)
        return self

    def transform(self, X):
        """Posterior means mu_phi(x): ndarray of shape (n_samples, latent_dim)."""
        check_is_fitted(self, "model_")
        return posterior(self.model_, X)[0]

    def predict_proba(self, X):
        """q(c | x) at the posterior mean: ndarray of shape (n_samples, n_components)."""
        check_is_fitted(self, "model_")
        return posterior(self.model_, X)[2]

    def predict(self, X):
        """Most probable component of each row of X: ndarray of shape (n_samples,)."""
        return self.predict_proba(X).argmax(axis=1)

    def score_samples(self, X):
        """ELBO of each row of X, nats: ndarray of shape (n_samples,)."""
        check_is_fitted(self, "model_")
        return elbo_terms(self.model_, X, self.n_elbo_samples, self.random_state)["elbo"]

    def score(self, X, y=None):
        """Mean ELBO of X, nats per example (larger is better); ``y`` is ignored."""
        return float(np.mean(self.score_samples(X)))

    def sample_component(self, component, n, random_state=0):
        """Decoded draws from one component: ndarray of shape (n, n_features)."""
        check_is_fitted(self, "model_")
        return sample_component(self.model_, component, n, random_state)
