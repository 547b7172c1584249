"""A population of one runs through its own scalar loop, which also writes the currents of the
recorded states; it must give the very same numbers, to the last bit, as the same neuron
integrated inside a population (the loop over blocks of neurons, the currents filled in
afterwards): the same steps, the same rounding, the same spikes, the same blow-up."""

from __future__ import annotations

import numpy as np
import pytest

from hhtui.model import Membrane, NumericalInstabilityError, Pulse, Simulation, Step
from hhtui.model.stimulus import Noise, Ramp, Stimulus, Train

COLUMNS = ("V", "m", "h", "n", "I_stim", "I_Na", "I_K", "I_L", "g_Na", "g_K")


def protocols(amplitude: float | list[float]) -> dict[str, Stimulus]:
    """Protocols whose edges fall on and off the grid of dt = 0.01 ms."""
    return {
        "step on the grid": Step(amplitude=amplitude, start=5.0),
        "pulse off the grid": Pulse(amplitude=amplitude, start=5.004, duration=0.503),
        "train off the grid": Train(amplitude=amplitude, width=0.333, start=2.0007, interval=6.101, count=6),
        "ramp off the grid": Ramp(amplitude=0.0, amplitude_end=amplitude, start=1.0033, duration=27.0071),
    }


def assert_same_bits(single, population, neuron: int) -> None:
    assert np.array_equal(single.t, population.t)
    for name in COLUMNS:
        assert np.array_equal(getattr(single, name)[0], getattr(population, name)[neuron]), name
    assert np.array_equal(single.spike_time, population.spike_time[population.spike_neuron == neuron])


@pytest.mark.parametrize("method", ["rk4", "expeuler", "euler"])
@pytest.mark.parametrize("name", list(protocols(1.0)))
def test_one_neuron_alone_gives_the_bits_of_the_same_neuron_in_a_population(method: str, name: str) -> None:
    amplitudes = [3.0, 15.0, 40.0]
    membrane = Membrane(temperature=18.5)
    together = Simulation(membrane, protocols(amplitudes)[name], method=method, sample_every=0.03)
    out_together = together.advance(40.0, include_start=True)
    for neuron, amplitude in enumerate(amplitudes):
        alone = Simulation(membrane, protocols(amplitude)[name], method=method, sample_every=0.03)
        out_alone = alone.advance(40.0, include_start=True)
        assert_same_bits(out_alone, out_together, neuron)
        assert np.array_equal(alone.state[:, 0], together.state[:, neuron])
    # the protocols do make spikes, so the crossings are compared too
    assert out_together.spike_time.size > 0


def test_chunks_ending_between_grid_points_and_a_spike_without_recording() -> None:
    stimulus = Noise(mean=8.0, std=6.0, bin_width=0.0137, seed=5)
    alone = Simulation(Membrane(), stimulus)
    together = Simulation(Membrane(), stimulus, population=2)
    for duration in (7.3333, 11.0, 0.0049, 31.25):
        assert_same_bits(alone.advance(duration), together.advance(duration), 1)
    quiet_alone = alone.advance(50.0, record=False)
    quiet_together = together.advance(50.0, record=False)
    assert quiet_alone.spike_time.size > 0
    assert np.array_equal(quiet_alone.spike_time, quiet_together.spike_time[quiet_together.spike_neuron == 0])
    assert np.array_equal(alone.state[:, 0], together.state[:, 1])


@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_a_blow_up_stops_one_neuron_where_it_stops_it_in_a_population(method: str) -> None:
    # dt 0.1 ms with a 10 uA/cm^2 step: forward Euler and RK4 are unstable there.
    alone = Simulation(Membrane(), Step(amplitude=10.0), dt=0.1, method=method)
    together = Simulation(Membrane(), Step(amplitude=[10.0, 10.0]), dt=0.1, method=method)
    with pytest.raises(NumericalInstabilityError) as error_alone:
        alone.advance(100.0)
    with pytest.raises(NumericalInstabilityError) as error_together:
        together.advance(100.0)
    assert error_alone.value.time_ms == error_together.value.time_ms
    assert len(error_alone.value.samples) > 0
    assert_same_bits(error_alone.value.samples, error_together.value.samples, 1)
    assert np.array_equal(alone.state[:, 0], together.state[:, 1])
    assert alone.halted_reason is not None and together.halted_reason is not None
