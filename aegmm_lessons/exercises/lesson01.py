"""Checks for lesson 01 (EM for Gaussian mixtures); each computes the answer with the package."""

import numpy as np
from scipy.special import logsumexp

from ..gmm import GaussianMixtureEM, e_step, log_gaussian_prob, m_step
from ..params import GMMParams, ParamLayout
from . import Mistake, WrongAnswerError, exercise, function_check, judge_flag, judge_number, number_check

__all__ = ["check_responsibilities", "check_m_step_covariances", "check_mean_log_likelihood",
           "check_parameter_counts", "check_diagonal_bic_choice", "check_reg_covar", "random_mixture"]


def random_mixture(rng, n_components, n_features):
    """A random full-covariance ``GMMParams``: Dirichlet weights, spread means, well-conditioned covariances."""
    factors = rng.normal(size=(n_components, n_features, n_features))
    covariances = factors @ factors.transpose(0, 2, 1) + 0.5 * np.eye(n_features)
    return GMMParams(rng.dirichlet(np.ones(n_components)), 3.0 * rng.normal(size=(n_components, n_features)),
                     covariances)


def _points_and_mixture(rng):
    """Data and a mixture of random sizes, with one point about 40 standard deviations from everything."""
    n_components, n_features = rng.integers(2, 5), rng.integers(1, 4)
    params = random_mixture(rng, n_components, n_features)
    X = rng.normal(scale=3.0, size=(rng.integers(20, 60), n_features))
    return np.vstack([X, np.full((1, n_features), 200.0)]), params


def _log_terms(X, params):
    return log_gaussian_prob(X, params) + np.log(params.weights)


# Exercise: responsibilities by log-sum-exp

def _naive_responsibilities(X, params):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.exp(_log_terms(X, params))
        return terms / terms.sum(axis=1, keepdims=True)


def _normalised_over_points(X, params):
    log_terms = _log_terms(X, params)
    return np.exp(log_terms - logsumexp(log_terms, axis=0, keepdims=True))


check_responsibilities = function_check(
    "responsibilities", lambda X, params: np.exp(e_step(X, params)[1]), _points_and_mixture,
    hint="log pi_k + log N(x_i | mu_k, Sigma_k) per point and component, minus its logsumexp over the components "
         "(axis=1, keepdims=True), then exp",
    mistakes={
        "densities without log-sum-exp": Mistake(
            _naive_responsibilities, "far from every component the densities underflow to 0 and the ratio is 0/0: "
                                     "stay in logs and subtract the log-sum-exp"),
        "normalised over the points": Mistake(
            _normalised_over_points, "each point's responsibilities sum to one over the components: normalise "
                                     "along axis=1, not over the points"),
    })


# Exercise: the M step's covariances

def _resp_and_data(rng):
    n_samples, n_components, n_features = rng.integers(20, 60), rng.integers(2, 5), rng.integers(2, 4)
    X = rng.normal(size=(n_samples, n_features)) @ rng.normal(size=(n_features, n_features))
    return X, rng.dirichlet(np.ones(n_components), size=n_samples), float(rng.uniform(0.01, 0.1))


def _weighted_scatter(X, resp, centres, counts):
    diffs = X[None, :, :] - centres[:, None, :]  # (K, n, d)
    return np.einsum("kn,kni,knj->kij", resp.T, diffs, diffs) / counts[:, None, None]


def _means(X, resp):
    return resp.T @ X / resp.sum(axis=0)[:, None]


check_m_step_covariances = function_check(
    "M step covariances", lambda X, resp, reg_covar: m_step(X, resp, reg_covar=reg_covar).covariances,
    _resp_and_data,
    hint="Sigma_k = (1/N_k) sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T + reg_covar I, with mu_k the weighted mean",
    mistakes={
        "reg_covar left out": Mistake(
            lambda X, resp, reg_covar: _weighted_scatter(X, resp, _means(X, resp), resp.sum(axis=0)),
            "the covariance update ends with + reg_covar * I: it keeps a collapsed component positive-definite"),
        "reg_covar on every entry": Mistake(
            lambda X, resp, reg_covar: _weighted_scatter(X, resp, _means(X, resp), resp.sum(axis=0)) + reg_covar,
            "reg_covar * I adds to the diagonal only (np.eye), not to every entry"),
        "divided by n, not N_k": Mistake(
            lambda X, resp, reg_covar: _weighted_scatter(X, resp, _means(X, resp), np.full(resp.shape[1], len(X)))
            + reg_covar * np.eye(X.shape[1]),
            "each component averages over its own soft count N_k = sum_i r_ik, not over all n points"),
        "centred on the mean of all the data": Mistake(
            lambda X, resp, reg_covar: _weighted_scatter(X, resp, np.tile(X.mean(axis=0), (resp.shape[1], 1)),
                                                         resp.sum(axis=0)) + reg_covar * np.eye(X.shape[1]),
            "centre each component's deviations on its own weighted mean mu_k, not on the mean of all points"),
    })


# Exercise: the mean log-likelihood

check_mean_log_likelihood = function_check(
    "mean log-likelihood", lambda X, params: e_step(X, params)[0], _points_and_mixture,
    hint="log p(x_i) = logsumexp over k of (log pi_k + log N(x_i | mu_k, Sigma_k)); then the mean over the points",
    mistakes={
        "summed over the points": Mistake(
            lambda X, params: logsumexp(_log_terms(X, params), axis=1).sum(),
            "the mean log-likelihood divides the sum over the points by n"),
        "weights left out": Mistake(
            lambda X, params: logsumexp(log_gaussian_prob(X, params), axis=1).mean(),
            "each component's density is weighted by its pi_k: add log pi_k before the log-sum-exp"),
        "the largest term only": Mistake(
            lambda X, params: _log_terms(X, params).max(axis=1).mean(),
            "p(x_i) sums over every component: log-sum-exp, not the largest term (that is a hard assignment)"),
    })


# Exercise: counting parameters

def _counts(params):
    k, d = params.n_components, params.n_features
    return ParamLayout(k, d).size, ParamLayout(k, d, "diag").size


check_parameter_counts = number_check(
    "parameter counts", _counts, digits=0,
    hint="count the weights, the means and the free entries of the covariances, for each covariance type",
    mistakes={
        "K weights": Mistake(lambda params: tuple(c + 1 for c in _counts(params)),
                             "the K weights sum to one: only K - 1 of them are free"),
        "d*d entries for a full covariance": Mistake(
            lambda params: (_counts(params)[0] + params.n_components * params.n_features * (params.n_features - 1)
                            // 2, _counts(params)[1]),
            "a covariance is symmetric: d(d + 1)/2 free entries, not d*d"),
        "a diagonal covariance counted like a full one": Mistake(
            lambda params: (_counts(params)[0], _counts(params)[0]),
            "a diagonal covariance has only its d variances free"),
    })


# Exercise: BIC with diagonal covariances

def _diagonal_bic_choice(X, max_components=8):
    bic = [GaussianMixtureEM(k, covariance_type="diag", n_init=3, max_iter=500, random_state=0).fit(X).bic(X)
           for k in range(1, max_components + 1)]
    return 1 + int(np.argmin(bic))


check_diagonal_bic_choice = number_check(
    "diagonal BIC choice", _diagonal_bic_choice, digits=0,
    hint="an axis-aligned ellipse cannot tilt: how many does it take to cover the tilted components?",
    mistakes={"the true K": Mistake(lambda X, max_components=8: 3,
                                    "3 is the truth, and BIC with full covariances chose it; diagonal ellipses "
                                    "cannot tilt, so they cover the tilted components less well")})


# Exercise: reg_covar on degenerate data

def _degenerate(X, n_copies=20, far=(10.0, -10.0)):
    X = np.vstack([X, np.repeat([far], n_copies, axis=0)])
    try:
        GaussianMixtureEM(4, reg_covar=0.0, random_state=0).fit(X)
        raises = False
    except ValueError:
        raises = True
    return raises, float(np.linalg.eigvalsh(GaussianMixtureEM(4, random_state=0).fit(X).params_.covariances).min())


_REG_COVAR_MISTAKES = {
    "a collapsed component of variance zero": Mistake(
        lambda X: (True, 0.0), "with reg_covar, no covariance is left at zero: what does reg_covar * I add?"),
    "no error without reg_covar": Mistake(
        lambda X: (False, 1e-6), "20 identical points give a component a zero covariance: has it a Cholesky factor?"),
}


@exercise("reg_covar", mistakes=_REG_COVAR_MISTAKES)
def check_reg_covar(answer, X):
    """``answer = (raises, smallest_eigenvalue)``: whether 4 components on ``X`` plus 20 copies of one far point
    raise with reg_covar=0, and the smallest covariance eigenvalue with the default reg_covar."""
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise WrongAnswerError("a pair is asked for: (True or False, a number)")
    raises, variance = _degenerate(X)
    judge_flag(answer[0], raises, hint=_REG_COVAR_MISTAKES["no error without reg_covar"].hint)
    collapsed = _REG_COVAR_MISTAKES["a collapsed component of variance zero"].hint
    judge_number(answer[1], variance, rtol=1e-2, mistakes={"collapsed": (0.0, collapsed)},
                 hint="the smallest eigenvalue of the fitted covariances, with the default reg_covar")
