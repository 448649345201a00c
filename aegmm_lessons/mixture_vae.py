"""A variational autoencoder whose prior is a Gaussian mixture (VaDE, Jiang et al., 2017), in Keras 3.

c ~ Cat(pi), z | c ~ N(mu_c, Sigma_c), x | z ~ p_theta(x | z); q(z, c | x) = q_phi(z | x) gamma(z), gamma the
prior's responsibilities at a code. The loss is -ELBO, in nats per example (n examples, K components, width d):

    -ELBO(x) = E_q[-log p_theta(x | z)] + sum_c gamma_c KL(q_phi(z | x) || N(mu_c, Sigma_c)) + KL(gamma || pi).
"""


import keras
import numpy as np
from keras import ops
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClusterMixin, DensityMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from .gmm import GaussianMixtureEM, estimate_log_gaussian_prob
from .graph import fuzzy_knn_graph, similarity_curve
from .graph_pretraining import GraphAutoencoder, NeighbourPairs, graph_term, split_pairs
from .networks import NetworkEstimatorMixin, array_namespace, compile_adam, predict
from .params import GMMParams, ParamLayout, check_params
from .vae import LOG_2PI, VAE, bernoulli_nll, build_decoder, build_encoder, gaussian_kl
from .validation import (
    check_data,
    check_generator,
    check_hidden_units,
    check_learning_rate,
    check_n_components,
    check_non_negative,
    check_positive_int,
    check_seed,
    check_training,
    check_unit_interval,
    validate_data,
)

__all__ = ["component_kl", "component_kl_full", "categorical_kl", "log_component_densities_full",
           "softmax_responsibilities", "MixtureVAE", "elbo_terms", "sample_component", "MixtureVAEClustering",
           "ClusteringHistory"]

SCHEDULES = ("cosine", "constant")
LOSS_TERMS = ("reconstruction_loss", "kl_mixture_loss", "kl_categorical_loss", "graph_loss")


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
    xp = array_namespace(z_mean, z_log_var, means, log_vars)
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
    xp = array_namespace(z_mean, z_log_var, means, precisions_chol)
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
    xp = array_namespace(gamma, log_weights)
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
    if array_namespace(z, means, precisions_chol) is np:
        means, precisions_chol, z = _check_gaussians(means, precisions_chol, "precisions_chol", True, z=z)
        return estimate_log_gaussian_prob(z, means, precisions_chol, "full")
    projected = ops.einsum("nkd,kde->nke", z[:, None, :] - means[None, :, :], precisions_chol)
    half_log_det = ops.sum(ops.log(ops.diagonal(precisions_chol, axis1=1, axis2=2)), axis=1)
    return -0.5 * ops.shape(z)[1] * LOG_2PI + half_log_det[None, :] - 0.5 * ops.sum(ops.square(projected), axis=-1)


def softmax_responsibilities(log_densities, log_weights):
    """gamma_c = pi_c N_c / sum_k pi_k N_k from log N_c (n, K) and log pi (K,): lesson 01's E step."""
    if array_namespace(log_densities, log_weights) is np:
        joint = check_data(log_densities, name="log_densities") + np.asarray(log_weights, dtype=np.float64)
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
    return ops.softmax(log_densities + log_weights, axis=-1)


class MixtureVAE(VAE):
    """Lesson 04's :class:`~aegmm_lessons.vae.VAE` with a trainable Gaussian-mixture prior: only the losses change.

    ``prior`` (``GMMParams`` of width d) starts training and, through lesson 03's ``ParamLayout``, shapes the
    weights: ``prior_logits`` (K - 1,) (the first logit pinned to 0), ``prior_means`` (K, d), and
    ``prior_log_vars`` (K, d) ('diag') or the precision's Cholesky factor as ``prior_log_diagonals`` (K, d)
    and ``prior_off_diagonals`` (K, d (d - 1) / 2) ('full').

    The loss per batch is ``reconstruction_weight`` * reconstruction + ``beta`` * (KL to the mixture +
    categorical KL) + ``graph_weight`` * the neighbour-graph cross-entropy of
    :func:`~aegmm_lessons.graph.graph_cross_entropy` (curve ``similarity`` = (a, b), ``n_negatives``). Batches
    of width 2 n_features carry each image followed by one of its graph neighbours
    (:class:`~aegmm_lessons.graph_pretraining.NeighbourPairs`);
    batches of width n_features have no graph term. With the defaults the loss is -ELBO. ``fixed_weights``
    holds pi at 1/K (the logits at 0, not trained).
    """

    def __init__(self, encoder, decoder, prior, *, beta=1.0, reconstruction_weight=1.0, graph_weight=0.0,
                 similarity=(1.0, 1.0), n_negatives=5, fixed_weights=False, **kwargs):
        super().__init__(encoder, decoder, beta=beta, likelihood="bernoulli", **kwargs)
        self.reconstruction_weight = check_non_negative("reconstruction_weight", reconstruction_weight)
        self.graph_weight = check_non_negative("graph_weight", graph_weight)
        self.similarity = tuple(check_non_negative(name, v) for name, v in zip("ab", similarity, strict=True))
        self.n_negatives = check_positive_int("n_negatives", n_negatives)
        prior = check_params(prior, "prior", n_features=self.latent_dim)
        self.n_components, self.covariance_type = prior.n_components, prior.covariance_type
        self.layout = ParamLayout.from_params(prior)
        shapes, start = self.layout.block_shapes(), self.layout.split(self.layout.pack(prior))
        self.fixed_weights = bool(fixed_weights)
        logits = np.zeros(shapes["logits"]) if self.fixed_weights else start["logits"]
        self.prior_logits = self._weight("prior_logits", shapes["logits"], logits, trainable=not self.fixed_weights)
        self.prior_means = self._weight("prior_means", shapes["means"], start["means"])
        if self.covariance_type == "diag":
            self.prior_log_vars = self._weight("prior_log_vars", shapes["means"], np.log(prior.covariances))
        else:
            self.prior_log_diagonals = self._weight("prior_log_diagonals", shapes["log_diagonals"],
                                                    start["log_diagonals"])
            self.prior_off_diagonals = self._weight("prior_off_diagonals", shapes["off_diagonals"],
                                                    start["off_diagonals"])
            self._scatter = self.layout.off_diagonal_scatter("float32")
        self.trackers = [keras.metrics.Mean(name=name) for name in ("loss", *LOSS_TERMS)]

    def _weight(self, name, shape, value, trainable=True):
        return self.add_weight(shape=shape, name=name, initializer=keras.initializers.Constant(np.float32(value)),
                               trainable=trainable)

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
            covariances = self.layout.covariances_from_factors(factors)
        means = self.prior_means.numpy().astype(np.float64)
        return GMMParams(weights / weights.sum(), means, covariances, self.covariance_type)

    def mixture_terms(self, z_mean, z_log_var, z):
        """Per-example KL to the mixture and categorical KL (n,), gamma taken at the draws ``z`` (tensors)."""
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
        return ops.sum(gamma * kl_components, axis=-1), categorical_kl(gamma, log_weights)

    def loss_terms(self, x):
        """Batch means of the three -ELBO terms, gamma taken at one draw of z per example."""
        z_mean, z_log_var, z = self.encoder(x)
        kl_mixture, kl_categorical = self.mixture_terms(z_mean, z_log_var, z)
        return ops.mean(bernoulli_nll(x, self.decoder(z))), ops.mean(kl_mixture), ops.mean(kl_categorical)

    def compute_losses(self, x):
        """Batch means of the loss and its terms: reconstruction, the two KLs, the graph cross-entropy."""
        x, tails = split_pairs(x, self.n_features)
        z_mean, z_log_var, z = self.encoder(x)
        reconstruction = ops.mean(bernoulli_nll(x, self.decoder(z)))
        kl_mixture, kl_categorical = (ops.mean(term) for term in self.mixture_terms(z_mean, z_log_var, z))
        graph = graph_term(self, z_mean, tails)
        loss = (self.reconstruction_weight * reconstruction + self.beta * (kl_mixture + kl_categorical)
                + self.graph_weight * graph)
        return loss, reconstruction, kl_mixture, kl_categorical, graph


def _check_unit_data(X, n_features=None):
    return check_unit_interval(check_data(X, n_features=n_features))


def _check_model(model):
    if not isinstance(model, MixtureVAE):
        raise TypeError(f"model must be a MixtureVAE, got {type(model).__name__}")
    return model


def _posterior(model, X):
    """z_mean, z_log_var (n, d) and gamma (n, K) at the posterior mean, and the prior, for checked X."""
    z_mean, z_log_var, _ = predict(model.encoder, X)
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
    reconstruction = bernoulli_nll(X, predict(model.decoder, z).reshape(n_draws, *X.shape)).mean(axis=0)
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
    return predict(model.decoder, prior.means[component] + draws @ scale.T)


class MixtureVAEClustering(NetworkEstimatorMixin, ClusterMixin, TransformerMixin, DensityMixin, BaseEstimator):
    """VaDE, optionally with UMAP's neighbour graph, as a scikit-learn estimator: clusters from q(c | x).

    ``fit`` on X (n, n_features) in [0, 1]:

    1. builds the fuzzy ``n_neighbors``-nearest-neighbour graph of X (:func:`~aegmm_lessons.graph.fuzzy_knn_graph`;
       skipped when ``graph_weight=0``) and the codes' similarity curve for ``min_dist``;
    2. pretrains the autoencoder x -> decoder(z_mean(x)) for ``pretrain_epochs`` on Bernoulli loss +
       ``graph_weight`` * graph cross-entropy (:class:`~aegmm_lessons.graph_pretraining.GraphAutoencoder`;
       Adam at ``learning_rate``);
    3. sets the ``z_log_var`` head, which pretraining does not train, to kernel 0 and bias ``initial_log_var``
       (every posterior starts with variance exp(initial_log_var); None keeps Keras' random start);
    4. fits ``start_`` (``GMMParams``; clusters ``start_labels_``) by EM with ``n_init`` k-means starts on the codes;
    5. trains networks and prior jointly for ``epochs`` (:class:`MixtureVAE`): ``reconstruction_weight`` *
       reconstruction + ``beta`` * (both KLs) + ``graph_weight`` * graph term, Adam at ``joint_learning_rate``
       (None: ``learning_rate``), decayed to 0 along a cosine over the stage if ``schedule='cosine'``;
       ``fixed_weights`` holds pi at 1/K.

    Fitted: ``model_`` (``MixtureVAE``), ``graph_`` (sparse, or None), ``prior_``, ``labels_``,
    ``pretrain_history_`` and ``history_`` (per-epoch terms of the two stages). ``graph_weight=0`` with the
    other defaults is plain VaDE. :meth:`score_samples` draws ``n_elbo_draws``;
    ``random_state`` (None, int, RandomState or Generator) seeds the networks, the graph's draws, EM and the ELBO's
    draws. ``n_components`` <= ``batch_size``.
    """

    def __init__(self, n_components=10, *, latent_dim=10, hidden_units=(128,), pretrain_epochs=40, epochs=30,
                 batch_size=128, learning_rate=2e-3, joint_learning_rate=None, schedule="cosine", beta=1.0,
                 reconstruction_weight=1.0, graph_weight=0.0, n_neighbors=15, min_dist=0.1, graph_samples=1,
                 initial_log_var=-4.6,
                 fixed_weights=False, covariance_type="full", n_init=5, n_elbo_draws=1,
                 random_state=None):
        self.n_components = n_components
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.pretrain_epochs = pretrain_epochs
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.joint_learning_rate = joint_learning_rate
        self.schedule = schedule
        self.beta = beta
        self.reconstruction_weight = reconstruction_weight
        self.graph_weight = graph_weight
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.graph_samples = graph_samples
        self.initial_log_var = initial_log_var
        self.fixed_weights = fixed_weights
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.n_elbo_draws = n_elbo_draws
        self.random_state = random_state

    def _check_settings(self, n_samples):
        """The settings, checked, as a dict; ValueError for a bad one."""
        n_components = check_n_components(self.n_components, n_samples)
        epochs, batch_size, learning_rate = check_training(self.epochs, self.batch_size, self.learning_rate)
        if n_components > batch_size:
            raise ValueError(f"n_components={n_components} must be <= batch_size={batch_size}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.initial_log_var is not None and not np.isfinite(self.initial_log_var):
            raise ValueError(f"initial_log_var must be a finite number or None, got {self.initial_log_var!r}")
        joint_learning_rate = (learning_rate if self.joint_learning_rate is None
                               else check_learning_rate(self.joint_learning_rate, "joint_learning_rate"))
        graph_weight = check_non_negative("graph_weight", self.graph_weight)
        n_neighbors = check_positive_int("n_neighbors", self.n_neighbors, minimum=2)
        if graph_weight > 0 and n_neighbors >= n_samples:
            raise ValueError(f"n_neighbors={n_neighbors} must be < n_samples={n_samples}")
        return {"n_components": n_components, "batch_size": batch_size, "learning_rate": learning_rate,
                "joint_learning_rate": joint_learning_rate, "graph_weight": graph_weight, "n_neighbors": n_neighbors,
                "beta": check_non_negative("beta", self.beta),
                "reconstruction_weight": check_non_negative("reconstruction_weight", self.reconstruction_weight),
                "similarity": similarity_curve(self.min_dist),
                "graph_samples": check_positive_int("graph_samples", self.graph_samples),
                "pretrain_epochs": check_positive_int("pretrain_epochs", self.pretrain_epochs, minimum=0),
                "epochs": epochs,
                "random_state": check_seed(self.random_state)}

    def fit(self, X, y=None, callbacks=None):
        """Graph, pretraining, EM start, joint training; ``y`` is ignored. Returns self.

        ``callbacks``: Keras callbacks for the joint stage (say, one that records the ARI after each epoch).
        """
        X = _check_unit_data(validate_data(self, X, reset=True))
        settings = self._check_settings(X.shape[0])
        seed, batch_size, graph_weight = settings["random_state"], settings["batch_size"], settings["graph_weight"]
        keras.utils.set_random_seed(seed)
        self.graph_ = fuzzy_knn_graph(X, settings["n_neighbors"]) if graph_weight > 0 else None
        batches = NeighbourPairs(X, self.graph_, batch_size, settings["graph_samples"], random_state=seed)
        graph_settings = {"graph_weight": graph_weight, "similarity": settings["similarity"]}
        encoder = build_encoder(X.shape[1], self.latent_dim, self.hidden_units, random_state=seed)
        decoder = build_decoder(self.latent_dim, X.shape[1], check_hidden_units(self.hidden_units)[::-1], "bernoulli")
        self.pretrain_history_ = {}
        if settings["pretrain_epochs"]:
            head = encoder.get_layer("z_log_var")
            head.trainable = False  # pretraining uses z_mean only
            autoencoder = GraphAutoencoder(encoder, decoder, name="pretraining", **graph_settings)
            compile_adam(autoencoder, settings["learning_rate"], n_batches=len(batches))
            self.pretrain_history_ = autoencoder.fit(batches, epochs=settings["pretrain_epochs"], verbose=0).history
            head.trainable = True
        if self.initial_log_var is not None:
            head = encoder.get_layer("z_log_var")
            kernel, bias = head.get_weights()
            head.set_weights([np.zeros_like(kernel), np.full_like(bias, self.initial_log_var)])
        codes = predict(encoder, X)[0]
        em = GaussianMixtureEM(settings["n_components"], covariance_type=self.covariance_type, n_init=self.n_init,
                               max_iter=200, random_state=seed).fit(codes)
        self.start_, self.start_labels_ = em.params_, em.predict(codes)
        self.model_ = MixtureVAE(encoder, decoder, self.start_, beta=settings["beta"],
                                 reconstruction_weight=settings["reconstruction_weight"],
                                 fixed_weights=self.fixed_weights, name="mixture_vae", **graph_settings)
        learning_rate = settings["joint_learning_rate"]
        if self.schedule == "cosine":
            learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, settings["epochs"] * len(batches))
        compile_adam(self.model_, learning_rate, n_batches=len(batches))
        self.history_ = self.model_.fit(batches, epochs=settings["epochs"], verbose=0, callbacks=callbacks).history
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


class ClusteringHistory(keras.callbacks.Callback):
    """A joint-stage callback: the ARI of q(c | x)'s clusters on named labelled sets, before and after each epoch.

    ``sets`` maps a name to ``(X, y)``; after ``fit(X, callbacks=[history])``, ``history.ari[name]`` holds
    ``epochs + 1`` values, the first at the start of the joint stage (EM's start on the pretrained codes).
    The labels serve for watching only, never for training.
    """

    def __init__(self, **sets):
        super().__init__()
        self.sets = {name: (_check_unit_data(check_data(X, name=name)), np.asarray(y)) for name, (X, y) in sets.items()}
        self.ari = {name: [] for name in self.sets}

    def _record(self):
        from sklearn.metrics import adjusted_rand_score

        for name, (X, y) in self.sets.items():
            self.ari[name].append(float(adjusted_rand_score(y, _posterior(self.model, X)[2].argmax(axis=1))))

    def on_train_begin(self, logs=None):
        self._record()

    def on_epoch_end(self, epoch, logs=None):
        self._record()
