"""Checks for lesson 06 (the mixture-prior VAE); each computes the answer with the package."""

import numpy as np
from scipy.special import logsumexp

from ..gmm import estimate_log_gaussian_prob
from ..mixture_vae import categorical_kl, component_kl, softmax_responsibilities
from . import Mistake, function_check, number_check

__all__ = ["check_component_kl", "check_largest_categorical_kl", "check_prior_size", "check_vade_kl_terms",
           "vade_kl_terms", "draw_batch_and_prior"]


def _kl_normal(m, var, mu, sigma2):
    """KL(N(m, var) || N(mu, sigma2)) in one dimension."""
    return 0.5 * (var / sigma2 + (m - mu) ** 2 / sigma2 - 1.0 + np.log(sigma2 / var))


# Exercise: the KL from q to one component

check_component_kl = number_check(
    "KL to a component", lambda: component_kl([[1.0]], [[0.0]], [[3.0]], [[np.log(4.0)]])[0, 0], digits=3,
    hint="standardize by the component: mean (1 - 3) / 2, variance 1 / 4, then 1/2 (mean^2 + var - 1 - log var)",
    mistakes={
        "the other direction": Mistake(lambda: _kl_normal(3.0, 4.0, 1.0, 1.0),
                                       "KL is not symmetric: this is KL(component || q); q comes first"),
        "4 read as the standard deviation": Mistake(lambda: _kl_normal(1.0, 1.0, 3.0, 16.0),
                                                    "N(3, 4) has variance 4, standard deviation 2"),
    })


# Exercise: the largest categorical KL

check_largest_categorical_kl = number_check(
    "largest categorical KL", lambda: categorical_kl(np.eye(10)[:1], np.log(np.full(10, 0.1)))[0], digits=3,
    hint="try gamma one-hot on one component: sum_c gamma_c log(gamma_c / pi_c) with 0 log 0 = 0",
    mistakes={
        "sign": Mistake(lambda: np.log(0.1), "a KL is never negative: log(gamma_c / pi_c), not log(pi_c / gamma_c)"),
        "bits": Mistake(lambda: np.log2(10.0), "the lesson works in nats: natural logarithms"),
    })


# Exercise: the prior's size

def _prior_size(prior):
    return prior.n_parameters


check_prior_size = number_check(
    "prior size", _prior_size, atol=0,
    hint="(K - 1) logits + K d means + K d (d + 1) / 2 entries of each upper-triangular Cholesky factor",
    mistakes={
        "K logits": Mistake(lambda prior: _prior_size(prior) + 1, "one logit is pinned to 0: K - 1 are free"),
        "full d x d factors": Mistake(
            lambda prior: _prior_size(prior) + prior.n_components * prior.n_features * (prior.n_features - 1) // 2,
            "a Cholesky factor is triangular: d (d + 1) / 2 free entries, not d^2"),
    })


# Exercise: the VaDE loss terms of a batch (coding)

def vade_kl_terms(z_mean, z_log_var, z, log_weights, means, log_vars):
    """The package's answer: gamma (n, K) at the draws z, KL to the mixture (n,) and categorical KL (n,).

    ``z_mean``, ``z_log_var``, ``z`` (n, d) from the encoder; the diagonal prior's ``log_weights`` (K,), ``means``
    and ``log_vars`` (K, d). These are the terms :class:`~aegmm_lessons.mixture_vae.MixtureVAE` trains on.
    """
    precisions_chol = np.exp(-0.5 * log_vars)
    gamma = softmax_responsibilities(estimate_log_gaussian_prob(z, means, precisions_chol, "diag"), log_weights)
    kl_mixture = np.sum(gamma * component_kl(z_mean, z_log_var, means, log_vars), axis=1)
    return gamma, kl_mixture, categorical_kl(gamma, log_weights)


def draw_batch_and_prior(rng):
    """A random batch of encoder outputs and a random diagonal prior, of random sizes."""
    n, n_components, d = int(rng.integers(3, 9)), int(rng.integers(2, 5)), int(rng.integers(1, 4))
    z_mean, z_log_var = rng.normal(size=(n, d)), rng.normal(scale=0.5, size=(n, d)) - 1.0
    z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal((n, d))
    log_weights = np.log(rng.dirichlet(np.full(n_components, 2.0)))
    return z_mean, z_log_var, z, log_weights, rng.normal(scale=1.5, size=(n_components, d)), \
        rng.normal(scale=0.3, size=(n_components, d))


def _gamma_without_pi(z_mean, z_log_var, z, log_weights, means, log_vars):
    return vade_kl_terms(z_mean, z_log_var, z, np.full_like(log_weights, -np.log(len(log_weights))), means,
                         log_vars)[0], *vade_kl_terms(z_mean, z_log_var, z, log_weights, means, log_vars)[1:]


def _gamma_without_pi_throughout(z_mean, z_log_var, z, log_weights, means, log_vars):
    log_densities = estimate_log_gaussian_prob(z, means, np.exp(-0.5 * log_vars), "diag")
    gamma = np.exp(log_densities - logsumexp(log_densities, axis=1, keepdims=True))
    return (gamma, np.sum(gamma * component_kl(z_mean, z_log_var, means, log_vars), axis=1),
            categorical_kl(gamma, log_weights))


def _categorical_sign(*inputs):
    gamma, kl_mixture, kl_categorical = vade_kl_terms(*inputs)
    return gamma, kl_mixture, -kl_categorical


def _gamma_at_the_mean(z_mean, z_log_var, z, log_weights, means, log_vars):
    gamma, _, _ = vade_kl_terms(z_mean, z_log_var, z_mean, log_weights, means, log_vars)
    return (gamma, np.sum(gamma * component_kl(z_mean, z_log_var, means, log_vars), axis=1),
            categorical_kl(gamma, log_weights))


def _reversed_component_kl(z_mean, z_log_var, z, log_weights, means, log_vars):
    gamma, _, kl_categorical = vade_kl_terms(z_mean, z_log_var, z, log_weights, means, log_vars)
    reverse = 0.5 * np.sum(np.exp(log_vars[None] - z_log_var[:, None]) + (means[None] - z_mean[:, None]) ** 2
                           * np.exp(-z_log_var[:, None]) - 1.0 + z_log_var[:, None] - log_vars[None], axis=-1)
    return gamma, np.sum(gamma * reverse, axis=1), kl_categorical


check_vade_kl_terms = function_check(
    "VaDE loss terms", vade_kl_terms, draw_batch_and_prior,
    hint="gamma = softmax over c of log pi_c + log N(z | mu_c, diag exp(log_vars_c)) at the draws z; KL to the "
         "mixture = sum_c gamma_c KL(N(z_mean, exp(z_log_var)) || N(mu_c, exp(log_vars_c))); categorical KL = "
         "sum_c gamma_c (log gamma_c - log pi_c)",
    mistakes={
        "gamma without pi": Mistake(_gamma_without_pi_throughout,
                                    "gamma is the posterior of c: the prior weights log pi_c join the log densities "
                                    "before the softmax"),
        "gamma without pi, KLs right": Mistake(_gamma_without_pi, "gamma is the posterior of c: add log pi_c to the "
                                                                  "log densities before the softmax"),
        "categorical KL sign": Mistake(_categorical_sign, "KL(gamma || pi) = sum gamma (log gamma - log pi), never "
                                                          "negative"),
        "gamma at the mean": Mistake(_gamma_at_the_mean, "VaDE takes gamma at the sampled code z, not at z_mean"),
        "component KL reversed": Mistake(_reversed_component_kl, "the KL runs from q(z | x) to the component: "
                                                                 "KL(q || N(mu_c, Sigma_c))"),
    })
