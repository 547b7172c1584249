"""SVG snapshots of the main views at 80x24 and 120x40 (pytest-textual-snapshot).

Deterministic: the run never starts by itself; a fixed amount of simulated time is stepped
through the app's own hook, and the status line shows the set speed, not a measured one.
Regenerate after an intended change of the looks with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

import pytest

from hhtui.tui.app import HHApp

from .conftest import settle, wait_for, wait_ready

SIZES = [(80, 24), (120, 40)]


def stepped(milliseconds: float, *keys: str):
    """A run_before hook: wait for the solver, advance ``milliseconds``, press ``keys``, settle."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_ready(app, pilot)
        app.main.advance_by(milliseconds)
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await settle(app, pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_view(snap_compare, tmp_path, size) -> None:
    assert snap_compare(HHApp(export_dir=tmp_path), terminal_size=size, run_before=stepped(60.0))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "presses", [1, 2, 3, 4, 5, 6, 7], ids=["currents", "conductances", "phase", "kinetics", "fi", "phases", "clamp"]
)
def test_other_views(snap_compare, tmp_path, size, presses) -> None:
    assert snap_compare(HHApp(export_dir=tmp_path), terminal_size=size, run_before=stepped(60.0, *["v"] * presses))


def test_invalid_input(snap_compare, tmp_path) -> None:
    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_ready(app, pilot)
        field = app.query_one("#m-g_na")
        field.cursor_blink = False  # the cursor shown at every moment, not half of the time
        field.focus()
        field.value = ""
        await pilot.press("minus", "5")

        def message_laid_out() -> bool:
            # A message box just mounted has partial first layouts: wait until it is as tall as
            # its text needs at its width.
            boxes = app.query("#error-m-g_na")
            if not boxes:
                return False
            box = boxes.first()
            width = box.size.width
            return width > 0 and box.size.height == box.get_content_height(box.size, app.size, width)

        await wait_for(pilot, message_laid_out, what="the message under the field")
        await settle(app, pilot)

    assert snap_compare(HHApp(export_dir=tmp_path), terminal_size=(80, 24), run_before=run_before)


def test_help_screen(snap_compare, tmp_path) -> None:
    assert snap_compare(HHApp(export_dir=tmp_path), terminal_size=(80, 24), run_before=stepped(0.0, "question_mark"))


def test_too_small(snap_compare, tmp_path) -> None:
    assert snap_compare(HHApp(export_dir=tmp_path), terminal_size=(50, 12), run_before=stepped(0.0))
