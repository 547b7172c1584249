"""Per-column min/max decimation keeps every extreme of a trace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhtui.tui.decimate import column_extremes, decimate


def brute_force(t: np.ndarray, y: np.ndarray, t_from: float, t_to: float, columns: int):
    """Column extremes by looping over the columns one by one."""
    width = (t_to - t_from) / columns
    lows, highs = [], []
    for c in range(columns):
        left = t_from + c * width
        right = left + width
        inside = (t >= left) & ((t < right) if c < columns - 1 else (t <= t_to))
        if inside.any():
            lows.append(y[inside].min())
            highs.append(y[inside].max())
    return np.array(lows), np.array(highs)


def test_a_one_sample_spike_survives_heavy_decimation() -> None:
    t = np.linspace(0.0, 1000.0, 100_001)
    y = np.full_like(t, -65.0)
    y[43_210] = 40.0  # a single sample, far narrower than a column
    x, v = decimate(t, y, 0.0, 1000.0, columns=50)
    assert v.max() == 40.0
    assert v.min() == -65.0
    assert x.size <= 100


def test_extremes_match_a_brute_force_computation() -> None:
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0.0, 50.0, 5000))
    y = rng.normal(size=t.size)
    extremes = column_extremes(t, y, 0.0, 50.0, 37)
    low, high = brute_force(t, y, 0.0, 50.0, 37)
    np.testing.assert_array_equal(extremes.low, low)
    np.testing.assert_array_equal(extremes.high, high)


def test_samples_outside_the_span_are_ignored() -> None:
    t = np.arange(0.0, 100.0, 0.01)
    y = np.where(t < 20.0, 1000.0, np.sin(t))
    x, v = decimate(t, y, 50.0, 100.0, 40)
    assert v.max() <= 1.0
    assert x.min() >= 50.0 and x.max() <= 100.0


def test_short_traces_are_returned_unchanged() -> None:
    t = np.arange(10.0)
    y = t**2
    x, v = decimate(t, y, 0.0, 9.0, 20)
    np.testing.assert_array_equal(x, t)
    np.testing.assert_array_equal(v, y)


def test_non_finite_samples_are_dropped() -> None:
    t = np.arange(0.0, 10.0, 0.001)
    y = np.sin(t)
    y[500] = np.nan
    y[900] = np.inf
    x, v = decimate(t, y, 0.0, 10.0, 10)
    assert np.all(np.isfinite(v))


def test_each_column_is_ordered_as_the_trace_runs() -> None:
    t = np.linspace(0.0, 1.0, 1000)
    rising = decimate(t, t, 0.0, 1.0, 10)[1]
    falling = decimate(t, -t, 0.0, 1.0, 10)[1]
    assert np.all(np.diff(rising) >= 0)
    assert np.all(np.diff(falling) <= 0)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        column_extremes([0, 1], [0, 1], 0.0, 1.0, 0)
    with pytest.raises(ValueError):
        column_extremes([0, 1], [0, 1], 1.0, 1.0, 3)
    with pytest.raises(ValueError):
        column_extremes([0, 1, 2], [0, 1], 0.0, 2.0, 3)


@settings(deadline=None, max_examples=60)
@given(st.integers(min_value=1, max_value=200), st.integers(min_value=2, max_value=3000), st.integers(0, 2**31 - 1))
def test_output_is_bounded_and_keeps_global_extremes(columns: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.0, 10.0, n))
    y = rng.normal(size=n)
    x, v = decimate(t, y, 0.0, 10.0, columns)
    assert v.size <= max(2 * columns, n)
    assert v.max() == y.max() and v.min() == y.min()
