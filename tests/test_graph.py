"""UMAP's fuzzy neighbour graph: calibration, symmetry, sampling, and the cross-entropy on codes."""

import math

import numpy as np
import pytest
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

from aegmm_lessons import graph


@pytest.fixture(scope="module")
def points():
    return np.random.default_rng(0).normal(size=(120, 5))


@pytest.mark.parametrize("k", [5, 15])
def test_each_point_s_memberships_sum_to_log2_k_before_symmetrisation(points, k):
    directed = graph.fuzzy_knn_graph(points, k, symmetric=False)
    assert np.allclose(np.asarray(directed.sum(axis=1)).ravel(), math.log2(k), atol=1e-9)
    assert np.all(directed.getnnz(axis=1) == k) and directed.diagonal().max() == 0


def test_nearest_neighbour_has_membership_one_and_the_others_decay_with_distance(points):
    directed = graph.fuzzy_knn_graph(points, 10, symmetric=False).toarray()
    _, indices = NearestNeighbors(n_neighbors=10).fit(points).kneighbors()
    rows = np.arange(len(points))[:, None]
    memberships = directed[rows, indices]
    assert np.allclose(memberships[:, 0], 1.0)
    assert np.all(np.diff(memberships, axis=1) <= 1e-12)  # farther neighbours, smaller memberships


def test_symmetric_graph_is_the_fuzzy_union_with_memberships_in_unit_interval(points):
    directed = graph.fuzzy_knn_graph(points, 15, symmetric=False).toarray()
    union = graph.fuzzy_knn_graph(points, 15)
    assert sparse.issparse(union)
    union = union.toarray()
    assert np.array_equal(union, union.T)
    assert union.min() >= 0 and union.max() <= 1
    assert np.allclose(union, directed + directed.T - directed * directed.T)


def test_smooth_knn_scales_solve_the_calibration_by_bisection():
    distances = np.sort(np.random.default_rng(1).uniform(0.5, 3.0, size=(20, 8)), axis=1)
    rho, sigma = graph.smooth_knn_scales(distances)
    assert np.allclose(rho, distances[:, 0])
    sums = np.exp(-(distances - rho[:, None]) / sigma[:, None]).sum(axis=1)
    assert np.allclose(sums, 3.0)


def test_similarity_curve_matches_umap_s_published_constants():
    a, b = graph.similarity_curve(0.1, 1.0)
    assert a == pytest.approx(1.577, abs=2e-3) and b == pytest.approx(0.895, abs=2e-3)


def test_sampled_neighbours_follow_the_memberships():
    weights = sparse.csr_matrix(np.array([[0.0, 0.75, 0.25], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]))
    draws = np.stack([graph.sample_neighbours(weights, random_state=seed) for seed in range(4000)])
    assert np.all(draws[:, 1] == 0)
    assert np.mean(draws[:, 0] == 1) == pytest.approx(0.75, abs=0.03)
    assert np.mean(draws[:, 2] == 0) == pytest.approx(0.5, abs=0.03)


def test_cross_entropy_is_small_for_close_edges_and_far_negatives():
    rng = np.random.default_rng(2)
    centres = np.repeat(np.eye(4) * 20.0, 8, axis=0)
    heads = centres + rng.normal(scale=0.05, size=centres.shape)
    tails = centres + rng.normal(scale=0.05, size=centres.shape)
    order = rng.permutation(len(heads))  # so that negatives land in other clusters mostly
    tight = graph.graph_cross_entropy(heads[order], tails[order], 1.577, 0.895)
    mixed = graph.graph_cross_entropy(heads[order], rng.normal(size=heads.shape), 1.577, 0.895)
    assert tight < mixed


def test_cross_entropy_on_tensors_equals_numpy():
    import keras

    rng = np.random.default_rng(3)
    heads, tails = rng.normal(size=(16, 3)), rng.normal(size=(16, 3))
    expected = graph.graph_cross_entropy(heads, tails, 1.5, 0.9, n_negatives=3, stride=2)
    on_tensors = graph.graph_cross_entropy(keras.ops.convert_to_tensor(heads), keras.ops.convert_to_tensor(tails),
                                           1.5, 0.9, n_negatives=3, stride=2)
    assert float(keras.ops.convert_to_numpy(on_tensors)) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(("data", "k", "match"), [
    (np.full((10, 2), np.nan), 3, "NaN"),
    (np.zeros((10, 2)) + np.arange(10)[:, None], 10, "n_neighbors=10 must be < n_samples=10"),
    (np.arange(20.0).reshape(10, 2), 1, "n_neighbors"),
])
def test_bad_inputs_are_refused(data, k, match):
    with pytest.raises(ValueError, match=match):
        graph.fuzzy_knn_graph(data, k)


def test_bad_curves_and_samples_are_refused():
    with pytest.raises(ValueError, match="min_dist"):
        graph.similarity_curve(min_dist=2.0, spread=1.0)
    with pytest.raises(ValueError, match="min_dist"):
        graph.similarity_curve(min_dist=-0.1)
    with pytest.raises(ValueError, match="at least one positive membership"):
        graph.sample_neighbours(sparse.csr_matrix((3, 3)))
    with pytest.raises(ValueError, match="tails has shape"):
        graph.graph_cross_entropy(np.zeros((4, 2)), np.zeros((3, 2)), 1.0, 1.0)
