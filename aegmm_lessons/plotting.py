"""Matplotlib helpers shared by the lessons (one call per picture in a notebook).

Nothing here imports TensorFlow.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse, FancyBboxPatch

from .params import GMMParams

__all__ = ["draw_gmm_ellipses", "image_grid", "COURSE_LESSONS", "COURSE_LINKS", "course_map", "plot_density_1d", "plot_score_heatmap", "tile_images", "plot_latent_manifold", "plot_latent_scatter", "plot_reconstructions", "plot_rate_distortion", "plot_em_state", "plot_log_likelihood_history", "plot_convergence_gap", "plot_iterations_by_separation"]


def draw_gmm_ellipses(ax, params, dims=(0, 1), n_std=(1.0, 2.0), color="k", alpha_scale=0.4):
    """Draw each component of a mixture as ellipses of constant density.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    params : GMMParams
        The mixture; only dimensions ``dims`` are drawn.
    dims : tuple of two int, default (0, 1)
        The two features to project onto.
    n_std : sequence of float, default (1, 2)
        Radii of the ellipses in standard deviations.
    color : color, default 'k'
    alpha_scale : float, default 0.4
        Opacity of the heaviest component; lighter components fade with weight.

    Returns
    -------
    list of matplotlib.patches.Ellipse
    """
    if not isinstance(params, GMMParams):
        raise ValueError(f"params must be a GMMParams, got {type(params).__name__}")
    if len(dims) != 2 or not all(0 <= int(d) < params.n_features for d in dims):
        raise ValueError(
            f"dims must be two feature indices in [0, {params.n_features}), got {tuple(dims)}"
        )
    i, j = (int(d) for d in dims)
    covariances = params.full_covariances()[:, [i, j]][:, :, [i, j]]
    patches = []
    for weight, mean, cov in zip(params.weights, params.means[:, [i, j]], covariances):
        eigenvalues, eigenvectors = np.linalg.eigh(cov)
        angle = np.degrees(np.arctan2(eigenvectors[1, -1], eigenvectors[0, -1]))
        for radius in n_std:
            width, height = 2 * radius * np.sqrt(eigenvalues[::-1])
            patch = Ellipse(
                xy=mean, width=width, height=height, angle=angle, fill=False, color=color,
                alpha=min(1.0, alpha_scale + weight / params.weights.max() * (1 - alpha_scale)),
            )
            ax.add_patch(patch)
            patches.append(patch)
        ax.plot(*mean, marker="x", color=color)
    return patches


def image_grid(images, image_shape, n_cols=10, titles=None, ax_size=0.9, cmap="gray_r"):
    """Show flat images as a grid.

    Parameters
    ----------
    images : array-like of shape (n_images, height * width)
    image_shape : tuple of int (height, width)
    n_cols : int, default 10
    titles : sequence of str, optional
        One short title per image.
    ax_size : float, default 0.9
        Size of one cell in inches.
    cmap : str, default 'gray_r'

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = np.asarray(images)
    expected = int(np.prod(image_shape))
    if images.ndim != 2 or images.shape[1] != expected:
        raise ValueError(
            f"images must have shape (n_images, {expected}) for image_shape {tuple(image_shape)}, "
            f"got {images.shape}"
        )
    n_rows = max(1, int(np.ceil(len(images) / n_cols)))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * ax_size, n_rows * ax_size), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if index < len(images):
            ax.imshow(images[index].reshape(image_shape), cmap=cmap)
            if titles is not None:
                ax.set_title(titles[index], fontsize=7)
    fig.tight_layout()
    return fig


# The course: one entry per notebook (number, title, what it teaches, position
# on the course map), and the links that say which lesson builds on which.
COURSE_LESSONS = (
    ("00", "Concepts", "AE, GMM, VAE and AutoML\nin one short tour", (0.0, 1.0)),
    ("01", "EM for GMM", "E and M steps,\nlocal optima, BIC", (1.5, 1.0)),
    ("02", "AE + GMM", "a mixture on\nautoencoder codes", (3.0, 1.45)),
    ("03", "BFGS refinement", "quasi-Newton with\nan exact gradient", (3.0, 0.3)),
    ("04", "VAE derivation", "ELBO, KL divergence,\nreparameterization", (4.5, 2.15)),
    ("05", "AutoML search", "grid, random, halving,\nnested CV", (6.0, 1.0)),
)
COURSE_LINKS = (
    ("00", "01", ""),
    ("01", "02", "EM on codes"),
    ("01", "03", "polish EM's fit"),
    ("02", "04", "make the AE\nprobabilistic"),
    ("02", "05", "search latent\nwidth and K"),
    ("04", "05", "search beta"),
)


def _leave_box(center, toward, half_size):
    """Point where the segment from ``center`` to ``toward`` leaves a box of ``half_size``."""
    direction = toward - center
    with np.errstate(divide="ignore"):
        fraction = np.min(np.where(direction != 0, half_size / np.abs(direction), np.inf))
    return center + min(fraction, 0.5) * direction


def course_map(ax=None, lessons=COURSE_LESSONS, links=COURSE_LINKS, box_size=(1.1, 0.62)):
    """Draw the course as a graph: one box per lesson, one arrow per link.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.
    lessons : sequence of (number, title, summary, (x, y))
        One box per lesson, centred at ``(x, y)`` (data units).
    links : sequence of (from_number, to_number, label)
        One arrow per link, from the lesson it builds on to the lesson that
        builds on it; an empty label draws the arrow alone.
    box_size : tuple of float (width, height), default (1.1, 0.62)
        Size of each box in data units.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If lesson numbers repeat or a link names a lesson that is not listed.
    """
    positions = {}
    for number, _, _, xy in lessons:
        if number in positions:
            raise ValueError(f"lesson numbers must be unique, got {number!r} twice")
        positions[number] = np.asarray(xy, dtype=float)
    for source, target, _ in links:
        for end in (source, target):
            if end not in positions:
                raise ValueError(f"link {source!r} -> {target!r} names unknown lesson {end!r}; "
                                 f"known: {sorted(positions)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(13, 4.2))
    half_size = np.asarray(box_size, dtype=float) / 2
    for number, title, summary, (x, y) in lessons:
        ax.add_patch(FancyBboxPatch((x - half_size[0], y - half_size[1]), *box_size,
                                    boxstyle="round,pad=0,rounding_size=0.06", facecolor="#eef3fb",
                                    edgecolor="#3465a4", zorder=3))
        ax.text(x, y + 0.12, f"{number}  {title}", ha="center", va="center", fontsize=10,
                weight="bold", zorder=4)
        ax.text(x, y - 0.1, summary, ha="center", va="center", fontsize=8.5, zorder=4)
    for source, target, label in links:
        start = _leave_box(positions[source], positions[target], half_size)
        end = _leave_box(positions[target], positions[source], half_size)
        ax.annotate("", xy=end, xytext=start,
                    zorder=2, arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 1.3,
                                          "shrinkA": 1, "shrinkB": 1, "mutation_scale": 14})
        if not label:
            continue
        # Labels sit just above their arrow so the arrow stays visible.
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.11, label, ha="center", va="center", fontsize=7.5, style="italic",
                zorder=4, color="#333333", bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                                                 "edgecolor": "none", "alpha": 0.9})
    xs, ys = np.array(list(positions.values())).T
    ax.set_xlim(xs.min() - half_size[0] - 0.05, xs.max() + half_size[0] + 0.05)
    ax.set_ylim(ys.min() - half_size[1] - 0.05, ys.max() + half_size[1] + 0.05)
    ax.set_axis_off()
    return ax.figure


def plot_density_1d(ax, sample, grid, density, component_densities=None, bins=40, title=None):
    """Histogram of a 1-D sample with a fitted density (and its weighted components).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sample : array-like of shape (n_samples,) or (n_samples, 1)
    grid : array-like of shape (n_grid,)
        Points where the density was evaluated.
    density : array-like of shape (n_grid,)
        The mixture density on ``grid``.
    component_densities : array-like of shape (n_grid, n_components), optional
        Each component's weighted density, drawn dashed.
    bins : int, default 40
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    sample = np.asarray(sample, dtype=float).ravel()
    grid = np.asarray(grid, dtype=float)
    density = np.asarray(density, dtype=float)
    if grid.ndim != 1 or density.shape != grid.shape:
        raise ValueError(f"grid and density must be 1-D of equal shape, got {grid.shape} and {density.shape}")
    ax.hist(sample, bins=bins, density=True, color="#c8d7ea", edgecolor="white")
    if component_densities is not None:
        component_densities = np.asarray(component_densities, dtype=float)
        if component_densities.ndim != 2 or component_densities.shape[0] != grid.shape[0]:
            raise ValueError(
                f"component_densities must have shape ({grid.shape[0]}, n_components), "
                f"got {component_densities.shape}"
            )
        ax.plot(grid, component_densities, ls="--", lw=1, color="#555555")
    ax.plot(grid, density, color="#c0392b", lw=2)
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def plot_score_heatmap(ax, x_values, y_values, scores, *, x_label="x", y_label="y", title=None,
                       cmap="viridis", annotate=True, digits=3, colorbar_label="mean CV score"):
    """Heatmap of search scores over two hyperparameters, best cell outlined.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x_values : sequence, length n_x
        Values of the hyperparameter along the columns (shown as labels, so
        ``None`` and strings are fine).
    y_values : sequence, length n_y
    scores : array-like of shape (n_y, n_x)
        Scores, larger is better; NaN cells (no candidate) are left blank.
    x_label, y_label : str
    title : str, optional
    cmap : str, default 'viridis'
    annotate : bool, default True
        Write each score in its cell.
    digits : int, default 3
        Significant digits of the annotations.
    colorbar_label : str, default 'mean CV score'

    Returns
    -------
    matplotlib.image.AxesImage
    """
    from .repro import format_value

    scores = np.asarray(scores, dtype=float)
    expected = (len(y_values), len(x_values))
    if scores.shape != expected:
        raise ValueError(f"scores must have shape (n_y, n_x) = {expected}, got {scores.shape}")
    if np.all(np.isnan(scores)):
        raise ValueError("scores are all NaN: no candidate to show")
    image = ax.imshow(np.ma.masked_invalid(scores), cmap=cmap, origin="lower", aspect="auto")
    ax.set_xticks(range(len(x_values)), [str(v) for v in x_values])
    ax.set_yticks(range(len(y_values)), [str(v) for v in y_values])
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    if annotate:
        middle = np.nanmin(scores) + 0.5 * (np.nanmax(scores) - np.nanmin(scores))
        for (row, column), value in np.ndenumerate(scores):
            if not np.isnan(value):
                ax.text(column, row, format_value(value, digits), ha="center", va="center", fontsize=8,
                        color="black" if value > middle else "white")
    best_row, best_column = np.unravel_index(np.nanargmax(scores), scores.shape)
    ax.add_patch(plt.Rectangle((best_column - 0.5, best_row - 0.5), 1, 1, fill=False, edgecolor="#c0392b",
                               lw=2.5))
    ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    if title is not None:
        ax.set_title(title, fontsize=10)
    return image


# --- lesson 04: VAE pictures --------------------------------------------------

def tile_images(images, image_shape, n_rows, n_cols, pad=0, fill=0.0):
    """Arrange flat images row by row into one mosaic array.

    Parameters
    ----------
    images : array-like of shape (n_rows * n_cols, height * width)
        In row-major order: ``images[r * n_cols + c]`` lands in row r, column c.
    image_shape : tuple of int (height, width)
    n_rows, n_cols : int
    pad : int, default 0
        Pixels of ``fill`` between neighbouring images and around the mosaic.
    fill : float, default 0.0

    Returns
    -------
    ndarray of shape (n_rows * (height + pad) + pad, n_cols * (width + pad) + pad)
    """
    height, width = image_shape
    images = np.asarray(images, dtype=float)
    expected = (n_rows * n_cols, height * width)
    if images.shape != expected:
        raise ValueError(f"images must have shape {expected} for a {n_rows}x{n_cols} grid of "
                         f"{height}x{width} images, got {images.shape}")
    if pad < 0:
        raise ValueError(f"pad must be >= 0, got {pad}")
    blocks = images.reshape(n_rows, n_cols, height, width)
    blocks = np.pad(blocks, ((0, 0), (0, 0), (0, pad), (0, pad)), constant_values=fill)
    mosaic = blocks.transpose(0, 2, 1, 3).reshape(n_rows * (height + pad), n_cols * (width + pad))
    return np.pad(mosaic, ((pad, 0), (pad, 0)), constant_values=fill)


def plot_latent_manifold(ax, images, image_shape, grid_values, dims=(0, 1), cmap="gray_r"):
    """Decoded images of a square grid of latent points, placed at their coordinates.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    images : array-like of shape (n * n, height * width)
        Row-major from the top row: row r holds ``z[dims[1]] = grid_values[n - 1 - r]``,
        column c holds ``z[dims[0]] = grid_values[c]`` (as made by
        ``widgets.latent_grid``).
    image_shape : tuple of int (height, width)
    grid_values : array-like of shape (n,)
        Evenly spaced latent coordinates, increasing.
    dims : tuple of two int, default (0, 1)
        Latent dimensions on the x and y axes (for the labels).
    cmap : str, default 'gray_r'

    Returns
    -------
    matplotlib.image.AxesImage
    """
    grid_values = np.asarray(grid_values, dtype=float)
    n = grid_values.shape[0]
    if grid_values.ndim != 1 or n < 2 or np.any(np.diff(grid_values) <= 0):
        raise ValueError(f"grid_values must be 1-D, increasing, with at least 2 values, got {grid_values!r}")
    # One blank pixel between cells: without it, narrow neighbouring digits
    # merge into continuous columns.
    mosaic = tile_images(images, image_shape, n, n, pad=1)
    half_step = 0.5 * (grid_values[1] - grid_values[0])
    extent = (grid_values[0] - half_step, grid_values[-1] + half_step,
              grid_values[0] - half_step, grid_values[-1] + half_step)
    # nearest: resampling a mosaic of 8x8 images smears neighbouring cells into stripes
    image = ax.imshow(mosaic, cmap=cmap, extent=extent, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xlabel(f"z[{dims[0]}]")
    ax.set_ylabel(f"z[{dims[1]}]")
    return image


def plot_latent_scatter(ax, codes, labels=None, dims=(0, 1), cmap="tab10", size=8):
    """Latent codes as points, coloured by label, with a legend per label.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    codes : array-like of shape (n_samples, latent_dim)
    labels : array-like of shape (n_samples,), optional
    dims : tuple of two int, default (0, 1)
    cmap : str, default 'tab10'
    size : float, default 8

    Returns
    -------
    matplotlib.axes.Axes
    """
    codes = np.asarray(codes, dtype=float)
    if codes.ndim != 2 or codes.shape[1] <= max(dims):
        raise ValueError(f"codes must have shape (n_samples, latent_dim > {max(dims)}), got {codes.shape}")
    x, y = codes[:, dims[0]], codes[:, dims[1]]
    if labels is None:
        ax.scatter(x, y, s=size, color="#34495e")
    else:
        labels = np.asarray(labels)
        if labels.shape != (codes.shape[0],):
            raise ValueError(f"labels must have shape ({codes.shape[0]},), got {labels.shape}")
        colours = plt.get_cmap(cmap)
        for index, label in enumerate(np.unique(labels)):
            chosen = labels == label
            ax.scatter(x[chosen], y[chosen], s=size, color=colours(index % colours.N), label=str(label))
        ax.legend(fontsize=7, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.set_xlabel(f"z[{dims[0]}]")
    ax.set_ylabel(f"z[{dims[1]}]")
    return ax


def plot_reconstructions(originals, reconstructions, image_shape, ax_size=0.8, cmap="gray_r"):
    """Originals (top row) above their reconstructions (bottom row).

    Parameters
    ----------
    originals : array-like of shape (n_images, height * width)
    reconstructions : array-like of shape (n_images, height * width)
    image_shape : tuple of int (height, width)
    ax_size : float, default 0.8
        Size of one cell in inches.
    cmap : str, default 'gray_r'

    Returns
    -------
    matplotlib.figure.Figure
    """
    originals = np.asarray(originals, dtype=float)
    reconstructions = np.asarray(reconstructions, dtype=float)
    if originals.shape != reconstructions.shape:
        raise ValueError(f"originals and reconstructions must have the same shape, got {originals.shape} "
                         f"and {reconstructions.shape}")
    fig = image_grid(np.vstack([originals, reconstructions]), image_shape, n_cols=len(originals),
                     ax_size=ax_size, cmap=cmap)
    for row, name in enumerate(("original", "reconstruction")):
        fig.axes[row * len(originals)].set_title(name, fontsize=8, loc="left")
    return fig


def plot_rate_distortion(ax, rates, distortions, labels=None, floor=None):
    """Rate (KL) against distortion (reconstruction), one point per model.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    rates : array-like of shape (n_models,)
        KL(q(z|x) || p(z)) in nats per example.
    distortions : array-like of shape (n_models,)
        Expected negative log-likelihood in nats per example.
    labels : sequence of str, optional
        One annotation per point (e.g. ``'beta = 4'``).
    floor : float, optional
        Smallest achievable distortion, drawn as a horizontal line.

    Returns
    -------
    matplotlib.axes.Axes
    """
    rates = np.asarray(rates, dtype=float)
    distortions = np.asarray(distortions, dtype=float)
    if rates.ndim != 1 or rates.shape != distortions.shape:
        raise ValueError(f"rates and distortions must be 1-D of equal length, got {rates.shape} and "
                         f"{distortions.shape}")
    order = np.argsort(rates)
    ax.plot(rates[order], distortions[order], marker="o", color="#2c3e50")
    if labels is not None:
        if len(labels) != rates.shape[0]:
            raise ValueError(f"labels must have {rates.shape[0]} entries, got {len(labels)}")
        for rate, distortion, label in zip(rates, distortions, labels):
            ax.annotate(label, (rate, distortion), textcoords="offset points", xytext=(5, 5), fontsize=8)
    if floor is not None:
        ax.axhline(floor, ls="--", color="#c0392b", lw=1, label="reconstruction floor")
        ax.legend(fontsize=8, frameon=False)
    ax.set_xlabel("rate: KL (nats per example)")
    ax.set_ylabel("distortion: reconstruction (nats per example)")
    return ax


# --- lesson 01: EM for Gaussian mixtures ---------------------------------------

def plot_em_state(ax, X, params, title=None, dims=(0, 1), size=6):
    """Data coloured by responsibilities, with the mixture's ellipses on top.

    Each point's colour mixes the component colours in proportion to its
    responsibilities, so soft assignments show as blended colours.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    X : array-like of shape (n_samples, n_features)
    params : GMMParams
        The mixture; ``n_features`` must match X. At most 10 components
        (one colour of the ``tab10`` cycle each).
    title : str, optional
    dims : tuple of two int, default (0, 1)
        The two features drawn.
    size : float, default 6
        Marker size.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .gmm import e_step

    if params.n_components > 10:
        raise ValueError(f"plot_em_state colours at most 10 components, got {params.n_components}")
    X = params.check_data(X)
    _, log_resp = e_step(X, params)
    palette = np.array(plt.get_cmap("tab10").colors)[: params.n_components]
    colours = np.clip(np.exp(log_resp) @ palette, 0.0, 1.0)
    i, j = dims
    ax.scatter(X[:, i], X[:, j], c=colours, s=size, linewidths=0)
    draw_gmm_ellipses(ax, params, dims=dims)
    ax.set_xlabel(f"$x_{i + 1}$")
    ax.set_ylabel(f"$x_{j + 1}$")
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def plot_log_likelihood_history(ax, log_likelihood, current=None, label="EM"):
    """Mean log-likelihood against the iteration, optionally marking one iteration.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    log_likelihood : array-like of shape (n_iter,)
        Mean log-likelihood per sample after each iteration (index 0 is the start).
    current : int, optional
        Iteration to mark.
    label : str, default 'EM'

    Returns
    -------
    matplotlib.axes.Axes
    """
    log_likelihood = np.asarray(log_likelihood, dtype=float)
    if log_likelihood.ndim != 1 or log_likelihood.size == 0:
        raise ValueError(f"log_likelihood must be 1-D and non-empty, got shape {log_likelihood.shape}")
    ax.plot(np.arange(log_likelihood.size), log_likelihood, marker=".", label=label)
    if current is not None:
        if not 0 <= current < log_likelihood.size:
            raise ValueError(f"current must be in [0, {log_likelihood.size - 1}], got {current}")
        ax.plot(current, log_likelihood[current], marker="o", ms=10, mfc="none", color="C3")
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean log-likelihood")
    return ax


# --- lesson 03: EM against direct (quasi-Newton) maximization ---------------

_LINESTYLES = ("-", "--", "-.", ":")


def plot_convergence_gap(ax, rows, target=None, floor=1e-12):
    """How far each optimizer is from the best log-likelihood, per iteration (log scale).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    rows : sequence of dict
        Rows of :func:`aegmm_lessons.refine.compare_optimizers`: each with
        ``optimizer`` (label) and ``history`` (mean log-likelihood from
        iteration 0 on).
    target : float, optional
        Reference log-likelihood; by default the largest value in any history.
    floor : float, default 1e-12
        Gaps below this are drawn at ``floor`` (a log axis has no zero).

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = list(rows)
    if not rows:
        raise ValueError("rows must contain at least one optimizer run, got 0")
    histories = [np.asarray(row["history"], dtype=float) for row in rows]
    for row, history in zip(rows, histories):
        if history.ndim != 1 or history.size == 0 or not np.all(np.isfinite(history)):
            raise ValueError(f"history of {row['optimizer']!r} must be a finite non-empty 1-D array")
    if target is None:
        target = max(history.max() for history in histories)
    for index, (row, history) in enumerate(zip(rows, histories)):
        # dashes keep runs that coincide (same iterates) visible
        ax.semilogy(np.arange(history.size), np.maximum(target - history, floor), label=row["optimizer"],
                    linestyle=_LINESTYLES[index % len(_LINESTYLES)])
    ax.set_xlabel("iteration")
    ax.set_ylabel("best - mean log-likelihood")
    ax.legend(fontsize=8)
    return ax


def plot_iterations_by_separation(ax, study, highlight=None, key="to_converge"):
    """Iterations each optimizer needs, against the separation of the components.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    study : dict of float to list of dict
        From :func:`aegmm_lessons.refine.convergence_by_separation`.
    highlight : float, optional
        A separation to mark with a vertical line.
    key : str, default 'to_converge'
        The row entry to plot; runs that never converged (None) are drawn at
        their iteration count with an open marker.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not study:
        raise ValueError("study must hold at least one separation, got none")
    separations = sorted(study)
    names = [row["optimizer"] for row in study[separations[0]]]
    for index, name in enumerate(names):
        color = f"C{index}"
        values, missed = [], []
        for separation in separations:
            row = next(r for r in study[separation] if r["optimizer"] == name)
            reached = row[key] is not None
            values.append(row[key] if reached else row["iterations"])
            missed.append(not reached)
        values, missed = np.array(values, dtype=float), np.array(missed)
        ax.plot(separations, values, color=color, label=name, marker="o",
                linestyle=_LINESTYLES[index % len(_LINESTYLES)])
        if missed.any():
            ax.plot(np.array(separations)[missed], values[missed], linestyle="none", marker="o",
                    markersize=11, mfc="none", color=color, label=f"{name}: stopped before converging")
    if highlight is not None:
        ax.axvline(highlight, color="0.5", linestyle=":")
    ax.set_yscale("log")
    ax.set_xlabel("separation of the means (standard deviations)")
    ax.set_ylabel("iterations to within 1e-6")
    ax.legend(fontsize=8)
    return ax
