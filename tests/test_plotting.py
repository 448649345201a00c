from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from aegmm_lessons import experiments, gmm, plotting
from aegmm_lessons.params import GMMParams
from aegmm_lessons.repro import format_value

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _arrows(ax):
    """(start, end) of each arrow of the course map."""
    return [(np.asarray(a.xyann), np.asarray(a.xy)) for a in ax.get_children()
            if isinstance(a, matplotlib.text.Annotation)]


def test_course_map_draws_one_box_per_notebook():
    ax = plotting.course_map().axes[0]
    numbers = sorted(t.get_text().split()[0] for t in ax.texts if t.get_text()[:2].isdigit() and "  " in t.get_text())
    assert numbers == sorted(path.name[:2] for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert len(ax.patches) == len(numbers)


def test_course_map_arrows_point_forward_and_reach_every_lesson_after_00():
    ax = plotting.course_map().axes[0]
    boxes = {t.get_text().split()[0]: np.array(t.get_position()) - [0, 0.12] for t in ax.texts
             if t.get_text()[:2].isdigit() and "  " in t.get_text()}

    def nearest(point):
        return min(boxes, key=lambda number: np.linalg.norm(boxes[number] - point))

    links = [(nearest(start), nearest(end)) for start, end in _arrows(ax)]
    assert all(source < target for source, target in links)
    assert {target for _, target in links} == set(boxes) - {"00"}


def test_course_map_arrows_start_and_end_on_box_edges():
    half_size = np.array([0.5, 0.25])
    start = plotting._leave_box(np.array([0.0, 0.0]), np.array([2.0, 0.2]), half_size)
    np.testing.assert_allclose(start, [0.5, 0.05])
    start = plotting._leave_box(np.array([0.0, 0.0]), np.array([0.0, -3.0]), half_size)
    np.testing.assert_allclose(start, [0.0, -0.25])


LESSONS = (("00", "A", "a", (0.0, 0.0)), ("01", "B", "b", (2.0, 0.0)))


def test_course_map_draws_given_lessons_and_links():
    ax = plotting.course_map(lessons=LESSONS, links=(("00", "01", "next"),)).axes[0]
    assert {"00  A", "01  B", "next"} <= {t.get_text() for t in ax.texts}
    ((start, end),) = _arrows(ax)
    np.testing.assert_allclose(start, [0.55, 0.0])  # leaves the right edge of box 00 (width 1.1)
    np.testing.assert_allclose(end, [1.45, 0.0])


def test_course_map_rejects_a_link_to_an_unknown_lesson():
    with pytest.raises(ValueError, match="unknown lesson '07'"):
        plotting.course_map(lessons=LESSONS, links=(("01", "07", "next"),))


def test_course_map_rejects_repeated_lesson_numbers():
    with pytest.raises(ValueError, match=r"unique.*'00'"):
        plotting.course_map(lessons=(*LESSONS, LESSONS[0]))


def test_plot_density_1d_draws_the_density_and_each_component():
    grid = np.linspace(-3, 3, 50)
    components = np.column_stack([0.5 * np.exp(-grid**2), 0.5 * np.exp(-(grid - 1) ** 2)])
    _, ax = plt.subplots()
    plotting.plot_density_1d(ax, np.zeros(10), grid, components.sum(axis=1), components, title="t")
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), components.sum(axis=1))
    assert ax.get_title() == "t"


# --- plot_score_heatmap (lesson 05) -------------------------------------------

def test_score_heatmap_has_one_cell_per_pair_and_outlines_the_best():
    ax = plt.subplots()[1]
    scores = np.array([[0.5, 0.7, np.nan], [0.6, 0.9, 0.8]])
    assert plotting.plot_score_heatmap(ax, [1, 10, 100], [None, 5], scores, x_label="C", y_label="depth") is ax.figure
    image = ax.images[0]
    assert image.get_array().shape == (2, 3)
    assert image.get_array().mask[0, 2]  # the missing combination is blank, not a colour
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "10", "100"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["None", "5"]
    assert sorted(t.get_text() for t in ax.texts) == ["0.5", "0.6", "0.7", "0.8", "0.9"]
    (outline,) = ax.patches
    assert outline.get_xy() == (0.5, 0.5)  # column 1, row 1 holds the best score 0.9


def test_score_heatmap_rejects_mismatched_shapes():
    ax = plt.subplots()[1]
    with pytest.raises(ValueError, match=r"scores.*\(2, 3\), got \(3, 2\)"):
        plotting.plot_score_heatmap(ax, [1, 2, 3], [1, 2], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"scores.*all NaN"):
        plotting.plot_score_heatmap(ax, [1], [1], np.full((1, 1), np.nan))


# --- lesson 04: VAE pictures ---------------------------------------------------

def test_plot_latent_manifold_places_image_r_c_in_row_r_column_c_with_blank_pixels_between():
    ax = plt.subplots()[1]
    images = np.arange(1, 5)[:, None] * np.ones((4, 4))  # four 2x2 images, image k filled with k + 1
    assert plotting.plot_latent_manifold(ax, images, (2, 2), [-1.0, 1.0]) is ax.figure
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (7, 7)
    np.testing.assert_array_equal(mosaic[[0, 3, 6], :], 0.0)
    np.testing.assert_array_equal(mosaic[:, [0, 3, 6]], 0.0)
    assert (mosaic[1, 1], mosaic[1, 4], mosaic[4, 1], mosaic[5, 5]) == (1, 2, 3, 4)


def test_plot_latent_manifold_rejects_decreasing_grid_values():
    ax = plt.subplots()[1]
    with pytest.raises(ValueError, match="increasing"):
        plotting.plot_latent_manifold(ax, np.zeros((4, 4)), (2, 2), [1.0, -1.0])


def test_plot_latent_scatter_draws_one_group_per_label():
    ax = plt.subplots()[1]
    codes = np.random.default_rng(0).normal(size=(30, 2))
    plotting.plot_latent_scatter(ax, codes, np.repeat([0, 1, 2], 10))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]


def test_plot_latent_scatter_rejects_labels_of_the_wrong_length():
    ax = plt.subplots()[1]
    with pytest.raises(ValueError, match=r"labels must have shape \(5,\)"):
        plotting.plot_latent_scatter(ax, np.zeros((5, 2)), np.zeros(4))


def test_plot_reconstructions_puts_originals_above_reconstructions():
    originals, reconstructions = np.zeros((3, 4)), np.ones((3, 4))
    fig = plotting.plot_reconstructions(originals, reconstructions, (2, 2))
    assert len(fig.axes) == 6
    assert fig.axes[0].images[0].get_array().max() == 0
    assert fig.axes[3].images[0].get_array().min() == 1


def test_plot_rate_distortion_annotates_each_model_and_draws_the_floor():
    ax = plt.subplots()[1]
    plotting.plot_rate_distortion(ax, [3.0, 1.0, 0.2], [20.0, 23.0, 27.0], ["b=0.5", "b=1", "b=4"], floor=13.7)
    assert [t.get_text() for t in ax.texts] == ["b=0.5", "b=1", "b=4"]
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(13.7)


# --- lesson 01: EM pictures ---------------------------------------------------------

def _two_component_params():
    return GMMParams([0.4, 0.6], [[0.0, 0.0], [8.0, 2.0]], np.stack([np.eye(2), [[1.0, 0.3], [0.3, 0.5]]]))


def test_plot_em_state_colours_points_by_responsibility_and_draws_ellipses():
    params = _two_component_params()
    X = np.array([[0.0, 0.0], [8.0, 2.0], [4.0, 1.0]])
    ax = plt.subplots()[1]
    plotting.plot_em_state(ax, X, params, title="start")
    colours = ax.collections[0].get_facecolors()[:, :3]
    palette = np.array(plt.get_cmap("tab10").colors)
    np.testing.assert_allclose(colours[0], palette[0], atol=1e-3)
    np.testing.assert_allclose(colours[1], palette[1], atol=1e-3)
    assert len(ax.patches) == 2 * params.n_components
    assert ax.get_title() == "start"


def test_draw_gmm_ellipses_draws_each_component_at_its_radii_axes_and_weight():
    params = GMMParams([0.25, 0.75], [[0.0, 0.0], [5.0, 1.0]], [[4.0, 1.0], [1.0, 9.0]], "diag")
    ax = plt.subplots()[1]
    assert plotting.draw_gmm_ellipses(ax, params, n_std=(1.0, 2.0), alpha_scale=0.2) is ax.figure
    patches = ax.patches
    assert len(patches) == 4
    first, _, second, _ = patches
    assert tuple(first.center) == (0.0, 0.0) and tuple(second.center) == (5.0, 1.0)
    # width along the long axis: 2 * n_std * largest standard deviation
    assert (first.width, first.height) == pytest.approx((4.0, 2.0))
    assert first.angle % 180 == pytest.approx(0.0, abs=1e-9)
    assert (second.width, second.height) == pytest.approx((6.0, 2.0))
    assert second.angle % 180 == pytest.approx(90.0)
    assert (first.get_alpha(), second.get_alpha()) == pytest.approx((0.2 + 0.8 / 3, 1.0))


def test_plot_log_likelihood_history_marks_the_current_iteration():
    ax = plt.subplots()[1]
    plotting.plot_log_likelihood_history(ax, [-3.0, -2.0, -1.5], current=1)
    marker = ax.lines[1]
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (1, -2.0)


# --- lesson 03: convergence of EM and direct maximization -------------------

def _fake_study():
    def rows(em_to_converge, em_iterations):
        return [
            {"optimizer": "EM", "iterations": em_iterations, "to_converge": em_to_converge,
             "history": -1.0 - 0.5 ** np.arange(em_iterations + 1)},
            {"optimizer": "L-BFGS-B, exact gradient", "iterations": 12, "to_converge": 9,
             "history": -1.0 - 0.1 ** np.arange(13)},
        ]
    return {2.0: rows(None, 1000), 8.0: rows(5, 8)}


def test_plot_convergence_gap_draws_one_line_per_optimizer_down_to_the_floor():
    ax = plt.subplots()[1]
    plotting.plot_convergence_gap(ax, _fake_study()[8.0], target=-1.0, floor=1e-12)
    assert len(ax.get_lines()) == 2
    assert ax.get_yscale() == "log"
    assert np.min(ax.get_lines()[1].get_ydata()) == pytest.approx(1e-12)


def test_plot_iterations_by_separation_marks_runs_that_stopped_before_converging():
    ax = plt.subplots()[1]
    plotting.plot_iterations_by_separation(ax, _fake_study(), highlight=2.0)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "EM: stopped before converging" in labels
    assert "L-BFGS-B, exact gradient: stopped before converging" not in labels
    em_line = ax.get_lines()[labels.index("EM")]
    np.testing.assert_array_equal(em_line.get_ydata(), [1000, 5])


# --- bad input ---------------------------------------------------------------------------

@pytest.fixture
def ax():
    return plt.subplots()[1]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda ax: plotting.image_grid(np.zeros((4, 10)), (3, 3)), ValueError, r"images.*\(4, 9\).*\(4, 10\)"),
        (lambda ax: plotting.plot_density_1d(ax, np.zeros(5), np.linspace(0, 1, 5), np.ones(4)), ValueError,
         r"density.*\(5,\).*\(4,\)"),
        (lambda ax: plotting.plot_score_heatmap(ax, [1, 2], [1, 2, 3], np.ones((2, 2))), ValueError,
         r"scores.*\(3, 2\).*\(2, 2\)"),
        (lambda ax: plotting.plot_latent_manifold(ax, np.zeros((4, 10)), (3, 3), [0.0, 1.0]), ValueError,
         r"images.*\(4, 9\).*\(4, 10\)"),
        (lambda ax: plotting.plot_latent_manifold(ax, np.zeros((4, 4)), (2, 2), [1.0, -1.0]), ValueError,
         r"grid_values.*increasing"),
        (lambda ax: plotting.plot_latent_scatter(ax, np.ones(5)), ValueError, r"codes.*\(5,\)"),
        (lambda ax: plotting.plot_latent_scatter(ax, np.zeros((5, 2)), labels=np.zeros(3)), ValueError,
         r"labels.*\(5,\).*\(3,\)"),
        (lambda ax: plotting.plot_reconstructions(np.zeros((3, 4)), np.zeros((2, 4)), (2, 2)), ValueError,
         r"reconstructions.*\(3, 4\).*\(2, 4\)"),
        (lambda ax: plotting.plot_rate_distortion(ax, [1, 2], [1]), ValueError, r"distortions.*\(2,\).*\(1,\)"),
        (lambda ax: plotting.plot_rate_distortion(ax, [1, 2], [1, 2], labels=["a"]), ValueError, r"labels.*\(1,\)"),
        (lambda ax: plotting.plot_em_state(ax, np.ones((5, 3)), _two_component_params()), ValueError, r"3 features"),
        (lambda ax: plotting.plot_em_state(ax, np.full((5, 2), np.nan), _two_component_params()), ValueError, r"NaN"),
        (lambda ax: plotting.plot_em_state(ax, np.ones((5, 2)), "params"), TypeError, r"params.*str"),
        (lambda ax: plotting.draw_gmm_ellipses(ax, "params"), TypeError, r"params.*str"),
        (lambda ax: plotting.draw_gmm_ellipses(ax, _two_component_params(), dims=(0, 5)), ValueError,
         r"dims.*\(0, 5\)"),
        (lambda ax: plotting.plot_convergence_gap(ax, []), ValueError, r"rows.*got 0"),
        (lambda ax: plotting.plot_convergence_gap(ax, [{"optimizer": "EM", "history": [np.inf]}]), ValueError,
         r"'EM'.*finite"),
    ],
)
def test_bad_input_raises_an_error_naming_the_parameter_and_value(ax, call, error, match):
    with pytest.raises(error, match=match):
        call(ax)


# --- whole figures -----------------------------------------------------------------------------


def test_mixture_components_figure_has_one_panel_per_k_with_its_fit(three_bumps):
    fig = plotting.mixture_components_figure(three_bumps, n_components=(1, 3))
    assert [ax.get_title().splitlines()[0] for ax in fig.axes] == ["K = 1", "K = 3"]
    dashed = [line for line in fig.axes[1].lines if line.get_linestyle() == "--"]
    assert len(dashed) == 3
    fit = experiments.mixture_density_1d(three_bumps, 3)
    np.testing.assert_allclose(fig.axes[1].lines[-1].get_ydata(), fit.density)


def test_search_heatmap_figure_draws_the_chosen_pair(search_rows):
    ax = plotting.search_heatmap_figure(search_rows, "a", "c").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("a", "c", "max over b")
    # rank 1 is (a=1, b=None, c=0.1): the best score, in column a=1, row c=0.1
    assert ax.images[0].get_array()[0, 0] == pytest.approx(0.95)


def test_latent_grid_figure_places_each_decoded_image_at_its_latent_point(linear_decoder):
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


def test_em_steps_figure_draws_each_chosen_iteration(blobs_2d, trajectory):
    fig = plotting.em_steps_figure(blobs_2d, trajectory, iterations=(0, 1, 5), n_cols=2)
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().split(":")[0] for ax in visible] == ["iteration 0", "iteration 1", "iteration 5"]
    assert all(len(ax.patches) == 2 * 3 for ax in visible)  # two ellipses per component
    centres = np.array([patch.center for patch in visible[2].patches[::2]])
    np.testing.assert_allclose(centres, trajectory.params[5].means)


def test_convergence_figure_shows_the_runs_at_the_separation_and_marks_it(study):
    fig = plotting.convergence_figure(study, 8.0)
    left, right = fig.axes[:2]
    assert len(left.get_lines()) == 2 and "separation 8" in left.get_title()
    assert right.lines[-1].get_xdata()[0] == 8.0  # the vertical marker


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
        (lambda: plotting.mixture_components_figure(X2), ValueError, r"sample.*2 features"),
        (lambda: plotting.search_heatmap_figure([{"a": 1, "b": 2, "mean_score": 0.5}], "a", "zzz"), ValueError,
         r"'zzz'"),
        (lambda: plotting.latent_grid_figure(_decoder(4), 0, (2, 2)), ValueError, r"latent_dim == 0"),
        (lambda: plotting.latent_grid_figure(_decoder(4), 2, (2, 2), dims=(0, 5)), ValueError, r"dims.*\(0, 5\)"),
        (lambda: plotting.latent_grid_figure(_decoder(4), 2, (2, 3), n_per_side=2), ValueError, r"images.*\(4, 4\)"),
        (lambda: plotting.em_steps_figure(X2, gmm.em_trajectory(X2, _params(), 3), iterations=(10,)), ValueError,
         r"iteration == 10"),
        (lambda: plotting.convergence_figure({2.0: []}, 5.0), ValueError, r"separation.*5\.0"),
        (lambda: plotting.reconstructions_figure(X01, {"AE": X01}, (2, 3), [99]), ValueError, r"index == 99"),
        (lambda: plotting.reconstructions_figure(X01, {"AE": X01[:, :3]}, (2, 3), [0]), ValueError,
         r"reconstructions\['AE'\].*3 features"),
        (lambda: plotting.reconstructions_figure(X01, X01, (2, 3), [0]), TypeError, r"reconstructions.*mapping"),
    ],
)
def test_figures_reject_bad_input_naming_the_parameter_and_value(call, error, match):
    with pytest.raises(error, match=match):
        call()
