"""Cable and network runs advance in chunks (for progress and Ctrl-C): any chunk size gives the
very same numbers, and the progress reported rises to 1."""

from __future__ import annotations

import numpy as np
import pytest

from hhtui.model import cable, network
from hhtui.model.cable import CableSettings, simulate_cable
from hhtui.model.network import NetworkSettings, simulate_network


def test_cable_chunks_give_the_same_run(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = CableSettings(nseg=40, length_cm=1.0, t_stop=2.0, sample_every=0.05)
    whole = simulate_cable(settings)
    monkeypatch.setattr(cable, "CHUNK_WORK", 40 * 7)  # 7 steps per chunk: not a multiple of the stride
    seen: list[float] = []
    chunked = simulate_cable(settings, progress=seen.append)
    assert np.array_equal(whole.V, chunked.V)
    assert np.array_equal(whole.arrival_ms, chunked.arrival_ms, equal_nan=True)
    assert np.array_equal(whole.crossings, chunked.crossings)
    assert len(seen) == -(-settings.n_steps // 7)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_network_chunks_and_growing_spike_room_give_the_same_run(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = NetworkSettings(n=12, topology="ring", t_stop=150.0, kick_neurons=(0, 6), sample_every=0.1)
    whole = simulate_network(settings)
    assert whole.spike_time.size > 40  # enough spikes to outgrow a small room several times
    monkeypatch.setattr(network, "CHUNK_WORK", 12 * 13)
    monkeypatch.setattr(network, "INITIAL_SPIKE_ROOM", 1)
    seen: list[float] = []
    chunked = simulate_network(settings, progress=seen.append)
    assert np.array_equal(whole.spike_neuron, chunked.spike_neuron)
    assert np.array_equal(whole.spike_time, chunked.spike_time)
    assert np.array_equal(whole.V, chunked.V)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_network_spike_limit_stops_the_run_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network, "MAX_SPIKES", 20)
    monkeypatch.setattr(network, "INITIAL_SPIKE_ROOM", 1)
    result = simulate_network(NetworkSettings(n=10, topology="ring", t_stop=100.0))
    assert "spikes" in result.halted_reason
    assert 0 < result.spike_time.size <= 20
