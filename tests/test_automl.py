import numpy as np
import pytest
from scipy.stats import multivariate_normal, randint
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris, make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from aegmm_lessons import automl, repro
from aegmm_lessons.gmm import GaussianMixtureEM

SVC_GRID = {"C": [0.1, 1.0, 10.0], "gamma": [0.01, 0.1]}
TUTORIAL_GRID = {"n_estimators": [10, 50, 100, 200], "max_depth": [None, 5, 10, 20],
                 "min_samples_split": [2, 5, 10], "min_samples_leaf": [1, 2, 4]}


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
    return GridSearchCV(SVC(), SVC_GRID, cv=StratifiedKFold(3, shuffle=True, random_state=0)).fit(*iris)


@pytest.fixture(scope="module")
def blobs():
    """Three well-separated blobs in 2-D."""
    return make_blobs(n_samples=450, centers=[[-6, 0], [0, 6], [6, 0]], cluster_std=0.7, random_state=0)


@pytest.fixture(scope="module")
def fitted_em(blobs):
    return GaussianMixtureEM(3, random_state=0, tol=1e-10, max_iter=500).fit(blobs[0])


# --------------------------------------------------------------------------- counting


def test_count_fits_of_the_tutorial_grid_is_720():
    assert automl.count_candidates(TUTORIAL_GRID) == 4 * 4 * 3 * 3
    assert automl.count_fits(TUTORIAL_GRID, n_splits=5, refit=False) == 720
    assert automl.count_fits(TUTORIAL_GRID, n_splits=5) == 721


def test_count_candidates_sums_over_a_list_of_grids():
    assert automl.count_candidates([{"C": [1, 10], "gamma": [0.1, 1.0]}, {"C": [1, 10, 100]}]) == 7


class CountingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the first class; counts its fits in a class attribute (the search runs in this process)."""

    fits = 0

    def __init__(self, a=0, b=0):
        self.a, self.b = a, b

    def fit(self, X, y):
        type(self).fits += 1
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


@pytest.mark.parametrize("refit", [True, False])
def test_count_fits_is_the_number_of_fits_a_grid_search_makes(iris, refit):
    grid = {"a": [1, 2, 3], "b": [0, 1]}
    CountingClassifier.fits = 0
    GridSearchCV(CountingClassifier(), grid, cv=4, refit=refit).fit(*iris)
    assert CountingClassifier.fits == automl.count_fits(grid, 4, refit=refit) == 6 * 4 + refit


@pytest.mark.parametrize("grid, error, match", [
    ({"alpha": []}, ValueError, "'alpha'"),
    ({"alpha": randint(1, 5)}, TypeError, "'alpha'"),
    ({"alpha": 3}, TypeError, "'alpha'"),
])
def test_bad_grids_are_rejected_naming_the_parameter(grid, error, match):
    with pytest.raises(error, match=match):
        automl.count_candidates(grid)


@pytest.mark.parametrize("n_splits, error", [(1, ValueError), (0, ValueError), (2.0, TypeError), (True, TypeError)])
def test_count_fits_needs_an_integer_number_of_splits_of_at_least_two(n_splits, error):
    with pytest.raises(error, match="n_splits"):
        automl.count_fits({"alpha": [1]}, n_splits)


# --------------------------------------------------------------------------- results table


def test_results_table_rows_are_the_candidates_best_first(svc_search):
    rows = automl.results_table(svc_search)
    results = svc_search.cv_results_
    assert len(rows) == 6
    assert list(rows[0]) == ["rank", "C", "gamma", "mean_score", "std_score", "fit_time"]
    assert [row["mean_score"] for row in rows] == sorted(results["mean_test_score"], reverse=True)
    assert rows[0]["mean_score"] == svc_search.best_score_
    assert {"C": rows[0]["C"], "gamma": rows[0]["gamma"]} == svc_search.best_params_
    for row in rows:  # each row carries its own candidate's numbers
        i = results["params"].index({"C": row["C"], "gamma": row["gamma"]})
        assert (row["std_score"], row["fit_time"]) == (results["std_test_score"][i], results["mean_fit_time"][i])
    assert all(type(row["C"]) is float for row in rows)  # plain Python values, not NumPy scalars


def test_results_table_top_keeps_the_best_rows(svc_search):
    assert automl.results_table(svc_search, top=2) == automl.results_table(svc_search)[:2]
    with pytest.raises(ValueError, match="top"):
        automl.results_table(svc_search, top=0)


def test_results_table_prints_reproducibly_after_format_durations(svc_search):
    lines = repro.format_table(automl.format_durations(automl.results_table(svc_search))).splitlines()
    assert lines[0].split() == ["rank", "C", "gamma", "mean_score", "std_score", "fit_time"]
    assert all(line.endswith(" s") for line in lines[2:])  # the duration form the nbval sanitizer replaces


def test_results_table_of_an_unfitted_search_is_a_not_fitted_error():
    with pytest.raises(NotFittedError, match="GridSearchCV"):
        automl.results_table(GridSearchCV(SVC(), SVC_GRID))


def test_results_table_with_several_metrics_reports_the_chosen_one(iris):
    scoring = {"accuracy": "accuracy", "f1": "f1_macro"}
    search = GridSearchCV(SVC(), {"C": [0.1, 1.0]}, scoring=scoring, refit=False, cv=3).fit(*iris)
    with pytest.raises(ValueError, match="metric"):
        automl.results_table(search)
    with pytest.raises(ValueError, match="'recall'"):
        automl.results_table(search, metric="recall")
    rows = automl.results_table(search, metric="f1")
    assert rows[0]["mean_score"] == search.cv_results_["mean_test_f1"].max()
    refitted = GridSearchCV(SVC(), {"C": [0.1, 1.0]}, scoring=scoring, refit="f1", cv=3).fit(*iris)
    assert automl.results_table(refitted) == automl.results_table(refitted, metric="f1")


def test_results_table_leaves_out_parameters_a_candidate_did_not_set(iris):
    grid = [{"kernel": ["linear"], "C": [1.0]}, {"kernel": ["rbf"], "C": [1.0], "gamma": [0.1]}]
    rows = automl.results_table(GridSearchCV(SVC(), grid, cv=3).fit(*iris))
    assert {row["kernel"]: "gamma" in row for row in rows} == {"linear": False, "rbf": True}


# --------------------------------------------------------------------------- heatmap data


def test_score_matrix_has_one_cell_per_pair_of_values(svc_search):
    x_values, y_values, scores = automl.score_matrix(svc_search, "C", "gamma")
    assert x_values == [0.1, 1.0, 10.0] and y_values == [0.01, 0.1]
    for row in automl.results_table(svc_search):
        assert scores[y_values.index(row["gamma"]), x_values.index(row["C"])] == row["mean_score"]


def test_score_matrix_aggregates_the_other_parameters_and_leaves_missing_cells_nan():
    rows = [
        {"rank": 1, "a": 2, "b": None, "c": 0, "mean_score": 0.9},
        {"rank": 2, "a": 2, "b": None, "c": 1, "mean_score": 0.7},
        {"rank": 3, "a": 1, "b": 5, "c": 0, "mean_score": 0.5},
    ]
    x_values, y_values, best = automl.score_matrix(rows, "a", "b")
    assert x_values == [1, 2] and y_values == [None, 5]  # numbers ascending, None first
    np.testing.assert_array_equal(best, [[np.nan, 0.9], [0.5, np.nan]])
    assert automl.score_matrix(rows, "a", "b", aggregate="mean")[2][0, 1] == pytest.approx(0.8)
    assert automl.searched_parameters(rows) == ["a", "b", "c"]


def test_score_matrix_rejects_unknown_or_repeated_parameters(svc_search):
    with pytest.raises(ValueError, match=r"'zzz'.*\['C', 'gamma'\]"):
        automl.score_matrix(svc_search, "C", "zzz")
    with pytest.raises(ValueError, match="'C' twice"):
        automl.score_matrix(svc_search, "C", "C")
    with pytest.raises(ValueError, match=r"aggregate.*'median'"):
        automl.score_matrix(svc_search, "C", "gamma", aggregate="median")
    with pytest.raises(ValueError, match="no rows"):
        automl.searched_parameters([])


# --------------------------------------------------------------------------- label-free scores


def test_neg_bic_scorer_chooses_the_true_k_for_our_em_and_for_sklearn(blobs):
    for estimator in (GaussianMixtureEM(random_state=0), GaussianMixture(random_state=0)):
        search = GridSearchCV(estimator, {"n_components": [1, 2, 3, 4, 5]}, scoring=automl.neg_bic_scorer,
                              cv=KFold(3, shuffle=True, random_state=0)).fit(blobs[0])
        assert search.best_params_ == {"n_components": 3}


def test_log_likelihood_scorer_rises_to_the_true_k_then_levels_off(blobs):
    search = GridSearchCV(GaussianMixture(random_state=0), {"n_components": [1, 2, 3, 4, 5, 6]},
                          scoring=automl.log_likelihood_scorer, cv=KFold(3, shuffle=True, random_state=0))
    scores = search.fit(blobs[0]).cv_results_["mean_test_score"]
    assert np.all(np.diff(scores[:3]) > 0.5)  # large gains up to the true K
    assert np.all(np.abs(scores[3:] - scores[2]) < 0.05)  # next to nothing after it


def test_scorers_are_the_held_out_log_likelihood_and_bic_per_sample(blobs):
    X, _ = blobs
    model = GaussianMixture(3, random_state=0).fit(X[:300])
    held_out = X[300:]
    expected = np.log(sum(w * multivariate_normal(m, c).pdf(held_out)  # scipy's densities
                          for w, m, c in zip(model.weights_, model.means_, model.covariances_, strict=True)))
    assert automl.log_likelihood_scorer(model, held_out) == pytest.approx(expected.mean())
    n_parameters = 2 + 3 * 2 + 3 * 3
    assert automl.neg_bic_scorer(model, held_out) == pytest.approx(
        2 * expected.mean() - n_parameters * np.log(150) / 150)


def test_log_likelihood_gain_is_the_gain_over_the_gaussian_of_the_training_data(blobs, fitted_em):
    X, _ = blobs
    single = multivariate_normal(X.mean(axis=0), np.cov(X.T, bias=True))
    expected = fitted_em.score(X) - single.logpdf(X).mean()
    assert automl.log_likelihood_gain_scorer(fitted_em, X) == pytest.approx(expected, abs=1e-5)


class LinearCodes:
    """A stand-in for AutoencoderGMM without Keras: codes z = x A + b, a mixture fitted on them."""

    def __init__(self, A, b, n_components):
        self.A, self.b, self.n_components = np.asarray(A, float), np.asarray(b, float), n_components

    def fit(self, X):
        self.gmm_ = GaussianMixtureEM(self.n_components, random_state=0, tol=1e-8).fit(self.transform(X))
        return self

    def transform(self, X):
        return np.asarray(X) @ self.A + self.b

    def score(self, X):
        return self.gmm_.score(self.transform(X))


def test_log_likelihood_gain_does_not_depend_on_the_scale_of_the_codes(blobs):
    X_fit, X_held_out = blobs[0][:300], blobs[0][300:]
    A = np.array([[3.0, 1.0], [0.0, 0.5]])
    plain = LinearCodes(np.eye(2), np.zeros(2), 3).fit(X_fit)
    mapped = LinearCodes(A, np.array([5.0, -2.0]), 3).fit(X_fit)
    # the log-likelihood shifts by -log|det A| ...
    shift = automl.log_likelihood_scorer(mapped, X_held_out) - automl.log_likelihood_scorer(plain, X_held_out)
    assert shift == pytest.approx(-np.log(abs(np.linalg.det(A))), abs=1e-4)
    # ... the gain over one Gaussian does not
    gain = automl.log_likelihood_gain_scorer(plain, X_held_out)
    assert automl.log_likelihood_gain_scorer(mapped, X_held_out) == pytest.approx(gain, abs=1e-4)
    assert gain > 1.0  # three clear clusters


def test_neg_bic_of_a_latent_mixture_is_the_bic_of_the_codes(blobs):
    X = blobs[0]
    model = LinearCodes(2 * np.eye(2), np.zeros(2), 3).fit(X[:300])
    assert automl.neg_bic_scorer(model, X[300:]) == pytest.approx(-model.gmm_.bic(model.transform(X[300:])) / 150)


@pytest.mark.parametrize("scorer", [automl.log_likelihood_scorer, automl.neg_bic_scorer,
                                    automl.log_likelihood_gain_scorer])
@pytest.mark.parametrize("X, match", [
    (np.ones((3, 5)), "5 features"),
    (np.ones(4), "1D"),
    (np.ones((0, 2)), "0 sample"),
    (np.array([[0.0, np.nan]]), "NaN"),
    (np.array([[0.0, np.inf]]), "infinity"),
    (np.array([["a", "b"]]), "string|float"),
])
def test_scorers_reject_bad_data(fitted_em, scorer, X, match):
    with pytest.raises(ValueError, match=match):
        scorer(fitted_em, X)


def test_scorers_reject_estimators_without_the_needed_methods(blobs):
    X = blobs[0]
    with pytest.raises(TypeError, match="StandardScaler"):
        automl.neg_bic_scorer(StandardScaler().fit(X), X)
    with pytest.raises(TypeError, match="GaussianMixture"):
        automl.log_likelihood_gain_scorer(GaussianMixture(2).fit(X), X)


def test_a_collapsed_model_is_an_error_not_a_nan_score(blobs, fitted_em):
    class Collapsed(GaussianMixtureEM):
        def score(self, X, y=None):
            return -np.inf

    collapsed = Collapsed(3)
    collapsed.__dict__.update(fitted_em.__dict__)
    with pytest.raises(ValueError, match=r"-inf.*reg_covar"):
        automl.log_likelihood_scorer(collapsed, blobs[0])
