"""Numerics under stress: every failure is a clear message, a halted run and no NaN in the samples."""

from __future__ import annotations

import numpy as np
import pytest

from hhtui.model import Membrane, NumericalInstabilityError, Recording, Simulation, Step, VoltageClamp


def _physical(samples) -> bool:
    finite = all(np.all(np.isfinite(getattr(samples, name))) for name in ("V", "m", "h", "n", "I_Na", "I_K", "I_L"))
    return finite and bool(np.all(np.abs(samples.V) <= 500.0))


@pytest.mark.parametrize("dt", [0.2, 0.5, 1.0])
def test_forward_euler_far_beyond_its_step_limit(dt: float) -> None:
    sim = Simulation(stimulus=Step(amplitude=10.0, start=1.0), dt=dt, method="euler")
    with pytest.raises(NumericalInstabilityError) as caught:
        sim.advance(200.0)
    assert f"dt = {dt:g} ms" in str(caught.value) and _physical(caught.value.samples)
    assert sim.halted and np.all(np.isfinite(sim.state))


@pytest.mark.parametrize(
    "membrane",
    [
        Membrane(g_na=10000.0),
        Membrane(g_k=10000.0),
        Membrane(g_l=1000.0),
        Membrane(temperature=60.0),
        Membrane(temperature=-20.0),
        Membrane(c_m=0.001),
        Membrane(c_m=100.0),
        Membrane(e_na=200.0, e_k=-200.0),
    ],
    ids=["g_na", "g_k", "g_l", "hot", "cold", "tiny_cm", "huge_cm", "extreme_reversals"],
)
@pytest.mark.parametrize("method", ["rk4", "expeuler", "euler"])
def test_extreme_membranes_finish_or_halt_cleanly(membrane: Membrane, method: str) -> None:
    sim = Simulation(membrane, Step(amplitude=50.0, start=1.0), method=method)
    try:
        out = sim.advance(30.0)
    except NumericalInstabilityError as error:
        assert "blow-up" in str(error) and _physical(error.samples) and sim.halted
    else:
        assert _physical(out)


def test_exponential_euler_survives_extremes_that_stop_explicit_methods() -> None:
    # The exponential update is unconditionally stable: even at 60 C (rates x 364) and dt 0.1 ms.
    out = Simulation(Membrane(temperature=60.0), Step(amplitude=50.0), dt=0.1, method="expeuler").advance(100.0)
    assert _physical(out)


@pytest.mark.parametrize("level", [-200.0, -120.0, 100.0, 200.0])
def test_voltage_clamp_to_extreme_levels(level: float) -> None:
    out = Simulation(stimulus=VoltageClamp(hold=-65.0, level=level, start=1.0, duration=10.0)).advance(20.0)
    assert _physical(out) and np.all(np.isfinite(out.I_clamp))
    for gate in (out.m, out.h, out.n):
        assert np.all((gate >= 0.0) & (gate <= 1.0))


def test_long_run_memory_is_bounded_by_the_recording_limit() -> None:
    # 10 simulated seconds recorded every step (a million samples) into a recording capped at 50,000.
    recording = Recording(max_samples=50_000)
    sim = Simulation(stimulus=Step(amplitude=10.0))
    for _ in range(100):
        recording.append(sim.advance(100.0))
    assert len(recording) == 50_000 and recording.dropped == 950_000
    kept = recording.samples()
    assert kept.t[-1] == pytest.approx(10_000.0) and np.all(np.diff(kept.t) > 0)
    assert sim.spike_count[0] > 600  # ~68 Hz for 10 s: the run itself went on unharmed
