"""Matplotlib helpers of the lessons: one call per picture, each returning its Figure. Nothing here imports
TensorFlow.

``plot_*`` and ``draw_*`` functions draw on an Axes they are given; ``*_figure`` functions open a figure of their own.
"""

import numbers
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse, FancyBboxPatch

from . import automl
from .experiments import mixture_density_1d
from .gmm import e_step
from .params import check_params
from .repro import format_value
from .validation import check_data, check_positive_int, check_scalar

__all__ = ["draw_gmm_ellipses", "image_grid", "course_map", "plot_density_1d", "plot_score_heatmap",
           "plot_latent_manifold", "plot_latent_scatter", "plot_reconstructions", "plot_rate_distortion",
           "plot_em_state", "plot_log_likelihood_history", "plot_convergence_gap", "plot_iterations_by_separation",
           "plot_mixture_fit", "mixture_components_figure", "search_heatmap_figure", "latent_grid_figure",
           "plot_em_iteration", "em_steps_figure", "convergence_figure", "reconstructions_figure"]


def _check_shape(name, array, expected):
    if array.shape != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)}, got {array.shape}")
    return array


def draw_gmm_ellipses(ax, params, dims=(0, 1), n_std=(1.0, 2.0), color="k", alpha_scale=0.4):
    """Each component as ellipses at ``n_std`` standard deviations on features ``dims``; returns the Figure.

    The heaviest component is opaque; lighter ones fade with weight down to ``alpha_scale``.
    """
    params = check_params(params)
    if len(dims) != 2 or not all(0 <= int(d) < params.n_features for d in dims):
        raise ValueError(f"dims must be two feature indices in [0, {params.n_features}), got {tuple(dims)}")
    dims = [int(d) for d in dims]
    covariances = params.full_covariances()[:, dims][:, :, dims]
    for weight, mean, cov in zip(params.weights, params.means[:, dims], covariances, strict=True):
        eigenvalues, eigenvectors = np.linalg.eigh(cov)
        angle = np.degrees(np.arctan2(eigenvectors[1, -1], eigenvectors[0, -1]))
        alpha = min(1.0, alpha_scale + weight / params.weights.max() * (1 - alpha_scale))
        for radius in n_std:
            width, height = 2 * radius * np.sqrt(eigenvalues[::-1])
            patch = Ellipse(xy=mean, width=width, height=height, angle=angle, fill=False, color=color, alpha=alpha)
            ax.add_patch(patch)
        ax.plot(*mean, marker="x", color=color)
    return ax.figure


def image_grid(images, image_shape, n_cols=10, titles=None, ax_size=0.9, cmap="gray_r"):
    """Flat images of shape (n_images, height * width) as a grid of ``n_cols`` columns; returns the Figure."""
    images = np.asarray(images)
    _check_shape("images", images, (len(images), int(np.prod(image_shape))))
    n_rows = max(1, -(-len(images) // n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * ax_size, n_rows * ax_size), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if index < len(images):
            ax.imshow(images[index].reshape(image_shape), cmap=cmap)
            if titles is not None:
                ax.set_title(titles[index], fontsize=7)
    fig.tight_layout()
    return fig


# One box per notebook (number, title, summary, centre) and one arrow per "builds on".
_COURSE_LESSONS = (
    ("00", "Concepts", "AE, GMM, VAE and AutoML\nin one short tour", (0.0, 1.0)),
    ("01", "EM for GMM", "E and M steps,\nlocal optima, BIC", (1.5, 1.0)),
    ("02", "AE + GMM", "a mixture on\nautoencoder codes", (3.0, 1.45)),
    ("03", "BFGS refinement", "quasi-Newton with\nan exact gradient", (3.0, 0.3)),
    ("04", "VAE derivation", "ELBO, KL divergence,\nreparameterization", (4.5, 2.15)),
    ("05", "AutoML search", "grid, random, halving,\nnested CV", (6.0, 1.0)),
    ("06", "Mixture prior", "a GMM as the VAE's prior,\ntrained jointly", (6.0, 2.15)),
)
_COURSE_LINKS = (
    ("00", "01", ""),
    ("01", "02", "EM on codes"),
    ("01", "03", "polish EM's fit"),
    ("02", "04", "make the AE\nprobabilistic"),
    ("02", "05", "search latent\nwidth and K"),
    ("04", "05", "search beta"),
    ("04", "06", ""),
)


def _leave_box(center, toward, half_size):
    """Point where the segment from ``center`` to ``toward`` leaves a box of ``half_size``."""
    direction = toward - center
    with np.errstate(divide="ignore"):
        fraction = np.min(np.where(direction != 0, half_size / np.abs(direction), np.inf))
    return center + min(fraction, 0.5) * direction


def course_map(ax=None, lessons=_COURSE_LESSONS, links=_COURSE_LINKS, box_size=(1.1, 0.62)):
    """The course as a graph: a box per lesson ``(number, title, summary, (x, y))``, an arrow per link.

    A link ``(from, to, label)`` points from the lesson built on to the one that builds on it. Returns the Figure.
    """
    positions = {}
    for number, _, _, xy in lessons:
        if number in positions:
            raise ValueError(f"lesson numbers must be unique, got {number!r} twice")
        positions[number] = np.asarray(xy, dtype=float)
    for end in (end for source, target, _ in links for end in (source, target)):
        if end not in positions:
            raise ValueError(f"links must name known lessons {sorted(positions)}, got unknown lesson {end!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(13, 4.2))
    half_size = np.asarray(box_size, dtype=float) / 2
    for number, title, summary, (x, y) in lessons:
        ax.add_patch(FancyBboxPatch((x - half_size[0], y - half_size[1]), *box_size, zorder=3, facecolor="#eef3fb",
                                    boxstyle="round,pad=0,rounding_size=0.06", edgecolor="#3465a4"))
        ax.text(x, y + 0.12, f"{number}  {title}", ha="center", va="center", fontsize=10, weight="bold", zorder=4)
        ax.text(x, y - 0.1, summary, ha="center", va="center", fontsize=8.5, zorder=4)
    for source, target, label in links:
        start = _leave_box(positions[source], positions[target], half_size)
        end = _leave_box(positions[target], positions[source], half_size)
        ax.annotate("", xy=end, xytext=start, zorder=2, arrowprops={
            "arrowstyle": "-|>", "color": "#555555", "lw": 1.3, "shrinkA": 1, "shrinkB": 1, "mutation_scale": 14})
        if label:  # just above the arrow, which stays visible
            ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.11, label, ha="center", va="center",
                    fontsize=7.5, style="italic", zorder=4, color="#333333",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    xs, ys = np.array(list(positions.values())).T
    ax.set_xlim(xs.min() - half_size[0] - 0.05, xs.max() + half_size[0] + 0.05)
    ax.set_ylim(ys.min() - half_size[1] - 0.05, ys.max() + half_size[1] + 0.05)
    ax.set_axis_off()
    return ax.figure


def plot_density_1d(ax, sample, grid, density, component_densities=None, bins=40, title=None):
    """Histogram of a 1-D sample, the density on ``grid`` (red) and component densities (n_grid, K), dashed."""
    grid = np.asarray(grid, dtype=float)
    density = _check_shape("density", np.asarray(density, dtype=float), grid.shape)
    ax.hist(np.ravel(sample), bins=bins, density=True, color="#c8d7ea", edgecolor="white")
    if component_densities is not None:
        ax.plot(grid, component_densities, ls="--", lw=1, color="#555555")
    ax.plot(grid, density, color="#c0392b", lw=2)
    ax.set(xlabel="x", ylabel="density")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax.figure


def plot_score_heatmap(ax, x_values, y_values, scores, *, x_label="x", y_label="y", title=None,
                       cmap="viridis", annotate=True, digits=3, colorbar_label="mean CV score"):
    """Scores of shape (n_y, n_x) over two hyperparameters, best cell outlined, NaN cells blank; the Figure."""
    scores = _check_shape("scores", np.asarray(scores, dtype=float), (len(y_values), len(x_values)))
    if np.all(np.isnan(scores)):
        raise ValueError("scores must hold at least one number, got all NaN")
    image = ax.imshow(np.ma.masked_invalid(scores), cmap=cmap, origin="lower", aspect="auto")
    ax.set_xticks(range(len(x_values)), [str(v) for v in x_values])
    ax.set_yticks(range(len(y_values)), [str(v) for v in y_values])
    ax.set(xlabel=x_label, ylabel=y_label)
    if annotate:
        middle = (np.nanmin(scores) + np.nanmax(scores)) / 2
        for (row, column), value in np.ndenumerate(scores):
            if not np.isnan(value):
                ax.text(column, row, format_value(value, digits), ha="center", va="center", fontsize=8,
                        color="black" if value > middle else "white")
    best_row, best_column = np.unravel_index(np.nanargmax(scores), scores.shape)
    ax.add_patch(plt.Rectangle((best_column - 0.5, best_row - 0.5), 1, 1, fill=False, edgecolor="#c0392b", lw=2.5))
    ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax.figure


def plot_latent_manifold(ax, images, image_shape, grid_values, dims=(0, 1), cmap="gray_r"):
    """Decoded images (n * n, height * width) of an n x n latent grid as one mosaic at their coordinates.

    Row r (from the top) has ``z[dims[1]] = grid_values[n - 1 - r]``, column c ``z[dims[0]] = grid_values[c]``."""
    grid_values = np.asarray(grid_values, dtype=float)
    n, (height, width) = len(grid_values), image_shape
    if grid_values.ndim != 1 or n < 2 or np.any(np.diff(grid_values) <= 0):
        raise ValueError(f"grid_values must be 1-D, increasing, with at least 2 values, got {grid_values!r}")
    blocks = _check_shape("images", np.asarray(images, dtype=float), (n * n, height * width))
    # One blank pixel between cells: without it, narrow neighbouring digits merge into columns.
    blocks = np.pad(blocks.reshape(n, n, height, width), ((0, 0), (0, 0), (0, 1), (0, 1)))
    mosaic = np.pad(blocks.transpose(0, 2, 1, 3).reshape(n * (height + 1), n * (width + 1)), ((1, 0), (1, 0)))
    half_step = (grid_values[1] - grid_values[0]) / 2
    low, high = grid_values[0] - half_step, grid_values[-1] + half_step
    # nearest: resampling a mosaic of 8x8 images smears neighbouring cells into stripes
    ax.imshow(mosaic, cmap=cmap, extent=(low, high, low, high), vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set(xlabel=f"z[{dims[0]}]", ylabel=f"z[{dims[1]}]")
    return ax.figure


def plot_latent_scatter(ax, codes, labels=None, dims=(0, 1), cmap="tab10", size=8):
    """Codes of shape (n_samples, latent_dim) as points on features ``dims``, one colour and legend entry per label."""
    codes = np.asarray(codes, dtype=float)
    if codes.ndim != 2 or codes.shape[1] <= max(dims):
        raise ValueError(f"codes must have shape (n_samples, latent_dim > {max(dims)}), got {codes.shape}")
    x, y = codes[:, dims[0]], codes[:, dims[1]]
    if labels is None:
        ax.scatter(x, y, s=size, color="#34495e")
    else:
        labels = _check_shape("labels", np.asarray(labels), (len(codes),))
        colours = plt.get_cmap(cmap)
        for index, label in enumerate(np.unique(labels)):
            chosen = labels == label
            ax.scatter(x[chosen], y[chosen], s=size, color=colours(index % colours.N), label=str(label))
        ax.legend(fontsize=7, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.set(xlabel=f"z[{dims[0]}]", ylabel=f"z[{dims[1]}]")
    return ax.figure


def plot_reconstructions(originals, reconstructions, image_shape, ax_size=0.8, cmap="gray_r"):
    """Originals (top row) above their reconstructions (bottom row); returns the Figure."""
    originals = np.asarray(originals, dtype=float)
    reconstructions = _check_shape("reconstructions", np.asarray(reconstructions, dtype=float), originals.shape)
    fig = image_grid(np.vstack([originals, reconstructions]), image_shape, n_cols=len(originals),
                     ax_size=ax_size, cmap=cmap)
    for row, name in enumerate(("original", "reconstruction")):
        fig.axes[row * len(originals)].set_title(name, fontsize=8, loc="left")
    return fig


def plot_rate_distortion(ax, rates, distortions, labels=None, floor=None):
    """Rate (KL) against distortion (reconstruction NLL), nats per example, one point per model; floor dashed."""
    rates = np.asarray(rates, dtype=float)
    distortions = _check_shape("distortions", np.asarray(distortions, dtype=float), rates.shape)
    order = np.argsort(rates)
    ax.plot(rates[order], distortions[order], marker="o", color="#2c3e50")
    if labels is not None:
        for rate, distortion, label in zip(rates, distortions, _check_shape("labels", np.asarray(labels), rates.shape),
                                           strict=True):
            ax.annotate(label, (rate, distortion), textcoords="offset points", xytext=(5, 5), fontsize=8)
    if floor is not None:
        ax.axhline(floor, ls="--", color="#c0392b", lw=1, label="reconstruction floor")
        ax.legend(fontsize=8, frameon=False)
    ax.set(xlabel="rate: KL (nats per example)", ylabel="distortion: reconstruction (nats per example)")
    return ax.figure


def plot_em_state(ax, X, params, title=None, dims=(0, 1), size=6):
    """Points coloured by their responsibilities (soft assignments blend tab10 colours), ellipses on top."""
    params = check_params(params)
    if params.n_components > 10:
        raise ValueError(f"params must have at most 10 components (one tab10 colour each), got {params.n_components}")
    _, log_resp = e_step(X, params)
    colours = np.clip(np.exp(log_resp) @ np.array(plt.get_cmap("tab10").colors)[: params.n_components], 0.0, 1.0)
    X = np.asarray(X, dtype=float)
    ax.scatter(X[:, dims[0]], X[:, dims[1]], c=colours, s=size, linewidths=0)
    draw_gmm_ellipses(ax, params, dims=dims)
    ax.set(xlabel=f"$x_{dims[0] + 1}$", ylabel=f"$x_{dims[1] + 1}$")
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax.figure


def plot_log_likelihood_history(ax, log_likelihood, current=None, label="EM"):
    """Mean log-likelihood against the iteration (index 0 is the start), circling iteration ``current``."""
    log_likelihood = np.asarray(log_likelihood, dtype=float)
    ax.plot(np.arange(log_likelihood.size), log_likelihood, marker=".", label=label)
    if current is not None:
        ax.plot(current, log_likelihood[current], marker="o", ms=10, mfc="none", color="C3")
    ax.set(xlabel="iteration", ylabel="mean log-likelihood")
    return ax.figure


_LINESTYLES = ("-", "--", "-.", ":")  # dashes keep runs with the same iterates visible


def plot_convergence_gap(ax, rows, target=None, floor=1e-12):
    """``target`` (default: the best of any history) minus each run's mean log-likelihood, per iteration, log scale.

    ``rows`` hold ``optimizer`` (label) and ``history`` (from iteration 0); gaps below ``floor`` are drawn at it."""
    rows = list(rows)
    if not rows:
        raise ValueError("rows must contain at least one optimizer run, got 0")
    histories = [np.asarray(row["history"], dtype=float) for row in rows]
    for row, history in zip(rows, histories, strict=True):
        if history.ndim != 1 or history.size == 0 or not np.all(np.isfinite(history)):
            raise ValueError(f"history of {row['optimizer']!r} must be a finite non-empty 1-D array")
    target = max(history.max() for history in histories) if target is None else target
    for index, (row, history) in enumerate(zip(rows, histories, strict=True)):
        ax.semilogy(np.arange(history.size), np.maximum(target - history, floor), label=row["optimizer"],
                    linestyle=_LINESTYLES[index % len(_LINESTYLES)])
    ax.set(xlabel="iteration", ylabel="best - mean log-likelihood")
    ax.legend(fontsize=8)
    return ax.figure


def plot_iterations_by_separation(ax, study, highlight=None, key="to_converge"):
    """Iterations per optimizer against separation, from ``{separation: [row, ...]}``; unconverged runs circled."""
    separations = sorted(study)
    for index, name in enumerate(row["optimizer"] for row in study[separations[0]]):
        rows = [next(r for r in study[s] if r["optimizer"] == name) for s in separations]
        missed = np.array([row[key] is None for row in rows])
        values = np.array([row["iterations"] if row[key] is None else row[key] for row in rows], dtype=float)
        ax.plot(separations, values, color=f"C{index}", label=name, marker="o",
                linestyle=_LINESTYLES[index % len(_LINESTYLES)])
        if missed.any():
            ax.plot(np.array(separations)[missed], values[missed], linestyle="none", marker="o", markersize=11,
                    mfc="none", color=f"C{index}", label=f"{name}: stopped before converging")
    if highlight is not None:
        ax.axvline(highlight, color="0.5", linestyle=":")
    ax.set(yscale="log", xlabel="separation of the means (standard deviations)", ylabel="iterations to within 1e-6")
    ax.legend(fontsize=8)
    return ax.figure


# --------------------------------------------------------------------------- whole figures


def _check_index(name, value, low, high):
    return int(check_scalar(value, name, numbers.Integral, min_val=low, max_val=high))


def plot_mixture_fit(ax, sample, n_components, random_state=0):
    """Histogram of a 1-D sample and the density of ``n_components`` fitted by EM (``experiments.mixture_density_1d``),
    titled with its mean log-likelihood and BIC; ``ax=None`` opens a figure. Returns the Figure."""
    ax = plt.subplots(figsize=(6, 3.2), layout="tight")[1] if ax is None else ax
    fit = mixture_density_1d(sample, n_components, random_state=random_state)
    title = f"K = {n_components}\nmean log-likelihood {format_value(fit.log_likelihood)}, BIC {format_value(fit.bic)}"
    return plot_density_1d(ax, sample, fit.grid, fit.density, fit.component_densities, title=title)


def mixture_components_figure(sample, n_components=(1, 2, 3, 6), random_state=0):
    """One panel per number of components: the histogram and the fitted density."""
    n_components = list(n_components)
    fig, axes = plt.subplots(1, len(n_components), figsize=(3.6 * len(n_components), 3), sharey=True, squeeze=False,
                             layout="tight")
    for ax, k in zip(axes[0], n_components, strict=True):
        plot_mixture_fit(ax, sample, k, random_state)
    return fig


def search_heatmap_figure(search_or_rows, x_param, y_param, *, aggregate="max", figsize=(5.5, 3.6)):
    """Mean CV score of a search (or its ``automl.results_table``) over two hyperparameters, others aggregated."""
    rows = search_or_rows if isinstance(search_or_rows, list) else automl.results_table(search_or_rows)
    x_values, y_values, scores = automl.score_matrix(rows, x_param, y_param, aggregate=aggregate)
    others = [name for name in automl.searched_parameters(rows) if name not in (x_param, y_param)]
    fig, ax = plt.subplots(figsize=figsize, layout="tight")
    plot_score_heatmap(ax, x_values, y_values, scores, x_label=x_param, y_label=y_param,
                       title=f"{aggregate} over {', '.join(others)}" if others else None)
    return fig


def latent_grid_figure(decode, latent_dim, image_shape, n_per_side=12, limit=2.5, dims=(0, 1), figsize=(5.0, 5.0)):
    """Flat images ``decode`` makes of a square grid over [-limit, limit] in latent dimensions ``dims`` (others 0)."""
    latent_dim, n_per_side = check_positive_int("latent_dim", latent_dim), check_positive_int("n_per_side", n_per_side)
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < latent_dim for d in dims):
        raise ValueError(f"dims must be two different latent dimensions in [0, {latent_dim}), got {tuple(dims)}")
    values = np.linspace(-limit, limit, n_per_side)
    z = np.zeros((n_per_side**2, latent_dim))
    z[:, dims[0]], z[:, dims[1]] = np.tile(values, n_per_side), np.repeat(values[::-1], n_per_side)  # top row first
    fig, ax = plt.subplots(figsize=figsize, layout="tight")
    plot_latent_manifold(ax, decode(z), image_shape, values, dims=dims)
    ax.set_title(f"decoded grid, other coordinates at 0 (latent_dim = {latent_dim})", fontsize=9)
    return fig


def plot_em_iteration(ax, X, trajectory, iteration):
    """The mixture of a ``gmm.em_trajectory`` after ``iteration`` iterations over the points ``X``; the Figure."""
    title = f"iteration {iteration}: mean log-likelihood {format_value(trajectory.log_likelihood[iteration])}"
    return plot_em_state(ax, X, trajectory.params[iteration], title=title)


def em_steps_figure(X, trajectory, iterations=(0, 1, 2, 5, 10, 30), n_cols=3, ax_size=3.0):
    """Panels of ``ax_size`` inches: the mixture of a ``gmm.em_trajectory`` after each of ``iterations``."""
    iterations = [_check_index("iteration", t, 0, len(trajectory.params) - 1) for t in iterations]
    n_cols = check_positive_int("n_cols", n_cols)
    n_rows = -(-len(iterations) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * ax_size, n_rows * ax_size), sharex=True, sharey=True,
                             squeeze=False, layout="tight")
    for ax in axes.ravel()[len(iterations):]:
        ax.set_axis_off()
    for ax, iteration in zip(axes.ravel(), iterations, strict=False):
        plot_em_iteration(ax, X, trajectory, iteration)
    return fig


def convergence_figure(study, separation, figsize=(10, 3.8)):
    """Runs at one ``separation`` of a study ``{separation: [row, ...]}``, beside iterations against separation."""
    if separation not in study:
        raise ValueError(f"separation must be one of {sorted(study)}, got {separation!r}")
    fig, (left, right) = plt.subplots(1, 2, figsize=figsize, layout="tight")
    plot_convergence_gap(left, study[separation])
    left.set_title(f"separation {format_value(separation)}: distance to the best log-likelihood", fontsize=9)
    plot_iterations_by_separation(right, study, highlight=separation)
    right.set_title("iterations to get within 1e-6 of the best", fontsize=9)
    return fig


def _check_reconstructions(originals, reconstructions):
    originals = check_data(originals, name="originals")
    if not isinstance(reconstructions, Mapping) or not reconstructions:
        raise TypeError(f"reconstructions must be a non-empty mapping of names to arrays, got {reconstructions!r:.40}")
    return originals, {name: check_data(images, n_features=originals.shape[1], name=f"reconstructions[{name!r}]",
                                        min_samples=len(originals)) for name, images in reconstructions.items()}


def reconstructions_figure(originals, reconstructions, image_shape, indices, cell_size=(1.3, 1.5)):
    """One row per index: the original image, then each model's precomputed reconstruction and its MSE.

    ``originals`` of shape (n_images, height * width); ``reconstructions`` maps a model's name to an array of that
    shape; ``cell_size`` is (width, height) in inches of one image. Returns the Figure.
    """
    originals, reconstructions = _check_reconstructions(originals, reconstructions)
    indices = [_check_index("index", index, 0, len(originals) - 1) for index in indices]
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
