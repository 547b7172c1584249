"""Hodgkin-Huxley channel kinetics: the six rate functions, steady states and time constants.

Voltages in mV, rates in 1/ms, time constants in ms. Modern convention (rest near -65 mV):

    a_m = 0.1 (V+40) / (1 - exp(-(V+40)/10))     b_m = 4 exp(-(V+65)/18)
    a_h = 0.07 exp(-(V+65)/20)                   b_h = 1 / (1 + exp(-(V+35)/10))
    a_n = 0.01 (V+55) / (1 - exp(-(V+55)/10))    b_n = 0.125 exp(-(V+65)/80)

each multiplied by the temperature factor phi = 3^((T-6.3)/10). a_m and a_n are 0/0 at
V = -40 and -55 mV; :func:`vtrap` evaluates x / (exp(x/y) - 1) through expm1 and switches to
its Taylor series y (1 - x/2y) for |x/y| < 1e-6 (as NEURON's hh.mod), which agrees with the
exact form to ~1e-13 there: no jump and no NaN. The limits are a_m(-40) = 1, a_n(-55) = 0.1.

The scalar functions here are the single implementation of the equations: the integrators,
the cable and the network kernels all call :func:`rates`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._jit import entry, njit
from .fastexp import exp
from .membrane import temperature_factor

_EXP_MINUS_HALF = math.exp(-0.5)
_EXP_MINUS_TWO = math.exp(-2.0)
_EXP_THREE = math.exp(3.0)
#: |u| below which u / (exp(u) - 1) is taken from its series (u = -(v+40)/10 or -(v+55)/10).
SERIES_BELOW = 0.05


@njit
def vtrap(x: float, y: float) -> float:
    """x / (exp(x/y) - 1), continuous through x = 0 where it equals y."""
    u = x / y
    if abs(u) < 1e-6:
        return y * (1.0 - 0.5 * u)
    return x / math.expm1(u)


def _rates(v: float, phi: float) -> tuple[float, float, float, float, float, float]:
    """(a_m, b_m, a_h, b_h, a_n, b_n) in 1/ms at membrane voltage ``v`` (mV).

    This is the hot spot of every integrator, so the six rates share one exponential
    (:func:`hhtui.model.fastexp.exp`, which a loop over neurons can vectorise),
    w = exp(-(v+65)/720): every exponent of the rates is a whole multiple of -(v+65)/720, so

        exp(-(v+65)/80) = w^9,  exp(-(v+65)/20) = w^36,  exp(-(v+65)/18) = w^40,
        exp(-(v+35)/10) = w^72 e^3

    by repeated squaring (the powers carry a relative error below 3e-14 for |V| < 500 mV).
    There is no branch and no division by a constant (multiplications by the reciprocal).
    Near the removable singularities (|u| < SERIES_BELOW with u = -(v+40)/10 or -(v+55)/10) the
    quotient u / (exp(u) - 1) is taken from its series 1 - u/2 + u^2/12 - u^4/720 + u^6/30240
    (the next term, u^8/1209600, is below 4e-17 there), which also keeps the cancellation in
    exp(u) - 1 from amplifying the rounding of the powers; either form is selected without a
    jump.
    """
    w = exp((v + 65.0) * (-1.0 / 720.0))
    w2 = w * w
    w4 = w2 * w2
    w8 = w4 * w4
    w32 = (w8 * w8) * (w8 * w8)
    e80 = w8 * w
    e20 = w32 * w4
    e18 = w32 * w8
    e35 = (w32 * w32) * (w8 * _EXP_THREE)
    u_m = (v + 40.0) * -0.1
    u_n = (v + 55.0) * -0.1
    s_m = u_m * u_m
    s_n = u_n * u_n
    # 10 u / (exp(u) - 1) from the series, and -(v+40) / (exp(u) - 1) through the shared exponential.
    series_m = 10.0 * (1.0 - 0.5 * u_m + s_m * (1.0 / 12.0 - s_m * (1.0 / 720.0 - s_m * (1.0 / 30240.0))))
    series_n = 10.0 * (1.0 - 0.5 * u_n + s_n * (1.0 / 12.0 - s_n * (1.0 / 720.0 - s_n * (1.0 / 30240.0))))
    near_m = abs(u_m) < SERIES_BELOW
    near_n = abs(u_n) < SERIES_BELOW
    # (the denominators are replaced by 1 near the singularities, where their quotient is not used)
    quotient_m = -(v + 40.0) / (1.0 if near_m else e35 * _EXP_MINUS_HALF - 1.0)
    quotient_n = -(v + 55.0) / (1.0 if near_n else e35 * _EXP_MINUS_TWO - 1.0)
    a_m = series_m if near_m else quotient_m
    a_n = series_n if near_n else quotient_n
    return (
        phi * 0.1 * a_m,
        phi * (4.0 * e18),
        phi * (0.07 * e20),
        phi * (1.0 / (1.0 + e35)),
        phi * 0.01 * a_n,
        phi * (0.125 * e80),
    )


rates = njit(_rates, numpy_errors=True)


def _relax_gates(
    v: float, m: float, h: float, n: float, dt: float, phi: float, inactivation: bool
) -> tuple[float, float, float]:
    """Gates after ``dt`` ms at a fixed voltage ``v`` (mV): each relaxes exactly, exponentially,
    towards x_inf(v) with tau_x(v). h is left as it is when ``inactivation`` is False."""
    a_m, b_m, a_h, b_h, a_n, b_n = rates(v, phi)
    s_m = a_m + b_m
    s_n = a_n + b_n
    m_new = a_m / s_m + (m - a_m / s_m) * exp(-dt * s_m)
    n_new = a_n / s_n + (n - a_n / s_n) * exp(-dt * s_n)
    h_new = h
    if inactivation:
        s_h = a_h + b_h
        h_new = a_h / s_h + (h - a_h / s_h) * exp(-dt * s_h)
    return m_new, h_new, n_new


relax_gates = njit(_relax_gates, numpy_errors=True)


def _rate_table(voltages: NDArray[np.float64], phi: float, out: NDArray[np.float64]) -> None:
    for i in range(voltages.shape[0]):
        a_m, b_m, a_h, b_h, a_n, b_n = rates(voltages[i], phi)
        out[0, i] = a_m
        out[1, i] = b_m
        out[2, i] = a_h
        out[3, i] = b_h
        out[4, i] = a_n
        out[5, i] = b_n


_rate_table = entry(_rate_table, "f8[:] f8 f8[:, :]")

RATE_NAMES = ("alpha_m", "beta_m", "alpha_h", "beta_h", "alpha_n", "beta_n")


def rate_table(voltage_mV: ArrayLike, temperature_c: float = 6.3) -> dict[str, NDArray[np.float64]]:
    """All six rates (1/ms) at each voltage (mV), as arrays shaped like ``voltage_mV``."""
    voltages = np.asarray(voltage_mV, dtype=np.float64)
    flat = np.ascontiguousarray(voltages.ravel())
    out = np.empty((6, flat.size), dtype=np.float64)
    _rate_table(flat, temperature_factor(temperature_c), out)
    return {name: out[k].reshape(voltages.shape) for k, name in enumerate(RATE_NAMES)}


def steady_states(voltage_mV: ArrayLike, temperature_c: float = 6.3) -> dict[str, NDArray[np.float64]]:
    """x_inf = a_x / (a_x + b_x) for x in m, h, n (dimensionless, independent of temperature)."""
    table = rate_table(voltage_mV, temperature_c)
    return {gate: table[f"alpha_{gate}"] / (table[f"alpha_{gate}"] + table[f"beta_{gate}"]) for gate in "mhn"}


def time_constants(voltage_mV: ArrayLike, temperature_c: float = 6.3) -> dict[str, NDArray[np.float64]]:
    """tau_x = 1 / (a_x + b_x) in ms for x in m, h, n."""
    table = rate_table(voltage_mV, temperature_c)
    return {gate: 1.0 / (table[f"alpha_{gate}"] + table[f"beta_{gate}"]) for gate in "mhn"}
