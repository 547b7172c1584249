"""A sweep from start to end: the grid cut into chunks, the chunks run by an executor, the
finished ones kept in a journal, and the results gathered in grid order.

    sweep = Sweep(grid, Membrane(), settings)
    sweep.run(InProcess(), journal=None, progress=print)     # progress(points_done)
    sweep.columns()                                           # the long-format table
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hhtui.model import Membrane
from hhtui.signals import deferred

from .chunks import Chunk, ChunkResult, RunSettings, chunk_points, plan_chunks
from .grid import Grid
from .journal import Journal

__all__ = ["RESULT_COLUMNS", "Sweep"]

#: Result columns of the sweep CSV, after the varied parameters.
RESULT_COLUMNS = ("spike_count", "rate_Hz", "latency_ms")


class Sweep:
    """One grid with its membrane and run settings, and the results found so far.

    Args:
        grid: the points.
        base: the membrane of every point, before the grid's values are applied.
        settings: how each point is simulated.
        points_per_chunk: chunk size (default: about a few seconds of one core per chunk).
    """

    def __init__(self, grid: Grid, base: Membrane, settings: RunSettings, points_per_chunk: int | None = None) -> None:
        self.grid = grid
        self.base = base
        self.settings = settings
        self.points_per_chunk = chunk_points(settings, points_per_chunk)
        self.chunks: list[Chunk] = list(plan_chunks(grid, base, settings, self.points_per_chunk))
        size = grid.size
        self.spike_count: NDArray[np.int64] = np.zeros(size, dtype=np.int64)
        self.rate_hz: NDArray[np.float64] = np.zeros(size)
        self.latency_ms: NDArray[np.float64] = np.zeros(size)
        self.finished: set[int] = set()
        self.steps_done = 0

    def definition(self) -> dict[str, Any]:
        """Everything that decides the numbers (the journal of a resumed sweep must match it)."""
        return {
            "grid": self.grid.to_dict(),
            "membrane": self.base.to_dict(),
            "run": self.settings.to_dict(),
            "points_per_chunk": self.points_per_chunk,
            "chunks": len(self.chunks),
        }

    @property
    def points_done(self) -> int:
        return sum(self.chunks[i].size for i in self.finished)

    def add(self, result: ChunkResult) -> None:
        """Take in a finished chunk (checked against the plan)."""
        chunk = self.chunks[result.index] if 0 <= result.index < len(self.chunks) else None
        if chunk is None or chunk.start != result.start or chunk.size != result.spike_count.size:
            return  # not a chunk of this plan (a damaged journal): it will be computed again
        span = slice(chunk.start, chunk.stop)
        self.spike_count[span] = result.spike_count
        self.rate_hz[span] = result.rate_hz
        self.latency_ms[span] = result.latency_ms
        self.finished.add(result.index)

    def resume_from(self, journal: Journal) -> int:
        """Take in the chunks a journal holds; returns how many."""
        before = len(self.finished)
        for result in journal.finished():
            self.add(result)
        return len(self.finished) - before

    def run(
        self, executor: Any, journal: Journal | None = None, progress: Callable[[float], None] | None = None
    ) -> None:
        """Run every chunk not finished yet on ``executor``; each result is added and written to
        ``journal`` as it arrives. ``progress(points)`` gets the grid points done so far
        (fractions of points while a chunk is under way in this process)."""
        todo = [c for c in self.chunks if c.index not in self.finished]
        base_points = self.points_done
        in_flight = {"steps": 0}
        steps = self.settings.steps

        def on_result(result: ChunkResult) -> None:
            # A chunk that has arrived is kept whole: Ctrl-C waits the few milliseconds of its write.
            with deferred():
                self.add(result)
                if journal is not None:
                    journal.add(result)

        def on_progress(neuron_steps: int) -> None:
            in_flight["steps"] += neuron_steps
            if progress is not None:
                progress(min(float(self.grid.size), base_points + in_flight["steps"] / steps))

        if progress is not None:
            progress(float(base_points))
        executor.run(todo, on_result, on_progress)

    @property
    def complete(self) -> bool:
        return len(self.finished) == len(self.chunks)

    def columns(self) -> dict[str, NDArray[np.float64]]:
        """The long-format table: the varied parameters of each point, then its results."""
        columns = dict(self.grid.columns())
        columns[RESULT_COLUMNS[0]] = self.spike_count.astype(np.float64)
        columns[RESULT_COLUMNS[1]] = self.rate_hz
        columns[RESULT_COLUMNS[2]] = self.latency_ms
        return columns
