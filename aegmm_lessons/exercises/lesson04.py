"""Checks for the exercises of lesson 04 (the VAE, derived)."""

import numpy as np

from ..vae import bernoulli_entropy, gaussian_kl, posterior
from . import check, close_to

__all__ = ["check_kl_values", "check_posterior_variance", "check_reconstruction_floors", "check_active_units",
           "active_units"]


def check_kl_values(kl_shifted, kl_narrow):
    """Exercise 1: KL(N(1, 1) || N(0, 1)) and KL(N(0, exp(-2)) || N(0, 1)), in nats.

    Parameters
    ----------
    kl_shifted, kl_narrow : float or None
    """
    answer = None if kl_shifted is None or kl_narrow is None else (kl_shifted, kl_narrow)
    expected = gaussian_kl(np.array([[1.0], [0.0]]), np.array([[0.0], [-2.0]]))
    check("exercise 1", answer, close_to(expected, atol=1e-3),
                 "KL = 1/2 (mu^2 + sigma^2 - 1 - log sigma^2); with log sigma^2 = -2 the last term is +2")


def check_posterior_variance(variance, w, s):
    """Exercise 2: the variance of q that makes the toy model's ELBO equal log p(x).

    Parameters
    ----------
    variance : float or None
    w, s : float
        The toy model's weight and noise standard deviation.
    """
    check("exercise 2", variance, close_to(s**2 / (w**2 + s**2), atol=1e-6),
                 "the gap is KL(q || posterior): take the posterior's variance, s^2 / (w^2 + s^2)")


def check_reconstruction_floors(grey_floor, blank_floor):
    """Exercise 3: reconstruction floors of an all-0.5 and an all-zero 64-pixel image.

    Parameters
    ----------
    grey_floor, blank_floor : float or None
    """
    answer = None if grey_floor is None or blank_floor is None else (grey_floor, blank_floor)
    expected = bernoulli_entropy(np.vstack([np.full(64, 0.5), np.zeros(64)]))
    check("exercise 3", answer, close_to(expected, atol=1e-3),
                 "the floor is the pixels' binary entropy: log 2 per grey pixel, 0 per pixel at exactly 0 or 1")


def active_units(model, X, threshold=0.01):
    """Latent units whose posterior mean varies across ``X`` (Burda et al., 2016).

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n_samples, n_features)
    threshold : float, default 0.01
        A unit is active when the variance of its posterior mean over ``X``
        exceeds this.

    Returns
    -------
    activity : ndarray of shape (latent_dim,)
        The variance over ``X`` of each unit's posterior mean.
    n_active : int
    """
    z_mean, _ = posterior(model, X)
    activity = z_mean.var(axis=0)
    return activity, int(np.sum(activity > threshold))


def check_active_units(n_active, model, X):
    """Exercise 4: how many latent units of ``model`` are active on ``X``.

    Parameters
    ----------
    n_active : int or None
    model : VAE
    X : array-like of shape (n_samples, n_features)
    """
    _, expected = active_units(model, X)
    check("exercise 4", n_active, close_to(expected, atol=0),
                 "count the units whose posterior mean varies over the images (variance above 0.01), "
                 "not the width of the code")
