"""Checks for the exercises of lesson 02 (autoencoder features for a GMM).

Each check computes the expected value from the objects the notebook passes
in (a Keras model, a fitted mixture, scores and labels), so the answer never
appears in the learner's call.
"""

import numpy as np

from . import check, close_to

__all__ = ["check_trainable_numbers", "check_free_parameters", "check_auc_by_pairs"]


def check_trainable_numbers(answer, autoencoder):
    """Exercise 1: the number of trainable numbers (weights and biases) of an autoencoder.

    Prints "correct", or "not attempted yet" for None.

    Parameters
    ----------
    answer : int or None
        The learner's count; ``None`` means not attempted.
    autoencoder : keras.Model
        The model whose parameters are counted (its ``count_params()``).

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    check(
        "exercise 1", answer, close_to(autoencoder.count_params(), atol=0.5),
        "a dense layer from a to b units has a*b weights and b biases; add up all four "
        "layers (two in the encoder, two in the decoder)",
    )


def check_free_parameters(answer, gmm):
    """Exercise 2: the number of free parameters of a fitted full-covariance mixture.

    Prints "correct", or "not attempted yet" for None.

    Parameters
    ----------
    answer : int or None
        The learner's count; ``None`` means not attempted.
    gmm : GaussianMixtureEM
        A fitted mixture (its ``params_.n_parameters`` is the reference).

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    check(
        "exercise 2", answer, close_to(gmm.params_.n_parameters, atol=0.5),
        "K weights that sum to one leave K - 1 free; each component has d means and a "
        "symmetric d x d covariance, whose free entries are d(d + 1)/2, not d*d",
    )


def check_auc_by_pairs(answer, scores, is_anomaly):
    """Exercise 3: the AUC of a score, computed as a probability over pairs.

    Prints "correct", or "not attempted yet" for None.

    Parameters
    ----------
    answer : float or None
        The learner's AUC; ``None`` means not attempted.
    scores : array-like of shape (n_samples,)
        Anomaly scores (higher = more anomalous).
    is_anomaly : array-like of shape (n_samples,)
        1 for the anomalies, 0 for the normal samples.

    Raises
    ------
    AssertionError
        For a wrong answer, with a hint.
    """
    from sklearn.metrics import roc_auc_score

    scores = np.asarray(scores, dtype=float)
    is_anomaly = np.asarray(is_anomaly)
    check(
        "exercise 3", answer, close_to(roc_auc_score(is_anomaly, scores), atol=1e-9),
        "compare every anomaly with every normal sample: the share of pairs in which the "
        "anomaly scores higher, ties counting one half (not the other way round)",
    )
