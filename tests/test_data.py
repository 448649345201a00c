import numpy as np
import pytest

from aegmm_lessons import data


def test_digits_are_scaled_to_unit_interval_and_split_stratified():
    digits = data.load_digits_scaled(test_size=0.25, random_state=0)
    assert digits.X_train.shape[1] == digits.X_test.shape[1] == digits.n_features == 64
    assert digits.image_shape == (8, 8)
    assert len(digits.X_train) + len(digits.X_test) == 1797
    assert len(digits.X_test) == pytest.approx(0.25 * 1797, abs=1)
    both = np.vstack([digits.X_train, digits.X_test])
    assert both.min() == 0.0 and both.max() == 1.0
    train_share = np.bincount(digits.y_train) / len(digits.y_train)
    test_share = np.bincount(digits.y_test) / len(digits.y_test)
    np.testing.assert_allclose(train_share, test_share, atol=0.01)


def test_digits_split_is_fixed_by_random_state():
    first, again = data.load_digits_scaled(random_state=3), data.load_digits_scaled(random_state=3)
    np.testing.assert_array_equal(first.X_train, again.X_train)
    assert not np.array_equal(first.y_train, data.load_digits_scaled(random_state=4).y_train)


@pytest.mark.parametrize("test_size", [0, 1.0, 1.5, "0.2", 100])
def test_digits_reject_a_test_size_outside_the_unit_interval(test_size):
    with pytest.raises(ValueError, match="test_size"):
        data.load_digits_scaled(test_size=test_size)


def test_lifted_blobs_have_the_requested_width_and_labels():
    X, y = data.make_lifted_blobs(n_samples=300, n_features=40, n_centers=3, random_state=1)
    assert X.shape == (300, 40) and y.shape == (300,)
    assert set(np.unique(y)) == {0, 1, 2}
    assert np.all(np.isfinite(X))


def test_lifted_blobs_default_to_the_tutorials_100_dimensions_and_4_clusters():
    X, y = data.make_lifted_blobs()
    assert X.shape == (1000, 100)
    assert np.bincount(y).tolist() == [250] * 4


def test_lifted_blobs_are_reproducible_and_differ_across_seeds():
    X, _ = data.make_lifted_blobs(random_state=0)
    np.testing.assert_array_equal(X, data.make_lifted_blobs(random_state=0)[0])
    assert not np.allclose(X, data.make_lifted_blobs(random_state=1)[0])


def test_lift_is_nonlinear_and_the_same_map_for_every_call():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(20, 2))
    X = data.lift(Z, n_features=30, random_state=5)
    np.testing.assert_array_equal(X[:5], data.lift(Z[:5], n_features=30, random_state=5))
    # A linear map would send the midpoint to the mean of the images.
    midpoint = data.lift((Z[:1] + Z[1:2]) / 2, n_features=30, random_state=5)
    assert not np.allclose(midpoint, (X[:1] + X[1:2]) / 2, atol=1e-3)
    assert np.all(np.abs(X) <= 1.0)


def test_lifted_clusters_are_separable_in_full_but_not_in_a_linear_2d_projection():
    from sklearn.decomposition import PCA
    from sklearn.metrics import adjusted_rand_score
    from sklearn.mixture import GaussianMixture

    full, projected = [], []
    for seed in range(3):
        X, y = data.make_lifted_blobs(random_state=seed)
        gmm = GaussianMixture(4, covariance_type="diag", n_init=3, random_state=0)
        full.append(adjusted_rand_score(y, gmm.fit(X).predict(X)))
        Z = PCA(n_components=2).fit_transform(X)
        gmm = GaussianMixture(4, n_init=3, random_state=0)
        projected.append(adjusted_rand_score(y, gmm.fit(Z).predict(Z)))
    assert min(full) > 0.95
    assert np.mean(projected) < 0.85


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_features": 1.5}, "n_features"),
        ({"n_centers": 0}, "n_centers"),
        ({"n_samples": 3, "n_centers": 4}, "n_centers must be <= n_samples = 3"),
    ],
)
def test_lifted_blobs_reject_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.make_lifted_blobs(**kwargs)


def test_lift_rejects_one_dimensional_input():
    with pytest.raises(ValueError, match="2-D"):
        data.lift(np.zeros(5))


def test_shuffle_pixels_keeps_each_images_intensities_but_moves_them():
    digits = data.load_digits_scaled()
    X = digits.X_test[:20]
    shuffled = data.shuffle_pixels(X, random_state=0)
    assert shuffled.shape == X.shape
    np.testing.assert_array_equal(np.sort(shuffled, axis=1), np.sort(X, axis=1))
    assert np.mean(shuffled != X) > 0.3
    np.testing.assert_array_equal(shuffled, data.shuffle_pixels(X, random_state=0))
