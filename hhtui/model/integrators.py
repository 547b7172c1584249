"""Integrators of the Hodgkin-Huxley membrane behind one step-function signature.

Methods (``METHODS``):

- ``euler``: forward Euler. First order; unstable at large dt (kept for teaching).
- ``rk4``: classical 4th-order Runge-Kutta (the default: at dt 0.01 ms it matches a tight
  reference to ~1e-4 ms in spike times).
- ``expeuler``: exponential Euler (Rush-Larsen, as NEURON's ``cnexp`` and Brian2's default):
  every variable is linear in itself once the others are frozen at the start of the step, so
  each gate relaxes exactly towards x_inf(V) with tau_x(V), and V towards the voltage where the
  ionic and injected currents balance, with tau = C_m / g_total. First order, but stable at
  dt = 0.1 ms.
- ``scipy``: adaptive ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-10) as a reference.

All fixed-step methods share :func:`step`, whose signature is
``step(method, v, m, h, n, i_start, i_mid, i_end, dt, params) -> (v, m, h, n)`` with the
injected current (uA/cm^2) at the start, middle and end of the step. :func:`integrate` runs the
step over a piece of the stimulus for a whole population, stepping exactly onto the time grid
k*dt, recording every ``stride`` grid points, detecting upward threshold crossings and stopping
a neuron at its first non-finite or out-of-range voltage.

``params`` is :meth:`Membrane.as_array`: c_m, g_na, g_k, g_l, e_na, e_k, e_l, phi, h active.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ._jit import njit, prange, renamed
from .channels import rates, relax_gates
from .solver import DEFAULT_METHOD, METHOD_DESCRIPTIONS, METHODS  # noqa: F401  (re-exported)

#: How far outside [0, 1] a gate may stray (rounding of a stable method) before the step counts as unstable.
GATE_SLACK = 1e-3



@njit
def derivatives(v: float, m: float, h: float, n: float, i_ext: float, p: NDArray[np.float64]) -> tuple[float, float, float, float]:
    """dV/dt (mV/ms) and dm/dt, dh/dt, dn/dt (1/ms) for injected current ``i_ext`` (uA/cm^2)."""
    a_m, b_m, a_h, b_h, a_n, b_n = rates(v, p[7])
    n2 = n * n
    i_ion = p[1] * m * m * m * h * (v - p[4]) + p[2] * n2 * n2 * (v - p[5]) + p[3] * (v - p[6])
    return (
        (i_ext - i_ion) / p[0],
        a_m * (1.0 - m) - b_m * m,
        (a_h * (1.0 - h) - b_h * h) * p[8],
        a_n * (1.0 - n) - b_n * n,
    )


@njit
def step(method: int, v: float, m: float, h: float, n: float, i_start: float, i_mid: float, i_end: float,
         dt: float, p: NDArray[np.float64]) -> tuple[float, float, float, float]:
    """Advance one neuron by ``dt`` ms with the given method (see module docstring)."""
    if method == 1:
        k1v, k1m, k1h, k1n = derivatives(v, m, h, n, i_start, p)
        half = 0.5 * dt
        k2v, k2m, k2h, k2n = derivatives(v + half * k1v, m + half * k1m, h + half * k1h, n + half * k1n, i_mid, p)
        k3v, k3m, k3h, k3n = derivatives(v + half * k2v, m + half * k2m, h + half * k2h, n + half * k2n, i_mid, p)
        k4v, k4m, k4h, k4n = derivatives(v + dt * k3v, m + dt * k3m, h + dt * k3h, n + dt * k3n, i_end, p)
        sixth = dt / 6.0
        return (
            v + sixth * (k1v + 2.0 * (k2v + k3v) + k4v),
            m + sixth * (k1m + 2.0 * (k2m + k3m) + k4m),
            h + sixth * (k1h + 2.0 * (k2h + k3h) + k4h),
            n + sixth * (k1n + 2.0 * (k2n + k3n) + k4n),
        )
    if method == 2:
        # V is linear in itself for fixed gates: it relaxes towards v_inf with tau = C_m / g_total.
        g_na = p[1] * m * m * m * h
        g_k = p[2] * n * n * n * n
        g_total = g_na + g_k + p[3]
        if g_total > 1e-12:
            v_inf = (i_start + g_na * p[4] + g_k * p[5] + p[3] * p[6]) / g_total
            v_new = v_inf + (v - v_inf) * math.exp(-dt * g_total / p[0])
        else:
            v_new = v + dt * i_start / p[0]
        m_new, h_new, n_new = relax_gates(v, m, h, n, dt, p[7], p[8] != 0.0)
        return v_new, m_new, h_new, n_new
    dv, dm, dh, dn = derivatives(v, m, h, n, i_start, p)
    return v + dt * dv, m + dt * dm, h + dt * dh, n + dt * dn


def _integrate(method: int, state: NDArray[np.float64], p: NDArray[np.float64],
               i_value: NDArray[np.float64], i_slope: NDArray[np.float64], t_piece: float,
               t_from: float, t_to: float, dt: float, k_next: int, stride: int,
               record: NDArray[np.float64], record_offset: int,
               spike_time: NDArray[np.float64], spike_n: NDArray[np.int64],
               threshold: float, v_limit: float, fail_time: NDArray[np.float64]) -> None:
    """Integrate the population ``state`` (4, N: V, m, h, n) from ``t_from`` to ``t_to`` (ms).

    The injected current of neuron i is ``i_value[i] + i_slope[i] * (t - t_piece)``. Steps land
    on every grid point k*dt (``k_next`` is the index of the first one after ``t_from``); at grid
    points with k % stride == 0 (stride > 0) the state is written to ``record[:, i, j]``, j
    counting from ``record_offset``. Upward crossings of ``threshold`` (mV) are interpolated
    linearly into ``spike_time[i, spike_n[i]]`` while there is room (``spike_n`` counts them all).

    Each neuron runs its own loop (no synchronisation between neurons, so the population loop can
    be spread over cores). A neuron whose voltage leaves +/-``v_limit``, whose gates leave [0, 1]
    by more than GATE_SLACK (an explicit method losing stability, e.g. at strong hyperpolarisation
    where tau_m is microseconds), or whose state becomes non-finite stops at its last good step,
    and the time of that step is written to ``fail_time[i]``.
    """
    population = state.shape[1]
    tolerance = 1e-9 * dt
    spike_capacity = spike_time.shape[1]
    for i in prange(population):
        v = state[0, i]
        m = state[1, i]
        h = state[2, i]
        n = state[3, i]
        t = t_from
        k = k_next
        j = record_offset
        while t < t_to - tolerance:
            t_grid = k * dt
            on_grid = t_grid <= t_to + tolerance
            target = t_grid if on_grid else t_to
            h_step = target - t
            i_start = i_value[i] + i_slope[i] * (t - t_piece)
            i_end = i_value[i] + i_slope[i] * (target - t_piece)
            v_new, m_new, h_new, n_new = step(method, v, m, h, n, i_start, 0.5 * (i_start + i_end), i_end, h_step, p)
            if not (abs(v_new) <= v_limit and -GATE_SLACK <= m_new <= 1.0 + GATE_SLACK
                    and -GATE_SLACK <= h_new <= 1.0 + GATE_SLACK and -GATE_SLACK <= n_new <= 1.0 + GATE_SLACK):
                fail_time[i] = t
                break
            if v < threshold <= v_new:
                if spike_n[i] < spike_capacity:
                    spike_time[i, spike_n[i]] = t + h_step * (threshold - v) / (v_new - v)
                spike_n[i] += 1
            v = v_new
            m = m_new
            h = h_new
            n = n_new
            if on_grid:
                t = t_grid
                if stride > 0 and k % stride == 0:
                    record[0, i, j] = v
                    record[1, i, j] = m
                    record[2, i, j] = h
                    record[3, i, j] = n
                    j += 1
                k += 1
            else:
                t = target
        state[0, i] = v
        state[1, i] = m
        state[2, i] = h
        state[3, i] = n


#: The same loop compiled twice: serially (one neuron, small populations, no threading
#: overhead per step) and with the population loop spread over the cores.
integrate = njit(_integrate)
integrate_parallel = njit(renamed(_integrate, "_integrate_parallel"), parallel=True)
PARALLEL_MIN_POPULATION = 64


def reference_solution(p: NDArray[np.float64], state: NDArray[np.float64], i_value: NDArray[np.float64],
                       i_slope: NDArray[np.float64], t_piece: float, t_from: float, t_to: float,
                       t_eval: NDArray[np.float64], rtol: float = 1e-10, atol: float = 1e-10):
    """Adaptive reference (scipy ``solve_ivp``, DOP853) over one stimulus piece for a population.

    Returns (state at t_to (4, N), states at ``t_eval`` (4, N, len(t_eval)), dense solution).
    scipy is imported here, lazily, so that nothing else pays for it.
    """
    from scipy.integrate import solve_ivp

    population = state.shape[1]

    def rhs(t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty_like(y)
        for i in range(population):
            current = i_value[i] + i_slope[i] * (t - t_piece)
            out[4 * i:4 * i + 4] = derivatives(y[4 * i], y[4 * i + 1], y[4 * i + 2], y[4 * i + 3], current, p)
        return out

    y0 = state.T.reshape(-1).copy()
    solution = solve_ivp(rhs, (t_from, t_to), y0, method="DOP853", rtol=rtol, atol=atol, dense_output=True)
    if not solution.success:
        raise RuntimeError(f"reference solver failed: {solution.message}")
    end = solution.sol(t_to).reshape(population, 4).T.copy()
    at = solution.sol(t_eval).reshape(population, 4, -1).transpose(1, 0, 2) if len(t_eval) else np.empty((4, population, 0))
    return end, at, solution.sol
