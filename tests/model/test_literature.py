"""The model against published and independently computed Hodgkin-Huxley behaviour.

Sources: HH 1952 = Hodgkin & Huxley, J Physiol 117:500-544 (1952); "(computed)" = the values
in docs/reference-values.md from independent LSODA/RK4 simulations at dt <= 0.005 ms. Unless a test says
otherwise: default squid membrane at 6.3 C, RK4 at dt = 0.01 ms, spikes = upward 0 mV crossings.
RK4 at dt 0.01 agrees with a tight reference to ~1e-4 ms in spike times (docs/reference-values.md,
Numerics), so the tolerances below are set by how the reference values are rounded, not by
the integrator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hhtui.experiments import voltage_clamp_family
from hhtui.model import Experiment, Membrane, Pulse, Step, Train, VoltageClamp
from hhtui.model.analysis import (
    ahp_minima,
    fi_curve,
    firing_rate,
    refractory_threshold,
    repetitive_onset,
    spike_half_widths,
    spike_peaks,
    spike_times,
    threshold_search,
)


def run(stimulus, t_stop: float, membrane: Membrane | None = None):
    """One neuron from rest: (t, V) in ms and mV."""
    samples = Experiment(membrane=membrane or Membrane(), stimulus=stimulus, t_stop=t_stop).run()
    return samples.t, samples.V[0]


# --- repetitive firing -------------------------------------------------------------------------------
def test_10uA_step_fires_repetitively_about_4_spikes_in_50_ms() -> None:
    # (computed) and HH 1952 Fig. 24-type responses: a sustained 10 uA/cm^2 step fires
    # repetitively, about 4 spikes in 50 ms (interval ~15 ms). A spike count is an integer and
    # spike times are accurate to 1e-4 ms here, so "about 4" is asserted as exactly 4 with the
    # step on from t = 0 (first spike ~2 ms, then every ~14.6 ms: 2, 17, 31, 46 ms).
    t, v = run(Step(amplitude=10.0, start=0.0), 50.0)
    times = spike_times(t, v)
    assert times.size == 4
    # Repetitive, not a burst: the intervals after the first are regular (within 0.5 ms).
    intervals = np.diff(times)
    assert np.ptp(intervals[1:]) < 0.5
    assert 12.0 < intervals[-1] < 17.0


@pytest.mark.slow
def test_onset_of_sustained_repetitive_firing_near_6_26() -> None:
    # (computed) sustained firing from about 6.26 uA/cm^2 (fold of limit cycles; Balti et al.
    # 2018: 6.265-6.272), at about 51 Hz at onset. Near the fold a step from rest can ring for
    # a long time before stopping (at 6.25 two spikes still come 100-300 ms after the step), so
    # "sustained" here means at least 5 spikes in the 500 ms after a 200 ms transient (25 is
    # regular firing at 50 Hz), on a 0.01 uA/cm^2 grid. Tolerance: onset within [6.2, 6.3]
    # (the 6.2-6.3 band of the computed reference; the bistability makes finer claims depend on the window), rate
    # at onset 51 +/- 4 Hz (2 Hz window resolution plus the rounding of the reference).
    grid = np.round(np.arange(6.0, 6.505, 0.01), 2)
    curve = fi_curve(grid, t_stop=700.0, transient=200.0)
    onset = repetitive_onset(curve, min_spikes=5)
    assert onset is not None
    assert 6.0 <= onset <= 6.5  # the broad requirement
    assert 6.2 <= onset <= 6.3
    rate_at_onset = curve.rates_hz[np.argmin(np.abs(curve.amplitudes - onset))]
    assert rate_at_onset == pytest.approx(51.0, abs=4.0)
    # Well below the onset there is no firing at all after the transient.
    assert np.all(curve.spike_counts[curve.amplitudes <= 6.1] == 0)


def test_fi_curve_values() -> None:
    # (computed) F-I: 10 -> ~68 Hz, 20 -> ~87, 50 -> ~117, 100 -> ~147 Hz. Rates are counted
    # over 1000 ms after a 100 ms transient (1 Hz resolution); tolerance +/-3 Hz covers the
    # window's resolution and the "~" of the reference. At 100 uA/cm^2 the spikes peak near
    # -20 mV, so cycles are counted at fi_curve's -40 mV level (see its docstring).
    curve = fi_curve([10.0, 20.0, 50.0, 100.0], t_stop=1100.0, transient=100.0)
    for rate, expected in zip(curve.rates_hz, (68.0, 87.0, 117.0, 147.0)):
        assert rate == pytest.approx(expected, abs=3.0)
    assert np.all(np.diff(curve.rates_hz) > 0)  # rate rises with current


# --- threshold and strength-duration ----------------------------------------------------------------
@pytest.mark.parametrize(
    "width, expected, tolerance",
    [
        # (computed) 0.5 ms -> 13.3: quoted to 0.1, so +/-0.05 rounding + 0.01 search tolerance.
        (0.5, 13.3, 0.06),
        # (computed) 1 ms -> 6.9: quoted to 0.1, so +/-0.2 covers its rounding and the bisection step.
        (1.0, 6.9, 0.2),
        # (computed) 2 ms -> 3.86 and 5 ms -> 2.35: quoted to 0.01, so +/-0.005 + 0.01 search.
        (2.0, 3.86, 0.015),
        (5.0, 2.35, 0.015),
        # (computed) 0.1 ms -> 65: quoted to 2 digits, +/-0.5.
        (0.1, 65.0, 0.5),
    ],
)
def test_strength_duration_thresholds(width: float, expected: float, tolerance: float) -> None:
    # The threshold from RK4 at dt 0.01 moves by less than 1e-3 uA/cm^2 at dt 0.005 (checked
    # when the tolerances were chosen), far below these tolerances.
    threshold = threshold_search(width)
    assert threshold == pytest.approx(expected, abs=tolerance)


def test_threshold_is_a_sharp_boundary() -> None:
    # The value returned fires; 0.02 uA/cm^2 below it does not (search tolerance 0.01).
    threshold = threshold_search(1.0)
    t, v = run(Pulse(amplitude=threshold, start=1.0, duration=1.0), 30.0)
    assert spike_times(t, v).size == 1
    t, v = run(Pulse(amplitude=threshold - 0.02, start=1.0, duration=1.0), 30.0)
    assert spike_times(t, v).size == 0


def test_long_step_single_spike_threshold() -> None:
    # (computed) long step: a single spike from about 2.2 uA/cm^2; a 100 ms pulse stands for
    # the long step. Tolerance +/-0.1: the reference is quoted to 0.1.
    assert threshold_search(100.0, high=20.0) == pytest.approx(2.2, abs=0.1)


# --- refractoriness ------------------------------------------------------------------------------------
def test_second_pulse_at_twice_threshold_fails_at_5_ms_fires_at_20_ms() -> None:
    # (computed) 1 ms pulses at twice the 1 ms threshold (6.9 uA/cm^2): a second pulse
    # 5 ms after the first fails to fire, one 20 ms after fires.
    amplitude = 2.0 * 6.9
    t, v = run(Train(amplitude=amplitude, width=1.0, start=5.0, interval=5.0, count=2), 40.0)
    assert spike_times(t, v).size == 1
    t, v = run(Train(amplitude=amplitude, width=1.0, start=5.0, interval=20.0, count=2), 50.0)
    times = spike_times(t, v)
    assert times.size == 2
    assert times[1] > 25.0  # the second spike answers the second pulse


@pytest.mark.slow
def test_refractory_threshold_recovery() -> None:
    # (computed) 0.5 ms pulses, conditioning at 2x threshold (2 x 13.3 uA/cm^2): no second spike
    # at 5 ms even at 15x; then the test threshold falls (7 ms: 9x, 10 ms: 3.5x, 15 ms: 1.2x) with
    # a supernormal phase near 18-20 ms (0.9x). The reference ratios are quoted to 1-2 digits;
    # tolerance: +/-0.5x at 7 ms (where the curve is steepest) and +/-0.1x later.
    base = 13.3
    conditioning = 2.0 * base
    assert math.isinf(refractory_threshold(5.0, conditioning, high=15.0 * base))
    assert refractory_threshold(7.0, conditioning) / base == pytest.approx(9.0, abs=0.5)
    assert refractory_threshold(10.0, conditioning) / base == pytest.approx(3.5, abs=0.1)
    assert refractory_threshold(15.0, conditioning) / base == pytest.approx(1.2, abs=0.1)
    supernormal = refractory_threshold(20.0, conditioning) / base
    assert supernormal == pytest.approx(0.9, abs=0.1)
    assert supernormal < 1.0  # below the resting threshold


# --- anode break ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("amplitude, duration", [(-10.0, 20.0), (-3.0, 10.0), (-3.0, 20.0)])
def test_anode_break_rebound_spike(amplitude: float, duration: float) -> None:
    # Issue 2: a -10 uA/cm^2, 20 ms step is followed by a rebound spike; (computed) a -3 uA/cm^2
    # step of 10 ms or more does it too. No tolerance: a spike occurs or not; it must come
    # after the release (not during the hyperpolarisation) and within 15 ms of it.
    start = 5.0
    release = start + duration
    t, v = run(Step(amplitude=amplitude, start=start, duration=duration), release + 30.0)
    times = spike_times(t, v)
    assert times.size == 1
    assert release < times[0] < release + 15.0
    assert v[(t > start + 1.0) & (t < release)].max() < -65.0  # hyperpolarised throughout


# --- temperature -----------------------------------------------------------------------------------------
def test_heat_block_at_25C_and_faster_firing_at_18_5C() -> None:
    # Issue 2 / (computed): at 25 C a 10 uA/cm^2 step no longer sustains spikes, while at
    # 18.5 C it fires faster than at 6.3 C. Counted after a 20 ms transient over 80 ms.
    rates = {}
    for temperature in (6.3, 18.5, 25.0):
        t, v = run(Step(amplitude=10.0, start=0.0), 100.0, Membrane(temperature=temperature))
        rates[temperature] = firing_rate(spike_times(t, v), 20.0, 100.0)
    assert rates[25.0] == 0.0
    assert rates[6.3] > 40.0  # repetitive at 6.3 C
    assert rates[18.5] > 1.5 * rates[6.3]


@pytest.mark.parametrize("temperature, expected", [(18.5, 8.9), (25.0, 13.0)])
def test_threshold_rises_with_temperature(temperature: float, expected: float) -> None:
    # (computed) 1 ms threshold 8.9 / 13 uA/cm^2 at 18.5 / 25 C; tolerance +/-0.3 (the reference is quoted to
    # 0.1-1 uA/cm^2).
    assert threshold_search(1.0, Membrane(temperature=temperature)) == pytest.approx(expected, abs=0.3)


@pytest.mark.parametrize("temperature, expected", [(6.3, 1.47), (18.5, 0.42), (25.0, 0.25)])
def test_half_width_shrinks_with_temperature(temperature: float, expected: float) -> None:
    # (computed) half-width 1.47 / 0.42 / 0.25 ms at 6.3 / 18.5 / 25 C (1 ms 20 uA/cm^2 pulse).
    # Tolerance: +/-0.02 ms, twice the sampling interval (dt 0.01) plus the reference's rounding.
    t, v = run(Pulse(amplitude=20.0, start=5.0, duration=1.0), 30.0, Membrane(temperature=temperature))
    widths = spike_half_widths(t, v)
    assert widths.size == 1
    assert widths[0] == pytest.approx(expected, abs=0.02)


# --- spike shape ---------------------------------------------------------------------------------------
def test_spike_shape_from_1ms_20uA_pulse() -> None:
    # (computed) peak about +40 mV (+/-2), half-width 1.48 ms (+/-0.05; width at half the
    # amplitude between rest and peak), after-hyperpolarisation about -76 mV (+/-1).
    t, v = run(Pulse(amplitude=20.0, start=5.0, duration=1.0), 40.0)
    _, peaks = spike_peaks(t, v)
    _, minima = ahp_minima(t, v)
    widths = spike_half_widths(t, v, rest=v[0])
    assert peaks.size == minima.size == widths.size == 1
    assert peaks[0] == pytest.approx(40.0, abs=2.0)
    assert widths[0] == pytest.approx(1.48, abs=0.05)
    assert minima[0] == pytest.approx(-76.0, abs=1.0)


# --- voltage clamp ----------------------------------------------------------------------------------------
def test_voltage_clamp_step_to_0_mV() -> None:
    # (computed) step -65 -> 0 mV: peak I_Na about -1.46 mA/cm^2 (+/-3 %) at 0.62 ms (+/-0.03:
    # the reference's rounding plus 1-2 samples) after the step; steady g_K about
    # 24.6 mS/cm^2 (+/-0.1, quoted to 3 digits; after 20 ms n is within 1e-5 of n_inf).
    step_at = 5.0
    samples = Experiment(stimulus=VoltageClamp(hold=-65.0, level=0.0, start=step_at, duration=20.0), t_stop=30.0).run()
    i_na = samples.I_Na[0]
    k = int(np.argmin(i_na))
    assert i_na[k] == pytest.approx(-1460.0, rel=0.03)
    assert samples.t[k] - step_at == pytest.approx(0.62, abs=0.03)
    g_k_end = samples.g_K[0][samples.t < step_at + 20.0][-1]
    assert g_k_end == pytest.approx(24.6, abs=0.1)


def _rates_from_the_paper(v: float) -> dict[str, float]:
    """HH 1952 rates (1/ms) at 6.3 C, modern convention, written out independently of the
    model's kernel; the removable singularities use their limits a_m(-40) = 1, a_n(-55) = 0.1."""
    a_m = 1.0 if v == -40.0 else 0.1 * (v + 40.0) / (1.0 - math.exp(-(v + 40.0) / 10.0))
    a_n = 0.1 if v == -55.0 else 0.01 * (v + 55.0) / (1.0 - math.exp(-(v + 55.0) / 10.0))
    return {
        "m": (a_m, 4.0 * math.exp(-(v + 65.0) / 18.0)),
        "h": (0.07 * math.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))),
        "n": (a_n, 0.125 * math.exp(-(v + 65.0) / 80.0)),
    }


def test_clamp_tau_values_at_0_mV() -> None:
    # (computed) at 0 mV: tau_n 1.65 ms, tau_h 1.03 ms (quoted to 0.01: tolerance 0.005).
    rates = _rates_from_the_paper(0.0)
    assert 1.0 / sum(rates["n"]) == pytest.approx(1.65, abs=0.005)
    assert 1.0 / sum(rates["h"]) == pytest.approx(1.03, abs=0.005)


def test_voltage_clamp_family_currents_and_analytic_gates() -> None:
    # Issue 2: steps from -65 to -55 ... +25 mV. I_Na is a transient inward current that peaks
    # and then inactivates; I_K rises and stays. At a fixed V each gate relaxes exactly as
    # x_inf + (x0 - x_inf) exp(-t/tau): the recorded gates must match that solution, built here
    # from the rate equations of the 1952 paper, to 1e-9 (round-off level for values <= 1).
    hold, step_at, duration = -65.0, 5.0, 20.0
    family = voltage_clamp_family(levels=range(-55, 30, 10), hold=hold, duration=duration, pre=step_at, post=5.0)
    t = family["t"]
    during = (t >= step_at) & (t < step_at + duration)
    elapsed = t[during] - step_at
    rest_rates = _rates_from_the_paper(hold)
    for k, level in enumerate(family["levels"]):
        i_na = family["I_Na"][k][during]
        i_k = family["I_K"][k][during]
        peak = int(np.argmin(i_na))
        assert i_na[peak] < 0.0  # inward
        assert elapsed[peak] < 2.0  # early
        assert abs(i_na[-1]) < 0.6 * abs(i_na[peak])  # then inactivates
        assert np.all(np.diff(i_k) >= -1e-9)  # rises ...
        assert i_k[-1] > 0.0 and i_k[-1] == pytest.approx(i_k.max())  # ... and stays, outward
        level_rates = _rates_from_the_paper(float(level))
        samples = Experiment(
            stimulus=VoltageClamp(hold=hold, level=float(level), start=step_at, duration=duration),
            t_stop=step_at + duration,
        ).run()
        inside = (samples.t >= step_at) & (samples.t < step_at + duration)
        for gate in "mhn":
            a0, b0 = rest_rates[gate]
            a, b = level_rates[gate]
            x0, x_inf, tau = a0 / (a0 + b0), a / (a + b), 1.0 / (a + b)
            analytic = x_inf + (x0 - x_inf) * np.exp(-(samples.t[inside] - step_at) / tau)
            np.testing.assert_allclose(getattr(samples, gate)[0][inside], analytic, rtol=0, atol=1e-9)
    # Tail currents: back at the holding potential the potassium current decays.
    after = t >= step_at + duration
    assert np.all(np.abs(family["I_K"][:, after][:, -1]) < np.abs(family["I_K"][:, after][:, 0]))
