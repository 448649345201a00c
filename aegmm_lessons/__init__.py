"""Helper package of the aegmm-lessons course.

Importing the package loads NumPy only: the names below are resolved on first
use, so lessons that never train a network (EM, BFGS refinement) never import
TensorFlow.
"""

import importlib

__version__ = "0.1.0"

# public name -> module that defines it (functions named like their module,
# such as refine.refine, stay in the module: ``from aegmm_lessons.refine import refine``)
_EXPORTS = {
    "GMMParams": "params",
    "GaussianMixtureEM": "gmm",
    "ParamLayout": "refine",
    "AutoencoderGMM": "autoencoder",
    "VAE": "vae",
    "setup": "repro",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name):
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
