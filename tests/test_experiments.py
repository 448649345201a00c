import numpy as np
import pytest
from sklearn.decomposition import PCA

from aegmm_lessons import experiments
from aegmm_lessons.experiments import (
    clustering_scores,
    compare_feature_spaces,
    fit_feature_gmm,
    paired_difference,
    summarize_runs,
)
from aegmm_lessons.gmm import GaussianMixtureEM

# Tiny trainings: the tests check what is measured, not how well.
FAST_AE = {"epochs": 2, "batch_size": 32, "hidden_units": (8,)}


def test_clustering_scores_are_one_for_a_relabelled_partition_and_low_for_an_unrelated_one():
    assert clustering_scores([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]) == pytest.approx({"ARI": 1.0, "NMI": 1.0})
    assert clustering_scores([0, 0, 1, 1], [0, 1, 0, 1])["ARI"] < 0


def test_raw_features_are_the_data_and_pca_features_its_components(lifted_blobs):
    X, _ = lifted_blobs
    features, gmm, model = fit_feature_gmm("raw", X, n_components=3)
    assert model is None and gmm.n_features_in_ == 6
    np.testing.assert_array_equal(features(X), X)
    features, gmm, model = fit_feature_gmm("PCA", X, latent_dim=2, n_components=3)
    np.testing.assert_allclose(features(X), PCA(2, random_state=0).fit(X).transform(X))
    assert gmm.n_features_in_ == 2


def test_compare_feature_spaces_scores_every_method_width_and_seed_on_the_test_set(lifted_blobs):
    pytest.importorskip("keras")
    X, y = lifted_blobs
    rows, models = compare_feature_spaces(X[:60], y[:60], X[60:], y[60:], latent_dims=(2,), seeds=(0, 1),
                                          n_components=3, ae_params=FAST_AE)
    assert [(r["method"], r["d"], r["seed"]) for r in rows] == [
        ("raw", 6, 0), ("raw", 6, 1), ("PCA", 2, 0), ("PCA", 2, 1), ("AE", 2, 0), ("AE", 2, 1)]
    for row in rows:
        features, gmm, _ = models[row["method"], row["d"], row["seed"]]
        assert row["ARI"] == pytest.approx(clustering_scores(y[60:], gmm.predict(features(X[60:])))["ARI"])
        assert row["test LL"] == pytest.approx(gmm.score(features(X[60:])))
        assert row["train LL"] == pytest.approx(gmm.score(features(X[:60])))
        assert features(X).shape == (90, row["d"])


def test_summarize_runs_averages_each_group_over_seeds():
    rows = [
        {"method": "PCA", "d": 2, "seed": 0, "ARI": 0.5, "NMI": 0.6, "seconds": 1.0},
        {"method": "AE", "d": 2, "seed": 0, "ARI": 0.9, "NMI": 0.8, "seconds": 3.0},
        {"method": "PCA", "d": 2, "seed": 1, "ARI": 0.7, "NMI": 0.8, "seconds": 2.0},
    ]
    pca, ae = summarize_runs(rows, metrics=("ARI", "NMI"))
    assert (pca["method"], pca["d"], ae["method"]) == ("PCA", 2, "AE")
    assert pca["ARI"] == pytest.approx(0.6) and pca["NMI"] == pytest.approx(0.7)
    assert pca["ARI sd"] == pytest.approx(np.sqrt(0.02)) and ae["ARI sd"] == 0.0
    assert pca["fit time"].strip() == "1.50 s"


@pytest.mark.parametrize(
    "call, match",
    [
        pytest.param(lambda X, y: fit_feature_gmm("tsne", X), "method.*'tsne'", id="unknown-method"),
        pytest.param(lambda X, y: fit_feature_gmm("PCA", X, latent_dim=0), "latent_dim", id="pca-width-zero"),
        pytest.param(lambda X, y: fit_feature_gmm("raw", X[:, 0]), "1D array", id="1d"),
        pytest.param(lambda X, y: fit_feature_gmm("raw", X[:5], n_components=6), "n_components", id="k-gt-n"),
        pytest.param(lambda X, y: compare_feature_spaces(X, y, X[:, :5], y, include_raw=True),
                     "X_test has 5 features.*6", id="width-X_test"),
        pytest.param(lambda X, y: clustering_scores([0, 1, 1], [0, 1]), r"\[3, 2\]", id="width-labels"),
    ],
)
def test_experiments_reject_bad_inputs(lifted_blobs, call, match):
    with pytest.raises(ValueError, match=match):
        call(*lifted_blobs)


def test_paired_difference_is_the_mean_difference_with_its_student_t_interval():
    a, b = np.array([0.80, 0.82, 0.79, 0.85, 0.81]), np.array([0.75, 0.80, 0.77, 0.80, 0.76])
    result = paired_difference(a, b)
    differences = a - b
    half_width = 2.776445 * differences.std(ddof=1) / np.sqrt(5)  # t(0.975, 4 degrees of freedom)
    assert result.mean == pytest.approx(0.038) and result.n == 5 and result.confidence == 0.95
    assert (result.low, result.high) == pytest.approx((0.038 - half_width, 0.038 + half_width), rel=1e-5)
    assert result.detectable and paired_difference(a, b, confidence=0.5).high < result.high
    with pytest.raises(AttributeError):
        result.mean = 0.0  # frozen


def test_paired_difference_states_the_winner_with_its_interval_or_no_detectable_difference():
    a, b = [0.80, 0.82, 0.79, 0.85, 0.81], [0.75, 0.80, 0.77, 0.80, 0.76]
    assert paired_difference(a, b).verdict("AE", "PCA") == "AE beats PCA by 0.038 (95% CI 0.018 to 0.058, n = 5)"
    assert paired_difference(b, a).verdict("PCA", "AE") == "AE beats PCA by 0.038 (95% CI 0.018 to 0.058, n = 5)"
    assert paired_difference(a, b).verdict("AE", "PCA", higher_is_better=False).startswith("PCA beats AE by 0.038")
    assert paired_difference([0.80, 0.72, 0.79], [0.75, 0.80, 0.77]).verdict("AE", "PCA") == (
        "no detectable difference between AE and PCA (mean difference -0.0033, 95% CI -0.17 to 0.17, n = 3)")


@pytest.mark.parametrize(("a", "b", "confidence", "message"), [
    ([1.0, 2.0], [1.0, 2.0, 3.0], 0.95, r"equal length .* shapes \(2,\) and \(3,\)"),
    ([1.0], [2.0], 0.95, "at least 2 pairs, got 1"),
    ([[1.0, 2.0]], [[1.0, 2.0]], 0.95, "1-D"),
    ([1.0, np.nan], [1.0, 2.0], 0.95, "finite"),
    ([1.0, 2.0], [1.0, 2.0], 95, r"confidence must lie in \(0, 1\), got 95"),
])
def test_paired_difference_rejects_unpaired_or_too_few_results(a, b, confidence, message):
    with pytest.raises(ValueError, match=message):
        paired_difference(a, b, confidence)


# --- mixture_density_1d: lesson 00's densities ----------------------------------------------


def test_mixture_density_1d_is_the_sum_of_weighted_components(three_bumps):
    result = experiments.mixture_density_1d(three_bumps, 3)
    assert result.component_densities.shape == (200, 3)
    np.testing.assert_allclose(result.density, result.component_densities.sum(axis=1))


def test_mixture_density_1d_components_are_weighted_gaussians(three_bumps):
    result = experiments.mixture_density_1d(three_bumps, 2)
    params = result.params
    sigma = np.sqrt(params.covariances[:, 0, 0])
    expected = params.weights * np.exp(-0.5 * ((result.grid[:, None] - params.means[:, 0]) / sigma) ** 2) / (
        np.sqrt(2 * np.pi) * sigma)
    np.testing.assert_allclose(result.component_densities, expected, rtol=1e-9, atol=1e-300)


def test_mixture_density_1d_integrates_to_one_on_a_wide_grid(three_bumps):
    grid = np.linspace(-10, 10, 4001)
    result = experiments.mixture_density_1d(three_bumps, 3, grid=grid)
    assert np.trapezoid(result.density, grid) == pytest.approx(1.0, abs=1e-6)


def test_mixture_density_1d_matches_scikit_learn_score_samples(three_bumps):
    result = experiments.mixture_density_1d(three_bumps, 2)
    log_density = result.params.to_sklearn().score_samples(result.grid.reshape(-1, 1))
    np.testing.assert_allclose(result.density, np.exp(log_density), rtol=1e-10)


def test_mixture_density_1d_reports_the_estimators_score_and_bic(three_bumps):
    result = experiments.mixture_density_1d(three_bumps, 3, random_state=1)
    model = GaussianMixtureEM(3, random_state=1).fit(three_bumps.reshape(-1, 1))
    assert result.log_likelihood == pytest.approx(model.score(three_bumps.reshape(-1, 1)), rel=1e-12)
    assert result.bic == pytest.approx(model.bic(three_bumps.reshape(-1, 1)), rel=1e-12)


def test_mixture_density_1d_bic_prefers_the_true_number_of_components(three_bumps):
    bics = {k: experiments.mixture_density_1d(three_bumps, k).bic for k in range(1, 7)}
    assert min(bics, key=bics.get) == 3


def test_mixture_density_1d_default_grid_spans_the_sample_with_a_margin(three_bumps):
    grid = experiments.mixture_density_1d(three_bumps, 1, n_grid=11).grid
    span = np.ptp(three_bumps)
    assert grid.shape == (11,)
    assert grid[0] == pytest.approx(three_bumps.min() - 0.1 * span)
    assert grid[-1] == pytest.approx(three_bumps.max() + 0.1 * span)


def test_mixture_density_1d_accepts_a_column(three_bumps):
    flat = experiments.mixture_density_1d(three_bumps, 3)
    column = experiments.mixture_density_1d(three_bumps.reshape(-1, 1), 3)
    np.testing.assert_array_equal(flat.density, column.density)
    assert flat.params.n_features == 1


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: experiments.mixture_density_1d(np.zeros((10, 2)), 1), ValueError, r"sample.*2 features"),
        (lambda: experiments.mixture_density_1d(np.array([]), 1), ValueError, r"0 sample"),
        (lambda: experiments.mixture_density_1d(np.array([0.0, np.nan, 1.0]), 1), ValueError, r"sample.*NaN"),
        (lambda: experiments.mixture_density_1d(np.array([0.0, np.inf, 1.0]), 1), ValueError, r"sample.*infinity"),
        (lambda: experiments.mixture_density_1d(np.array(["a", "b"]), 1), ValueError, r"'a'|string"),
        (lambda: experiments.mixture_density_1d(np.arange(5.0), 6), ValueError, r"n_components.*6"),
        (lambda: experiments.mixture_density_1d(np.arange(5.0), 2, grid=np.zeros((2, 3))), ValueError,
         r"grid.*\(2, 3\)"),
    ],
)
def test_mixture_density_1d_rejects_bad_input_naming_the_parameter_and_value(call, error, match):
    with pytest.raises(error, match=match):
        call()
