"""Chunks of a grid and how one is simulated.

A chunk is a run of neighbouring grid points that share one membrane (so: a slice of one F-I
curve). It is simulated as one population through :class:`hhtui.model.Simulation`, every neuron
under its own current step switched on at t = 0 from rest, and is advanced in time slices of
about :data:`SLICE_NEURON_STEPS` neuron-steps, so a caller hears of progress (and Ctrl-C acts)
several times a second whatever the size of the chunk and the speed of the machine.

What is measured for each point (times in ms, rates in Hz):

- ``spike_count``: upward crossings of the threshold at or after the transient;
- ``rate_Hz``: the rate from the inter-spike intervals after the transient, (n - 1) divided by
  the time from the first to the last of those n spikes; 0 with fewer than two spikes. Unlike a
  count over a window, it does not move in steps of 1/window when a spike slips in or out;
- ``latency_ms``: the time of the first spike after the step's onset (t = 0), transient included;
  -1 when there was none.

The result depends only on the chunk's description (nothing on where or when it ran), so a
chunk computed in this process or on a dask worker gives the same numbers, value for value.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hhtui.model import Membrane, Simulation, Step
from hhtui.model.analysis import isi_rates

from .grid import Grid

__all__ = [
    "CHUNK_NEURON_STEPS",
    "NO_LATENCY",
    "SLICE_SECONDS",
    "Chunk",
    "ChunkResult",
    "RunSettings",
    "plan_chunks",
    "simulate_chunk",
]

#: Seconds of computing one time slice aims at: the granularity of progress and Ctrl-C. Slices
#: are sized from the speed of the previous one; where a chunk is cut in time changes no number
#: (every slice ends on the time grid k*dt, which the stepping follows anyway).
SLICE_SECONDS = 0.15
#: Neuron-steps of the first time slice of a chunk.
FIRST_SLICE_NEURON_STEPS = 200_000
#: Neuron-steps a chunk aims at (a few seconds on one core): large enough that scheduling costs
#: little, small enough that an interruption loses little.
CHUNK_NEURON_STEPS = 20_000_000
#: Fewest points a chunk holds when its block of neighbours has that many (below this the
#: population does not fill the cores).
MIN_CHUNK_POINTS = 64
#: Most points in one chunk.
MAX_CHUNK_POINTS = 4096
#: The latency written for a point that never fired.
NO_LATENCY = -1.0

#: One simulation at a time in a process: a dask worker with several threads then runs its chunks
#: one after the other, each spread over the cores by the compiled kernels.
_SIMULATION_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunSettings:
    """How each point is simulated: ``t_stop`` and ``transient`` (ms), ``threshold`` (mV), the
    time step ``dt`` (ms) and the integration ``method``."""

    t_stop: float
    transient: float
    threshold: float
    dt: float
    method: str

    @property
    def steps(self) -> int:
        """Time steps of one point's run."""
        return max(1, round(self.t_stop / self.dt))

    def to_dict(self) -> dict[str, Any]:
        return {
            "t_stop_ms": self.t_stop,
            "transient_ms": self.transient,
            "threshold_mV": self.threshold,
            "dt_ms": self.dt,
            "method": self.method,
        }


@dataclass(frozen=True)
class Chunk:
    """Grid points ``start`` .. ``stop - 1`` (in grid order), which share one membrane.

    Attributes:
        index: the chunk's number (0, 1, ...), which names its file in a sweep's journal.
        start, stop: the points it holds.
        membrane: every membrane parameter for these points (a :meth:`Membrane.to_dict`).
        amps: the current of each point, uA/cm^2.
        settings: the run settings.
    """

    index: int
    start: int
    stop: int
    membrane: dict[str, Any]
    amps: tuple[float, ...]
    settings: RunSettings

    @property
    def size(self) -> int:
        return self.stop - self.start

    @property
    def neuron_steps(self) -> int:
        return self.size * self.settings.steps


@dataclass
class ChunkResult:
    """What one chunk measured: per point ``spike_count``, ``rate_hz``, ``latency_ms`` (see the
    module docstring), plus where it ran (``host``, ``pid``), for the record only."""

    index: int
    start: int
    spike_count: NDArray[np.int64]
    rate_hz: NDArray[np.float64]
    latency_ms: NDArray[np.float64]
    host: str = ""
    pid: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stop(self) -> int:
        return self.start + int(self.spike_count.size)


def chunk_points(settings: RunSettings, requested: int | None = None) -> int:
    """Points per chunk: ``requested`` if given, else about :data:`CHUNK_NEURON_STEPS`
    neuron-steps, within [MIN_CHUNK_POINTS, MAX_CHUNK_POINTS]."""
    if requested is not None:
        return max(1, int(requested))
    return int(min(MAX_CHUNK_POINTS, max(MIN_CHUNK_POINTS, CHUNK_NEURON_STEPS // settings.steps)))


def plan_chunks(grid: Grid, base: Membrane, settings: RunSettings, points: int) -> Iterator[Chunk]:
    """Cut the grid into chunks of at most ``points`` points, each within one block of points
    that share a membrane (``base`` with the grid's fixed and varied membrane values)."""
    amps = grid.amp.values
    block = len(amps)
    fixed = base.replace(**grid.fixed) if grid.fixed else base
    index = 0
    for number, varied in enumerate(grid.membrane_points()):
        membrane = (fixed.replace(**varied) if varied else fixed).to_dict()
        pieces = max(1, math.ceil(block / points))
        # Equal pieces rather than full ones and a remainder: the populations stay alike.
        bounds = [round(block * k / pieces) for k in range(pieces + 1)]
        for a, b in itertools.pairwise(bounds):
            start = number * block + a
            yield Chunk(
                index=index,
                start=start,
                stop=number * block + b,
                membrane=membrane,
                amps=tuple(amps[a:b]),
                settings=settings,
            )
            index += 1


def simulate_chunk(chunk: Chunk, progress: Callable[[int], None] | None = None) -> ChunkResult:
    """Simulate ``chunk`` (see the module docstring); ``progress(neuron_steps)`` is called after
    each time slice with the neuron-steps just done. Raises what the model raises (e.g.
    :class:`hhtui.model.NumericalInstabilityError` on a blow-up)."""
    with _SIMULATION_LOCK:
        return _simulate(chunk, progress)


def _simulate(chunk: Chunk, progress: Callable[[int], None] | None) -> ChunkResult:
    settings = chunk.settings
    amps = np.asarray(chunk.amps, dtype=np.float64)
    population = amps.size
    membrane = Membrane.from_dict(dict(chunk.membrane))
    stimulus = Step(amplitude=amps if population > 1 else float(amps[0]), start=0.0)
    sim = Simulation(
        membrane, stimulus, dt=settings.dt, method=settings.method, population=population, threshold=settings.threshold
    )
    steps_total = settings.steps
    slice_steps = max(1, FIRST_SLICE_NEURON_STEPS // population)
    counts = np.zeros(population, dtype=np.int64)
    first = np.full(population, np.inf)
    last = np.full(population, -np.inf)
    latency = np.full(population, np.inf)
    done = 0
    while done < steps_total:
        todo = min(slice_steps, steps_total - done)
        end = settings.t_stop if done + todo >= steps_total else (done + todo) * settings.dt
        began = time.perf_counter()
        chunk_samples = sim.advance(end - sim.t, record=False)
        took = time.perf_counter() - began
        slice_steps = int(min(max(1.0, todo * SLICE_SECONDS / max(took, 1e-6)), 4.0 * todo + 1.0))
        neurons, times = chunk_samples.spike_neuron, chunk_samples.spike_time
        if times.size:
            np.minimum.at(latency, neurons, times)
            late = times >= settings.transient
            if late.any():
                n_late, t_late = neurons[late], times[late]
                np.add.at(counts, n_late, 1)
                np.minimum.at(first, n_late, t_late)
                np.maximum.at(last, n_late, t_late)
        done += todo
        if progress is not None:
            progress(todo * population)
    rates = isi_rates(counts, first, last)
    latency[~np.isfinite(latency)] = NO_LATENCY
    return ChunkResult(
        index=chunk.index,
        start=chunk.start,
        spike_count=counts,
        rate_hz=rates,
        latency_ms=latency,
        host=os.uname().nodename if hasattr(os, "uname") else "",
        pid=os.getpid(),
    )
