"""A variational autoencoder whose prior is a Gaussian mixture (VaDE, Jiang et al., 2017), in Keras 3.

c ~ Cat(pi), z | c ~ N(mu_c, Sigma_c), x | z ~ p_theta(x | z); q(z, c | x) = q_phi(z | x) gamma(z), gamma the
prior's responsibilities at a code. The loss is -ELBO, in nats per example (n examples, K components, width d):

    -ELBO(x) = E_q[-log p_theta(x | z)] + sum_c gamma_c KL(q_phi(z | x) || N(mu_c, Sigma_c)) + KL(gamma || pi).
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClusterMixin, DensityMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from .gmm import GaussianMixtureEM, estimate_log_gaussian_prob
from .params import GMMParams, ParamLayout, check_params
from .vae import _check_unit_interval, _xp, bernoulli_nll, build_decoder, build_encoder, gaussian_kl
from .validation import (
    check_data,
    check_generator,
    check_hidden_units,
    check_n_components,
    check_non_negative,
    check_positive_int,
    check_seed,
    validate_data,
)

__all__ = ["component_kl", "component_kl_full", "categorical_kl", "log_component_densities_full",
           "softmax_responsibilities", "MixtureVAE", "elbo_terms", "sample_component", "MixtureVAEClustering"]

LOG_2PI = math.log(2.0 * math.pi)
STEPS_PER_EXECUTION = 32
LOSS_TERMS = ("reconstruction_loss", "kl_mixture_loss", "kl_categorical_loss")


def _check_gaussians(means, scales, scales_name, full, **points):
    """Finite float64 means (K, d), scales (K, d) or (K, d, d), and arrays of points (n, d) of one shape."""
    means = check_data(means, name="means")
    scales = check_array(scales, allow_nd=True, input_name=scales_name)
    if scales.shape != means.shape + means.shape[1:] * full:
        raise ValueError(f"{scales_name} has shape {scales.shape}, but means has shape {means.shape}")
    points = {name: check_data(a, n_features=means.shape[1], name=name) for name, a in points.items()}
    if len({a.shape for a in points.values()}) > 1:
        raise ValueError(f"z_mean and z_log_var must have one shape, got {[a.shape for a in points.values()]}")
    return means, scales, *points.values()


def component_kl(z_mean, z_log_var, means, log_vars):
    """KL(N(m, diag(s^2)) || N(mu_c, diag(sigma_c^2))), shape (n, K); means, log_vars (K, d).

    KL does not change under u = (z - mu_c) / sigma_c, which makes the component N(0, I): each entry is
    :func:`~aegmm_lessons.vae.gaussian_kl` of N((m - mu_c) / sigma_c, s^2 / sigma_c^2).
    """
    xp = _xp(z_mean, z_log_var, means, log_vars)
    if xp is np:
        means, log_vars, z_mean, z_log_var = _check_gaussians(means, log_vars, "log_vars", False, z_mean=z_mean,
                                                              z_log_var=z_log_var)
    standardized_mean = (z_mean[:, None, :] - means[None, :, :]) * xp.exp(-0.5 * log_vars)[None, :, :]
    standardized_log_var = z_log_var[:, None, :] - log_vars[None, :, :]
    shape = ops.shape if xp is ops else np.shape
    n_samples, (n_components, latent_dim) = shape(z_mean)[0], shape(means)
    kl = gaussian_kl(xp.reshape(standardized_mean, (-1, latent_dim)),
                     xp.reshape(standardized_log_var, (-1, latent_dim)))
    return xp.reshape(kl, (n_samples, n_components))


def component_kl_full(z_mean, z_log_var, means, precisions_chol):
    """KL(N(m, diag(s^2)) || N(mu_c, Sigma_c)), shape (n, K); precisions_chol (K, d, d): U_c U_c^T = Sigma_c^-1.

        1/2 [sum_j s_j^2 ||U_c[j, :]||^2 + ||(m - mu_c) U_c||^2 - d - 2 sum_j log U_c[j, j] - sum_j log s_j^2]
    """
    xp = _xp(z_mean, z_log_var, means, precisions_chol)
    if xp is np:
        means, precisions_chol, z_mean, z_log_var = _check_gaussians(
            means, precisions_chol, "precisions_chol", True, z_mean=z_mean, z_log_var=z_log_var)
    projected = xp.einsum("nkd,kde->nke", z_mean[:, None, :] - means[None, :, :], precisions_chol)
    trace = xp.matmul(xp.exp(z_log_var), xp.transpose(xp.sum(xp.square(precisions_chol), axis=2)))
    log_det_precision = 2.0 * xp.sum(xp.log(xp.diagonal(precisions_chol, axis1=1, axis2=2)), axis=1)
    latent_dim = xp.shape(z_mean)[1] if xp is np else ops.shape(z_mean)[1]
    return 0.5 * (trace + xp.sum(xp.square(projected), axis=-1) - latent_dim - log_det_precision[None, :]
                  - xp.sum(z_log_var, axis=-1, keepdims=True))


def categorical_kl(gamma, log_weights):
    """KL(gamma || pi) = sum_c gamma_c (log gamma_c - log pi_c) per row of gamma (n, K), with 0 log 0 = 0."""
    xp = _xp(gamma, log_weights)
    if xp is np:
        gamma = check_data(gamma, name="gamma")
        log_weights = check_array(log_weights, ensure_2d=False, input_name="log_weights")
        if log_weights.shape != gamma.shape[1:]:
            raise ValueError(f"log_weights has shape {log_weights.shape}, but gamma has n_components={gamma.shape[1]}")
    safe = xp.where(gamma > 0, gamma, 1.0)
    return xp.sum(xp.where(gamma > 0, gamma * (xp.log(safe) - log_weights), 0.0), axis=-1)


def _log_densities_diag(z, means, log_vars):
    """log N(z | mu_c, diag(exp(log_vars_c))) for tensors, shape (n, K)."""
    squared = ops.square(z[:, None, :] - means[None, :, :]) * ops.exp(-log_vars)[None, :, :]
    return -0.5 * ops.sum(LOG_2PI + log_vars[None, :, :] + squared, axis=-1)


def log_component_densities_full(z, means, precisions_chol):
    """log N(z | mu_c, Sigma_c) = -d/2 log(2 pi) + sum_j log U_c[j, j] - 1/2 ||(z - mu_c) U_c||^2, shape (n, K)."""
    if _xp(z, means, precisions_chol) is np:
        means, precisions_chol, z = _check_gaussians(means, precisions_chol, "precisions_chol", True, z=z)
        return estimate_log_gaussian_prob(z, means, precisions_chol, "full")
    projected = ops.einsum("nkd,kde->nke", z[:, None, :] - means[None, :, :], precisions_chol)
    half_log_det = ops.sum(ops.log(ops.diagonal(precisions_chol, axis1=1, axis2=2)), axis=1)
    return -0.5 * ops.shape(z)[1] * LOG_2PI + half_log_det[None, :] - 0.5 * ops.sum(ops.square(projected), axis=-1)


def softmax_responsibilities(log_densities, log_weights):
    """gamma_c = pi_c N_c / sum_k pi_k N_k from log N_c (n, K) and log pi (K,): lesson 01's E step."""
    if _xp(log_densities, log_weights) is np:
        joint = check_data(log_densities, name="log_densities") + np.asarray(log_weights, dtype=np.float64)
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
    return ops.softmax(log_densities + log_weights, axis=-1)


class MixtureVAE(keras.Model):
    """Encoder x -> [z_mean, z_log_var, z], Bernoulli decoder and a trainable mixture prior; loss -ELBO (beta = 1).

    ``prior`` (``GMMParams`` of width d) starts training and, through lesson 03's ``ParamLayout``, shapes the
    weights: ``prior_logits`` (K - 1,) (the first logit pinned to 0), ``prior_means`` (K, d), and
    ``prior_log_vars`` (K, d) ('diag') or the precision's Cholesky factor as ``prior_log_diagonals`` (K, d)
    and ``prior_off_diagonals`` (K, d (d - 1) / 2) ('full'). ``beta`` weights both KL terms.
    """

    def __init__(self, encoder, decoder, prior, *, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.beta = check_non_negative("beta", beta)
        self.encoder, self.decoder = encoder, decoder
        self.n_features = int(encoder.inputs[0].shape[-1])
        self.latent_dim = int(decoder.inputs[0].shape[-1])
        if int(decoder.outputs[0].shape[-1]) != self.n_features:
            raise ValueError(f"decoder has {decoder.outputs[0].shape[-1]} outputs, but n_features={self.n_features}")
        prior = check_params(prior, "prior", n_features=self.latent_dim)
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
            self._scatter = np.zeros((len(rows), self.latent_dim**2), dtype="float32")
            self._scatter[np.arange(len(rows)), rows * self.latent_dim + cols] = 1.0
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", *LOSS_TERMS)}

    def _weight(self, name, shape, value):
        return self.add_weight(shape=shape, name=name, initializer=keras.initializers.Constant(np.float32(value)))

    @property
    def metrics(self):
        return list(self.trackers.values())

    def log_weights(self):
        """log pi, shape (K,): log-softmax of the logits with the first pinned to 0."""
        return ops.log_softmax(ops.concatenate([ops.zeros((1,)), ops.convert_to_tensor(self.prior_logits)]))

    def precisions_cholesky(self):
        """Upper-triangular U_c with U_c U_c^T = Sigma_c^-1, shape (K, d, d) ('full' prior only)."""
        d = self.latent_dim
        off_diagonal = ops.reshape(ops.matmul(self.prior_off_diagonals, self._scatter), (-1, d, d))
        return ops.exp(self.prior_log_diagonals)[:, :, None] * ops.eye(d)[None, :, :] + off_diagonal

    def prior_params(self):
        """The current prior as a float64 ``GMMParams``."""
        weights = np.exp(ops.convert_to_numpy(self.log_weights()).astype(np.float64))
        if self.covariance_type == "diag":
            covariances = np.exp(self.prior_log_vars.numpy().astype(np.float64))
        else:
            factors = ops.convert_to_numpy(self.precisions_cholesky()).astype(np.float64)
            covariances = np.linalg.inv(factors @ np.swapaxes(factors, 1, 2))
            covariances = 0.5 * (covariances + np.swapaxes(covariances, 1, 2))
        means = self.prior_means.numpy().astype(np.float64)
        return GMMParams(weights / weights.sum(), means, covariances, self.covariance_type)

    def loss_terms(self, x):
        """Batch means of the three -ELBO terms, gamma taken at one draw of z per example."""
        z_mean, z_log_var, z = self.encoder(x)
        reconstruction = ops.mean(bernoulli_nll(x, self.decoder(z)))
        means = ops.convert_to_tensor(self.prior_means)
        if self.covariance_type == "diag":
            log_vars = ops.convert_to_tensor(self.prior_log_vars)
            log_densities = _log_densities_diag(z, means, log_vars)
            kl_components = component_kl(z_mean, z_log_var, means, log_vars)
        else:
            factors = self.precisions_cholesky()
            log_densities = log_component_densities_full(z, means, factors)
            kl_components = component_kl_full(z_mean, z_log_var, means, factors)
        log_weights = self.log_weights()
        gamma = softmax_responsibilities(log_densities, log_weights)
        kl_mixture = ops.mean(ops.sum(gamma * kl_components, axis=-1))
        return reconstruction, kl_mixture, ops.mean(categorical_kl(gamma, log_weights))

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            terms = self.loss_terms(x)
            loss = terms[0] + self.beta * (terms[1] + terms[2])
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        for name, value in zip(("loss", *LOSS_TERMS), (loss, *terms), strict=True):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def call(self, x):
        return self.decoder(self.encoder(x)[0])


def _check_unit_data(X, n_features=None):
    return _check_unit_interval(check_data(X, n_features=n_features))


def _check_model(model):
    if not isinstance(model, MixtureVAE):
        raise TypeError(f"model must be a MixtureVAE, got {type(model).__name__}")
    return model


def _outputs(network, X):
    """A network's outputs on the rows of X, as a list of float64 arrays."""
    outputs = keras.tree.flatten(network(X.astype("float32"), training=False))
    return [ops.convert_to_numpy(output).astype(np.float64) for output in outputs]


def _compile(model, learning_rate, n_samples, batch_size, **kwargs):
    steps = min(STEPS_PER_EXECUTION, math.ceil(n_samples / batch_size))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), steps_per_execution=steps, **kwargs)


def _posterior(model, X):
    """z_mean, z_log_var (n, d) and gamma (n, K) at the posterior mean, and the prior, for checked X."""
    z_mean, z_log_var, _ = _outputs(model.encoder, X)
    prior = model.prior_params()
    log_densities = estimate_log_gaussian_prob(z_mean, prior.means, prior.precisions_cholesky(),
                                               prior.covariance_type)
    return z_mean, z_log_var, softmax_responsibilities(log_densities, np.log(prior.weights)), prior


def elbo_terms(model, X, n_draws=1, random_state=0):
    """``reconstruction``, ``kl_mixture``, ``kl_categorical`` and ``elbo`` of each row of X (n,), in nats.

    Reconstruction averages ``n_draws`` draws z ~ q(z | x) (as :func:`aegmm_lessons.vae.elbo` draws them);
    the KL terms are closed forms with gamma at the posterior mean.
    """
    model = _check_model(model)
    X = _check_unit_data(X, model.n_features)
    n_draws = check_positive_int("n_draws", n_draws)
    z_mean, z_log_var, gamma, prior = _posterior(model, X)
    epsilon = check_generator(random_state).standard_normal((n_draws, *z_mean.shape))
    z = (z_mean + np.exp(0.5 * z_log_var) * epsilon).reshape(-1, model.latent_dim)
    reconstruction = bernoulli_nll(X, _outputs(model.decoder, z)[0].reshape(n_draws, *X.shape)).mean(axis=0)
    if prior.covariance_type == "diag":
        kl_components = component_kl(z_mean, z_log_var, prior.means, np.log(prior.covariances))
    else:
        kl_components = component_kl_full(z_mean, z_log_var, prior.means, prior.precisions_cholesky())
    kl_mixture = np.sum(gamma * kl_components, axis=1)
    kl_categorical = categorical_kl(gamma, np.log(prior.weights))
    return {"reconstruction": reconstruction, "kl_mixture": kl_mixture, "kl_categorical": kl_categorical,
            "elbo": -(reconstruction + kl_mixture + kl_categorical)}


def sample_component(model, component, n_samples, random_state=0):
    """Decoded draws z ~ N(mu_c, Sigma_c) of one component: pixel probabilities, shape (n_samples, n_features)."""
    model = _check_model(model)
    component = check_positive_int("component", component, minimum=0)
    if component >= model.n_components:
        raise ValueError(f"component={component} must be < n_components={model.n_components}")
    prior = model.prior_params()
    n_samples = check_positive_int("n_samples", n_samples)
    draws = check_generator(random_state).standard_normal((n_samples, model.latent_dim))
    scale = np.linalg.cholesky(prior.full_covariances()[component])
    return _outputs(model.decoder, prior.means[component] + draws @ scale.T)[0]


class MixtureVAEClustering(ClusterMixin, TransformerMixin, DensityMixin, BaseEstimator):
    """VaDE as a scikit-learn estimator: clusters from q(c | x), score = mean ELBO (nats per example).

    ``fit`` on X in [0, 1] pretrains an autoencoder x -> decoder(z_mean(x)) for ``pretrain_epochs`` (0: none),
    fits ``start_`` (``GMMParams``, clusters ``start_labels_``) by EM with ``n_init`` k-means starts on its
    codes, then trains networks and prior jointly for ``epochs`` on -ELBO (``beta`` weights both KLs; Adam at
    ``learning_rate``; ``n_components`` <= ``batch_size``), giving ``model_`` (``MixtureVAE``), ``prior_``,
    ``labels_`` and ``history_`` (per-epoch loss terms). :meth:`score_samples` draws ``n_elbo_draws``;
    ``random_state`` (None, int, RandomState or Generator) seeds the networks, EM and the draws.
    """

    def __init__(self, n_components=10, *, latent_dim=10, hidden_units=(128,), pretrain_epochs=40, epochs=30,
                 batch_size=128, learning_rate=2e-3, beta=1.0, covariance_type="full", n_init=5, n_elbo_draws=1,
                 random_state=None):
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
        self.n_elbo_draws = n_elbo_draws
        self.random_state = random_state

    def fit(self, X, y=None):
        """Pretrain, start the prior by EM, train jointly; ``y`` is ignored. Returns self."""
        X = _check_unit_data(validate_data(self, X, reset=True))
        n_components = check_n_components(self.n_components, X.shape[0])
        batch_size = check_positive_int("batch_size", self.batch_size)
        if n_components > batch_size:
            raise ValueError(f"n_components={n_components} must be <= batch_size={batch_size}")
        learning_rate = check_non_negative("learning_rate", self.learning_rate)
        seed = check_seed(self.random_state)
        keras.utils.set_random_seed(seed)
        X32 = X.astype("float32")
        encoder = build_encoder(X.shape[1], self.latent_dim, self.hidden_units, random_state=seed)
        decoder = build_decoder(self.latent_dim, X.shape[1], check_hidden_units(self.hidden_units)[::-1], "bernoulli")
        if check_positive_int("pretrain_epochs", self.pretrain_epochs, minimum=0):
            autoencoder = keras.Model(encoder.inputs, decoder(encoder.outputs[0]), name="pretraining")
            _compile(autoencoder, learning_rate, X.shape[0], batch_size, loss=bernoulli_nll)
            autoencoder.fit(X32, X32, epochs=self.pretrain_epochs, batch_size=batch_size, shuffle=True, verbose=0)
        codes = _outputs(encoder, X)[0]
        em = GaussianMixtureEM(n_components, covariance_type=self.covariance_type, n_init=self.n_init, max_iter=200,
                               random_state=seed).fit(codes)
        self.start_, self.start_labels_ = em.params_, em.predict(codes)
        self.model_ = MixtureVAE(encoder, decoder, self.start_, beta=self.beta, name="mixture_vae")
        _compile(self.model_, learning_rate, X.shape[0], batch_size)
        epochs = check_positive_int("epochs", self.epochs)
        self.history_ = self.model_.fit(X32, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0).history
        self.prior_ = self.model_.prior_params()
        self.labels_ = self.predict(X)
        return self

    def _check_input(self, X):
        check_is_fitted(self, "model_")
        return self.model_, _check_unit_data(validate_data(self, X, reset=False))

    def transform(self, X):
        """Posterior means m(x), shape (n, d)."""
        return _posterior(*self._check_input(X))[0]

    def predict_proba(self, X):
        """q(c | x) at the posterior mean, shape (n, K)."""
        return _posterior(*self._check_input(X))[2]

    def predict(self, X):
        """Most probable component of each row, shape (n,)."""
        return self.predict_proba(X).argmax(axis=1)

    def score_samples(self, X):
        """ELBO of each row in nats, shape (n,)."""
        return elbo_terms(*self._check_input(X), self.n_elbo_draws, self.random_state)["elbo"]

    def score(self, X, y=None):
        """Mean ELBO of X, nats per example (larger is better); ``y`` is ignored."""
        return float(np.mean(self.score_samples(X)))

    def sample_component(self, component, n_samples, random_state=0):
        """Decoded draws from one component, shape (n_samples, n_features)."""
        check_is_fitted(self, "model_")
        return sample_component(self.model_, component, n_samples, random_state)
