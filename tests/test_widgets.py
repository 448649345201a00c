import matplotlib

matplotlib.use("Agg")

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from aegmm_lessons import widgets


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def three_bumps():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(-3, 0.5, 150), rng.normal(0, 0.6, 200), rng.normal(3, 0.4, 100)])


# --- mixture_density_1d: the pure function behind lesson 00's widget --------

def test_mixture_density_1d_is_the_sum_of_weighted_components(three_bumps):
    result = widgets.mixture_density_1d(three_bumps, 3)
    assert result.component_densities.shape == (result.grid.shape[0], 3)
    np.testing.assert_allclose(result.density, result.component_densities.sum(axis=1))


def test_mixture_density_1d_integrates_to_one_on_a_wide_grid(three_bumps):
    grid = np.linspace(-10, 10, 4001)
    result = widgets.mixture_density_1d(three_bumps, 3, grid=grid)
    assert np.trapezoid(result.density, grid) == pytest.approx(1.0, abs=1e-6)


def test_mixture_density_1d_matches_scikit_learn_score_samples(three_bumps):
    result = widgets.mixture_density_1d(three_bumps, 2)
    log_density = result.params.to_sklearn().score_samples(result.grid.reshape(-1, 1))
    np.testing.assert_allclose(result.density, np.exp(log_density), rtol=1e-10)


def test_mixture_density_1d_bic_prefers_the_true_number_of_components(three_bumps):
    bics = {k: widgets.mixture_density_1d(three_bumps, k).bic for k in range(1, 7)}
    assert min(bics, key=bics.get) == 3


def test_mixture_density_1d_log_likelihood_grows_with_components(three_bumps):
    log_likelihoods = [widgets.mixture_density_1d(three_bumps, k).log_likelihood for k in (1, 3)]
    assert log_likelihoods[1] > log_likelihoods[0]


def test_mixture_density_1d_accepts_a_column_and_is_reproducible(three_bumps):
    flat = widgets.mixture_density_1d(three_bumps, 3)
    column = widgets.mixture_density_1d(three_bumps.reshape(-1, 1), 3)
    np.testing.assert_array_equal(flat.density, column.density)
    assert flat.params.n_features == 1


@pytest.mark.parametrize(
    "sample, n_components, message",
    [
        (np.zeros((10, 2)), 1, r"sample must be 1-D.*got shape \(10, 2\)"),
        (np.array([]), 1, "at least 1 sample"),
        (np.array([0.0, np.nan, 1.0]), 1, "must be finite"),
        (np.arange(5.0), 6, "n_components must be <= n_samples = 5, got n_components = 6"),
        (np.arange(5.0), 0, "n_components must be an integer >= 1, got 0"),
        (np.arange(5.0), 2.5, "n_components must be an integer"),
    ],
)
def test_mixture_density_1d_rejects_bad_input(sample, n_components, message):
    with pytest.raises(ValueError, match=message):
        widgets.mixture_density_1d(sample, n_components)


def test_mixture_density_1d_rejects_a_2d_grid(three_bumps):
    with pytest.raises(ValueError, match=r"grid must be 1-D of shape \(n_grid,\), got shape \(2, 3\)"):
        widgets.mixture_density_1d(three_bumps, 2, grid=np.zeros((2, 3)))


def test_mixture_components_figure_has_one_panel_per_k(three_bumps):
    fig = widgets.mixture_components_figure(three_bumps, n_components=(1, 3))
    assert [ax.get_title().splitlines()[0] for ax in fig.axes] == ["K = 1", "K = 3"]


def test_mixture_components_widget_is_a_slider_over_k(three_bumps):
    control = widgets.mixture_components_widget(three_bumps, max_components=5, value=2)
    slider, output = control.children
    assert isinstance(slider, ipywidgets.IntSlider)
    assert isinstance(output, ipywidgets.Output)
    assert (slider.min, slider.max, slider.value) == (1, 5, 2)
    slider.value = 4  # redraws through the pure function without error


@pytest.mark.parametrize(
    "kwargs, message",
    [({"max_components": 0}, "max_components must be an integer >= 1"),
     ({"max_components": 3, "value": 4}, r"value must be in \[1, max_components = 3\], got 4")],
)
def test_mixture_components_widget_rejects_bad_settings(three_bumps, kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.mixture_components_widget(three_bumps, **kwargs)


# --- search heatmap: the widget and figure of lesson 05 -----------------------

@pytest.fixture
def search_rows():
    """Rows as automl.results_table returns them, for a 2 x 2 x 2 grid."""
    rows = []
    for rank, (a, b, c) in enumerate([(a, b, c) for a in (1, 2) for b in (None, 3) for c in (0.1, 0.2)], 1):
        rows.append({"rank": rank, "a": a, "b": b, "c": c, "mean_score": 1.0 - 0.05 * rank,
                     "std_score": 0.01, "fit_time": 0.1})
    return rows


def test_search_heatmap_figure_draws_the_chosen_pair(search_rows):
    fig = widgets.search_heatmap_figure(search_rows, "a", "c")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "c"
    assert ax.get_title() == "max over b"
    assert ax.images[0].get_array().shape == (2, 2)


def test_search_results_widget_offers_the_searched_parameters(search_rows):
    box = widgets.search_results_widget(search_rows)
    assert isinstance(box, ipywidgets.VBox)
    x_menu, y_menu = box.children[0].children
    assert list(x_menu.options) == ["a", "b", "c"]
    assert (x_menu.value, y_menu.value) == ("a", "b")
    y_menu.value = "c"  # redraws without error
    box.children[1].value = "mean"


def test_search_results_widget_rejects_bad_choices(search_rows):
    with pytest.raises(ValueError, match=r"x_param must be one of the searched parameters \['a', 'b', 'c'\]"):
        widgets.search_results_widget(search_rows, x_param="d")
    with pytest.raises(ValueError, match="at least 2 parameters"):
        widgets.search_results_widget([{"rank": 1, "a": 1, "mean_score": 0.5}])
    with pytest.raises(ValueError, match="aggregate must be"):
        widgets.search_results_widget(search_rows, aggregate="min")


# --- latent_grid / decode_latent_point: the pure functions behind lesson 04's explorer

def linear_decoder(latent_dim, n_features=64, seed=0):
    """A NumPy stand-in for a VAE decoder: sigmoid of a fixed linear map."""
    weights = np.random.default_rng(seed).normal(size=(latent_dim, n_features))
    return lambda Z: 1.0 / (1.0 + np.exp(-np.asarray(Z) @ weights))


def test_latent_grid_spans_the_limits_in_the_chosen_dimensions_only():
    grid = widgets.latent_grid(linear_decoder(3), 3, n_per_side=5, limit=2.0, dims=(0, 2))
    assert grid.z.shape == (25, 3)
    assert grid.images.shape == (25, 64)
    np.testing.assert_allclose(grid.grid_values, np.linspace(-2, 2, 5))
    np.testing.assert_array_equal(grid.z[:, 1], 0.0)
    assert set(np.round(grid.z[:, 0], 12)) == set(np.round(grid.grid_values, 12))


def test_latent_grid_rows_run_top_down_and_columns_left_right():
    grid = widgets.latent_grid(linear_decoder(2), 2, n_per_side=4, limit=1.0)
    first_row, first_column = grid.z[:4], grid.z[::4]
    np.testing.assert_allclose(first_row[:, 0], grid.grid_values)
    np.testing.assert_allclose(first_row[:, 1], grid.grid_values[-1])
    np.testing.assert_allclose(first_column[:, 1], grid.grid_values[::-1])


def test_latent_grid_images_are_the_decoder_outputs():
    decode = linear_decoder(2)
    grid = widgets.latent_grid(decode, 2, n_per_side=3)
    np.testing.assert_allclose(grid.images, decode(grid.z))


def test_latent_grid_keeps_the_other_coordinates_at_center():
    center = np.array([0.0, 0.7, 0.0, -1.2])
    grid = widgets.latent_grid(linear_decoder(4), 4, n_per_side=2, center=center)
    np.testing.assert_array_equal(grid.z[:, 2], 0.0)
    np.testing.assert_array_equal(grid.z[:, 3], -1.2)


@pytest.mark.parametrize("dims", [(0, 0), (0, 2), (-1, 1)])
def test_latent_grid_rejects_bad_dims(dims):
    with pytest.raises(ValueError, match=r"dims must be two different latent dimensions in \[0, 2\)"):
        widgets.latent_grid(linear_decoder(2), 2, dims=dims)


def test_latent_grid_rejects_a_decoder_of_the_wrong_output_shape():
    with pytest.raises(ValueError, match=r"decode must map shape \(4, 2\) to \(4, n_features\)"):
        widgets.latent_grid(lambda Z: np.zeros(len(Z)), 2, n_per_side=2)


def test_decode_latent_point_returns_one_image_of_image_shape():
    decode = linear_decoder(2)
    image = widgets.decode_latent_point(decode, [0.5, -1.0], (8, 8))
    assert image.shape == (8, 8)
    np.testing.assert_allclose(image.ravel(), decode(np.array([[0.5, -1.0]]))[0])


def test_decode_latent_point_rejects_an_image_shape_of_the_wrong_size():
    with pytest.raises(ValueError, match=r"decode must map shape \(1, 2\) to \(1, 16\), got \(1, 64\)"):
        widgets.decode_latent_point(linear_decoder(2), [0.0, 0.0], (4, 4))


def test_latent_grid_figure_draws_the_mosaic_at_latent_coordinates():
    fig = widgets.latent_grid_figure(linear_decoder(2), 2, (8, 8), n_per_side=4, limit=1.5)
    image = fig.axes[0].images[0]
    assert image.get_array().shape == (4 * 9 + 1, 4 * 9 + 1)  # 8x8 images, one blank pixel between and around
    left, right, bottom, top = image.get_extent()
    assert left == pytest.approx(-2.0) and right == pytest.approx(2.0)


def test_latent_explorer_widget_has_one_slider_per_latent_dimension():
    box = widgets.latent_explorer_widget(linear_decoder(3), 3, (8, 8), limit=2.0)
    sliders = box.children[0].children
    assert [s.description for s in sliders] == ["z[0]", "z[1]", "z[2]"]
    assert all(isinstance(s, ipywidgets.FloatSlider) and s.min == -2.0 and s.max == 2.0 for s in sliders)


# --- em_trajectory: the pure function behind lesson 01's widget ---------------------

@pytest.fixture
def blobs_2d():
    rng = np.random.default_rng(1)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 4.0]])
    return np.vstack([rng.normal(c, 0.8, size=(80, 2)) for c in centers])


def test_em_trajectory_follows_the_estimator_from_the_same_start(blobs_2d):
    from aegmm_lessons.gmm import GaussianMixtureEM, kmeans_init

    init = kmeans_init(blobs_2d, 3, random_state=0)
    trajectory = widgets.em_trajectory(blobs_2d, init, 15)
    assert len(trajectory.params) == 16 and trajectory.log_likelihood.shape == (16,)
    assert trajectory.params[0] is init
    model = GaussianMixtureEM(3, init=init, tol=0, max_iter=15)
    with pytest.warns(Warning, match="did not converge"):
        model.fit(blobs_2d)
    np.testing.assert_allclose(trajectory.log_likelihood[:-1], model.log_likelihood_history_, rtol=1e-12)
    np.testing.assert_allclose(trajectory.params[-1].means, model.params_.means, rtol=1e-12)
    np.testing.assert_allclose(trajectory.log_likelihood[-1], model.score(blobs_2d), rtol=1e-12)


def test_em_trajectory_log_likelihood_never_decreases(blobs_2d):
    from aegmm_lessons import GMMParams

    start = GMMParams(np.full(3, 1 / 3), blobs_2d[:3], np.stack([np.eye(2)] * 3))
    trajectory = widgets.em_trajectory(blobs_2d, start, 25)
    assert np.all(np.diff(trajectory.log_likelihood) >= -1e-12)


def test_em_trajectory_rejects_bad_input(blobs_2d):
    from aegmm_lessons.gmm import kmeans_init

    init = kmeans_init(blobs_2d, 3, random_state=0)
    with pytest.raises(ValueError, match="init must be a GMMParams, got ndarray"):
        widgets.em_trajectory(blobs_2d, blobs_2d[:3], 5)
    with pytest.raises(ValueError, match="n_iter must be an integer >= 1, got 0"):
        widgets.em_trajectory(blobs_2d, init, 0)
    with pytest.raises(ValueError, match="X has 3 features, but the mixture expects n_features = 2"):
        widgets.em_trajectory(np.zeros((5, 3)), init, 2)


def test_em_steps_figure_has_one_panel_per_iteration(blobs_2d):
    from aegmm_lessons.gmm import kmeans_init

    trajectory = widgets.em_trajectory(blobs_2d, kmeans_init(blobs_2d, 3, random_state=0), 5)
    fig = widgets.em_steps_figure(blobs_2d, trajectory, iterations=(0, 1, 5), n_cols=2)
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().split(":")[0] for ax in visible] == ["iteration 0", "iteration 1", "iteration 5"]
    with pytest.raises(ValueError, match=r"iteration must be an integer in \[0, 5\], got 6"):
        widgets.em_steps_figure(blobs_2d, trajectory, iterations=(0, 6))


def test_em_steps_widget_is_a_slider_over_iterations(blobs_2d):
    from aegmm_lessons.gmm import kmeans_init

    trajectory = widgets.em_trajectory(blobs_2d, kmeans_init(blobs_2d, 3, random_state=0), 4)
    box = widgets.em_steps_widget(blobs_2d, trajectory, value=2)
    slider = box.children[0]
    assert isinstance(slider, ipywidgets.IntSlider)
    assert (slider.min, slider.max, slider.value) == (0, 4, 2)


# --- convergence_figure / convergence_widget: lesson 03's separation slider ---

@pytest.fixture(scope="module")
def small_study():
    from aegmm_lessons.refine import convergence_by_separation

    return convergence_by_separation([3.0, 8.0], n_samples=200, n_features=2, n_components=2)


def test_convergence_figure_shows_the_runs_and_the_separation_summary(small_study):
    fig = widgets.convergence_figure(small_study, 8.0)
    left, right = fig.axes[:2]
    assert len(left.get_lines()) == len(small_study[8.0])
    assert "separation 8" in left.get_title()


def test_convergence_figure_rejects_a_separation_outside_the_study(small_study):
    with pytest.raises(ValueError, match=r"one of \[3.0, 8.0\], got 5.0"):
        widgets.convergence_figure(small_study, 5.0)


def test_convergence_widget_is_a_slider_over_the_precomputed_separations(small_study):
    box = widgets.convergence_widget(small_study)
    slider = box.children[0]
    assert isinstance(slider, ipywidgets.SelectionSlider)
    assert list(slider.options) == [3.0, 8.0] and slider.value == 3.0


# --- reconstruction_view: the pure function behind lesson 02's widget --------

@pytest.fixture
def originals_and_reconstructions():
    rng = np.random.default_rng(0)
    originals = rng.uniform(size=(5, 16))
    return originals, {"exact": originals.copy(), "blurred": np.full_like(originals, 0.5)}


def test_reconstruction_view_puts_the_original_first_and_measures_each_error(originals_and_reconstructions):
    originals, reconstructions = originals_and_reconstructions
    view = widgets.reconstruction_view(originals, reconstructions, 3)
    assert view.titles == ["original", "exact", "blurred"]
    np.testing.assert_array_equal(view.images[0], originals[3])
    np.testing.assert_allclose(view.errors, [0.0, np.mean((originals[3] - 0.5) ** 2)])


@pytest.mark.parametrize("index, message", [(5, r"index must be in \[0, 4\], got 5"), (-1, "index")])
def test_reconstruction_view_rejects_an_index_out_of_range(originals_and_reconstructions, index, message):
    originals, reconstructions = originals_and_reconstructions
    with pytest.raises(ValueError, match=message):
        widgets.reconstruction_view(originals, reconstructions, index)


def test_reconstruction_view_rejects_reconstructions_of_another_shape(originals_and_reconstructions):
    originals, _ = originals_and_reconstructions
    with pytest.raises(ValueError, match=r"must have the shape of originals \(5, 16\), got \(5, 15\)"):
        widgets.reconstruction_view(originals, {"narrow": np.zeros((5, 15))}, 0)


def test_reconstructions_figure_has_one_row_per_index_and_widget_builds(originals_and_reconstructions):
    originals, reconstructions = originals_and_reconstructions
    fig = widgets.reconstructions_figure(originals, reconstructions, (4, 4), indices=[0, 2])
    assert len(fig.axes) == 2 * 3
    widget = widgets.reconstruction_widget(originals, reconstructions, (4, 4), labels=np.arange(5))
    assert isinstance(widget, ipywidgets.VBox)
    assert widget.children[0].max == 4
