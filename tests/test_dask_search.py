"""dask_search.search_cluster: searches on real Dask clusters that listen on the loopback interface only."""

import os
import socket
from pathlib import Path

import joblib
import numpy as np
import psutil
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from aegmm_lessons import dask_search

GRID = {"n_estimators": [5, 10], "max_depth": [None, 4]}
LOOPBACK = "127.0.0.1"
LOOPBACK_PREFIX = f"tcp://{LOOPBACK}:"
SCHEDULER_VARIABLE = "AEGMM_DASK_SCHEDULER"


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


def forest_search(estimator=None):
    estimator = RandomForestClassifier(random_state=0) if estimator is None else estimator
    return GridSearchCV(estimator, GRID, cv=StratifiedKFold(3, shuffle=True, random_state=0))


def scores(search):
    """Everything a search measured except its timings."""
    results = search.cv_results_
    return {key: results[key].tolist() if hasattr(results[key], "tolist") else results[key]
            for key in results if "time" not in key}


def in_one_process(search, X, y):
    """Fit with joblib's sequential backend, whatever cluster a fixture has opened."""
    with joblib.parallel_config(backend="sequential"):
        return search.fit(X, y)


@pytest.fixture(scope="module")
def local_scores(digits):
    return scores(in_one_process(forest_search(), *digits))


@pytest.fixture(scope="module")
def client():
    with dask_search.search_cluster(n_workers=2) as client:
        yield client


def worker_pids(client):
    return set(client.run(os.getpid).values())


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class DiesOnceClassifier(ClassifierMixin, BaseEstimator):
    """A small forest whose first fit kills its worker process, as an out-of-memory kill would."""

    def __init__(self, marker=None, n_estimators=10, max_depth=None, random_state=0):
        self.marker = marker
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X, y):
        if self.marker is not None and not Path(self.marker).exists():
            Path(self.marker).touch()
            os._exit(1)
        self.forest_ = RandomForestClassifier(n_estimators=self.n_estimators, max_depth=self.max_depth,
                                              random_state=self.random_state).fit(X, y)
        self.classes_ = self.forest_.classes_
        return self

    def predict(self, X):
        return self.forest_.predict(X)


class FailingClassifier(DiesOnceClassifier):
    def fit(self, X, y):
        raise RuntimeError("this estimator cannot be fitted")


def test_search_on_the_cluster_equals_the_search_in_one_process(client, digits, local_scores):
    assert scores(forest_search().fit(*digits)) == local_scores


def test_search_fits_run_as_tasks_of_the_cluster_and_nothing_more(client, digits):
    from distributed import get_task_stream

    search = forest_search().set_params(refit=False)  # a refit in this process would send its trees as tasks
    with get_task_stream(client) as stream:
        search.fit(*digits)
    n_fits = len(search.cv_results_["params"]) * search.n_splits_
    workers = set(client.scheduler_info()["workers"])
    assert stream.data and {task["worker"] for task in stream.data} <= workers
    # a forest's trees stay inside their fit's task instead of becoming tasks of their own
    assert all("fit_and_score" in task["key"] for task in stream.data)
    assert len(stream.data) <= n_fits


def test_embedded_cluster_listens_on_loopback_only(client):
    info = client.scheduler_info()
    assert client.scheduler.address.startswith(LOOPBACK_PREFIX)
    assert info["workers"] and all(address.startswith(LOOPBACK_PREFIX) for address in info["workers"])
    assert all(worker["nanny"].startswith(LOOPBACK_PREFIX) for worker in info["workers"].values())


def test_every_socket_of_the_embedded_cluster_is_on_loopback(client, digits):
    forest_search().fit(*digits)  # traffic of a search, then the sockets it used
    processes = [psutil.Process()] + [psutil.Process(pid) for pid in worker_pids(client)]
    sockets = [connection for process in processes for connection in process.net_connections(kind="inet")]
    assert sockets
    assert {connection.laddr.ip for connection in sockets} == {LOOPBACK}
    assert {connection.raddr.ip for connection in sockets if connection.raddr} <= {LOOPBACK}


def test_embedded_cluster_has_the_requested_workers(client):
    workers = client.scheduler_info()["workers"].values()
    assert [worker["nthreads"] for worker in workers] == [1, 1]
    assert all(worker["memory_limit"] == 400 * 2**20 for worker in workers)


def test_a_worker_killed_mid_search_does_not_change_the_results(client, digits, tmp_path):
    marker = tmp_path / "a worker died"
    local = scores(in_one_process(forest_search(DiesOnceClassifier()), *digits))
    pids = worker_pids(client)
    on_cluster = scores(forest_search(DiesOnceClassifier(marker=str(marker))).fit(*digits))
    assert marker.exists()  # a fit of this search killed its worker process
    assert not all(psutil.pid_exists(pid) for pid in pids)
    assert on_cluster == local
    assert not np.isnan(on_cluster["mean_test_score"]).any()


def test_cluster_is_shut_down_even_when_the_search_raises(digits, monkeypatch):
    monkeypatch.setenv(SCHEDULER_VARIABLE, " ")  # blank: unset in effect, so an embedded cluster
    search = GridSearchCV(FailingClassifier(), GRID, cv=3, error_score="raise")
    with pytest.raises(RuntimeError, match="cannot be fitted"), dask_search.search_cluster(n_workers=1) as client:
        pids = worker_pids(client)
        address = client.scheduler.address
        search.fit(*digits)
    assert pids and not any(psutil.pid_exists(pid) for pid in pids)
    with pytest.raises(TimeoutError, match=address), dask_search.search_cluster(address=address, timeout=1):
        pass


def test_unreachable_scheduler_is_a_timeout_error_naming_the_address():
    address = f"{LOOPBACK_PREFIX}{free_loopback_port()}"
    with pytest.raises(TimeoutError, match=f"{address} within 2 s"), dask_search.search_cluster(address=address,
                                                                                             timeout=2):
        pass


def test_environment_variable_selects_an_existing_cluster_and_leaves_it_running(digits, local_scores,
                                                                                 monkeypatch):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, host=LOOPBACK, dashboard_address=None,
                      silence_logs=40) as existing:
        monkeypatch.setenv(SCHEDULER_VARIABLE, existing.scheduler_address)
        with dask_search.search_cluster() as client:
            assert client.scheduler.address == existing.scheduler_address
            assert scores(forest_search().fit(*digits)) == local_scores
        assert len(existing.scheduler_info["workers"]) == 1


@pytest.mark.parametrize("address", ["localhost:8786", "http://127.0.0.1:8786", "tcp://127.0.0.1"])
def test_malformed_scheduler_address_is_a_value_error_naming_where_it_came_from(address, monkeypatch):
    monkeypatch.setenv(SCHEDULER_VARIABLE, address)
    with pytest.raises(ValueError, match=f"{SCHEDULER_VARIABLE}.*{address}"), dask_search.search_cluster():
        pass
    with pytest.raises(ValueError, match=f"address.*{address}"), dask_search.search_cluster(address=address):
        pass


@pytest.mark.parametrize("arguments, error", [
    ({"n_workers": 0}, ValueError), ({"threads_per_worker": 1.5}, TypeError), ({"timeout": 0}, ValueError),
    ({"timeout": "5"}, TypeError),
])
def test_bad_arguments_are_rejected_before_anything_starts(arguments, error):
    with pytest.raises(error, match=next(iter(arguments))), dask_search.search_cluster(**arguments):
        pass


def test_a_given_client_is_used_and_left_open(client, digits, local_scores):
    with dask_search.search_cluster(client=client) as given:
        assert given is client
        assert scores(forest_search().fit(*digits)) == local_scores
    assert client.status == "running"


def test_address_and_client_together_are_a_value_error(client):
    with pytest.raises(ValueError, match="not both"), dask_search.search_cluster(address="tcp://127.0.0.1:8786",
                                                                            client=client):
        pass
