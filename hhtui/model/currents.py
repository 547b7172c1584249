"""The membrane's conductances, ionic currents and resting state: one implementation for every
path (the compiled steps of the point neuron, the population, the cable and the network, the
recorded samples, the teaching views and the starting state of every run).

    g_Na = g_Na,max m^3 h          I_Na = g_Na (V - E_Na)
    g_K  = g_K,max n^4             I_K  = g_K (V - E_K)
                                   I_L  = g_L (V - E_L)

Voltages in mV, conductances in mS/cm^2, currents in uA/cm^2 (outward positive). ``p`` is
:meth:`Membrane.as_array`: c_m, g_na, g_k, g_l, e_na, e_k, e_l, phi, h active.

:func:`conductances` and :func:`ionic_currents` are plain arithmetic, so the same source serves
floats inside the compiled kernels (the ``*_kernel`` versions, inlined by the compiler) and numpy
arrays of any shape outside them (a recorded state (N, T), a phase-plane grid).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._jit import entry, njit
from .channels import steady_states
from .membrane import Membrane

#: Voltages (mV) scanned for the resting potential before refining by bisection.
REST_SCAN = (-150.0, 100.0, 1001)
#: Membranes (and voltages) whose resting state is remembered.
REST_CACHE_SIZE = 256


def conductances(m: Any, h: Any, n: Any, p: Any) -> tuple[Any, Any]:
    """(g_Na, g_K) in mS/cm^2 for gates m, h, n (floats or arrays of one shape)."""
    n2 = n * n
    return (p[1] * h) * (m * m * m), p[2] * (n2 * n2)


def ionic_currents(v: Any, m: Any, h: Any, n: Any, p: Any) -> tuple[Any, Any, Any]:
    """(I_Na, I_K, I_L) in uA/cm^2 at voltage ``v`` (mV) for gates m, h, n.

    Grouped so that the gates, which depend on the previous stage of a step, enter last (a
    shorter chain of dependent operations inside the compiled steps)."""
    n2 = n * n
    return (
        (p[1] * h * (v - p[4])) * (m * m * m),
        (p[2] * (v - p[5])) * (n2 * n2),
        p[3] * (v - p[6]),
    )


conductances_kernel = njit(conductances, numpy_errors=True)
ionic_currents_kernel = njit(ionic_currents, numpy_errors=True)

#: Rows of a recorded block (:func:`fill_currents`): the state, the injected current, the ionic
#: currents, the conductances and, under voltage clamp, the clamp current.
BLOCK_ROWS = ("V", "m", "h", "n", "I_stim", "I_Na", "I_K", "I_L", "g_Na", "g_K", "I_clamp")


def _fill_currents(block: NDArray[np.float64], p: NDArray[np.float64]) -> None:
    """Rows 5-9 of ``block`` (rows as :data:`BLOCK_ROWS`, shape (10 or 11, N, T)): I_Na, I_K, I_L
    (uA/cm^2) and g_Na, g_K (mS/cm^2) from the state in rows 0-3 (V in mV, m, h, n); with an 11th
    row, the clamp current I_Na + I_K + I_L there too. The same operations as :func:`ionic_currents`
    and :func:`conductances` on arrays, so the same numbers to the last bit."""
    clamp = block.shape[0] > 10
    for i in range(block.shape[1]):
        for j in range(block.shape[2]):
            v = block[0, i, j]
            m = block[1, i, j]
            h = block[2, i, j]
            n = block[3, i, j]
            i_na, i_k, i_l = ionic_currents_kernel(v, m, h, n, p)
            g_na, g_k = conductances_kernel(m, h, n, p)
            block[5, i, j] = i_na
            block[6, i, j] = i_k
            block[7, i, j] = i_l
            block[8, i, j] = g_na
            block[9, i, j] = g_k
            if clamp:
                block[10, i, j] = i_na + i_k + i_l


fill_currents = entry(_fill_currents, "f8[:, :, :] f8[:]")


def _steady_gates(voltage: NDArray[np.float64], membrane: Membrane) -> tuple[Any, Any, Any]:
    gates = steady_states(voltage, membrane.temperature)
    h = gates["h"] if membrane.inactivation else np.ones_like(voltage)
    return gates["m"], h, gates["n"]


def resting_potential(membrane: Membrane, injected_current: float = 0.0) -> float:
    """Steady-state voltage (mV) where the ionic current with gates at steady state equals the
    injected current (uA/cm^2); the lowest such voltage if there are several (E_L clipped to the
    scanned range if there is none). Found once per membrane and current (a scan and a
    bisection), then remembered."""
    return _resting_potential(membrane, float(injected_current))


@functools.lru_cache(maxsize=REST_CACHE_SIZE)
def _resting_potential(membrane: Membrane, injected_current: float) -> float:
    p = membrane.as_array()

    def net_current(v: NDArray[np.float64]) -> NDArray[np.float64]:
        i_na, i_k, i_l = ionic_currents(v, *_steady_gates(v, membrane), p)
        return i_na + i_k + i_l - injected_current

    low_v, high_v, points = REST_SCAN
    voltages = np.linspace(low_v, high_v, points)
    current = net_current(voltages)
    crossings = np.nonzero((current[:-1] <= 0.0) & (current[1:] > 0.0))[0]
    if crossings.size == 0:
        return float(np.clip(membrane.e_l, low_v, high_v))
    low, high = voltages[crossings[0]], voltages[crossings[0] + 1]
    for _ in range(60):
        middle = 0.5 * (low + high)
        if net_current(np.array([middle]))[0] <= 0.0:
            low = middle
        else:
            high = middle
    return float(0.5 * (low + high))


def rest_state(membrane: Membrane, voltage: float | None = None) -> NDArray[np.float64]:
    """The state (V, m, h, n), shape (4,), with every gate at its steady state for ``voltage``
    (mV; default: the resting potential) and h = 1 without inactivation (a new array each call;
    the values are remembered per membrane and voltage)."""
    v = resting_potential(membrane) if voltage is None else float(voltage)
    return np.array(_rest_state(membrane, v), dtype=np.float64)


@functools.lru_cache(maxsize=REST_CACHE_SIZE)
def _rest_state(membrane: Membrane, v: float) -> tuple[float, float, float, float]:
    m, h, n = _steady_gates(np.array([v]), membrane)
    return v, float(m[0]), float(h[0]), float(n[0])
