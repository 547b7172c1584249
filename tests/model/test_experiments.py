"""The classic experiments: each preset loads, round-trips, runs and shows its expected outcome."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hhtui.experiments import BISTABLE_LEVEL, PRESETS, VIEWS, blocker, get_preset, preset_names, voltage_clamp_family
from hhtui.model import Combined, Experiment, Membrane, ParameterError, Simulation, Step
from hhtui.model.analysis import ap_phases, spike_half_widths, spike_peaks, spike_times

EXPECTED_NAMES = [
    "rest",
    "threshold",
    "all-or-none",
    "refractory",
    "repetitive",
    "fi-curve",
    "bistability",
    "anode-break",
    "ttx",
    "tea",
    "pronase",
    "voltage-clamp",
    "temperature",
    "heat-block",
    "low-sodium",
    "phases",
    "kinetics",
    "phase-plane",
]


def trace(experiment: Experiment, t_stop: float | None = None) -> tuple[np.ndarray, np.ndarray, object]:
    samples = (experiment if t_stop is None else experiment.replace(t_stop=t_stop)).run()
    return samples.t, samples.V[0], samples


def test_names_and_order() -> None:
    assert sorted(preset_names()) == sorted(EXPECTED_NAMES)
    assert preset_names() == list(PRESETS)
    assert preset_names()[0] == "rest"


def test_unknown_preset_lists_the_names() -> None:
    with pytest.raises(ValueError) as error:
        get_preset("nope")
    for name in EXPECTED_NAMES:
        assert name in str(error.value)


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_preset_is_complete_and_round_trips(name: str) -> None:
    experiment = get_preset(name)
    assert experiment.name == name
    assert experiment.title and len(experiment.description) > 150  # a real paragraph
    assert experiment.view in VIEWS
    data = experiment.to_dict()
    assert Experiment.from_dict(json.loads(json.dumps(data))) == experiment
    assert Experiment.from_dict(data).to_dict() == data


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_preset_runs_without_nan(name: str) -> None:
    _, v, samples = trace(get_preset(name), t_stop=min(get_preset(name).t_stop, 40.0))
    assert np.all(np.isfinite(v))
    assert np.all(np.isfinite(samples.I_Na)) and np.all(np.isfinite(samples.I_K))


def test_views() -> None:
    assert get_preset("fi-curve").view == "fi"
    assert get_preset("voltage-clamp").view == "currents"
    assert get_preset("phases").view == "phases"
    assert get_preset("kinetics").view == "kinetics"
    assert get_preset("phase-plane").view == "phase"


# --- expected outcomes ---------------------------------------------------------------------------------
def test_rest_stays_at_rest() -> None:
    t, v, _ = trace(get_preset("rest"))
    assert np.ptp(v) < 1e-6
    assert v[0] == pytest.approx(-65.0, abs=0.1)


def test_threshold_fires_one_spike_and_just_below_does_not() -> None:
    experiment = get_preset("threshold")
    t, v, _ = trace(experiment)
    assert spike_times(t, v).size == 1
    below = experiment.replace(stimulus=experiment.stimulus.with_amplitude(6.5))
    t, v, _ = trace(below)
    assert spike_times(t, v).size == 0


def test_all_or_none_spikes_are_the_same_size() -> None:
    # Below the 1 ms threshold (6.9 uA/cm^2, computed; docs/reference-values.md) nothing fires; above it every pulse
    # fires a spike whose peak hardly depends on the stimulus (within 5 mV while the current grows fivefold).
    experiment = get_preset("all-or-none")
    t, v, _ = trace(experiment)
    times = spike_times(t, v)
    onsets = [part.start for part in experiment.stimulus.parts]
    amplitudes = [part.amplitude for part in experiment.stimulus.parts]
    fired = [bool(np.any((times > onset) & (times < onset + 15.0))) for onset in onsets]
    assert fired == [amplitude > 6.9 for amplitude in amplitudes]
    _, peaks = spike_peaks(t, v)
    assert peaks.size == sum(fired) >= 3
    assert np.ptp(peaks) < 5.0


def test_refractory_second_pulse_fails_at_10_ms_and_fires_at_20_ms() -> None:
    experiment = get_preset("refractory")
    t, v, _ = trace(experiment)
    assert spike_times(t, v).size == 1
    later = experiment.replace(
        stimulus=type(experiment.stimulus)(
            amplitude=experiment.stimulus.amplitude, width=0.5, start=5.0, interval=20.0, count=2
        )
    )
    t, v, _ = trace(later)
    assert spike_times(t, v).size == 2


def test_repetitive_fires_regularly() -> None:
    t, v, _ = trace(get_preset("repetitive"))
    times = spike_times(t, v)
    assert times.size >= 6
    assert np.ptp(np.diff(times)[1:]) < 0.5


def test_bistability_slow_ramp_rests_until_the_pulse_switches_firing_on() -> None:
    experiment = get_preset("bistability")
    ramp, hold, kick = experiment.stimulus.parts
    t, v, _ = trace(experiment)
    times = spike_times(t, v)
    # Rest persists through the slow ramp and at the held 7.5 uA/cm^2 ...
    assert times.size >= 6 and times[0] > kick.start
    # ... the 1 ms pulse switches firing on for good, at the same holding current.
    assert times[-1] > t[-1] - 30.0
    # Without the pulse the same protocol stays at rest; an abrupt step to the level fires at once.
    quiet = experiment.replace(stimulus=Combined(parts=(ramp, hold)))
    assert spike_times(*trace(quiet)[:2]).size == 0
    abrupt = experiment.replace(stimulus=Step(amplitude=BISTABLE_LEVEL, start=5.0))
    assert spike_times(*trace(abrupt)[:2]).size >= 6


def test_anode_break_rebound_after_release() -> None:
    experiment = get_preset("anode-break")
    release = experiment.stimulus.start + experiment.stimulus.duration
    t, v, _ = trace(experiment)
    times = spike_times(t, v)
    assert times.size == 1 and times[0] > release


def test_ttx_abolishes_spikes() -> None:
    t, v, _ = trace(get_preset("ttx"))
    assert spike_times(t, v).size == 0
    assert v.max() < -40.0


def test_tea_broadens_the_spike() -> None:
    experiment = get_preset("tea")
    t, v, _ = trace(experiment)
    control_t, control_v, _ = trace(experiment.replace(membrane=Membrane()))
    assert spike_half_widths(t, v)[0] > spike_half_widths(control_t, control_v)[0] + 0.1
    assert spike_times(t, v).size > spike_times(control_t, control_v).size == 1


def test_pronase_gives_a_depolarised_plateau() -> None:
    t, v, _ = trace(get_preset("pronase"))
    assert spike_times(t, v).size == 1
    # Long after the 1 ms pulse the membrane is still depolarised (normal rest: -65 mV).
    assert np.all(v[t > 30.0] > 0.0)


def test_voltage_clamp_inward_then_outward() -> None:
    experiment = get_preset("voltage-clamp")
    _, _, samples = trace(experiment)
    t = samples.t
    clamp = samples.I_clamp[0]
    start = experiment.stimulus.start
    early = (t >= start) & (t < start + 1.5)
    late = (t >= start + 5.0) & (t < start + experiment.stimulus.duration)
    assert clamp[early].min() < -500.0  # inward sodium current first
    assert np.all(clamp[late] > 0.0)  # then outward potassium current
    assert t[early][np.argmin(clamp[early])] < t[late][np.argmax(clamp[late])]


def test_temperature_fires_faster_with_narrower_spikes() -> None:
    warm_t, warm_v, _ = trace(get_preset("temperature"))
    cold = get_preset("temperature").replace(membrane=Membrane())
    cold_t, cold_v, _ = trace(cold)
    assert spike_times(warm_t, warm_v).size > 1.5 * spike_times(cold_t, cold_v).size
    assert spike_half_widths(warm_t, warm_v)[0] < 0.5 * spike_half_widths(cold_t, cold_v)[0]


def test_heat_block_no_sustained_firing() -> None:
    t, v, _ = trace(get_preset("heat-block"))
    assert spike_times(t[t > 20.0], v[t > 20.0]).size == 0


def test_low_sodium_shrinks_the_spike() -> None:
    experiment = get_preset("low-sodium")
    assert experiment.membrane.e_na < 30.0
    t, v, _ = trace(experiment)
    control_t, control_v, _ = trace(experiment.replace(membrane=Membrane()))
    assert spike_peaks(t, v)[1][0] < spike_peaks(control_t, control_v)[1][0] - 15.0


def test_phases_preset_has_one_labelled_spike_near_the_cartoon() -> None:
    t, v, _ = trace(get_preset("phases"))
    phases = ap_phases(t, v)
    assert len(phases) == 1
    assert phases[0].peak_time == pytest.approx(2.5, abs=0.3)  # aligned with the cartoon's peak


def test_fi_curve_kinetics_and_phase_plane_presets_fire() -> None:
    for name in ("fi-curve", "kinetics", "phase-plane"):
        t, v, _ = trace(get_preset(name), t_stop=50.0)
        assert spike_times(t, v).size >= 3


# --- helpers -------------------------------------------------------------------------------------------------
def test_blocker() -> None:
    membrane = Membrane()
    assert blocker(membrane, "ttx").g_na == 0.0
    assert blocker(membrane, "TTX", 0.25).g_na == pytest.approx(90.0)
    assert blocker(membrane, "tea", 0.5).g_k == pytest.approx(18.0)
    assert blocker(membrane, "pronase").inactivation is False
    assert blocker(membrane, "pronase", 0.0) == membrane
    assert blocker(membrane, "ttx", 0.0) == membrane
    with pytest.raises(ParameterError):
        blocker(membrane, "curare")
    with pytest.raises(ParameterError):
        blocker(membrane, "ttx", 1.5)


def test_voltage_clamp_family_shapes_and_reversal() -> None:
    levels = [-45.0, 0.0, 45.0, 60.0]
    family = voltage_clamp_family(levels=levels, duration=10.0, pre=2.0, post=3.0)
    assert family["levels"].tolist() == levels
    n = family["t"].size
    for name in ("V", "I_Na", "I_K", "I_L", "I_clamp", "g_Na", "g_K"):
        assert family[name].shape == (len(levels), n)
    during = (family["t"] >= 2.0) & (family["t"] < 12.0)
    np.testing.assert_allclose(family["V"][:, during], np.array(levels)[:, None] * np.ones(during.sum()))
    # Sodium current is inward below E_Na = +50 mV and outward above it.
    assert family["I_Na"][2, during].min() < 0.0
    assert family["I_Na"][3, during].max() > 0.0 and family["I_Na"][3, during].min() >= 0.0
    np.testing.assert_allclose(family["I_clamp"], family["I_Na"] + family["I_K"] + family["I_L"])


def test_bistability_a_well_timed_pulse_switches_firing_off() -> None:
    # The description's last claim (Guttman, Lewis & Rinzel 1980 showed it in the squid axon):
    # while firing at 7.5 uA/cm^2, a 0.5 ms pulse of +10 uA/cm^2 about 9 ms after a spike
    # pushes the state into the basin of the resting point and firing stops.
    level = BISTABLE_LEVEL
    sim = Simulation(Membrane(), Step(amplitude=level, start=0.0))
    sim.advance(200.0, record=False)
    spike = None
    for _ in range(300):  # firing at ~60 Hz: a spike comes within 30 ms
        chunk = sim.advance(0.1, record=False)
        if chunk.spike_time.size:
            spike = float(chunk.spike_time[-1])
            break
    assert spike is not None
    sim.advance(spike + 9.0 - sim.t, record=False)
    sim.set_stimulus(Step(amplitude=level + 10.0, start=0.0))
    sim.advance(0.5, record=False)
    sim.set_stimulus(Step(amplitude=level, start=0.0))
    sim.advance(50.0, record=False)
    before = int(sim.spike_count[0])
    sim.advance(150.0, record=False)
    assert sim.spike_count[0] == before  # silent for the last 150 ms
