"""Channel kinetics: the rate functions, their removable singularities and temperature scaling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hhtui.model.channels import rate_table, rates, steady_states, time_constants, vtrap
from hhtui.model.membrane import temperature_factor


def textbook_rates(v: float) -> tuple[float, ...]:
    """The 1952 rates in the modern convention, written out literally from HH 1952 (J Physiol 117:500-544),
    shifted by -65 mV."""
    return (
        0.1 * (v + 40) / (1 - math.exp(-(v + 40) / 10)),
        4 * math.exp(-(v + 65) / 18),
        0.07 * math.exp(-(v + 65) / 20),
        1 / (1 + math.exp(-(v + 35) / 10)),
        0.01 * (v + 55) / (1 - math.exp(-(v + 55) / 10)),
        0.125 * math.exp(-(v + 65) / 80),
    )


@pytest.mark.parametrize("v", [-120.0, -90.0, -65.0, -41.3, -39.2, -20.0, 0.0, 35.0, 80.0])
def test_rates_match_the_textbook_formulas_away_from_the_singularities(v: float) -> None:
    assert np.allclose(rates(v, 1.0), textbook_rates(v), rtol=1e-12, atol=0.0)


def test_removable_singularities_have_their_limits() -> None:
    # Limits of the HH 1952 rates at their removable singularities: a_m(-40) = 1 and a_n(-55) = 0.1 /ms.
    a_m, _, _, _, _, _ = rates(-40.0, 1.0)
    _, _, _, _, a_n, _ = rates(-55.0, 1.0)
    assert a_m == pytest.approx(1.0, rel=1e-12)
    assert a_n == pytest.approx(0.1, rel=1e-12)


@pytest.mark.parametrize("v0", [-40.0, -55.0])
def test_no_jump_across_the_singularities(v0: float) -> None:
    # Sample densely through the singular point, including offsets where the series and the
    # exact branch take over from each other, and require a smooth (Lipschitz) curve.
    offsets = np.concatenate([-np.logspace(-12, -1, 200)[::-1], [0.0], np.logspace(-12, -1, 200)])
    table = rate_table(v0 + offsets)
    for name in ("alpha_m", "alpha_n"):
        values = table[name]
        assert np.all(np.isfinite(values))
        slopes = np.abs(np.diff(values) / np.diff(v0 + offsets))
        assert slopes.max() < 0.1  # the true slope there is ~0.05 (alpha_m) and ~0.005 (alpha_n) per mV


def test_vtrap_is_continuous_and_exact() -> None:
    assert vtrap(0.0, 10.0) == 10.0
    for x in (1e-9, -1e-9, 1e-5, -3e-4, 2.0):
        assert vtrap(x, 10.0) == pytest.approx(x / math.expm1(x / 10.0), rel=1e-12)


def test_temperature_scales_every_rate_by_phi() -> None:
    # HH 1952: Q10 = 3 relative to 6.3 C.
    assert temperature_factor(6.3) == 1.0
    assert temperature_factor(16.3) == pytest.approx(3.0)
    base = rate_table(np.array([-70.0, -30.0, 10.0]), 6.3)
    warm = rate_table(np.array([-70.0, -30.0, 10.0]), 18.5)
    for name in base:
        assert np.allclose(warm[name], base[name] * 3.0 ** ((18.5 - 6.3) / 10.0), rtol=1e-12)


def test_steady_states_and_time_constants_at_rest() -> None:
    # Textbook values at -65 mV, 6.3 C (e.g. Dayan & Abbott; Gerstner et al.):
    # m_inf ~ 0.0529, h_inf ~ 0.596, n_inf ~ 0.318; tau_m ~ 0.238, tau_h ~ 8.52, tau_n ~ 5.46 ms.
    x_inf = steady_states(np.array([-65.0]))
    tau = time_constants(np.array([-65.0]))
    assert x_inf["m"][0] == pytest.approx(0.0529, abs=5e-4)
    assert x_inf["h"][0] == pytest.approx(0.596, abs=1e-3)
    assert x_inf["n"][0] == pytest.approx(0.3177, abs=1e-3)
    assert tau["m"][0] == pytest.approx(0.2376, abs=1e-3)
    assert tau["h"][0] == pytest.approx(8.52, abs=0.02)
    assert tau["n"][0] == pytest.approx(5.46, abs=0.02)


def test_steady_states_are_monotone_and_bounded() -> None:
    v = np.linspace(-150, 100, 2001)
    x_inf = steady_states(v)
    assert np.all(np.diff(x_inf["m"]) > 0) and np.all(np.diff(x_inf["n"]) > 0)
    assert np.all(np.diff(x_inf["h"]) < 0)
    for gate in "mhn":
        assert np.all((x_inf[gate] >= 0) & (x_inf[gate] <= 1))
