"""Where the chunks of a sweep run: in this process, or on a dask.distributed cluster.

Every executor takes the same chunks and calls back with each :class:`ChunkResult` as it
arrives (in any order); the chunk function (:func:`hhtui.sweeps.chunks.simulate_chunk`) is the
same everywhere, so the numbers are too.

- :class:`InProcess`: one chunk after the other here, each spread over the cores by the
  compiled kernels. Progress is reported after every time slice (several times a second).
- :class:`Dask`: the chunks are submitted to a dask.distributed scheduler, given by its address
  (``tcp://HOST:PORT``: a cluster started with ``dask scheduler`` / ``dask worker``, or by
  dask-jobqueue on SLURM, PBS, ...) or made here as a local cluster of N worker processes.
  dask is imported only then (the ``hhtui[distributed]`` extra). A worker that dies takes its
  chunk with it; the scheduler gives that chunk to another worker.

Interrupted (Ctrl-C), :meth:`Dask.run` stops taking results at once; the chunks already handed
to ``on_result`` are all that is kept. A local cluster is then not closed gracefully (which takes
seconds while its workers finish their chunks) but ended with :meth:`Dask.abort`, which kills its
worker processes; on a remote scheduler the sweep's chunks are cancelled.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from .chunks import Chunk, ChunkResult, simulate_chunk

__all__ = [
    "CONNECT_TIMEOUT_S",
    "POLL_S",
    "Dask",
    "ExecutorError",
    "InProcess",
    "connect_timeout_s",
    "ignore_interrupt",
    "kill_processes",
]

#: How often (s) the client looks at the cluster while waiting: the bar's refresh and Ctrl-C's delay.
POLL_S = 0.2

#: The warning filter that keeps multiprocessing's resource tracker quiet about the semaphores it
#: cleans up after killed workers.
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning"

OnResult = Callable[[ChunkResult], None]
OnProgress = Callable[[int], None]


#: Seconds to wait for a scheduler that does not answer, unless dask is configured otherwise.
CONNECT_TIMEOUT_S = 20.0

#: dask's setting of the time to wait for a connection (dask's configuration: a YAML file, or
#: the environment variable DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT, e.g. ``5s``).
CONNECT_SETTING = "distributed.comm.timeouts.connect"


def connect_timeout_s() -> float:
    """Seconds to wait for the scheduler: dask's ``distributed.comm.timeouts.connect`` where the
    user's dask configuration sets it (a file or the environment), else
    :data:`CONNECT_TIMEOUT_S`. dask must be importable."""
    import dask.config
    from dask.utils import parse_timedelta

    try:
        chosen = dask.config.get(CONNECT_SETTING, default=None)
        shipped = dask.config.get(CONNECT_SETTING, default=None, config=dask.config.merge(*dask.config.defaults))
        if chosen is None or chosen == shipped:
            return CONNECT_TIMEOUT_S
        seconds = float(parse_timedelta(chosen, default="seconds"))
    except (TypeError, ValueError, KeyError):  # a setting dask itself could not read
        return CONNECT_TIMEOUT_S
    return seconds if seconds > 0 else CONNECT_TIMEOUT_S


class ExecutorError(Exception):
    """The executor could not start or lost the run (no dask, no scheduler at the address, ...)."""


class InProcess:
    """Run the chunks here, one after the other."""

    name = "in-process"

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name}

    def run(self, chunks: Sequence[Chunk], on_result: OnResult, on_progress: OnProgress) -> None:
        """Simulate every chunk; ``on_progress(neuron_steps)`` after each time slice."""
        for chunk in chunks:
            on_result(simulate_chunk(chunk, on_progress))

    def close(self) -> None:
        pass


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExecutorError(
            "dask.distributed is not installed; install it with: pip install 'hhtui[distributed]'"
        ) from None
    return distributed


class Dask:
    """Run the chunks on a dask.distributed cluster: the one at ``address``, or a local cluster
    of ``workers`` processes started now (one thread each) and stopped at :meth:`close`.

    Args:
        address: the scheduler, e.g. ``tcp://10.0.0.5:8786``.
        workers: start a local cluster of this many worker processes instead.
        connect_timeout: seconds to wait for the scheduler; by default :func:`connect_timeout_s`.
    """

    name = "dask"

    def __init__(
        self, address: str | None = None, workers: int | None = None, connect_timeout: float | None = None
    ) -> None:
        distributed = _import_distributed()
        if connect_timeout is None:
            connect_timeout = connect_timeout_s()
        self._distributed = distributed
        self.address = address
        self.workers = workers
        self.cluster: Any = None
        self.aborted = False
        self._pids: set[int] = set()
        before = _children() if address is None else set()
        for noisy in ("distributed", "tornado"):
            logging.getLogger(noisy).setLevel(logging.CRITICAL)
        try:
            if address is None:
                # multiprocessing's resource tracker (started with the first worker, with this
                # interpreter's -W options) removes the semaphores of workers that abort() killed;
                # it need not also say so on the terminal after the command has ended.
                if _QUIET_TRACKER not in sys.warnoptions:
                    sys.warnoptions.append(_QUIET_TRACKER)
                # One thread per worker process, and one for the kernels inside it: N workers
                # use N cores, without oversubscribing them.
                self.cluster = distributed.LocalCluster(
                    n_workers=int(workers or 1),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,
                    env={"NUMBA_NUM_THREADS": "1"},
                )
                self._pids = self.worker_pids()
                self.client = distributed.Client(self.cluster, timeout=connect_timeout)
                with contextlib.suppress(Exception):  # a nicety, never a reason to fail
                    self.client.run(ignore_interrupt)
            else:
                self.client = distributed.Client(address, timeout=connect_timeout)
        except (OSError, TimeoutError, ValueError) as error:
            self.close()
            where = f"the scheduler at {address}" if address else f"a local cluster of {workers} workers"
            raise ExecutorError(
                f"cannot reach {where}: {' '.join(str(error).split()) or type(error).__name__}"
            ) from None
        except BaseException:  # Ctrl-C while the local cluster starts: leave no process behind
            if address is None:
                self.aborted = True
                kill_processes(self._pids | self.worker_pids() | _workers_among(_children() - before))
            raise
        self.computed_by: dict[str, int] = {}

    def worker_pids(self) -> set[int]:
        """The process ids of the local cluster's workers (empty for a remote scheduler)."""
        pids: set[int] = set()
        for nanny in list(getattr(self.cluster, "workers", {}).values()):
            process = getattr(getattr(nanny, "process", None), "process", None)
            pid = getattr(process, "pid", None)
            if isinstance(pid, int) and pid > 0:
                pids.add(pid)
        return pids

    def describe(self) -> dict[str, Any]:
        """Where the run went: the scheduler (or the local cluster) and the chunks each worker did."""
        info: dict[str, Any] = {"executor": self.name}
        if self.address is not None:
            info["scheduler"] = self.address
        else:
            info["local_workers"] = self.workers
        info["chunks_by_worker"] = dict(sorted(self.computed_by.items()))
        return info

    def run(self, chunks: Sequence[Chunk], on_result: OnResult, on_progress: OnProgress) -> None:
        """Submit every chunk, then take the results as they come (polling every POLL_S s, so
        Ctrl-C is heard); a chunk that raised re-raises here and cancels the rest."""
        distributed = self._distributed
        if not chunks:
            return
        futures = [
            self.client.submit(simulate_chunk, chunk, key=f"hhtui-chunk-{_token(chunk)}", pure=False)
            for chunk in chunks
        ]
        sizes = {future.key: chunk.neuron_steps for future, chunk in zip(futures, chunks)}
        pending = set(futures)
        if self.cluster is not None:
            self._pids |= self.worker_pids()
        try:
            while pending:
                try:
                    done, not_done = distributed.wait(list(pending), timeout=POLL_S, return_when="FIRST_COMPLETED")
                except (TimeoutError, distributed.TimeoutError):
                    on_progress(0)
                    if self.cluster is not None:
                        self._pids |= self.worker_pids()
                    continue
                pending = set(not_done)
                for future in done:
                    result: ChunkResult = future.result()
                    where = f"{result.host}:{result.pid}"
                    self.computed_by[where] = self.computed_by.get(where, 0) + 1
                    on_result(result)
                    on_progress(sizes[future.key])
                    future.release()
        except KeyboardInterrupt:
            # Ctrl-C (or SIGTERM/SIGHUP, hhtui.signals): a local cluster is ended at once.
            self.abort()
            raise
        except (concurrent.futures.CancelledError, asyncio.CancelledError) as error:
            # The cluster dropped the chunks (e.g. the connection to the scheduler was lost).
            reason = " ".join(str(error).split("Futures:")[0].split())[:200] or type(error).__name__
            raise ExecutorError(f"the cluster dropped the sweep's chunks ({reason})") from None
        finally:
            # A remote scheduler (or a local cluster after a failed chunk) drops the other chunks.
            if pending and not self.aborted:
                with contextlib.suppress(Exception):
                    self.client.cancel(list(pending), force=True)

    def abort(self) -> None:
        """End a local cluster at once: kill its worker processes (SIGKILL) and wait (at most a
        second) until they are gone, without the graceful close. The cluster and client are then
        unusable; the caller should end the process (``os._exit``) rather than let the
        interpreter's exit handlers try to close them. Nothing happens for a remote scheduler."""
        if self.cluster is None:
            return
        self.aborted = True
        self._pids |= self.worker_pids()
        kill_processes(self._pids)

    def close(self) -> None:
        """Disconnect (and stop the local cluster, if this made one)."""
        if self.aborted:
            return
        client = getattr(self, "client", None)
        if client is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                client.close(timeout=2)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=2)
            self.cluster = None


def ignore_interrupt() -> bool:
    """Make this (worker) process ignore SIGINT; True if it could (in the main thread only).

    Run on the local cluster's workers: a Ctrl-C typed on the terminal reaches the whole process
    group, so the workers too; the command hears it and kills them (:meth:`Dask.abort`), without
    each of them also reacting to it with a traceback."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return True


def _workers_among(pids: set[int]) -> set[int]:
    """Those of ``pids`` that are processes multiprocessing spawned (a cluster's workers), not its
    resource tracker (which ends by itself with this process, after cleaning up)."""
    try:
        import psutil  # type: ignore[import-untyped]  # a dependency of dask.distributed
    except ImportError:  # pragma: no cover - distributed always brings it
        return set()
    workers = set()
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            if "resource_tracker" not in " ".join(psutil.Process(pid).cmdline()):
                workers.add(pid)
    return workers


def _children() -> set[int]:
    """The process ids of this process's children (empty without psutil)."""
    try:
        import psutil  # a dependency of dask.distributed
    except ImportError:  # pragma: no cover - distributed always brings it
        return set()
    with contextlib.suppress(psutil.Error):
        return {child.pid for child in psutil.Process().children(recursive=True)}
    return set()


def kill_processes(pids: set[int], wait_s: float = 1.0) -> None:
    """SIGKILL ``pids`` and everything they started, then reap them (at most ``wait_s`` s)."""
    try:
        import psutil  # a dependency of dask.distributed
    except ImportError:  # pragma: no cover - distributed always brings it
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        return
    processes = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            processes += [process, *process.children(recursive=True)]
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    with contextlib.suppress(psutil.Error):
        psutil.wait_procs(processes, timeout=wait_s)


def _token(chunk: Chunk) -> str:
    """A key for the chunk, unique to its content (two sweeps sharing a scheduler never collide)."""
    import hashlib
    import json

    text = json.dumps(
        [chunk.index, chunk.start, chunk.stop, chunk.membrane, chunk.amps, chunk.settings.to_dict(), time.time_ns()],
        sort_keys=True,
        default=str,
    )
    return f"{chunk.index}-{hashlib.sha1(text.encode()).hexdigest()[:16]}"
