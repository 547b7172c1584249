"""Unit tests of the analysis and teaching-data functions on signals whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhtui.model import Membrane, ParameterError, Pulse, Simulation, Step, resting_potential
from hhtui.model.analysis import (
    APPhases,
    FICurve,
    ahp_minima,
    ap_phases,
    fi_curve,
    firing_rate,
    refractory_threshold,
    repetitive_onset,
    spike_half_widths,
    spike_peaks,
    spike_times,
    threshold_search,
)
from hhtui.model.teaching import cartoon_action_potential, kinetics_table, nernst_reversals, nullclines


# --- spike times ----------------------------------------------------------------------------------------
def test_spike_times_of_a_sine_are_its_upward_crossings() -> None:
    # v = sin(2 pi t / 10) - 0.5 crosses 0 upwards where sin = 0.5 and rising: t = 10/12 + 10k.
    t = np.linspace(0.0, 40.0, 40001)
    v = np.sin(2.0 * np.pi * t / 10.0) - 0.5
    times = spike_times(t, v)
    np.testing.assert_allclose(times, 10.0 / 12.0 + 10.0 * np.arange(4), atol=1e-6)


def test_spike_times_interpolate_linearly_between_samples() -> None:
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    v = np.array([-10.0, 30.0, -5.0, -20.0, 20.0, 40.0])
    # -10 -> 30 crosses 0 a quarter of the way: 0.25; -20 -> 20 halfway: 3.5.
    np.testing.assert_allclose(spike_times(t, v), [0.25, 3.5])
    np.testing.assert_allclose(spike_times(t, v, threshold=25.0), [1.0 - 5.0 / 40.0, 4.25])


def test_spike_times_edge_cases() -> None:
    assert spike_times(np.arange(5.0), np.full(5, -65.0)).size == 0
    # Starting above threshold is not a crossing; touching it exactly from below is.
    np.testing.assert_allclose(spike_times([0.0, 1.0, 2.0], [10.0, -1.0, 0.0]), [2.0])
    with pytest.raises(ParameterError):
        spike_times(np.arange(3.0), np.zeros(4))
    with pytest.raises(ParameterError):
        spike_times(np.zeros((2, 3)), np.zeros((2, 3)))


@settings(deadline=None, max_examples=50)
@given(st.lists(st.floats(-100.0, 100.0, allow_nan=False), min_size=2, max_size=60))
def test_spike_times_count_matches_sign_changes(values: list[float]) -> None:
    v = np.array(values)
    t = np.arange(v.size, dtype=float)
    times = spike_times(t, v)
    ups = np.nonzero((v[:-1] < 0.0) & (v[1:] >= 0.0))[0]
    assert times.size == ups.size
    # Each crossing lies within the sampling interval where the sign changes, in time order.
    assert np.all((times >= t[ups]) & (times <= t[ups + 1]))
    assert np.all(np.diff(times) > 0)


# --- peaks, minima, half-widths ---------------------------------------------------------------------------
def triangle_train() -> tuple[np.ndarray, np.ndarray]:
    """Three triangular spikes from -60 to +30, +20, +10 mV, each followed by a dip."""
    t = np.arange(0.0, 30.001, 0.5)
    v = np.full(t.shape, -60.0)
    for centre, height, dip in ((5.0, 30.0, -75.0), (15.0, 20.0, -70.0), (25.0, 10.0, -80.0)):
        rise = np.clip(1.0 - np.abs(t - centre) / 2.0, 0.0, None)
        v += rise * (height + 60.0)
        v += np.clip(1.0 - np.abs(t - centre - 3.0) / 1.0, 0.0, None) * (dip + 60.0)
    return t, v


def test_spike_peaks_and_ahp_minima_of_a_triangle_train() -> None:
    t, v = triangle_train()
    peak_t, peak_v = spike_peaks(t, v)
    np.testing.assert_allclose(peak_t, [5.0, 15.0, 25.0])
    np.testing.assert_allclose(peak_v, [30.0, 20.0, 10.0])
    min_t, min_v = ahp_minima(t, v)
    np.testing.assert_allclose(min_t, [8.0, 18.0, 28.0])
    np.testing.assert_allclose(min_v, [-75.0, -70.0, -80.0])


def test_ahp_minimum_is_left_out_when_the_trace_ends_during_a_spike() -> None:
    t = np.arange(6.0)
    v = np.array([-60.0, 10.0, -70.0, -60.0, 5.0, 20.0])
    assert spike_peaks(t, v)[1].tolist() == [10.0, 20.0]
    assert ahp_minima(t, v)[1].tolist() == [-70.0]


def test_half_width_of_a_triangle() -> None:
    # A triangle from -60 to +30 with a half-base of 2 ms: half amplitude (-15 mV) is reached
    # halfway up each flank, so the width there is 2 ms.
    t, v = triangle_train()
    widths = spike_half_widths(t[:20], v[:20], rest=-60.0)
    np.testing.assert_allclose(widths, [2.0])


def test_firing_rate_window_is_half_open() -> None:
    spikes = [10.0, 20.0, 30.0, 40.0]
    assert firing_rate(spikes, 10.0, 40.0) == pytest.approx(3 / 0.030)  # 10, 20, 30 in; 40 out
    assert firing_rate(spikes, 0.0, 1000.0) == pytest.approx(4.0)
    assert firing_rate([], 0.0, 100.0) == 0.0
    with pytest.raises(ParameterError):
        firing_rate(spikes, 5.0, 5.0)


# --- phases ----------------------------------------------------------------------------------------------
def assert_phases_tile(phases: list[APPhases], t0: float) -> None:
    previous_end = t0
    for phase in phases:
        names = [name for name, _ in phase.intervals()]
        assert names == ["resting", "depolarisation", "repolarisation", "hyperpolarisation"]
        for _, (start, end) in phase.intervals():
            assert start == pytest.approx(previous_end)
            assert end >= start
            previous_end = end
        assert phase.depolarisation[1] == phase.peak_time == phase.repolarisation[0]


def test_phases_of_the_cartoon_spike() -> None:
    t = np.linspace(0.0, 10.0, 10001)
    v = cartoon_action_potential(t)
    phases = ap_phases(t, v, rest=-70.0)
    assert len(phases) == 1
    phase = phases[0]
    assert_phases_tile(phases, 0.0)
    # Depolarisation starts where V first exceeds rest + 1 mV and ends at the peak (~2.5 ms).
    start = t[np.argmax(v > -69.0)]
    assert phase.depolarisation[0] == pytest.approx(start, abs=2e-3)
    assert phase.peak_time == pytest.approx(2.5, abs=0.05)
    # Repolarisation ends where V falls back through -70 mV, before the dip at 3.5 ms.
    assert 2.5 < phase.repolarisation[1] < 3.5
    assert cartoon_action_potential(phase.repolarisation[1]) == pytest.approx(-70.0, abs=0.01)
    # Hyperpolarisation lasts until V is back within 1 mV of rest, after the dip.
    assert phase.hyperpolarisation[1] > 3.6
    assert cartoon_action_potential(phase.hyperpolarisation[1]) == pytest.approx(-71.0, abs=0.01)


def test_phases_of_simulated_repetitive_firing_cover_the_trace() -> None:
    sim = Simulation(Membrane(), Step(amplitude=10.0, start=5.0))
    samples = sim.advance(80.0)
    t, v = samples.t, samples.V[0]
    phases = ap_phases(t, v, rest=-65.0)
    assert len(phases) == spike_times(t, v).size == 5
    assert_phases_tile(phases, t[0])
    for phase in phases:
        assert phase.depolarisation[0] >= 5.0 - 0.01  # nothing moves before the step
        assert phase.peak > 20.0
        # Repolarisation ends below rest and the hyperpolarisation minimum lies inside it.
        assert phase.repolarisation[1] - phase.peak_time < 5.0
        assert phase.hyperpolarisation[1] > phase.hyperpolarisation[0]


def test_phases_without_spikes_is_empty() -> None:
    t = np.linspace(0.0, 10.0, 101)
    assert ap_phases(t, np.full(t.shape, -65.0)) == []


# --- F-I curve and onset -------------------------------------------------------------------------------------
def test_repetitive_onset_on_a_synthetic_curve() -> None:
    amplitudes = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=float)
    counts = np.array([0, 0, 3, 0, 0, 5, 6, 7, 8, 0, 0])  # a lone blip at 2, a block from 9
    curve = FICurve(amplitudes, counts, counts.astype(float))
    assert repetitive_onset(curve) == 5.0
    # min_spikes raises the bar.
    assert repetitive_onset(curve, min_spikes=7) == 7.0
    # Order of the amplitudes does not matter.
    order = np.random.default_rng(1).permutation(amplitudes.size)
    shuffled = FICurve(amplitudes[order], counts[order], counts[order].astype(float))
    assert repetitive_onset(shuffled) == 5.0
    silent = FICurve(amplitudes, np.zeros_like(counts), np.zeros(amplitudes.size))
    assert repetitive_onset(silent) is None


def test_fi_curve_matches_single_neuron_runs_and_reports_progress() -> None:
    fractions: list[float] = []
    curve = fi_curve([0.0, 10.0, 20.0], t_stop=60.0, transient=20.0, progress=fractions.append, threshold=0.0)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    assert len(fractions) >= 10
    for amplitude, count, rate in zip(curve.amplitudes, curve.spike_counts, curve.rates_hz):
        samples = Simulation(Membrane(), Step(amplitude=amplitude, start=0.0)).advance(60.0)
        late = spike_times(samples.t, samples.V[0])
        late = late[late >= 20.0]
        assert count == late.size
        # the rate is the inverse of the mean inter-spike interval after the transient
        expected = 1000.0 * (late.size - 1) / (late[-1] - late[0]) if late.size >= 2 else 0.0
        assert rate == pytest.approx(expected, rel=1e-8)
    assert curve.spike_counts[0] == 0 and curve.spike_counts[2] > curve.spike_counts[1] > 0


def test_fi_curve_refuses_bad_windows() -> None:
    with pytest.raises(ParameterError):
        fi_curve([10.0], t_stop=50.0, transient=50.0)
    with pytest.raises(ParameterError):
        fi_curve([], t_stop=50.0, transient=10.0)


# --- thresholds -------------------------------------------------------------------------------------------------
def fires(amplitude: float, width: float, membrane: Membrane | None = None) -> bool:
    sim = Simulation(membrane or Membrane(), Pulse(amplitude=amplitude, start=1.0, duration=width))
    sim.advance(1.0 + width + 25.0, record=False)
    return bool(sim.spike_count[0] > 0)


def test_threshold_search_brackets_the_threshold() -> None:
    threshold = threshold_search(2.0, tolerance=0.05)
    assert fires(threshold, 2.0)
    assert not fires(threshold - 0.05, 2.0)


def test_threshold_search_limits() -> None:
    assert math.isinf(threshold_search(1.0, Membrane(g_na=0.0), high=50.0))  # nothing fires without sodium
    assert threshold_search(1.0, low=50.0, high=100.0) == 50.0  # already firing at the low end
    with pytest.raises(ParameterError):
        threshold_search(0.0)
    with pytest.raises(ParameterError):
        threshold_search(1.0, tolerance=0.0)


def test_refractory_threshold_fires_only_when_recovered() -> None:
    # Right after a spike no test pulse fires; long after, the threshold is back near the
    # single-pulse threshold (13.3 uA/cm^2 for 0.5 ms, computed; docs/reference-values.md), within 10 %.
    assert math.isinf(refractory_threshold(3.0, 30.0, high=100.0))
    late = refractory_threshold(60.0, 30.0, tolerance=0.05)
    assert late == pytest.approx(13.3, rel=0.1)
    # A subthreshold conditioning pulse leaves the test threshold at (or below) its rest value.
    assert refractory_threshold(2.0, 5.0, tolerance=0.05) < 13.3
    with pytest.raises(ParameterError):
        refractory_threshold(0.2, 30.0, width_ms=0.5)


# --- teaching data -----------------------------------------------------------------------------------------------
def test_cartoon_waveform() -> None:
    # Rest -70 mV, peak +40 mV at 2.5 ms, dip -90 mV at 3.5 ms (the textbook cartoon of a spike's phases); the sum
    # of two overlapping Gaussians puts the extremes within 0.06 ms and 0.2 mV of those points.
    t = np.linspace(0.0, 10.0, 100001)
    v = cartoon_action_potential(t)
    assert v.max() == pytest.approx(40.0, abs=0.2)
    assert t[np.argmax(v)] == pytest.approx(2.5, abs=0.06)
    assert v.min() == pytest.approx(-90.0, abs=0.2)
    assert t[np.argmin(v)] == pytest.approx(3.5, abs=0.06)
    assert cartoon_action_potential(2.5) == pytest.approx(40.0, abs=1e-9)
    assert cartoon_action_potential(3.5) == pytest.approx(-90.0, abs=1e-9)
    assert v[0] == pytest.approx(-70.0, abs=1e-6) and v[-1] == pytest.approx(-70.0, abs=1e-6)


def test_kinetics_table() -> None:
    table = kinetics_table(-100.0, 50.0, 151)
    expected = {
        "V",
        "alpha_m",
        "beta_m",
        "alpha_h",
        "beta_h",
        "alpha_n",
        "beta_n",
        "m_inf",
        "h_inf",
        "n_inf",
        "tau_m",
        "tau_h",
        "tau_n",
    }
    assert set(table) == expected
    assert all(table[key].shape == (151,) for key in expected)
    # a_m(-40) = 1 /ms and a_n(-55) = 0.1 /ms (the removable singularities of the HH 1952 rates).
    v = table["V"]
    assert table["alpha_m"][np.argmin(np.abs(v + 40.0))] == pytest.approx(1.0, abs=1e-9)
    assert table["alpha_n"][np.argmin(np.abs(v + 55.0))] == pytest.approx(0.1, abs=1e-9)
    np.testing.assert_allclose(table["tau_n"], 1.0 / (table["alpha_n"] + table["beta_n"]))
    assert np.all(np.diff(table["m_inf"]) > 0) and np.all(np.diff(table["h_inf"]) < 0)
    # Q10 = 3: 10 C warmer, every tau is 3 times shorter; the steady states do not move.
    warm = kinetics_table(-100.0, 50.0, 151, temperature=16.3)
    np.testing.assert_allclose(warm["tau_h"], table["tau_h"] / 3.0, rtol=1e-12)
    np.testing.assert_allclose(warm["n_inf"], table["n_inf"], rtol=1e-12)


def test_nullcline_shapes_and_resting_point() -> None:
    membrane = Membrane()
    rest = resting_potential(membrane)
    exact = nullclines(membrane, 0.0, h_mode="rest")
    assert np.all(np.diff(exact["n_nullcline"]) > 0)  # n_inf(V) rises monotonically
    # With h held at its resting value, the nullclines cross exactly at the full model's rest.
    assert np.min(np.abs(exact["crossings"] - rest)) < 0.05
    # The Rinzel reduction (h = 0.89 - 1.1 n) crosses within 0.5 mV of it.
    reduced = nullclines(membrane, 0.0)
    assert np.min(np.abs(reduced["crossings"] - rest)) < 0.5
    assert "0.89" in reduced["approximation"]
    # Where it exists, the V-nullcline really has dV/dt = 0; elsewhere it is NaN.
    v, n = reduced["V"], reduced["v_nullcline"]
    ok = np.isfinite(n)
    assert ok.sum() > 0.5 * v.size and not ok.all()
    table = kinetics_table(v[0], v[-1], v.size)
    h = np.clip(0.89 - 1.1 * n[ok], 0.0, 1.0)
    current = (
        120.0 * table["m_inf"][ok] ** 3 * h * (v[ok] - 50.0)
        + 36.0 * n[ok] ** 4 * (v[ok] + 77.0)
        + 0.3 * (v[ok] + 54.387)
    )
    assert np.max(np.abs(current)) < 1e-6
    # Depolarising current moves the resting crossing up.
    assert nullclines(membrane, 5.0)["crossings"][0] > reduced["crossings"][0]


def test_nernst_reversals_of_squid_concentrations() -> None:
    # Nernst at 6.3 C (RT/F = 24.08 mV) for squid Na 440/50 and K 20/400 mM (Hille 2001):
    # about +52 and -72 mV (Nernst at 6.3 C with a third of the external sodium), against HH's measured 50 and -77 mV.
    e_na, e_k = nernst_reversals()
    assert e_na == pytest.approx(52.4, abs=0.2)
    assert e_k == pytest.approx(-72.1, abs=0.2)
    # Lowering external sodium lowers E_Na; equal concentrations give 0 mV.
    low_na, _ = nernst_reversals(na_out=147.0)
    assert low_na < e_na - 20.0
    assert nernst_reversals(50.0, 50.0, 20.0, 20.0, 20.0) == (pytest.approx(0.0), pytest.approx(0.0))
    # Warmer: the same ratio gives a proportionally larger potential (RT/F grows with T).
    warm_na, _ = nernst_reversals(temperature=25.0)
    assert warm_na / e_na == pytest.approx((25.0 + 273.15) / (6.3 + 273.15), rel=1e-12)
