import matplotlib.pyplot as plt
import numpy as np
import pytest

from aegmm_lessons import experiments, gmm, plotting, widgets
from aegmm_lessons.gmm import GaussianMixtureEM, kmeans_init
from aegmm_lessons.repro import format_value


@pytest.fixture
def three_bumps():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(-3, 0.5, 150), rng.normal(0, 0.6, 200), rng.normal(3, 0.4, 100)])


@pytest.fixture
def blobs_2d():
    rng = np.random.default_rng(1)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 4.0]])
    return np.vstack([rng.normal(c, 0.8, size=(80, 2)) for c in centers])


@pytest.fixture
def trajectory(blobs_2d):
    return gmm.em_trajectory(blobs_2d, kmeans_init(blobs_2d, 3, random_state=0), 5)


@pytest.fixture
def search_rows():
    """Rows as automl.results_table returns them, for a 2 x 2 x 2 grid; the score falls with the rank."""
    grid = [(a, b, c) for a in (1, 2) for b in (None, 3) for c in (0.1, 0.2)]
    return [{"rank": rank, "a": a, "b": b, "c": c, "mean_score": 1.0 - 0.05 * rank, "std_score": 0.01,
             "fit_time": 0.1} for rank, (a, b, c) in enumerate(grid, 1)]


@pytest.fixture
def study():
    """A convergence study as notebook 03 makes it: EM stops short at separation 2, converges at 8."""
    def rows(em_to_converge, em_iterations):
        return [{"optimizer": "EM", "iterations": em_iterations, "to_converge": em_to_converge,
                 "history": -1.0 - 0.5 ** np.arange(em_iterations + 1)},
                {"optimizer": "L-BFGS-B", "iterations": 12, "to_converge": 9, "history": -1.0 - 0.1 ** np.arange(13)}]
    return {2.0: rows(None, 100), 8.0: rows(5, 8)}


@pytest.fixture
def originals_and_reconstructions():
    originals = np.random.default_rng(0).uniform(size=(5, 16))
    return originals, {"exact": originals.copy(), "blurred": np.full_like(originals, 0.5)}


def linear_decoder(latent_dim, n_features=64, seed=0):
    """A NumPy stand-in for a VAE decoder: sigmoid of a fixed linear map."""
    weights = np.random.default_rng(seed).normal(size=(latent_dim, n_features))
    return lambda Z: 1.0 / (1.0 + np.exp(-np.asarray(Z) @ weights))


# --- lesson 00: mixture densities --------------------------------------------------

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


def test_mixture_components_figure_has_one_panel_per_k_with_its_fit(three_bumps):
    fig = plotting.mixture_components_figure(three_bumps, n_components=(1, 3))
    assert [ax.get_title().splitlines()[0] for ax in fig.axes] == ["K = 1", "K = 3"]
    dashed = [line for line in fig.axes[1].lines if line.get_linestyle() == "--"]
    assert len(dashed) == 3
    fit = experiments.mixture_density_1d(three_bumps, 3)
    np.testing.assert_allclose(fig.axes[1].lines[-1].get_ydata(), fit.density)


def test_mixture_components_widget_draws_the_fit_of_the_chosen_k(three_bumps):
    box = widgets.mixture_components_widget(three_bumps, max_components=5, value=2)
    slider = box.children[0]
    assert (slider.min, slider.max, slider.value) == (1, 5, 2)
    assert plt.gcf().axes[0].get_title().startswith("K = 2\n")
    slider.value = 4
    ax = plt.gcf().axes[0]
    fit = experiments.mixture_density_1d(three_bumps, 4)
    assert ax.get_title().startswith("K = 4\n") and "BIC" in ax.get_title()
    assert len([line for line in ax.lines if line.get_linestyle() == "--"]) == 4
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), fit.density)


# --- lesson 05: search heatmap ------------------------------------------------------

def test_search_heatmap_figure_draws_the_chosen_pair(search_rows):
    ax = plotting.search_heatmap_figure(search_rows, "a", "c").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("a", "c", "max over b")
    # rank 1 is (a=1, b=None, c=0.1): the best score, in column a=1, row c=0.1
    assert ax.images[0].get_array()[0, 0] == pytest.approx(0.95)


def test_search_results_widget_redraws_for_the_chosen_parameters(search_rows):
    box = widgets.search_results_widget(search_rows)
    x_menu, y_menu = box.children[0].children
    assert list(x_menu.options) == ["a", "b", "c"] and (x_menu.value, y_menu.value) == ("a", "b")
    y_menu.value = "c"
    ax = plt.gcf().axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("a", "c", "max over b")
    box.children[1].value = "mean"
    assert plt.gcf().axes[0].get_title() == "mean over b"
    assert plt.gcf().axes[0].images[0].get_array()[0, 0] == pytest.approx(np.mean([0.95, 0.85]))


# --- lesson 04: latent space --------------------------------------------------------

def test_latent_grid_figure_places_each_decoded_image_at_its_latent_point():
    decode = linear_decoder(3)
    fig = plotting.latent_grid_figure(decode, 3, (8, 8), n_per_side=4, limit=1.5, dims=(0, 2))
    image = fig.axes[0].images[0]
    mosaic = image.get_array()
    assert mosaic.shape == (4 * 9 + 1, 4 * 9 + 1)  # one blank pixel between and around the 8x8 images
    assert image.get_extent() == pytest.approx((-2.0, 2.0, -2.0, 2.0))
    top_right = mosaic[1:9, 3 * 9 + 1:4 * 9]
    np.testing.assert_allclose(top_right.ravel(), decode([[1.5, 0.0, 1.5]])[0])
    bottom_left = mosaic[3 * 9 + 1:4 * 9, 1:9]
    np.testing.assert_allclose(bottom_left.ravel(), decode([[-1.5, 0.0, -1.5]])[0])
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("z[0]", "z[2]")


def test_latent_explorer_widget_shows_the_image_of_the_slider_point():
    decode = linear_decoder(3)
    box = widgets.latent_explorer_widget(decode, 3, (8, 8), limit=2.0)
    sliders = box.children[0].children
    assert [s.description for s in sliders] == ["z[0]", "z[1]", "z[2]"]
    assert all(s.min == -2.0 and s.max == 2.0 for s in sliders)
    sliders[1].value = 1.5
    ax = plt.gcf().axes[0]
    np.testing.assert_allclose(ax.images[0].get_array().ravel(), decode([[0.0, 1.5, 0.0]])[0])
    assert ax.get_title() == "z = (0, 1.5, 0)"


# --- lesson 01: EM step by step -------------------------------------------------------

def test_em_trajectory_follows_the_estimator_from_the_same_start(blobs_2d):
    init = kmeans_init(blobs_2d, 3, random_state=0)
    trajectory = gmm.em_trajectory(blobs_2d, init, 15)
    assert len(trajectory.params) == 16 and trajectory.log_likelihood.shape == (16,)
    assert trajectory.params[0] is init
    model = GaussianMixtureEM(3, init=init, tol=0, max_iter=15)
    with pytest.warns(Warning, match="did not converge"):
        model.fit(blobs_2d)
    np.testing.assert_allclose(trajectory.log_likelihood[:-1], model.log_likelihood_history_, rtol=1e-12)
    np.testing.assert_allclose(trajectory.params[-1].means, model.params_.means, rtol=1e-12)
    np.testing.assert_allclose(trajectory.log_likelihood[-1], model.score(blobs_2d), rtol=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_em_trajectory_log_likelihood_never_decreases_and_keeps_the_covariance_type(blobs_2d, random_params,
                                                                                    covariance_type):
    start = random_params(3, 2, covariance_type, seed=2)
    trajectory = gmm.em_trajectory(blobs_2d, start, 25)
    assert np.all(np.diff(trajectory.log_likelihood) >= -1e-12)
    assert {params.covariance_type for params in trajectory.params} == {covariance_type}


def test_em_steps_figure_draws_each_chosen_iteration(blobs_2d, trajectory):
    fig = plotting.em_steps_figure(blobs_2d, trajectory, iterations=(0, 1, 5), n_cols=2)
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().split(":")[0] for ax in visible] == ["iteration 0", "iteration 1", "iteration 5"]
    assert all(len(ax.patches) == 2 * 3 for ax in visible)  # two ellipses per component
    centres = np.array([patch.center for patch in visible[2].patches[::2]])
    np.testing.assert_allclose(centres, trajectory.params[5].means)


def test_em_steps_widget_draws_the_mixture_and_marks_the_iteration(blobs_2d, trajectory):
    box = widgets.em_steps_widget(blobs_2d, trajectory, value=2)
    slider = box.children[0]
    assert (slider.min, slider.max, slider.value) == (0, 5, 2)
    slider.value = 4
    left, right = plt.gcf().axes
    assert left.get_title().startswith("iteration 4: mean log-likelihood")
    centres = np.array([patch.center for patch in left.patches[::2]])
    np.testing.assert_allclose(centres, trajectory.params[4].means)
    marker = right.lines[1]
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (4, trajectory.log_likelihood[4])


# --- lesson 03: convergence -------------------------------------------------------------

def test_convergence_figure_shows_the_runs_at_the_separation_and_marks_it(study):
    fig = plotting.convergence_figure(study, 8.0)
    left, right = fig.axes[:2]
    assert len(left.get_lines()) == 2 and "separation 8" in left.get_title()
    assert right.lines[-1].get_xdata()[0] == 8.0  # the vertical marker


def test_convergence_widget_redraws_at_the_chosen_separation(study):
    box = widgets.convergence_widget(study)
    slider = box.children[0]
    assert list(slider.options) == [2.0, 8.0] and slider.value == 2.0
    slider.value = 8.0
    left, right = plt.gcf().axes[:2]
    assert left.get_title().startswith("separation 8:")
    np.testing.assert_allclose(left.lines[0].get_xdata(), np.arange(9))  # EM's 8 iterations at separation 8
    assert right.lines[-1].get_xdata()[0] == 8.0


# --- lesson 02: reconstructions ---------------------------------------------------------

def test_reconstructions_figure_puts_the_original_first_and_gives_each_error(originals_and_reconstructions):
    originals, reconstructions = originals_and_reconstructions
    fig = plotting.reconstructions_figure(originals, reconstructions, (4, 4), indices=[0, 3])
    assert len(fig.axes) == 2 * 3
    row = fig.axes[3:]
    assert [ax.get_title().split("\n")[0] for ax in row] == ["original", "exact", "blurred"]
    np.testing.assert_array_equal(row[0].images[0].get_array(), originals[3].reshape(4, 4))
    assert row[1].get_title() == "exact\nMSE 0"
    blurred_error = np.mean((originals[3] - 0.5) ** 2)
    assert row[2].get_title() == f"blurred\nMSE {format_value(blurred_error, 2)}"


def test_reconstruction_widget_shows_the_chosen_image_and_its_label(originals_and_reconstructions):
    originals, reconstructions = originals_and_reconstructions
    box = widgets.reconstruction_widget(originals, reconstructions, (4, 4), labels=np.arange(5) * 10)
    slider = box.children[0]
    assert slider.max == 4
    slider.value = 2
    fig = plt.gcf()
    assert fig.get_suptitle() == "image 2, label 20"
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), originals[2].reshape(4, 4))


# --- bad input ---------------------------------------------------------------------------

X2 = np.random.default_rng(0).normal(size=(40, 2))
X01 = np.random.default_rng(1).uniform(size=(32, 6))


def _params():
    from aegmm_lessons.params import GMMParams

    return GMMParams([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], np.stack([np.eye(2)] * 2))


def _decoder(width):
    return lambda Z: np.zeros((len(Z), width))


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
        (lambda: plotting.mixture_components_figure(X2), ValueError, r"sample.*2 features"),
        (lambda: widgets.mixture_components_widget(X2[:, 0], max_components=0), ValueError, r"max_components == 0"),
        (lambda: widgets.mixture_components_widget(X2[:, 0], max_components=41), ValueError, r"max_components == 41"),
        (lambda: widgets.mixture_components_widget(X2[:, 0], 3, value=4), ValueError, r"value == 4"),
        (lambda: plotting.search_heatmap_figure([{"a": 1, "b": 2, "mean_score": 0.5}], "a", "zzz"), ValueError,
         r"'zzz'"),
        (lambda: widgets.search_results_widget([{"rank": 1, "a": 1, "b": 2, "mean_score": 0.5}], x_param="d"),
         ValueError, r"'d'"),
        (lambda: plotting.latent_grid_figure(_decoder(4), 0, (2, 2)), ValueError, r"latent_dim == 0"),
        (lambda: plotting.latent_grid_figure(_decoder(4), 2, (2, 2), dims=(0, 5)), ValueError, r"dims.*\(0, 5\)"),
        (lambda: plotting.latent_grid_figure(_decoder(4), 2, (2, 3), n_per_side=2), ValueError, r"images.*\(4, 4\)"),
        (lambda: widgets.latent_explorer_widget(_decoder(4), 0, (2, 2)), ValueError, r"latent_dim == 0"),
        (lambda: gmm.em_trajectory(np.ones((5, 3)), _params(), 3), ValueError, r"3 features.*n_features=2"),
        (lambda: gmm.em_trajectory(np.ones(5), _params(), 3), ValueError, r"1D|1-D"),
        (lambda: gmm.em_trajectory(np.full((5, 2), np.nan), _params(), 3), ValueError, r"NaN"),
        (lambda: gmm.em_trajectory(X2, _params(), -1), ValueError, r"n_iter == -1"),
        (lambda: gmm.em_trajectory(X2, X2[:2], 3), TypeError, r"init.*ndarray"),
        (lambda: plotting.em_steps_figure(X2, gmm.em_trajectory(X2, _params(), 3), iterations=(10,)), ValueError,
         r"iteration == 10"),
        (lambda: widgets.em_steps_widget(X2, gmm.em_trajectory(X2, _params(), 3), value=4), ValueError,
         r"value == 4"),
        (lambda: plotting.convergence_figure({2.0: []}, 5.0), ValueError, r"separation.*5\.0"),
        (lambda: widgets.convergence_widget({2.0: []}, value=5.0), ValueError, r"value.*5\.0"),
        (lambda: plotting.reconstructions_figure(X01, {"AE": X01}, (2, 3), [99]), ValueError, r"index == 99"),
        (lambda: plotting.reconstructions_figure(X01, {"AE": X01[:, :3]}, (2, 3), [0]), ValueError,
         r"reconstructions\['AE'\].*3 features"),
        (lambda: plotting.reconstructions_figure(X01, X01, (2, 3), [0]), TypeError, r"reconstructions.*mapping"),
        (lambda: widgets.reconstruction_widget(X01, {}, (2, 3)), TypeError, r"reconstructions.*mapping"),
    ],
)
def test_bad_input_raises_an_error_naming_the_parameter_and_value(call, error, match):
    with pytest.raises(error, match=match):
        call()
