"""Autoencoders in Keras 3 whose widths come from the data, and AE + GMM.

- :func:`build_autoencoder` makes an encoder, a decoder and the autoencoder
  wired from the encoder's one ``Input``; the input width is an argument
  (taken from ``X.shape[1]`` by the callers), never a literal.
- :func:`encode` (latent codes, width ``latent_dim``) and :func:`reconstruct`
  (reconstructions, width ``n_features``) are two different, named
  operations, and each refuses the other's model.
- :class:`AutoencoderGMM` trains an autoencoder and fits the package's
  :class:`~aegmm_lessons.gmm.GaussianMixtureEM` on the codes, as a
  scikit-learn estimator (``clone``, ``Pipeline``, ``GridSearchCV``).

Every check raises ``ValueError`` naming the expected and the actual width.
"""


import keras
import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .gmm import GaussianMixtureEM
from .validation import check_array_2d, check_hidden_units, check_non_negative, check_positive_int

__all__ = [
    "OUTPUT_ACTIVATIONS",
    "output_activation_for",
    "check_output_activation",
    "build_autoencoder",
    "encode",
    "reconstruct",
    "reconstruction_error",
    "train_autoencoder",
    "AutoencoderGMM",
    "clustering_scores",
    "fit_feature_gmm",
    "compare_feature_spaces",
    "summarize_runs",
    "em_restarts",
]

# Output layers the builders accept, with the range of values each can produce.
# ReLU is not among them: it cannot produce negative values, so it cannot
# reconstruct data that has them (tutorial mistake A3).
OUTPUT_ACTIVATIONS = {
    "linear": (-np.inf, np.inf),
    "sigmoid": (0.0, 1.0),
}

# Rows per forward pass in encode/reconstruct: bounds memory for large inputs.
_BATCH_ROWS = 4096

# Largest seed handed to Keras and to the GMM.
_MAX_SEED = 2**31 - 1


def output_activation_for(X):
    """The output activation that fits the range of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    str
        ``'sigmoid'`` when every value lies in [0, 1] (e.g. scaled pixels),
        otherwise ``'linear'``.
    """
    X = check_array_2d(X)
    return "sigmoid" if X.min() >= 0.0 and X.max() <= 1.0 else "linear"


def check_output_activation(output_activation, X=None):
    """Check that an output activation can reproduce the values of ``X``.

    Parameters
    ----------
    output_activation : str
        One of :data:`OUTPUT_ACTIVATIONS`.
    X : array-like of shape (n_samples, n_features), optional
        Data the decoder must reconstruct.

    Returns
    -------
    str
        ``output_activation``.

    Raises
    ------
    ValueError
        If the activation is unknown (ReLU included: it cannot output negative
        values), or ``X`` has values outside the activation's range.
    """
    if output_activation not in OUTPUT_ACTIVATIONS:
        hint = ""
        if output_activation == "relu":
            hint = (
                " (a ReLU output can never be negative, so it cannot reconstruct data "
                "with negative values: use 'linear', or 'sigmoid' for data in [0, 1])"
            )
        raise ValueError(
            f"output_activation must be one of {tuple(OUTPUT_ACTIVATIONS)}, "
            f"got {output_activation!r}{hint}"
        )
    if X is not None:
        low, high = OUTPUT_ACTIVATIONS[output_activation]
        X = check_array_2d(X)
        if X.min() < low or X.max() > high:
            raise ValueError(
                f"output_activation={output_activation!r} produces values in [{low:g}, {high:g}], "
                f"but the data ranges over [{X.min():.4g}, {X.max():.4g}]: use 'linear'"
            )
    return output_activation


def build_autoencoder(n_features, latent_dim, hidden_units=(64,), output_activation="linear"):
    """Encoder, decoder and autoencoder, all wired from one ``Input``.

    The encoder maps ``n_features -> hidden_units... -> latent_dim`` (ReLU
    hidden layers, linear codes), the decoder mirrors it back to
    ``n_features`` with ``output_activation``, and the autoencoder is
    ``decoder(encoder(x))`` over the encoder's own input tensor.

    Parameters
    ----------
    n_features : int
        Input width: pass ``X.shape[1]`` of the data to be fitted.
    latent_dim : int
        Width of the codes, 1 <= latent_dim < n_features (a bottleneck: with
        ``latent_dim >= n_features`` the network could learn the identity).
    hidden_units : sequence of int, default (64,)
        Widths of the encoder's hidden layers (the decoder uses them reversed).
    output_activation : {'linear', 'sigmoid'}, default 'linear'
        ``'sigmoid'`` only for data scaled to [0, 1].

    Returns
    -------
    encoder : keras.Model
        (batch, n_features) -> (batch, latent_dim).
    decoder : keras.Model
        (batch, latent_dim) -> (batch, n_features).
    autoencoder : keras.Model
        (batch, n_features) -> (batch, n_features), sharing the encoder's and
        decoder's layers (training it trains them).
    """
    n_features = check_positive_int("n_features", n_features)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    if latent_dim >= n_features:
        raise ValueError(
            f"latent_dim must be smaller than n_features = {n_features} (a bottleneck), "
            f"got latent_dim = {latent_dim}"
        )
    hidden_units = check_hidden_units(hidden_units)
    check_output_activation(output_activation)

    inputs = keras.Input(shape=(n_features,), name="x")
    hidden = inputs
    for i, units in enumerate(hidden_units):
        hidden = keras.layers.Dense(units, activation="relu", name=f"encoder_hidden_{i}")(hidden)
    codes = keras.layers.Dense(latent_dim, name="codes")(hidden)
    encoder = keras.Model(inputs, codes, name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,), name="z")
    hidden = latent_inputs
    for i, units in enumerate(reversed(hidden_units)):
        hidden = keras.layers.Dense(units, activation="relu", name=f"decoder_hidden_{i}")(hidden)
    outputs = keras.layers.Dense(n_features, activation=output_activation, name="reconstruction")(hidden)
    decoder = keras.Model(latent_inputs, outputs, name="decoder")

    autoencoder = keras.Model(encoder.input, decoder(encoder.output), name="autoencoder")
    return encoder, decoder, autoencoder


def _widths(model):
    if not isinstance(model, keras.Model):
        raise ValueError(f"expected a keras.Model (e.g. from build_autoencoder), got {type(model).__name__}")
    return int(model.inputs[0].shape[-1]), int(model.outputs[0].shape[-1])


def _check_learning_rate(learning_rate):
    learning_rate = check_non_negative("learning_rate", learning_rate)
    if learning_rate == 0:
        raise ValueError("learning_rate must be > 0, got 0")
    return learning_rate


def _check_model_input(model, X, role):
    n_in, _ = _widths(model)
    X = check_array_2d(X)
    if X.shape[1] != n_in:
        raise ValueError(
            f"X has {X.shape[1]} features, but the {role} expects n_features = {n_in} "
            "(build the model from the data's width, X.shape[1])"
        )
    return X


def _forward(model, X):
    """``model(X)`` in batches, as a float64 NumPy array, quietly."""
    X = X.astype(np.float32)
    parts = [
        keras.ops.convert_to_numpy(model(X[start:start + _BATCH_ROWS], training=False))
        for start in range(0, X.shape[0], _BATCH_ROWS)
    ]
    return np.concatenate(parts).astype(np.float64)


def encode(encoder, X):
    """Latent codes of ``X``: the encoder's output, not a reconstruction.

    Parameters
    ----------
    encoder : keras.Model
        (batch, n_features) -> (batch, latent_dim), with latent_dim < n_features,
        e.g. the first model returned by :func:`build_autoencoder`.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    Z : ndarray of shape (n_samples, latent_dim)

    Raises
    ------
    ValueError
        If X is not 2-D and finite, its width is not the encoder's input width,
        or ``encoder`` returns input-width outputs (an autoencoder: its outputs
        are reconstructions, not codes).
    """
    n_in, n_out = _widths(encoder)
    if n_out >= n_in:
        raise ValueError(
            f"encode expects an encoder (n_features -> latent_dim, a narrower output), but this "
            f"model maps {n_in} -> {n_out} features: its outputs are reconstructions, not codes. "
            "Pass the encoder, or call reconstruct() for reconstructions"
        )
    return _forward(encoder, _check_model_input(encoder, X, "encoder"))


def reconstruct(autoencoder, X):
    """Reconstructions of ``X``: decoder(encoder(X)), of the input's width.

    Parameters
    ----------
    autoencoder : keras.Model
        (batch, n_features) -> (batch, n_features), e.g. the third model
        returned by :func:`build_autoencoder`.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    X_hat : ndarray of shape (n_samples, n_features)

    Raises
    ------
    ValueError
        If X is not 2-D and finite, its width is not the model's input width,
        or the model's output width differs from its input width (an encoder:
        its outputs are codes).
    """
    n_in, n_out = _widths(autoencoder)
    if n_out != n_in:
        raise ValueError(
            f"reconstruct expects an autoencoder (n_features -> n_features), but this model maps "
            f"{n_in} -> {n_out} features: it is an encoder. Pass the autoencoder, or call "
            "encode() for latent codes"
        )
    return _forward(autoencoder, _check_model_input(autoencoder, X, "autoencoder"))


def reconstruction_error(autoencoder, X):
    """Mean squared reconstruction error of each sample.

    Parameters
    ----------
    autoencoder : keras.Model
        (batch, n_features) -> (batch, n_features).
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    X = check_array_2d(X)
    return np.mean((reconstruct(autoencoder, X) - X) ** 2, axis=1)


def train_autoencoder(autoencoder, X, *, epochs=50, batch_size=64, learning_rate=1e-3, seed=0):
    """Train ``autoencoder`` to reproduce ``X`` (mean squared error, Adam), quietly.

    Parameters
    ----------
    autoencoder : keras.Model
        (batch, n_features) -> (batch, n_features).
    X : ndarray of shape (n_samples, n_features)
    epochs, batch_size : int
    learning_rate : float
    seed : int, default 0
        Seeds the shuffling of the samples before each epoch.

    Returns
    -------
    ndarray of shape (epochs,)
        Training loss after each epoch.

    Notes
    -----
    Weights are drawn when the layers are built: call
    ``keras.utils.set_random_seed`` before :func:`build_autoencoder` for a
    reproducible run, as :class:`AutoencoderGMM` does. The samples are fed as
    a ``tf.data`` pipeline that reshuffles every epoch; with NumPy arrays,
    Keras rebuilds its input pipeline each epoch, which costs more than
    training a small network on a small data set.
    """
    _widths(autoencoder)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    learning_rate = _check_learning_rate(learning_rate)
    X32 = check_array_2d(X).astype(np.float32)
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    batches = (
        tf.data.Dataset.from_tensor_slices((X32, X32))
        .shuffle(X32.shape[0], seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
    )
    history = autoencoder.fit(batches, epochs=epochs, shuffle=False, verbose=0)
    return np.asarray(history.history["loss"], dtype=np.float64)


class AutoencoderGMM(ClusterMixin, TransformerMixin, BaseEstimator):
    """Autoencoder features, then a Gaussian mixture on the latent codes.

    ``fit`` trains an autoencoder on X (mean squared error), encodes X with
    the encoder alone, and fits :class:`~aegmm_lessons.gmm.GaussianMixtureEM`
    on the codes. The mixture's log density of a sample's code is its
    "energy" in DAGMM's sense (low density = anomalous).

    Parameters
    ----------
    latent_dim : int, default 10
        Width of the codes (and of the mixture), smaller than n_features.
    n_components : int, default 10
        Mixture components K.
    hidden_units : sequence of int, default (64,)
        Encoder hidden widths (decoder reversed).
    output_activation : {'auto', 'linear', 'sigmoid'}, default 'auto'
        'auto' picks 'sigmoid' for data in [0, 1], 'linear' otherwise.
    epochs : int, default 50
    batch_size : int, default 64
    learning_rate : float, default 1e-3
        Adam's step size.
    covariance_type : {'full', 'diag'}, default 'full'
    n_init : int, default 1
        EM initialisations on the codes.
    random_state : int, RandomState instance or None, default None
        Seeds Keras (weights, shuffling) and the mixture; an int gives the
        same result on every fit.

    Attributes
    ----------
    encoder_, decoder_, autoencoder_ : keras.Model
        As returned by :func:`build_autoencoder`, trained.
    gmm_ : GaussianMixtureEM
        Fitted on the training codes, shape (n_samples, latent_dim).
    history_ : ndarray of shape (epochs,)
        Training loss (mean squared error) after each epoch.
    labels_ : ndarray of shape (n_samples,)
        Component of each training sample (what ``fit_predict`` returns).
    output_activation_ : str
        The decoder's output activation actually used.
    n_features_in_ : int

    Notes
    -----
    ``score`` is a log-likelihood in the latent space: it compares models of
    the same ``latent_dim`` only (densities in spaces of different widths, or
    of differently scaled codes, are not comparable). Compare widths with a
    label-based or downstream score instead.

    ``fit`` calls ``keras.utils.set_random_seed``, which also reseeds Python's
    ``random`` and NumPy's global generator.

    Each ``fit`` leaves a few megabytes (about 7 MB on this stack, measured
    over 25 fits) that TensorFlow does not give back, even after
    ``keras.backend.clear_session()`` and garbage collection (a long-standing
    Keras/TensorFlow issue, keras-team/keras#20245). A grid search of a few
    dozen fits is fine within a 1 GB notebook; hundreds belong in a separate
    process.
    """

    def __init__(
        self,
        latent_dim=10,
        n_components=10,
        *,
        hidden_units=(64,),
        output_activation="auto",
        epochs=50,
        batch_size=64,
        learning_rate=1e-3,
        covariance_type="full",
        n_init=1,
        random_state=None,
    ):
        self.latent_dim = latent_dim
        self.n_components = n_components
        self.hidden_units = hidden_units
        self.output_activation = output_activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, X, y=None):
        """Train the autoencoder on X, then fit the mixture on its codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = check_array_2d(X, min_samples=2)
        epochs = check_positive_int("epochs", self.epochs)
        batch_size = check_positive_int("batch_size", self.batch_size)
        learning_rate = _check_learning_rate(self.learning_rate)
        n_components = check_positive_int("n_components", self.n_components)
        if n_components > X.shape[0]:
            raise ValueError(
                f"n_components must be <= n_samples, got n_components = {n_components} "
                f"and n_samples = {X.shape[0]}"
            )
        if self.output_activation == "auto":
            output_activation = output_activation_for(X)
        else:
            output_activation = check_output_activation(self.output_activation, X)

        rng = check_random_state(self.random_state)
        keras_seed, gmm_seed = (int(s) for s in rng.randint(_MAX_SEED, size=2))
        keras.utils.set_random_seed(keras_seed)
        encoder, decoder, autoencoder = build_autoencoder(
            X.shape[1], self.latent_dim, self.hidden_units, output_activation
        )
        self.history_ = train_autoencoder(
            autoencoder, X, epochs=epochs, batch_size=batch_size,
            learning_rate=learning_rate, seed=keras_seed,
        )
        self.encoder_, self.decoder_, self.autoencoder_ = encoder, decoder, autoencoder
        self.output_activation_ = output_activation
        self.n_features_in_ = X.shape[1]
        codes = encode(encoder, X)
        self.gmm_ = GaussianMixtureEM(
            n_components, covariance_type=self.covariance_type, n_init=self.n_init,
            random_state=gmm_seed,
        ).fit(codes)
        self.labels_ = self.gmm_.predict(codes)
        return self

    def transform(self, X):
        """Latent codes of X (the encoder's output).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, latent_dim)
        """
        check_is_fitted(self, "gmm_")
        return encode(self.encoder_, X)

    def reconstruct(self, X):
        """Reconstructions of X, of the input's width.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "gmm_")
        return reconstruct(self.autoencoder_, X)

    def predict(self, X):
        """Mixture component of each sample's code.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        codes = self.transform(X)
        return self.gmm_.predict(codes)

    def predict_proba(self, X):
        """Responsibilities of the components for each sample's code.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        codes = self.transform(X)
        return self.gmm_.predict_proba(codes)

    def score_samples(self, X):
        """Log density of each sample's code under the mixture.

        The negative of DAGMM's sample energy: low values mark anomalies.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        codes = self.transform(X)
        return self.gmm_.score_samples(codes)

    def score(self, X, y=None):
        """Mean log-likelihood of the codes of X (latent space, higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        float
        """
        codes = self.transform(X)
        return self.gmm_.score(codes)


# ---------------------------------------------------------------------------
# Experiments of lesson 02: GMM on raw, PCA and autoencoder features

FEATURE_METHODS = ("raw", "PCA", "AE")


def clustering_scores(y_true, labels):
    """Agreement of cluster labels with true classes (1 = identical partitions).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    labels : array-like of shape (n_samples,)

    Returns
    -------
    dict
        ``ARI`` (adjusted Rand index, 0 for chance) and ``NMI`` (normalised
        mutual information).
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {
        "ARI": float(adjusted_rand_score(y_true, labels)),
        "NMI": float(normalized_mutual_info_score(y_true, labels)),
    }


def fit_feature_gmm(method, X_train, *, latent_dim=None, n_components=10, random_state=0,
                    ae_params=None, max_iter=500):
    """Fit a GMM on raw pixels, on PCA components or on autoencoder codes.

    Parameters
    ----------
    method : {'raw', 'PCA', 'AE'}
    X_train : array-like of shape (n_samples, n_features)
    latent_dim : int, optional
        Width of the PCA or AE features (ignored for 'raw').
    n_components : int, default 10
    random_state : int, default 0
        Seeds PCA's solver, the autoencoder and k-means.
    ae_params : dict, optional
        Further :class:`AutoencoderGMM` arguments (epochs, batch_size, ...).
    max_iter : int, default 500
        EM iterations for 'raw' and 'PCA'.

    Returns
    -------
    features : callable
        Maps (n, n_features) data to the (n, width) features the GMM sees.
    gmm : GaussianMixtureEM
        Fitted on ``features(X_train)``.
    model : PCA, AutoencoderGMM or None
    """
    from sklearn.decomposition import PCA

    X_train = check_array_2d(X_train, "X_train", min_samples=2)
    if method not in FEATURE_METHODS:
        raise ValueError(f"method must be one of {FEATURE_METHODS}, got {method!r}")
    if method == "AE":
        model = AutoencoderGMM(latent_dim, n_components, random_state=random_state,
                               **(ae_params or {})).fit(X_train)
        return model.transform, model.gmm_, model
    if method == "PCA":
        model = PCA(check_positive_int("latent_dim", latent_dim), random_state=random_state).fit(X_train)
        features = model.transform
    else:
        model = None

        def features(X):
            return check_array_2d(X)
    gmm = GaussianMixtureEM(n_components, max_iter=max_iter, random_state=random_state)
    return features, gmm.fit(features(X_train)), model


def compare_feature_spaces(X_train, y_train, X_test, y_test, *, latent_dims=(2, 10), seeds=(0, 1, 2),
                           n_components=10, ae_params=None, include_raw=True):
    """GMM clustering on raw, PCA(d) and AE(d) features, over widths and seeds.

    Each model is fitted on the training set; scores are measured on the test
    set (labels are used for scoring only).

    Parameters
    ----------
    X_train : array-like of shape (n_train, n_features)
    y_train : array-like of shape (n_train,)
    X_test : array-like of shape (n_test, n_features)
    y_test : array-like of shape (n_test,)
    latent_dims : sequence of int, default (2, 10)
    seeds : sequence of int, default (0, 1, 2)
    n_components : int, default 10
    ae_params : dict, optional
        Further :class:`AutoencoderGMM` arguments.
    include_raw : bool, default True
        Also fit a GMM on the raw features (once per seed).

    Returns
    -------
    rows : list of dict
        One per (method, d, seed) with ``method``, ``d`` (feature width),
        ``seed``, ``ARI`` and ``NMI`` on the test set, ``train LL`` and
        ``test LL`` (mean log-likelihood per sample in that method's feature
        space: comparable within a (method, d) group only) and ``seconds``
        (fit time).
    models : dict
        ``(method, d, seed) -> (features, gmm, model)`` as returned by
        :func:`fit_feature_gmm`.
    """
    import time

    X_train = check_array_2d(X_train, "X_train", min_samples=2)
    X_test = check_array_2d(X_test, "X_test")
    runs = [("raw", X_train.shape[1])] if include_raw else []
    runs += [(method, d) for d in latent_dims for method in ("PCA", "AE")]
    rows, models = [], {}
    for method, d in runs:
        for seed in seeds:
            started = time.perf_counter()
            features, gmm, model = fit_feature_gmm(
                method, X_train, latent_dim=d, n_components=n_components, random_state=seed,
                ae_params=ae_params,
            )
            seconds = time.perf_counter() - started
            codes_train, codes_test = features(X_train), features(X_test)
            rows.append({
                "method": method, "d": d, "seed": seed,
                **clustering_scores(y_test, gmm.predict(codes_test)),
                "train LL": gmm.score(codes_train), "test LL": gmm.score(codes_test),
                "seconds": seconds,
            })
            models[method, d, seed] = (features, gmm, model)
    return rows, models


def summarize_runs(rows, metrics=("ARI", "NMI", "train LL", "test LL"), by=("method", "d")):
    """Mean (and spread) of each metric over the seeds of each group.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`compare_feature_spaces`.
    metrics : sequence of str
    by : sequence of str
        Keys that define a group.

    Returns
    -------
    list of dict
        One per group in order of first appearance: the ``by`` keys,
        ``<metric>`` (mean) and ``<metric> sd`` for ``ARI``, and ``fit time``
        (mean seconds, formatted by ``repro.format_seconds``).
    """
    from .repro import format_seconds

    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in by), []).append(row)
    summary = []
    for key, members in groups.items():
        entry = dict(zip(by, key))
        for metric in metrics:
            values = np.array([m[metric] for m in members], dtype=float)
            entry[metric] = float(values.mean())
            if metric == "ARI":
                entry["ARI sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        entry["fit time"] = format_seconds(float(np.mean([m["seconds"] for m in members])))
        summary.append(entry)
    return summary


def em_restarts(features, n_components, seeds, y_true=None, max_iter=500):
    """Run EM from several k-means starts and collect where each one ends.

    Parameters
    ----------
    features : array-like of shape (n_samples, width)
    n_components : int
    seeds : sequence of int
        One k-means start per seed.
    y_true : array-like of shape (n_samples,), optional
        When given, the ARI of each restart's labels is recorded too.
    max_iter : int, default 500

    Returns
    -------
    dict
        ``log_likelihood`` (final mean log-likelihood per restart, shape
        (n_restarts,)) and, with ``y_true``, ``ARI`` (same shape).
    """
    from sklearn.metrics import adjusted_rand_score

    features = check_array_2d(features, "features")
    final, ari = [], []
    for seed in seeds:
        gmm = GaussianMixtureEM(n_components, max_iter=max_iter, random_state=seed).fit(features)
        final.append(gmm.score(features))
        if y_true is not None:
            ari.append(adjusted_rand_score(y_true, gmm.predict(features)))
    result = {"log_likelihood": np.array(final)}
    if y_true is not None:
        result["ARI"] = np.array(ari)
    return result
