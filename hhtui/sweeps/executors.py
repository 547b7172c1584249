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
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from .chunks import Chunk, ChunkResult, simulate_chunk

__all__ = ["POLL_S", "Dask", "ExecutorError", "InProcess"]

#: How often (s) the client looks at the cluster while waiting: the bar's refresh and Ctrl-C's delay.
POLL_S = 0.2

OnResult = Callable[[ChunkResult], None]
OnProgress = Callable[[int], None]


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
        connect_timeout: seconds to wait for the scheduler.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None, connect_timeout: float = 20.0) -> None:
        distributed = _import_distributed()
        self._distributed = distributed
        self.address = address
        self.workers = workers
        self.cluster: Any = None
        for noisy in ("distributed", "tornado"):
            logging.getLogger(noisy).setLevel(logging.CRITICAL)
        try:
            if address is None:
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
                self.client = distributed.Client(self.cluster, timeout=connect_timeout)
            else:
                self.client = distributed.Client(address, timeout=connect_timeout)
        except (OSError, TimeoutError, ValueError) as error:
            self.close()
            where = f"the scheduler at {address}" if address else f"a local cluster of {workers} workers"
            raise ExecutorError(
                f"cannot reach {where}: {' '.join(str(error).split()) or type(error).__name__}"
            ) from None
        self.computed_by: dict[str, int] = {}

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
        try:
            while pending:
                try:
                    done, not_done = distributed.wait(list(pending), timeout=POLL_S, return_when="FIRST_COMPLETED")
                except (TimeoutError, distributed.TimeoutError):
                    on_progress(0)
                    continue
                pending = set(not_done)
                for future in done:
                    result: ChunkResult = future.result()
                    where = f"{result.host}:{result.pid}"
                    self.computed_by[where] = self.computed_by.get(where, 0) + 1
                    on_result(result)
                    on_progress(sizes[future.key])
                    future.release()
        finally:
            if pending:
                self.client.cancel(list(pending), force=True)

    def close(self) -> None:
        """Disconnect (and stop the local cluster, if this made one)."""
        client = getattr(self, "client", None)
        if client is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                client.close(timeout=2)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=2)
            self.cluster = None


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
