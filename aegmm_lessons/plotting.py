"""Matplotlib helpers shared by the lessons (one call per picture in a notebook).

Nothing here imports TensorFlow.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse

__all__ = ["draw_gmm_ellipses", "image_grid"]


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
    i, j = dims
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
