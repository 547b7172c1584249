"""Running one experiment headless, from rest to its end: shared by ``hhtui run`` and the Python API.

The run is integrated in chunks of :data:`CHUNK_STEPS` time steps on the dt grid, which gives
exactly the numbers of one :meth:`~hhtui.model.Experiment.run` but lets Ctrl-C through, and a
progress callback run, between chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hhtui.model.experiment import Experiment
from hhtui.model.samples import Samples

__all__ = ["CHUNK_STEPS", "run_experiment", "sidecar_extra"]

#: Time steps integrated per call of the solver: bounds the time before Ctrl-C is seen.
CHUNK_STEPS = 200_000


def run_experiment(experiment: Experiment, progress: Callable[[float], Any] | None = None) -> tuple[Samples, int]:
    """Run ``experiment`` from rest to ``t_stop``; returns the samples (t = 0 included) and the
    number of spikes (upward 0 mV crossings). ``progress(fraction)`` is called after each chunk.

    Raises :class:`~hhtui.model.NumericalInstabilityError` if the integration blows up."""
    sim = experiment.simulation()
    dt = experiment.solver.dt
    total = round(experiment.t_stop / dt)
    # A protocol that changes many times per step (noise in bins shorter than dt) costs a step per
    # piece: fewer steps per chunk then, so that each chunk takes about as long.
    shortest = experiment.stimulus.shortest_piece()
    steps = max(1, int(CHUNK_STEPS * min(1.0, shortest / dt)))
    chunks: list[Samples] = []
    done = 0
    while True:
        done = min(total, done + steps)
        end = experiment.t_stop if done >= total else done * dt
        if end > sim.t:
            chunks.append(sim.advance(end - sim.t, include_start=not chunks))
        if progress is not None:
            progress(min(1.0, sim.t / experiment.t_stop))
        if done >= total:
            break
    return Samples.concatenate(chunks), int(sim.spike_count.sum())


def sidecar_extra(samples: Samples, spikes: int) -> dict[str, Any]:
    """The fields a run's JSON sidecar holds beside the experiment: the summary of the run."""
    return {"summary": {"samples": len(samples), "spikes": spikes}}
