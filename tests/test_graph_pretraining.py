"""Training codes on the neighbour graph: batches of images and neighbours, the graph term, pretraining."""

import numpy as np
import pytest

from aegmm_lessons import repro

repro.setup(0, tensorflow=True)

import keras  # noqa: E402  (after repro.setup, which configures TensorFlow)
import tensorflow as tf  # noqa: E402

from aegmm_lessons import graph, vae  # noqa: E402
from aegmm_lessons import graph_pretraining as gp  # noqa: E402

N_TRAIN = 200


@pytest.fixture(scope="module")
def pixels(digits):
    return digits.X_train[:N_TRAIN]


def test_neighbour_pairs_carry_each_image_and_its_drawn_neighbours(pixels):
    memberships = graph.fuzzy_knn_graph(pixels, 5)
    batches = gp.NeighbourPairs(pixels, memberships, 32, per_image=3, random_state=0)
    assert len(batches) == int(np.ceil(N_TRAIN / 32))
    batch = batches[0]
    assert batch.shape == (32, 4 * 64)
    rows = batches.order[:32]
    np.testing.assert_array_equal(batch[:, :64], pixels[rows].astype("float32"))
    for i, row in enumerate(rows):
        for j in range(3):
            neighbour = batches.neighbours[i, j]
            assert memberships[row, neighbour] > 0
            np.testing.assert_array_equal(batch[i, 64 * (j + 1):64 * (j + 2)], pixels[neighbour].astype("float32"))
    assert gp.NeighbourPairs(pixels, None, 32)[0].shape == (32, 64)


def test_split_pairs_separates_images_from_their_neighbours():
    x = tf.reshape(tf.range(2 * 3 * 4, dtype="float32"), (2, 12))  # 2 images of width 4, each with 2 neighbours
    images, tails = gp.split_pairs(x, 4)
    np.testing.assert_array_equal(images.numpy(), x.numpy()[:, :4])
    np.testing.assert_array_equal(tails.numpy(), x.numpy()[:, 4:].reshape(4, 4))  # neighbours of image 0 first
    alone, none = gp.split_pairs(x[:, :4], 4)
    assert none is None and alone.shape == (2, 4)


def test_graph_autoencoder_loss_is_reconstruction_plus_weighted_graph_term(pixels):
    keras.utils.set_random_seed(0)
    encoder = vae.build_encoder(64, 2, (8,), random_state=0)
    decoder = vae.build_decoder(2, 64, (8,))
    batch = gp.NeighbourPairs(pixels, graph.fuzzy_knn_graph(pixels, 5), 32, random_state=0)[0]
    model = gp.GraphAutoencoder(encoder, decoder, graph_weight=3.0)
    loss, reconstruction, graph_loss = (float(v) for v in model.compute_losses(tf.constant(batch)))
    assert graph_loss > 0 and loss == pytest.approx(reconstruction + 3.0 * graph_loss, rel=1e-6)
    alone = [float(v) for v in model.compute_losses(tf.constant(batch[:, :64]))]
    assert alone[2] == 0.0 and alone[0] == pytest.approx(reconstruction, rel=1e-6)  # no neighbours: no graph term
    with pytest.raises(ValueError, match=r"graph_weight == -1\.0"):
        gp.GraphAutoencoder(encoder, decoder, graph_weight=-1.0)
