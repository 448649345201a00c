"""Scale-out: lesson 05's 144-candidate forest grid in one process (n_jobs=1) and on 2 single-threaded Dask workers.

The same ``GridSearchCV`` (the tutorial's 4 x 4 x 3 x 3 grid on the digits
training set, stratified folds with a fixed seed) runs twice in the same run:
once with ``n_jobs=1`` in this process, once inside
``dask_search.search_cluster(n_workers=2, threads_per_worker=1)``. So that both
see the same machine load, the grid is searched in four parts (one per
``n_estimators`` value, 36 candidates each), each part in one process and
then on the cluster, and the times are summed. The ratio is the search's
wall time on the cluster over its wall time in one process (below 1: the
cluster is faster); the cluster's start-up is reported beside it and is not
in the ratio. The two runs' scores are compared too: they must be identical.
Quick mode uses 3 folds (432 fits), ``--full`` the lesson's 5 (720 fits).

Run on its own with ``python -m benchmarks.bench_dask_search [--full]``.
"""

import sys
import time

import joblib
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from aegmm_lessons import dask_search, data

GRID = {
    "n_estimators": [10, 50, 100, 200],
    "max_depth": [None, 5, 10, 20],
    "min_samples_split": [2, 5, 10],
    "min_samples_leaf": [1, 2, 4],
}
N_WORKERS = 2


def make_search(grid, n_splits):
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    return GridSearchCV(RandomForestClassifier(random_state=0), grid, cv=cv, refit=False)


def timed_fit(search, X, y):
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start


def run(full=False):
    n_splits = 5 if full else 3
    digits = data.load_digits_scaled(test_size=0.25, random_state=0)
    X, y = digits.X_train, digits.y_train
    parts = [{**GRID, "n_estimators": [n]} for n in GRID["n_estimators"]]
    one_process = on_cluster = 0.0
    local_results, cluster_results = [], []
    start = time.perf_counter()
    with dask_search.search_cluster(n_workers=N_WORKERS, threads_per_worker=1) as client:
        start_up = time.perf_counter() - start
        n_workers = len(client.scheduler_info()["workers"])
        for part in parts:
            local = make_search(part, n_splits)
            # one core per fit, as on each single-threaded worker, and no joblib calls to the cluster
            with threadpool_limits(limits=1), joblib.parallel_config(backend="sequential"):
                one_process += timed_fit(local, X, y)
            remote = make_search(part, n_splits)
            on_cluster += timed_fit(remote, X, y)
            local_results.append(local.cv_results_)
            cluster_results.append(remote.cv_results_)
    identical = all(np.array_equal(mine[key], theirs[key])
                    for mine, theirs in zip(local_results, cluster_results, strict=True)
                    for key in mine if "test_score" in key)
    fits = f"{sum(len(r['params']) for r in local_results)} candidates x {n_splits} folds, in {len(parts)} parts"
    return [
        {"metric": "RF grid search, one process (n_jobs=1), s", "value": one_process, "note": fits},
        {"metric": f"RF grid search, LocalCluster of {n_workers} single-threaded workers, s",
         "value": on_cluster, "note": "start-up excluded"},
        {"metric": "LocalCluster start-up, s", "value": start_up, "note": f"{n_workers} worker processes"},
        {"metric": "scale-out ratio cluster / one process", "value": on_cluster / one_process,
         "note": f"ideal {1 / N_WORKERS:g}; with start-up {(on_cluster + start_up) / one_process:.3g}"},
        {"metric": "cv_results_ scores identical", "value": identical, "budget": "True",
         "note": "ok" if identical else "DIFFERENT"},
    ]


if __name__ == "__main__":
    from benchmarks.run import markdown_table

    print(markdown_table(run(full="--full" in sys.argv[1:])))
