import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture

from aegmm_lessons import GMMParams
from aegmm_lessons.validation import check_array_2d, check_non_negative, check_positive_int


def make_params(k=3, d=2, covariance_type="full", seed=0):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(k))
    means = rng.normal(size=(k, d))
    if covariance_type == "full":
        a = rng.normal(size=(k, d, d))
        covariances = a @ a.transpose(0, 2, 1) + np.eye(d)
    else:
        covariances = rng.uniform(0.5, 2.0, size=(k, d))
    return GMMParams(weights, means, covariances, covariance_type)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_shapes_come_from_weights_and_means(covariance_type):
    params = make_params(4, 3, covariance_type)
    assert (params.n_components, params.n_features) == (4, 3)
    assert params.full_covariances().shape == (4, 3, 3)


def test_arrays_are_copied_and_read_only():
    weights = np.array([0.5, 0.5])
    params = GMMParams(weights, np.zeros((2, 1)), np.ones((2, 1, 1)))
    weights[0] = 0.9
    assert params.weights[0] == 0.5
    with pytest.raises(ValueError, match="read-only"):
        params.weights[0] = 0.1


@pytest.mark.parametrize(
    "weights, means, covariances, message",
    [
        ([0.5, 0.5], np.zeros((3, 2)), np.ones((2, 2, 2)), r"means must have shape .* = \(2, d\).*got \(3, 2\)"),
        ([0.5, 0.5], np.zeros(2), np.ones((2, 2, 2)), r"means must have shape .*got \(2,\)"),
        ([0.5, 0.5], np.zeros((2, 2)), np.stack([np.eye(3)] * 2), r"must have shape \(2, 2, 2\), got \(2, 3, 3\)"),
        ([[0.5, 0.5]], np.zeros((2, 2)), np.stack([np.eye(2)] * 2), r"weights must have shape \(n_components,\)"),
        ([0.6, 0.6], np.zeros((2, 2)), np.stack([np.eye(2)] * 2), r"weights must sum to 1, got sum 1.2"),
        ([1.5, -0.5], np.zeros((2, 2)), np.stack([np.eye(2)] * 2), r"weights must be positive, got minimum -0.5"),
        ([np.nan, 0.5], np.zeros((2, 2)), np.stack([np.eye(2)] * 2), r"weights must be finite, got 1 NaN"),
        ([0.5, 0.5], [[0, np.inf], [0, 0]], np.stack([np.eye(2)] * 2), r"means must be finite"),
        ([0.5, 0.5], np.zeros((2, 2)), np.stack([np.eye(2), [[1, 2], [2, 1]]]), r"covariances\[1\] must be positive-definite, got smallest eigenvalue -1"),
        ([0.5, 0.5], np.zeros((2, 2)), np.stack([np.eye(2), [[1, 0.5], [0, 1]]]), r"covariances\[1\] must be symmetric"),
        ([], np.zeros((0, 2)), np.zeros((0, 2, 2)), r"n_components >= 1, got \(0,\)"),
    ],
)
def test_invalid_parameters_name_expected_and_actual(weights, means, covariances, message):
    with pytest.raises(ValueError, match=message):
        GMMParams(weights, means, covariances)


def test_diag_variances_must_be_positive():
    with pytest.raises(ValueError, match="diagonal covariances must be positive, got minimum -1"):
        GMMParams([1.0], [[0.0, 0.0]], [[1.0, -1.0]], "diag")


def test_unknown_covariance_type_is_rejected():
    with pytest.raises(ValueError, match=r"covariance_type must be one of \('full', 'diag'\), got 'spherical'"):
        GMMParams([1.0], [[0.0]], [[1.0]], "spherical")


@pytest.mark.parametrize("covariance_type, expected", [("full", 2 + 6 + 9), ("diag", 2 + 6 + 6)])
def test_n_parameters_counts_free_parameters(covariance_type, expected):
    assert make_params(3, 2, covariance_type).n_parameters == expected


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_precisions_are_inverse_covariances(covariance_type):
    params = make_params(3, 4, covariance_type)
    cov = params.full_covariances()
    prec = params.precisions()
    if covariance_type == "diag":
        prec = np.stack([np.diag(p) for p in prec])
    np.testing.assert_allclose(prec @ cov, np.broadcast_to(np.eye(4), cov.shape), atol=1e-10)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_sklearn_round_trip_keeps_parameters_and_density(covariance_type):
    params = make_params(3, 2, covariance_type, seed=1)
    gm = params.to_sklearn()
    back = GMMParams.from_sklearn(gm)
    for name in ("weights", "means", "covariances"):
        np.testing.assert_array_equal(getattr(back, name), getattr(params, name))
    X = np.random.default_rng(2).normal(size=(50, 2))
    cov = params.full_covariances()
    density = sum(
        w * multivariate_normal(m, c).pdf(X) for w, m, c in zip(params.weights, params.means, cov)
    )
    np.testing.assert_allclose(gm.score_samples(X), np.log(density), rtol=1e-12)


def test_from_sklearn_rejects_unfitted_model():
    with pytest.raises(ValueError, match="not fitted"):
        GMMParams.from_sklearn(GaussianMixture(2))


def test_check_data_names_both_widths():
    with pytest.raises(ValueError, match="X has 3 features, but the mixture expects n_features = 2"):
        make_params(3, 2).check_data(np.zeros((5, 3)))


@pytest.mark.parametrize(
    "X, message",
    [(np.zeros(3), r"must be 2-D .* got 1-D shape \(3,\)"), (np.zeros((0, 2)), r"got shape \(0, 2\)"),
     ([[np.nan, 1.0]], "must be finite, got 1 NaN"), ([["a", "b"]], "must be a numeric array")],
)
def test_check_array_2d_rejects_bad_input(X, message):
    with pytest.raises(ValueError, match=message):
        check_array_2d(X)


def test_scalar_checks_name_the_value():
    assert check_positive_int("n_components", 3) == 3
    with pytest.raises(ValueError, match="n_components must be an integer >= 1, got 0"):
        check_positive_int("n_components", 0)
    with pytest.raises(ValueError, match="n_components must be an integer >= 1, got float 2.0"):
        check_positive_int("n_components", 2.0)
    with pytest.raises(ValueError, match="reg_covar must be >= 0, got -1"):
        check_non_negative("reg_covar", -1e-6)
