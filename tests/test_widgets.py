"""The widgets: each a few controls around a figure of plotting and a model method."""

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from aegmm_lessons import experiments, gmm, widgets


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


def test_latent_explorer_widget_shows_the_image_of_the_slider_point(linear_decoder):
    decode = linear_decoder(3)
    box = widgets.latent_explorer_widget(decode, 3, (8, 8), limit=2.0)
    sliders = box.children[0].children
    assert [s.description for s in sliders] == ["z[0]", "z[1]", "z[2]"]
    assert all(s.min == -2.0 and s.max == 2.0 for s in sliders)
    sliders[1].value = 1.5
    ax = plt.gcf().axes[0]
    np.testing.assert_allclose(ax.images[0].get_array().ravel(), decode([[0.0, 1.5, 0.0]])[0])
    assert ax.get_title() == "z = (0, 1.5, 0)"


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


def test_convergence_widget_redraws_at_the_chosen_separation(study):
    box = widgets.convergence_widget(study)
    slider = box.children[0]
    assert list(slider.options) == [2.0, 8.0] and slider.value == 2.0
    slider.value = 8.0
    left, right = plt.gcf().axes[:2]
    assert left.get_title().startswith("separation 8:")
    np.testing.assert_allclose(left.lines[0].get_xdata(), np.arange(9))  # EM's 8 iterations at separation 8
    assert right.lines[-1].get_xdata()[0] == 8.0


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
START = gmm.kmeans_init(X2, 2, random_state=0)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: widgets.mixture_components_widget(X2[:, 0], max_components=0), ValueError, r"max_components == 0"),
        (lambda: widgets.mixture_components_widget(X2[:, 0], max_components=41), ValueError, r"max_components == 41"),
        (lambda: widgets.mixture_components_widget(X2[:, 0], 3, value=4), ValueError, r"value == 4"),
        (lambda: widgets.search_results_widget([{"rank": 1, "a": 1, "b": 2, "mean_score": 0.5}], x_param="d"),
         ValueError, r"'d'"),
        (lambda: widgets.latent_explorer_widget(lambda Z: np.zeros((len(Z), 4)), 0, (2, 2)), ValueError,
         r"latent_dim == 0"),
        (lambda: widgets.em_steps_widget(X2, gmm.em_trajectory(X2, START, 3), value=4), ValueError,
         r"value == 4"),
        (lambda: widgets.convergence_widget({2.0: []}, value=5.0), ValueError, r"value.*5\.0"),
        (lambda: widgets.reconstruction_widget(X01, {}, (2, 3)), TypeError, r"reconstructions.*mapping"),
    ],
)
def test_bad_input_raises_an_error_naming_the_parameter_and_value(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_search_results_widget_with_two_parameters_offers_no_aggregate_and_swaps_its_axes():
    rows = [{"rank": 1, "a": 1, "b": 2, "mean_score": 0.9}, {"rank": 2, "a": 1, "b": 3, "mean_score": 0.8}]
    box = widgets.search_results_widget(rows)
    assert not any(isinstance(child, ipywidgets.ToggleButtons) for child in box.children)
    x_menu, y_menu = box.children[0].children
    x_menu.value = "b"  # the rows' parameter: the axes swap
    assert y_menu.value == "a"
    assert (plt.gcf().axes[0].get_xlabel(), plt.gcf().axes[0].get_ylabel()) == ("b", "a")
