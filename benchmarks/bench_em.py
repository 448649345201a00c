"""EM per-iteration time, ours vs scikit-learn, from the same start (n=100,000, d=10, K=8, full covariances).

Both estimators start from one ``GMMParams`` (k-means, as scikit-learn starts)
and run a fixed number of iterations (``tol=0``). Fixed costs (input checks,
scikit-learn's final E step) are removed by timing a short and a long run and
dividing the difference by the difference in iterations; runs of the two
libraries are interleaved and the median per-iteration time is kept, so both
see the same machine load. The agreement of the two runs is reported beside
the timing. The ratio is measured twice: with the BLAS threads the machine
gives (scikit-learn's large products may use them all) and with BLAS limited
to one thread (a like-for-like comparison of the algorithms' arithmetic, which
the budget applies to).

Run on its own with ``python -m benchmarks.bench_em [--full]``.
"""

import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_info, threadpool_limits

from aegmm_lessons.gmm import GaussianMixtureEM, kmeans_init
from aegmm_lessons.params import GMMParams

N_SAMPLES, N_FEATURES, N_COMPONENTS = 100_000, 10, 8
RATIO_BUDGET = 0.8
LOG_LIKELIHOOD_BUDGET = 1e-10
# (short, long) iteration counts and repeats; --full for steadier figures.
QUICK = {"iterations": (2, 8), "repeats": 3}
FULL = {"iterations": (5, 105), "repeats": 5}


def make_data(random_state=0):
    """Well-mixed blobs of shape (N_SAMPLES, N_FEATURES) with N_COMPONENTS anisotropic clusters."""
    rng = np.random.default_rng(random_state)
    centers = rng.normal(scale=2.0, size=(N_COMPONENTS, N_FEATURES))
    shapes = rng.normal(scale=0.5, size=(N_COMPONENTS, N_FEATURES, N_FEATURES))
    labels = rng.integers(N_COMPONENTS, size=N_SAMPLES)
    noise = rng.normal(size=(N_SAMPLES, N_FEATURES))
    return centers[labels] + noise + np.einsum("nd,nde->ne", noise, shapes[labels])


def fit_ours(X, init, n_iter):
    model = GaussianMixtureEM(init.n_components, init=init, tol=0.0, max_iter=n_iter)
    return model.fit(X), model.params_


def fit_sklearn(X, init, n_iter):
    model = GaussianMixture(**init.sklearn_init(), tol=0.0, max_iter=n_iter)
    return model.fit(X), GMMParams.from_sklearn(model)


def seconds(fit, X, init, n_iter):
    start = time.perf_counter()
    model, params = fit(X, init, n_iter)
    return time.perf_counter() - start, model, params


def per_iteration_seconds(X, init, iterations, repeats):
    """Median seconds per EM iteration of each library, runs interleaved.

    Returns
    -------
    dict
        ``ours`` and ``sklearn`` (float seconds), and the fitted ``models`` and
        ``params`` of the long runs.
    """
    short, long = iterations
    times = {"ours": [], "sklearn": []}
    models, params = {}, {}
    for _ in range(repeats):
        for name, fit in (("ours", fit_ours), ("sklearn", fit_sklearn)):
            t_short = seconds(fit, X, init, short)[0]
            t_long, models[name], params[name] = seconds(fit, X, init, long)
            times[name].append((t_long - t_short) / (long - short))
    result = {name: float(np.median(values)) for name, values in times.items()}
    result.update(models=models, params=params)
    return result


def max_relative_difference(ours, theirs):
    """Largest entrywise difference of weights, means and covariances, relative to each array's scale."""
    return max(
        float(np.max(np.abs(getattr(ours, name) - getattr(theirs, name))) / np.max(np.abs(getattr(theirs, name))))
        for name in ("weights", "means", "covariances")
    )


def blas_threads():
    """Threads of the BLAS library NumPy uses (the largest if there are several)."""
    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1)


def run(full=False):
    settings = FULL if full else QUICK
    X = make_data()
    init = kmeans_init(X, N_COMPONENTS, random_state=0)
    n_iter = settings["iterations"][1]
    where = f"n={N_SAMPLES}, d={N_FEATURES}, K={N_COMPONENTS}, full"
    how = f"median of {settings['repeats']} interleaved runs"
    rows = []
    with warnings.catch_warnings():
        # tol=0 asks for a fixed number of iterations, so neither run converges.
        warnings.simplefilter("ignore", ConvergenceWarning)
        timing = per_iteration_seconds(X, init, settings["iterations"], settings["repeats"])
        with threadpool_limits(limits=1, user_api="blas"):
            single = per_iteration_seconds(X, init, settings["iterations"], settings["repeats"])
        ll_ours = timing["models"]["ours"].score(X)
        ll_sklearn = timing["models"]["sklearn"].score(X)
    ratio = single["ours"] / single["sklearn"]
    threads = f"{where}; {blas_threads()} BLAS threads"
    delta = abs(ll_ours - ll_sklearn)
    rows += [
        {"metric": "EM s/iteration, ours", "value": timing["ours"], "note": threads},
        {"metric": "EM s/iteration, scikit-learn", "value": timing["sklearn"], "note": threads},
        {"metric": "EM time ratio ours / scikit-learn", "value": timing["ours"] / timing["sklearn"], "note": how},
        {
            "metric": "EM time ratio ours / scikit-learn, 1 BLAS thread",
            "value": ratio,
            "budget": f"<= {RATIO_BUDGET}",
            "note": ("ok" if ratio <= RATIO_BUDGET else "OVER BUDGET")
            + f"; {single['ours']:.3g} s vs {single['sklearn']:.3g} s per iteration; {how}",
        },
        {
            "metric": f"absolute mean log-likelihood difference after {n_iter} iterations",
            "value": delta,
            "budget": f"<= {LOG_LIKELIHOOD_BUDGET:g}",
            "note": ("ok" if delta <= LOG_LIKELIHOOD_BUDGET else "OVER BUDGET")
            + f"; mean log-likelihood {ll_ours:.6f}",
        },
        {
            "metric": f"max relative parameter difference after {n_iter} iterations",
            "value": max_relative_difference(timing["params"]["ours"], timing["params"]["sklearn"]),
            "note": "weights, means, covariances",
        },
    ]
    return rows


if __name__ == "__main__":
    from aegmm_lessons.repro import format_table

    print(format_table(run(full="--full" in sys.argv[1:]), columns=["metric", "value", "budget", "note"]))
