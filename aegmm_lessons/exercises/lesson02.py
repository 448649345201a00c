"""Checks for lesson 02 (autoencoder features for a GMM); each computes the answer from the objects passed in."""

from sklearn.metrics import roc_auc_score

from . import close_to
from . import exercise_legacy as exercise

__all__ = ["check_trainable_numbers", "check_free_parameters", "check_auc_by_pairs"]


@exercise(1, "a dense layer from a to b units has a*b weights and b biases; add up all four layers", verdict=False)
def check_trainable_numbers(answer, autoencoder):
    """The weights and biases of the Keras model ``autoencoder``."""
    return close_to(answer, autoencoder.count_params(), atol=0.5)


@exercise(2, "K - 1 free weights, K*d means, and d(d + 1)/2 (not d*d) per symmetric covariance", verdict=False)
def check_free_parameters(answer, gmm):
    """The free parameters of the fitted full-covariance mixture ``gmm``."""
    return close_to(answer, gmm.params_.n_parameters, atol=0.5)


@exercise(3, "share of (anomaly, normal) pairs where the anomaly scores higher, ties counting one half", verdict=False)
def check_auc_by_pairs(answer, scores, is_anomaly):
    """The AUC of ``scores`` (higher = more anomalous) for ``is_anomaly`` (1 or 0), as a probability over pairs."""
    return close_to(answer, roc_auc_score(is_anomaly, scores), atol=1e-9)
