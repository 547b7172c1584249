"""Grid axes: exact decimals, sizes refused before anything is built, the product's order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhtui.model import Membrane
from hhtui.model.analysis import isi_rates
from hhtui.sweeps.chunks import RunSettings, plan_chunks
from hhtui.sweeps.grid import MAX_POINTS, Grid, GridError, parse_axis


def test_ranges_hold_the_decimals_as_written() -> None:
    axis = parse_axis("amp", "0:1:0.1")
    assert axis.values == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    assert parse_axis("amp", "-5:10:0.1").values[-1] == 10.0 and parse_axis("amp", "-5:10:0.1").count == 151
    assert parse_axis("amp", "0:1:0.3").values == (0.0, 0.3, 0.6, 0.9)  # TO not on the grid
    assert parse_axis("g_k", "36").values == (36.0,)
    assert parse_axis("temperature", "18.5, 6.3").values == (18.5, 6.3)  # a list keeps its order


@pytest.mark.parametrize(
    "name, text, needle",
    [
        ("amp", "0:1:1e-40", "about 1e+40 values"),
        ("amp", "0:1:1e-999999999", "more than 1e308"),
        ("amp", "0:1000:1e-9", "about 1e+12 values"),
        ("amp", "0:10:0", "STEP must be > 0"),
        ("amp", "5:1:1", "below FROM"),
        ("amp", "0:10", "FROM:TO:STEP"),
        ("amp", "a:b:c", "not three finite numbers"),
        ("amp", "0:inf:1", "not three finite numbers"),
        ("amp", "0:nan:1", "not three finite numbers"),
        ("amp", "1,x", "'x'"),
        ("amp", "", "FROM:TO:STEP"),
        ("amp", "0:1e9:1", "out of range"),
        ("c_m", "0:1:0.5", "out of range"),
        ("g_k", "1,2,1", "repeats the value 1"),
        ("temperature", "6.3,100", "out of range"),
    ],
)
def test_bad_axes_name_their_flag(name: str, text: str, needle: str) -> None:
    with pytest.raises(GridError) as caught:
        parse_axis(name, text)
    message = str(caught.value)
    assert message.startswith("--" + name.replace("_", "-") + ":") and needle in message, message


def test_the_product_is_refused_before_it_is_built() -> None:
    with pytest.raises(GridError) as caught:
        Grid.build({"amp": "0:100:0.01", "g_k": "0:1000:0.5", "temperature": "0:30:1"})
    message = str(caught.value)
    assert message.startswith("--amp/--g-k/--temperature:")
    assert f"{10001 * 2001 * 31:,} points" in message and f"{MAX_POINTS:,}" in message


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-100, max_value=100, places=3), st.integers(1, 500), st.integers(1, 1000))
def test_a_range_ends_at_or_below_its_end(low, steps: int, step_milli: int) -> None:
    step = step_milli / 1000
    high = float(low) + steps * step / 2
    text = f"{low}:{high!r}:{step!r}"
    try:
        axis = parse_axis("amp", text)
    except GridError:
        return  # e.g. a float repr with too many digits for the range check; never an exception
    values = np.array(axis.values)
    assert values[0] == float(low) and values[-1] <= high + 1e-9 and values[-1] + step > high - 1e-9
    assert np.all(np.diff(values) > 0)


def test_points_are_ordered_membrane_outermost_and_chunks_share_a_membrane() -> None:
    grid = Grid.build({"amp": "0:10:5", "g_k": "30,36", "temperature": "6.3:18.5:12.2", "e_l": "-60"})
    assert [a.name for a in grid.varied] == ["amp", "g_k", "temperature"]
    assert grid.fixed == {"e_l": -60.0} and grid.shape == (2, 2, 3) and grid.size == 12
    columns = grid.columns()
    assert list(columns) == ["amp_uA_cm2", "g_k_mS_cm2", "temperature_C"]
    np.testing.assert_array_equal(columns["amp_uA_cm2"], [0, 5, 10] * 4)
    np.testing.assert_array_equal(columns["g_k_mS_cm2"], [30] * 6 + [36] * 6)
    np.testing.assert_array_equal(columns["temperature_C"], ([6.3] * 3 + [18.5] * 3) * 2)
    chunks = list(plan_chunks(grid, Membrane(), RunSettings(10, 1, 0, 0.01, "rk4"), points=2))
    assert [c.index for c in chunks] == list(range(8))  # two chunks for each block of three currents
    assert chunks[0].start == 0 and chunks[-1].stop == 12
    assert all(a.stop == b.start for a, b in itertools.pairwise(chunks))
    assert all(1 <= c.size <= 2 and c.start // 3 == (c.stop - 1) // 3 for c in chunks)
    for chunk in chunks:
        rows = slice(chunk.start, chunk.stop)
        assert chunk.amps == tuple(columns["amp_uA_cm2"][rows])
        assert {chunk.membrane["g_k"]} == set(columns["g_k_mS_cm2"][rows])
        assert {chunk.membrane["temperature"]} == set(columns["temperature_C"][rows])
        assert chunk.membrane["e_l"] == -60.0
    assert Grid.from_dict(grid.to_dict()) == grid


def test_isi_rates() -> None:
    rates = isi_rates([0, 1, 2, 5], [np.inf, 10.0, 10.0, 100.0], [-np.inf, 10.0, 30.0, 120.0])
    np.testing.assert_allclose(rates, [0.0, 0.0, 50.0, 200.0])
