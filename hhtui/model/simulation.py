"""The incremental simulation: state, time and ``advance(duration)``.

    sim = Simulation(Membrane(), Step(amplitude=10))   # at rest, t = 0
    chunk = sim.advance(20.0)                           # samples in (0, 20] ms
    sim.set_membrane(g_na=0.0)                          # TTX, from the current state on
    chunk = sim.advance(20.0)                           # samples in (20, 40] ms

State has a population axis: N neurons (for instance N currents of an F-I sweep) step
together in one compiled loop. Time advances on the grid k*dt; stimulus edges that fall
between grid points are stepped onto exactly.
"""

from __future__ import annotations

import math
import os
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .channels import steady_states, time_constants
from .errors import NumericalInstabilityError, ParameterError
from .integrators import BLOCK, PARALLEL_MIN_POPULATION, block_size, integrate, integrate_parallel, reference_solution
from .membrane import Membrane, check_range
from .samples import Samples
from .solver import DEFAULT_METHOD, GRID_TOLERANCE, REGISTRY, check_dt, check_method, sample_stride
from .stimulus import NoStimulus, Stimulus, VoltageClamp

V_LIMIT = 500.0  # mV: beyond this the integration has blown up
SEGMENT_VALUES = 1 << 20  # stimulus pieces x neurons handed to the kernel at a time (bounds the memory)
WINDOW_PIECES = 1 << 18  # time steps or stimulus pieces whose edges are listed at a time (bounds the memory)


def resting_potential(membrane: Membrane, injected_current: float = 0.0) -> float:
    """Steady-state voltage (mV) where the ionic current with gates at steady state equals the
    injected current (uA/cm^2); the lowest such voltage if there are several."""
    voltages = np.linspace(-150.0, 100.0, 1001)

    def net_current(v: NDArray[np.float64]) -> NDArray[np.float64]:
        gates = steady_states(v, membrane.temperature)
        h = gates["h"] if membrane.inactivation else 1.0
        return (
            membrane.g_na * gates["m"] ** 3 * h * (v - membrane.e_na)
            + membrane.g_k * gates["n"] ** 4 * (v - membrane.e_k)
            + membrane.g_l * (v - membrane.e_l)
            - injected_current
        )

    current = net_current(voltages)
    crossings = np.nonzero((current[:-1] <= 0.0) & (current[1:] > 0.0))[0]
    if crossings.size == 0:
        return float(np.clip(membrane.e_l, -150.0, 100.0))
    low, high = voltages[crossings[0]], voltages[crossings[0] + 1]
    for _ in range(60):
        middle = 0.5 * (low + high)
        if net_current(np.array([middle]))[0] <= 0.0:
            low = middle
        else:
            high = middle
    return float(0.5 * (low + high))


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
        self.reset()

    # --- state ---------------------------------------------------------------------------------
    def initial_voltage(self) -> float:
        """Voltage (mV) at which a reset starts."""
        if self.v_init is not None:
            return self.v_init
        if self.stimulus.is_clamp:
            return float(self._command(np.array([0.0]))[0])
        return resting_potential(self.membrane)

    def _command(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """The clamp's command voltage (mV) at times ``t`` (ms); only under a voltage clamp."""
        if not isinstance(self.stimulus, VoltageClamp):
            raise TypeError(f"no command voltage: the stimulus is {self.stimulus.kind!r}, not a voltage clamp")
        return self.stimulus.command(t)

    def reset(self) -> None:
        """Back to t = 0 at rest (gates at steady state), spike counts cleared, halt lifted."""
        v0 = self.initial_voltage()
        gates = steady_states(np.array([v0]), self.membrane.temperature)
        self.state = np.empty((4, self.population))
        self.state[0] = v0
        self.state[1] = gates["m"][0]
        self.state[2] = gates["h"][0] if self.membrane.inactivation else 1.0
        self.state[3] = gates["n"][0]
        self.t = 0.0
        self.spike_count[:] = 0
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
        return self._samples(np.array([self.t]), self.state[:, :, None].copy())

    # --- live changes ------------------------------------------------------------------------------
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

    def _record_times(self, t_from: float, t_to: float) -> NDArray[np.float64]:
        first = self._next_grid_index(t_from)
        last = int(math.floor(t_to / self.dt + GRID_TOLERANCE))
        if self._stride <= 0 or last < first:
            return np.zeros(0)
        first_recorded = -(-first // self._stride) * self._stride
        return np.arange(first_recorded, last + 1, self._stride, dtype=np.float64) * self.dt

    def _pieces(self, t_from: float, t_to: float) -> list[tuple[float, float]]:
        edges = sorted({self._snap(e) for e in self.stimulus.edges(t_from, t_to)})
        bounds = [t_from] + [e for e in edges if t_from < e < t_to] + [t_to]
        return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]

    def _samples(
        self,
        times: NDArray[np.float64],
        states: NDArray[np.float64],
        spike_neuron: NDArray[np.int64] | None = None,
        spike_time: NDArray[np.float64] | None = None,
    ) -> Samples:
        current = self.stimulus.current(times) if not self.stimulus.is_clamp else np.zeros((1, times.size))
        current = np.broadcast_to(current, (self.population, times.size)).copy()
        return Samples.from_state(
            times,
            states,
            current,
            self.membrane,
            clamp=self.stimulus.is_clamp,
            spike_neuron=spike_neuron,
            spike_time=spike_time,
        )

    def advance(self, duration: float, record: bool = True) -> Samples:
        """Integrate ``duration`` ms from the current state; return the samples in (t, t + duration].

        With ``record=False`` no state is recorded (for long population sweeps) but the spikes
        are still returned. On a numerical blow-up the state stays at the last good step, the
        simulation halts, and :class:`NumericalInstabilityError` carries the samples so far.
        """
        if self.halted_reason is not None:
            raise NumericalInstabilityError(
                self.halted_reason, Samples.empty(self.population, self.stimulus.is_clamp), self.t
            )
        duration = check_range("duration", duration, "ms", 0.0, 1.0e9, low_inclusive=False)
        t_to = self._snap(self.t + duration)
        if self.stimulus.is_clamp:
            return self._advance_clamp(t_to, record)
        if not REGISTRY[self.method].fixed_step:
            return self._advance_reference(t_to, record)

        times = self._record_times(self.t, t_to) if record else np.zeros(0)
        recorded = np.empty((4, self.population, times.size))
        capacity = int(duration / 0.5) + 4
        spike_time = np.empty((self.population, capacity))
        spike_n = np.zeros(self.population, dtype=np.int64)
        fail_time = np.full(self.population, np.inf)
        params = self.membrane.as_array()
        method = REGISTRY[self.method].kernel
        stride = self._stride if record else 0
        parallel = self.population >= PARALLEL_MIN_POPULATION
        kernel = integrate_parallel if parallel else integrate
        block = block_size(self.population, os.cpu_count() or 1) if parallel else BLOCK
        t_start = self.t
        batch = max(1, SEGMENT_VALUES // self.population)
        for window_from, window_to in self._windows(self.t, t_to):
            bounds = self._bounds(window_from, window_to)
            for first in range(0, bounds.size - 1, batch):
                last = min(bounds.size - 1, first + batch)
                value, slope = self._segment_currents(bounds[first : last + 1])
                offset = int(np.searchsorted(times, bounds[first] + GRID_TOLERANCE * self.dt, side="right"))
                kernel(
                    method,
                    self.state,
                    params,
                    bounds[first : last + 1],
                    value,
                    slope,
                    self.dt,
                    GRID_TOLERANCE,
                    stride,
                    recorded,
                    offset,
                    spike_time,
                    spike_n,
                    self.threshold,
                    V_LIMIT,
                    fail_time,
                    block,
                )
                if np.isfinite(fail_time).any():
                    self.t = float(fail_time.min())
                    kept = int(np.searchsorted(times, self.t + GRID_TOLERANCE * self.dt, side="right"))
                    self._halt(self.t, np.nonzero(np.isfinite(fail_time))[0])
                    partial = self._samples(
                        times[:kept].copy(),
                        recorded[:, :, :kept].copy(),
                        *self._spikes(spike_time, spike_n, t_start, self.t),
                    )
                    raise NumericalInstabilityError(self.halted_reason or "", partial, self.t)
                self.t = float(bounds[last])
        self.t = t_to
        return self._samples(times, recorded, *self._spikes(spike_time, spike_n, t_start, t_to))

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

    def _bounds(self, t_from: float, t_to: float) -> NDArray[np.float64]:
        """t_from, the stimulus edges strictly between (snapped to the grid when within
        GRID_TOLERANCE of it), t_to: the bounds of the pieces integrated one after another (ms)."""
        edges = np.asarray(self.stimulus.edge_times(t_from, t_to), dtype=np.float64)
        if edges.size:
            on_grid = np.round(edges / self.dt) * self.dt
            edges = np.unique(np.where(np.abs(on_grid - edges) <= GRID_TOLERANCE * self.dt, on_grid, edges))
            edges = edges[(edges > t_from) & (edges < t_to)]
        return np.concatenate(([t_from], edges, [t_to]))

    def _segment_currents(self, bounds: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(value at the start, slope) of the injected current in each piece between ``bounds``,
        shape (pieces, population) each (uA/cm^2, uA/cm^2/ms), from the protocol at the pieces' middles."""
        start = bounds[:-1]
        middle = 0.5 * (start + bounds[1:])
        value = self.stimulus.current(middle)
        slope = self.stimulus.slopes(middle)
        value = value - slope * (middle - start)[None, :]
        shape = (self.population, middle.size)
        return (
            np.ascontiguousarray(np.broadcast_to(value, shape).T, dtype=np.float64),
            np.ascontiguousarray(np.broadcast_to(slope, shape).T, dtype=np.float64),
        )

    def _spikes(
        self, spike_time: NDArray[np.float64], spike_n: NDArray[np.int64], t_from: float, t_to: float
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Per-neuron spike buffers flattened to (neuron, time) pairs in time order; counts added up."""
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

    def _advance_clamp(self, t_to: float, record: bool) -> Samples:
        """Voltage clamp: V follows the command; each gate relaxes exactly (exponentially) at that V."""
        times = self._record_times(self.t, t_to) if record else np.zeros(0)
        recorded = np.empty((4, self.population, times.size))
        temperature = self.membrane.temperature
        for t_a, t_b in self._pieces(self.t, t_to):
            command = float(self._command(np.array([0.5 * (t_a + t_b)]))[0])
            x_inf = steady_states(np.array([command]), temperature)
            tau = time_constants(np.array([command]), temperature)
            inside = (times > t_a + GRID_TOLERANCE * self.dt) & (times <= t_b + GRID_TOLERANCE * self.dt)
            elapsed = np.append(times[inside] - t_a, t_b - t_a)
            for row, gate in ((1, "m"), (2, "h"), (3, "n")):
                if gate == "h" and not self.membrane.inactivation:
                    trajectory = np.ones((self.population, elapsed.size))
                else:
                    trajectory = x_inf[gate][0] + (self.state[row][:, None] - x_inf[gate][0]) * np.exp(
                        -elapsed[None, :] / tau[gate][0]
                    )
                recorded[row][:, inside] = trajectory[:, :-1]
                self.state[row] = trajectory[:, -1]
            self.state[0] = command
            self.t = t_b
        recorded[0] = self._command(times)[None, :]
        self.state[0] = float(self._command(np.array([t_to]))[0])
        self.t = t_to
        return self._samples(times, recorded)

    def _advance_reference(self, t_to: float, record: bool) -> Samples:
        """Adaptive scipy reference: solve_ivp over each stimulus piece, sampled on the grid."""
        from scipy.optimize import brentq

        times = self._record_times(self.t, t_to) if record else np.zeros(0)
        recorded = np.empty((4, self.population, times.size))
        params = self.membrane.as_array()
        spikes: list[tuple[int, float]] = []
        for t_a, t_b in self._pieces(self.t, t_to):
            middle = 0.5 * (t_a + t_b)
            value, slope = self.stimulus.piece(middle)
            value = np.broadcast_to(value - slope * (middle - t_a), (self.population,)).astype(np.float64)
            slope = np.broadcast_to(slope, (self.population,)).astype(np.float64)
            inside = (times > t_a + GRID_TOLERANCE * self.dt) & (times <= t_b + GRID_TOLERANCE * self.dt)
            end, at, dense = reference_solution(params, self.state, value, slope, t_a, t_a, t_b, times[inside])
            recorded[:, :, inside] = at
            fine = np.linspace(t_a, t_b, max(2, int(math.ceil((t_b - t_a) / self.dt)) + 1))
            voltages = dense(fine).reshape(self.population, 4, -1)[:, 0, :]
            for neuron in range(self.population):
                v = voltages[neuron]
                for j in np.nonzero((v[:-1] < self.threshold) & (v[1:] >= self.threshold))[0]:

                    def above(t: float, neuron: int = neuron, dense: Any = dense) -> float:
                        return float(dense(t)[4 * neuron]) - self.threshold

                    spikes.append((neuron, brentq(above, fine[j], fine[j + 1], xtol=1e-12)))
                    self.spike_count[neuron] += 1
            self.state[:] = end
            self.t = t_b
        self.t = t_to
        order = sorted(spikes, key=lambda s: s[1])
        return self._samples(
            times, recorded, np.array([s[0] for s in order], dtype=np.int64), np.array([s[1] for s in order])
        )
