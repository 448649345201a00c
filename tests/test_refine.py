
import numpy as np
import pytest
from scipy.optimize import check_grad

from aegmm_lessons.data import synthetic_latent_codes
from aegmm_lessons.gmm import GaussianMixtureEM, kmeans_init
from aegmm_lessons.params import ParamLayout
from aegmm_lessons.refine import (
    DEFAULT_TOL,
    RefineResult,
    bfgs_inverse_update,
    negative_log_likelihood,
    refine,
)

SHAPES = [(1, 1, "full"), (3, 1, "full"), (1, 3, "full"), (3, 4, "full"), (4, 2, "diag"), (1, 1, "diag")]
HUGE = 1e200  # squared distances overflow float64


@pytest.fixture(scope="module")
def separated():
    X, _, _ = synthetic_latent_codes(400, 3, 3, separation=8.0, random_state=1)
    return X, kmeans_init(X, 3, random_state=0)


@pytest.fixture(scope="module")
def overlapping():
    """Heavy overlap: the likelihood is flat along the overlap, where a stop on
    the objective's relative decrease ends far from a stationary point."""
    X, _, _ = synthetic_latent_codes(600, 3, 3, separation=2.0, random_state=0)
    start = kmeans_init(X, 3, reg_covar=0.0, random_state=0)
    return X, GaussianMixtureEM(3, init=start, tol=1e-3, reg_covar=0.0).fit(X).params_


# ----- the objective and its gradient -----


@pytest.mark.parametrize("shape", SHAPES)
def test_nll_is_minus_sklearn_mean_log_likelihood(random_params, shape):
    params = random_params(*shape, seed=3)
    X = np.random.default_rng(4).normal(scale=2.0, size=(60, params.n_features))
    layout = ParamLayout.from_params(params)
    value, _ = negative_log_likelihood(layout.pack(params), X, layout)
    assert value == pytest.approx(-params.to_sklearn().score(X), abs=1e-10)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_matches_finite_differences_to_1e_5(shape, seed):
    layout = ParamLayout(*shape)
    rng = np.random.default_rng(seed)
    theta = rng.normal(scale=0.7, size=layout.size)
    X = rng.normal(scale=1.5, size=(80, layout.n_features))

    def value(t):
        return negative_log_likelihood(t, X, layout)[0]

    def gradient(t):
        return negative_log_likelihood(t, X, layout)[1]

    error = check_grad(value, gradient, theta)
    assert error <= 1e-5 * np.linalg.norm(gradient(theta))


def test_gradient_vanishes_at_ems_optimum(separated):
    X, start = separated
    em = GaussianMixtureEM(3, init=start, tol=1e-13, reg_covar=0.0, max_iter=5000).fit(X)
    layout = ParamLayout.from_params(em.params_)
    _, gradient = negative_log_likelihood(layout.pack(em.params_), X, layout)
    assert np.max(np.abs(gradient)) < 1e-5


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "X, error, message",
    [
        (np.zeros((5, 2)), ValueError, "X has 2 features.*n_features=3"),
        (np.zeros(3), ValueError, "2D array"),
        (np.zeros((0, 3)), ValueError, "0 sample"),
        (np.full((4, 3), np.nan), ValueError, "NaN"),
        (np.full((4, 3), np.inf), ValueError, "infinity"),
        (np.full((4, 3), "a"), ValueError, "'a'"),
        (np.full((3, 3), HUGE), ValueError, "overflow|scale"),
    ],
)
def test_nll_rejects_bad_data_without_warnings(X, error, message):
    layout = ParamLayout(2, 3)
    with pytest.raises(error, match=message):
        negative_log_likelihood(np.zeros(layout.size), X, layout)


def test_nll_rejects_a_foreign_layout_or_a_vector_of_another_length():
    layout = ParamLayout(2, 3)
    with pytest.raises(TypeError, match=r"layout.*tuple"):
        negative_log_likelihood(np.zeros(layout.size), np.zeros((5, 3)), (2, 3))
    with pytest.raises(ValueError, match=r"\(19,\).*\(3,\)"):
        negative_log_likelihood(np.zeros(3), np.zeros((5, 3)), layout)


# ----- refine -----


@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS"])
def test_refine_from_kmeans_reaches_ems_optimum_to_1e_6(separated, method):
    X, start = separated
    em = GaussianMixtureEM(3, init=start, tol=1e-12, reg_covar=0.0, max_iter=5000).fit(X)
    result = refine(start, X, method=method)
    assert isinstance(result, RefineResult)
    assert result.success, result.message
    assert abs(result.log_likelihood - em.score(X)) <= 1e-6
    assert result.params.to_sklearn().score(X) == pytest.approx(result.log_likelihood, abs=1e-10)


def test_refine_reports_what_the_optimizer_did(separated):
    X, start = separated
    result = refine(start, X, method="L-BFGS-B")
    assert result.method == "L-BFGS-B" and result.gradient == "exact"
    assert result.nfev >= result.nit >= 1
    assert result.history.shape == (result.nit + 1,)
    assert result.history[0] == pytest.approx(start.to_sklearn().score(X), abs=1e-10)
    assert result.history[-1] == pytest.approx(result.log_likelihood, abs=1e-12)
    assert np.all(np.diff(result.history) >= -1e-12)
    assert result.seconds >= 0
    for covariance in result.params.full_covariances():
        np.linalg.cholesky(covariance)


def test_refine_with_finite_differences_pays_one_evaluation_per_parameter(separated):
    X, start = separated
    exact = refine(start, X, method="BFGS")
    finite = refine(start, X, method="BFGS", gradient="finite-difference", tol=1e-5)
    assert finite.nfev >= start.n_parameters * finite.nit
    assert finite.nfev > 10 * exact.nfev
    assert abs(finite.log_likelihood - exact.log_likelihood) < 1e-4


def test_refine_works_for_diagonal_covariances():
    X, _, _ = synthetic_latent_codes(300, 2, 2, separation=6.0, random_state=3)
    start = kmeans_init(X, 2, covariance_type="diag", random_state=0)
    em = GaussianMixtureEM(2, covariance_type="diag", init=start, tol=1e-12, reg_covar=0.0, max_iter=5000).fit(X)
    result = refine(start, X)
    assert result.params.covariance_type == "diag"
    assert abs(result.log_likelihood - em.score(X)) <= 1e-6


@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS"])
def test_refine_ends_at_a_stationary_point_under_heavy_overlap(overlapping, method):
    X, start = overlapping
    result = refine(start, X, method=method)
    layout = ParamLayout.from_params(result.params)
    _, gradient = negative_log_likelihood(layout.pack(result.params), X, layout)
    assert result.success, result.message
    assert result.gradient_max_norm == pytest.approx(np.abs(gradient).max(), rel=1e-6)
    assert result.gradient_max_norm <= DEFAULT_TOL["exact"]
    # the logits' gradient is pi_j - N_j / n: the weights are the mean responsibilities
    responsibilities = result.params.to_sklearn().predict_proba(X).mean(axis=0)
    np.testing.assert_allclose(result.params.weights, responsibilities, atol=1e-6)


def test_refine_stops_as_soon_as_the_gradient_is_within_a_loose_tol(overlapping):
    X, start = overlapping
    loose, tight = refine(start, X, tol=1e-3), refine(start, X)
    assert loose.success and loose.gradient_max_norm <= 1e-3
    assert loose.nit < tight.nit
    # one iteration fewer and the gradient was not yet within tol
    before = refine(start, X, tol=1e-3, max_iter=loose.nit - 1)
    assert not before.success and before.gradient_max_norm > 1e-3


def test_refine_says_when_rounding_stops_it_short_of_tol(overlapping):
    X, start = overlapping
    result = refine(start, X, tol=1e-15)
    assert not result.success
    assert result.gradient_max_norm > 1e-15
    assert result.nit < 1000  # the restarts end; they do not run to max_iter
    assert result.history.shape == (result.nit + 1,)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"method": "Nelder-Mead"}, ValueError, "method.*'Nelder-Mead'"),
        ({"gradient": "autodiff"}, ValueError, "gradient.*'autodiff'"),
        ({"tol": 0.0}, ValueError, "tol.*0"),
        ({"tol": -1.0}, ValueError, r"tol.*-1\.0"),
        ({"tol": "small"}, TypeError, "tol.*str"),
        ({"max_iter": 0}, ValueError, "max_iter.*0"),
    ],
)
def test_refine_rejects_unknown_options(separated, kwargs, error, message):
    X, start = separated
    with pytest.raises(error, match=message):
        refine(start, X, **kwargs)


def test_refine_rejects_data_of_the_wrong_width_or_not_finite_and_params_of_another_type(separated):
    X, start = separated
    with pytest.raises(ValueError, match=r"X has 2 features.*n_features=3"):
        refine(start, X[:, :2])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN"):
        refine(start, bad)
    with pytest.raises(TypeError, match=r"params.*str"):
        refine("params", X)


def test_bfgs_inverse_update_satisfies_the_secant_condition_and_stays_symmetric_positive_definite():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    H, s = A @ A.T + np.eye(4), rng.normal(size=4)
    y = (A.T @ A + np.eye(4)) @ s  # y = B s for a positive-definite B: y^T s > 0
    updated = bfgs_inverse_update(H, s, y)
    np.testing.assert_allclose(updated @ y, s, rtol=1e-10)
    np.testing.assert_allclose(updated, updated.T, atol=1e-12)
    assert np.linalg.eigvalsh(updated).min() > 0
    v = rng.normal(size=4)
    # the expanded formula, v^T H+ v term by term, against the product form
    np.testing.assert_allclose(v @ updated @ v, v @ H @ v - 2 * (v @ H @ y) * (s @ v) / (y @ s)
                               + (s @ v) ** 2 * (1 + (y @ H @ y) / (y @ s)) / (y @ s), rtol=1e-10)


@pytest.mark.parametrize(("H", "s", "y", "message"), [
    (np.eye(2), [1.0, 0.0], [-1.0, 0.0], "curvature y\\^T s must be positive"),
    (np.ones((2, 3)), [1.0, 0.0], [1.0, 0.0], "must be square"),
    (np.eye(2), [1.0, 0.0, 0.0], [1.0, 0.0], r"must have shape \(2,\)"),
])
def test_bfgs_inverse_update_rejects_bad_input(H, s, y, message):
    with pytest.raises(ValueError, match=message):
        bfgs_inverse_update(H, s, y)
