"""Data behind the teaching views: kinetics tables, phase-plane nullclines, the cartoon action
potential and Nernst reversal potentials.

Voltages in mV, times in ms, rates in 1/ms, concentrations in mM, currents in uA/cm^2.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .channels import rate_table
from .errors import ParameterError
from .membrane import REFERENCE_TEMPERATURE_C, Membrane, nernst_potential

# --- kinetics ----------------------------------------------------------------------------------------


def kinetics_table(
    v_from: float = -100.0, v_to: float = 50.0, points: int = 301, temperature: float = REFERENCE_TEMPERATURE_C
) -> dict[str, NDArray[np.float64]]:
    """The gating kinetics over a voltage grid at ``temperature`` (C).

    Keys: ``V`` (mV); ``alpha_m``, ``beta_m``, ``alpha_h``, ``beta_h``, ``alpha_n``, ``beta_n``
    (1/ms, scaled by phi = 3^((T-6.3)/10)); ``m_inf``, ``h_inf``, ``n_inf`` (dimensionless,
    independent of temperature); ``tau_m``, ``tau_h``, ``tau_n`` (ms).
    """
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise ParameterError(f"points must be a whole number >= 2, got {points!r}")
    if not v_to > v_from:
        raise ParameterError(f"v_to ({v_to:g} mV) must be above v_from ({v_from:g} mV)")
    voltages = np.linspace(float(v_from), float(v_to), int(points))
    table: dict[str, NDArray[np.float64]] = {"V": voltages}
    table.update(rate_table(voltages, temperature))
    for gate in "mhn":
        total = table[f"alpha_{gate}"] + table[f"beta_{gate}"]
        table[f"{gate}_inf"] = table[f"alpha_{gate}"] / total
        table[f"tau_{gate}"] = 1.0 / total
    return table


# --- phase plane ---------------------------------------------------------------------------------------

#: Rinzel (1985) reduction of the HH model to the (V, n) plane: m = m_inf(V) and h = 0.89 - 1.1 n.
RINZEL_H0 = 0.89
RINZEL_SLOPE = 1.1
NULLCLINE_GRID = 2001  # n values scanned for the V-nullcline before refining by bisection


def _reduced_h(n: NDArray[np.float64], h_mode: str, h_rest: float) -> NDArray[np.float64]:
    if h_mode == "rinzel":
        return np.clip(RINZEL_H0 - RINZEL_SLOPE * n, 0.0, 1.0)
    return np.full_like(n, h_rest)


def nullclines(
    membrane: Membrane | None = None,
    injected_current: float = 0.0,
    v_range: tuple[float, float] = (-90.0, 60.0),
    points: int = 301,
    h_mode: str = "rinzel",
) -> dict[str, object]:
    """Nullclines of the (V, n) phase plane of a reduced, two-variable HH model.

    The reduction: m is fast and sits at m_inf(V); h is slaved to n. With ``h_mode="rinzel"``
    (the default, Rinzel 1985) h = 0.89 - 1.1 n, clipped to [0, 1], which follows the h-n
    relation along real spikes; with ``h_mode="rest"`` h is held at its resting value
    h_inf(V_rest), which makes the resting point of the full model an exact crossing at
    I = 0. Without inactivation (pronase) h = 1 either way.

    The V-nullcline is n(V) where dV/dt = 0, i.e. where
    I = g_Na m_inf^3 h (V - E_Na) + g_K n^4 (V - E_K) + g_L (V - E_L), solved for n in [0, 1]
    (the lowest root; NaN where there is none). The n-nullcline is n_inf(V).

    Returns a dict: ``V`` (mV), ``v_nullcline`` and ``n_nullcline`` (dimensionless),
    ``crossings`` (mV, voltages where the two meet, i.e. the fixed points of the reduced model),
    and ``approximation`` (a sentence for the view's legend).
    """
    membrane = membrane if membrane is not None else Membrane()
    if h_mode not in ("rinzel", "rest"):
        raise ParameterError(f"h_mode must be 'rinzel' or 'rest', got {h_mode!r}")
    low_v, high_v = float(v_range[0]), float(v_range[1])
    if not high_v > low_v:
        raise ParameterError(f"v_range must go upwards, got {v_range!r} mV")
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise ParameterError(f"points must be a whole number >= 2, got {points!r}")
    voltages = np.linspace(low_v, high_v, int(points))
    kinetics = kinetics_table(low_v, high_v, int(points), membrane.temperature)
    m_inf, n_inf = kinetics["m_inf"], kinetics["n_inf"]

    from .currents import ionic_currents, rest_state

    p = membrane.as_array()
    h_rest = float(rest_state(membrane)[2])
    if not membrane.inactivation:
        mode, h_rest = "rest", 1.0
    else:
        mode = h_mode

    def dv(n: NDArray[np.float64]) -> NDArray[np.float64]:
        """C dV/dt (uA/cm^2) on the grid of voltages (rows) for gating values n (columns)."""
        i_na, i_k, i_l = ionic_currents(voltages[:, None], m_inf[:, None], _reduced_h(n, mode, h_rest), n, p)
        return injected_current - (i_na + i_k + i_l)

    grid = np.linspace(0.0, 1.0, NULLCLINE_GRID)
    values = dv(grid[None, :])
    sign_change = (values[:, :-1] == 0.0) | (np.sign(values[:, :-1]) != np.sign(values[:, 1:]))
    has_root = sign_change.any(axis=1)
    first = np.argmax(sign_change, axis=1)
    low = grid[first].copy()
    high = grid[np.minimum(first + 1, grid.size - 1)].copy()
    f_low = values[np.arange(voltages.size), first]
    for _ in range(40):  # bisection of every bracket at once: 1/2000 / 2^40, far below plotting needs
        middle = 0.5 * (low + high)
        f_mid = dv(middle[:, None])[:, 0]
        same = np.sign(f_mid) == np.sign(f_low)
        low = np.where(same, middle, low)
        f_low = np.where(same, f_mid, f_low)
        high = np.where(same, high, middle)
    v_nullcline = np.where(has_root, 0.5 * (low + high), np.nan)

    difference = v_nullcline - n_inf
    crossings = []
    for i in range(voltages.size - 1):
        a, b = difference[i], difference[i + 1]
        if np.isfinite(a) and np.isfinite(b) and (a == 0.0 or a * b < 0.0):
            crossings.append(
                float(voltages[i] + (voltages[i + 1] - voltages[i]) * a / (a - b)) if a != b else float(voltages[i])
            )
    if mode == "rinzel":
        approximation = "reduced model: m = m_inf(V), h = 0.89 - 1.1 n (Rinzel 1985)"
    elif membrane.inactivation:
        approximation = f"reduced model: m = m_inf(V), h fixed at its resting value {h_rest:.3f}"
    else:
        approximation = "reduced model: m = m_inf(V), h = 1 (no inactivation)"
    return {
        "V": voltages,
        "v_nullcline": v_nullcline,
        "n_nullcline": n_inf,
        "crossings": np.array(crossings, dtype=np.float64),
        "approximation": approximation,
    }


# --- cartoon action potential ---------------------------------------------------------------------------

#: The textbook cartoon: rest, peak and dip (mV) and their times (ms).
CARTOON_REST = -70.0
CARTOON_PEAK = 40.0  # a 110 mV excursion above rest
CARTOON_PEAK_TIME = 2.5
CARTOON_DIP = -90.0
CARTOON_DIP_TIME = 3.5
#: Widths (standard deviations, ms) of the spike and of the after-hyperpolarisation Gaussians.
CARTOON_SPIKE_SIGMA = 0.3
CARTOON_DIP_SIGMA = 0.6


def _gaussian(t: NDArray[np.float64] | float, centre: float, sigma: float) -> NDArray[np.float64]:
    return np.exp(-((np.asarray(t) - centre) ** 2) / (2.0 * sigma * sigma))


def _cartoon_amplitudes() -> tuple[float, float]:
    """Heights (mV) of the two Gaussians such that the sum passes exactly through the peak at
    2.5 ms and the dip at 3.5 ms (each Gaussian's tail slightly overlaps the other's centre)."""
    overlap_dip_at_peak = float(_gaussian(CARTOON_PEAK_TIME, CARTOON_DIP_TIME, CARTOON_DIP_SIGMA))
    overlap_peak_at_dip = float(_gaussian(CARTOON_DIP_TIME, CARTOON_PEAK_TIME, CARTOON_SPIKE_SIGMA))
    system = np.array([[1.0, -overlap_dip_at_peak], [overlap_peak_at_dip, -1.0]])
    target = np.array([CARTOON_PEAK - CARTOON_REST, CARTOON_DIP - CARTOON_REST])
    spike, dip = np.linalg.solve(system, target)
    return float(spike), float(dip)


CARTOON_SPIKE_HEIGHT, CARTOON_DIP_DEPTH = _cartoon_amplitudes()


def cartoon_action_potential(t: ArrayLike) -> NDArray[np.float64]:
    """The textbook two-Gaussian cartoon of an action potential, in mV at times ``t`` (ms):

        V(t) = -70 + A exp(-(t - 2.5)^2 / (2 * 0.3^2)) - B exp(-(t - 3.5)^2 / (2 * 0.6^2))

    Rest -70 mV, a 110 mV spike to +40 mV centred at 2.5 ms and an after-hyperpolarisation
    dip to -90 mV at 3.5 ms. A (about 115 mV) and B (about 20 mV) are solved so the curve
    passes exactly through +40 mV at 2.5 ms and -90 mV at 3.5 ms; because the Gaussians
    overlap a little, the maximum lies about 0.01 ms earlier and the minimum about 0.05 ms
    later (and about 0.1 mV beyond the stated values). The widths give a spike about 0.7 ms
    wide at half height and a dip that recovers over about 2 ms, as drawn in textbooks.
    """
    times = np.asarray(t, dtype=np.float64)
    return (
        CARTOON_REST
        + CARTOON_SPIKE_HEIGHT * _gaussian(times, CARTOON_PEAK_TIME, CARTOON_SPIKE_SIGMA)
        - CARTOON_DIP_DEPTH * _gaussian(times, CARTOON_DIP_TIME, CARTOON_DIP_SIGMA)
    )


# --- ion concentrations ---------------------------------------------------------------------------------

#: Squid giant axon concentrations (mM), as quoted by Hille, "Ion Channels of Excitable
#: Membranes" (3rd ed., 2001) and most physiology textbooks: Na+ 440 outside / 50 inside,
#: K+ 20 outside / 400 inside.
SQUID_NA_OUT = 440.0
SQUID_NA_IN = 50.0
SQUID_K_OUT = 20.0
SQUID_K_IN = 400.0


def nernst_reversals(
    na_out: float = SQUID_NA_OUT,
    na_in: float = SQUID_NA_IN,
    k_out: float = SQUID_K_OUT,
    k_in: float = SQUID_K_IN,
    temperature: float = REFERENCE_TEMPERATURE_C,
) -> tuple[float, float]:
    """(E_Na, E_K) in mV from the Nernst equation at ``temperature`` (C), concentrations in mM.

    With the default squid concentrations at 6.3 C this gives about +52 mV and -72 mV. The
    model's default reversal potentials, E_Na = 50 and E_K = -77 mV, are instead Hodgkin and
    Huxley's measured values (115 and -12 mV from rest in their 1952 convention, shifted by
    -65 mV), so setting the concentrations replaces those with the Nernst values.
    """
    e_na = nernst_potential(na_out, na_in, temperature)
    e_k = nernst_potential(k_out, k_in, temperature)
    if not (math.isfinite(e_na) and math.isfinite(e_k)):
        raise ParameterError("the concentrations give no finite reversal potential")
    return e_na, e_k
