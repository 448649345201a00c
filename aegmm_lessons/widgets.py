"""ipywidgets controls of the lessons, each a slider around a plotting function and a model method."""

import numbers
from collections import namedtuple
from collections.abc import Mapping

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np

from . import automl, plotting
from .gmm import GaussianMixtureEM, e_step, m_step
from .repro import format_value
from .validation import check_data, check_params, check_positive_int, check_scalar

__all__ = ["mixture_density_1d", "mixture_components_figure", "mixture_components_widget", "search_heatmap_figure",
           "search_results_widget", "latent_grid_figure", "latent_explorer_widget", "em_trajectory",
           "em_steps_figure", "em_steps_widget", "convergence_figure", "convergence_widget", "reconstructions_figure",
           "reconstruction_widget"]

_SLIDER = {"style": {"description_width": "initial"}, "continuous_update": False}  # whole labels, redraw on release


def _check_int(name, value, low, high):
    return int(check_scalar(value, name, numbers.Integral, min_val=low, max_val=high))


def _controlled(draw, **controls):
    """The controls above an output in which ``draw(**values)`` draws its figure again whenever one changes."""
    def show(**values):
        draw(**values)
        plt.show()
    return ipywidgets.VBox([*controls.values(), ipywidgets.interactive_output(show, controls)])


_Density1D = namedtuple("MixtureDensity1D", "n_components grid density component_densities log_likelihood bic params")
_EMTrajectory = namedtuple("EMTrajectory", "params log_likelihood")


def mixture_density_1d(sample, n_components, *, grid=None, n_grid=200, random_state=0):
    """Fit K components to a 1-D sample by EM; a namedtuple of its density on a grid (default: range + 10 %),
    weighted component densities (n_grid, K), mean log-likelihood, BIC and params."""
    sample = np.asarray(sample)
    X = check_data(sample.reshape(-1, 1) if sample.ndim == 1 else sample, n_features=1, name="sample")
    if grid is None:
        margin = 0.1 * np.ptp(X) if np.ptp(X) > 0 else 1.0
        grid = np.linspace(X.min() - margin, X.max() + margin, check_positive_int("n_grid", n_grid, minimum=2))
    if np.ndim(grid) != 1:
        raise ValueError(f"grid must be 1-D of shape (n_grid,), got shape {np.shape(grid)}")
    model = GaussianMixtureEM(n_components=n_components, random_state=random_state).fit(X)
    density = np.exp(model.score_samples(np.reshape(grid, (-1, 1))))
    components = model.predict_proba(np.reshape(grid, (-1, 1))) * density[:, None]  # w_k N_k(x) = p(k | x) p(x)
    return _Density1D(n_components, np.asarray(grid), density, components, float(model.score(X)),
                      float(model.bic(X)), model.params_)


def _draw_mixture_density(ax, sample, n_components, random_state):
    ax = plt.subplots(figsize=(6, 3.2), layout="tight")[1] if ax is None else ax
    fit = mixture_density_1d(sample, n_components, random_state=random_state)
    title = f"K = {n_components}\nmean log-likelihood {format_value(fit.log_likelihood)}, BIC {format_value(fit.bic)}"
    plotting.plot_density_1d(ax, sample, fit.grid, fit.density, fit.component_densities, title=title)


def mixture_components_figure(sample, n_components=(1, 2, 3, 6), random_state=0):
    """One panel per number of components: the histogram and the fitted density."""
    n_components = list(n_components)
    fig, axes = plt.subplots(1, len(n_components), figsize=(3.6 * len(n_components), 3), sharey=True, squeeze=False,
                             layout="tight")
    for ax, k in zip(axes[0], n_components, strict=True):
        _draw_mixture_density(ax, sample, k, random_state)
    return fig


def mixture_components_widget(sample, max_components=8, value=1, random_state=0):
    """A slider for the number of components K (at most ``max_components``) above the fitted density."""
    max_components = _check_int("max_components", max_components, 1, len(sample))
    slider = ipywidgets.IntSlider(value=_check_int("value", value, 1, max_components), min=1, max=max_components,
                                  description="components", **_SLIDER)
    return _controlled(lambda n_components: _draw_mixture_density(None, sample, n_components, random_state),
                       n_components=slider)


def search_heatmap_figure(search_or_rows, x_param, y_param, *, aggregate="max", figsize=(5.5, 3.6)):
    """Mean CV score of a search (or its ``automl.results_table``) over two hyperparameters, others aggregated."""
    rows = search_or_rows if isinstance(search_or_rows, list) else automl.results_table(search_or_rows)
    x_values, y_values, scores = automl.score_matrix(rows, x_param, y_param, aggregate=aggregate)
    others = [name for name in automl.searched_parameters(rows) if name not in (x_param, y_param)]
    fig, ax = plt.subplots(figsize=figsize, layout="tight")
    plotting.plot_score_heatmap(ax, x_values, y_values, scores, x_label=x_param, y_label=y_param,
                                title=f"{aggregate} over {', '.join(others)}" if others else None)
    return fig


def search_results_widget(search_or_rows, x_param=None, y_param=None, aggregate="max"):
    """Dropdowns for the two hyperparameters of :func:`search_heatmap_figure` (default: the first two)."""
    rows = search_or_rows if isinstance(search_or_rows, list) else automl.results_table(search_or_rows)
    names = automl.searched_parameters(rows)
    x_param = names[0] if x_param is None and names else x_param
    y_param = next((name for name in names if name != x_param), None) if y_param is None else y_param
    automl.score_matrix(rows, x_param, y_param, aggregate=aggregate)  # rejects unknown names before drawing

    def draw(x_param, y_param, aggregate):
        if x_param == y_param:
            return print("choose two different parameters")
        search_heatmap_figure(rows, x_param, y_param, aggregate=aggregate)

    box = _controlled(draw, x_param=ipywidgets.Dropdown(options=names, value=x_param, description="columns"),
                      y_param=ipywidgets.Dropdown(options=names, value=y_param, description="rows"),
                      aggregate=ipywidgets.ToggleButtons(options=["max", "mean"], value=aggregate,
                                                         description="others"))
    return ipywidgets.VBox([ipywidgets.HBox(box.children[:2]), *box.children[2:]])


def latent_grid_figure(decode, latent_dim, image_shape, n_per_side=12, limit=2.5, dims=(0, 1), figsize=(5.0, 5.0)):
    """Flat images ``decode`` makes of a square grid over [-limit, limit] in latent dimensions ``dims`` (others 0)."""
    latent_dim, n_per_side = check_positive_int("latent_dim", latent_dim), check_positive_int("n_per_side", n_per_side)
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < latent_dim for d in dims):
        raise ValueError(f"dims must be two different latent dimensions in [0, {latent_dim}), got {tuple(dims)}")
    values = np.linspace(-limit, limit, n_per_side)
    z = np.zeros((n_per_side**2, latent_dim))
    z[:, dims[0]], z[:, dims[1]] = np.tile(values, n_per_side), np.repeat(values[::-1], n_per_side)  # top row first
    fig, ax = plt.subplots(figsize=figsize, layout="tight")
    plotting.plot_latent_manifold(ax, decode(z), image_shape, values, dims=dims)
    ax.set_title(f"decoded grid, other coordinates at 0 (latent_dim = {latent_dim})", fontsize=9)
    return fig


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


def em_trajectory(X, init, n_iter, reg_covar=1e-6):
    """The mixtures ``params`` after 0, 1, ..., n_iter EM iterations from ``init``, and their ``log_likelihood``."""
    init = check_params(init, "init")
    X = check_data(X, n_features=init.n_features)
    params, log_likelihood = [init], []
    for _ in range(check_positive_int("n_iter", n_iter)):
        mean_log_likelihood, log_resp = e_step(X, params[-1])
        log_likelihood.append(mean_log_likelihood)
        params.append(m_step(X, np.exp(log_resp), init.covariance_type, reg_covar))
    log_likelihood.append(e_step(X, params[-1])[0])
    return _EMTrajectory(tuple(params), np.array(log_likelihood))


def _draw_em_state(ax, X, trajectory, iteration):
    title = f"iteration {iteration}: mean log-likelihood {format_value(trajectory.log_likelihood[iteration])}"
    plotting.plot_em_state(ax, X, trajectory.params[iteration], title=title)


def em_steps_figure(X, trajectory, iterations=(0, 1, 2, 5, 10, 30), n_cols=3, ax_size=3.0):
    """Panels of ``ax_size`` inches: the mixture of :func:`em_trajectory` after each of ``iterations``."""
    iterations = [_check_int("iteration", t, 0, len(trajectory.params) - 1) for t in iterations]
    n_cols = check_positive_int("n_cols", n_cols)
    n_rows = -(-len(iterations) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * ax_size, n_rows * ax_size), sharex=True, sharey=True,
                             squeeze=False, layout="tight")
    for ax in axes.ravel()[len(iterations):]:
        ax.set_axis_off()
    for ax, iteration in zip(axes.ravel(), iterations, strict=False):
        _draw_em_state(ax, X, trajectory, iteration)
    return fig


def em_steps_widget(X, trajectory, value=0):
    """A slider over EM iterations: the mixture, and where it is on the log-likelihood curve."""
    def draw(iteration):
        _, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8), layout="tight")
        _draw_em_state(left, X, trajectory, iteration)
        plotting.plot_log_likelihood_history(right, trajectory.log_likelihood, current=iteration)

    last = len(trajectory.params) - 1
    return _controlled(draw, iteration=ipywidgets.IntSlider(value=_check_int("value", value, 0, last), min=0, max=last,
                                                            description="iteration", **_SLIDER))


def convergence_figure(study, separation, figsize=(10, 3.8)):
    """Runs at one ``separation`` of a study ``{separation: [row, ...]}``, beside iterations against separation."""
    if separation not in study:
        raise ValueError(f"separation must be one of {sorted(study)}, got {separation!r}")
    fig, (left, right) = plt.subplots(1, 2, figsize=figsize, layout="tight")
    plotting.plot_convergence_gap(left, study[separation])
    left.set_title(f"separation {format_value(separation)}: distance to the best log-likelihood", fontsize=9)
    plotting.plot_iterations_by_separation(right, study, highlight=separation)
    right.set_title("iterations to get within 1e-6 of the best", fontsize=9)
    return fig


def convergence_widget(study, value=None):
    """A slider over the separations of a study (first ``value``, default the smallest): :func:`convergence_figure`."""
    separations = sorted(study)
    value = separations[0] if value is None and separations else value
    if value not in study:
        raise ValueError(f"value must be one of the separations {separations}, got {value!r}")
    return _controlled(lambda separation: convergence_figure(study, separation), separation=ipywidgets.SelectionSlider(
        options=separations, value=value, description="separation", **_SLIDER))


def _check_reconstructions(originals, reconstructions):
    originals = check_data(originals, name="originals")
    if not isinstance(reconstructions, Mapping) or not reconstructions:
        raise TypeError(f"reconstructions must be a non-empty mapping of names to arrays, got {reconstructions!r:.40}")
    return originals, {name: check_data(images, n_features=originals.shape[1], name=f"reconstructions[{name!r}]",
                                        min_samples=len(originals)) for name, images in reconstructions.items()}


def _draw_reconstructions(originals, reconstructions, image_shape, indices, cell_size):
    n_cols = 1 + len(reconstructions)
    fig, axes = plt.subplots(len(indices), n_cols, figsize=(cell_size[0] * n_cols, cell_size[1] * len(indices)),
                             squeeze=False, layout="tight")
    for row, index in zip(axes, indices, strict=True):
        images = [originals[index], *(images[index] for images in reconstructions.values())]
        titles = ["original", *(f"{name}\nMSE {format_value(np.mean((images[index] - originals[index]) ** 2), 2)}"
                                for name, images in reconstructions.items())]
        for ax, title, image in zip(row, titles, images, strict=True):
            ax.imshow(image.reshape(image_shape), cmap="gray_r", vmin=0.0, vmax=1.0)
            ax.set_axis_off()
            ax.set_title(title, fontsize=8)
    return fig


def reconstructions_figure(originals, reconstructions, image_shape, indices):
    """One row per index: the original image, then each model's precomputed reconstruction and its MSE."""
    originals, reconstructions = _check_reconstructions(originals, reconstructions)
    indices = [_check_int("index", index, 0, len(originals) - 1) for index in indices]
    return _draw_reconstructions(originals, reconstructions, image_shape, indices, cell_size=(1.3, 1.5))


def reconstruction_widget(originals, reconstructions, image_shape, labels=None):
    """A slider over images, each beside its precomputed reconstructions (``labels``: the title's true class)."""
    originals, reconstructions = _check_reconstructions(originals, reconstructions)

    def draw(index):
        fig = _draw_reconstructions(originals, reconstructions, image_shape, [index], cell_size=(1.6, 2.0))
        if labels is not None:
            fig.suptitle(f"image {index}, label {labels[index]}", fontsize=9)

    return _controlled(draw, index=ipywidgets.IntSlider(min=0, max=len(originals) - 1, description="image", **_SLIDER))
