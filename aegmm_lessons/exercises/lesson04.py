"""Checks for lesson 04 (the VAE, derived)."""

from ..vae import active_units, bernoulli_entropy, gaussian_kl
from . import close_to
from . import exercise_legacy as exercise

__all__ = ["check_kl_values", "check_posterior_variance", "check_reconstruction_floors", "check_active_units"]


@exercise(1, "KL = (mu^2 + sigma^2 - 1 - log sigma^2) / 2, and -log sigma^2 = +2 here", answers=2, verdict=False)
def check_kl_values(kl_shifted, kl_narrow):
    """KL(N(1, 1) || N(0, 1)) and KL(N(0, exp(-2)) || N(0, 1)), in nats."""
    return close_to((kl_shifted, kl_narrow), gaussian_kl([[1.0], [0.0]], [[0.0], [-2.0]]), atol=1e-3)


@exercise(2, "the gap is KL(q || posterior): take the posterior's variance, s^2 / (w^2 + s^2)", verdict=False)
def check_posterior_variance(variance, w, s):
    """The variance of q that makes the ELBO of the toy model (weight ``w``, noise std ``s``) equal log p(x)."""
    return close_to(variance, s**2 / (w**2 + s**2))


@exercise(3, "the floor is the binary entropy: log 2 per grey pixel, 0 per pixel at 0 or 1", answers=2, verdict=False)
def check_reconstruction_floors(grey_floor, blank_floor):
    """The reconstruction floors of an all-0.5 and an all-zero 64-pixel image."""
    return close_to((grey_floor, blank_floor), bernoulli_entropy([[0.5] * 64, [0.0] * 64]), atol=1e-3)


@exercise(4, "count the units whose posterior mean varies (variance above 0.01), not the code's width", verdict=False)
def check_active_units(n_active, model, X):
    """How many latent units of the VAE ``model`` are active on ``X`` (Burda et al., 2016)."""
    return close_to(n_active, active_units(model, X)[1], atol=0)
