"""Checks for lesson 02 (autoencoder features for a GMM): three functions the learner writes, each run on fresh
random inputs against the package's version.

Keras is imported only inside the encoder check, so that importing this module does not load TensorFlow.
"""

import itertools

import numpy as np
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score

from ..gmm import log_gaussian_prob
from ..params import GMMParams
from . import Mistake, NotAttemptedError, WrongAnswerError, exercise, function_check, judge_function

__all__ = ["check_encoder_builder", "check_energy", "check_auc_by_pairs"]

# Data widths, hidden widths and code widths of the encoder check's trials: none is the lesson's 64, and no
# layer has as many units as its input, so one bias per input unit and one per output unit differ in shape.
_ENCODER_TRIALS = ((23, (16,), 3), (37, (29, 12), 5))

_WIDTH_HINT = ("the encoder's first layer reads {given} features, but the data has {wanted} columns: take the "
               "input width from the data, not from the lesson (mistake A1)")
_AUTOENCODER_HINT = ("your model returns {given} numbers per sample, as many as it reads: that is a reconstruction, "
                     "not a code. Return the encoder alone (mistake A4)")
_CODE_WIDTH_HINT = "your model returns {given} numbers per sample; a code has latent_dim of them"
_BIAS_HINT = ("a layer of your encoder has one bias per input unit; a dense layer adds one bias per output unit, "
              "after the product with its weights")
_LAYERS_HINT = "the layers' widths should run n_features -> hidden_units (in the order given) -> latent_dim"
_CODE_ACTIVATION_HINT = "your codes are never negative: the code layer is linear, only the hidden layers use ReLU"
_HIDDEN_ACTIVATION_HINT = ("with the package's weights your encoder computes another function: the hidden layers "
                           "use ReLU and the code layer none")


def _encoder_layers(keras, n_features, hidden_units, latent_dim, *, code_activation=None,
                    hidden_activation="relu"):
    x = h = keras.Input(shape=(n_features,))
    for units in hidden_units:
        h = keras.layers.Dense(units, activation=hidden_activation)(h)
    return keras.Model(x, keras.layers.Dense(latent_dim, activation=code_activation)(h))


def _reference_encoder(X, latent_dim, hidden_units):
    from ..autoencoder import build_autoencoder

    return build_autoencoder(X.shape[1], latent_dim, hidden_units=hidden_units)[0]


def _hard_coded_width(X, latent_dim, hidden_units):
    import keras

    return _encoder_layers(keras, 64, hidden_units, latent_dim)


def _autoencoder_instead(X, latent_dim, hidden_units):
    from ..autoencoder import build_autoencoder

    return build_autoencoder(X.shape[1], latent_dim, hidden_units=hidden_units)[2]


def _reversed_hidden_units(X, latent_dim, hidden_units):
    import keras

    return _encoder_layers(keras, X.shape[1], tuple(hidden_units)[::-1], latent_dim)


def _relu_codes(X, latent_dim, hidden_units):
    import keras

    return _encoder_layers(keras, X.shape[1], hidden_units, latent_dim, code_activation="relu")


def _linear_hidden_layers(X, latent_dim, hidden_units):
    import keras

    return _encoder_layers(keras, X.shape[1], hidden_units, latent_dim, hidden_activation=None)


def _bias_per_input_unit(X, latent_dim, hidden_units):
    """Dense layers written by hand, adding a bias to each *input* unit before the product: (x + b) W."""
    import keras

    class InputBiasDense(keras.layers.Layer):
        def __init__(self, units, activation=None, **kwargs):
            super().__init__(**kwargs)
            self.units, self.activation = units, keras.activations.get(activation)

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
            self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros")

        def call(self, x):
            return self.activation(keras.ops.matmul(x + self.bias, self.kernel))

    x = h = keras.Input(shape=(X.shape[1],))
    for units in hidden_units:
        h = InputBiasDense(units, activation="relu")(h)
    return keras.Model(x, InputBiasDense(latent_dim)(h))


_ENCODER_MISTAKES = {
    "the input width hard-coded (A1)": Mistake(_hard_coded_width, _WIDTH_HINT),
    "the autoencoder returned (A4)": Mistake(_autoencoder_instead, _AUTOENCODER_HINT),
    "one bias per input unit": Mistake(_bias_per_input_unit, _BIAS_HINT),
    "the hidden widths reversed": Mistake(_reversed_hidden_units, _LAYERS_HINT),
    "ReLU on the codes": Mistake(_relu_codes, _CODE_ACTIVATION_HINT),
    "linear hidden layers": Mistake(_linear_hidden_layers, _HIDDEN_ACTIVATION_HINT),
}


@exercise("encoder builder", _ENCODER_MISTAKES)
def check_encoder_builder(build_encoder):
    """``build_encoder(X, latent_dim, hidden_units)`` builds the package's encoder for data of any width.

    Each trial draws data of a width other than the lesson's, builds the learner's encoder and the package's
    (``build_autoencoder(...)[0]``), compares the layers' weight shapes, then gives the learner's model the
    package's weights and compares the codes.
    """
    import keras

    if not callable(build_encoder):
        raise WrongAnswerError("a function is asked for: define build_encoder with def and pass its name, "
                               "without calling it")
    rng = np.random.default_rng(2)
    for n_features, hidden_units, latent_dim in _ENCODER_TRIALS:
        X = rng.uniform(size=(40, n_features))
        try:
            model = build_encoder(X.copy(), latent_dim, hidden_units)
        except Exception as error:
            raise WrongAnswerError(f"your function raised {type(error).__name__}: {error} on data of "
                                   f"{n_features} columns") from error
        if model is None:
            raise NotAttemptedError("your function still returns None")
        if not isinstance(model, keras.Model):
            raise WrongAnswerError(f"build_encoder should return a keras.Model, and it returns a "
                                   f"{type(model).__name__}")
        n_in, n_out = int(model.inputs[0].shape[-1]), int(model.outputs[0].shape[-1])
        if n_in != n_features:
            raise WrongAnswerError(_WIDTH_HINT.format(given=n_in, wanted=n_features))
        if n_out == n_features:
            raise WrongAnswerError(_AUTOENCODER_HINT.format(given=n_out))
        if n_out != latent_dim:
            raise WrongAnswerError(_CODE_WIDTH_HINT.format(given=n_out))
        reference = _reference_encoder(X, latent_dim, hidden_units)
        shapes = [tuple(w.shape) for w in model.weights]
        wanted = [tuple(w.shape) for w in reference.weights]
        if shapes != wanted:
            for kernel, bias in itertools.pairwise(shapes):
                if len(kernel) == 2 and bias == (kernel[0],) and kernel[0] != kernel[1]:
                    raise WrongAnswerError(_BIAS_HINT)
            raise WrongAnswerError(_LAYERS_HINT)
        model.set_weights(reference.get_weights())
        X32 = (3.0 * rng.standard_normal((50, n_features))).astype("float32")
        given = keras.ops.convert_to_numpy(model(X32))
        codes = keras.ops.convert_to_numpy(reference(X32))
        if not np.allclose(given, codes, rtol=1e-4, atol=1e-5):
            if np.allclose(given, np.maximum(codes, 0.0), rtol=1e-4, atol=1e-5):
                raise WrongAnswerError(_CODE_ACTIVATION_HINT)
            raise WrongAnswerError(_HIDDEN_ACTIVATION_HINT)


# The anomaly score: DAGMM's sample energy under a Gaussian mixture.

def _random_mixture(rng):
    n_components, n_features = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    factors = rng.normal(size=(n_components, n_features, n_features))
    covariances = factors @ factors.transpose(0, 2, 1) / n_features + 0.3 * np.eye(n_features)
    weights = rng.dirichlet(np.full(n_components, 2.0))
    means = 2.0 * rng.normal(size=(n_components, n_features))
    near = means[rng.integers(n_components, size=12)] + rng.normal(size=(12, n_features))
    # Points some 60 standard deviations from every component: their densities underflow to zero in float64.
    far = 60.0 * rng.choice([-1.0, 1.0], size=(3, n_features))
    return np.vstack([near, far]), weights, means, covariances


def energy_reference(Z, weights, means, covariances):
    """``-log sum_k pi_k N(z_i | mu_k, Sigma_k)`` of shape (n_samples,): the package's log-densities, log-sum-exp."""
    params = GMMParams(weights, means, covariances)
    return -logsumexp(log_gaussian_prob(Z, params) + np.log(params.weights), axis=1)


def _log_terms(Z, weights, means, covariances):
    return log_gaussian_prob(Z, GMMParams(weights, means, covariances)) + np.log(weights)


def _log_density_not_energy(Z, weights, means, covariances):
    return -energy_reference(Z, weights, means, covariances)


def _weights_left_out(Z, weights, means, covariances):
    return -logsumexp(log_gaussian_prob(Z, GMMParams(weights, means, covariances)), axis=1)


def _closest_component_only(Z, weights, means, covariances):
    return -np.max(_log_terms(Z, weights, means, covariances), axis=1)


def _without_normalizing_constant(Z, weights, means, covariances):
    log_det = np.linalg.slogdet(2 * np.pi * covariances)[1]
    return -logsumexp(_log_terms(Z, weights, means, covariances) + 0.5 * log_det, axis=1)


def _densities_summed_directly(Z, weights, means, covariances):
    with np.errstate(divide="ignore", over="ignore"):
        return -np.log(np.exp(_log_terms(Z, weights, means, covariances)).sum(axis=1))


_UNDERFLOW_HINT = ("your energies are not finite at points far from every component: there each density "
                   "underflows to 0 and log 0 = -inf. Stay in logs: log-sum-exp over the components")

_ENERGY_MISTAKES = {
    "the log density, not the energy": Mistake(_log_density_not_energy,
                                               "the energy is the *negative* log density: high for unusual codes"),
    "the weights left out": Mistake(_weights_left_out,
                                    "each component's density is weighted by its mixing weight pi_k"),
    "the closest component only": Mistake(_closest_component_only,
                                          "the density sums over all components, not only the most likely one"),
    "no normalizing constant": Mistake(_without_normalizing_constant,
                                       "a Gaussian density includes its normalizing constant, with the "
                                       "determinant of 2 pi Sigma_k"),
    "densities summed directly": Mistake(_densities_summed_directly, _UNDERFLOW_HINT),
}


@exercise("energy", _ENERGY_MISTAKES)
def check_energy(energy):
    """``energy(Z, weights, means, covariances)`` of shape (n_samples,), on random mixtures and far points."""
    if not callable(energy):
        raise WrongAnswerError("a function is asked for: define energy with def and pass its name, without "
                               "calling it")
    rng = np.random.default_rng(1)
    inputs = _random_mixture(rng)
    try:
        given = energy(*(np.copy(a) for a in inputs))
    except Exception as error:
        raise WrongAnswerError(f"your function raised {type(error).__name__}: {error}. Hint: E(z) = -log sum_k pi_k "
                               "N(z | mu_k, Sigma_k)") from error
    if given is None:
        raise NotAttemptedError("your function still returns None")
    if isinstance(given, np.ndarray) and given.dtype.kind == "f" and given.shape == (len(inputs[0]),) \
            and not np.all(np.isfinite(given)):
        raise WrongAnswerError(_UNDERFLOW_HINT)
    judge_function(energy, energy_reference, _random_mixture, hint="E(z) = -log sum_k pi_k N(z | mu_k, Sigma_k)",
                   mistakes={name: tuple(m) for name, m in _ENERGY_MISTAKES.items()}, seed=1)


# The AUC as a probability over (anomaly, normal) pairs, on scores with many ties.

def _scores_with_ties(rng):
    n = int(rng.integers(30, 60))
    is_anomaly = np.zeros(n, dtype=int)
    is_anomaly[rng.choice(n, size=int(rng.integers(5, n // 2)), replace=False)] = 1
    # Scores on a coarse grid, anomalies a little higher on average: many (anomaly, normal) pairs tie.
    scores = rng.integers(0, 5, size=n) + is_anomaly * rng.integers(0, 2, size=n)
    return 0.5 * scores.astype(float), is_anomaly


def _pairs(scores, is_anomaly, tie_weight, anomalous_label=1):
    anomalous, normal = scores[is_anomaly == anomalous_label], scores[is_anomaly != anomalous_label]
    higher = anomalous[:, None] > normal[None, :]
    return float(np.mean(higher) + tie_weight * np.mean(anomalous[:, None] == normal[None, :]))


check_auc_by_pairs = function_check(
    "AUC by pairs", lambda scores, is_anomaly: roc_auc_score(is_anomaly, scores), _scores_with_ties,
    hint="compare every anomaly's score with every normal sample's score",
    mistakes={
        "ties ignored": Mistake(lambda s, a: _pairs(s, a, 0.0), "pairs with equal scores count one half, not 0"),
        "ties counted whole": Mistake(lambda s, a: _pairs(s, a, 1.0), "pairs with equal scores count one half, "
                                                                      "not 1"),
        "the normal samples scoring higher": Mistake(lambda s, a: _pairs(s, a, 0.5, anomalous_label=0),
                                                     "the AUC is the chance that the *anomaly* scores higher"),
    },
)
