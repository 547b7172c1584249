"""Terminal sizes from 20x8 to 300x100, rapid resizing, and resizing under another screen.

Below the minimum size (settings.MIN_SIZE) the app must show one clear "Enlarge the terminal"
message and nothing else; from the minimum on it must show the panel, the plot with its axis
labels, and the status line, all inside the terminal. What is checked is what the screen
actually shows (the compositor's rendered lines), not only the widgets' flags.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from hhtui.model import Experiment, Step
from hhtui.tui.app import HHApp
from hhtui.tui.settings import MIN_SIZE

from .conftest import wait_for, wait_ready

WIDTHS = [20, 40, MIN_SIZE[0] - 1, MIN_SIZE[0], 80, 120, 200, 300]
HEIGHTS = [8, MIN_SIZE[1] - 1, MIN_SIZE[1], 24, 50, 100]
GRID = [(w, h) for w in WIDTHS for h in HEIGHTS]
EXPERIMENT = Experiment(stimulus=Step(amplitude=10.0, start=2.0))


def screen_lines(app: HHApp) -> list[str]:
    """The text of every line the screen shows now."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def resize(app: HHApp, pilot, width: int, height: int) -> None:
    """Resize the terminal and wait until the screen has been drawn at the new size (on a busy
    machine the first frame after a resize may come a little later)."""
    await pilot.resize_terminal(width, height)
    # The screen's compositor has been laid out at the new size (what screen_lines renders, without
    # rendering every line of it at each look).
    await wait_for(
        pilot,
        lambda: tuple(app.size) == (width, height) and tuple(app.screen._compositor.size) == (width, height),
        what=f"the screen to be drawn at {width}x{height}",
    )


def too_small(width: int, height: int) -> bool:
    return width < MIN_SIZE[0] or height < MIN_SIZE[1]


def problems_at(app: HHApp, width: int, height: int) -> list[str]:
    """What is wrong with the screen at ``width`` x ``height`` (empty if nothing)."""
    lines = screen_lines(app)
    text = "\n".join(lines)
    flat = " ".join(" ".join(lines).split())
    where = f"{width}x{height}"
    found: list[str] = []
    if tuple(app.size) != (width, height):
        found.append(f"{where}: the app thinks the terminal is {tuple(app.size)}")
    if len(lines) != height or any(len(line) != width for line in lines):
        found.append(f"{where}: the screen is {len(lines)} lines of {sorted({len(line) for line in lines})} cells")
    if too_small(width, height):
        if "Enlarge the terminal" not in flat or f"{MIN_SIZE[0]}x{MIN_SIZE[1]}" not in flat:
            found.append(f"{where}: no 'Enlarge the terminal' message: {flat[:200]!r}")
        if f"{width}x{height}" not in flat.replace(" ", ""):
            found.append(f"{where}: the message does not say the present size: {flat[:200]!r}")
        for piece in ("V (mV)", "Membrane", "PAUSE", "RUN"):
            if piece in text:
                found.append(f"{where}: a broken layout shows through the message ({piece!r})")
    else:
        if "Enlarge" in text:
            found.append(f"{where}: the 'Enlarge' message is shown although the terminal is big enough")
        for piece, what in (
            ("V (mV)", "voltage axis label"),
            ("t (ms)", "time axis label"),
            ("Membrane", "panel"),
            ("PAUSE", "status line"),
        ):
            if piece not in text:
                found.append(f"{where}: no {what} ({piece!r}) on screen")
        plot = app.main.plot
        size = plot.content_size
        if size.width < 10 or size.height < 4:
            found.append(f"{where}: the plot is only {size.width}x{size.height}")
        plain = plot.render().plain.split("\n")
        if len(plain) != size.height or max(map(len, plain)) != size.width:
            found.append(f"{where}: the chart does not fill the plot ({len(plain)} lines for {size.height})")
        for widget in (plot, app.main.panel, app.main.status_bar):
            region = widget.region
            if region.right > width or region.bottom > height or region.width <= 0:
                found.append(f"{where}: {widget.id} lies outside the terminal: {region}")
    return found


async def settled_problems(app: HHApp, pilot, width: int, height: int) -> list[str]:
    """What is wrong with the screen at ``width`` x ``height`` once it has settled: a repaint
    (the status line after a pause, the plot after a resize) may come a few frames later on a
    busy machine, so this waits for a correct screen and returns the problems if none comes."""
    found: list[str] = []

    def correct() -> bool:
        found[:] = problems_at(app, width, height)
        return not found

    try:
        await wait_for(pilot, correct, what=f"a correct screen at {width}x{height}")
    except AssertionError:
        pass
    return found


@pytest.mark.slow
async def test_a_grid_of_sizes_from_20x8_to_300x100(tmp_path) -> None:
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(30.0)
        await pilot.pause()
        found: list[str] = []
        for width, height in GRID:
            await resize(app, pilot, width, height)
            found += await settled_problems(app, pilot, width, height)
        print(f"{len(GRID)} sizes tried, {len(found)} problems")
        assert not found, "\n".join(found)


@pytest.mark.parametrize("size", [(20, 8), (300, 100)])
async def test_the_app_starts_at_the_extreme_sizes(size: tuple[int, int], tmp_path) -> None:
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(20.0)
        await pilot.pause()
        assert not await settled_problems(app, pilot, *size)


@pytest.mark.slow
async def test_rapid_resizing_ends_in_the_right_layout(tmp_path) -> None:
    """Two hundred resizes with no pause between them (a window dragged by its corner), the
    simulation running; the layout then matches the last size and 80x24 is as at the start."""
    rng = random.Random(11)
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(30.0)
        await pilot.pause()
        start_plot = app.main.plot.render().plain
        start_size = app.main.plot.content_size
        await pilot.press("space")
        from textual.events import Resize
        from textual.geometry import Size

        last = (80, 24)
        for _ in range(200):
            last = (rng.randint(20, 300), rng.randint(8, 100))
            size = Size(*last)
            app._driver._size = size
            app.post_message(Resize(size, size))
            await asyncio.sleep(0)
        await pilot.pause()
        await pilot.press("space")  # pause the run
        await app.workers.wait_for_complete()
        await resize(app, pilot, *last)  # the last size once more, settled
        assert not await settled_problems(app, pilot, *last)
        # Every size once more, from big to small and back, each settled.
        for size in [(300, 100), (59, 15), (60, 16), (20, 8)]:
            await resize(app, pilot, *size)
            assert not await settled_problems(app, pilot, *size)
        # Back to 80x24 with the run as it was: the same plot as at the start, for the same data.
        app.session.reset()
        app.main.advance_by(30.0)
        await resize(app, pilot, 80, 24)
        assert not await settled_problems(app, pilot, 80, 24)
        assert app.main.plot.content_size == start_size
        assert app.main.plot.render().plain == start_plot


OTHER_SCREENS = ["question_mark", "p", "ctrl+p"]


@pytest.mark.parametrize("key", OTHER_SCREENS)
async def test_shrinking_under_another_screen(key: str, tmp_path) -> None:
    """The terminal shrinks below the minimum while the help, the preset picker or the command
    palette is open: once it is closed, the main screen says to enlarge the terminal."""
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(20.0)
        await pilot.press(key)
        await pilot.pause()
        assert app.screen is not app.screen_stack[0]
        await pilot.resize_terminal(40, 12)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        await wait_for(pilot, lambda: len(screen_lines(app)) == 12, what="the main screen to be drawn")
        found = await settled_problems(app, pilot, 40, 12)
        assert not found, "\n".join(found)


@pytest.mark.parametrize("key", OTHER_SCREENS)
async def test_growing_under_another_screen(key: str, tmp_path) -> None:
    """The app starts in a terminal too small, another screen is opened, the terminal grows: once
    the other screen is closed, the main screen shows the panel and the plots."""
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(20.0)
        assert not await settled_problems(app, pilot, 40, 12)
        await pilot.press(key)
        await pilot.pause()
        assert app.screen is not app.screen_stack[0]
        await pilot.resize_terminal(100, 30)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        await wait_for(pilot, lambda: len(screen_lines(app)) == 30, what="the main screen to be drawn")
        found = await settled_problems(app, pilot, 100, 30)
        assert not found, "\n".join(found)
