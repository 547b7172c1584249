"""Running one experiment headless, from rest to its end: shared by ``hhtui run`` and the Python API.

The run is integrated in chunks of :data:`CHUNK_STEPS` time steps on the dt grid, which gives
exactly the numbers of one :meth:`~hhtui.model.Experiment.run` but lets Ctrl-C through, and a
progress callback run, between chunks. The experiment's scheduled changes are applied at their
times, so the sidecar of a live run with changes replays it sample for sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hhtui.model.experiment import Experiment
from hhtui.model.samples import Samples
from hhtui.model.solver import GRID_TOLERANCE

if TYPE_CHECKING:
    from hhtui.model.simulation import Simulation

__all__ = ["CHUNK_STEPS", "replay_note", "run_experiment", "sidecar_extra"]

#: Time steps integrated per call of the solver: bounds the time before Ctrl-C is seen.
CHUNK_STEPS = 200_000


def run_experiment(experiment: Experiment, progress: Callable[[float], Any] | None = None) -> tuple[Samples, int]:
    """Run ``experiment`` from rest to ``t_stop``; returns the samples (t = 0 included) and the
    number of spikes (upward 0 mV crossings). ``progress(fraction)`` is called after each chunk.

    Raises :class:`~hhtui.model.NumericalInstabilityError` if the integration blows up."""
    sim = experiment.simulation()
    t_stop = experiment.t_stop
    chunks: list[Samples] = []
    while True:
        end = min(_chunk_end(sim), t_stop)
        if end >= t_stop - GRID_TOLERANCE * sim.dt:
            end = t_stop
        if end > sim.t:
            chunks.append(sim.advance(end - sim.t, include_start=not chunks))
        if progress is not None:
            progress(min(1.0, sim.t / t_stop))
        if end >= t_stop:
            break
    joined = chunks[0] if len(chunks) == 1 else Samples.concatenate(chunks)  # one chunk: no copy
    return joined, int(sim.spike_count.sum())


def _chunk_end(sim: Simulation) -> float:
    """Where the next chunk ends (ms): :data:`CHUNK_STEPS` steps on the grid of the dt in force
    (fewer when the protocol changes many times per step: noise in bins shorter than dt), or at
    the next scheduled change if that comes first. Chunks end where a live run's chunks can end,
    so that the numbers do not depend on the chunking even after a change of dt."""
    dt = sim.dt
    # A protocol that changes many times per step costs a step per piece: fewer steps per chunk
    # then, so that each chunk takes about as long.
    steps = max(1, int(CHUNK_STEPS * min(1.0, sim.stimulus.shortest_piece() / dt)))
    k = round(sim.t / dt)
    if abs(k * dt - sim.t) > 1e-6 * dt:  # off the grid (after a change of dt): from the grid point below
        k = math.floor(sim.t / dt)
    end = (k + steps) * dt
    t_change = sim.next_change_time
    return end if t_change is None or t_change <= sim.t else min(end, t_change)


def sidecar_extra(samples: Samples, spikes: int) -> dict[str, Any]:
    """The fields a run's JSON sidecar holds beside the experiment: the summary of the run."""
    return {"summary": {"samples": len(samples), "spikes": spikes}}


def replay_note(data: Any) -> str | None:
    """Why the run whose sidecar ``data`` is cannot be replayed sample for sample, in one line
    (None for a sidecar that says it can, and for a bare experiment)."""
    if not isinstance(data, dict) or "program" not in data or data.get("reproducible") is not False:
        return None
    note = data.get("replay_note")
    if isinstance(note, str) and note.strip():
        return " ".join(note.split())
    if data.get("live_changes") and "schedule" not in (data.get("experiment") or {}):
        return (
            "the file lists live changes but holds no schedule of them (an earlier version wrote it): "
            "they are not replayed"
        )
    return "its sidecar says the run cannot be reproduced exactly"
