import os
import subprocess
import sys
from pathlib import Path

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
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from aegmm_lessons.gmm import GaussianMixtureEM, e_step, em_trajectory, kmeans_init, log_gaussian_prob, m_step
from aegmm_lessons.params import GMMParams

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
    for _ in range(4):
        mixing = rng.normal(size=(5, 5))
        blocks.append(rng.normal(size=(120, 5)) @ mixing + 3 * rng.normal(size=5) + 10)
    return np.vstack(blocks)


DATASETS = {
    "separated": (separated_blobs, 3), "overlapping": (overlapping_blobs, 3), "anisotropic_5d": (anisotropic_5d, 4),
}


EVERY_DATASET = pytest.mark.parametrize(
    "dataset, covariance_type", [(name, kind) for name in sorted(DATASETS) for kind in ("full", "diag")]
)
FITTED_ARRAYS = ("weights_", "means_", "covariances_", "precisions_cholesky_", "precisions_", "lower_bounds_")


def assert_relative_close(actual, expected, rtol=1e-10):
    """Entrywise relative agreement, with entries near zero judged against the array's scale."""
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.max(np.abs(expected)))


# --- densities and the E step ------------------------------------------------


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_log_gaussian_prob_equals_scipy_density(random_params, covariance_type):
    params = random_params(3, 4, covariance_type)
    X = np.random.default_rng(5).normal(size=(50, 4))
    expected = np.column_stack(
        [multivariate_normal(m, c).logpdf(X) for m, c in zip(params.means, params.full_covariances(), strict=True)]
    )
    np.testing.assert_allclose(log_gaussian_prob(X, params), expected, rtol=1e-12)


def test_e_step_normalises_responsibilities_with_log_sum_exp(random_params):
    params = random_params(3, 2)
    X = np.random.default_rng(6).normal(size=(40, 2))
    mean_log_likelihood, log_resp = e_step(X, params)
    weighted = log_gaussian_prob(X, params) + np.log(params.weights)
    assert log_resp.shape == (40, 3)
    np.testing.assert_allclose(np.exp(log_resp).sum(axis=1), 1.0, rtol=1e-12)
    assert mean_log_likelihood == pytest.approx(np.mean(logsumexp(weighted, axis=1)), rel=1e-12)


def test_e_step_stays_finite_for_points_far_from_every_component(random_params):
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
@EVERY_DATASET
def test_em_matches_sklearn_from_same_init(dataset, covariance_type):
    X, k = DATASETS[dataset][0](), DATASETS[dataset][1]
    init = kmeans_init(X, k, covariance_type=covariance_type, random_state=1)
    # One BLAS thread: on data this small, threads only add contention on a shared machine.
    with threadpool_limits(limits=1, user_api="blas"):
        ours = GaussianMixtureEM(k, covariance_type=covariance_type, init=init, tol=0, max_iter=100).fit(X)
        theirs = GaussianMixture(**init.sklearn_init(), tol=0, max_iter=100).fit(X)
    assert ours.n_iter_ == theirs.n_iter_ == 100 and ours.converged_ == theirs.converged_
    for name in FITTED_ARRAYS:
        assert_relative_close(getattr(ours, name), getattr(theirs, name))
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-10)
    assert ours.score(X) == pytest.approx(theirs.score(X), rel=1e-10)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


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
@EVERY_DATASET
def test_log_likelihood_never_decreases(dataset, covariance_type):
    X, k = DATASETS[dataset][0](), DATASETS[dataset][1]
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


def test_fit_validates_at_the_door_and_its_em_iterations_check_nothing(monkeypatch):
    X = separated_blobs()
    init = GaussianMixtureEM(3, random_state=0).fit(X).params_
    built = []
    original = GMMParams.__post_init__
    monkeypatch.setattr(GMMParams, "__post_init__", lambda self: built.append(1) or original(self))
    model = GaussianMixtureEM(3, init=init, tol=0.0, max_iter=20)
    with pytest.warns(ConvergenceWarning):
        model.fit(X)
    assert model.n_iter_ == 20 and built == []  # 20 M steps, no validated construction


def test_collapsed_component_without_reg_covar_is_a_clear_error():
    X = np.vstack([np.repeat([[1.0, 2.0]], 10, axis=0), np.random.default_rng(0).normal(size=(20, 2)) + 9])
    with pytest.raises(ValueError, match=r"invalid mixture .*increase reg_covar \(now 0\)"):
        GaussianMixtureEM(2, reg_covar=0.0, random_state=0).fit(X)


# --- scikit-learn estimator contract --------------------------------------------------------


def test_constructor_stores_parameters_and_clone_copies_them(random_params):
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
    search = GridSearchCV(GaussianMixtureEM(random_state=0), {"n_components": [1, 2, 3, 4]},
                          cv=KFold(3, shuffle=True, random_state=0))
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


# --- scikit-learn's estimator checks and fitted attributes ----------------------------------


@parametrize_with_checks([GaussianMixtureEM(), GaussianMixtureEM(3, covariance_type="diag", n_init=2)])
def test_passes_sklearn_estimator_checks(estimator, check):
    # check_array_api_input skips itself unless SCIPY_ARRAY_API=1 was set before SciPy was imported: see below.
    check(estimator)


def test_passes_sklearn_array_api_check_with_scipy_array_api_set():
    code = ("from sklearn.utils.estimator_checks import check_estimator; "
            "from aegmm_lessons.gmm import GaussianMixtureEM; "
            "print(sorted({r['status'] for r in check_estimator(GaussianMixtureEM(), on_fail=None)}))")
    env = {**os.environ, "SCIPY_ARRAY_API": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['passed']"


def test_fitted_attributes_are_read_only_views_of_params():
    model = GaussianMixtureEM(3, random_state=0).fit(separated_blobs())
    params = model.params_
    np.testing.assert_array_equal(model.weights_, params.weights)
    np.testing.assert_array_equal(model.means_, params.means)
    np.testing.assert_array_equal(model.covariances_, params.covariances)
    np.testing.assert_array_equal(model.precisions_cholesky_, params.precisions_cholesky())
    np.testing.assert_array_equal(model.precisions_, params.precisions())
    assert model.lower_bound_ == model.lower_bounds_[-1] == model.log_likelihood_history_[-1]
    for name in (*FITTED_ARRAYS, "lower_bound_"):
        with pytest.raises(AttributeError):
            setattr(model, name, 0.0)
    for name in FITTED_ARRAYS:
        with pytest.raises(ValueError, match="read-only"):
            getattr(model, name)[0] = 0.0
    assert not hasattr(GaussianMixtureEM(3), "weights_")


def test_lower_bound_of_a_run_without_iterations_is_minus_infinity(random_params):
    model = GaussianMixtureEM(3, init=random_params(3, 2), max_iter=0).fit(separated_blobs())
    assert model.lower_bound_ == -np.inf and model.lower_bounds_.shape == (0,)


@no_convergence_warning
@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_fit_predict_labels_the_training_data_as_sklearn_does(covariance_type):
    X = overlapping_blobs()
    init = kmeans_init(X, 3, covariance_type=covariance_type, random_state=0)
    model = GaussianMixtureEM(3, covariance_type=covariance_type, init=init, tol=0, max_iter=30)
    labels = model.fit_predict(X)
    theirs = GaussianMixture(**init.sklearn_init(), tol=0, max_iter=30).fit_predict(X)
    np.testing.assert_array_equal(labels, theirs)
    np.testing.assert_array_equal(labels, model.predict(X))
    assert model.n_iter_ == 30


def test_float32_data_is_fitted_like_sklearn_fits_it():
    X = separated_blobs().astype(np.float32)
    ours = GaussianMixtureEM(3, random_state=0).fit(X)
    theirs = GaussianMixture(3, random_state=0).fit(X)
    assert ours.means_.dtype == np.float64 and theirs.means_.dtype == np.float32
    # scikit-learn computes in float32 (about 7 digits); the fitted mixtures agree to that precision.
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-4, atol=1e-5)
    assert ours.score(X) == pytest.approx(theirs.score(X), rel=1e-5)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.score_samples(X), ours.score_samples(X.astype(np.float64)), rtol=1e-12)
    np.testing.assert_array_equal(GMMParams.from_sklearn(theirs).means, theirs.means_)  # float32 params accepted


# --- bad input: a clear error, never a NaN or a warning first ------------------------------------

X40 = np.random.default_rng(0).normal(size=(40, 2))
PARAMS = GMMParams([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], np.stack([np.eye(2)] * 2))
HUGE = 1e200  # finite, but its square overflows float64


def fitted():
    return GaussianMixtureEM(2, random_state=0).fit(X40)


BAD_INPUTS = {
    # kind: width
    "width-log_gaussian_prob": (lambda: log_gaussian_prob(np.ones((5, 3)), PARAMS), r"3 features.*n_features=2"),
    "width-e_step": (lambda: e_step(np.ones((5, 3)), PARAMS), r"3 features.*n_features=2"),
    "width-m_step-resp": (lambda: m_step(X40, np.full((10, 2), 0.5)), r"resp.*\(40, K\), got \(10, 2\)"),
    "width-fit-init": (lambda: GaussianMixtureEM(2, init=PARAMS).fit(np.ones((5, 3))), r"init.*n_features=2.*=3"),
    "width-fit-init-K": (lambda: GaussianMixtureEM(3, init=PARAMS).fit(X40), r"init.*\(3, 'full'\).*\(2, 'full'\)"),
    "width-predict": (lambda: fitted().predict(np.ones((3, 5))), r"X has 5 features.*expecting 2"),
    "width-bic": (lambda: fitted().bic(np.ones((4, 1))), r"X has 1 features.*expecting 2"),
    # kind: 1-D, empty
    "1d-fit": (lambda: GaussianMixtureEM(2).fit(X40[:, 0]), r"1D array"),
    "1d-e_step": (lambda: e_step(X40[:, 0], PARAMS), r"1D array"),
    "empty-fit": (lambda: GaussianMixtureEM(2).fit(np.empty((0, 2))), r"0 sample"),
    "empty-m_step": (lambda: m_step(np.empty((0, 2)), np.empty((0, 2))), r"0 sample"),
    "empty-sample": (lambda: fitted().sample(0), r"n_samples == 0"),
    # kind: NaN, inf (an overflow of the squared distances is one too)
    "nan-e_step": (lambda: e_step(np.full((5, 2), np.nan), PARAMS), r"X contains NaN"),
    "nan-score": (lambda: fitted().score(np.full((3, 2), np.nan)), r"X contains NaN"),
    "inf-fit": (lambda: GaussianMixtureEM(2).fit(np.vstack([X40, [[np.inf, 0.0]]])), r"X contains infinity"),
    "inf-e_step-overflow": (lambda: e_step(np.full((3, 2), HUGE), PARAMS), r"overflow.*1e\+200.*scale"),
    "inf-score-overflow": (lambda: fitted().score(np.full((3, 2), HUGE)), r"overflow.*1e\+200"),
    # kind: dtype
    "dtype-fit-strings": (lambda: GaussianMixtureEM().fit([["a", "b"], ["c", "d"]]), r"'a'"),
    "dtype-fit-complex": (lambda: GaussianMixtureEM().fit(X40 * 1j), r"[Cc]omplex"),
    # kind: K > n
    "k-gt-n-fit": (lambda: GaussianMixtureEM(5).fit(X40[:3]), r"n_components=5.*n_samples=3"),
    "k-gt-n-kmeans_init": (lambda: kmeans_init(X40[:3], 5), r"n_components=5.*n_samples=3"),
    # kind: simplex (responsibilities), negative values of non-negative settings
    "simplex-m_step-negative": (lambda: m_step(X40, np.tile([1.5, -0.5], (40, 1))), r"resp.*-0\.5"),
    "simplex-m_step-row-sums": (lambda: m_step(X40, np.zeros((40, 2))), r"resp.*sum to 1.*from 0 to 0"),
    "negative-reg_covar": (lambda: GaussianMixtureEM(reg_covar=-1.0).fit(X40), r"reg_covar == -1\.0"),
    "negative-tol": (lambda: GaussianMixtureEM(tol=-1.0).fit(X40), r"tol == -1\.0"),
    "negative-max_iter": (lambda: GaussianMixtureEM(max_iter=-1).fit(X40), r"max_iter == -1"),
    "negative-n_components": (lambda: GaussianMixtureEM(0).fit(X40), r"n_components == 0"),
    "negative-n_init": (lambda: GaussianMixtureEM(n_init=0).fit(X40), r"n_init == 0"),
    # kind: non-SPD (a component collapsed without reg_covar)
    "non-spd-fit": (lambda: GaussianMixtureEM(2, reg_covar=0.0, random_state=0).fit(
        np.vstack([np.repeat([[1.0, 2.0]], 10, axis=0), X40 + 9])), r"covariances\[\d\].*increase reg_covar \(now 0\)"),
    # kind: unknown parameter
    "unknown-parameter-fit": (lambda: GaussianMixtureEM(covariance_type="tied").fit(X40), r"covariance_type.*'tied'"),
    "unknown-parameter-m_step": (lambda: m_step(X40, np.full((40, 2), 0.5), "spherical"), r"'spherical'"),
    "unknown-parameter-set_params": (lambda: GaussianMixtureEM().set_params(n_component=3), r"'n_component'"),
}
BAD_TYPES = {
    "dtype-n_components": (lambda: GaussianMixtureEM(2.5).fit(X40), r"n_components.*int.*float"),
    "dtype-init": (lambda: GaussianMixtureEM(2, init="kmeans").fit(X40), r"init must be a GMMParams, got str"),
    "dtype-e_step-params": (lambda: e_step(X40, {"weights": [1.0]}), r"params must be a GMMParams, got dict"),
    "dtype-fit-object": (lambda: GaussianMixtureEM().fit(np.array([[{"a": 1}, 1.0]] * 3, dtype=object)), r"dict"),
    "dtype-sample-n_samples": (lambda: fitted().sample(2.0), r"n_samples.*int.*float"),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "call, match, error",
    [pytest.param(*BAD_INPUTS[key], ValueError, id=key) for key in BAD_INPUTS]
    + [pytest.param(*BAD_TYPES[key], TypeError, id=key) for key in BAD_TYPES],
)
def test_bad_input_is_a_clear_error_naming_the_parameter_and_value(call, match, error):
    with pytest.raises(error, match=match):
        call()


def test_unfitted_model_says_so():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        GaussianMixtureEM(2).predict(np.zeros((4, 2)))


# --- em_trajectory: the mixtures EM visits, for lesson 01's pictures ----------------------------


def test_em_trajectory_follows_the_estimator_from_the_same_start(blobs_2d):
    init = kmeans_init(blobs_2d, 3, random_state=0)
    trajectory = em_trajectory(blobs_2d, init, 15)
    assert len(trajectory.params) == 16 and trajectory.log_likelihood.shape == (16,)
    assert trajectory.params[0] is init
    model = GaussianMixtureEM(3, init=init, tol=0, max_iter=15)
    with pytest.warns(Warning, match="did not converge"):
        model.fit(blobs_2d)
    np.testing.assert_allclose(trajectory.log_likelihood[:-1], model.log_likelihood_history_, rtol=1e-12)
    np.testing.assert_allclose(trajectory.params[-1].means, model.params_.means, rtol=1e-12)
    np.testing.assert_allclose(trajectory.log_likelihood[-1], model.score(blobs_2d), rtol=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_em_trajectory_log_likelihood_never_decreases_and_keeps_the_covariance_type(blobs_2d, random_params,
                                                                                    covariance_type):
    start = random_params(3, 2, covariance_type, seed=2)
    trajectory = em_trajectory(blobs_2d, start, 25)
    assert np.all(np.diff(trajectory.log_likelihood) >= -1e-12)
    assert {params.covariance_type for params in trajectory.params} == {covariance_type}


X2 = np.random.default_rng(0).normal(size=(40, 2))


def _params():
    from aegmm_lessons.params import GMMParams

    return GMMParams([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], np.stack([np.eye(2)] * 2))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: em_trajectory(np.ones((5, 3)), _params(), 3), ValueError, r"3 features.*n_features=2"),
        (lambda: em_trajectory(np.ones(5), _params(), 3), ValueError, r"1D|1-D"),
        (lambda: em_trajectory(np.full((5, 2), np.nan), _params(), 3), ValueError, r"NaN"),
        (lambda: em_trajectory(X2, _params(), -1), ValueError, r"n_iter == -1"),
        (lambda: em_trajectory(X2, X2[:2], 3), TypeError, r"init.*ndarray"),
    ],
)
def test_em_trajectory_rejects_bad_input_naming_the_parameter_and_value(call, error, match):
    with pytest.raises(error, match=match):
        call()
