import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from aegmm_lessons import plotting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_course_map_lists_every_notebook_once():
    numbers = [number for number, *_ in plotting.COURSE_LESSONS]
    assert numbers == ["00", "01", "02", "03", "04", "05"]


def test_course_links_point_forward_between_known_lessons():
    numbers = {number for number, *_ in plotting.COURSE_LESSONS}
    for source, target, _ in plotting.COURSE_LINKS:
        assert {source, target} <= numbers
        assert source < target


def test_every_lesson_after_00_builds_on_an_earlier_one():
    targets = {target for _, target, _ in plotting.COURSE_LINKS}
    assert targets == {number for number, *_ in plotting.COURSE_LESSONS} - {"00"}


def test_course_map_draws_one_box_per_lesson_and_one_arrow_per_link():
    fig = plotting.course_map()
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    for number, title, _, _ in plotting.COURSE_LESSONS:
        assert f"{number}  {title}" in texts
    assert len(ax.patches) == len(plotting.COURSE_LESSONS)
    arrows = [child for child in ax.get_children() if isinstance(child, matplotlib.text.Annotation)]
    assert len(arrows) == len(plotting.COURSE_LINKS)


def test_course_map_arrows_start_and_end_on_box_edges():
    half_size = np.array([0.5, 0.25])
    start = plotting._leave_box(np.array([0.0, 0.0]), np.array([2.0, 0.2]), half_size)
    np.testing.assert_allclose(start, [0.5, 0.05])
    start = plotting._leave_box(np.array([0.0, 0.0]), np.array([0.0, -3.0]), half_size)
    np.testing.assert_allclose(start, [0.0, -0.25])


def test_course_map_rejects_a_link_to_an_unknown_lesson():
    links = plotting.COURSE_LINKS + (("05", "06", "next"),)
    with pytest.raises(ValueError, match="unknown lesson '06'"):
        plotting.course_map(links=links)


def test_course_map_rejects_repeated_lesson_numbers():
    lessons = plotting.COURSE_LESSONS + (plotting.COURSE_LESSONS[0],)
    with pytest.raises(ValueError, match="unique"):
        plotting.course_map(lessons=lessons)


def test_plot_density_1d_draws_the_density_and_each_component():
    grid = np.linspace(-3, 3, 50)
    components = np.column_stack([0.5 * np.exp(-grid**2), 0.5 * np.exp(-(grid - 1) ** 2)])
    _, ax = plt.subplots()
    plotting.plot_density_1d(ax, np.zeros(10), grid, components.sum(axis=1), components, title="t")
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), components.sum(axis=1))
    assert ax.get_title() == "t"


def test_plot_density_1d_rejects_components_of_the_wrong_length():
    grid = np.linspace(-3, 3, 50)
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"component_densities must have shape \(50, n_components\)"):
        plotting.plot_density_1d(ax, np.zeros(10), grid, np.ones(50), np.ones((49, 2)))


# --- plot_score_heatmap (lesson 05) -------------------------------------------

def test_score_heatmap_has_one_cell_per_pair_and_outlines_the_best():
    fig, ax = plt.subplots()
    scores = np.array([[0.5, 0.7, np.nan], [0.6, 0.9, 0.8]])
    image = plotting.plot_score_heatmap(ax, [1, 10, 100], [None, 5], scores, x_label="C", y_label="depth")
    assert image.get_array().shape == (2, 3)
    assert image.get_array().mask[0, 2]  # the missing combination is blank, not a colour
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "10", "100"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["None", "5"]
    assert sorted(t.get_text() for t in ax.texts) == ["0.5", "0.6", "0.7", "0.8", "0.9"]
    (outline,) = ax.patches
    assert outline.get_xy() == (0.5, 0.5)  # column 1, row 1 holds the best score 0.9


def test_score_heatmap_rejects_mismatched_shapes():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"scores must have shape \(n_y, n_x\) = \(2, 3\), got \(3, 2\)"):
        plotting.plot_score_heatmap(ax, [1, 2, 3], [1, 2], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="all NaN"):
        plotting.plot_score_heatmap(ax, [1], [1], np.full((1, 1), np.nan))


# --- lesson 04: VAE pictures ---------------------------------------------------

def test_tile_images_places_image_r_c_in_row_r_column_c():
    images = np.arange(6)[:, None] * np.ones((6, 4))  # six 2x2 images, image k filled with k
    mosaic = plotting.tile_images(images, (2, 2), n_rows=2, n_cols=3)
    assert mosaic.shape == (4, 6)
    assert mosaic[0, 0] == 0 and mosaic[0, 2] == 1 and mosaic[0, 4] == 2
    assert mosaic[2, 0] == 3 and mosaic[3, 5] == 5


def test_tile_images_pads_between_and_around_the_images():
    mosaic = plotting.tile_images(np.ones((4, 4)), (2, 2), n_rows=2, n_cols=2, pad=1, fill=0.0)
    assert mosaic.shape == (7, 7)
    np.testing.assert_array_equal(mosaic[[0, 3, 6], :], 0.0)
    np.testing.assert_array_equal(mosaic[:, [0, 3, 6]], 0.0)
    assert mosaic.sum() == 16


def test_tile_images_rejects_a_count_that_does_not_fill_the_grid():
    with pytest.raises(ValueError, match=r"images must have shape \(6, 4\) for a 2x3 grid"):
        plotting.tile_images(np.zeros((5, 4)), (2, 2), 2, 3)


def test_plot_latent_manifold_rejects_decreasing_grid_values():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="increasing"):
        plotting.plot_latent_manifold(ax, np.zeros((4, 4)), (2, 2), [1.0, -1.0])


def test_plot_latent_scatter_draws_one_group_per_label():
    fig, ax = plt.subplots()
    codes = np.random.default_rng(0).normal(size=(30, 2))
    plotting.plot_latent_scatter(ax, codes, np.repeat([0, 1, 2], 10))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]


def test_plot_latent_scatter_rejects_labels_of_the_wrong_length():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"labels must have shape \(5,\)"):
        plotting.plot_latent_scatter(ax, np.zeros((5, 2)), np.zeros(4))


def test_plot_reconstructions_puts_originals_above_reconstructions():
    originals, reconstructions = np.zeros((3, 4)), np.ones((3, 4))
    fig = plotting.plot_reconstructions(originals, reconstructions, (2, 2))
    assert len(fig.axes) == 6
    assert fig.axes[0].images[0].get_array().max() == 0
    assert fig.axes[3].images[0].get_array().min() == 1


def test_plot_rate_distortion_annotates_each_model_and_draws_the_floor():
    fig, ax = plt.subplots()
    plotting.plot_rate_distortion(ax, [3.0, 1.0, 0.2], [20.0, 23.0, 27.0], ["b=0.5", "b=1", "b=4"], floor=13.7)
    assert [t.get_text() for t in ax.texts] == ["b=0.5", "b=1", "b=4"]
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(13.7)


# --- lesson 01: EM pictures ---------------------------------------------------------

def _two_component_params():
    from aegmm_lessons import GMMParams

    return GMMParams([0.4, 0.6], [[0.0, 0.0], [8.0, 2.0]], np.stack([np.eye(2), [[1.0, 0.3], [0.3, 0.5]]]))


def test_plot_em_state_colours_points_by_responsibility_and_draws_ellipses():
    params = _two_component_params()
    X = np.array([[0.0, 0.0], [8.0, 2.0], [4.0, 1.0]])
    fig, ax = plt.subplots()
    plotting.plot_em_state(ax, X, params, title="start")
    colours = ax.collections[0].get_facecolors()[:, :3]
    palette = np.array(plt.get_cmap("tab10").colors)
    np.testing.assert_allclose(colours[0], palette[0], atol=1e-3)
    np.testing.assert_allclose(colours[1], palette[1], atol=1e-3)
    assert len(ax.patches) == 2 * params.n_components
    assert ax.get_title() == "start"


def test_plot_em_state_rejects_data_of_another_width():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="X has 3 features, but the mixture expects n_features = 2"):
        plotting.plot_em_state(ax, np.zeros((4, 3)), _two_component_params())


def test_plot_log_likelihood_history_marks_the_current_iteration():
    fig, ax = plt.subplots()
    plotting.plot_log_likelihood_history(ax, [-3.0, -2.0, -1.5], current=1)
    marker = ax.lines[1]
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (1, -2.0)
    with pytest.raises(ValueError, match=r"current must be in \[0, 2\], got 3"):
        plotting.plot_log_likelihood_history(ax, [-3.0, -2.0, -1.5], current=3)


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
    fig, ax = plt.subplots()
    plotting.plot_convergence_gap(ax, _fake_study()[8.0], target=-1.0, floor=1e-12)
    assert len(ax.get_lines()) == 2
    assert ax.get_yscale() == "log"
    assert np.min(ax.get_lines()[1].get_ydata()) == pytest.approx(1e-12)


def test_plot_convergence_gap_rejects_empty_or_nan_histories():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_convergence_gap(ax, [])
    with pytest.raises(ValueError, match="'EM'.*finite"):
        plotting.plot_convergence_gap(ax, [{"optimizer": "EM", "history": [np.nan]}])


def test_plot_iterations_by_separation_marks_runs_that_stopped_before_converging():
    fig, ax = plt.subplots()
    plotting.plot_iterations_by_separation(ax, _fake_study(), highlight=2.0)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "EM: stopped before converging" in labels
    assert "L-BFGS-B, exact gradient: stopped before converging" not in labels
    em_line = ax.get_lines()[labels.index("EM")]
    np.testing.assert_array_equal(em_line.get_ydata(), [1000, 5])
