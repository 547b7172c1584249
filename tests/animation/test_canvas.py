"""Pieces of the GIF drawing: tick values, frame timing, the palette."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

pytest.importorskip("PIL")

from hhtui.animation.canvas import WHITE, nice_ticks, palette_image, tick_label
from hhtui.animation.gif import frame_times


@pytest.mark.parametrize(
    ("low", "high", "target"),
    [(-82.0, 47.0, 6), (0.0, 50.0, 6), (0.0, 1234.0, 5), (-0.04, 1.04, 3), (0.001, 0.0042, 4), (-2000.0, 30.0, 2)],
)
def test_ticks_are_round_inside_the_range_and_about_as_many_as_asked(low: float, high: float, target: int) -> None:
    ticks = nice_ticks(low, high, target)
    assert all(low <= value <= high for value in ticks)
    assert abs(len(ticks) - target) <= 2
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))
    assert all(math.isclose(b - a, step) for a, b in pairwise(ticks))


def test_tick_labels_use_the_decimals_the_step_needs_and_a_minus_sign() -> None:
    assert [tick_label(v, [-50.0, -25.0, 0.0]) for v in (-50.0, 0.0)] == ["\u221250", "0"]
    assert tick_label(0.5, [0.0, 0.5, 1.0]) == "0.5"
    assert tick_label(0.25, [0.0, 0.25]) == "0.25"


@pytest.mark.parametrize("fps", [1, 7, 20, 24, 30, 50])
def test_frame_times_keep_the_total_length_at_the_gif_resolution(fps: int) -> None:
    times = frame_times(3 * fps, fps)
    assert all(t % 10 == 0 and t >= 10 for t in times)
    assert sum(times) == pytest.approx(3000, abs=10)


def test_the_palette_has_white_first_and_a_free_index_for_transparency() -> None:
    image = palette_image([(0, 114, 178), (230, 159, 0)])
    colours = image.getpalette()
    assert tuple(colours[:3]) == WHITE
    assert len({tuple(colours[i : i + 3]) for i in range(0, len(colours), 3)}) < 256


def test_axes_whose_span_a_float_cannot_hold_are_refused_without_a_numpy_warning() -> None:
    import warnings

    from hhtui.animation.canvas import Axes, padded_limits

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from numpy would fail the test
        with pytest.raises(ValueError, match="value axis would span"):
            Axes((0, 0, 100, 50), (0.0, 2.0), padded_limits(-1.7e308, 10.0))
        Axes((0, 0, 100, 50), (0.0, 2.0), padded_limits(-80.0, 40.0))  # an ordinary range is drawn
