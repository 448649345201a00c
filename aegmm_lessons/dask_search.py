"""Searches on a Dask cluster: an embedded local cluster by default, an existing one on request.

scikit-learn's searches hand their fits to joblib, and joblib's ``dask``
backend hands them on to a ``dask.distributed`` cluster, so the same search
object runs on more machines unchanged.

Each task carries its own arguments (the data and the indices of its fits)
instead of joblib's default of scattering large arguments to one worker: a
scattered array dies with its worker, and scikit-learn records the failed fits
as NaN scores; a task that carries its data can be rerun on any worker. Inside
a task the fits run one after another, as with ``n_jobs=1``.

Both behaviours need joblib's private ``joblib._dask`` (``Batch`` and
``DaskDistributedBackend``, subclassed below): joblib's public dask backend
always scatters large arguments and cannot be told otherwise, and then a killed
worker loses the fits whose data it held. No public API gives a task its own
data, so the module keeps the private one, and pyproject.toml pins the joblib
it was written and tested against (1.6.0): tests/test_dask_search.py kills a
worker mid-search and checks that no fit is lost, so an upgrade that changes
these classes fails there.
"""

import contextlib
import logging
import numbers
import os
import re

import joblib
from distributed import Client, LocalCluster
from joblib._dask import Batch, DaskDistributedBackend

from .validation import check_positive_int, check_scalar

__all__ = ["search_cluster"]

_SCHEDULER_VARIABLE = "AEGMM_DASK_SCHEDULER"
_LOOPBACK = "127.0.0.1"
_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+:\d{1,5}$")


class _SequentialBatch(Batch):
    """A batch of fits run in the worker's thread, so that a fit's own joblib calls never become tasks."""

    def __call__(self, tasks=None):
        with joblib.parallel_config(backend="sequential"):
            return [func(*args, **kwargs) for func, args, kwargs in tasks]


class _TaskCarriesItsDataBackend(DaskDistributedBackend):
    """joblib's dask backend, scattering nothing and running each task's fits sequentially."""

    def start_call(self):
        super().start_call()
        self.call_data_futures = None  # joblib then scatters nothing

    def stop_call(self):
        self.call_data_futures = {}
        super().stop_call()

    async def _to_func_args(self, func):
        _, tasks = await super()._to_func_args(func)
        return _SequentialBatch(tasks), tasks


def _connect(target, timeout):
    """A ``Client`` of a cluster object or an address, or a ``TimeoutError`` naming it."""
    try:
        return Client(target, timeout=timeout, set_as_default=False)
    except OSError as error:  # distributed reports a connect timeout as OSError
        where = target if isinstance(target, str) else "the local cluster"
        raise TimeoutError(f"no Dask scheduler answered at {where} within {timeout:g} s; check the address "
                           f"(environment variable {_SCHEDULER_VARIABLE}) and that a scheduler runs there") from error


@contextlib.contextmanager
def search_cluster(n_workers=2, *, threads_per_worker=1, memory_limit="400MiB", address=None,
                   client=None, timeout=5.0, silence_logs=logging.ERROR):
    """Run the joblib calls of a block, and so scikit-learn's searches, on a Dask cluster.

    By default an embedded ``LocalCluster`` of worker processes whose scheduler,
    workers and dashboard listen on 127.0.0.1 only, shut down on exit, also when
    the block raises. With ``address`` (or ``$AEGMM_DASK_SCHEDULER``) it connects
    to that scheduler instead, and with ``client`` it uses that client; either
    cluster is left running.

    Parameters
    ----------
    n_workers : int, default 2
        Worker processes of the embedded cluster.
    threads_per_worker : int, default 1
        One fit at a time per worker, as with ``n_jobs=1``.
    memory_limit : str or int, default '400MiB'
        Per worker of the embedded cluster: two workers and a notebook kernel
        fit Binder's 2 GB. A worker that trains Keras models needs about '1.2GiB'.
    address : str, optional
        ``'tcp://host:port'`` or ``'tls://host:port'`` of an existing scheduler.
    client : distributed.Client, optional
        An existing client (e.g. of a Dask Gateway cluster), used as it is.
    timeout : float, default 5.0
        Seconds to wait for the scheduler.
    silence_logs : int, default logging.ERROR
        Log level below which the embedded cluster stays quiet.

    Yields
    ------
    distributed.Client
        Inside the block ``joblib.parallel_config`` sends joblib's work to it.

    Raises
    ------
    ValueError
        For a malformed argument or ``$AEGMM_DASK_SCHEDULER``, or both ``address`` and ``client``.
    TimeoutError
        If no scheduler answers within ``timeout`` seconds.
    """
    n_workers = check_positive_int("n_workers", n_workers)
    threads_per_worker = check_positive_int("threads_per_worker", threads_per_worker)
    timeout = float(check_scalar(timeout, "timeout", numbers.Real, min_val=0, include_boundaries="neither"))
    if client is not None and address is not None:
        raise ValueError(f"give address or client, not both; got address={address!r} and a client")
    name = "address"
    if address is None and client is None:
        address, name = os.environ.get(_SCHEDULER_VARIABLE, "").strip() or None, _SCHEDULER_VARIABLE
    if address is not None and not (isinstance(address, str) and _ADDRESS.match(address)):
        raise ValueError(f"{name} must be a Dask scheduler address like 'tcp://host:8786', got {address!r}")
    with contextlib.ExitStack() as stack:
        if client is None and address is None:
            address = stack.enter_context(LocalCluster(
                n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True, host=_LOOPBACK,
                dashboard_address=f"{_LOOPBACK}:0", memory_limit=memory_limit, silence_logs=silence_logs))
        if client is None:
            client = stack.enter_context(_connect(address, timeout))
        with joblib.parallel_config(backend=_TaskCarriesItsDataBackend(client=client)):
            yield client
