"""Helper package of the aegmm-lessons course.

Each public name has one home, its module: ``from aegmm_lessons.params import GMMParams``,
``from aegmm_lessons.gmm import GaussianMixtureEM``, ``from aegmm_lessons import plotting``.
Importing the package loads nothing else, so lessons that never train a network (EM,
BFGS refinement) never import TensorFlow.
"""

__version__ = "0.1.0"
