"""An independent reference: the HH equations written out literally, solved by scipy at tight tolerance."""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import solve_ivp


def _safe(x: float, y: float) -> float:
    return y if abs(x) < 1e-12 else x / (math.exp(x / y) - 1.0)


def hh_rhs(
    t: float, y: np.ndarray, current, temperature: float = 6.3, g_na: float = 120.0, g_k: float = 36.0
) -> list[float]:
    v, m, h, n = y
    phi = 3.0 ** ((temperature - 6.3) / 10.0)
    a_m = phi * 0.1 * _safe(-(v + 40.0), 10.0)
    b_m = phi * 4.0 * math.exp(-(v + 65.0) / 18.0)
    a_h = phi * 0.07 * math.exp(-(v + 65.0) / 20.0)
    b_h = phi / (1.0 + math.exp(-(v + 35.0) / 10.0))
    a_n = phi * 0.01 * _safe(-(v + 55.0), 10.0)
    b_n = phi * 0.125 * math.exp(-(v + 65.0) / 80.0)
    i_ion = g_na * m**3 * h * (v - 50.0) + g_k * n**4 * (v + 77.0) + 0.3 * (v + 54.387)
    return [current(t) - i_ion, a_m * (1 - m) - b_m * m, a_h * (1 - h) - b_h * h, a_n * (1 - n) - b_n * n]


def reference_run(y0, current, edges: list[float], t_stop: float, t_eval: np.ndarray, **kwargs):
    """Integrate piece by piece between stimulus edges (DOP853, rtol = atol = 1e-10); return V at
    ``t_eval`` (ms) and the upward 0 mV crossing times located by scipy's event finder."""
    bounds = [0.0] + [e for e in edges if 0.0 < e < t_stop] + [t_stop]
    y = np.asarray(y0, dtype=float)
    voltages, spikes = [], []

    def crossing(t, y):
        return y[0]

    crossing.direction = 1.0
    for a, b in zip(bounds[:-1], bounds[1:]):
        inside = t_eval[(t_eval > a) & (t_eval <= b)] if a > 0 else t_eval[(t_eval >= a) & (t_eval <= b)]
        level = current(0.5 * (a + b))  # the current is constant within a piece
        solution = solve_ivp(
            lambda t, y, level=level: hh_rhs(t, y, lambda _t: level, **kwargs),
            (a, b),
            y,
            method="DOP853",
            rtol=1e-10,
            atol=1e-10,
            t_eval=inside,
            events=crossing,
            dense_output=True,
        )
        voltages.append(solution.y[0])
        spikes.extend(solution.t_events[0].tolist())
        y = solution.sol(b)
    return np.concatenate(voltages), np.array(spikes)
