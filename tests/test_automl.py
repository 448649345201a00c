import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs
from sklearn.experimental import enable_halving_search_cv  # noqa: F401  (registers HalvingGridSearchCV)
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    KFold,
    RandomizedSearchCV,
    StratifiedKFold,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from aegmm_lessons import automl, repro

SVC_GRID = {"C": [0.1, 1.0, 10.0], "gamma": [0.01, 0.1]}


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Tiny fits gain nothing from threads, and on a busy machine spinning BLAS threads slow them tenfold."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def svc_search(iris):
    X, y = iris
    return GridSearchCV(SVC(), SVC_GRID, cv=StratifiedKFold(3, shuffle=True, random_state=0)).fit(X, y)


@pytest.fixture(scope="module")
def blobs():
    """Three well-separated blobs in 2-D."""
    X, y = make_blobs(n_samples=450, centers=[[-6, 0], [0, 6], [6, 0]], cluster_std=0.7, random_state=0)
    return X, y


# --------------------------------------------------------------------------- grids


def test_count_fits_of_the_tutorial_grid_is_720():
    grid = {"n_estimators": [10, 50, 100, 200], "max_depth": [None, 5, 10, 20],
            "min_samples_split": [2, 5, 10], "min_samples_leaf": [1, 2, 4]}
    assert automl.count_candidates(grid) == 4 * 4 * 3 * 3 == 144
    assert automl.count_fits(grid, n_splits=5, refit=False) == 720
    assert automl.count_fits(grid, n_splits=5) == 721


def test_count_candidates_sums_over_a_list_of_grids():
    assert automl.count_candidates([{"a": [1, 2]}, {"b": [1, 2, 3]}]) == 5


@pytest.mark.parametrize("grid, message", [
    ({}, "param_grid is empty"),
    ([], "param_grid is empty"),
    ({"C": []}, r"param_grid\['C'\] is empty"),
    ([{"C": [1]}, {}], r"param_grid\[1\] is empty"),
    ({"C": "abc"}, "must be a list of values"),
    ({"C": 1.0}, "must be a list of values"),
])
def test_empty_or_malformed_grid_is_rejected(grid, message):
    with pytest.raises(ValueError, match=message):
        automl.check_param_grid(SVC(), grid)


def test_unknown_parameter_name_is_rejected_with_a_suggestion():
    with pytest.raises(ValueError, match=r"unknown parameter 'gama' for SVC; did you mean 'gamma'"):
        automl.check_param_grid(SVC(), {"C": [1.0], "gama": [0.1]})


def test_nested_pipeline_parameter_names_are_accepted():
    pipeline = make_pipeline(StandardScaler(), SVC())
    grids = automl.check_param_grid(pipeline, {"svc__C": [1.0, 10.0]})
    assert grids == [{"svc__C": [1.0, 10.0]}]


def test_count_candidates_rejects_distributions():
    from scipy.stats import loguniform

    with pytest.raises(ValueError, match="exhaustive grid needs a list"):
        automl.count_candidates({"C": loguniform(1e-2, 1e2)})


def test_count_fits_needs_at_least_two_splits():
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2, got 1"):
        automl.count_fits({"C": [1]}, n_splits=1)


def test_measure_fit_seconds_returns_one_time_per_candidate(iris):
    X, y = iris
    seconds = automl.measure_fit_seconds(SVC(), X, y, candidates=[{"C": 1.0}, {"C": 10.0}])
    assert seconds.shape == (2,)
    assert np.all(seconds > 0)
    with pytest.raises(ValueError, match="unknown parameter 'c'"):
        automl.measure_fit_seconds(SVC(), X, y, candidates=[{"c": 1.0}])


# --------------------------------------------------------------------------- results table


def test_results_table_has_rank_params_scores_and_fit_time(svc_search):
    rows = automl.results_table(svc_search)
    assert len(rows) == 6
    assert list(rows[0]) == ["rank", "C", "gamma", "mean_score", "std_score", "fit_time"]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert rows[0]["mean_score"] == pytest.approx(svc_search.best_score_)
    assert {"C": rows[0]["C"], "gamma": rows[0]["gamma"]} == svc_search.best_params_
    assert all(type(r["C"]) is float for r in rows)  # plain Python values, not NumPy scalars


def test_results_table_top_keeps_the_best_rows(svc_search):
    assert len(automl.results_table(svc_search, top=2)) == 2
    with pytest.raises(ValueError, match="top must be a positive integer"):
        automl.results_table(svc_search, top=0)


def test_results_table_prints_reproducibly_after_format_durations(svc_search):
    text = repro.format_table(automl.format_durations(automl.results_table(svc_search)))
    header = text.splitlines()[0].split()
    assert header == ["rank", "C", "gamma", "mean_score", "std_score", "fit_time"]
    assert text.splitlines()[2].endswith(" s")  # the duration form the nbval sanitizer replaces


def test_results_table_of_an_unfitted_search_is_a_clear_error():
    with pytest.raises(ValueError, match="GridSearchCV is not fitted"):
        automl.results_table(GridSearchCV(SVC(), SVC_GRID))


def test_results_table_with_several_metrics_needs_a_choice(iris):
    X, y = iris
    search = GridSearchCV(SVC(), {"C": [1.0, 10.0]}, scoring={"acc": "accuracy", "bal": "balanced_accuracy"},
                          refit=False, cv=3).fit(X, y)
    with pytest.raises(ValueError, match=r"pass metric= one of \['acc', 'bal'\]"):
        automl.results_table(search)
    assert len(automl.results_table(search, metric="bal")) == 2
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        automl.results_table(search, metric="f1")


def test_results_table_leaves_out_parameters_a_candidate_did_not_set(iris):
    X, y = iris
    grid = [{"kernel": ["linear"], "C": [1.0]}, {"kernel": ["rbf"], "gamma": [0.1]}]
    rows = automl.results_table(GridSearchCV(SVC(), grid, cv=3).fit(X, y))
    by_kernel = {r["kernel"]: r for r in rows}
    assert "gamma" not in by_kernel["linear"] and "C" not in by_kernel["rbf"]


# --------------------------------------------------------------------------- strategies


def test_compare_searches_uses_the_same_splits_and_counts_fits(iris):
    X, y = iris
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    searches = {
        "grid": GridSearchCV(SVC(), SVC_GRID),
        "random": RandomizedSearchCV(SVC(), SVC_GRID, n_iter=3, random_state=0),
        "halving": HalvingGridSearchCV(SVC(), SVC_GRID, factor=2, min_resources=30, random_state=0),
    }
    rows, fitted = automl.compare_searches(searches, X_train, y_train, X_test, y_test,
                                           cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert [r["strategy"] for r in rows] == ["grid", "random", "halving"]
    assert list(rows[0]) == ["strategy", "candidates", "cv_fits", "search_time", "best_cv_score", "test_score"]
    by_name = {r["strategy"]: r for r in rows}
    assert by_name["grid"]["candidates"] == 6 and by_name["grid"]["cv_fits"] == 18
    assert by_name["random"]["candidates"] == 3 and by_name["random"]["cv_fits"] == 9
    assert by_name["halving"]["cv_fits"] == 3 * sum(fitted["halving"].n_candidates_)
    splits = [[test.tolist() for _, test in search.cv] for search in fitted.values()]
    assert splits[0] == splits[1] == splits[2]
    assert searches["grid"].cv is None  # the originals are left alone
    assert by_name["grid"]["test_score"] == pytest.approx(fitted["grid"].score(X_test, y_test))
    halving_rows = automl.results_table(fitted["halving"])
    assert list(halving_rows[0])[:3] == ["rank", "iter", "n_resources"]
    assert halving_rows[0]["iter"] == fitted["halving"].n_iterations_ - 1  # the winner survived every round


def test_compare_searches_rejects_bad_inputs(iris):
    X, y = iris
    with pytest.raises(ValueError, match="searches must be a non-empty dict"):
        automl.compare_searches({}, X, y)
    with pytest.raises(ValueError, match=r"y_train must have shape \(150,\)"):
        automl.compare_searches({"grid": GridSearchCV(SVC(), SVC_GRID)}, X, y[:-1])
    with pytest.raises(ValueError, match="unknown parameter 'gama'"):
        automl.compare_searches({"grid": GridSearchCV(SVC(), {"gama": [1.0]})}, X, y, cv=3)
    with pytest.raises(ValueError, match="refit=False"):
        automl.compare_searches({"grid": GridSearchCV(SVC(), SVC_GRID, refit=False)}, X, y, X, y, cv=3)
    with pytest.raises(ValueError, match=r"searches\['svc'\] is not a scikit-learn search, got SVC"):
        automl.compare_searches({"svc": SVC()}, X, y, cv=3)
    with pytest.raises(ValueError, match="X_test must have 4 features"):
        automl.compare_searches({"grid": GridSearchCV(SVC(), SVC_GRID)}, X, y, X[:, :2], y, cv=3)


# --------------------------------------------------------------------------- nested CV


def test_nested_cv_returns_inner_and_outer_scores_per_outer_split(iris):
    X, y = iris
    result = automl.nested_cross_validation(
        SVC(), SVC_GRID, X, y,
        inner_cv=KFold(3, shuffle=True, random_state=0), outer_cv=KFold(4, shuffle=True, random_state=0))
    assert result.inner_scores.shape == result.outer_scores.shape == (4,)
    assert len(result.best_params) == 4 and set(result.best_params[0]) == {"C", "gamma"}
    assert 0 < result.outer_mean <= 1 and 0 < result.inner_mean <= 1
    assert result.optimism == pytest.approx(result.non_nested_score - result.outer_mean)


def test_nested_cv_inner_score_is_the_searchs_own_best_score(iris):
    X, y = iris
    outer = KFold(3, shuffle=True, random_state=1)
    inner = KFold(3, shuffle=True, random_state=2)
    result = automl.nested_cross_validation(SVC(), SVC_GRID, X, y, inner_cv=inner, outer_cv=outer,
                                            non_nested=False)
    train, test = next(outer.split(X, y))
    search = GridSearchCV(SVC(), SVC_GRID, cv=inner).fit(X[train], y[train])
    assert result.inner_scores[0] == pytest.approx(search.best_score_)
    assert result.outer_scores[0] == pytest.approx(search.score(X[test], y[test]))
    assert result.non_nested_score is None
    assert result.optimism == pytest.approx(result.inner_mean - result.outer_mean)


def test_nested_cv_rejects_bad_inputs(iris):
    X, y = iris
    with pytest.raises(ValueError, match="param_grid is empty"):
        automl.nested_cross_validation(SVC(), {}, X, y)
    with pytest.raises(ValueError, match="unknown parameter 'Cee'"):
        automl.nested_cross_validation(SVC(), {"Cee": [1.0]}, X, y)
    with pytest.raises(ValueError, match="must be 2-D"):
        automl.nested_cross_validation(SVC(), SVC_GRID, X[:, 0], y)
    with pytest.raises(ValueError, match="must be finite"):
        automl.nested_cross_validation(SVC(), SVC_GRID, np.where(X > 7, np.nan, X), y)


# --------------------------------------------------------------------------- heatmap data


def test_score_matrix_has_one_cell_per_pair_of_values(svc_search):
    x_values, y_values, scores = automl.score_matrix(svc_search, "C", "gamma")
    assert x_values == [0.1, 1.0, 10.0] and y_values == [0.01, 0.1]
    assert scores.shape == (2, 3)
    rows = automl.results_table(svc_search)
    best = rows[0]
    assert scores[y_values.index(best["gamma"]), x_values.index(best["C"])] == pytest.approx(best["mean_score"])


def test_score_matrix_aggregates_the_other_parameters():
    rows = [
        {"rank": 1, "a": 1, "b": None, "c": 0, "mean_score": 0.9},
        {"rank": 2, "a": 1, "b": None, "c": 1, "mean_score": 0.7},
        {"rank": 3, "a": 2, "b": 5, "c": 0, "mean_score": 0.5},
    ]
    x_values, y_values, best = automl.score_matrix(rows, "a", "b")
    assert x_values == [1, 2] and y_values == [None, 5]
    np.testing.assert_allclose(best, [[0.9, np.nan], [np.nan, 0.5]])
    _, _, mean = automl.score_matrix(rows, "a", "b", aggregate="mean")
    assert mean[0, 0] == pytest.approx(0.8)


def test_score_matrix_rejects_unknown_or_repeated_parameters(svc_search):
    with pytest.raises(ValueError, match=r"unknown parameter 'kernel'; the search varied \['C', 'gamma'\]"):
        automl.score_matrix(svc_search, "C", "kernel")
    with pytest.raises(ValueError, match="must differ"):
        automl.score_matrix(svc_search, "C", "C")
    with pytest.raises(ValueError, match="aggregate must be"):
        automl.score_matrix(svc_search, "C", "gamma", aggregate="median")


# --------------------------------------------------------------------------- unsupervised scores


def test_neg_bic_scorer_prefers_the_true_k_on_well_separated_blobs(blobs):
    X, _ = blobs
    search = GridSearchCV(GaussianMixture(random_state=0), {"n_components": [1, 2, 3, 4, 5, 6]},
                          scoring=automl.neg_bic_scorer, cv=KFold(3, shuffle=True, random_state=0)).fit(X)
    assert search.best_params_ == {"n_components": 3}


def test_log_likelihood_scorer_rises_to_the_true_k_then_levels_off(blobs):
    X, _ = blobs
    search = GridSearchCV(GaussianMixture(random_state=0), {"n_components": [1, 2, 3, 4, 5, 6]},
                          scoring=automl.log_likelihood_scorer, cv=KFold(3, shuffle=True, random_state=0)).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.diff(scores[:3]) > 0.5)  # large gains up to the true K
    assert np.all(np.abs(scores[3:] - scores[2]) < 0.05)  # next to nothing after it


def test_log_likelihood_scorer_is_the_held_out_mean_log_likelihood(blobs):
    X, _ = blobs
    model = GaussianMixture(3, random_state=0).fit(X[:300])
    assert automl.log_likelihood_scorer(model, X[300:]) == pytest.approx(model.score(X[300:]))
    assert automl.neg_bic_scorer(model, X[300:]) == pytest.approx(-model.bic(X[300:]) / 150)


def test_unsupervised_scorers_need_the_right_methods(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="neg_bic_scorer needs a fitted mixture"):
        automl.neg_bic_scorer(StandardScaler().fit(X), X)
    with pytest.raises(ValueError, match="log_likelihood_gain_scorer needs a GaussianMixtureEM"):
        automl.log_likelihood_gain_scorer(GaussianMixture(2).fit(X), X)
    with pytest.raises(ValueError, match="needs an estimator with score"):
        automl.log_likelihood_scorer(StandardScaler().fit(X), X)
    with pytest.raises(ValueError, match="criterion must be one of"):
        automl.make_unsupervised_scorer("aic")
    assert automl.make_unsupervised_scorer("bic") is automl.neg_bic_scorer


def test_searched_parameters_are_the_grid_names(svc_search):
    assert automl.searched_parameters(svc_search) == ["C", "gamma"]
    with pytest.raises(ValueError, match="no rows"):
        automl.searched_parameters([])


def test_grid_search_over_our_em_chooses_the_true_k_without_labels(blobs):
    from aegmm_lessons.gmm import GaussianMixtureEM

    X, _ = blobs
    search = GridSearchCV(GaussianMixtureEM(random_state=0), {"n_components": [1, 2, 3, 4, 5]},
                          scoring=automl.neg_bic_scorer, cv=KFold(3, shuffle=True, random_state=0)).fit(X)
    assert search.best_params_ == {"n_components": 3}
    rows = automl.results_table(search)
    assert [r["n_components"] for r in rows][:1] == [3]


# --------------------------------------------------------------------------- VAE as an estimator


def test_vae_estimator_is_searchable_and_scored_by_held_out_elbo():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import ShuffleSplit

    from aegmm_lessons import vae

    X = load_digits().data[:240] / 16.0
    X_fit, X_held_out = X[:180], X[180:]
    estimator = automl.VAEEstimator(latent_dim=2, hidden_units=(16,), epochs=1, batch_size=60)
    search = GridSearchCV(estimator, {"beta": [0.5, 1.0]},
                          cv=ShuffleSplit(1, test_size=0.5, random_state=0)).fit(X_fit)
    rows = automl.results_table(search)
    assert [r["beta"] for r in sorted(rows, key=lambda r: r["beta"])] == [0.5, 1.0]
    assert np.all(np.isfinite([r["mean_score"] for r in rows]))
    best = search.best_estimator_
    assert best.score(X_held_out) == pytest.approx(vae.elbo(best.model_, X_held_out)["elbo"])
    assert best.transform(X_held_out).shape == (60, 2)


def test_vae_estimator_clones_and_refuses_to_score_before_fit():
    from sklearn.base import clone

    estimator = automl.VAEEstimator(latent_dim=3, beta=0.5)
    assert clone(estimator).get_params() == estimator.get_params()
    with pytest.raises(ValueError, match="not fitted"):
        estimator.score(np.zeros((2, 4)))


class LinearCodes:
    """A stand-in for AutoencoderGMM without Keras: codes z = x A + b, a mixture fitted on them."""

    def __init__(self, A, b, n_components):
        self.A, self.b, self.n_components = np.asarray(A, float), np.asarray(b, float), n_components

    def fit(self, X):
        from aegmm_lessons.gmm import GaussianMixtureEM

        self.gmm_ = GaussianMixtureEM(self.n_components, random_state=0, tol=1e-8).fit(self.transform(X))
        return self

    def transform(self, X):
        return np.asarray(X) @ self.A + self.b

    def score(self, X):
        return self.gmm_.score(self.transform(X))


def test_mixture_moments_of_a_fitted_mixture_are_the_sample_mean_and_covariance(blobs):
    from aegmm_lessons.gmm import GaussianMixtureEM

    X, _ = blobs
    model = GaussianMixtureEM(3, random_state=0, tol=1e-10, max_iter=500).fit(X)
    mean, covariance = automl.mixture_moments(model.params_)
    np.testing.assert_allclose(mean, X.mean(axis=0), atol=1e-8)
    np.testing.assert_allclose(covariance, np.cov(X.T, bias=True), atol=1e-5)


def test_log_likelihood_gain_does_not_depend_on_the_scale_of_the_codes(blobs):
    X, _ = blobs
    X_fit, X_held_out = X[:300], X[300:]
    A = np.array([[3.0, 1.0], [0.0, 0.5]])
    plain = LinearCodes(np.eye(2), np.zeros(2), 3).fit(X_fit)
    mapped = LinearCodes(A, np.array([5.0, -2.0]), 3).fit(X_fit)
    # the log-likelihood shifts by -log|det A| ...
    shift = automl.log_likelihood_scorer(mapped, X_held_out) - automl.log_likelihood_scorer(plain, X_held_out)
    assert shift == pytest.approx(-np.log(abs(np.linalg.det(A))), abs=1e-4)
    # ... the gain over one Gaussian does not
    assert automl.log_likelihood_gain_scorer(mapped, X_held_out) == pytest.approx(
        automl.log_likelihood_gain_scorer(plain, X_held_out), abs=1e-4)
    assert automl.log_likelihood_gain_scorer(plain, X_held_out) > 1.0  # three clear clusters


def test_neg_bic_of_a_latent_mixture_is_the_bic_of_the_codes(blobs):
    X, _ = blobs
    model = LinearCodes(2 * np.eye(2), np.zeros(2), 3).fit(X[:300])
    codes = model.transform(X[300:])
    assert automl.neg_bic_scorer(model, X[300:]) == pytest.approx(-model.gmm_.bic(codes) / 150)


def test_measure_fit_seconds_checks_that_labels_match_the_data(iris):
    X, y = iris
    with pytest.raises(ValueError, match=r"y must have shape \(150,\) to match X, got \(149,\)"):
        automl.measure_fit_seconds(SVC(), X, y[:-1])
    with pytest.raises(ValueError, match="candidates must hold at least one parameter dict"):
        automl.measure_fit_seconds(SVC(), X, y, candidates=[])
