"""EM for Gaussian mixtures in NumPy, written as lesson 01 writes it, step for step equal to scikit-learn.

With ``U_k`` the upper-triangular Cholesky factor of the precision (``U_k U_k^T = inv(Sigma_k)``)::

    log N(x | mu_k, Sigma_k) = -d/2 log(2 pi) + sum_j log (U_k)_jj - 1/2 ||(x - mu_k)^T U_k||^2
    E step:  log r_ik = log pi_k + log N(x_i | mu_k, Sigma_k) - logsumexp_j(log pi_j + log N(x_i | mu_j, Sigma_j))
    M step:  N_k = sum_i r_ik,  pi_k = N_k / n,  mu_k = sum_i r_ik x_i / N_k,
             Sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / N_k + reg_covar I

One iteration is an E step and then an M step; EM stops when the mean log-likelihood computed by the E step
changes by less than ``tol`` (scikit-learn's ``lower_bound_``).
"""

import math
import warnings
from collections import namedtuple

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from .numerics import logsumexp
from .params import GMMParams, check_params
from .validation import (
    check_covariance_type,
    check_data,
    check_is_fitted,
    check_n_components,
    check_non_negative,
    check_positive_int,
    check_random_state,
    validate_data,
)

__all__ = ["estimate_log_gaussian_prob", "log_gaussian_prob", "e_step", "m_step", "kmeans_init", "em_trajectory",
           "EMTrajectory", "GaussianMixtureEM"]

# Added to each N_k, as scikit-learn does, so that an empty component divides by a tiny number, not by zero.
_NK_FLOOR = 10 * np.finfo(np.float64).eps


def _log_density(y, log_det):
    """``-d/2 log(2 pi) + log det U_k - 1/2 ||y_ki||^2`` (n_samples, n_components) from ``y`` of shape (K, d, n)."""
    # Samples last: the sums over features (here) and components (E step) run along long rows, twice as fast.
    return (-0.5 * (y.shape[1] * math.log(2 * math.pi) + np.einsum("kdn,kdn->kn", y, y)) + log_det[:, None]).T


def _log_gaussian_prob_full(X, means, precisions_cholesky):
    n_components, n_features = means.shape
    # y_ki = U_k^T (x_i - mu_k) for all k and i: one product [U_1 ... U_K]^T X^T, minus the shifts U_k^T mu_k.
    y = (np.hstack(precisions_cholesky).T @ X.T).reshape(n_components, n_features, len(X))
    y -= np.einsum("kd,kde->ke", means, precisions_cholesky)[:, :, None]
    return _log_density(y, np.log(np.diagonal(precisions_cholesky, axis1=1, axis2=2)).sum(axis=1))


def _log_gaussian_prob_diag(X, means, precisions_cholesky):
    y = (X.T - means[:, :, None]) * precisions_cholesky[:, :, None]
    return _log_density(y, np.log(precisions_cholesky).sum(axis=1))


_LOG_GAUSSIAN_PROB = {"full": _log_gaussian_prob_full, "diag": _log_gaussian_prob_diag}


def estimate_log_gaussian_prob(X, means, precisions_cholesky, covariance_type):
    """``log N(x_i | mu_k, Sigma_k)`` of shape (n_samples, n_components), in scikit-learn's parametrization.

    ``X`` has shape (n_samples, n_features), ``means`` (n_components, n_features), ``precisions_cholesky``
    (n_components, n_features, n_features) of upper-triangular ``U_k`` with ``U_k @ U_k.T = inv(Sigma_k)`` for
    'full', (n_components, n_features) of ``1 / sigma_k`` for 'diag'. The arrays are trusted (float64, shapes
    consistent), as in scikit-learn's core: callers validate them once, where they enter.
    """
    log_gaussian_prob_of = _LOG_GAUSSIAN_PROB[check_covariance_type(covariance_type)]
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, as an error
        log_prob = log_gaussian_prob_of(X, means, precisions_cholesky)
    if not np.all(np.isfinite(log_prob)):
        raise ValueError(f"X must be small enough for its squared distances to fit in float64, got an overflow "
                         f"with largest |x| = {np.max(np.abs(X)):.3g}: scale the data (e.g. StandardScaler)")
    return log_prob


def log_gaussian_prob(X, params):
    """``log N(x_i | mu_k, Sigma_k)`` of shape (n_samples, n_components) for the components of ``params``."""
    params = check_params(params)
    X = params.check_data(X)
    return estimate_log_gaussian_prob(X, params.means, params.precisions_cholesky(), params.covariance_type)


def _e_step(X, params):
    """``log p(x_i)`` of shape (n_samples,) and ``log r_ik`` of shape (n_samples, n_components)."""
    weighted = estimate_log_gaussian_prob(X, params.means, params.precisions_cholesky(), params.covariance_type)
    weighted += np.log(params.weights)
    log_norm = logsumexp(weighted, axis=1)
    return log_norm, weighted - log_norm[:, None]


def e_step(X, params):
    """E step: the mean log-likelihood ``mean_i log p(x_i)`` (float) and ``log r_ik`` (n_samples, n_components)."""
    params = check_params(params)
    log_norm, log_resp = _e_step(params.check_data(X), params)
    return float(np.mean(log_norm)), log_resp


def _estimate_gaussian_parameters(X, resp, covariance_type, reg_covar):
    """``N_k``, ``mu_k`` and ``Sigma_k`` of the M step."""
    nk = resp.sum(axis=0) + _NK_FLOOR
    means = resp.T @ X / nk[:, None]
    X_t = np.ascontiguousarray(X.T)  # samples last, as in the E step: products along rows of n_samples
    if covariance_type == "full":
        covariances = np.empty((len(nk), X.shape[1], X.shape[1]))
        for k, mean in enumerate(means):
            diff = X_t - mean[:, None]
            covariances[k] = (resp[:, k] * diff) @ diff.T / nk[k] + reg_covar * np.eye(X.shape[1])
    else:
        covariances = np.stack([(X_t - mean[:, None]) ** 2 @ resp[:, k] for k, mean in enumerate(means)])
        covariances = covariances / nk[:, None] + reg_covar
    return nk, means, covariances


def _mixture(weights, means, covariances, covariance_type, reg_covar):
    try:
        return GMMParams.from_estimates(weights, means, covariances, covariance_type)
    except ValueError as exc:
        raise ValueError(f"the M step produced an invalid mixture ({exc}): a component collapsed; increase "
                         f"reg_covar (now {reg_covar:g}), decrease n_components, or scale the data") from None


def _m_step(X, resp, covariance_type, reg_covar):
    nk, means, covariances = _estimate_gaussian_parameters(X, resp, covariance_type, reg_covar)
    return _mixture(nk / nk.sum(), means, covariances, covariance_type, reg_covar)


def m_step(X, resp, covariance_type="full", reg_covar=1e-6):
    """M step: the ``GMMParams`` maximising the expected complete log-likelihood, from ``resp`` (n_samples, K).

    ``resp``'s rows are responsibilities (>= 0, summing to 1; one-hot rows give per-cluster estimates)."""
    covariance_type = check_covariance_type(covariance_type)
    reg_covar = check_non_negative("reg_covar", reg_covar)
    X = check_data(X)
    resp = check_data(resp, name="resp")
    if resp.shape[0] != X.shape[0]:
        raise ValueError(f"resp must have shape (n_samples, n_components) = ({X.shape[0]}, K), got {resp.shape}")
    if np.any(resp < 0):
        raise ValueError(f"resp must be non-negative, got minimum {resp.min():.6g}")
    sums = resp.sum(axis=1)
    if np.any(np.abs(sums - 1.0) > 1e-6):
        raise ValueError(f"each row of resp must sum to 1, got row sums from {sums.min():.6g} to {sums.max():.6g}")
    return _m_step(X, resp, covariance_type, reg_covar)


def kmeans_init(X, n_components, *, covariance_type="full", reg_covar=1e-6, random_state=None):
    """The ``GMMParams`` one run of k-means gives (scikit-learn's default start): an M step from its labels.

    ``X`` of shape (n_samples, n_features); ``random_state`` (None, int, RandomState or Generator) seeds k-means.
    """
    covariance_type = check_covariance_type(covariance_type)
    reg_covar = check_non_negative("reg_covar", reg_covar)
    X = check_data(X)
    n_components = check_n_components(n_components, X.shape[0])
    return _kmeans_init(X, n_components, covariance_type, reg_covar, check_random_state(random_state))


def _kmeans_init(X, n_components, covariance_type, reg_covar, random_state):
    from sklearn.cluster import KMeans

    # One OpenMP thread: k-means then gives the same labels on every machine and run.
    with threadpool_limits(limits=1, user_api="openmp"):
        labels = KMeans(n_clusters=n_components, n_init=1, random_state=random_state).fit(X).labels_
    resp = np.eye(n_components)[labels]
    nk, means, covariances = _estimate_gaussian_parameters(X, resp, covariance_type, reg_covar)
    # As scikit-learn: N_k / n, which sums to 1 up to the floor added to each N_k.
    return _mixture(nk / X.shape[0], means, covariances, covariance_type, reg_covar)


def _run_em(X, params, *, tol, max_iter, reg_covar, callback=None):
    """EM from ``params``: the last M step's mixture, each E step's mean log-likelihood, and whether it converged.

    The one EM loop of the package. ``tol=None`` runs all ``max_iter`` iterations; ``callback(params)`` sees the
    mixture of each M step.
    """
    history = []
    # One BLAS thread: on a busy machine OpenBLAS's threads wait for each other on EM's small products (4x slower
    # with 2 threads), and the fit is then the same for any thread count.
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(max_iter):
            log_norm, log_resp = _e_step(X, params)
            history.append(float(np.mean(log_norm)))
            params = _m_step(X, np.exp(log_resp), params.covariance_type, reg_covar)
            if callback is not None:
                callback(params)
            if tol is not None and len(history) > 1 and abs(history[-1] - history[-2]) < tol:
                return params, np.array(history), True
    return params, np.array(history), False


EMTrajectory = namedtuple("EMTrajectory", "params log_likelihood")


def em_trajectory(X, init, n_iter, reg_covar=1e-6):
    """The mixtures ``params`` after 0, 1, ..., n_iter EM iterations from ``init``, and their ``log_likelihood``.

    Returns
    -------
    EMTrajectory
        ``params``: tuple of n_iter + 1 ``GMMParams``; ``log_likelihood``: ndarray of shape (n_iter + 1,), the mean
        log-likelihood of each.
    """
    init = check_params(init, "init")
    X = check_data(X, n_features=init.n_features)
    n_iter = check_positive_int("n_iter", n_iter)
    reg_covar = check_non_negative("reg_covar", reg_covar)
    params = [init]
    final, history, _ = _run_em(X, init, tol=None, max_iter=n_iter, reg_covar=reg_covar, callback=params.append)
    last = float(np.mean(_e_step(X, final)[0]))
    return EMTrajectory(tuple(params), np.append(history, last))


def _read_only(array):
    array.setflags(write=False)
    return array


class GaussianMixtureEM(DensityMixin, BaseEstimator):
    """Gaussian mixture fitted by EM, with scikit-learn's ``GaussianMixture`` API and fitted attributes.

    Parameters
    ----------
    n_components, covariance_type, tol, reg_covar, max_iter, n_init, random_state
        As in ``GaussianMixture`` ('full' or 'diag'; ``max_iter=0`` keeps the start).
    init : GMMParams or None, default None
        Start; None starts from k-means (``n_init`` times, the best final log-likelihood wins).

    Attributes
    ----------
    params_ : GMMParams
        The fitted mixture; ``weights_``, ``means_``, ``covariances_``, ``precisions_cholesky_`` and
        ``precisions_`` are read-only views of it, under scikit-learn's names.
    log_likelihood_history_ : ndarray of shape (n_iter_,)
        Mean log-likelihood computed by each E step of the best start (scikit-learn's ``lower_bounds_``);
        ``lower_bound_`` is its last value.
    converged_, n_iter_, n_features_in_
    """

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6, max_iter=100,
                 n_init=1, init=None, random_state=None):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init = init
        self.random_state = random_state

    weights_ = property(lambda self: self.params_.weights, doc="ndarray of shape (n_components,)")
    means_ = property(lambda self: self.params_.means, doc="ndarray of shape (n_components, n_features)")
    covariances_ = property(lambda self: self.params_.covariances, doc="ndarray, as ``params_.covariances``")
    precisions_cholesky_ = property(lambda self: _read_only(self.params_.precisions_cholesky()), doc="ndarray")
    precisions_ = property(lambda self: _read_only(self.params_.precisions()), doc="ndarray, inverse covariances")
    lower_bounds_ = property(lambda self: self.log_likelihood_history_, doc="ndarray of shape (n_iter_,)")
    lower_bound_ = property(lambda self: self.log_likelihood_history_[-1] if self.n_iter_ else -np.inf,
                            doc="float: the last E step's mean log-likelihood")

    def fit(self, X, y=None):
        """Fit the mixture by EM; return ``self``."""
        # Every input is checked here, once; the EM core trusts it. (scikit-learn declares such checks in
        # _parameter_constraints, but its Interval and StrOptions live in a private module.)
        X = validate_data(self, X, dtype=np.float64)
        n_components = check_n_components(self.n_components, X.shape[0])
        covariance_type = check_covariance_type(self.covariance_type)
        tol = check_non_negative("tol", self.tol)
        reg_covar = check_non_negative("reg_covar", self.reg_covar)
        max_iter = check_positive_int("max_iter", self.max_iter, minimum=0)
        n_init = check_positive_int("n_init", self.n_init)
        init = self.init
        if init is not None:
            init = check_params(init, "init", n_features=X.shape[1])
            if (init.n_components, init.covariance_type) != (n_components, covariance_type):
                raise ValueError(f"init must match (n_components, covariance_type) = {n_components, covariance_type}"
                                 f", got {init.n_components, init.covariance_type}")
        random_state = check_random_state(self.random_state)

        best = None
        for _ in range(n_init if init is None else 1):  # from a given start, every run is the same
            start = init if init is not None else _kmeans_init(X, n_components, covariance_type, reg_covar,
                                                                random_state)
            run = _run_em(X, start, tol=tol, max_iter=max_iter, reg_covar=reg_covar)
            final = run[1][-1] if max_iter else -np.inf
            if best is None or final > best[0]:
                best = (final, *run)
        _, self.params_, self.log_likelihood_history_, self.converged_ = best
        self.log_likelihood_history_.setflags(write=False)
        self.n_iter_ = len(self.log_likelihood_history_)
        if not self.converged_ and max_iter > 0:
            warnings.warn(f"EM did not converge in max_iter = {max_iter} iterations (tol = {tol:g}): increase "
                          "max_iter or tol", ConvergenceWarning, stacklevel=2)
        return self

    def fit_predict(self, X, y=None):
        """Fit the mixture, then return the most responsible component of each sample, of shape (n_samples,)."""
        return self.fit(X).predict(X)

    def _e_step(self, X):
        check_is_fitted(self, "params_")
        return _e_step(validate_data(self, X, reset=False, dtype=np.float64), self.params_)

    def score_samples(self, X):
        """``log p(x_i)`` of each sample, of shape (n_samples,)."""
        return self._e_step(X)[0]

    def score(self, X, y=None):
        """Mean log-likelihood per sample (higher is better)."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X):
        """Responsibilities, of shape (n_samples, n_components)."""
        return np.exp(self._e_step(X)[1])

    def predict(self, X):
        """Most responsible component of each sample, of shape (n_samples,)."""
        return np.argmax(self._e_step(X)[1], axis=1)

    def bic(self, X):
        """Bayesian information criterion ``-2 log L + p log n`` (lower is better)."""
        log_likelihood = self.score_samples(X)
        return -2 * log_likelihood.sum() + self.params_.n_parameters * math.log(len(log_likelihood))

    def aic(self, X):
        """Akaike information criterion ``-2 log L + 2 p`` (lower is better)."""
        return -2 * self.score_samples(X).sum() + 2 * self.params_.n_parameters

    def sample(self, n_samples=1):
        """``n_samples`` draws (n_samples, n_features) and their components (grouped), seeded by ``random_state``."""
        check_is_fitted(self, "params_")
        rng, params = check_random_state(self.random_state), self.params_
        counts = rng.multinomial(check_positive_int("n_samples", n_samples), params.weights / params.weights.sum())
        factors = np.linalg.cholesky(params.full_covariances())
        blocks = [mean + rng.standard_normal((count, params.n_features)) @ factor.T
                  for mean, factor, count in zip(params.means, factors, counts, strict=True)]
        return np.vstack(blocks), np.repeat(np.arange(params.n_components), counts)
