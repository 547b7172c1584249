"""What integrates a run between stimulus edges: one interface for every method and for the
voltage clamp, so that :meth:`Simulation.advance` is a single loop whatever the method.

Each integrator is called with one :class:`hhtui.model.job.Job` (the state, the membrane, the
stimulus pieces, the grid, the recording, the spike and blow-up buffers), advancing its state
(4, N) through the pieces [bounds[s], bounds[s+1]] with the protocol ``value[s] + slope[s] (t -
origin[s])`` (see :mod:`hhtui.model.pieces`), writing the state at the grid points k*dt with
k % stride == 0 into its recording, the upward crossings of the threshold into its spike
buffers, and the time of a blow-up into ``fail_time``. They are (:func:`integrator_for`):

- the fixed-step methods: the compiled kernel, serial or parallel over blocks of neurons;
- the adaptive reference (``scipy``): :func:`reference_integrate`, scipy's ``solve_ivp`` over
  each piece, its dense output sampled on the grid and its crossings found by root finding;
- the voltage clamp: :func:`clamp_integrate`, V held at the command and each gate relaxing
  exactly (:func:`hhtui.model.channels.relax_gates`) at that voltage.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ._jit import entry
from .channels import relax_gates
from .integrators import (
    BLOCK,
    PARALLEL_MIN_POPULATION,
    block_size,
    integrate,
    integrate_parallel,
    reference_solution,
    state_ok,
)
from .integrators import _state_ok as state_ok_python
from .job import KERNEL_ARGS, Job
from .pieces import TIME_TOLERANCE, record_times, substep_end
from .solver import REGISTRY

Integrator = Callable[[Job, int], None]


def _clamp_integrate(job: Job) -> None:
    """Voltage clamp: in piece s, V is the command ``job.value[s, i]`` (mV) and the gates relax
    exactly towards their steady state at it, step by step on the grid (the clamp makes no
    spikes; the method, the slope and the threshold are unused)."""
    state = job.state
    p = job.params
    bounds = job.bounds
    dt = job.dt
    record = job.record
    fail_time = job.fail_time
    population = state.shape[1]
    tolerance = TIME_TOLERANCE * dt
    inactivating = p[8] != 0.0
    j = job.record_offset
    t = bounds[0]
    t_stop = bounds[bounds.shape[0] - 1]
    k = int(math.floor(t / dt + job.grid_tolerance)) + 1
    s = 0
    while t < t_stop - tolerance:
        t_grid = k * dt
        on_grid = t_grid <= t_stop + tolerance
        end, s = substep_end(t, t_grid if on_grid else t_stop, bounds, s, tolerance)
        h_step = end - t
        for i in range(population):
            command = job.value[s, i]
            m, h, n = relax_gates(command, state[1, i], state[2, i], state[3, i], h_step, p[7], inactivating)
            if not state_ok(command, m, h, n, job.v_limit):
                if fail_time[i] == np.inf:
                    fail_time[i] = t
                continue
            state[0, i] = command
            state[1, i] = m
            state[2, i] = h
            state[3, i] = n
        t = end
        if on_grid and end >= t_grid - tolerance:
            t = t_grid
            if job.stride > 0 and k % job.stride == 0:
                for i in range(population):
                    for row in range(4):
                        record[row, i, j] = state[row, i]
                j += 1
            k += 1


_clamp_kernel = entry(_clamp_integrate, KERNEL_ARGS, packed=Job)


def clamp_integrate(job: Job, block: int = BLOCK) -> None:
    """The voltage clamp (:func:`_clamp_integrate`); ``block`` is unused (one loop over the neurons)."""
    _clamp_kernel(job)


def reference_integrate(job: Job, block: int = BLOCK) -> None:
    """The adaptive reference: scipy ``solve_ivp`` (DOP853, rtol 1e-10) over each piece, sampled
    at the recorded grid points; each crossing is bracketed on a grid of about dt and found to
    1e-12 ms by root finding on the dense solution. A failed solve, or a state that fails the
    blow-up test, stops the neurons at the start of the piece (``block`` is unused). scipy is
    imported here, lazily."""
    from scipy.optimize import brentq

    state, p, bounds, value, slope = job.state, job.params, job.bounds, job.value, job.slope
    dt, grid_tolerance, threshold, v_limit = job.dt, job.grid_tolerance, job.threshold, job.v_limit
    record, spike_time, spike_n, fail_time = job.record, job.spike_time, job.spike_n, job.fail_time
    population = state.shape[1]
    times = record_times(float(bounds[0]), float(bounds[-1]), dt, job.stride)
    capacity = spike_time.shape[1]
    for s in range(bounds.shape[0] - 1):
        t_a, t_b = float(bounds[s]), float(bounds[s + 1])
        if not t_b > t_a:
            continue
        inside = np.nonzero((times > t_a + grid_tolerance * dt) & (times <= t_b + grid_tolerance * dt))[0]
        try:
            end, at, dense = reference_solution(
                p, state, value[s], slope[s], float(job.origin[s]), t_a, t_b, times[inside]
            )
        except RuntimeError:
            fail_time[:] = np.minimum(fail_time, t_a)
            return
        if not all(state_ok_python(end[0, i], end[1, i], end[2, i], end[3, i], v_limit) for i in range(population)):
            fail_time[:] = np.minimum(fail_time, t_a)
            return
        if inside.size:
            record[:, :, job.record_offset + inside] = at
        fine = np.linspace(t_a, t_b, max(2, int(math.ceil((t_b - t_a) / dt)) + 1))
        voltages = dense(fine).reshape(population, 4, -1)[:, 0, :]
        for i in range(population):
            v = voltages[i]
            for c in np.nonzero((v[:-1] < threshold) & (v[1:] >= threshold))[0]:

                def above(t: float, i: int = i, dense: Any = dense) -> float:
                    return float(dense(t)[4 * i]) - threshold

                if spike_n[i] < capacity:
                    spike_time[i, spike_n[i]] = brentq(above, fine[c], fine[c + 1], xtol=1e-12)
                spike_n[i] += 1
        state[:] = end


def integrator_for(method: str, clamp: bool, population: int) -> tuple[Integrator, int, int]:
    """(integrator, method code, block size) for a run of ``population`` neurons with ``method``
    (a name in :data:`REGISTRY`), or under voltage clamp whatever the method. The integrator is
    called as ``integrator(job, block)``."""
    entry = REGISTRY[method]
    if clamp:
        return clamp_integrate, entry.kernel, BLOCK
    if not entry.fixed_step:
        return reference_integrate, entry.kernel, BLOCK
    if population >= PARALLEL_MIN_POPULATION:
        return integrate_parallel, entry.kernel, block_size(population, os.cpu_count() or 1)
    return integrate, entry.kernel, BLOCK
