import itertools

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.exceptions import NotFittedError
from sklearn.mixture import GaussianMixture

from aegmm_lessons.params import GMMParams, ParamLayout

LAYOUT_SHAPES = [(1, 1, "full"), (3, 1, "full"), (1, 3, "full"), (3, 4, "full"), (4, 2, "diag"), (1, 1, "diag")]

WEIGHTS, MEANS, COVARIANCES = [0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], np.stack([np.eye(2)] * 2)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_shapes_come_from_weights_and_means(random_params, covariance_type):
    params = random_params(4, 3, covariance_type)
    assert (params.n_components, params.n_features) == (4, 3)
    assert params.full_covariances().shape == (4, 3, 3)


def test_arrays_are_copied_and_read_only():
    weights = np.array(WEIGHTS)
    params = GMMParams(weights, MEANS, COVARIANCES)
    weights[0] = 0.9
    assert params.weights[0] == 0.5
    for name in ("weights", "means", "covariances"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(params, name)[0] = 0.1


@pytest.mark.parametrize(
    "weights, means, covariances, covariance_type, match",
    [
        # kind: width
        (WEIGHTS, np.zeros((3, 2)), COVARIANCES, "full", r"means.*\(2, d\).*\(3, 2\)"),
        (WEIGHTS, np.zeros(2), COVARIANCES, "full", r"means.*\(2,\)"),
        (WEIGHTS, [[0.0, 0.0]], COVARIANCES, "full", r"means.*\(1, 2\)"),
        (WEIGHTS, MEANS, np.stack([np.eye(3)] * 2), "full", r"covariances.*\(2, 2, 2\), got \(2, 3, 3\)"),
        (WEIGHTS, MEANS, np.ones((2, 3)), "diag", r"covariances.*\(2, 2\), got \(2, 3\)"),
        ([WEIGHTS], MEANS, COVARIANCES, "full", r"weights.*\(n_components,\).*\(1, 2\)"),
        # kind: empty
        ([], np.zeros((0, 2)), np.zeros((0, 2, 2)), "full", r"weights.*n_components >= 1, got \(0,\)"),
        # kind: simplex
        ([0.5, 0.4], MEANS, COVARIANCES, "full", r"weights must sum to 1, got sum 0\.9"),
        ([0.6, 0.6], MEANS, COVARIANCES, "full", r"weights must sum to 1, got sum 1\.2"),
        ([1.5, -0.5], MEANS, COVARIANCES, "full", r"weights must be positive, got minimum -0\.5"),
        # kind: nan, inf
        ([np.nan, 0.5], MEANS, COVARIANCES, "full", r"weights contains NaN"),
        (WEIGHTS, [[0, np.nan], [1, 1]], COVARIANCES, "full", r"means contains NaN"),
        (WEIGHTS, [[0, np.inf], [1, 1]], COVARIANCES, "full", r"means contains infinity"),
        # kind: non-spd
        (WEIGHTS, MEANS, np.stack([np.eye(2), np.diag([1.0, -1.0])]), "full",
         r"covariances\[1\] must be positive-definite, got smallest eigenvalue -1"),
        (WEIGHTS, MEANS, np.stack([np.eye(2), [[1, 0.5], [0, 1]]]), "full",
         r"covariances\[1\] must be symmetric.*0\.5"),
        (WEIGHTS, MEANS, [[1, 0], [1, 1]], "diag", r"covariances must be positive, got minimum 0"),
        # kind: dtype, unknown parameter
        (["a", "b"], MEANS, COVARIANCES, "full", r"weights.*'a'"),
        (WEIGHTS, MEANS, np.ones((2, 2, 2)) * 1j, "full", r"covariances.*[Cc]omplex"),
        (WEIGHTS, MEANS, COVARIANCES, "spherical", r"covariance_type.*'spherical'"),
    ],
)
def test_invalid_parameters_name_expected_and_actual(weights, means, covariances, covariance_type, match):
    with pytest.raises(ValueError, match=match):
        GMMParams(weights, means, covariances, covariance_type)


def test_an_array_of_non_numbers_is_a_type_error():
    with pytest.raises(TypeError, match="weights"):
        GMMParams(np.array([{"a": 1}, 0.5], dtype=object), MEANS, COVARIANCES)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weight_sum_tolerance_follows_the_dtype_as_sklearn_does(dtype):
    # 2e-7 off the simplex: within float32's tolerance (1e-6), outside float64's (1e-8), in scikit-learn and here.
    weights, means, covariances = np.array([0.3, 0.3, 0.4 + 2e-7], dtype=dtype), np.zeros((3, 2)), [np.eye(2)] * 3
    X = np.random.default_rng(0).normal(size=(30, 2))
    if dtype == np.float64:
        with pytest.raises(ValueError, match="weights"):
            GaussianMixture(3, weights_init=weights, max_iter=1).fit(X)
        with pytest.raises(ValueError, match=r"weights must sum to 1, got sum 1\.0000002"):
            GMMParams(weights, means, covariances)
        return
    GaussianMixture(3, weights_init=weights, max_iter=1).fit(X)
    params = GMMParams(weights, means, covariances)
    assert params.weights.dtype == np.float64 and params.weights.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(params.weights, weights, rtol=1e-6)
    GaussianMixture(**params.sklearn_init(), max_iter=1).fit(X)  # and scikit-learn takes them back as float64
    with pytest.raises(ValueError, match=r"weights must sum to 1, got sum 1\.01"):
        GMMParams(np.array([0.3, 0.3, 0.41], dtype=dtype), means, covariances)


def test_float32_mixture_fitted_by_sklearn_converts(random_params):
    X = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
    gm = GaussianMixture(4, random_state=0).fit(X)
    assert gm.weights_.dtype == np.float32
    params = GMMParams.from_sklearn(gm)
    np.testing.assert_allclose(params.means, gm.means_, rtol=1e-6)
    np.testing.assert_allclose(params.to_sklearn().score_samples(X), gm.score_samples(X), rtol=1e-4)


@pytest.mark.parametrize("covariance_type, expected", [("full", 2 + 6 + 9), ("diag", 2 + 6 + 6)])
def test_n_parameters_counts_free_parameters(random_params, covariance_type, expected):
    assert random_params(3, 2, covariance_type).n_parameters == expected


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_precisions_and_their_cholesky_factors_invert_the_covariances(random_params, covariance_type):
    params = random_params(3, 4, covariance_type)
    covariances = params.full_covariances()
    factors, precisions = params.precisions_cholesky(), params.precisions()
    if covariance_type == "diag":
        factors, precisions = np.stack([np.diag(f) for f in factors]), np.stack([np.diag(p) for p in precisions])
    identity = np.broadcast_to(np.eye(4), covariances.shape)
    np.testing.assert_allclose(precisions @ covariances, identity, atol=1e-10)
    np.testing.assert_allclose(factors @ factors.transpose(0, 2, 1) @ covariances, identity, atol=1e-10)
    np.testing.assert_array_equal(factors, np.triu(factors))


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_cholesky_factors_are_computed_once_while_validating_and_kept_read_only(random_params, covariance_type,
                                                                                 monkeypatch):
    params = random_params(3, 4, covariance_type, seed=5)
    factors = params.precisions_cholesky()
    assert params.precisions_cholesky() is factors and not factors.flags.writeable
    monkeypatch.setattr(np.linalg, "cholesky", lambda *args: pytest.fail("factor recomputed"))
    params.precisions_cholesky()
    params.precisions()


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_from_estimates_builds_the_same_mixture_without_the_checks_that_cannot_fail(random_params, covariance_type):
    params = random_params(3, 4, covariance_type, seed=6)
    rebuilt = GMMParams.from_estimates(params.weights, params.means, params.covariances, covariance_type)
    for name in ("weights", "means", "covariances"):
        np.testing.assert_array_equal(getattr(rebuilt, name), getattr(params, name))
    np.testing.assert_array_equal(rebuilt.precisions_cholesky(), params.precisions_cholesky())
    assert rebuilt.covariance_type == covariance_type and not rebuilt.means.flags.writeable


def test_from_estimates_still_rejects_a_collapsed_or_infinite_covariance():
    collapsed = np.stack([np.eye(2), np.zeros((2, 2))])
    with pytest.raises(ValueError, match=r"covariances\[1\] must be positive-definite"):
        GMMParams.from_estimates(np.full(2, 0.5), np.zeros((2, 2)), collapsed)
    with pytest.raises(ValueError, match="finite"):
        GMMParams.from_estimates(np.full(2, 0.5), np.zeros((2, 2)), np.stack([np.eye(2), np.full((2, 2), np.inf)]))


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_sklearn_round_trip_keeps_parameters_and_density(random_params, covariance_type):
    params = random_params(3, 2, covariance_type, seed=1)
    gm = params.to_sklearn()
    back = GMMParams.from_sklearn(gm)
    for name in ("weights", "means", "covariances"):
        np.testing.assert_array_equal(getattr(back, name), getattr(params, name))
    X = np.random.default_rng(2).normal(size=(50, 2))
    density = sum(w * multivariate_normal(m, c).pdf(X)
                  for w, m, c in zip(params.weights, params.means, params.full_covariances(), strict=True))
    np.testing.assert_allclose(gm.score_samples(X), np.log(density), rtol=1e-12)


def test_sklearn_init_starts_sklearn_at_these_parameters(random_params):
    params = random_params(3, 2, seed=4)
    X = np.random.default_rng(3).normal(size=(60, 2))
    gm = GaussianMixture(**params.sklearn_init(), max_iter=1, tol=0)
    gm._initialize_parameters(X, np.random.RandomState(0))
    np.testing.assert_allclose(gm.means_, params.means)
    np.testing.assert_allclose(gm.precisions_cholesky_, params.precisions_cholesky(), rtol=1e-10)


def test_from_sklearn_rejects_an_unfitted_model():
    with pytest.raises(NotFittedError, match="not fitted"):
        GMMParams.from_sklearn(GaussianMixture(2))


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.ones((5, 3)), ValueError, r"X has 3 features.*n_features=2"),  # width
        (np.ones(5), ValueError, r"1D array"),  # 1-D
        (np.ones((0, 2)), ValueError, r"0 sample"),  # empty
        ([[np.nan, 1.0]], ValueError, r"X contains NaN"),
        ([[np.inf, 1.0]], ValueError, r"X contains infinity"),
        ([["a", "b"]], ValueError, r"'a'"),  # dtype
    ],
)
def test_check_data_rejects_bad_data(X, error, match):
    with pytest.raises(error, match=match):
        GMMParams(WEIGHTS, MEANS, COVARIANCES).check_data(X)


# ----- ParamLayout: the flat unconstrained vector of a mixture -----


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
def test_layout_size_is_the_number_of_free_parameters(random_params, shape):
    params = random_params(*shape)
    assert ParamLayout.from_params(params).size == params.n_parameters


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
def test_layout_blocks_tile_the_vector_in_order(shape):
    layout = ParamLayout(*shape)
    slices = list(layout.slices().values())
    assert list(layout.slices()) == list(layout.block_shapes()) == ["logits", "means", "log_diagonals", "off_diagonals"]
    assert slices[0].start == 0 and slices[-1].stop == layout.size
    assert all(a.stop == b.start for a, b in itertools.pairwise(slices))
    for name, where in layout.slices().items():
        assert where.stop - where.start == int(np.prod(layout.block_shapes()[name]))


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
def test_pack_then_unpack_returns_the_same_mixture_to_1e_12(random_params, shape):
    params = random_params(*shape)
    layout = ParamLayout.from_params(params)
    again = layout.unpack(layout.pack(params))
    for name in ("weights", "means", "covariances"):
        np.testing.assert_allclose(getattr(again, name), getattr(params, name), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", LAYOUT_SHAPES)
def test_unpack_then_pack_returns_the_same_vector_to_1e_12(shape):
    layout = ParamLayout(*shape)
    theta = np.random.default_rng(1).normal(scale=0.5, size=layout.size)
    np.testing.assert_allclose(layout.pack(layout.unpack(theta)), theta, rtol=0, atol=1e-12)


def test_split_and_join_are_inverse_and_join_checks_block_shapes():
    layout = ParamLayout(3, 2)
    theta = np.arange(layout.size, dtype=float)
    np.testing.assert_array_equal(layout.join(layout.split(theta)), theta)
    blocks = layout.split(theta)
    blocks["means"] = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"means.*\(3, 2\).*\(2, 3\)"):
        layout.join(blocks)


def test_first_logit_is_pinned_so_logits_are_log_weight_ratios(random_params):
    params = random_params(4, 2)
    layout = ParamLayout.from_params(params)
    logits = layout.split(layout.pack(params))["logits"]
    np.testing.assert_allclose(logits, np.log(params.weights[1:] / params.weights[0]), atol=1e-12)


def test_precision_factor_is_the_upper_cholesky_factor_of_the_precision(random_params):
    params = random_params(3, 4)
    layout = ParamLayout.from_params(params)
    factors = layout.precisions_cholesky(layout.pack(params))
    np.testing.assert_allclose(factors, params.precisions_cholesky(), atol=1e-12)
    np.testing.assert_allclose(factors @ factors.transpose(0, 2, 1), np.linalg.inv(params.covariances), rtol=1e-10)
    assert np.all(np.tril(factors, -1) == 0)


@pytest.mark.parametrize("scale", [50.0, 300.0, 2000.0])
def test_extreme_logits_still_give_positive_weights_summing_to_one(scale):
    layout = ParamLayout(4, 2)
    theta = np.zeros(layout.size)
    theta[layout.slices()["logits"]] = [scale, -scale, 0.5 * scale]
    weights = layout.unpack(theta).weights
    assert np.all(weights > 0)
    assert abs(weights.sum() - 1) < 1e-12


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
@pytest.mark.parametrize("log_scale", [-15.0, 15.0])
def test_extreme_log_diagonals_and_off_diagonals_still_give_spd_covariances(covariance_type, log_scale):
    layout = ParamLayout(3, 4, covariance_type)
    rng = np.random.default_rng(2)
    blocks = layout.split(rng.normal(size=layout.size))
    blocks["log_diagonals"] = log_scale + rng.normal(size=blocks["log_diagonals"].shape)
    blocks["off_diagonals"] = 30.0 * np.exp(log_scale) * rng.normal(size=blocks["off_diagonals"].shape)
    params = layout.unpack(layout.join(blocks))  # GMMParams checks symmetry and Cholesky
    for covariance in params.full_covariances():
        assert np.all(np.linalg.eigvalsh(covariance) > 0)


def test_unpack_explains_a_covariance_too_ill_conditioned_for_float64():
    layout = ParamLayout(1, 10)
    blocks = layout.split(np.zeros(layout.size))
    blocks["log_diagonals"][:] = -8.0
    blocks["off_diagonals"][:] = 1.0
    with pytest.raises(ValueError, match=r"condition number .* not representable in float64"):
        layout.unpack(layout.join(blocks))


@pytest.mark.filterwarnings("error")
def test_unpack_reports_a_variance_beyond_float64_without_warnings():
    layout = ParamLayout(2, 2, "diag")
    blocks = layout.split(np.zeros(layout.size))
    blocks["log_diagonals"][0, 0] = -400.0  # variance exp(800)
    with pytest.raises(ValueError, match=r"component 0: its precision factor is too extreme"):
        layout.unpack(layout.join(blocks))


def test_unpack_rejects_a_vector_of_the_wrong_length_or_not_finite():
    layout = ParamLayout(2, 3)
    with pytest.raises(ValueError, match=r"theta.*\(19,\).*got \(18,\)"):
        layout.unpack(np.zeros(18))
    for bad, message in [(np.nan, "NaN"), (np.inf, "infinity")]:
        theta = np.zeros(layout.size)
        theta[3] = bad
        with pytest.raises(ValueError, match=message):
            layout.unpack(theta)


def test_pack_rejects_params_of_another_shape_or_type(random_params):
    with pytest.raises(ValueError, match=r"\(2, 3, 'full'\).*expects \(2, 2, 'full'\)"):
        ParamLayout(2, 2).pack(random_params(2, 3))
    with pytest.raises(ValueError, match=r"\(2, 2, 'diag'\).*expects \(2, 2, 'full'\)"):
        ParamLayout(2, 2).pack(random_params(2, 2, "diag"))
    with pytest.raises(TypeError, match=r"params.*dict"):
        ParamLayout(2, 2).pack({"weights": [0.5, 0.5]})


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((0, 2), ValueError, "n_components.*0"),
        ((2, -1), ValueError, "n_features.*-1"),
        ((2, 1.5), TypeError, "n_features.*float"),
        ((2, 2, "spherical"), ValueError, "covariance_type.*'spherical'"),
    ],
)
def test_layout_rejects_bad_shapes(args, error, message):
    with pytest.raises(error, match=message):
        ParamLayout(*args)


def test_off_diagonal_scatter_places_each_entry_where_precisions_cholesky_puts_it():
    layout = ParamLayout(3, 4)
    theta = np.random.default_rng(8).normal(size=layout.size)
    blocks = layout.split(theta)
    placed = (blocks["off_diagonals"] @ layout.off_diagonal_scatter()).reshape(3, 4, 4)
    factors = np.exp(blocks["log_diagonals"])[:, :, None] * np.eye(4) + placed
    np.testing.assert_array_equal(factors, layout.precisions_cholesky(theta))
    assert layout.off_diagonal_scatter("float32").dtype == np.float32


def test_covariances_from_factors_inverts_the_precisions(random_params):
    params = random_params(3, 4, "full", seed=9)
    covariances = ParamLayout.from_params(params).covariances_from_factors(params.precisions_cholesky())
    np.testing.assert_allclose(covariances, params.covariances, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(covariances, covariances.transpose(0, 2, 1))
