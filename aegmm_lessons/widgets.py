"""ipywidgets controls for the lessons.

Each control is a thin layer over a pure function that computes what it shows
(tested on its own); the widget only wires sliders to that function. In the
notebooks, widget cells are marked ``# NBVAL_IGNORE_OUTPUT`` (JupyterLab
stores widget output as widget state, nbval sees it as stdout), and a static
figure made by the same pure function stands beside each widget.
"""

from collections import namedtuple

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np

from . import plotting
from .gmm import GaussianMixtureEM
from .repro import format_value
from .validation import check_array_2d, check_positive_int

__all__ = [
    "MixtureDensity1D",
    "mixture_density_1d",
    "mixture_components_figure",
    "mixture_components_widget",
    "search_heatmap_figure",
    "search_results_widget",
    "LatentGrid",
    "latent_grid",
    "decode_latent_point",
    "latent_grid_figure",
    "latent_explorer_widget",
    "EMTrajectory",
    "em_trajectory",
    "em_steps_figure",
    "em_steps_widget",
    "convergence_figure",
    "convergence_widget",
    "ReconstructionView",
    "reconstruction_view",
    "reconstructions_figure",
    "reconstruction_widget",
]


# --- lesson 00: how many mixture components does a 1-D sample need? ---------

MixtureDensity1D = namedtuple(
    "MixtureDensity1D",
    ["n_components", "grid", "density", "component_densities", "log_likelihood", "bic", "params"],
)
MixtureDensity1D.__doc__ = """A mixture fitted to a 1-D sample, evaluated on a grid.

Fields
------
n_components : int
grid : ndarray of shape (n_grid,)
density : ndarray of shape (n_grid,)
    Mixture density on ``grid``: the sum of ``component_densities`` over components.
component_densities : ndarray of shape (n_grid, n_components)
    Weighted component densities ``w_k N(x | mu_k, sigma_k^2)``.
log_likelihood : float
    Mean log-likelihood per sample of the fitted mixture.
bic : float
    Bayesian information criterion on the sample (lower is better).
params : GMMParams
    The fitted mixture (``n_features == 1``).
"""

# Show a slider's whole label (the default width cuts 'components' short).
_LABEL_STYLE = {"description_width": "initial"}


def _as_column(sample, name="sample"):
    """A 1-D sample, given as (n_samples,) or (n_samples, 1), as an array of shape (n_samples, 1)."""
    array = np.asarray(sample)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    X = check_array_2d(array, name)
    if X.shape[1] != 1:
        raise ValueError(f"{name} must be 1-D, of shape (n_samples,) or (n_samples, 1), got shape {X.shape}")
    return X


def _default_grid(X, n_grid):
    low, high = X.min(), X.max()
    margin = 0.1 * (high - low) if high > low else 1.0
    return np.linspace(low - margin, high + margin, n_grid)


def mixture_density_1d(sample, n_components, *, grid=None, n_grid=200, random_state=0):
    """Fit a Gaussian mixture with ``n_components`` to a 1-D sample; its density on a grid.

    Parameters
    ----------
    sample : array-like of shape (n_samples,) or (n_samples, 1)
    n_components : int
        Number of mixture components K, 1 <= K <= n_samples.
    grid : array-like of shape (n_grid,), optional
        Where to evaluate the density; by default ``n_grid`` points spanning
        the sample plus a 10 % margin on each side.
    n_grid : int, default 200
        Number of grid points when ``grid`` is not given.
    random_state : int, default 0
        Seed of the k-means initialization.

    Returns
    -------
    MixtureDensity1D

    Raises
    ------
    ValueError
        If the sample is not 1-D, is empty or not finite, if ``n_components``
        is not an integer in [1, n_samples], or if ``grid`` is not 1-D and finite.
    """
    X = _as_column(sample)
    n_components = check_positive_int("n_components", n_components)
    if n_components > X.shape[0]:
        raise ValueError(
            f"n_components must be <= n_samples = {X.shape[0]}, got n_components = {n_components}"
        )
    if grid is None:
        grid = _default_grid(X, check_positive_int("n_grid", n_grid, minimum=2))
    else:
        if np.ndim(grid) != 1:
            raise ValueError(f"grid must be 1-D of shape (n_grid,), got shape {np.shape(grid)}")
        grid = check_array_2d(np.reshape(grid, (-1, 1)), "grid")[:, 0]
    model = GaussianMixtureEM(n_components=n_components, random_state=random_state).fit(X)
    params = model.params_
    means = params.means[:, 0]
    stds = np.sqrt(params.full_covariances()[:, 0, 0])
    standardized = (grid[:, None] - means) / stds
    component_densities = params.weights * np.exp(-0.5 * standardized**2) / (np.sqrt(2 * np.pi) * stds)
    return MixtureDensity1D(
        n_components=n_components,
        grid=grid,
        density=component_densities.sum(axis=1),
        component_densities=component_densities,
        log_likelihood=float(model.score(X)),
        bic=float(model.bic(X)),
        params=params,
    )


def _draw_mixture_density(ax, sample, result):
    title = (f"K = {result.n_components}\nmean log-likelihood {format_value(result.log_likelihood)}, "
             f"BIC {format_value(result.bic)}")
    plotting.plot_density_1d(ax, sample, result.grid, result.density, result.component_densities,
                             title=title)


def mixture_components_figure(sample, n_components=(1, 2, 3, 6), random_state=0):
    """Static figure: one panel per number of components, from :func:`mixture_density_1d`.

    Parameters
    ----------
    sample : array-like of shape (n_samples,) or (n_samples, 1)
    n_components : sequence of int, default (1, 2, 3, 6)
    random_state : int, default 0

    Returns
    -------
    matplotlib.figure.Figure
    """
    n_components = list(n_components)
    if not n_components:
        raise ValueError("n_components must list at least one number of components, got none")
    X = _as_column(sample)
    grid = _default_grid(X, 200)
    fig, axes = plt.subplots(1, len(n_components), figsize=(3.6 * len(n_components), 3.0),
                             sharey=True, squeeze=False)
    for ax, k in zip(axes[0], n_components):
        _draw_mixture_density(ax, X, mixture_density_1d(X, k, grid=grid, random_state=random_state))
    fig.tight_layout()
    return fig


def mixture_components_widget(sample, max_components=8, value=1, random_state=0):
    """A slider for the number of components K, showing the fitted density.

    Parameters
    ----------
    sample : array-like of shape (n_samples,) or (n_samples, 1)
    max_components : int, default 8
        Largest K on the slider (at most n_samples).
    value : int, default 1
        K shown first.
    random_state : int, default 0

    Returns
    -------
    ipywidgets.VBox
        The slider above the figure it drives; fits are cached per K.
    """
    X = _as_column(sample)
    max_components = check_positive_int("max_components", max_components)
    if max_components > X.shape[0]:
        raise ValueError(f"max_components must be <= n_samples = {X.shape[0]}, got {max_components}")
    value = check_positive_int("value", value)
    if value > max_components:
        raise ValueError(f"value must be in [1, max_components = {max_components}], got {value}")
    grid = _default_grid(X, 200)
    cache = {}

    def show(n_components):
        if n_components not in cache:
            cache[n_components] = mixture_density_1d(X, n_components, grid=grid, random_state=random_state)
        fig, ax = plt.subplots(figsize=(6, 3.2))
        _draw_mixture_density(ax, X, cache[n_components])
        plt.show()

    slider = ipywidgets.IntSlider(value=value, min=1, max=max_components, description="components", style=_LABEL_STYLE,
                                  continuous_update=False)
    output = ipywidgets.interactive_output(show, {"n_components": slider})
    return ipywidgets.VBox([slider, output])


# --- lesson 05: which two hyperparameters matter in a search? ---------------

def _draw_search_heatmap(ax, rows, x_param, y_param, aggregate):
    from . import automl

    x_values, y_values, scores = automl.score_matrix(rows, x_param, y_param, aggregate=aggregate)
    others = [name for name in automl.searched_parameters(rows) if name not in (x_param, y_param)]
    title = f"{aggregate} over {', '.join(others)}" if others else None
    return plotting.plot_score_heatmap(ax, x_values, y_values, scores, x_label=x_param, y_label=y_param,
                                       title=title)


def search_heatmap_figure(search_or_rows, x_param, y_param, *, aggregate="max", figsize=(5.5, 3.6)):
    """Static figure: mean CV score over two hyperparameters of a fitted search.

    Parameters
    ----------
    search_or_rows : fitted search, or rows of ``automl.results_table``
    x_param, y_param : str
        Parameters for the columns and the rows of the heatmap.
    aggregate : {'max', 'mean'}, default 'max'
        How the scores of candidates differing only in other parameters are combined.
    figsize : tuple of float, default (5.5, 3.6)

    Returns
    -------
    matplotlib.figure.Figure
    """
    from . import automl

    rows = automl._as_rows(search_or_rows)
    fig, ax = plt.subplots(figsize=figsize)
    _draw_search_heatmap(ax, rows, x_param, y_param, aggregate)
    fig.tight_layout()
    return fig


def search_results_widget(search_or_rows, x_param=None, y_param=None, aggregate="max"):
    """Two dropdowns choosing the hyperparameters of a score heatmap.

    Parameters
    ----------
    search_or_rows : fitted search, or rows of ``automl.results_table``
        Needs at least two searched parameters.
    x_param, y_param : str, optional
        Shown first; by default the first two searched parameters.
    aggregate : {'max', 'mean'}, default 'max'
        Initial value of the aggregation toggle.

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure they drive.
    """
    from . import automl

    rows = automl._as_rows(search_or_rows)
    names = automl.searched_parameters(rows)
    if len(names) < 2:
        raise ValueError(f"a heatmap needs a search over at least 2 parameters, got {names}")
    x_param = names[0] if x_param is None else x_param
    y_param = next(n for n in names if n != x_param) if y_param is None else y_param
    for label, name in (("x_param", x_param), ("y_param", y_param)):
        if name not in names:
            raise ValueError(f"{label} must be one of the searched parameters {names}, got {name!r}")
    if aggregate not in ("max", "mean"):
        raise ValueError(f"aggregate must be 'max' or 'mean', got {aggregate!r}")

    def show(x_param, y_param, aggregate):
        if x_param == y_param:
            print("choose two different parameters")
            return
        fig, ax = plt.subplots(figsize=(5.5, 3.6))
        _draw_search_heatmap(ax, rows, x_param, y_param, aggregate)
        fig.tight_layout()
        plt.show()

    controls = {
        "x_param": ipywidgets.Dropdown(options=names, value=x_param, description="columns"),
        "y_param": ipywidgets.Dropdown(options=names, value=y_param, description="rows"),
        "aggregate": ipywidgets.ToggleButtons(options=["max", "mean"], value=aggregate,
                                              description="others"),
    }
    output = ipywidgets.interactive_output(show, controls)
    return ipywidgets.VBox([ipywidgets.HBox([controls["x_param"], controls["y_param"]]),
                            controls["aggregate"], output])


# --- lesson 04: what does each point of a VAE's latent space decode to? ------

LatentGrid = namedtuple("LatentGrid", ["grid_values", "z", "images", "dims"])
LatentGrid.__doc__ = """A square grid of latent points and their decoded images.

Fields
------
grid_values : ndarray of shape (n_per_side,)
    Evenly spaced coordinates from -limit to limit.
z : ndarray of shape (n_per_side ** 2, latent_dim)
    Row-major from the top row: row r has ``z[dims[1]] = grid_values[-1 - r]``,
    column c has ``z[dims[0]] = grid_values[c]``; the other coordinates are
    those of ``center``.
images : ndarray of shape (n_per_side ** 2, n_features)
    ``decode(z)``.
dims : tuple of two int
"""


def _check_latent_dims(latent_dim, dims):
    latent_dim = check_positive_int("latent_dim", latent_dim)
    dims = tuple(int(d) for d in dims)
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < latent_dim for d in dims):
        raise ValueError(f"dims must be two different latent dimensions in [0, {latent_dim}), got {dims}")
    return latent_dim, dims


def _decode_checked(decode, Z, n_features=None):
    images = np.asarray(decode(Z), dtype=float)
    if images.ndim != 2 or images.shape[0] != Z.shape[0] or (n_features and images.shape[1] != n_features):
        width = n_features if n_features else "n_features"
        raise ValueError(f"decode must map shape {Z.shape} to ({Z.shape[0]}, {width}), got {images.shape}")
    return images


def latent_grid(decode, latent_dim, n_per_side=12, limit=2.5, dims=(0, 1), center=None):
    """Decode a square grid of latent points spanning [-limit, limit] in two dimensions.

    Parameters
    ----------
    decode : callable
        Maps latent points of shape (n_points, latent_dim) to images of shape
        (n_points, n_features), e.g. ``functools.partial(vae.decode, model)``.
    latent_dim : int
    n_per_side : int, default 12
        At least 2.
    limit : float, default 2.5
        Half-width of the grid, in prior standard deviations.
    dims : tuple of two int, default (0, 1)
        The latent dimensions that vary.
    center : array-like of shape (latent_dim,), optional
        Values of the other coordinates (default: the prior mean, 0).

    Returns
    -------
    LatentGrid
    """
    latent_dim, dims = _check_latent_dims(latent_dim, dims)
    n_per_side = check_positive_int("n_per_side", n_per_side, minimum=2)
    if not np.isfinite(limit) or limit <= 0:
        raise ValueError(f"limit must be a positive number, got {limit!r}")
    center = np.zeros(latent_dim) if center is None else np.asarray(center, dtype=float)
    if center.shape != (latent_dim,):
        raise ValueError(f"center must have shape ({latent_dim},), got {center.shape}")
    grid_values = np.linspace(-limit, limit, n_per_side)
    y, x = np.meshgrid(grid_values[::-1], grid_values, indexing="ij")
    z = np.tile(center, (n_per_side**2, 1))
    z[:, dims[0]], z[:, dims[1]] = x.ravel(), y.ravel()
    return LatentGrid(grid_values, z, _decode_checked(decode, z), dims)


def decode_latent_point(decode, z, image_shape):
    """The image decoded from one latent point.

    Parameters
    ----------
    decode : callable
        As for :func:`latent_grid`.
    z : array-like of shape (latent_dim,)
    image_shape : tuple of int (height, width)

    Returns
    -------
    ndarray of shape (height, width)
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 1 or z.shape[0] < 1 or not np.all(np.isfinite(z)):
        raise ValueError(f"z must be a finite 1-D latent point of shape (latent_dim,), got shape {z.shape}")
    images = _decode_checked(decode, z[None, :], int(np.prod(image_shape)))
    return images[0].reshape(image_shape)


def latent_grid_figure(decode, latent_dim, image_shape, n_per_side=12, limit=2.5, dims=(0, 1),
                       figsize=(5.0, 5.0)):
    """Static figure: the decoded grid of :func:`latent_grid`, at its latent coordinates.

    Parameters
    ----------
    decode : callable
    latent_dim : int
    image_shape : tuple of int (height, width)
    n_per_side : int, default 12
    limit : float, default 2.5
    dims : tuple of two int, default (0, 1)
    figsize : tuple of float, default (5, 5)

    Returns
    -------
    matplotlib.figure.Figure
    """
    grid = latent_grid(decode, latent_dim, n_per_side=n_per_side, limit=limit, dims=dims)
    fig, ax = plt.subplots(figsize=figsize)
    plotting.plot_latent_manifold(ax, grid.images, image_shape, grid.grid_values, dims=grid.dims)
    ax.set_title(f"decoded grid, other coordinates at 0 (latent_dim = {latent_dim})", fontsize=9)
    fig.tight_layout()
    return fig


def latent_explorer_widget(decode, latent_dim, image_shape, limit=3.0, step=0.1):
    """One slider per latent coordinate, showing the decoded image of z.

    Parameters
    ----------
    decode : callable
        As for :func:`latent_grid`.
    latent_dim : int
    image_shape : tuple of int (height, width)
    limit : float, default 3.0
        Slider range [-limit, limit], in prior standard deviations.
    step : float, default 0.1

    Returns
    -------
    ipywidgets.HBox
        The sliders beside the image they drive.
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    if not np.isfinite(limit) or limit <= 0:
        raise ValueError(f"limit must be a positive number, got {limit!r}")
    sliders = {
        f"z{j}": ipywidgets.FloatSlider(value=0.0, min=-limit, max=limit, step=step, description=f"z[{j}]",
                                        continuous_update=False)
        for j in range(latent_dim)
    }

    def show(**coordinates):
        z = np.array([coordinates[f"z{j}"] for j in range(latent_dim)])
        fig, ax = plt.subplots(figsize=(2.6, 2.6))
        ax.imshow(decode_latent_point(decode, z, image_shape), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_axis_off()
        ax.set_title("z = (" + ", ".join(format_value(v, 2) for v in z) + ")", fontsize=8)
        plt.show()

    output = ipywidgets.interactive_output(show, sliders)
    return ipywidgets.HBox([ipywidgets.VBox(list(sliders.values())), output])


# --- lesson 01: EM step by step ------------------------------------------------

EMTrajectory = namedtuple("EMTrajectory", ["params", "log_likelihood"])
EMTrajectory.__doc__ = """The mixtures EM visits from one start.

Fields
------
params : tuple of GMMParams, length n_iter + 1
    ``params[0]`` is the start, ``params[t]`` the mixture after t iterations.
log_likelihood : ndarray of shape (n_iter + 1,)
    Mean log-likelihood per sample of each ``params[t]``.
"""


def em_trajectory(X, init, n_iter, reg_covar=1e-6):
    """Run ``n_iter`` EM iterations from ``init`` and keep every mixture on the way.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    init : GMMParams
        The start; its ``covariance_type`` is kept.
    n_iter : int
        Iterations, at least 1.
    reg_covar : float, default 1e-6

    Returns
    -------
    EMTrajectory
    """
    from .gmm import e_step, m_step
    from .params import GMMParams

    if not isinstance(init, GMMParams):
        raise ValueError(f"init must be a GMMParams, got {type(init).__name__}")
    X = init.check_data(X)
    n_iter = check_positive_int("n_iter", n_iter)
    params = [init]
    log_likelihood = []
    for _ in range(n_iter):
        mean_log_likelihood, log_resp = e_step(X, params[-1])
        log_likelihood.append(mean_log_likelihood)
        params.append(m_step(X, np.exp(log_resp), params[-1].covariance_type, reg_covar))
    log_likelihood.append(e_step(X, params[-1])[0])
    return EMTrajectory(params=tuple(params), log_likelihood=np.array(log_likelihood))


def _check_iteration(trajectory, iteration):
    last = len(trajectory.params) - 1
    if isinstance(iteration, bool) or not isinstance(iteration, (int, np.integer)) or not 0 <= iteration <= last:
        raise ValueError(f"iteration must be an integer in [0, {last}], got {iteration!r}")
    return int(iteration)


def _em_title(trajectory, iteration):
    return f"iteration {iteration}: mean log-likelihood {format_value(trajectory.log_likelihood[iteration])}"


def em_steps_figure(X, trajectory, iterations=(0, 1, 2, 5, 10, 30), n_cols=3, ax_size=3.0):
    """Static grid: the mixture after each of ``iterations``, from :func:`em_trajectory`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    trajectory : EMTrajectory
    iterations : sequence of int, default (0, 1, 2, 5, 10, 30)
        Each in [0, n_iter].
    n_cols : int, default 3
    ax_size : float, default 3.0
        Size of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    iterations = [_check_iteration(trajectory, t) for t in iterations]
    if not iterations:
        raise ValueError("iterations must list at least one iteration, got none")
    n_cols = check_positive_int("n_cols", n_cols)
    n_rows = -(-len(iterations) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * ax_size, n_rows * ax_size),
                             sharex=True, sharey=True, squeeze=False)
    for ax in axes.ravel()[len(iterations):]:
        ax.set_axis_off()
    for ax, t in zip(axes.ravel(), iterations):
        plotting.plot_em_state(ax, X, trajectory.params[t], title=_em_title(trajectory, t))
    fig.tight_layout()
    return fig


def em_steps_widget(X, trajectory, value=0):
    """A slider over EM iterations: the mixture and where it is on the log-likelihood curve.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    trajectory : EMTrajectory
    value : int, default 0
        Iteration shown first.

    Returns
    -------
    ipywidgets.VBox
    """
    value = _check_iteration(trajectory, value)
    X = trajectory.params[0].check_data(X)

    def show(iteration):
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
        plotting.plot_em_state(left, X, trajectory.params[iteration], title=_em_title(trajectory, iteration))
        plotting.plot_log_likelihood_history(right, trajectory.log_likelihood, current=iteration)
        fig.tight_layout()
        plt.show()

    slider = ipywidgets.IntSlider(value=value, min=0, max=len(trajectory.params) - 1, description="iteration", style=_LABEL_STYLE,
                                  continuous_update=False)
    output = ipywidgets.interactive_output(show, {"iteration": slider})
    return ipywidgets.VBox([slider, output])


# --- lesson 03: how many iterations do EM and L-BFGS-B need as components overlap? ---

def _check_separation(study, separation):
    if not study:
        raise ValueError("study must hold at least one separation, got none")
    if separation not in study:
        raise ValueError(f"separation must be one of {sorted(study)}, got {separation!r}")
    return separation


def convergence_figure(study, separation, figsize=(10, 3.8)):
    """Convergence at one separation beside iterations against separation.

    Parameters
    ----------
    study : dict of float to list of dict
        From :func:`aegmm_lessons.refine.convergence_by_separation`.
    separation : float
        A key of ``study``: the runs shown on the left, marked on the right.
    figsize : tuple of float, default (10, 3.8)

    Returns
    -------
    matplotlib.figure.Figure
    """
    separation = _check_separation(study, separation)
    fig, (left, right) = plt.subplots(1, 2, figsize=figsize)
    plotting.plot_convergence_gap(left, study[separation])
    left.set_title(f"separation {format_value(separation)}: distance to the best log-likelihood", fontsize=9)
    plotting.plot_iterations_by_separation(right, study, highlight=separation)
    right.set_title("iterations to get within 1e-6 of the best", fontsize=9)
    fig.tight_layout()
    return fig


def convergence_widget(study, value=None):
    """A slider over the separations of a precomputed study (see :func:`convergence_figure`).

    Parameters
    ----------
    study : dict of float to list of dict
        From :func:`aegmm_lessons.refine.convergence_by_separation`.
    value : float, optional
        Separation shown first; by default the smallest.

    Returns
    -------
    ipywidgets.VBox
    """
    separations = sorted(study) if study else []
    value = _check_separation(study, separations[0] if value is None and separations else value)

    def show(separation):
        convergence_figure(study, separation)
        plt.show()

    slider = ipywidgets.SelectionSlider(options=separations, value=value, description="separation", style=_LABEL_STYLE,
                                        continuous_update=False)
    output = ipywidgets.interactive_output(show, {"separation": slider})
    return ipywidgets.VBox([slider, output])


# --- lesson 02: reconstructions at several latent widths --------------------

ReconstructionView = namedtuple("ReconstructionView", ["titles", "images", "errors"])
ReconstructionView.__doc__ = """One image beside its reconstructions by several models.

Fields
------
titles : list of str
    ``'original'`` then one name per model.
images : ndarray of shape (1 + n_models, n_pixels)
    The original first, then each reconstruction.
errors : ndarray of shape (n_models,)
    Mean squared error of each reconstruction.
"""


def reconstruction_view(originals, reconstructions, index):
    """The ``index``-th image beside its precomputed reconstructions.

    Parameters
    ----------
    originals : array-like of shape (n_images, n_pixels)
    reconstructions : mapping of str to array-like of shape (n_images, n_pixels)
        Model name (e.g. ``'AE d=10'``) -> reconstructions of ``originals``.
    index : int
        Which image, 0 <= index < n_images.

    Returns
    -------
    ReconstructionView
    """
    originals = check_array_2d(originals, "originals")
    if not hasattr(reconstructions, "items"):
        raise ValueError(
            "reconstructions must be a mapping of model names to arrays of shape (n_images, n_pixels), "
            f"got {type(reconstructions).__name__}"
        )
    if not reconstructions:
        raise ValueError("reconstructions must map at least one model name to its reconstructions, got none")
    index = check_positive_int("index", index, minimum=0)
    if index >= originals.shape[0]:
        raise ValueError(f"index must be in [0, {originals.shape[0] - 1}], got {index}")
    images, errors = [originals[index]], []
    for name, images_of_model in reconstructions.items():
        images_of_model = check_array_2d(images_of_model, f"reconstructions[{name!r}]")
        if images_of_model.shape != originals.shape:
            raise ValueError(
                f"reconstructions[{name!r}] must have the shape of originals {originals.shape}, "
                f"got {images_of_model.shape}"
            )
        images.append(images_of_model[index])
        errors.append(np.mean((images_of_model[index] - originals[index]) ** 2))
    return ReconstructionView(["original", *reconstructions], np.array(images), np.array(errors))


def _draw_reconstruction_view(axes, view, image_shape):
    for position, (ax, title, image) in enumerate(zip(axes, view.titles, view.images)):
        ax.imshow(image.reshape(image_shape), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_axis_off()
        if position:
            title = f"{title}\nMSE {format_value(view.errors[position - 1], 2)}"
        ax.set_title(title, fontsize=8)


def reconstructions_figure(originals, reconstructions, image_shape, indices):
    """Static figure: one row per image, original then each model's reconstruction.

    Parameters
    ----------
    originals : array-like of shape (n_images, n_pixels)
    reconstructions : mapping of str to array-like of shape (n_images, n_pixels)
    image_shape : tuple of int (height, width)
    indices : sequence of int
        Images to show, one row each.

    Returns
    -------
    matplotlib.figure.Figure
    """
    indices = list(indices)
    if not indices:
        raise ValueError("indices must list at least one image, got none")
    n_cols = 1 + len(reconstructions)
    fig, axes = plt.subplots(len(indices), n_cols, figsize=(1.3 * n_cols, 1.5 * len(indices)), squeeze=False)
    for row, index in zip(axes, indices):
        _draw_reconstruction_view(row, reconstruction_view(originals, reconstructions, index), image_shape)
    fig.tight_layout()
    return fig


def reconstruction_widget(originals, reconstructions, image_shape, labels=None):
    """A slider over images, showing each beside its precomputed reconstructions.

    Nothing is computed while sliding: the reconstructions are given.

    Parameters
    ----------
    originals : array-like of shape (n_images, n_pixels)
    reconstructions : mapping of str to array-like of shape (n_images, n_pixels)
    image_shape : tuple of int (height, width)
    labels : array-like of shape (n_images,), optional
        True class of each image, shown in the title.

    Returns
    -------
    ipywidgets.VBox
        The slider above the figure it drives.
    """
    originals = check_array_2d(originals, "originals")
    reconstruction_view(originals, reconstructions, 0)  # validates shapes once

    def show(index):
        view = reconstruction_view(originals, reconstructions, index)
        fig, axes = plt.subplots(1, len(view.titles), figsize=(1.6 * len(view.titles), 2.0), squeeze=False)
        _draw_reconstruction_view(axes[0], view, image_shape)
        if labels is not None:
            fig.suptitle(f"image {index}, label {labels[index]}", fontsize=9)
        fig.tight_layout()
        plt.show()

    slider = ipywidgets.IntSlider(value=0, min=0, max=originals.shape[0] - 1, description="image",
                                  continuous_update=False)
    output = ipywidgets.interactive_output(show, {"index": slider})
    return ipywidgets.VBox([slider, output])
