"""The status line: all the figures, shortened to fit, warnings on their own line."""

from __future__ import annotations

import pytest

from hhtui.tui.widgets.status_bar import Status, speed_text, status_text


@pytest.mark.parametrize("width", [60, 80, 100, 160])
def test_fits_the_width_and_keeps_the_figures(width: int) -> None:
    status = Status(
        running=True, t_ms=12345.67, speed=800.0, spikes=1234, rate_hz=68.2, method="expeuler", dt=0.025, current=-12.5
    )
    line = status_text(status, width).plain
    assert len(line) <= width
    for figure in ("12345.", "800", "1234", "68", "Hz", "expeuler", "0.025", "-12.5"):
        assert figure in line


def test_speed_is_shown_against_real_time() -> None:
    assert speed_text(50.0) == "50 ms/s (x0.05 real time)"
    assert "x2 real time" in speed_text(2000.0)


def test_a_slow_computer_is_admitted() -> None:
    status = Status(running=True, speed=8000.0, achieved=1500.0)
    assert "reaching 1,500" in status_text(status, 200).plain


def test_warning_on_a_second_line() -> None:
    text = status_text(Status(warning="numerical blow-up at t = 3 ms"), 80).plain
    first, second = text.split("\n")
    assert "blow-up" in second and "blow-up" not in first


def test_clamp_shows_the_holding_level() -> None:
    assert "level -20 mV" in status_text(Status(clamp=True, current=-20.0), 120).plain
