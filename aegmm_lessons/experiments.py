"""The experiments the lessons run: Gaussian mixtures on raw, PCA and autoencoder features, and the paired
comparison over seeds with which every lesson states that one method beats another.

No model imports this module; the lessons do.
"""

import time
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from .gmm import GaussianMixtureEM
from .repro import format_seconds, format_value
from .validation import check_data, check_positive_int

__all__ = ["clustering_scores", "fit_feature_gmm", "compare_feature_spaces", "summarize_runs", "PairedDifference",
           "paired_difference", "validation_split", "evaluate_protocol", "summarize_protocol"]

_FEATURE_METHODS = ("raw", "PCA", "AE")


def clustering_scores(y_true, labels):
    """Agreement of cluster labels with true classes: ``{'ARI': ..., 'NMI': ...}`` (1 = same partition)."""
    return {
        "ARI": float(adjusted_rand_score(y_true, labels)),
        "NMI": float(normalized_mutual_info_score(y_true, labels)),
    }


def fit_feature_gmm(method, X_train, *, latent_dim=None, n_components=10, random_state=0, ae_params=None,
                    max_iter=500):
    """Fit a GMM on raw features, on PCA components or on autoencoder codes.

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
        Further ``AutoencoderGMM`` arguments (epochs, batch_size, ...).
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
    if method not in _FEATURE_METHODS:
        raise ValueError(f"method must be one of {_FEATURE_METHODS}, got {method!r}")
    X_train = check_data(X_train, name="X_train", min_samples=2)
    if method == "AE":
        from .autoencoder import AutoencoderGMM  # loads TensorFlow: only when asked for

        model = AutoencoderGMM(n_components, latent_dim=latent_dim, random_state=random_state,
                               **(ae_params or {})).fit(X_train)
        return model.transform, model.gmm_, model
    if method == "PCA":
        model = PCA(check_positive_int("latent_dim", latent_dim), random_state=random_state).fit(X_train)
        features = model.transform
    else:
        model, features = None, check_data
    gmm = GaussianMixtureEM(n_components, max_iter=max_iter, random_state=random_state)
    return features, gmm.fit(features(X_train)), model


def compare_feature_spaces(X_train, y_train, X_test, y_test, *, latent_dims=(2, 10), seeds=(0, 1, 2),
                           n_components=10, ae_params=None, include_raw=True):
    """GMM clustering on raw, PCA(d) and AE(d) features, over widths and seeds.

    Each model is fitted on the training set and scored on the test set (the
    labels are used for scoring only).

    Parameters
    ----------
    X_train, X_test : array-like of shape (n_train, n_features), (n_test, n_features)
    y_train, y_test : array-like of shape (n_train,), (n_test,)
    latent_dims : sequence of int, default (2, 10)
    seeds : sequence of int, default (0, 1, 2)
    n_components : int, default 10
    ae_params : dict, optional
        Further ``AutoencoderGMM`` arguments.
    include_raw : bool, default True
        Also fit a GMM on the raw features (once per seed).

    Returns
    -------
    rows : list of dict
        One per (method, d, seed): ``method``, ``d`` (feature width), ``seed``,
        test ``ARI`` and ``NMI``, ``train LL`` and ``test LL`` (mean
        log-likelihood per sample in that method's feature space, comparable
        within a (method, d) group only) and ``seconds`` (fit time).
    models : dict
        ``(method, d, seed) -> (features, gmm, model)`` from :func:`fit_feature_gmm`.
    """
    X_train = check_data(X_train, name="X_train", min_samples=2)
    X_test = check_data(X_test, name="X_test", n_features=X_train.shape[1])
    runs = [("raw", X_train.shape[1])] if include_raw else []
    runs += [(method, d) for d in latent_dims for method in ("PCA", "AE")]
    rows, models = [], {}
    for method, d in runs:
        for seed in seeds:
            started = time.perf_counter()
            features, gmm, model = fit_feature_gmm(method, X_train, latent_dim=d, n_components=n_components,
                                                   random_state=seed, ae_params=ae_params)
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
    """Mean of each metric over the seeds of each group, in order of first appearance.

    Each entry holds the ``by`` keys, the mean of every metric, ``ARI sd`` (the
    standard deviation of the ARI over seeds, 0 for one seed) and ``fit time``
    (mean seconds, formatted).
    """
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[key] for key in by), []).append(row)
    summary = []
    for key, members in groups.items():
        entry = dict(zip(by, key, strict=True))
        for metric in metrics:
            values = np.array([member[metric] for member in members], dtype=float)
            entry[metric] = float(values.mean())
            if metric == "ARI":
                entry["ARI sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        entry["fit time"] = format_seconds(float(np.mean([member["seconds"] for member in members])))
        summary.append(entry)
    return summary


MixtureDensity1D = namedtuple(
    "MixtureDensity1D", "n_components grid density component_densities log_likelihood bic params")


def mixture_density_1d(sample, n_components, *, grid=None, n_grid=200, random_state=0):
    """Fit K components to a 1-D sample by EM; a namedtuple of its density on a grid (default: range + 10 %),
    weighted component densities (n_grid, K), mean log-likelihood, BIC and params."""
    sample = np.asarray(sample)
    X = check_data(sample.reshape(-1, 1) if sample.ndim == 1 else sample, n_features=1, name="sample")
    if grid is None:
        margin = 0.1 * np.ptp(X) if np.ptp(X) > 0 else 1.0
        grid = np.linspace(X.min() - margin, X.max() + margin, check_positive_int("n_grid", n_grid, minimum=2))
    if np.ndim(grid) != 1:
        raise ValueError(f"grid must be 1-D of shape (n_grid,), got shape {np.shape(grid)}")
    model = GaussianMixtureEM(n_components=n_components, random_state=random_state).fit(X)
    density = np.exp(model.score_samples(np.reshape(grid, (-1, 1))))
    components = model.predict_proba(np.reshape(grid, (-1, 1))) * density[:, None]  # w_k N_k(x) = p(k | x) p(x)
    return MixtureDensity1D(n_components, np.asarray(grid), density, components, float(model.score(X)),
                      float(model.bic(X)), model.params_)


@dataclass(frozen=True)
class PairedDifference:
    """The mean of paired differences ``a - b`` over ``n`` seeds and its t-interval at ``confidence``."""

    mean: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    @property
    def detectable(self):
        """Whether the interval excludes zero."""
        return self.low > 0 or self.high < 0

    def verdict(self, name_a="A", name_b="B", *, higher_is_better=True, digits=2):
        """The evidence protocol's sentence: "A beats B by ... (95% CI ... to ..., n = ...)" or, when the interval
        holds zero, "no detectable difference between A and B (...)". ``digits`` are significant digits."""
        level = f"{format_value(100 * self.confidence, 3)}% CI"
        if not self.detectable:
            return (f"no detectable difference between {name_a} and {name_b} (mean difference "
                    f"{format_value(self.mean, digits)}, {level} {format_value(self.low, digits)} to "
                    f"{format_value(self.high, digits)}, n = {self.n})")
        a_wins = (self.mean > 0) == higher_is_better
        winner, loser = (name_a, name_b) if a_wins else (name_b, name_a)
        low, high = sorted((abs(self.low), abs(self.high)))
        return (f"{winner} beats {loser} by {format_value(abs(self.mean), digits)} ({level} "
                f"{format_value(low, digits)} to {format_value(high, digits)}, n = {self.n})")


def paired_difference(a, b, confidence=0.95):
    """Mean difference of paired results ``a - b`` (one pair per seed) and its Student-t confidence interval.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        The two methods' results, ``a[i]`` and ``b[i]`` from the same seed (split, initialization); n >= 2.
    confidence : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    PairedDifference
        ``mean``, ``low``, ``high``, ``n``; ``verdict(name_a, name_b)`` states it.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be 1-D of equal length (one pair per seed), got shapes {a.shape} and "
                         f"{b.shape}")
    if len(a) < 2:
        raise ValueError(f"a paired difference needs at least 2 pairs, got {len(a)}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("a and b must be finite")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    differences = a - b
    mean, n = float(differences.mean()), len(differences)
    half_width = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * differences.std(ddof=1) / np.sqrt(n))
    return PairedDifference(mean, mean - half_width, mean + half_width, n, float(confidence))


PROTOCOLS = ("inductive", "transductive")


def validation_split(X, y, fraction=0.25, random_state=0):
    """Carve a validation split from training data, stratified by ``y``: ``X_fit, X_val, y_fit, y_val``.

    Every setting a lesson tunes is chosen on ``(X_val, y_val)``; the test split stays unseen until the end.
    """
    from sklearn.model_selection import train_test_split

    X = check_data(X, min_samples=2)
    return train_test_split(X, np.asarray(y), test_size=fraction, random_state=random_state, stratify=y)


def evaluate_protocol(methods, X_train, y_train, X_test, y_test, *, protocol="inductive", seeds=range(5)):
    """The ARI of every method and seed under a named protocol; labels serve for scoring only.

    Parameters
    ----------
    methods : dict
        ``name -> fit_predict(X_fit, X_score, seed)``, returning cluster labels of shape (n_score,) for the rows
        of ``X_score`` from a model fitted (without labels) on ``X_fit``. Give every method the same ``n_init``.
    X_train, X_test : array-like of shape (n_train, n_features), (n_test, n_features)
    y_train, y_test : array-like of shape (n_train,), (n_test,)
    protocol : {'inductive', 'transductive'}
        'inductive': fit on ``X_train``, score the unseen ``X_test``. 'transductive': fit on all rows of both
        and score them all (how t-SNE references and most deep-clustering papers report).
    seeds : iterable of int, default range(5)
        One run of each method per seed; the seed pairs the runs of different methods.

    Returns
    -------
    list of dict
        One per (method, seed): ``protocol``, ``method``, ``seed``, ``ARI``, ``seconds`` (fit and predict).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    X_train = check_data(X_train, name="X_train", min_samples=2)
    X_test = check_data(X_test, name="X_test", n_features=X_train.shape[1])
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if len(y_train) != len(X_train) or len(y_test) != len(X_test):
        raise ValueError(f"y_train and y_test must have {len(X_train)} and {len(X_test)} labels, got "
                         f"{len(y_train)} and {len(y_test)}")
    if protocol == "inductive":
        X_fit, X_score, y_score = X_train, X_test, y_test
    else:
        X_fit = X_score = np.vstack([X_train, X_test])
        y_score = np.concatenate([y_train, y_test])
    rows = []
    for name, fit_predict in methods.items():
        for seed in seeds:
            started = time.perf_counter()
            labels = np.asarray(fit_predict(X_fit, X_score, seed))
            rows.append({"protocol": protocol, "method": name, "seed": seed,
                         "ARI": float(adjusted_rand_score(y_score, labels)), "seconds": time.perf_counter() - started})
    return rows


def summarize_protocol(rows, baseline, confidence=0.95):
    """Per method: mean ARI, its sd over seeds, and the paired difference to ``baseline`` with its interval.

    ``rows`` from :func:`evaluate_protocol` (one protocol); ``baseline`` is a method name among them. Returns a
    list of dicts with ``method``, ``seeds``, ``mean ARI``, ``ARI sd``, ``minus <baseline>``, ``CI low``,
    ``CI high`` (blank for the baseline) and ``fit time``.
    """
    by_method = {}
    for row in rows:
        by_method.setdefault(row["method"], {})[row["seed"]] = row
    if baseline not in by_method:
        raise ValueError(f"baseline {baseline!r} is not among the methods {list(by_method)}")
    summary = []
    for name, runs in by_method.items():
        seeds = sorted(runs)
        ari = np.array([runs[s]["ARI"] for s in seeds])
        entry = {"method": name, "seeds": len(seeds), "mean ARI": float(ari.mean()),
                 "ARI sd": float(ari.std(ddof=1)) if len(ari) > 1 else 0.0}
        if name == baseline:
            entry.update({f"minus {baseline}": "-", "CI low": "-", "CI high": "-"})
        else:
            base = by_method[baseline]
            if sorted(base) != seeds:
                raise ValueError(f"{name!r} and {baseline!r} must share their seeds to be paired")
            difference = paired_difference(ari, [base[s]["ARI"] for s in seeds], confidence)
            entry.update({f"minus {baseline}": difference.mean, "CI low": difference.low, "CI high": difference.high})
        entry["fit time"] = format_seconds(float(np.mean([runs[s]["seconds"] for s in seeds])))
        summary.append(entry)
    return summary
