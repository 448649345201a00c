"""Checks for the exercises of lesson 06 (the mixture-prior VAE).

Expected values are computed by the package's own functions, so a check
agrees with what the lesson's code computes.
"""

import numpy as np

from . import check, close_to

__all__ = ["check_exercise_1", "check_exercise_2", "check_exercise_3"]


def check_exercise_1(answer):
    """KL(N(1, 1) || N(3, 4)) in nats, one latent dimension."""
    from ..mixture_vae import component_kl

    expected = component_kl([[1.0]], [[0.0]], [[3.0]], [[np.log(4.0)]])[0, 0]
    return check("exercise 1", answer, close_to(expected),
                 "standardize: mean (1 - 3) / 2, variance 1 / 4, then 1/2 (mean^2 + var - 1 - log var)")


def check_exercise_2(answer):
    """The largest KL(gamma || uniform over 10 components), in nats."""
    from ..mixture_vae import categorical_kl

    expected = categorical_kl(np.eye(10)[:1], np.log(np.full(10, 0.1)))[0]
    return check("exercise 2", answer, close_to(expected),
                 "the KL is largest when gamma puts all its mass on one component: sum_c gamma_c log(gamma_c / 0.1)")


def check_exercise_3(answer, prior):
    """Free numbers in the prior: (K - 1) logits, K d means, K d (d + 1) / 2 Cholesky entries.

    Parameters
    ----------
    answer : int or None
    prior : GMMParams
        The joint model's prior (its count is ``prior.n_parameters``).
    """
    return check("exercise 3", answer, close_to(prior.n_parameters, atol=0),
                 "(K - 1) logits + K d means + K d (d + 1) / 2 Cholesky entries")
