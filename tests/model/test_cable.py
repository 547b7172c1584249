"""The HH cable: convergence of the conduction velocity, the literature values, collision.

Literature (see docs/reference-values.md, "Propagation"): Hodgkin & Huxley (1952, J Physiol 117:500,
Part IV) computed 18.8 m/s at 18.5 C for a squid axon of radius 238 um with axoplasm
resistivity 35.4 ohm*cm; a converged cable simulation gives about 18.7 m/s at 18.5 C and about
12.3 m/s at 6.3 C. The tests ask for a velocity within 2% of 18.8 m/s (HH's own integration was done by hand with
a coarse step), converged to within 1% of the value extrapolated from our own convergence study.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hhtui.model import Membrane, ParameterError
from hhtui.model.cable import (
    AxonResult,
    CableSettings,
    conduction_velocity,
    nseg_for_length,
    position_columns,
    position_name,
    simulate_cable,
)
from hhtui.model.simulation import resting_potential

HH_VELOCITY_M_S = 18.8  # HH 1952 Part IV, 18.5 C, radius 238 um, Ra 35.4 ohm*cm
CONVERGED_6_3_M_S = 12.3  # computed: converged cable at 6.3 C


def squid(**changes: object) -> CableSettings:
    """HH's propagation setting: 18.5 C, diameter 476 um, Ra 35.4 ohm*cm (the defaults)."""
    return CableSettings(**changes)  # type: ignore[arg-type]


def convergence_table(levels: list[tuple[int, float]], **changes: object) -> list[tuple[int, float, float]]:
    """(nseg, dt, velocity) for each refinement level."""
    rows = []
    for nseg, dt in levels:
        result = simulate_cable(squid(nseg=nseg, dt=dt, **changes))
        assert result.halted_reason == ""
        rows.append((nseg, dt, result.velocity_m_s))
    return rows


def richardson(rows: list[tuple[int, float, float]]) -> tuple[float, float]:
    """(extrapolated velocity, observed order) from the last three levels, each refined by 2."""
    v1, v2, v3 = (row[2] for row in rows[-3:])
    order = math.log2(abs(v2 - v1) / abs(v3 - v2))
    return v3 + (v3 - v2) / (2.0**order - 1.0), order


def print_table(title: str, rows: list[tuple[int, float, float]], extrapolated: float, order: float) -> None:
    length = CableSettings().length_cm
    print(f"\n{title}")
    print(f"{'nseg':>6} {'dx (um)':>8} {'dt (ms)':>10} {'v (m/s)':>10} {'change':>10} {'v/v_R - 1':>10}")
    previous = None
    for nseg, dt, v in rows:
        change = "" if previous is None else f"{v - previous:+.5f}"
        print(
            f"{nseg:>6} {length / nseg * 1e4:>8.2f} {dt:>10.6f} {v:>10.5f} {change:>10} {v / extrapolated - 1:>+10.2e}"
        )
        previous = v
    print(
        f"Richardson extrapolation: {extrapolated:.5f} m/s (observed order {order:.2f}); "
        f"HH 1952: {HH_VELOCITY_M_S} m/s ({extrapolated / HH_VELOCITY_M_S - 1:+.2%})"
    )


def assert_converges(rows: list[tuple[int, float, float]], extrapolated: float) -> None:
    velocities = np.array([row[2] for row in rows])
    changes = np.diff(velocities)
    # A monotone approach: every refinement moves the same way, by less each time.
    assert np.all(np.sign(changes) == np.sign(changes[0])), changes
    assert np.all(np.abs(changes[1:]) < np.abs(changes[:-1])), changes
    # The finest level is within 1% of the extrapolated value (our convergence criterion), and so is
    # the default setting of the command and the app.
    assert abs(velocities[-1] / extrapolated - 1.0) < 0.01
    default = simulate_cable(CableSettings()).velocity_m_s
    assert abs(default / extrapolated - 1.0) < 0.01
    # Within 2% of Hodgkin & Huxley's 18.8 m/s (HH 1952 integrated by hand; 2% covers their step).
    assert abs(extrapolated / HH_VELOCITY_M_S - 1.0) < 0.02


def test_velocity_converges_quickly_to_hh_value() -> None:
    """Three levels (dx and dt halved together) converge at second order near 18.7 m/s."""
    rows = convergence_table([(250, 0.01), (500, 0.005), (1000, 0.0025)])
    extrapolated, order = richardson(rows)
    print_table("Crank-Nicolson, 18.5 C (quick)", rows, extrapolated, order)
    # Crank-Nicolson with staggered gates is second order in dt and dx together.
    assert 1.5 < order < 2.5
    assert_converges(rows, extrapolated)


@pytest.mark.slow
def test_convergence_table_crank_nicolson() -> None:
    """The full study: five levels down to dx = 12.5 um and dt = 0.625 us."""
    rows = convergence_table([(250, 0.01), (500, 0.005), (1000, 0.0025), (2000, 0.00125), (4000, 0.000625)])
    extrapolated, order = richardson(rows)
    print_table("Crank-Nicolson, 18.5 C", rows, extrapolated, order)
    assert 1.5 < order < 2.5
    assert_converges(rows, extrapolated)
    # Literature: a converged cable gives about 18.7 m/s at 18.5 C (computed); 0.5% tolerance.
    assert extrapolated == pytest.approx(18.7, rel=0.005)


@pytest.mark.slow
def test_backward_euler_converges_to_the_same_velocity() -> None:
    """Backward Euler is first order in dt: refining dt alone (dx fixed, fine) approaches the
    same limit as Crank-Nicolson, from below, with the error halving each time."""
    levels = [(1000, 0.01), (1000, 0.005), (1000, 0.0025), (1000, 0.00125)]
    rows = convergence_table(levels, method="be")
    extrapolated, order = richardson(rows)
    print_table("backward Euler, dx 50 um, 18.5 C", rows, extrapolated, order)
    assert 0.7 < order < 1.3
    velocities = [row[2] for row in rows]
    assert velocities == sorted(velocities)
    cn = simulate_cable(squid(nseg=1000, dt=0.00125)).velocity_m_s
    assert extrapolated == pytest.approx(cn, rel=0.002)


def test_velocity_at_6_3_celsius_is_slower() -> None:
    """Computed reference: about 12.3 m/s at 6.3 C (2% tolerance)."""
    result = simulate_cable(squid(membrane=Membrane(temperature=6.3), t_stop=8.0))
    assert result.velocity_m_s == pytest.approx(CONVERGED_6_3_M_S, rel=0.02)


def test_velocity_scales_with_the_square_root_of_the_diameter() -> None:
    """Cable theory: v is proportional to sqrt(d / Ra) for a given membrane. A quarter of the
    diameter on half the length (same nseg, so dx is halved too) is the same equation rescaled,
    so the velocity halves."""
    thick = simulate_cable(squid())
    thin = simulate_cable(squid(diameter_um=476.0 / 4, length_cm=2.5))
    assert thin.velocity_m_s / thick.velocity_m_s == pytest.approx(0.5, rel=0.01)
    # The same through the resistivity: 4 x Ra halves the velocity.
    resistive = simulate_cable(squid(ra_ohm_cm=4 * 35.4, length_cm=2.5))
    assert resistive.velocity_m_s / thick.velocity_m_s == pytest.approx(0.5, rel=0.01)


def test_one_end_stimulus_reaches_the_far_end_once() -> None:
    result = simulate_cable(squid())
    assert np.all(result.crossings == 1)
    assert np.all(np.diff(result.arrival_ms) > 0)  # arrival order = position order


def test_collision_of_two_waves_annihilates() -> None:
    """Both ends stimulated: the two waves meet in the middle and vanish. Every compartment
    fires exactly once (no wave passes through the other and goes on to the far end), the
    last arrivals are in the middle, and afterwards the whole cable is back near rest."""
    settings = squid(stim_end="both", t_stop=6.0)
    result = simulate_cable(settings)
    assert result.halted_reason == ""
    assert np.all(result.crossings == 1), np.unique(result.crossings)
    arrival = result.arrival_ms
    middle = result.x.size // 2
    latest = int(np.argmax(arrival))
    assert abs(result.x[latest] - settings.length_cm / 2) < 2 * settings.dx_cm
    # Each wave travels inwards: arrivals rise towards the middle from both sides.
    assert np.all(np.diff(arrival[:middle]) > 0)
    assert np.all(np.diff(arrival[middle:]) < 0)
    # Symmetric, as the setting is.
    assert np.allclose(arrival, arrival[::-1], atol=1e-9)
    # The velocity of the left wave, measured in the left half, is the usual one.
    assert result.velocity_m_s == pytest.approx(simulate_cable(squid()).velocity_m_s, rel=0.01)
    # Nothing is left travelling: after the collision the cable is repolarising everywhere.
    assert result.V[:, -1].max() < resting_potential(settings.membrane) + 5.0


def test_no_sodium_no_propagation() -> None:
    """Without sodium channels the pulse spreads passively and decays: no velocity."""
    result = simulate_cable(squid(membrane=Membrane(temperature=18.5, g_na=0.0)))
    assert math.isnan(result.velocity_m_s)
    assert np.count_nonzero(result.crossings[result.x > 0.5]) == 0
    assert "no propagated" in result.describe()
    assert result.summary()["velocity_m_s"] is None


def test_subthreshold_stimulus_does_not_propagate() -> None:
    result = simulate_cable(squid(stim_amp_nA=500.0))
    assert result.fired == 0
    assert math.isnan(result.velocity_m_s)


def test_large_time_step_stays_stable() -> None:
    """The voltage step is implicit: a time step far beyond the explicit limit
    (dt < C dx^2 2Ra / a = 0.0015 ms at dx = 50 um) does not blow up."""
    settings = squid(nseg=1000, dt=0.05, t_stop=5.0)
    explicit_limit = settings.membrane.c_m / (2.0 * settings.coupling_mS_cm2)
    assert settings.dt > 20 * explicit_limit
    result = simulate_cable(settings)
    assert result.halted_reason == ""
    assert np.all(np.isfinite(result.V))
    assert result.V.max() < 60.0 and result.V.min() > -90.0


def test_recording_times_and_initial_state() -> None:
    settings = squid(nseg=100, dt=0.01, t_stop=2.0, sample_every=0.1)
    result = simulate_cable(settings)
    assert isinstance(result, AxonResult)
    assert result.V.shape == (100, 21)
    assert np.allclose(result.t, np.arange(21) * 0.1)
    assert np.allclose(result.V[:, 0], resting_potential(settings.membrane))
    assert np.allclose(result.x, (np.arange(100) + 0.5) * 0.05)


def test_conduction_velocity_of_a_synthetic_wave() -> None:
    positions = (np.arange(200) + 0.5) * 0.025  # 5 cm
    arrival = 0.3 + positions / 1.5  # 1.5 cm/ms = 15 m/s
    assert conduction_velocity(arrival, positions) == pytest.approx(15.0, rel=1e-12)
    # Only the middle half counts: a slow start near the stimulated end changes nothing.
    distorted = arrival.copy()
    distorted[positions < 1.0] += 0.5 * (1.0 - positions[positions < 1.0])
    assert conduction_velocity(distorted, positions) == pytest.approx(15.0, rel=1e-12)
    # A missing arrival inside the span, or a wave running backwards, gives NaN.
    missing = arrival.copy()
    missing[100] = np.nan
    assert math.isnan(conduction_velocity(missing, positions))
    assert math.isnan(conduction_velocity(arrival[::-1], positions))
    with pytest.raises(ParameterError):
        conduction_velocity(arrival, positions, 0.8, 0.2)


@pytest.mark.parametrize(
    "changes",
    [
        {"nseg": 2},
        {"nseg": 10.5},
        {"length_cm": 0.0},
        {"diameter_um": -1.0},
        {"ra_ohm_cm": float("nan")},
        {"dt": 0.0},
        {"method": "rk4"},
        {"stim_end": "right"},
        {"stim_duration": 0.0},
        {"membrane": "squid"},
        {"nseg": 1_000_000, "dt": 0.0001},
        {"sample_every": 1e-5, "dt": 1e-5, "nseg": 5000},
    ],
)
def test_bad_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ParameterError):
        CableSettings(**changes)  # type: ignore[arg-type]


def test_settings_round_trip_through_a_dictionary() -> None:
    settings = squid(nseg=123, stim_end="both", membrane=Membrane(temperature=10.0, g_k=30.0))
    assert CableSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(ParameterError, match="unknown"):
        CableSettings.from_dict({"nseg": 100, "colour": "red"})


def test_position_columns_thin_the_positions() -> None:
    result = simulate_cable(squid(nseg=200, t_stop=1.0))
    columns = position_columns(result, 50)
    names = list(columns)
    assert names[0] == "t_ms"
    assert len(names) == 51
    assert names[1] == position_name(result.x[0]) and names[-1] == position_name(result.x[-1])
    assert position_name(1.25) == "V_x1.2500cm_mV"
    assert np.array_equal(columns[names[-1]], result.V[-1])
    assert len(position_columns(result, 1000)) == 201  # never more than the compartments


def test_too_short_a_run_says_so() -> None:
    result = simulate_cable(squid(t_stop=1.5))
    assert math.isnan(result.velocity_m_s)
    assert result.still_travelling
    assert "run longer" in result.describe()
    assert not simulate_cable(squid()).still_travelling


def test_compartment_count_from_a_length() -> None:
    assert nseg_for_length(5.0, 100.0) == 500
    assert nseg_for_length(1.0, 30.0) == 333
    with pytest.raises(ParameterError):
        nseg_for_length(1.0, 0.0)
