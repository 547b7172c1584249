"""One membrane core for every path: the point neuron, the population, the cable and the network
start from the same rest, step onto stimulus edges alike, and a run can continue from any state."""

from __future__ import annotations

import numpy as np
import pytest

from hhtui.model import (
    Membrane,
    NumericalInstabilityError,
    ParameterError,
    Pulse,
    Samples,
    Simulation,
    Step,
    VoltageClamp,
)
from hhtui.model.cable import CableSettings, simulate_cable
from hhtui.model.channels import steady_states, time_constants
from hhtui.model.network import NetworkSettings, simulate_network


def test_every_path_starts_from_the_same_rest() -> None:
    membrane = Membrane(temperature=18.5, g_l=0.4)
    point = Simulation(membrane).state[:, 0]
    cable = simulate_cable(CableSettings(nseg=8, length_cm=0.1, t_stop=0.01, sample_every=0.01, membrane=membrane))
    network = simulate_network(NetworkSettings(n=2, t_stop=0.01, sample_every=0.01, kick_at=1.0, membrane=membrane))
    assert cable.V[0, 0] == point[0]
    assert network.V[0, 0] == point[0]


def test_a_run_continues_from_a_state_as_if_never_stopped() -> None:
    whole = Simulation(Membrane(), Step(amplitude=10.0, start=2.0))
    whole.advance(13.37)
    state, t = whole.state[:, 0].copy(), whole.t
    rest = whole.advance(20.0)
    other = Simulation(Membrane(), Step(amplitude=10.0, start=2.0))
    other.set_state(state, t)
    again = other.advance(20.0)
    assert np.array_equal(again.t, rest.t)
    assert np.array_equal(again.V, rest.V)
    assert np.array_equal(again.spike_time, rest.spike_time)


def test_set_state_takes_one_column_per_neuron() -> None:
    sim = Simulation(Membrane(), Step(amplitude=np.array([0.0, 10.0, 20.0]), start=0.0))
    sim.advance(7.0)
    copy = Simulation(Membrane(), Step(amplitude=np.array([0.0, 10.0, 20.0]), start=0.0))
    copy.set_state(sim.state, sim.t)
    assert np.array_equal(copy.advance(5.0).V, sim.advance(5.0).V)


@pytest.mark.parametrize(
    ("state", "t", "words"),
    [
        ([-65.0, 0.05, 0.6], 0.0, "shape"),
        ([[-65.0, 0.05, 0.6, 0.3]] * 2, 0.0, "shape"),
        ([np.nan, 0.05, 0.6, 0.3], 0.0, "not a membrane state"),
        ([-65.0, 1.5, 0.6, 0.3], 0.0, "not a membrane state"),
        ([900.0, 0.05, 0.6, 0.3], 0.0, "not a membrane state"),
        ([-65.0, 0.05, 0.6, 0.3], -1.0, "t = -1"),
        ([-65.0, 0.05, 0.6, 0.3], float("inf"), "t must be a finite number"),
        ("rest", 0.0, "state must be numbers"),
    ],
)
def test_a_bad_state_is_refused_and_nothing_changes(state: object, t: float, words: str) -> None:
    sim = Simulation()
    before, t_before = sim.state.copy(), sim.t
    with pytest.raises(ParameterError, match=words):
        sim.set_state(state, t)
    assert np.array_equal(sim.state, before) and sim.t == t_before


def test_set_state_lifts_a_halt_and_holds_h_without_inactivation() -> None:
    sim = Simulation(Membrane(inactivation=False), Step(amplitude=200.0, start=0.0), dt=0.5, method="euler")
    with pytest.raises(NumericalInstabilityError):
        sim.advance(10.0)
    assert sim.halted
    sim.set_state([-65.0, 0.05, 0.6, 0.3], 0.0)
    assert not sim.halted and sim.state[2, 0] == 1.0


def test_advance_can_include_the_start_sample() -> None:
    sim = Simulation(Membrane(), Pulse(20.0, 1.0, 1.0))
    again = Simulation(Membrane(), Pulse(20.0, 1.0, 1.0))
    glued = Samples.concatenate([again.snapshot(), again.advance(10.0)])
    run = sim.advance(10.0, include_start=True)
    assert run.t[0] == 0.0 and len(run) == len(glued)
    assert np.array_equal(run.V, glued.V) and np.array_equal(run.I_stim, glued.I_stim)
    assert np.array_equal(run.spike_time, glued.spike_time)


def test_voltage_clamp_through_the_runner_is_the_exact_relaxation() -> None:
    """Under clamp each gate relaxes exponentially towards x_inf(V) with tau_x(V) (HH 1952, eq. 7
    ff.): the runner's grid steps compose to that exponential, chunked or not."""
    clamp = VoltageClamp(hold=-65.0, level=-20.0, start=1.0, duration=50.0)
    sim = Simulation(Membrane(), clamp)
    pieces = [sim.advance(d) for d in (0.37, 2.0, 3.63)]
    run = Samples.concatenate(pieces)
    x0 = steady_states(np.array([-65.0]))
    x_inf = steady_states(np.array([-20.0]))
    tau = time_constants(np.array([-20.0]))
    after = run.t >= 1.0
    elapsed = run.t[after] - 1.0
    for gate in "mhn":
        exact = x_inf[gate][0] + (x0[gate][0] - x_inf[gate][0]) * np.exp(-elapsed / tau[gate][0])
        assert np.max(np.abs(getattr(run, gate)[0, after] - exact)) < 1e-12
    assert np.all(run.V[0, after] == -20.0) and np.all(run.V[0, ~after] == -65.0)
    assert run.spike_time.size == 0


def test_network_kick_between_grid_points_is_stepped_onto_as_in_the_point_neuron() -> None:
    """A kick whose onset and end fall between grid points: the network cuts those steps as the
    point neuron does, so an unconnected neuron fires when the single-neuron simulation does."""
    membrane = Membrane()
    settings = NetworkSettings(
        n=2, topology="chain", weight=0.0, kick_amp=30.0, kick_at=1.0037, kick_duration=0.5013, t_stop=20.0
    )
    network = simulate_network(settings).spike_times_of(0)
    point = Simulation(membrane, Pulse(30.0, 1.0037, 0.5013)).advance(20.0).spike_time
    assert network.size == point.size == 1
    assert network[0] == pytest.approx(point[0], abs=1e-9)


def test_cable_stimulus_between_grid_points_converges_at_second_order() -> None:
    """Crank-Nicolson is second order in dt, also when the pulse's edges fall between grid points
    (they are stepped onto): two halvings of dt cut the error of the arrival times by more than
    ten (16 in theory; a first-order treatment of the edges would give 4)."""
    base = dict(nseg=60, length_cm=0.6, t_stop=1.5, stim_delay=0.1033, stim_duration=0.1011, sample_every=0.1)
    reference = simulate_cable(CableSettings(dt=0.0001, **base)).arrival_ms  # type: ignore[arg-type]
    errors = []
    for dt in (0.02, 0.01, 0.005):
        arrival = simulate_cable(CableSettings(dt=dt, **base)).arrival_ms  # type: ignore[arg-type]
        errors.append(float(np.max(np.abs(arrival - reference))))
    assert errors[0] / errors[2] > 10.0
