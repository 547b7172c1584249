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

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._jit import njit
from .channels import steady_states
from .membrane import Membrane

#: Voltages (mV) scanned for the resting potential before refining by bisection.
REST_SCAN = (-150.0, 100.0, 1001)


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


def _steady_gates(voltage: NDArray[np.float64], membrane: Membrane) -> tuple[Any, Any, Any]:
    gates = steady_states(voltage, membrane.temperature)
    h = gates["h"] if membrane.inactivation else np.ones_like(voltage)
    return gates["m"], h, gates["n"]


def resting_potential(membrane: Membrane, injected_current: float = 0.0) -> float:
    """Steady-state voltage (mV) where the ionic current with gates at steady state equals the
    injected current (uA/cm^2); the lowest such voltage if there are several (E_L clipped to the
    scanned range if there is none)."""
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
    (mV; default: the resting potential) and h = 1 without inactivation."""
    v = resting_potential(membrane) if voltage is None else float(voltage)
    m, h, n = _steady_gates(np.array([v]), membrane)
    return np.array([v, m[0], h[0], n[0]], dtype=np.float64)
