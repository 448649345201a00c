"""UMAP's fuzzy neighbour graph (McInnes, Healy and Melville, 2018) and its cross-entropy on codes.

No TensorFlow here except in :func:`graph_cross_entropy`, which works on arrays and on tensors.

The graph: each point i keeps its k nearest neighbours j (itself excluded), at distances d_ij, with membership

    w_ij = exp(-max(0, d_ij - rho_i) / sigma_i),

rho_i the distance to the nearest neighbour (so that neighbour gets 1), sigma_i set by bisection so that
sum_j w_ij = log2(k) (UMAP's calibration: every point has the same total membership, dense and sparse regions
alike). The directed memberships are symmetrised as a fuzzy union, w + w^T - w * w^T.

The codes' similarity is UMAP's curve q(d) = 1 / (1 + a d^(2b)); the cross-entropy between the graph and the
codes pulls sampled edges together (-log q) and pushes ``n_negatives`` random pairs apart (-log(1 - q)).
"""

import math

import numpy as np
from scipy import sparse
from scipy.optimize import curve_fit
from sklearn.neighbors import NearestNeighbors

from .validation import check_data, check_non_negative, check_positive_int

__all__ = ["smooth_knn_scales", "fuzzy_knn_graph", "similarity_curve", "sample_neighbours", "graph_cross_entropy"]

BISECTION_STEPS = 64
# Squared distances below this count as 0 in the cross-entropy (the power 2b < 2 has no slope at 0).
SQUARED_DISTANCE_FLOOR = 1e-8
# -log(1 - q) is capped near q = 1 (UMAP clips its repulsive gradient the same way).
REPULSION_FLOOR = 1e-4


def smooth_knn_scales(distances):
    """UMAP's ``rho`` and ``sigma`` per row of ``distances`` (n, k), sorted ascending, each row's neighbours.

    ``rho_i`` is the smallest positive distance of row i (0 if none); ``sigma_i`` > 0 solves
    sum_j exp(-max(0, d_ij - rho_i) / sigma_i) = log2(k) by bisection. Returns two arrays of shape (n,).
    (With more than log2(k) neighbours tied at ``rho_i`` the sum cannot come down to log2(k); sigma then
    shrinks towards 0 and each tied neighbour keeps membership 1.)
    """
    distances = check_data(distances, name="distances")
    if np.any(distances < 0):
        raise ValueError("distances must be >= 0")
    n, k = distances.shape
    target = math.log2(k)
    positive = np.where(distances > 0, distances, np.inf).min(axis=1)
    rho = np.where(np.isfinite(positive), positive, 0.0)
    shifted = np.maximum(distances - rho[:, None], 0.0)
    low, high, sigma = np.zeros(n), np.full(n, np.inf), np.ones(n)
    for _ in range(BISECTION_STEPS):
        too_large = np.exp(-shifted / sigma[:, None]).sum(axis=1) > target
        high = np.where(too_large, sigma, high)
        low = np.where(too_large, low, sigma)
        sigma = np.where(np.isfinite(high), 0.5 * (low + high), 2.0 * sigma)
    return rho, sigma


def fuzzy_knn_graph(X, n_neighbors=15, *, symmetric=True):
    """UMAP's fuzzy k-nearest-neighbour graph of the rows of ``X`` (n, n_features), Euclidean distances.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_neighbors : int, default 15
        k, the neighbours of each point besides itself; 2 <= k < n_samples.
    symmetric : bool, default True
        False returns the directed memberships, each row summing to log2(k).

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Memberships in [0, 1], zero diagonal.
    """
    X = check_data(X, min_samples=3)
    n = X.shape[0]
    k = check_positive_int("n_neighbors", n_neighbors, minimum=2)
    if k >= n:
        raise ValueError(f"n_neighbors={k} must be < n_samples={n} (each point's neighbours exclude itself)")
    distances, indices = NearestNeighbors(n_neighbors=k).fit(X).kneighbors()
    rho, sigma = smooth_knn_scales(distances)
    memberships = np.exp(-np.maximum(distances - rho[:, None], 0.0) / sigma[:, None])
    directed = sparse.csr_matrix((memberships.ravel(), indices.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    if not symmetric:
        return directed
    return (directed + directed.T - directed.multiply(directed.T)).tocsr()


def similarity_curve(min_dist=0.1, spread=1.0):
    """UMAP's ``(a, b)``: 1 / (1 + a d^(2b)) fitted to 1 for d < min_dist and exp(-(d - min_dist) / spread) beyond."""
    min_dist, spread = check_non_negative("min_dist", min_dist), check_non_negative("spread", spread)
    if spread == 0 or min_dist >= spread:
        raise ValueError(f"need 0 <= min_dist < spread, got min_dist={min_dist}, spread={spread}")
    d = np.linspace(0.0, 3.0 * spread, 300)
    target = np.where(d < min_dist, 1.0, np.exp(-(d - min_dist) / spread))
    (a, b), _ = curve_fit(lambda d, a, b: 1.0 / (1.0 + a * d ** (2.0 * b)), d, target, p0=(1.5, 0.9))
    return float(a), float(b)


def sample_neighbours(graph, random_state=None):
    """One neighbour j of every row i of ``graph`` (sparse, n x n), drawn with probability w_ij / sum_j w_ij.

    Returns an int array of shape (n,). Every row needs at least one positive membership.
    """
    graph = sparse.csr_matrix(graph)
    totals = np.asarray(graph.sum(axis=1)).ravel()
    if graph.shape[0] != graph.shape[1] or np.any(totals <= 0):
        raise ValueError("graph must be square with at least one positive membership per row")
    rng = np.random.default_rng(random_state)
    cumulative = np.cumsum(graph.data)
    before = np.concatenate([[0.0], cumulative])[graph.indptr[:-1]]
    positions = np.searchsorted(cumulative, before + rng.random(graph.shape[0]) * totals, side="right")
    return graph.indices[np.clip(positions, graph.indptr[:-1], graph.indptr[1:] - 1)]


def _namespace(*arrays):
    """NumPy for arrays and lists, keras.ops (imported only then) for tensors."""
    if all(isinstance(a, (np.ndarray, list, tuple)) for a in arrays):
        return np
    from keras import ops

    return ops


def graph_cross_entropy(heads, tails, a, b, n_negatives=5, stride=1):
    """Mean over a batch of UMAP's cross-entropy: -log q(head, tail) - sum over negatives of log(1 - q).

    ``heads`` and ``tails`` (batch, d), arrays or tensors, are the codes of the two ends of sampled edges; the
    negatives pair each head with the tails ``stride``, 2 ``stride``, ..., ``n_negatives`` ``stride`` rows further
    down the batch (random points when the batch is shuffled; ``stride`` = edges per head when a head's edges
    sit in consecutive rows). Returns a scalar.
    """
    xp = _namespace(heads, tails)
    if xp is np:
        heads, tails = check_data(heads, name="heads"), check_data(tails, name="tails")
        if heads.shape != tails.shape:
            raise ValueError(f"heads has shape {heads.shape}, but tails has shape {tails.shape}")
    roll = np.roll if xp is np else xp.roll

    def log1p_ad(tails):  # log(1 + a d^(2b)) = -log q
        squared = xp.sum(xp.square(heads - tails), axis=-1)
        return xp.log1p(a * xp.power(squared + SQUARED_DISTANCE_FLOOR, b)), squared

    attraction, _ = log1p_ad(tails)
    repulsion = 0.0
    for shift in range(1, n_negatives + 1):
        squared = xp.sum(xp.square(heads - roll(tails, shift * stride, axis=0)), axis=-1)
        # -log(1 - q) = log(1 + 1 / (a d^(2b)))
        repulsion = repulsion + xp.log1p(1.0 / (a * xp.power(squared + SQUARED_DISTANCE_FLOOR, b) + REPULSION_FLOOR))
    return xp.mean(attraction + repulsion)
