import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from aegmm_lessons import GaussianMixtureEM, GMMParams
from aegmm_lessons.gmm import e_step, kmeans_init, log_gaussian_prob, m_step

no_convergence_warning = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def separated_blobs(seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]])
    return np.vstack([rng.normal(c, [1.0, 0.5], size=(150, 2)) for c in centers])


def overlapping_blobs(seed=1):
    # Three components whose centres are closer than one standard deviation.
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [0.8, 0.3], [0.2, 0.9]])
    return np.vstack([rng.normal(c, 1.0, size=(200, 2)) for c in centers])


def anisotropic_5d(seed=2):
    rng = np.random.default_rng(seed)
    blocks = []
    for k in range(4):
        mixing = rng.normal(size=(5, 5))
        blocks.append(rng.normal(size=(120, 5)) @ mixing + 3 * rng.normal(size=5) + 10)
    return np.vstack(blocks)


DATASETS = {"separated": (separated_blobs, 3), "overlapping": (overlapping_blobs, 3), "anisotropic_5d": (anisotropic_5d, 4)}


def random_params(k=3, d=2, covariance_type="full", seed=0):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(k, 5.0))
    means = rng.normal(size=(k, d))
    if covariance_type == "full":
        a = rng.normal(size=(k, d, d))
        covariances = a @ a.transpose(0, 2, 1) + 0.5 * np.eye(d)
    else:
        covariances = rng.uniform(0.5, 2.0, size=(k, d))
    return GMMParams(weights, means, covariances, covariance_type)


def assert_relative_close(actual, expected, rtol=1e-10):
    """Entrywise relative agreement, with entries near zero judged against the array's scale."""
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.max(np.abs(expected)))


# --- densities and the E step ------------------------------------------------


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_log_gaussian_prob_equals_scipy_density(covariance_type):
    params = random_params(3, 4, covariance_type)
    X = np.random.default_rng(5).normal(size=(50, 4))
    expected = np.column_stack(
        [multivariate_normal(m, c).logpdf(X) for m, c in zip(params.means, params.full_covariances())]
    )
    np.testing.assert_allclose(log_gaussian_prob(X, params), expected, rtol=1e-12)


def test_e_step_normalises_responsibilities_with_log_sum_exp():
    params = random_params(3, 2)
    X = np.random.default_rng(6).normal(size=(40, 2))
    mean_log_likelihood, log_resp = e_step(X, params)
    weighted = log_gaussian_prob(X, params) + np.log(params.weights)
    assert log_resp.shape == (40, 3)
    np.testing.assert_allclose(np.exp(log_resp).sum(axis=1), 1.0, rtol=1e-12)
    assert mean_log_likelihood == pytest.approx(np.mean(logsumexp(weighted, axis=1)), rel=1e-12)


def test_e_step_stays_finite_for_points_far_from_every_component():
    # exp(log N) underflows to 0 for every component here; log-sum-exp does not.
    params = random_params(3, 2)
    X = np.array([[1e3, -1e3], [5e2, 5e2]])
    assert np.all(np.exp(log_gaussian_prob(X, params)) == 0)
    mean_log_likelihood, log_resp = e_step(X, params)
    assert np.isfinite(mean_log_likelihood)
    np.testing.assert_allclose(np.exp(log_resp).sum(axis=1), 1.0, rtol=1e-12)


# --- the M step ----------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_m_step_with_hard_assignments_gives_per_cluster_statistics(covariance_type):
    X = anisotropic_5d()
    labels = np.arange(len(X)) % 3
    resp = np.eye(3)[labels]
    params = m_step(X, resp, covariance_type=covariance_type, reg_covar=1e-3)
    for k in range(3):
        members = X[labels == k]
        assert params.weights[k] == pytest.approx(len(members) / len(X), rel=1e-12)
        np.testing.assert_allclose(params.means[k], members.mean(axis=0), rtol=1e-12)
        covariance = np.cov(members.T, bias=True) + 1e-3 * np.eye(5)
        if covariance_type == "diag":
            covariance = np.diag(covariance)
        np.testing.assert_allclose(params.covariances[k], covariance, rtol=1e-10)


def test_kmeans_init_equals_sklearn_initial_parameters():
    X = separated_blobs()
    params = kmeans_init(X, 3, random_state=0)
    reference = GaussianMixture(3, random_state=0, max_iter=1, tol=0)
    reference._check_parameters(X)
    reference._initialize_parameters(X, np.random.RandomState(0))
    assert_relative_close(params.weights, reference.weights_)
    assert_relative_close(params.means, reference.means_)
    assert_relative_close(params.covariances, reference.covariances_)


# --- agreement with scikit-learn ---------------------------------------------------


@no_convergence_warning
@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_em_matches_sklearn_from_same_init(dataset, covariance_type):
    make_data, k = DATASETS[dataset]
    X = make_data()
    init = kmeans_init(X, k, covariance_type=covariance_type, random_state=1)
    # One BLAS thread: on data this small, threads only add contention on a shared machine.
    with threadpool_limits(limits=1, user_api="blas"):
        ours = GaussianMixtureEM(k, covariance_type=covariance_type, init=init, tol=0, max_iter=100).fit(X)
        theirs = GaussianMixture(**init.sklearn_init(), tol=0, max_iter=100).fit(X)
    assert ours.n_iter_ == theirs.n_iter_ == 100
    fitted = GMMParams.from_sklearn(theirs)
    assert_relative_close(ours.params_.weights, fitted.weights)
    assert_relative_close(ours.params_.means, fitted.means)
    assert_relative_close(ours.params_.covariances, fitted.covariances)
    assert ours.score(X) == pytest.approx(theirs.score(X), rel=1e-10)
    assert_relative_close(ours.log_likelihood_history_, np.array(theirs.lower_bounds_))


def test_default_kmeans_start_and_stopping_rule_match_sklearn():
    X = overlapping_blobs()
    ours = GaussianMixtureEM(3, random_state=0, tol=1e-4, max_iter=500).fit(X)
    theirs = GaussianMixture(3, random_state=0, tol=1e-4, max_iter=500).fit(X)
    assert ours.converged_ and theirs.converged_
    assert ours.n_iter_ == theirs.n_iter_
    assert_relative_close(ours.params_.means, theirs.means_)


def test_fitted_model_predicts_and_scores_like_sklearn_with_same_parameters():
    X = separated_blobs()
    ours = GaussianMixtureEM(3, random_state=0).fit(X)
    theirs = ours.params_.to_sklearn()
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-12)
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-12)


# --- properties of EM ---------------------------------------------------------------


@no_convergence_warning
@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_log_likelihood_never_decreases(dataset, covariance_type):
    make_data, k = DATASETS[dataset]
    X = make_data()
    for seed in range(3):
        model = GaussianMixtureEM(k, covariance_type=covariance_type, tol=0, max_iter=100, random_state=seed)
        history = model.fit(X).log_likelihood_history_
        assert np.all(np.diff(history) >= -1e-12)
        assert model.score(X) >= history[-1] - 1e-12


def test_em_stops_when_the_change_is_below_tol():
    model = GaussianMixtureEM(3, tol=1e-3, max_iter=1000, random_state=0).fit(overlapping_blobs())
    history = model.log_likelihood_history_
    assert model.converged_ and model.n_iter_ == len(history) < 1000
    assert abs(history[-1] - history[-2]) < 1e-3 <= abs(history[-2] - history[-3])


def test_too_few_iterations_warn_about_convergence():
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter = 2"):
        model = GaussianMixtureEM(3, tol=0, max_iter=2, random_state=0).fit(overlapping_blobs())
    assert not model.converged_ and model.n_iter_ == 2


def test_max_iter_zero_keeps_the_initial_mixture():
    X = separated_blobs()
    init = kmeans_init(X, 3, random_state=0)
    model = GaussianMixtureEM(3, init=init, max_iter=0).fit(X)
    assert model.n_iter_ == 0 and not model.converged_
    np.testing.assert_array_equal(model.params_.means, init.means)


def test_n_init_keeps_the_best_of_the_restarts():
    X = overlapping_blobs()
    # n_init draws its k-means starts from one random stream seeded by random_state.
    rng = np.random.RandomState(0)
    singles = [GaussianMixtureEM(3, random_state=rng).fit(X).log_likelihood_history_[-1] for _ in range(5)]
    best = GaussianMixtureEM(3, n_init=5, random_state=0).fit(X)
    assert best.log_likelihood_history_[-1] == pytest.approx(max(singles), rel=1e-12)


# --- degenerate data ------------------------------------------------------------------


def test_duplicated_points_and_a_one_point_cluster_finish_without_nan():
    rng = np.random.default_rng(3)
    X = np.vstack([np.repeat([[1.0, 2.0]], 30, axis=0), rng.normal(size=(40, 2)) + 10, [[-50.0, 50.0]]])
    model = GaussianMixtureEM(3, random_state=0, max_iter=200).fit(X)
    assert np.all(np.isfinite(model.params_.covariances))
    assert np.all(np.isfinite(model.score_samples(X)))
    # The isolated point and the duplicates each get a component of variance ~reg_covar.
    assert np.min(np.linalg.eigvalsh(model.params_.covariances)) == pytest.approx(1e-6, rel=1e-3)


def test_collapsed_component_without_reg_covar_is_a_clear_error():
    X = np.vstack([np.repeat([[1.0, 2.0]], 10, axis=0), np.random.default_rng(0).normal(size=(20, 2)) + 9])
    with pytest.raises(ValueError, match=r"invalid mixture .*increase reg_covar \(now 0\)"):
        GaussianMixtureEM(2, reg_covar=0.0, random_state=0).fit(X)


# --- scikit-learn estimator contract --------------------------------------------------------


def test_constructor_stores_parameters_and_clone_copies_them():
    init = random_params()
    model = GaussianMixtureEM(3, covariance_type="full", tol=1e-4, init=init, random_state=7)
    assert model.get_params()["init"] is init
    copy = clone(model.set_params(max_iter=5))
    assert copy.get_params()["max_iter"] == 5 and copy.get_params()["random_state"] == 7
    assert not hasattr(copy, "params_")


def test_works_in_pipeline_and_grid_search():
    X = separated_blobs()
    pipeline = make_pipeline(StandardScaler(), GaussianMixtureEM(random_state=0))
    assert np.isfinite(pipeline.fit(X).score(X))
    search = GridSearchCV(GaussianMixtureEM(random_state=0), {"n_components": [1, 2, 3, 4]}, cv=KFold(3, shuffle=True, random_state=0))
    search.fit(X)
    assert search.best_params_["n_components"] >= 3


def test_sample_draws_from_the_fitted_mixture_reproducibly():
    X = separated_blobs()
    model = GaussianMixtureEM(3, random_state=0).fit(X)
    samples, labels = model.sample(3000)
    assert samples.shape == (3000, 2) and labels.shape == (3000,)
    np.testing.assert_array_equal(model.sample(10)[0], model.sample(10)[0])
    for k in range(3):
        np.testing.assert_allclose(samples[labels == k].mean(axis=0), model.params_.means[k], atol=0.15)


# --- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, message",
    [
        (np.arange(10.0), r"X must be 2-D of shape \(n_samples, n_features\), got 1-D shape \(10,\)"),
        (np.empty((0, 2)), r"X must have at least 1 sample\(s\) and 1 feature, got shape \(0, 2\)"),
        ([[0.0, 1.0], [np.nan, 2.0], [1.0, 1.0]], r"X must be finite, got 1 NaN or infinite value"),
        ([[0.0, 1.0], [np.inf, 2.0], [1.0, -np.inf]], r"X must be finite, got 2 NaN or infinite value"),
    ],
)
def test_fit_rejects_bad_data(X, message):
    with pytest.raises(ValueError, match=message):
        GaussianMixtureEM(1).fit(X)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"n_components": 0}, r"n_components must be an integer >= 1, got 0"),
        ({"n_components": 2.5}, r"n_components must be an integer >= 1, got float 2.5"),
        ({"n_components": 11}, r"n_components must be <= n_samples, got n_components = 11 and n_samples = 10"),
        ({"reg_covar": -1e-3}, r"reg_covar must be >= 0, got -0.001"),
        ({"tol": -1.0}, r"tol must be >= 0, got -1.0"),
        ({"max_iter": -1}, r"max_iter must be an integer >= 0, got -1"),
        ({"n_init": 0}, r"n_init must be an integer >= 1, got 0"),
        ({"covariance_type": "tied"}, r"covariance_type must be one of \('full', 'diag'\), got 'tied'"),
        ({"init": "kmeans"}, r"init must be a GMMParams, got str"),
        ({"n_components": 2, "init": random_params(3, 2)}, r"init must match .* = \(2, 2, 'full'\), got \(3, 2, 'full'\)"),
        ({"n_components": 3, "init": random_params(3, 4)}, r"init must match .* = \(3, 2, 'full'\), got \(3, 4, 'full'\)"),
    ],
)
def test_fit_rejects_bad_settings(settings, message):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match=message):
        GaussianMixtureEM(**settings).fit(X)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score", "score_samples", "bic", "aic"])
def test_data_of_another_width_than_the_fitted_model_is_rejected(method):
    model = GaussianMixtureEM(2, random_state=0).fit(separated_blobs())
    with pytest.raises(ValueError, match="X has 3 features, but the mixture expects n_features = 2"):
        getattr(model, method)(np.zeros((4, 3)))


def test_unfitted_model_says_so():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        GaussianMixtureEM(2).predict(np.zeros((4, 2)))


def test_functions_reject_mismatched_shapes():
    params = random_params(3, 2)
    with pytest.raises(ValueError, match="X has 3 features, but the mixture expects n_features = 2"):
        e_step(np.zeros((4, 3)), params)
    with pytest.raises(ValueError, match=r"resp must have shape \(n_samples, n_components\) = \(4, K\), got \(5, 3\)"):
        m_step(np.zeros((4, 2)), np.ones((5, 3)) / 3)
    with pytest.raises(ValueError, match="resp must be non-negative, got minimum -1"):
        m_step(np.zeros((2, 2)), [[2.0, -1.0], [0.5, 0.5]])
    with pytest.raises(ValueError, match="each row of resp must sum to 1 .*got row sums from 0 to 1"):
        m_step(np.zeros((2, 2)), [[0.0, 0.0], [0.5, 0.5]])
    with pytest.raises(ValueError, match="params must be a GMMParams, got dict"):
        log_gaussian_prob(np.zeros((4, 2)), {"weights": [1.0]})


@pytest.mark.filterwarnings("error")
def test_data_whose_squares_overflow_is_an_error_not_a_nan():
    params = random_params(3, 2)
    huge = np.full((3, 2), 1e200)
    for call in (lambda: log_gaussian_prob(huge, params), lambda: e_step(huge, params)):
        with pytest.raises(ValueError, match=r"X must be small enough .* float64.*largest \|x\| = 1e\+200: scale the data"):
            call()
    model = GaussianMixtureEM(2, random_state=0).fit(separated_blobs())
    with pytest.raises(ValueError, match="overflow with largest"):
        model.score(huge)
