"""ipywidgets controls of the lessons, each a slider around a figure of ``plotting`` and a model method."""

import functools
import numbers

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np

from . import automl, plotting
from .repro import format_value
from .validation import check_positive_int, check_scalar

__all__ = ["mixture_components_widget", "search_results_widget", "latent_explorer_widget", "em_steps_widget",
           "convergence_widget", "reconstruction_widget"]

_SLIDER = {"style": {"description_width": "initial"}, "continuous_update": False}  # whole labels, redraw on release


def _check_int(name, value, low, high):
    return int(check_scalar(value, name, numbers.Integral, min_val=low, max_val=high))


def _controlled(draw, **controls):
    """The controls above an output in which ``draw(**values)`` draws its figure again whenever one changes."""
    def show(**values):
        draw(**values)
        plt.show()
    return ipywidgets.VBox([*controls.values(), ipywidgets.interactive_output(show, controls)])


def mixture_components_widget(sample, max_components=8, value=1, random_state=0):
    """A slider for the number of components K (at most ``max_components``) above the fitted density."""
    max_components = _check_int("max_components", max_components, 1, len(sample))
    slider = ipywidgets.IntSlider(value=_check_int("value", value, 1, max_components), min=1, max=max_components,
                                  description="components", **_SLIDER)
    return _controlled(lambda n_components: plotting.plot_mixture_fit(None, sample, n_components, random_state),
                       n_components=slider)


def search_results_widget(search_or_rows, x_param=None, y_param=None, aggregate="max"):
    """Dropdowns for the two hyperparameters of :func:`plotting.search_heatmap_figure` (default: the first two)."""
    rows = search_or_rows if isinstance(search_or_rows, list) else automl.results_table(search_or_rows)
    names = automl.searched_parameters(rows)
    x_param = names[0] if x_param is None and names else x_param
    y_param = next((name for name in names if name != x_param), None) if y_param is None else y_param
    automl.score_matrix(rows, x_param, y_param, aggregate=aggregate)  # rejects unknown names before drawing

    def draw(x_param, y_param, aggregate):
        if x_param == y_param:
            return print("choose two different parameters")
        plotting.search_heatmap_figure(rows, x_param, y_param, aggregate=aggregate)

    menus = {"x_param": ipywidgets.Dropdown(options=names, value=x_param, description="columns"),
             "y_param": ipywidgets.Dropdown(options=names, value=y_param, description="rows")}
    if len(names) > 2:  # with two parameters there are no others to take the max or mean over
        menus["aggregate"] = ipywidgets.ToggleButtons(options=["max", "mean"], value=aggregate, description="others")
    else:
        draw = functools.partial(draw, aggregate=aggregate)
    box = _controlled(draw, **menus)

    def swap(change):  # choosing the other menu's parameter swaps the two axes
        other = menus["y_param"] if change.owner is menus["x_param"] else menus["x_param"]
        if other.value == change.new:
            other.value = change.old

    for menu in (menus["x_param"], menus["y_param"]):
        menu.observe(swap, names="value")
    return ipywidgets.VBox([ipywidgets.HBox(box.children[:2]), *box.children[2:]])


def latent_explorer_widget(decode, latent_dim, image_shape, limit=3.0, step=0.1):
    """One slider per latent coordinate in [-limit, limit], beside the image decoded from z."""
    sliders = {f"z{j}": ipywidgets.FloatSlider(value=0.0, min=-limit, max=limit, step=step, description=f"z[{j}]",
                                               **_SLIDER) for j in range(check_positive_int("latent_dim", latent_dim))}

    def draw(**coordinates):
        z = np.array([[coordinates[f"z{j}"] for j in range(len(sliders))]])
        ax = plt.subplots(figsize=(2.6, 2.6))[1]
        ax.imshow(np.reshape(decode(z), image_shape), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_axis_off()
        ax.set_title("z = (" + ", ".join(format_value(v, 2) for v in z[0]) + ")", fontsize=8)

    *controls, output = _controlled(draw, **sliders).children
    return ipywidgets.HBox([ipywidgets.VBox(controls), output])


def em_steps_widget(X, trajectory, value=0):
    """A slider over EM iterations: the mixture, and where it is on the log-likelihood curve."""
    def draw(iteration):
        _, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8), layout="tight")
        plotting.plot_em_iteration(left, X, trajectory, iteration)
        plotting.plot_log_likelihood_history(right, trajectory.log_likelihood, current=iteration)

    last = len(trajectory.params) - 1
    return _controlled(draw, iteration=ipywidgets.IntSlider(value=_check_int("value", value, 0, last), min=0, max=last,
                                                            description="iteration", **_SLIDER))


def convergence_widget(study, value=None):
    """A slider over the separations of a study (first ``value``, default the smallest) above
    :func:`plotting.convergence_figure`."""
    separations = sorted(study)
    value = separations[0] if value is None and separations else value
    if value not in study:
        raise ValueError(f"value must be one of the separations {separations}, got {value!r}")
    slider = ipywidgets.SelectionSlider(options=separations, value=value, description="separation", **_SLIDER)
    return _controlled(lambda separation: plotting.convergence_figure(study, separation), separation=slider)


def reconstruction_widget(originals, reconstructions, image_shape, labels=None):
    """A slider over images, each beside its precomputed reconstructions (``labels``: the title's true class)."""
    plt.close(plotting.reconstructions_figure(originals, reconstructions, image_shape, [0]))  # checks the arrays now

    def draw(index):
        fig = plotting.reconstructions_figure(originals, reconstructions, image_shape, [index], cell_size=(1.6, 2.0))
        if labels is not None:
            fig.suptitle(f"image {index}, label {labels[index]}", fontsize=9)

    return _controlled(draw, index=ipywidgets.IntSlider(min=0, max=len(originals) - 1, description="image", **_SLIDER))
