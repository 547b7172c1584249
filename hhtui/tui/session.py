"""The live run behind the app: a :class:`Simulation` advanced in chunks, recorded, changed live.

This module holds no Textual code, so the whole logic of a live run can be tested without a
terminal. The app owns one :class:`LiveRun` and, on every timer tick, asks it how much simulated
time to advance (:meth:`LiveRun.plan`), integrates that chunk (:meth:`LiveRun.compute`, which may
run in a worker thread: the kernels release the GIL) and hands the result back on the event loop
(:meth:`LiveRun.accept`).

Parameter changes made while a chunk is being computed in a worker are queued and applied, in
order, as soon as the chunk is accepted, so they act "from the current state on" and never race
the integrator. Each is logged with its time (a :class:`~hhtui.model.schedule.Change`, applied
at the end of a chunk, a point of the time grid), so the export's sidecar holds the experiment as
it started plus the schedule of every change: ``hhtui run --config`` replays it sample for
sample. An experiment that comes with a schedule (the sidecar of such a run) plays it as the
run reaches each change. A change made before any time has been simulated restarts the run from
the new rest (it sets the experiment up rather than changing it).

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
from hhtui.model.schedule import MEMBRANE_CHANGES, Change

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
        #: The parameters in force now (no schedule: see :attr:`initial` for that).
        self.experiment = experiment.replace(schedule=())
        #: The experiment as the run started (at the last reset), with its schedule.
        self.initial = experiment
        self.sim: Simulation = experiment.simulation()
        self.max_values = int(max_samples)
        self.recording = Recording(self._samples_kept())
        #: Set when the schedule has changed :attr:`experiment` (a scheduled change, or a reset
        #: that plays a schedule again from its start), so the panel shows it; the app clears it.
        self.schedule_applied = False
        #: Times (ms) where the integration blew up since the last reset.
        self.blowups: list[float] = []
        self._seen_log = 0
        self._changed_live = False
        self._methods: set[str] = {self.sim.method}
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
    def changes(self) -> list[Change]:
        """Every change made since the last reset, live or scheduled, in order (t in ms)."""
        return list(self.sim.log)

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
        duration = self._clip(self._grid_end(steps) - self.t)
        self._owed = max(0.0, self._owed - duration)
        return duration

    def _clip(self, duration: float) -> float:
        """``duration`` cut short at the next scheduled change, so that chunks end there (and
        on the grid of the dt in force after it), as the chunks of a replay do."""
        t_change = self.sim.next_change_time
        if t_change is not None and self.t < t_change < self.t + duration:
            return t_change - self.t
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
        return self._clip(self._grid_end(steps) - self.t)

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
            self.blowups.append(self.t)
            self.version += 1
        self._follow_schedule()
        if self.recording.dropped and not self._dropped_seen:
            self._dropped_seen = True
            self.dropped_notice = True
        self.busy = False
        pending, self._pending = self._pending, []
        for change in pending:
            change()

    def _follow_schedule(self) -> None:
        """After a chunk: take the parameters scheduled changes have set into :attr:`experiment`."""
        log = self.sim.log
        if len(log) == self._seen_log:
            return
        self._seen_log = len(log)
        self._methods.add(self.sim.method)
        solver = Solver(method=self.sim.method, dt=self.sim.dt, sample_every=self.sim.sample_every)
        current = self.experiment.replace(membrane=self.sim.membrane, stimulus=self.sim.stimulus, solver=solver)
        if current != self.experiment:
            self.experiment = current
            self.schedule_applied = True
            self.version += 1

    def advance(self, duration: float) -> ChunkResult:
        """Compute and record ``duration`` ms on the calling thread."""
        result = self.compute(duration)
        self.accept(result)
        return result

    # --- live changes -------------------------------------------------------------------------------
    def _apply(self, changes: list[Change], update: Callable[[], None]) -> None:
        """Make ``changes`` (their t is ignored: they act now) once no chunk is being computed;
        ``update`` has already set :attr:`experiment` to the parameters they lead to."""
        if not changes:
            return

        def run() -> None:
            if self.t <= 0.0 and not self.sim.log:  # nothing simulated yet: this sets the run up
                self._start_from(self.experiment)
                return
            for change in changes:
                self.sim.change(change)
            self._changed_live = True
            self._seen_log = len(self.sim.log)
            self._methods.add(self.sim.method)
            if self.warning is not None and not self.sim.halted:
                self.warning = None
            self.version += 1

        update()
        if self.busy:
            self._pending.append(run)
        else:
            run()

    def _start_from(self, experiment: Experiment) -> None:
        """Restart at t = 0 from ``experiment``'s parameters, keeping the schedule if it still applies."""
        try:
            self.initial = experiment.replace(schedule=self.initial.schedule)
        except ParameterError:  # the new parameters no longer fit it (e.g. a sampling interval)
            self.initial = experiment.replace(schedule=())
        self._restart()

    def set_membrane(self, membrane: Membrane) -> None:
        """Use ``membrane`` from the current state on."""
        before = self.experiment.membrane
        changes = [
            Change(0.0, name, getattr(membrane, name))
            for name in MEMBRANE_CHANGES
            if getattr(membrane, name) != getattr(before, name)
        ]

        def update() -> None:
            self.experiment = self.experiment.replace(membrane=membrane)

        self._apply(changes, update)

    def set_stimulus(self, stimulus: Stimulus) -> None:
        """Use the protocol ``stimulus`` from the current state on (its times are absolute ms)."""
        if stimulus == self.experiment.stimulus:
            return

        def update() -> None:
            self.experiment = self.experiment.replace(stimulus=stimulus)

        self._apply([Change(0.0, "stimulus", stimulus)], update)

    def set_solver(self, solver: Solver) -> None:
        """Use another method or time step from the current state on."""
        before = self.experiment.solver
        if solver == before:
            return
        differ = [name for name in ("method", "dt", "sample_every") if getattr(solver, name) != getattr(before, name)]
        change = (
            Change(0.0, differ[0], getattr(solver, differ[0])) if len(differ) == 1 else Change(0.0, "solver", solver)
        )

        def update() -> None:
            self.experiment = self.experiment.replace(solver=solver)
            self.cost_per_ms = 1.0e-6 / solver.dt * (50.0 if solver.method == "scipy" else 2.0)

        self._apply([change], update)

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
        self.experiment = experiment.replace(schedule=())
        self.initial = experiment
        self.cost_per_ms = 1.0e-6 / experiment.solver.dt * 2.0
        self.recording = Recording(self._samples_kept())
        self._restart()

    def reset(self) -> None:
        """Back to rest at t = 0 with the current parameters; the recording starts over.

        A run nobody has changed starts again as it began, its schedule included (a replay
        plays again). Once a change has been made live, the run starts over from the parameters
        now in force, without a schedule (it was written for the parameters the run began with)."""
        if self.busy:
            self._pending.append(self.reset)
            return
        if self._changed_live:
            self.initial = self.experiment
        self._restart()

    def _restart(self) -> None:
        before = self.experiment
        self.sim = self.initial.simulation()
        self.experiment = self.initial.replace(schedule=())
        now = self.experiment
        moved = (now.membrane, now.stimulus, now.solver) != (before.membrane, before.stimulus, before.solver)
        self.schedule_applied = self.schedule_applied or (bool(self.initial.schedule) and moved)
        self._seen_log = 0
        self._changed_live = False
        self._methods = {self.sim.method}
        self.blowups = []
        self.recording.clear()
        self.recording.append(self.sim.snapshot())
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
        ``t_stop`` set to the simulated time now and the schedule of every change made since,
        so ``hhtui run --config`` replays the file sample for sample. ``reproducible`` says
        whether that holds; when it does not, ``replay_note`` says why in one line.
        """
        if self.t <= 0.0:
            raise ParameterError("nothing to export yet: run or step the simulation first")
        samples = self.recording.samples()
        # An experiment's t_stop has an upper limit; a live run goes on past it. The file then
        # holds the end of the run, and the sidecar's experiment stops at the limit.
        t_now = round(self.t, 9)
        t_stop = min(t_now, MAX_T_STOP)
        schedule = tuple(change for change in self.sim.log if change.t <= MAX_T_STOP)
        experiment = self.initial.replace(t_stop=t_stop, schedule=schedule)
        reasons = self.replay_limits(t_now)
        extra: dict[str, Any] = {
            "source": "live run",
            "simulated_to_ms": t_now,
            "recorded_from_ms": float(samples.t[0]),
            "recorded_to_ms": float(samples.t[-1]),
            "dropped_samples": int(self.recording.dropped),
            "reproducible": not reasons,
            "final_experiment": self.experiment.replace(t_stop=t_stop).to_dict(),
        }
        if reasons:
            extra["replay_note"] = "; ".join(reasons)
        if t_now > MAX_T_STOP:
            extra["t_stop_note"] = (
                f"the run went on to {t_now:g} ms, past the longest t_stop an experiment "
                f"takes ({MAX_T_STOP:g} ms): the experiment here stops there"
            )
        return samples.columns(0), experiment.to_dict(), extra

    def replay_limits(self, t_now: float | None = None) -> list[str]:
        """Why a replay of the sidecar would not give this run's file sample for sample (empty
        when it would): each reason a short clause."""
        t_now = self.t if t_now is None else t_now
        reasons = []
        if self.blowups:
            reasons.append(
                f"the integration blew up at t = {self.blowups[0]:g} ms; a replay stops there with the same error"
            )
        if "scipy" in self._methods:
            reasons.append(
                "the adaptive 'scipy' method chooses its steps afresh from the start of each chunk the live "
                "run was computed in, and a replay is cut into other chunks: the two agree to the solver's "
                "tolerance (rtol 1e-10; V within about 1e-6 mV), not digit for digit"
            )
        if self.recording.dropped:
            reasons.append(
                f"the oldest {self.recording.dropped:,} samples were dropped (recording limit); a replay "
                "gives them too, and the same numbers after them"
            )
        if t_now > MAX_T_STOP:
            reasons.append(f"the run went past the longest t_stop ({MAX_T_STOP:g} ms); a replay stops there")
        return reasons
