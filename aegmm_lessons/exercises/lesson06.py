"""Checks for lesson 06 (the mixture-prior VAE), computed by the package's own functions."""

import numpy as np

from ..mixture_vae import categorical_kl, component_kl
from . import close_to
from . import exercise_legacy as exercise

__all__ = ["check_exercise_1", "check_exercise_2", "check_exercise_3"]


@exercise(1, "standardize: mean (1 - 3) / 2, variance 1 / 4, then 1/2 (mean^2 + var - 1 - log var)")
def check_exercise_1(answer):
    """KL(N(1, 1) || N(3, 4)) in nats, one latent dimension."""
    return close_to(answer, component_kl([[1.0]], [[0.0]], [[3.0]], [[np.log(4.0)]])[0, 0])


@exercise(2, "the KL is largest when gamma puts all its mass on one component: sum_c gamma_c log(gamma_c / 0.1)")
def check_exercise_2(answer):
    """The largest KL(gamma || uniform over 10 components), in nats."""
    return close_to(answer, categorical_kl(np.eye(10)[:1], np.log(np.full(10, 0.1)))[0])


@exercise(3, "(K - 1) logits + K d means + K d (d + 1) / 2 Cholesky entries")
def check_exercise_3(answer, prior):
    """Free numbers in the prior ``prior`` (a GMMParams): logits, means and Cholesky entries."""
    return close_to(answer, prior.n_parameters, atol=0)
