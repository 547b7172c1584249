"""The incremental Simulation: chunking, live changes, populations, clamp, blow-up and recording."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhtui.model import (
    Experiment,
    Membrane,
    NumericalInstabilityError,
    ParameterError,
    Pulse,
    Ramp,
    Recording,
    Samples,
    Simulation,
    Step,
    Train,
    VoltageClamp,
    resting_potential,
)
from hhtui.model.channels import rate_table, steady_states, time_constants


def test_starts_at_rest_with_gates_at_steady_state() -> None:
    # docs/reference-values.md (computed): the textbook set's E_L = -54.387 mV gives rest at -65.00 mV.
    sim = Simulation()
    assert sim.t == 0.0
    assert sim.V[0] == pytest.approx(-65.0, abs=0.01)
    gates = steady_states(np.array([sim.V[0]]))
    assert np.allclose(sim.state[1:, 0], [gates["m"][0], gates["h"][0], gates["n"][0]], atol=1e-12)
    out = sim.advance(50.0)  # and it stays there without input
    assert np.max(np.abs(out.V[0] - sim.V[0])) < 1e-6
    # NEURON's hh uses E_L = -54.3 and rests at -64.97 mV.
    assert resting_potential(Membrane(e_l=-54.3)) == pytest.approx(-64.97, abs=0.01)


def test_advance_returns_samples_after_the_current_time() -> None:
    sim = Simulation(stimulus=Step(amplitude=10.0, start=5.0))
    first = sim.advance(10.0)
    second = sim.advance(10.0)
    assert first.t[0] == pytest.approx(0.01) and first.t[-1] == pytest.approx(10.0)
    assert second.t[0] == pytest.approx(10.01) and second.t[-1] == pytest.approx(20.0)
    assert len(first) == len(second) == 1000
    assert sim.t == pytest.approx(20.0)
    assert set(first.columns()) >= {
        "t_ms",
        "V_mV",
        "m",
        "h",
        "n",
        "I_stim_uA_cm2",
        "I_Na_uA_cm2",
        "I_K_uA_cm2",
        "I_L_uA_cm2",
        "g_Na_mS_cm2",
        "g_K_mS_cm2",
    }
    assert list(first.columns())[:5] == ["t_ms", "V_mV", "m", "h", "n"]


def test_chunking_does_not_change_the_result() -> None:
    stimulus = Train(amplitude=15.0, width=0.7, start=2.33, interval=9.1, count=5)
    whole = Simulation(stimulus=stimulus).advance(60.0)
    sim = Simulation(stimulus=stimulus)
    chunks = [sim.advance(d) for d in (0.5, 3.337, 10.0, 0.01, 20.0, 26.153)]
    joined = Samples.concatenate(chunks)
    assert sim.t == pytest.approx(60.0)
    assert np.allclose(joined.t, whole.t, atol=1e-9)
    assert np.allclose(joined.V, whole.V, atol=1e-9)
    assert np.allclose(joined.spike_time, whole.spike_time, atol=1e-9)


def test_live_membrane_change_acts_from_the_current_state() -> None:
    # TTX mid-train: firing stops from that moment; what came before is untouched.
    sim = Simulation(stimulus=Step(amplitude=10.0, start=0.0))
    before = sim.advance(40.0)
    v_now = sim.V.copy()
    sim.set_membrane(g_na=0.0)
    assert np.array_equal(sim.V, v_now)
    after = sim.advance(60.0)
    assert before.spike_time.size >= 2
    assert after.spike_time.size == 0
    assert after.I_Na.max() == 0.0 and after.I_Na.min() == 0.0
    sim.reset()
    assert sim.t == 0.0 and sim.spike_count[0] == 0
    assert sim.advance(100.0).spike_time.size == 0  # reset keeps the (TTX) membrane


def test_pronase_holds_h_at_one() -> None:
    sim = Simulation(Membrane(inactivation=False), Pulse(amplitude=20.0, start=1.0, duration=1.0))
    out = sim.advance(30.0)
    assert np.all(out.h == 1.0)
    # Without inactivation the depolarisation is prolonged: still above -20 mV 10 ms after the pulse.
    assert out.V[0][np.searchsorted(out.t, 12.0)] > -20.0


def test_population_equals_independent_runs() -> None:
    amplitudes = [0.0, 3.0, 7.0, 10.0, 30.0]
    population = Simulation(stimulus=Step(amplitude=amplitudes, start=1.0)).advance(40.0)
    for index, amplitude in enumerate(amplitudes):
        single = Simulation(stimulus=Step(amplitude=amplitude, start=1.0)).advance(40.0)
        assert np.array_equal(population.V[index], single.V[0])
        assert np.array_equal(population.spike_time[population.spike_neuron == index], single.spike_time)


def test_large_population_uses_the_same_numbers() -> None:
    amplitudes = np.linspace(0, 50, 101)
    sim = Simulation(stimulus=Step(amplitude=amplitudes, start=0.0))
    sim.advance(50.0, record=False)
    for index in (0, 13, 60, 100):
        single = Simulation(stimulus=Step(amplitude=amplitudes[index], start=0.0))
        single.advance(50.0, record=False)
        assert sim.spike_count[index] == single.spike_count[0]
        assert np.array_equal(sim.state[:, index], single.state[:, 0])


def test_record_false_and_subsampling() -> None:
    full = Simulation(stimulus=Step(amplitude=10.0)).advance(30.0)
    quiet = Simulation(stimulus=Step(amplitude=10.0)).advance(30.0, record=False)
    assert len(quiet) == 0 and np.array_equal(quiet.spike_time, full.spike_time)
    thinned = Simulation(stimulus=Step(amplitude=10.0), sample_every=0.1).advance(30.0)
    assert len(thinned) == 300
    assert np.array_equal(thinned.V[0], full.V[0][9::10])
    with pytest.raises(ParameterError, match="multiple"):
        Simulation(sample_every=0.015)


def test_ramp_current_is_exact_within_a_piece() -> None:
    out = Simulation(stimulus=Ramp(amplitude=0.0, amplitude_end=4.0, start=0.0, duration=40.0)).advance(40.0)
    assert np.allclose(out.I_stim[0][:-1], 0.1 * out.t[:-1])


def test_voltage_clamp_matches_the_analytic_relaxation() -> None:
    # At a fixed voltage each gate relaxes as x(t) = x_inf + (x0 - x_inf) exp(-t / tau).
    sim = Simulation(stimulus=VoltageClamp(hold=-65.0, level=-20.0, start=2.0, duration=10.0))
    out = sim.advance(20.0)
    x0 = steady_states(np.array([-65.0]))
    x_inf = steady_states(np.array([-20.0]))
    tau = time_constants(np.array([-20.0]))
    inside = (out.t > 2.0) & (out.t <= 12.0)
    elapsed = out.t[inside] - 2.0
    for gate in "mhn":
        expected = x_inf[gate][0] + (x0[gate][0] - x_inf[gate][0]) * np.exp(-elapsed / tau[gate][0])
        assert np.allclose(getattr(out, gate)[0][inside], expected, rtol=0, atol=1e-12)
    # The command is right-continuous: the sample at 2.0 ms is at the level, the one at 12.0 ms back at hold.
    clamped = (out.t >= 2.0) & (out.t < 12.0)
    assert np.all(out.V[0][clamped] == -20.0) and np.all(out.V[0][~clamped] == -65.0)
    assert np.allclose(out.I_clamp, out.I_Na + out.I_K + out.I_L)
    assert "I_clamp_uA_cm2" in out.columns()


def test_blow_up_stops_with_a_clear_message_and_keeps_the_samples() -> None:
    sim = Simulation(stimulus=Step(amplitude=10.0, start=1.0), dt=0.1, method="euler")
    with pytest.raises(NumericalInstabilityError) as caught:
        sim.advance(100.0)
    error = caught.value
    message = str(error)
    assert "dt = 0.1 ms" in message and "euler" in message and "smaller dt" in message
    assert 0.0 < error.time_ms < 100.0
    assert len(error.samples) > 0 and np.all(np.isfinite(error.samples.V))
    assert error.samples.t[-1] <= error.time_ms + 1e-9
    assert np.all(np.isfinite(sim.state)) and sim.halted
    with pytest.raises(NumericalInstabilityError):
        sim.advance(1.0)
    sim.set_solver(dt=0.01)
    sim.reset()  # the last good state may already be far off: a reset starts again from rest
    assert not sim.halted and np.all(np.isfinite(sim.advance(20.0).V))


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ParameterError, match="dt"):
        Simulation(dt=0.0)
    with pytest.raises(ParameterError, match="dt"):
        Simulation(dt=float("nan"))
    with pytest.raises(ParameterError, match="method"):
        Simulation(method="leapfrog")
    with pytest.raises(ParameterError, match="population"):
        Simulation(stimulus=Step(amplitude=[1.0, 2.0]), population=3)
    sim = Simulation()
    with pytest.raises(ParameterError, match="duration"):
        sim.advance(-1.0)
    with pytest.raises(ParameterError):
        sim.set_solver(dt=5.0)
    assert sim.dt == 0.01  # a refused change leaves the simulation as it was


def test_experiment_round_trip_and_run() -> None:
    import json

    experiment = Experiment(
        membrane=Membrane(temperature=10.0, g_k=30.0),
        stimulus=Train(amplitude=12.0, count=2, interval=15.0),
        t_stop=40.0,
        name="two-pulses",
    )
    again = Experiment.from_dict(json.loads(json.dumps(experiment.to_dict())))
    assert again == experiment
    first, second = experiment.run(), again.run()
    assert len(first) == experiment.n_samples == 4001
    assert first.t[0] == 0.0 and np.array_equal(first.V, second.V)
    with pytest.raises(ParameterError, match="unknown key"):
        Experiment.from_dict({"membrane": {}, "stimuls": {}})
    with pytest.raises(ParameterError, match="g_na"):
        Experiment.from_dict({"membrane": {"g_na": -1}})
    with pytest.raises(ParameterError):
        Experiment.from_dict({"solver": {"dt": "fast"}})
    with pytest.raises(ParameterError):
        Experiment.from_dict(["not", "an", "object"])


def test_recording_is_bounded() -> None:
    recording = Recording(max_samples=2500)
    sim = Simulation(stimulus=Step(amplitude=10.0))
    for _ in range(10):
        recording.append(sim.advance(10.0))
    assert len(recording) == 2500 and recording.dropped == 7500
    kept = recording.samples()
    assert kept.t[-1] == pytest.approx(100.0) and kept.t[0] == pytest.approx(75.01)
    assert np.all(np.diff(kept.t) > 0)
    tail = recording.tail(5.0)
    assert tail.t[0] >= 95.0 - 1e-9 and tail.t[-1] == pytest.approx(100.0)


membranes = st.builds(
    Membrane,
    c_m=st.floats(0.5, 3.0),
    g_na=st.floats(0.0, 240.0),
    g_k=st.floats(0.0, 72.0),
    g_l=st.floats(0.2, 1.0),
    e_na=st.floats(30.0, 70.0),
    e_k=st.floats(-100.0, -60.0),
    e_l=st.floats(-70.0, -40.0),
    temperature=st.floats(0.0, 30.0),
    inactivation=st.booleans(),
)


def _assert_physical(samples: Samples) -> None:
    assert np.all(np.isfinite(samples.V)) and np.all(np.abs(samples.V) <= 500.0)
    for gate in (samples.m, samples.h, samples.n):
        assert np.all(gate >= -1e-3) and np.all(gate <= 1.0 + 1e-3)


@settings(deadline=None, max_examples=60)
@given(membrane=membranes, amplitude=st.floats(-20.0, 60.0), method=st.sampled_from(["rk4", "expeuler"]))
def test_valid_parameters_never_give_nan_or_gates_outside_0_1(
    membrane: Membrane, amplitude: float, method: str
) -> None:
    # Property over the physiological range at dt 0.01 ms: a run either finishes with finite V and gates
    # in [0, 1], or (RK4 only) stops with NumericalInstabilityError whose kept samples are all physical.
    # RK4 may legitimately lose stability: strongly hyperpolarised (and faster when warm), beta_m reaches
    # hundreds per ms and |lambda dt| passes RK4's limit of 2.8 (docs/reference-values.md, Numerics: strong
    # hyperpolarisation destabilises explicit methods); or a membrane with a huge open conductance has a time constant
    # C_m / g_total of microseconds. Exponential Euler is unconditionally stable and must always finish.
    sim = Simulation(membrane, Step(amplitude=amplitude, start=1.0), method=method)
    try:
        out = sim.advance(20.0)
    except NumericalInstabilityError as error:
        assert method == "rk4"
        _assert_physical(error.samples)
        # It fails only where the fastest rate of the system approaches RK4's stability limit
        # |lambda dt| ~ 2.8: a gate's a_x + b_x, or the membrane's g_total / C_m (with sodium
        # inactivation removed and a large g_Na, tau_V = C_m / g_total falls to a few microseconds).
        if len(error.samples) == 0:
            return
        table = rate_table(error.samples.V[0][-1:], membrane.temperature)
        gate_rate = max(table[f"alpha_{g}"][0] + table[f"beta_{g}"][0] for g in "mhn")
        g_total = error.samples.g_Na[0][-1] + error.samples.g_K[0][-1] + membrane.g_l
        assert max(gate_rate, g_total / membrane.c_m) * sim.dt > 2.0
        return
    _assert_physical(out)
    if method == "expeuler":
        for gate in (out.m, out.h, out.n):
            assert np.all(gate >= 0.0) and np.all(gate <= 1.0)
