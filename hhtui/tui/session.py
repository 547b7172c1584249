"""The live run behind the app: a :class:`Simulation` advanced in chunks, recorded, changed live.

This module holds no Textual code, so the whole logic of a live run can be tested without a
terminal. The app owns one :class:`LiveRun` and, on every timer tick, asks it how much simulated
time to advance (:meth:`LiveRun.plan`), integrates that chunk (:meth:`LiveRun.compute`, which may
run in a worker thread: the kernels release the GIL) and hands the result back on the event loop
(:meth:`LiveRun.accept`).

Parameter changes made while a chunk is being computed in a worker are queued and applied, in
order, as soon as the chunk is accepted, so they act "from the current state on" and never race
the integrator. A change made before any time has been simulated restarts the run from the new
rest, so that an exported run is reproducible from its sidecar.

Memory is bounded: the recording keeps at most :data:`RECORDING_LIMIT` values (time points x
neurons; about 100 MB with every column); past that the oldest samples are dropped and
:attr:`LiveRun.dropped_notice` is raised once so the app can tell the user.

A live run follows one neuron. An experiment of several (the sidecar of a sweep, whose stimulus
has one amplitude per neuron) is run for its first neuron, and :attr:`LiveRun.population_note`
says so.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hhtui.model import (
    Combined,
    Experiment,
    Membrane,
    NumericalInstabilityError,
    ParameterError,
    Recording,
    Samples,
    Simulation,
    Solver,
    Step,
    Stimulus,
    VoltageClamp,
)
from hhtui.model.experiment import MAX_T_STOP

from .settings import RATE_WINDOW_MS, RECORDING_LIMIT

#: Most simulated time owed to the clock (real seconds of lag) before the debt is forgiven.
MAX_LAG_S = 0.25


@dataclass
class ChunkResult:
    """The outcome of integrating one chunk.

    Attributes:
        samples: the new samples (possibly partial after a blow-up), or None.
        duration: simulated time asked for (ms).
        seconds: wall time the integration took (s).
        error: the blow-up reason, or None.
    """

    samples: Samples | None
    duration: float
    seconds: float
    error: str | None = None


def injected_current(stimulus: Stimulus) -> float:
    """The main amplitude of a protocol in uA/cm^2 (the clamp level in mV for a voltage clamp)."""
    if isinstance(stimulus, VoltageClamp):
        return float(stimulus.level)
    value = stimulus.amplitude_value
    return float(np.atleast_1d(value)[0])


def nudge_stimulus(stimulus: Stimulus, delta: float) -> Stimulus:
    """The protocol with its main amplitude changed by ``delta`` (uA/cm^2; mV for a clamp level).

    No stimulus becomes a step that is already on. Raises ParameterError if out of range.
    """
    if isinstance(stimulus, VoltageClamp):
        return VoltageClamp(
            hold=stimulus.hold, level=stimulus.level + delta, start=stimulus.start, duration=stimulus.duration
        )
    if stimulus.kind == "none":
        return Step(amplitude=delta, start=0.0)
    amplitude = round(injected_current(stimulus) + delta, 9)
    return stimulus.with_amplitude(amplitude)


def first_neuron(stimulus: Stimulus) -> Stimulus:
    """``stimulus`` for the first neuron only: every per-neuron amplitude replaced by its first value."""
    if isinstance(stimulus, Combined):
        return Combined(parts=tuple(first_neuron(part) for part in stimulus.parts))
    changes = {}
    for item in dataclasses.fields(stimulus):
        value = getattr(stimulus, item.name)
        if isinstance(value, (np.ndarray, list, tuple)) and np.ndim(value) > 0:
            changes[item.name] = float(np.ravel(value)[0])
    return dataclasses.replace(stimulus, **changes) if changes else stimulus


def one_neuron(experiment: Experiment) -> tuple[Experiment, str | None]:
    """``experiment`` reduced to its first neuron, with a note saying so (None if it had one)."""
    population = experiment.stimulus.population
    if population <= 1:
        return experiment, None
    first = first_neuron(experiment.stimulus)
    current = injected_current(first)
    note = (
        f"This experiment has {population:,} neurons (one per current, as a sweep's sidecar has); the app "
        f"runs the first one, at {current:g} uA/cm2. 'hhtui plot' draws a sweep's CSV; "
        "'hhtui run --config' runs the file whole."
    )
    return experiment.replace(stimulus=first), note


class LiveRun:
    """A simulation advanced in chunks while someone watches.

    Args:
        experiment: parameters to start with (its ``t_stop`` is ignored: a live run has no end);
            one of several neurons is run for its first neuron (see :attr:`population_note`).
        max_samples: recording limit in values, time points x neurons (default
            :data:`RECORDING_LIMIT`); a live run has one neuron, so this is in time points.
    """

    def __init__(self, experiment: Experiment, max_samples: int = RECORDING_LIMIT) -> None:
        experiment, self.population_note = one_neuron(experiment)
        self.experiment = experiment
        self.initial = experiment
        self.sim: Simulation = experiment.simulation()
        self.max_values = int(max_samples)
        self.recording = Recording(self._samples_kept())
        self.changes: list[dict[str, Any]] = []
        self.warning: str | None = None
        self.version = 0
        self.busy = False
        self.dropped_notice = False
        self._dropped_seen = False
        self._pending: list[Callable[[], None]] = []
        self._spikes: deque[float] = deque(maxlen=100_000)
        self._owed = 0.0
        # Wall seconds per simulated ms; starts from ~1e6 steps/s and is then measured.
        self.cost_per_ms = 1.0e-6 / self.sim.dt * 2.0
        self.recording.append(self.sim.snapshot())

    # --- what the status line shows -------------------------------------------------------------
    @property
    def t(self) -> float:
        """Simulated time now (ms)."""
        return float(self.sim.t)

    @property
    def spike_count(self) -> int:
        """Spikes since the last reset."""
        return int(self.sim.spike_count[0])

    def firing_rate(self, window_ms: float = RATE_WINDOW_MS) -> float:
        """Spikes per second over the last ``window_ms`` (or since t = 0 if shorter), Hz."""
        t_now = self.t
        span = min(window_ms, t_now)
        if span <= 0.0:
            return 0.0
        count = sum(1 for s in self._spikes if s > t_now - span)
        return count / (span / 1000.0)

    @property
    def current(self) -> float:
        """The injected current (uA/cm^2), or the clamp level (mV) under voltage clamp."""
        return injected_current(self.experiment.stimulus)

    # --- stepping ---------------------------------------------------------------------------------
    def plan(self, elapsed_s: float, speed: float, budget_s: float) -> float:
        """Simulated ms to advance after ``elapsed_s`` real seconds at ``speed`` ms/s.

        The result is a whole number of time steps and costs at most ``budget_s`` of compute
        (by the measured cost); time the computer cannot keep up with is forgiven after
        :data:`MAX_LAG_S` of lag rather than accumulated.
        """
        dt = self.sim.dt
        self._owed = min(self._owed + speed * max(0.0, elapsed_s), speed * MAX_LAG_S + dt)
        affordable = budget_s / max(self.cost_per_ms, 1e-12)
        steps = int(math.floor(min(self._owed, affordable) / dt + 1e-9))
        if steps < 1:
            return 0.0
        duration = self._grid_end(steps) - self.t
        self._owed = max(0.0, self._owed - duration)
        return duration

    def _grid_end(self, steps: int) -> float:
        dt = self.sim.dt
        k = round(self.t / dt)
        if abs(k * dt - self.t) > 1e-6 * dt:  # off the grid (after a change of dt): reach the next point
            k = math.floor(self.t / dt)
        return (k + steps) * dt

    def chunk_for(self, milliseconds: float) -> float:
        """A duration of about ``milliseconds`` ending on the time grid (at least one step)."""
        steps = max(1, int(round(milliseconds / self.sim.dt)))
        return self._grid_end(steps) - self.t

    def estimate(self, duration: float) -> float:
        """Expected compute time (s) for ``duration`` simulated ms."""
        return duration * self.cost_per_ms

    def compute(self, duration: float) -> ChunkResult:
        """Integrate ``duration`` ms. Safe in a worker thread while :attr:`busy` is set; touches
        nothing but the simulation."""
        if self.sim.halted:
            return ChunkResult(None, duration, 0.0, self.sim.halted_reason)
        start = time.perf_counter()
        try:
            samples = self.sim.advance(duration)
            error = None
        except NumericalInstabilityError as exc:
            samples, error = exc.samples, str(exc)
        seconds = time.perf_counter() - start
        if duration > 0 and error is None:
            measured = seconds / duration
            self.cost_per_ms = 0.7 * self.cost_per_ms + 0.3 * measured
        return ChunkResult(samples, duration, seconds, error)

    def accept(self, result: ChunkResult) -> None:
        """Record a computed chunk (on the event loop), then apply queued changes."""
        if result.samples is not None and len(result.samples):
            self.recording.append(result.samples)
            self._spikes.extend(float(s) for s in result.samples.spike_time[result.samples.spike_neuron == 0])
            self.version += 1
        if result.error is not None:
            self.warning = result.error
            self.version += 1
        if self.recording.dropped and not self._dropped_seen:
            self._dropped_seen = True
            self.dropped_notice = True
        self.busy = False
        pending, self._pending = self._pending, []
        for change in pending:
            change()

    def advance(self, duration: float) -> ChunkResult:
        """Compute and record ``duration`` ms on the calling thread."""
        result = self.compute(duration)
        self.accept(result)
        return result

    # --- live changes -------------------------------------------------------------------------------
    def _apply(self, label: str, record: dict[str, Any], change: Callable[[], None]) -> None:
        def run() -> None:
            if self.t <= 0.0:
                change()
                self.initial = self.experiment
                self._restart()
                return
            change()
            self.changes.append({"t_ms": self.t, "change": label, **record})
            if self.warning is not None and not self.sim.halted:
                self.warning = None
            self.version += 1

        if self.busy:
            self._pending.append(run)
        else:
            run()

    def set_membrane(self, membrane: Membrane) -> None:
        """Use ``membrane`` from the current state on."""
        if membrane == self.experiment.membrane:
            return
        self.experiment = self.experiment.replace(membrane=membrane)

        def change() -> None:
            self.sim.set_membrane(membrane)

        self._apply("membrane", {"membrane": membrane.to_dict()}, change)

    def set_stimulus(self, stimulus: Stimulus) -> None:
        """Use the protocol ``stimulus`` from the current state on (its times are absolute ms)."""
        if stimulus == self.experiment.stimulus:
            return
        self.experiment = self.experiment.replace(stimulus=stimulus)

        def change() -> None:
            self.sim.set_stimulus(stimulus)

        self._apply("stimulus", {"stimulus": stimulus.to_dict()}, change)

    def set_solver(self, solver: Solver) -> None:
        """Use another method or time step from the current state on."""
        if solver == self.experiment.solver:
            return
        self.experiment = self.experiment.replace(solver=solver)

        def change() -> None:
            self.sim.set_solver(dt=solver.dt, method=solver.method, sample_every=solver.sample_every)
            self.cost_per_ms = 1.0e-6 / solver.dt * (50.0 if solver.method == "scipy" else 2.0)

        self._apply(
            "solver",
            {"solver": {"method": solver.method, "dt": solver.dt, "sample_every": solver.sample_every}},
            change,
        )

    def nudge_current(self, delta: float) -> Stimulus:
        """Change the injected current by ``delta`` uA/cm^2 (a clamp level by ``delta`` mV)."""
        stimulus = nudge_stimulus(self.experiment.stimulus, delta)
        self.set_stimulus(stimulus)
        return stimulus

    def _samples_kept(self) -> int:
        """Time points the recording keeps: :attr:`max_values` shared among the neurons."""
        return max(1, self.max_values // max(1, self.sim.population))

    def load(self, experiment: Experiment) -> None:
        """Start over with another experiment (a preset)."""
        experiment, self.population_note = one_neuron(experiment)
        self.experiment = experiment
        self.initial = experiment
        self.sim = experiment.simulation()
        self.cost_per_ms = 1.0e-6 / self.sim.dt * 2.0
        self.recording = Recording(self._samples_kept())
        self._restart()

    def reset(self) -> None:
        """Back to rest at t = 0 with the current parameters; the recording starts over."""
        if self.busy:
            self._pending.append(self.reset)
            return
        self.initial = self.experiment
        self._restart()

    def _restart(self) -> None:
        self.sim.reset()
        self.recording.clear()
        self.recording.append(self.sim.snapshot())
        self.changes = []
        self.warning = None
        self._spikes.clear()
        self._owed = 0.0
        self._dropped_seen = False
        self.version += 1

    # --- windows and export ---------------------------------------------------------------------------
    def window(self, window_ms: float) -> Samples:
        """The recorded samples of the last ``window_ms``."""
        return self.recording.tail(window_ms)

    def export_payload(self) -> tuple[dict[str, np.ndarray], dict[str, Any], dict[str, Any]]:
        """(CSV columns, experiment dict, extra sidecar fields) of everything recorded.

        The sidecar's experiment is the one the run started from (at the last reset) with
        ``t_stop`` set to the simulated time now, so ``hhtui run --config`` reproduces the file
        when no parameter was changed along the way (``reproducible`` says whether that holds;
        ``live_changes`` lists every change with its time).
        """
        if self.t <= 0.0:
            raise ParameterError("nothing to export yet: run or step the simulation first")
        samples = self.recording.samples()
        # An experiment's t_stop has an upper limit; a live run goes on past it. The file then
        # holds the end of the run, and the sidecar's experiment stops at the limit.
        t_now = round(self.t, 9)
        t_stop = min(t_now, MAX_T_STOP)
        experiment = self.initial.replace(t_stop=t_stop)
        extra = {
            "source": "live run",
            "simulated_to_ms": t_now,
            "recorded_from_ms": float(samples.t[0]),
            "recorded_to_ms": float(samples.t[-1]),
            "dropped_samples": int(self.recording.dropped),
            "live_changes": list(self.changes),
            "reproducible": not self.changes and self.recording.dropped == 0 and t_now <= MAX_T_STOP,
            "final_experiment": self.experiment.replace(t_stop=t_stop).to_dict(),
        }
        if t_now > MAX_T_STOP:
            extra["t_stop_note"] = (
                f"the run went on to {t_now:g} ms, past the longest t_stop an experiment "
                f"takes ({MAX_T_STOP:g} ms): the experiment here stops there"
            )
        return samples.columns(0), experiment.to_dict(), extra
