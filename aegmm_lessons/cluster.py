"""Searches on a Dask cluster: an embedded local cluster by default, an existing one on request.

scikit-learn's searches hand their fits to joblib; joblib's ``dask`` backend
hands them on to a ``dask.distributed`` cluster, so the same search object runs
on more machines unchanged. :func:`search_cluster` is the one context manager
lesson 05 needs for that:

- by default it starts a :class:`distributed.LocalCluster` of worker
  *processes* on the loopback interface (127.0.0.1), sized for a 2 GB Binder
  together with the notebook's kernel, and shuts it down on exit, also when
  the search raises;
- when the environment variable ``AEGMM_DASK_SCHEDULER`` holds a scheduler
  address (``tcp://host:8786``), it connects to that cluster instead and
  leaves it running on exit;
- inside the block, ``joblib.parallel_config`` routes every joblib call, and
  with it ``GridSearchCV.fit``, to the cluster.

Each task carries its own arguments (the data and the train/test indices of
its fits) instead of joblib's default of scattering large arguments to one
worker. A scattered array lives on one worker only; when that worker dies, the
tasks that need it fail, and scikit-learn records the failure as a NaN score.
With the arguments inside the task, the scheduler can rerun any task on any
worker, so a search survives the loss of a worker with the results of an
undisturbed run.

Inside a task, the fits run one after another in the worker's thread
(joblib's sequential backend), as they would with ``n_jobs=1`` in one process.

Nothing here imports TensorFlow.
"""

import contextlib
import logging
import numbers
import os
import re

import joblib
from distributed import Client, LocalCluster
from joblib._dask import Batch, DaskDistributedBackend

__all__ = ["SCHEDULER_VARIABLE", "LOOPBACK", "scheduler_address", "search_cluster"]

SCHEDULER_VARIABLE = "AEGMM_DASK_SCHEDULER"
LOOPBACK = "127.0.0.1"
_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+:\d{1,5}$")


def scheduler_address(address=None):
    """The scheduler to connect to: ``address``, else ``$AEGMM_DASK_SCHEDULER``, else None.

    Parameters
    ----------
    address : str, optional
        ``'tcp://host:port'`` or ``'tls://host:port'``.

    Returns
    -------
    str or None
        None means: start an embedded local cluster.

    Raises
    ------
    ValueError
        If the address (given or from the environment) is not of the form
        ``tcp://host:port`` or ``tls://host:port``.
    """
    where = "address"
    if address is None:
        address, where = os.environ.get(SCHEDULER_VARIABLE, "").strip() or None, SCHEDULER_VARIABLE
    if address is None:
        return None
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise ValueError(
            f"{where} must be a Dask scheduler address like 'tcp://host:8786', got {address!r}"
        )
    return address


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_timeout(timeout):
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def _connect(target, timeout):
    """A ``distributed.Client`` for a cluster object or an address, or a TimeoutError naming it."""
    try:
        return Client(target, timeout=timeout, set_as_default=False)
    except OSError as error:  # distributed reports a connect timeout as OSError
        where = target if isinstance(target, str) else "the local cluster"
        raise TimeoutError(
            f"no Dask scheduler answered at {where} within {timeout:g} s; check the address "
            f"(environment variable {SCHEDULER_VARIABLE}) and that `dask scheduler` is running there"
        ) from error


class _SequentialBatch(Batch):
    """A batch of fits run one after another in the worker's thread.

    joblib's own batch runs them under ``parallel_config(backend="dask")``, so
    that a fit's inner joblib calls (a forest's trees) go back to the
    scheduler as tasks of their own: hundreds of tiny tasks for one search.
    """

    def __call__(self, tasks=None):
        with joblib.parallel_config(backend="sequential"):
            return [func(*args, **kwargs) for func, args, kwargs in tasks]


class _TaskCarriesItsDataBackend(DaskDistributedBackend):
    """joblib's dask backend, with the arguments inside each task and fits run sequentially in it."""

    def start_call(self):
        super().start_call()
        self.call_data_futures = None  # joblib then scatters nothing (see the module notes)

    def stop_call(self):
        self.call_data_futures = {}
        super().stop_call()

    async def _to_func_args(self, func):
        _, tasks = await super()._to_func_args(func)
        return _SequentialBatch(tasks), tasks


@contextlib.contextmanager
def search_cluster(n_workers=2, *, threads_per_worker=1, memory_limit="400MiB", address=None,
                   client=None, timeout=5.0, silence_logs=logging.ERROR):
    """Run the joblib calls of a block, and so scikit-learn's searches, on a Dask cluster.

    Parameters
    ----------
    n_workers : int, default 2
        Worker processes of the embedded cluster (ignored when connecting to
        an existing one).
    threads_per_worker : int, default 1
        One fit at a time per worker, as with ``n_jobs=1`` in one process.
        Within a fit, joblib runs sequentially (a forest's trees one after
        another), so a worker never hands work back to the scheduler.
    memory_limit : str or int, default '400MiB'
        Per worker of the embedded cluster. Dask pauses a worker at 80 % of it
        and restarts it at 95 %. Two workers of 400 MiB and a notebook kernel
        under 1 GB fit Binder's 2 GB (a worker fitting forests stays near
        0.2 GB). A worker that trains Keras models holds TensorFlow, about
        0.65 GB in all: give it ``memory_limit='1.2GiB'``.
    address : str, optional
        Scheduler of an existing cluster, ``'tcp://host:port'``. By default
        ``$AEGMM_DASK_SCHEDULER``; when neither is set, an embedded local
        cluster is started: scheduler, workers and the scheduler's HTTP
        endpoint listen on 127.0.0.1 only, on free ports.
    client : distributed.Client, optional
        An existing client (for example ``cluster.get_client()`` of a Dask
        Gateway cluster, which is reached through the gateway's proxy rather
        than a ``tcp://`` address). Used as it is: nothing is started,
        connected or closed, and ``address`` must not be given.
    timeout : float, default 5.0
        Seconds to wait for the scheduler to answer.
    silence_logs : int, default logging.ERROR
        Level below which the embedded cluster's log messages are dropped
        (notebooks store stderr, so routine messages stay out of them).

    Yields
    ------
    distributed.Client
        Connected to the cluster; ``client.scheduler.address`` says where.
        Inside the block ``joblib.parallel_config`` sends joblib work there:
        a search's fits, and also any other joblib call made in this process
        with ``n_jobs=None`` (such as the trees of a forest refitted by
        ``GridSearchCV(refit=True)``).

    Raises
    ------
    ValueError
        If an argument or ``$AEGMM_DASK_SCHEDULER`` is malformed, or both
        ``address`` and ``client`` are given.
    TimeoutError
        If no scheduler answers within ``timeout`` seconds.

    Examples
    --------
    >>> with search_cluster() as client:  # doctest: +SKIP
    ...     search.fit(X_train, y_train)
    """
    n_workers = _check_positive_int("n_workers", n_workers)
    threads_per_worker = _check_positive_int("threads_per_worker", threads_per_worker)
    timeout = _check_timeout(timeout)
    if client is not None:
        if address is not None:
            raise ValueError(f"give address or client, not both; got address={address!r} and a client")
        if not callable(getattr(client, "submit", None)) or not hasattr(client, "scheduler"):
            raise ValueError(f"client must be a distributed.Client, got {type(client).__name__}")
        with joblib.parallel_config(backend=_TaskCarriesItsDataBackend(client=client)):
            yield client
        return
    address = scheduler_address(address)
    with contextlib.ExitStack() as stack:
        if address is None:
            cluster = stack.enter_context(LocalCluster(
                n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                host=LOOPBACK, dashboard_address=f"{LOOPBACK}:0", memory_limit=memory_limit,
                silence_logs=silence_logs,
            ))
            target = cluster
        else:
            target = address
        client = stack.enter_context(_connect(target, timeout))
        with joblib.parallel_config(backend=_TaskCarriesItsDataBackend(client=client)):
            yield client
