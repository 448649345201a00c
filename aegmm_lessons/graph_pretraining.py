"""Training codes on UMAP's neighbour graph (McInnes et al., 2018) in Keras: batches of images with a neighbour
each, the graph term of a batch, and the graph-regularised autoencoder that pretrains lesson 06's model.

The graph and its cross-entropy are in :mod:`aegmm_lessons.graph` (NumPy/SciPy, no TensorFlow).
"""

import math

import keras
import numpy as np
from keras import ops

from .graph import graph_cross_entropy, sample_neighbours
from .vae import VAE, bernoulli_nll
from .validation import check_non_negative, check_positive_int

__all__ = ["split_pairs", "graph_term", "GraphAutoencoder", "NeighbourPairs"]


def split_pairs(x, n_features):
    """A batch of images (b, n_features) and their s sampled neighbours each, (b s, n_features) (None without)."""
    if x.shape[-1] == n_features:
        return x, None
    return x[:, :n_features], ops.reshape(x[:, n_features:], (-1, n_features))


def graph_term(model, heads, tails):
    """The graph cross-entropy of codes ``heads`` and the codes of the neighbour images ``tails`` (0 without)."""
    if tails is None:
        return ops.zeros(())
    per_head = ops.shape(tails)[0] // ops.shape(heads)[0]
    return graph_cross_entropy(ops.repeat(heads, per_head, axis=0), model.encoder(tails)[0], *model.similarity,
                               model.n_negatives, stride=per_head)


class GraphAutoencoder(VAE):
    """Pretraining: the autoencoder x -> decoder(z_mean(x)), Bernoulli loss + ``graph_weight`` * graph term.

    Batches as for :class:`NeighbourPairs`; tracks ``loss``, ``reconstruction_loss`` and ``graph_loss``. The
    ``z_log_var`` head is not used (and not trained).
    """

    def __init__(self, encoder, decoder, *, graph_weight=0.0, similarity=(1.0, 1.0), n_negatives=5, **kwargs):
        super().__init__(encoder, decoder, likelihood="bernoulli", **kwargs)
        self.graph_weight = check_non_negative("graph_weight", graph_weight)
        self.similarity = tuple(check_non_negative(name, v) for name, v in zip("ab", similarity, strict=True))
        self.n_negatives = check_positive_int("n_negatives", n_negatives)
        self.trackers = [keras.metrics.Mean(name=name) for name in ("loss", "reconstruction_loss", "graph_loss")]

    def compute_losses(self, x):
        x, tails = split_pairs(x, self.n_features)
        z_mean = self.encoder(x)[0]
        reconstruction = ops.mean(bernoulli_nll(x, self.decoder(z_mean)))
        graph = graph_term(self, z_mean, tails)
        return reconstruction + self.graph_weight * graph, reconstruction, graph


class NeighbourPairs(keras.utils.PyDataset):
    """Shuffled batches of images, each row followed by ``per_image`` neighbours drawn from ``graph`` every epoch.

    ``X`` (n, n_features); ``graph`` a sparse (n, n) membership matrix (neighbour j of row i drawn with
    probability w_ij / sum_j w_ij, with replacement), or None for batches of images alone. Batches have shape
    (batch_size, (1 + per_image) n_features), or (batch_size, n_features) without a graph.
    """

    def __init__(self, X, graph, batch_size, per_image=1, random_state=0):
        super().__init__()
        self.X, self.graph, self.batch_size = X.astype("float32"), graph, batch_size
        self.per_image = check_positive_int("per_image", per_image)
        self.rng = np.random.default_rng(random_state)
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.X))
        if self.graph is not None:
            draws = [sample_neighbours(self.graph, self.rng) for _ in range(self.per_image)]
            self.neighbours = np.stack(draws, axis=1)[self.order]

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self.graph is None:
            return self.X[self.order[rows]]
        neighbours = self.X[self.neighbours[rows]]  # (b, per_image, n_features)
        return np.concatenate([self.X[self.order[rows]], neighbours.reshape(len(neighbours), -1)], axis=1)
