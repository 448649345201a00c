import numpy as np
import pytest

from aegmm_lessons import data

# ----- digits -----


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


@pytest.mark.parametrize(
    "test_size, error", [(0.0, ValueError), (1.0, ValueError), (1.5, ValueError), ("0.2", TypeError), (100, TypeError)]
)
def test_digits_reject_a_test_size_outside_the_unit_interval(test_size, error):
    with pytest.raises(error, match=rf"test_size.*{test_size}|test_size.*{type(test_size).__name__}"):
        data.load_digits_scaled(test_size=test_size)


# ----- lifted blobs -----


def test_lifted_blobs_have_the_requested_width_and_labels():
    X, y = data.make_lifted_blobs(n_samples=300, n_features=40, n_centers=3, random_state=1)
    assert X.shape == (300, 40) and y.shape == (300,)
    assert set(np.unique(y)) == {0, 1, 2}
    # sinusoids in [-1, 1] plus noise of standard deviation 0.05
    assert np.all(np.abs(X) < 1.0 + 6 * 0.05)


def test_lifted_blobs_default_to_the_tutorials_100_dimensions_and_4_clusters():
    X, y = data.make_lifted_blobs()
    assert X.shape == (1000, 100)
    assert np.bincount(y).tolist() == [250] * 4


def test_lifted_blobs_are_reproducible_and_differ_across_seeds():
    X, _ = data.make_lifted_blobs(random_state=0)
    np.testing.assert_array_equal(X, data.make_lifted_blobs(random_state=0)[0])
    assert not np.allclose(X, data.make_lifted_blobs(random_state=1)[0])


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
    "kwargs, error, message",
    [
        ({"n_samples": 0}, ValueError, "n_samples.*0"),
        ({"n_features": 1.5}, TypeError, "n_features.*float"),
        ({"n_centers": 0}, ValueError, "n_centers.*0"),
        ({"n_samples": 3, "n_centers": 4}, ValueError, "n_centers=4.*n_samples=3"),
    ],
)
def test_lifted_blobs_reject_bad_sizes(kwargs, error, message):
    with pytest.raises(error, match=message):
        data.make_lifted_blobs(**kwargs)


# ----- the stand-in for latent codes -----


def test_synthetic_codes_have_the_requested_shapes_and_are_seeded():
    X, labels, params = data.synthetic_latent_codes(200, 10, 10, separation=3.0, random_state=5)
    assert X.shape == (200, 10) and labels.shape == (200,)
    assert (params.n_components, params.n_features) == (10, 10)
    again, _, _ = data.synthetic_latent_codes(200, 10, 10, separation=3.0, random_state=5)
    np.testing.assert_array_equal(X, again)


def test_synthetic_codes_are_the_samples_lesson_03_was_written_for():
    # lesson 03's overlapping problem: its numbers depend on exactly these draws
    X, labels, params = data.synthetic_latent_codes(600, 3, 3, separation=2.0, random_state=0)
    np.testing.assert_allclose(X[0], [1.4941912205482846, 1.3744733508392488, 0.3230210591107837], rtol=1e-12)
    assert labels[:10].tolist() == [0, 2, 0, 1, 0, 1, 2, 0, 0, 1]
    np.testing.assert_allclose(params.weights, [0.3354436411525745, 0.4201107788992463, 0.24444557994817923])
    assert X.sum() == pytest.approx(-693.4279794630384, rel=1e-12)


def test_synthetic_codes_follow_their_mixture():
    X, labels, params = data.synthetic_latent_codes(20_000, 3, 2, separation=8.0, random_state=1)
    for k in range(2):
        members = X[labels == k]
        np.testing.assert_allclose(members.mean(axis=0), params.means[k], atol=0.05)
        np.testing.assert_allclose(np.cov(members.T), params.covariances[k], atol=0.1)
    np.testing.assert_allclose(np.bincount(labels) / len(labels), params.weights, atol=0.01)


def test_synthetic_codes_separation_scales_only_the_means():
    _, _, near = data.synthetic_latent_codes(50, 4, 3, separation=1.0, random_state=0)
    _, _, far = data.synthetic_latent_codes(50, 4, 3, separation=5.0, random_state=0)
    np.testing.assert_allclose(far.means, 5.0 * near.means)
    np.testing.assert_allclose(far.covariances, near.covariances)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"separation": -1.0}, ValueError, r"separation.*-1\.0"),
        ({"separation": np.inf}, ValueError, "separation.*inf"),
        ({"separation": "far"}, TypeError, "separation.*str"),
        ({"n_samples": 5, "n_components": 10}, ValueError, "n_components=10.*n_samples=5"),
        ({"n_features": 0}, ValueError, "n_features.*0"),
    ],
)
def test_synthetic_codes_reject_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        data.synthetic_latent_codes(**kwargs)
