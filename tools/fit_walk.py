"""The walk of one ``fit``: which package files it enters, how often a call crosses files, how many checks run.

Counts, with ``sys.setprofile``, every Python call made during ``GaussianMixtureEM.fit(X)`` and
``MixtureVAEClustering.fit(X)`` on small problems:

- files: the package's modules the fit enters;
- crossings: calls from one package module into another (distinct caller -> callee pairs, and in all);
- validations: calls of the package's checks (functions named ``check_*`` or ``_check_*``,
  ``GMMParams.__post_init__``) and of scikit-learn's ``check_array``, the utility under most of them.

Usage: ``PYTHONPATH=. python tools/fit_walk.py [gmm] [mixture_vae]`` (both by default). Point
``PYTHONPATH`` at another checkout to walk its package.
"""

import collections
import os
import sys
from pathlib import Path


def walk(fit):
    """Run ``fit()`` under a profiler; a dict of what its calls touched."""
    import aegmm_lessons

    package = str(Path(aegmm_lessons.__file__).parent) + os.sep
    files, edges, checks, sklearn_checks = set(), collections.Counter(), collections.Counter(), collections.Counter()

    def module_of(code):
        return code.co_filename[len(package):] if code.co_filename.startswith(package) else None

    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        module = module_of(code)
        if module is None:
            if code.co_name == "check_array" and code.co_filename.endswith(os.path.join("sklearn", "utils",
                                                                                          "validation.py")):
                sklearn_checks[code.co_name] += 1
            return
        files.add(module)
        caller = frame.f_back
        while caller is not None and module_of(caller.f_code) is None:
            caller = caller.f_back
        if caller is not None and module_of(caller.f_code) != module:
            edges[(f"{module_of(caller.f_code)}:{caller.f_code.co_name}", f"{module}:{code.co_name}")] += 1
        if code.co_name.startswith(("check_", "_check_")) or code.co_name == "__post_init__":
            checks[f"{module}:{code.co_name}"] += 1

    sys.setprofile(profile)
    try:
        fit()
    finally:
        sys.setprofile(None)
    return {"files": sorted(files), "crossing pairs": len(edges), "crossings": sum(edges.values()),
            "package checks": sum(checks.values()), "sklearn check_array": sum(sklearn_checks.values()),
            "checks by name": dict(checks.most_common())}


def gmm_fit():
    import numpy as np

    from aegmm_lessons.gmm import GaussianMixtureEM

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(1.5 * k, 1.0, size=(400, 5)) for k in range(5)])  # overlapping: tens of iterations
    model = GaussianMixtureEM(5, n_init=3, tol=1e-6, max_iter=100, random_state=0)
    return lambda: print("EM iterations of the best start:", model.fit(X).n_iter_)


def mixture_vae_fit():
    from aegmm_lessons import repro

    repro.setup(0, tensorflow=True)
    from aegmm_lessons.data import load_digits_scaled
    from aegmm_lessons.mixture_vae import MixtureVAEClustering

    X = load_digits_scaled().X_train[:256]
    model = MixtureVAEClustering(4, latent_dim=3, hidden_units=(16,), pretrain_epochs=1, epochs=1, batch_size=64,
                                 n_init=2, random_state=0)
    return lambda: model.fit(X)


def main(argv):
    for name in argv or ["gmm", "mixture_vae"]:
        fit = {"gmm": gmm_fit, "mixture_vae": mixture_vae_fit}[name]()
        result = walk(fit)
        print(f"== {name}")
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
