"""The incremental simulation: state, time and ``advance(duration)``.

    sim = Simulation(Membrane(), Step(amplitude=10))   # at rest, t = 0
    chunk = sim.advance(20.0)                           # samples in (0, 20] ms
    sim.set_membrane(g_na=0.0)                          # TTX, from the current state on
    chunk = sim.advance(20.0)                           # samples in (20, 40] ms

    run = Simulation(Membrane(), Step(amplitude=10)).advance(50.0, include_start=True)  # [0, 50] ms
    sim.set_state(other.state, t=12.5)                  # continue from another run's state

State has a population axis: N neurons (for instance N currents of an F-I sweep) step
together in one compiled loop. Time advances on the grid k*dt; stimulus edges that fall
between grid points are stepped onto exactly (:mod:`hhtui.model.pieces`). Every method, the
scipy reference and the voltage clamp run through the one loop of :meth:`Simulation.advance`,
which hands each batch of stimulus pieces to the method's integrator
(:mod:`hhtui.model.runners`). The starting state is the membrane's rest
(:func:`hhtui.model.currents.rest_state`).

A schedule of timed changes (:mod:`hhtui.model.schedule`) is applied as time reaches each
change: ``advance`` integrates up to the change's time exactly, applies it, and goes on, so a run
advanced in one call and the same run advanced in chunks ending on the grid (with the change made
between two chunks) give the same numbers. :meth:`Simulation.change` makes a change now and logs
it, so :attr:`Simulation.log` is the schedule that replays everything that happened since t = 0.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .currents import fill_currents, rest_state, resting_potential
from .errors import NumericalInstabilityError, ParameterError
from .integrators import CURRENT_ROWS, integrate
from .integrators import _state_ok as state_ok  # the blow-up test, run here without the compiler
from .job import Job
from .membrane import Membrane, check_range
from .pieces import command_voltage, piece_bounds, piece_values, record_grid
from .runners import integrator_for
from .samples import Samples
from .schedule import Change, check_schedule, in_order
from .solver import DEFAULT_METHOD, GRID_TOLERANCE, Solver, check_dt, check_method, sample_stride
from .stimulus import NoStimulus, Stimulus

V_LIMIT = 500.0  # mV: beyond this the integration has blown up
SEGMENT_VALUES = 1 << 20  # stimulus pieces x neurons handed to the kernel at a time (bounds the memory)
WINDOW_PIECES = 1 << 18  # time steps or stimulus pieces whose edges are listed at a time (bounds the memory)
#: Simulated time (ms) a state may be set at: beyond, grid times lose their precision.
MAX_TIME = 1.0e9
#: sys.getrefcount of a block that only the simulation holds (its attribute and the call's argument).
_UNREFERENCED = 2
#: Recorded samples whose injected current is evaluated at a time.
CURRENT_SLICE = 8192

__all__ = ["MAX_TIME", "V_LIMIT", "Simulation", "resting_potential"]


class Simulation:
    """A population of Hodgkin-Huxley membranes advanced in chunks.

    Args:
        membrane: the membrane parameters (default: the 1952 squid axon).
        stimulus: the protocol (current clamp or voltage clamp); per-neuron amplitudes set N.
        dt: time step in ms (default 0.01).
        method: one of the names in ``REGISTRY`` (default ``rk4``).
        sample_every: recording interval in ms, a multiple of dt (default: every step).
        population: number of neurons when the stimulus amplitudes are scalar (default 1).
        v_init: initial voltage in mV (default: the resting potential; under voltage clamp the
            holding potential); the gates start at their steady state for it.
        threshold: spike detection level in mV (upward crossings; default 0).
        schedule: timed changes (:class:`Change`, t in ms) applied as the run reaches them.
    """

    def __init__(
        self,
        membrane: Membrane | None = None,
        stimulus: Stimulus | None = None,
        *,
        dt: float = 0.01,
        method: str = DEFAULT_METHOD,
        sample_every: float | None = None,
        population: int | None = None,
        v_init: float | None = None,
        threshold: float = 0.0,
        schedule: tuple[Change, ...] | list[Change] = (),
    ) -> None:
        self.membrane = membrane if membrane is not None else Membrane()
        self.stimulus = stimulus if stimulus is not None else NoStimulus()
        self.dt = check_dt(dt)
        self.method = check_method(method)
        self.sample_every = sample_every
        self._stride = sample_stride(sample_every, self.dt)
        stim_population = self.stimulus.population
        if population is None:
            population = stim_population
        if isinstance(population, bool) or not isinstance(population, (int, np.integer)) or population < 1:
            raise ParameterError(f"population must be a whole number >= 1, got {population!r}")
        if stim_population not in (1, population):
            raise ParameterError(f"the stimulus describes {stim_population} neurons but the population is {population}")
        self.population = int(population)
        self.v_init = None if v_init is None else check_range("v_init", v_init, "mV", -300.0, 300.0)
        self.threshold = check_range("threshold", threshold, "mV", -300.0, 300.0)
        self.halted_reason: str | None = None
        self.spike_count = np.zeros(self.population, dtype=np.int64)
        self.schedule: tuple[Change, ...] = tuple(in_order(schedule))
        if self.schedule:
            start = Solver(method=self.method, dt=self.dt, sample_every=sample_every)
            check_schedule(self.schedule, self.membrane, self.stimulus, start)
        #: The changes made since t = 0, scheduled or not, in the order they were applied.
        self.log: list[Change] = []
        self._next_change = 0
        self._spare: NDArray[np.float64] | None = None
        self._counting = np.zeros(0)
        self._start = (self.membrane, self.stimulus, self.dt, self.method, self.sample_every)
        self.reset()

    # --- state ---------------------------------------------------------------------------------
    def initial_voltage(self) -> float:
        """Voltage (mV) at which a reset starts."""
        if self.v_init is not None:
            return self.v_init
        if self.stimulus.is_clamp:
            return float(command_voltage(self.stimulus, np.array([0.0]))[0])
        return resting_potential(self.membrane)

    def reset(self) -> None:
        """Back to t = 0 at rest (gates at steady state), spike counts cleared, halt lifted.

        Without a schedule the parameters now in force are kept. With one, the parameters the
        simulation started with come back and the schedule plays again from its start."""
        if self.schedule:
            self.membrane, self.stimulus, self.dt, self.method, self.sample_every = self._start
            self._stride = sample_stride(self.sample_every, self.dt)
        self._next_change = 0
        self.log = []
        self.state = np.repeat(rest_state(self.membrane, self.initial_voltage())[:, None], self.population, axis=1)
        self.t = 0.0
        self.spike_count[:] = 0
        self.halted_reason = None

    def set_state(self, state: Any, t: float | None = None) -> None:
        """Continue from ``state`` at time ``t`` (ms; default: the time now).

        ``state`` holds V (mV), m, h, n: shape (4,) for every neuron alike, or (4, N) one column
        per neuron (for instance ``other.state`` of a run of the same population). It must pass
        the blow-up test (finite, |V| <= V_LIMIT mV, every gate within [0, 1] give or take the
        rounding a stable method makes); without inactivation h is held at 1. The halt after a
        blow-up is lifted; spike counts are kept. Nothing changes if the state is refused.
        """
        try:
            values = np.array(state, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(f"state must be numbers (V, m, h, n), got {type(state).__name__}") from None
        if values.shape == (4,):
            values = np.repeat(values[:, None], self.population, axis=1)
        if values.shape != (4, self.population):
            raise ParameterError(
                f"state must have shape (4,) or (4, {self.population}) (V, m, h, n per neuron), got {values.shape}"
            )
        v, m, h, n = values
        bad = [i for i in range(self.population) if not state_ok(v[i], m[i], h[i], n[i], V_LIMIT)]
        if bad:
            column = values[:, bad[0]]
            where = f" of neuron #{bad[0]}" if self.population > 1 else ""
            raise ParameterError(
                f"state{where} (V {column[0]:g} mV, m {column[1]:g}, h {column[2]:g}, n {column[3]:g}) is not a "
                f"membrane state: V must be finite within +/-{V_LIMIT:g} mV and each gate within [0, 1]"
            )
        new_t = self.t if t is None else check_range("t", t, "ms", 0.0, MAX_TIME)
        if not self.membrane.inactivation:
            values[2] = 1.0
        self.state = values
        self.t = new_t
        self.halted_reason = None

    @property
    def V(self) -> NDArray[np.float64]:
        """Membrane voltage now, mV (N,)."""
        return self.state[0]

    @property
    def halted(self) -> bool:
        """True after a numerical blow-up, until reset or a change of dt, method or parameters."""
        return self.halted_reason is not None

    def snapshot(self) -> Samples:
        """The state now as a single sample."""
        block = np.empty((self._block_rows(), self.population, 1))
        block[:4, :, 0] = self.state
        return self._samples(np.array([self.t]), block)

    # --- live changes ------------------------------------------------------------------------------
    @property
    def next_change_time(self) -> float | None:
        """Time (ms) of the next scheduled change not yet applied, or None."""
        if self._next_change < len(self.schedule):
            return self.schedule[self._next_change].t
        return None

    def change(self, change: Change) -> None:
        """Apply ``change`` now (whatever its ``t``) and log it at the current time."""
        name, value = change.parameter, change.value
        if name == "stimulus":
            self.set_stimulus(value)
        elif name == "solver":
            self.set_solver(dt=value.dt, method=value.method, sample_every=value.sample_every)
        elif name in ("dt", "method", "sample_every"):
            self.set_solver(**{name: value})
        else:
            self.set_membrane(**{name: value})
        self.log.append(change if change.t == self.t else Change(self.t, name, value))

    def _apply_due(self) -> None:
        """Apply the scheduled changes whose time has come (t <= now)."""
        while self._next_change < len(self.schedule):
            change = self.schedule[self._next_change]
            if change.t > self.t + GRID_TOLERANCE * self.dt:
                return
            self._next_change += 1
            self.change(change)

    def set_membrane(self, membrane: Membrane | None = None, **changes: Any) -> None:
        """Replace the membrane (or change some of its parameters); acts from the current state on."""
        new = (
            (membrane if membrane is not None else self.membrane).replace(**changes)
            if changes
            else (membrane or self.membrane)
        )
        if not new.inactivation:
            self.state[2] = 1.0
        self.membrane = new
        self.halted_reason = None

    def set_stimulus(self, stimulus: Stimulus) -> None:
        """Replace the protocol; its per-neuron amplitudes must match the population."""
        if stimulus.population not in (1, self.population):
            raise ParameterError(
                f"the stimulus describes {stimulus.population} neurons but the population is {self.population}"
            )
        self.stimulus = stimulus

    def set_solver(
        self,
        dt: float | None = None,
        method: str | None = None,
        sample_every: float | None | Literal["keep"] = "keep",
    ) -> None:
        """Change the time step (ms), method or sampling interval (ms; None: every step; "keep": as it
        is) from the current state on."""
        new_dt = self.dt if dt is None else check_dt(dt)
        new_method = self.method if method is None else check_method(method)
        new_every = self.sample_every if sample_every == "keep" else sample_every
        if isinstance(new_every, str):
            raise ParameterError(f"sample_every must be a number in ms, None or 'keep', got {new_every!r}")
        stride = sample_stride(new_every, new_dt)  # validate before changing anything
        self.dt, self.method, self.sample_every, self._stride = new_dt, new_method, new_every, stride
        self.halted_reason = None

    # --- stepping ------------------------------------------------------------------------------------
    def _snap(self, t: float) -> float:
        k = round(t / self.dt)
        return k * self.dt if abs(k * self.dt - t) <= GRID_TOLERANCE * self.dt else t

    def _next_grid_index(self, t: float) -> int:
        return int(math.floor(t / self.dt + GRID_TOLERANCE)) + 1

    def _block_rows(self) -> int:
        """Rows of a recorded block (:data:`hhtui.model.currents.BLOCK_ROWS`): 11 under voltage clamp."""
        return 11 if self.stimulus.is_clamp else 10

    def _output_block(
        self, first: int, samples: int, start: bool = False
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The times (ms) of the next chunk's ``samples`` recorded grid points, (first + stride *
        j) * dt, preceded with ``start`` by the time now, and a block (rows, N, len(times)) for
        its recording, both views of one buffer: the previous chunk's when nothing refers to it
        any more (the samples made of it were dropped), else new memory. Reusing it spares
        writing to fresh pages, which costs more than the integration itself for a single
        neuron."""
        rows = self._block_rows()
        extra = 1 if start else 0
        size = (samples + extra) * (1 + rows * self.population)
        if self._spare is None or self._spare.size != size or sys.getrefcount(self._spare) > _UNREFERENCED:
            self._spare = np.empty(size)
        if self._counting.size < samples:
            self._counting = np.arange(max(samples, 2 * self._counting.size), dtype=np.float64)
        times = self._spare[: samples + extra]
        if start:
            times[0] = self.t
        grid = times[extra:]
        if self._stride == 1:  # (a multiplication by 1 changes nothing)
            np.add(self._counting[:samples], first, out=grid)
        else:
            np.multiply(self._counting[:samples], self._stride, out=grid)
            grid += first
        grid *= self.dt
        return times, self._spare[samples + extra :].reshape(rows, self.population, samples + extra)

    def _samples(
        self,
        times: NDArray[np.float64],
        block: NDArray[np.float64],
        spike_neuron: NDArray[np.int64] | None = None,
        spike_time: NDArray[np.float64] | None = None,
        currents_filled: bool = False,
    ) -> Samples:
        """Samples at ``times`` (ms) from a block whose rows 0-3 hold the recorded state: the
        injected current, the ionic currents and the conductances are written into its other rows
        under the membrane in force (:func:`hhtui.model.currents.fill_currents`; the currents and
        conductances only if the kernel has not, ``currents_filled``)."""
        if self.stimulus.is_clamp:
            block[4] = 0.0
        else:  # in slices, whose temporaries stay in the cache
            for start in range(0, times.size, CURRENT_SLICE):
                block[4, :, start : start + CURRENT_SLICE] = self.stimulus.current(times[start : start + CURRENT_SLICE])
        if times.size and not currents_filled:
            fill_currents(block, self.membrane.as_array())
        return Samples.from_block(times, block, spike_neuron, spike_time)

    def advance(self, duration: float, record: bool = True, include_start: bool = False) -> Samples:
        """Integrate ``duration`` ms from the current state; return the samples in (t, t + duration]
        (with ``include_start``, in [t, t + duration]: the state before the step comes first, as a
        whole run from t = 0 is recorded).

        Every method and the voltage clamp go through the same loop (:mod:`hhtui.model.runners`):
        the protocol is cut into pieces at its edges, each piece's values handed to the method's
        integrator. Scheduled changes are applied when their time comes (one at the end of the
        span too), each from the state at its time on: the span is integrated in parts that end
        there. With ``record=False`` no state is recorded (for long population sweeps) but
        the spikes are still returned. On a numerical blow-up the state stays at the last good
        step, the simulation halts, and :class:`NumericalInstabilityError` carries the samples so
        far (with the start sample if ``include_start``).
        """
        if self.halted_reason is not None:
            raise NumericalInstabilityError(
                self.halted_reason,
                self.snapshot() if include_start and record else Samples.empty(self.population, self.stimulus.is_clamp),
                self.t,
            )
        duration = check_range("duration", duration, "ms", 0.0, 1.0e9, low_inclusive=False)
        t_to = self._snap(self.t + duration)
        if not self.schedule:  # the state now is the first column of the recording
            return self._advance_to(t_to, record, start=include_start and record)
        start = self.snapshot() if include_start and record else None
        parts: list[Samples] = [] if start is None else [start]
        while True:
            self._apply_due()
            t_next = self.next_change_time
            end = t_to if t_next is None or t_next >= t_to - GRID_TOLERANCE * self.dt else self._snap(t_next)
            try:
                parts.append(self._advance_to(end, record))
            except NumericalInstabilityError as error:
                samples = Samples.concatenate([*parts, error.samples]) if parts else error.samples
                raise NumericalInstabilityError(str(error), samples, error.time_ms) from None
            if end >= t_to:
                break
        self._apply_due()
        return Samples.concatenate(parts) if len(parts) > 1 else parts[0]

    def _advance_to(self, t_to: float, record: bool, start: bool = False) -> Samples:
        """Integrate from now to ``t_to`` (ms) with the parameters in force; see :meth:`advance`.
        With ``start`` the state now is recorded first (as :meth:`snapshot` would give it)."""
        duration = t_to - self.t
        clamp = self.stimulus.is_clamp
        first, count = record_grid(self.t, t_to, self.dt, self._stride) if record else (0, 0)
        times, out = self._output_block(first, count, start)
        extra = 1 if start else 0
        integrator, code, block = integrator_for(self.method, clamp, self.population)
        # a lone neuron's kernel writes the currents and conductances of its recorded states itself
        currents_filled = integrator is integrate and self.population == 1 and out.shape[0] >= CURRENT_ROWS
        if start:
            out[:4, :, 0] = self.state
            if currents_filled:  # the kernel fills the columns after the first
                first_column = np.ascontiguousarray(out[:, :, :1])
                fill_currents(first_column, self.membrane.as_array())
                out[5:, :, 0] = first_column[5:, :, 0]
        recorded = out if currents_filled else out[:4]
        capacity = int(duration / 0.5) + 4
        spike_time = np.empty((self.population, capacity))
        spike_n = np.zeros(self.population, dtype=np.int64)
        fail_time = np.full(self.population, np.inf)
        params = self.membrane.as_array()
        threshold = math.inf if clamp else self.threshold
        stride = self._stride if record else 0
        t_start = self.t
        batch = max(1, SEGMENT_VALUES // self.population)
        for window_from, window_to in self._windows(self.t, t_to):
            bounds = piece_bounds(self.stimulus, window_from, window_to, self.dt)
            for first in range(0, bounds.size - 1, batch):
                last = min(bounds.size - 1, first + batch)
                value, slope, origin = piece_values(self.stimulus, bounds[first : last + 1], self.population)
                offset = int(np.searchsorted(times, bounds[first] + GRID_TOLERANCE * self.dt, side="right"))
                job = Job(
                    code,
                    self.state,
                    params,
                    bounds[first : last + 1],
                    value,
                    slope,
                    origin,
                    self.dt,
                    GRID_TOLERANCE,
                    stride,
                    recorded,
                    offset,
                    spike_time,
                    spike_n,
                    threshold,
                    V_LIMIT,
                    fail_time,
                )
                integrator(job, block)
                if np.isfinite(fail_time).any():
                    self.t = float(fail_time.min())
                    kept = int(np.searchsorted(times, self.t + GRID_TOLERANCE * self.dt, side="right"))
                    self._halt(self.t, np.nonzero(np.isfinite(fail_time))[0])
                    partial = self._samples(
                        times[:kept].copy(),
                        np.ascontiguousarray(out[:, :, :kept]),
                        *self._spikes(spike_time, spike_n, t_start, self.t),
                        currents_filled=currents_filled,
                    )
                    raise NumericalInstabilityError(self.halted_reason or "", partial, self.t)
                self.t = float(bounds[last])
        self.t = t_to
        if clamp:  # V is the command, right-continuous at its steps (the level from the step's own time)
            recorded[0, :, extra:] = command_voltage(self.stimulus, times[extra:])[None, :]
            self.state[0] = float(command_voltage(self.stimulus, np.array([t_to]))[0])
        return self._samples(
            times, out, *self._spikes(spike_time, spike_n, t_start, t_to), currents_filled=currents_filled
        )

    def _windows(self, t_from: float, t_to: float) -> list[tuple[float, float]]:
        """[t_from, t_to] cut at grid points into windows of at most WINDOW_PIECES steps or
        stimulus pieces, so that the pieces of one window fit in memory whatever the protocol."""
        spacing = min(self.dt, self.stimulus.shortest_piece())
        span = WINDOW_PIECES * spacing
        windows = []
        start = t_from
        while start < t_to:
            k = max(self._next_grid_index(start), int(math.floor((start + span) / self.dt)))
            end = k * self.dt
            if end >= t_to - GRID_TOLERANCE * self.dt:
                end = t_to
            windows.append((start, end))
            start = end
        return windows

    def _spikes(
        self, spike_time: NDArray[np.float64], spike_n: NDArray[np.int64], t_from: float, t_to: float
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Per-neuron spike buffers flattened to (neuron, time) pairs in time order; counts added up."""
        if self.population == 1:  # one buffer, already in time order
            times = spike_time[0, : min(int(spike_n[0]), spike_time.shape[1])]
            times = times[times <= t_to]
            self.spike_count[0] += times.size
            return np.zeros(times.size, dtype=np.int64), times
        stored = np.minimum(spike_n, spike_time.shape[1])
        neurons = np.repeat(np.arange(self.population), stored)
        times = spike_time[np.arange(spike_time.shape[1])[None, :] < stored[:, None]]
        keep = times <= t_to
        neurons, times = neurons[keep], times[keep]
        np.add.at(self.spike_count, neurons, 1)
        order = np.argsort(times, kind="stable")
        return neurons[order], times[order]

    def _halt(self, t: float, neurons: NDArray[np.int64] | None = None) -> None:
        advice = {
            "euler": "use a smaller dt (0.01 ms or less) or the 'rk4' or 'expeuler' method",
            "rk4": "use a smaller dt (0.01-0.025 ms) or the 'expeuler' method, which is stable at large dt",
            "expeuler": "use a smaller dt or check the parameters (extreme conductances or temperature)",
        }.get(self.method, "use a smaller dt")
        self.halted_reason = (
            f"numerical blow-up at t = {t:.3f} ms (V left the +/-{V_LIMIT:g} mV range, a gate left [0, 1], "
            "or a value became NaN): "
            f"dt = {self.dt:g} ms is likely too large for method '{self.method}'; {advice}."
        )
        if neurons is not None and self.population > 1:
            self.halted_reason += f" ({neurons.size} of {self.population} neurons blew up, first: #{int(neurons[0])})"
