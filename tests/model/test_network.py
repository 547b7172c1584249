"""Networks of HH neurons: travelling spikes on rings and chains, synaptic sign and delay."""

from __future__ import annotations

import numpy as np
import pytest

from hhtui.model import Membrane, ParameterError, Simulation, Step
from hhtui.model.network import (
    INHIBITORY_E_SYN_MV,
    Connections,
    NetworkSettings,
    build_connections,
    rule_pairs,
    simulate_network,
)
from hhtui.model.simulation import resting_potential

REST = resting_potential(Membrane())


def pair(**changes: object) -> NetworkSettings:
    """Neuron 0 (kicked at 1 ms) drives neuron 1 through one synapse; V recorded every step."""
    base: dict[str, object] = {
        "n": 2,
        "topology": "list",
        "connections": ((0, 1),),
        "t_stop": 30.0,
        "sample_every": 0.01,
    }
    base.update(changes)
    return NetworkSettings(**base)  # type: ignore[arg-type]


def test_excitatory_ring_sustains_a_travelling_spike() -> None:
    """A kick to neuron 0 starts a spike that goes round the ring 0 -> 1 -> ... -> 9 -> 0 and
    keeps going long after the kick is over."""
    settings = NetworkSettings(n=10, topology="ring", weight=0.5, delay=1.0, t_stop=100.0)
    result = simulate_network(settings)
    counts = result.spike_counts()
    assert np.all(counts >= 3), counts
    # Still travelling at the end: spikes in the last 20 ms, 80 ms after the 1 ms kick.
    assert result.spike_time.max() > settings.t_stop - 20.0
    # The order is the ring order, lap after lap.
    expected = np.arange(result.spike_neuron.size) % settings.n
    assert np.array_equal(result.spike_neuron, expected)
    # Each hop takes at least the synaptic delay.
    assert np.all(np.diff(result.spike_time) >= settings.delay)


def test_inhibitory_ring_does_not_propagate() -> None:
    """The same ring with inhibitory synapses (E_syn = -80 mV): only the kicked neuron fires."""
    settings = NetworkSettings(n=10, topology="ring", weight=0.5, delay=1.0, t_stop=100.0, e_syn=INHIBITORY_E_SYN_MV)
    result = simulate_network(settings)
    assert np.array_equal(result.spike_neuron, [0])
    assert settings.inhibitory


def test_spike_travels_down_a_chain_in_order() -> None:
    settings = NetworkSettings(n=8, topology="chain", weight=0.5, delay=2.0, t_stop=60.0)
    result = simulate_network(settings)
    assert np.array_equal(result.spike_neuron, np.arange(8))  # each fires once, in chain order
    assert np.all(np.diff(result.spike_time) >= settings.delay)
    # A chain has an end: nothing comes back to neuron 0.
    assert result.spike_counts()[0] == 1


@pytest.mark.parametrize("e_syn, sign", [(0.0, +1.0), (INHIBITORY_E_SYN_MV, -1.0)])
def test_synaptic_current_sign(e_syn: float, sign: float) -> None:
    """A subthreshold synapse onto a resting cell: excitatory (E_syn 0 mV) depolarises it,
    inhibitory (E_syn -80 mV, below rest near -65 mV) hyperpolarises it."""
    settings = pair(weight=0.02, delay=1.0, e_syn=e_syn)
    result = simulate_network(settings)
    assert np.array_equal(result.spike_neuron, [0])  # neuron 1 stays below threshold
    v1 = result.voltage_of(1) - REST
    arrival = result.spike_times_of(0)[0] + settings.delay
    soon = (result.t > arrival) & (result.t < arrival + 1.0)
    assert np.all(sign * v1[soon][10:] > 0.0)  # the first ms of the response has the synapse's sign
    main = v1.max() if sign > 0 else v1.min()
    other = v1.min() if sign > 0 else v1.max()
    assert sign * main > 0.05
    assert abs(main) > 2 * abs(other)  # any rebound after it is smaller


@pytest.mark.parametrize("delay", [0.0, 0.5, 2.0, 5.37])
def test_response_starts_after_the_delay(delay: float) -> None:
    """The postsynaptic voltage stays at rest until the presynaptic spike time plus the delay,
    then moves within a couple of steps."""
    settings = pair(weight=0.02, delay=delay, dt=0.01)
    result = simulate_network(settings)
    v1 = result.voltage_of(1)
    t_pre = result.spike_times_of(0)[0]
    moved = np.nonzero(np.abs(v1 - v1[0]) > 1e-7)[0]
    assert moved.size > 0
    t_moved = result.t[moved[0]]
    assert t_moved >= t_pre + delay
    assert t_moved <= t_pre + delay + 3 * settings.dt


def test_weights_scale_the_response() -> None:
    small = simulate_network(pair(weight=0.01)).voltage_of(1).max() - REST
    large = simulate_network(pair(weight=0.03)).voltage_of(1).max() - REST
    assert large == pytest.approx(3 * small, rel=0.2)  # nearly linear when small


def test_uncoupled_neuron_matches_the_single_neuron_simulation() -> None:
    """With no synapses the network is N independent HH neurons stepped by the same integrator:
    same spikes as :class:`Simulation` under the same current. Neurons driven faster than the
    first guess of spike storage are rerun with room for all spikes."""
    membrane = Membrane(temperature=20.0)
    settings = NetworkSettings(
        n=5,
        topology="chain",
        weight=0.0,
        kick_neurons=(0, 1, 2, 3, 4),
        kick_amp=20.0,
        kick_at=0.0,
        kick_duration=100.0,
        t_stop=100.0,
        membrane=membrane,
        dt=0.01,
    )
    result = simulate_network(settings)
    counts = result.spike_counts()
    assert np.all(counts == counts[0])
    assert result.spike_time.size > settings.n * (settings.t_stop / 5.0 + 4)  # beyond the first guess
    sim = Simulation(membrane, Step(amplitude=20.0, start=0.0, duration=100.0), dt=0.01, method="rk4")
    samples = sim.advance(100.0)
    assert counts[0] == int(sim.spike_count[0])
    assert np.allclose(result.spike_times_of(0), samples.spike_time, atol=1e-6)


def test_mixed_excitatory_and_inhibitory_list() -> None:
    """Per-synapse reversal potentials: neuron 2 gets excitation from 0 and inhibition from 1."""
    settings = NetworkSettings(
        n=3,
        topology="list",
        kick_neurons=(0, 1),
        t_stop=20.0,
        sample_every=0.01,
        connections=((0, 2, 0.02, 1.0, 0.0), (1, 2, 0.02, 6.0, -80.0)),
    )
    result = simulate_network(settings)
    v2 = result.voltage_of(2) - REST
    spike = result.spike_times_of(0)[0]
    assert v2[np.searchsorted(result.t, spike + 2.0)] > 0.05  # excitation first
    assert v2[np.searchsorted(result.t, spike + 7.5)] < -0.05  # then inhibition


def test_rule_pairs() -> None:
    pre, post = rule_pairs("ring", 5)
    assert list(zip(pre, post)) == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]
    pre, post = rule_pairs("chain", 5)
    assert list(zip(pre, post)) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    pre, post = rule_pairs("all", 4)
    assert len(pre) == 12 and not np.any(pre == post)
    assert len(set(zip(pre, post))) == 12


def test_random_rule_is_seeded_without_self_or_duplicate_synapses() -> None:
    n, p = 400, 0.1
    pre, post = rule_pairs("random", n, p, seed=7)
    again = rule_pairs("random", n, p, seed=7)
    other = rule_pairs("random", n, p, seed=8)
    assert np.array_equal(pre, again[0]) and np.array_equal(post, again[1])
    assert not (len(other[0]) == len(pre) and np.array_equal(post, other[1]))
    assert not np.any(pre == post)
    assert len(set(zip(pre.tolist(), post.tolist()))) == len(pre)
    expected = p * n * (n - 1)
    assert abs(len(pre) - expected) < 5 * np.sqrt(expected)  # binomial: within 5 sigma
    assert np.all((post >= 0) & (post < n))


def test_csr_groups_synapses_by_presynaptic_neuron() -> None:
    settings = NetworkSettings(n=50, topology="random", p=0.2, seed=3)
    syn = build_connections(settings)
    indptr, order = syn.csr(settings.n)
    assert indptr[0] == 0 and indptr[-1] == len(syn)
    for i in range(settings.n):
        mine = order[indptr[i] : indptr[i + 1]]
        assert np.all(syn.pre[mine] == i)
        assert set(syn.post[mine].tolist()) == set(syn.post[syn.pre == i].tolist())


def test_explicit_connections_replace_the_rule() -> None:
    settings = NetworkSettings(n=3, topology="chain", t_stop=30.0)
    reverse = Connections(
        pre=np.array([0, 2]),
        post=np.array([2, 1]),
        weight=np.array([0.5, 0.5]),
        delay=np.array([1.0, 1.0]),
        e_syn=np.array([0.0, 0.0]),
    )
    result = simulate_network(settings, connections=reverse)
    assert list(result.spike_neuron) == [0, 2, 1]


def test_summary_and_spike_table() -> None:
    result = simulate_network(NetworkSettings(n=4, topology="ring", t_stop=30.0))
    table = result.spikes()
    assert table.shape == (result.spike_time.size, 2)
    assert np.all(np.diff(table[:, 1]) >= 0)
    info = result.summary()
    assert info["spikes"] == table.shape[0] and info["synapses"] == 4 and info["neurons_fired"] == 4
    assert "4 neurons, ring" in result.describe()
    with pytest.raises(ParameterError):
        simulate_network(NetworkSettings(n=100, record_neurons=(1, 2), t_stop=1.0)).voltage_of(3)


@pytest.mark.parametrize(
    "changes",
    [
        {"n": 0},
        {"n": 1, "topology": "ring"},
        {"topology": "torus"},
        {"p": 1.5},
        {"weight": -1.0},
        {"delay": float("inf")},
        {"tau": 0.0},
        {"method": "scipy"},
        {"kick_neurons": (10,)},
        {"record_neurons": (-1,)},
        {"topology": "list", "connections": ((0, 11),)},
        {"topology": "list", "connections": ((0,),)},
        {"connections": ((0, 1),)},
        {"seed": -1},
    ],
)
def test_bad_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ParameterError):
        NetworkSettings(**changes)  # type: ignore[arg-type]


def test_settings_round_trip_through_a_dictionary() -> None:
    settings = NetworkSettings(
        n=3,
        topology="list",
        connections=((0, 1, 0.3), (1, 2, 0.2, 2.0, -80.0)),
        kick_neurons=(0, 2),
        record_neurons=(1,),
        membrane=Membrane(temperature=10.0),
    )
    assert NetworkSettings.from_dict(settings.to_dict()) == settings
