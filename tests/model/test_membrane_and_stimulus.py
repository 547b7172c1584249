"""Parameter validation and the stimulus protocols."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hhtui.model import (
    Membrane,
    Noise,
    NoStimulus,
    ParameterError,
    Pulse,
    Ramp,
    Step,
    Train,
    VoltageClamp,
    nernst_potential,
    stimulus_from_dict,
)


def test_default_membrane_is_the_1952_squid_axon() -> None:
    membrane = Membrane()
    assert (membrane.c_m, membrane.g_na, membrane.g_k, membrane.g_l) == (1.0, 120.0, 36.0, 0.3)
    assert (membrane.e_na, membrane.e_k, membrane.e_l, membrane.temperature) == (50.0, -77.0, -54.387, 6.3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("c_m", 0.0),
        ("c_m", -1.0),
        ("g_na", -0.1),
        ("g_k", -5),
        ("g_l", -1e-9),
        ("c_m", math.nan),
        ("e_na", math.inf),
        ("temperature", 1e9),
        ("g_k", "lots"),
        ("e_l", None),
        ("g_na", True),
    ],
)
def test_impossible_values_are_refused_with_the_name_and_range(name: str, value: object) -> None:
    with pytest.raises(ParameterError) as error:
        Membrane(**{name: value})
    message = str(error.value)
    assert name in message
    assert "[" in message or "(" in message or "number" in message


def test_unknown_membrane_parameter_is_refused() -> None:
    with pytest.raises(ParameterError, match="gna"):
        Membrane().replace(gna=1.0)


def test_pulse_is_on_for_start_le_t_lt_end() -> None:
    # Issue 2: a pulse of start 5 and duration 1 is on for 5 <= t < 6.
    pulse = Pulse(amplitude=3.0, start=5.0, duration=1.0)
    current = pulse.current(np.array([4.999, 5.0, 5.5, 5.999, 6.0, 7.0]))[0]
    assert list(current) == [0.0, 3.0, 3.0, 3.0, 0.0, 0.0]
    assert pulse.edges(0.0, 10.0) == [5.0, 6.0]


def test_train_pulses_and_edges() -> None:
    train = Train(amplitude=2.0, width=1.0, start=10.0, interval=5.0, count=3)
    t = np.array([9.9, 10.0, 10.9, 11.0, 15.0, 20.5, 21.0, 25.0])
    assert list(train.current(t)[0]) == [0, 2, 2, 0, 2, 2, 0, 0]
    assert train.edges(0, 100) == [10.0, 11.0, 15.0, 16.0, 20.0, 21.0]
    assert train.edges(14.0, 17.0) == [15.0, 16.0]
    with pytest.raises(ParameterError, match="interval"):
        Train(width=2.0, interval=1.0, count=2)
    with pytest.raises(ParameterError, match="count"):
        Train(count=0)


def test_step_ramp_and_population_amplitudes() -> None:
    step = Step(amplitude=[1.0, 2.0, 3.0], start=1.0, duration=2.0)
    assert step.population == 3
    assert step.current(np.array([0.5, 1.5, 3.0])).tolist() == [[0, 1, 0], [0, 2, 0], [0, 3, 0]]
    ramp = Ramp(amplitude=0.0, amplitude_end=10.0, start=0.0, duration=10.0)
    assert ramp.current(np.array([0.0, 5.0, 9.99, 10.0]))[0] == pytest.approx([0.0, 5.0, 9.99, 0.0])
    value, slope, origin = ramp.affine(2.0)
    # anchored at the ramp's start, whatever the time asked about inside it
    assert (value[0], slope[0], origin) == (0.0, 1.0, 0.0)
    assert value[0] + slope[0] * (2.0 - origin) == pytest.approx(2.0)


def test_noise_is_reproducible_and_independent_of_chunking() -> None:
    noise = Noise(mean=5.0, std=2.0, bin_width=0.5, seed=42)
    t = np.arange(0, 5000, 0.25)
    whole = noise.current(t)
    pieces = np.concatenate([noise.current(t[i : i + 777]) for i in range(0, t.size, 777)], axis=1)
    assert np.array_equal(whole, pieces)
    assert np.array_equal(whole, Noise(mean=5.0, std=2.0, bin_width=0.5, seed=42).current(t))
    assert not np.array_equal(whole, Noise(mean=5.0, std=2.0, bin_width=0.5, seed=43).current(t))
    assert whole.mean() == pytest.approx(5.0, abs=0.1)
    assert whole.std() == pytest.approx(2.0, rel=0.05)


def test_voltage_clamp_command() -> None:
    clamp = VoltageClamp(hold=-70.0, level=10.0, start=2.0, duration=3.0)
    assert clamp.command(np.array([0.0, 2.0, 4.99, 5.0])).tolist() == [-70.0, 10.0, 10.0, -70.0]
    with pytest.raises(ParameterError, match="level"):
        VoltageClamp(level=1000.0)


@pytest.mark.parametrize(
    "stimulus", [NoStimulus(), Step(), Pulse(), Train(count=4, interval=7.0), Ramp(), Noise(seed=3), VoltageClamp()]
)
def test_stimulus_round_trips_through_a_dictionary(stimulus) -> None:
    import json

    again = stimulus_from_dict(json.loads(json.dumps(stimulus.to_dict())))
    assert again.to_dict() == stimulus.to_dict()
    t = np.linspace(0, 60, 601)
    if not stimulus.is_clamp:
        assert np.array_equal(again.current(t), stimulus.current(t))


def test_stimulus_from_dict_refuses_unknown_things() -> None:
    with pytest.raises(ParameterError, match="unknown stimulus type"):
        stimulus_from_dict({"type": "sine"})
    with pytest.raises(ParameterError, match="amp"):
        stimulus_from_dict({"type": "step", "amp": 3})
    with pytest.raises(ParameterError):
        stimulus_from_dict({"type": "step", "amplitude": "10"} | {"start": "x"})


def test_nernst_potentials() -> None:
    # RT/F = 25.69 mV at 25 C; K+ 5 mM out / 140 mM in gives about -85.6 mV.
    assert nernst_potential(5.0, 140.0, 25.0) == pytest.approx(-85.6, abs=0.1)
    assert nernst_potential(10.0, 10.0, 6.3) == 0.0
    with pytest.raises(ParameterError):
        nernst_potential(0.0, 10.0, 6.3)


def test_combined_stimulus_sums_its_parts_and_round_trips() -> None:
    import json

    from hhtui.model import Combined

    combined = Combined(
        parts=(
            Ramp(amplitude=0.0, amplitude_end=5.0, start=0.0, duration=10.0),
            Step(amplitude=2.0, start=10.0),
            Pulse(amplitude=10.0, start=12.0, duration=1.0),
        )
    )
    t = np.array([0.0, 5.0, 10.0, 12.5, 13.0])
    assert combined.current(t)[0] == pytest.approx([0.0, 2.5, 2.0, 12.0, 2.0])
    assert combined.edges(0.0, 20.0) == [10.0, 12.0, 13.0]
    value, slope, origin = combined.affine(5.0)
    assert value[0] + slope[0] * (5.0 - origin) == pytest.approx(2.5) and slope[0] == pytest.approx(0.5)
    assert combined.affine(7.0)[2] == origin
    again = stimulus_from_dict(json.loads(json.dumps(combined.to_dict())))
    assert np.array_equal(again.current(np.linspace(0, 20, 201)), combined.current(np.linspace(0, 20, 201)))
    with pytest.raises(ParameterError, match="parts"):
        Combined(parts=())
    with pytest.raises(ParameterError, match="clamp"):
        Combined(parts=(Step(), VoltageClamp()))
    with pytest.raises(ParameterError, match="parts"):
        stimulus_from_dict({"type": "sum", "parts": "step"})


def test_a_pulse_of_a_few_1e_320_ms_runs_as_no_pulse_at_all() -> None:
    """A width the range allows but a float cannot add to its onset (5 + 1e-320 == 5) used to
    make the edge search divide by it and fail; now the train is simply over before it starts."""
    from hhtui.headless import run_experiment
    from hhtui.model import Experiment
    from hhtui.model.stimulus import Train

    for count, interval in ((1, 1e-320), (5, 1e-320)):
        tiny = Train(amplitude=20.0, width=1e-320, start=1.0, interval=interval, count=count)
        assert tiny.edge_times(0.0, 10.0).tolist() == [1.0]
        t = np.linspace(0.0, 10.0, 101)
        assert np.array_equal(np.nonzero(tiny.current(t)[0])[0], [10])  # on at its onset alone
        samples, spikes = run_experiment(Experiment(stimulus=tiny, t_stop=5.0))
        assert spikes == 0 and np.all(np.isfinite(samples.V)) and samples.V.max() < -60.0
