"""The axon and network screens, driven with real keys in a small app that pushes them."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import pytest
from textual.app import App
from textual.widgets import Static

from hhtui.model.cable import CableSettings, simulate_cable
from hhtui.model.network import NetworkSettings, simulate_network
from hhtui.tui.screens.axon import LEVEL_CHARS, AxonScreen, space_time_picture, voltage_levels
from hhtui.tui.screens.network import NetworkScreen, raster_chart

from .conftest import settle as settle_app

#: A small, quick cable for the app tests (the screen's own default is larger).
SMALL_CABLE = CableSettings(nseg=100, dt=0.02, t_stop=6.0, sample_every=0.04)


def run_async(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test body in its own event loop (no async pytest plugin needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


class Host(App[None]):
    """Pushes one screen on mount, as the application does from its keys."""

    def __init__(self, screen_factory) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.screen_factory = screen_factory

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory())


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the screen's computation (started on mount or by a key) is done and drawn."""
    await settle_app(pilot.app, pilot)


def plain(widget: Static) -> str:
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)


# -------------------------------------------------------------------------------- axon


@run_async
async def test_axon_screen_shows_the_wave_and_its_velocity() -> None:
    app = Host(lambda: AxonScreen(SMALL_CABLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AxonScreen)
        title = plain(screen.query_one("#axon-title", Static))
        found = re.search(r"velocity ([0-9.]+) m/s", title)
        assert found, title
        assert float(found.group(1)) == pytest.approx(screen.result.velocity_m_s, abs=0.01)
        # The HH axon at 18.5 C (coarse grid here): near 18.8 m/s, within 3%.
        assert float(found.group(1)) == pytest.approx(18.8, rel=0.03)
        picture = plain(screen.query_one("#axon-plot", Static))
        lines = picture.split("\n")
        assert len(lines) <= 24 - 2 and all(len(line) <= 80 for line in lines)
        assert "#" in picture and "cm" in picture and "t (ms)" in picture
        # The peak of the wave moves right (later) from the top row to the bottom row.
        rows = [line for line in lines if "│" in line]
        peak_top = re.search(r"[*#%@]", rows[0]).start()  # type: ignore[union-attr]
        peak_bottom = re.search(r"[*#%@]", rows[-1]).start()  # type: ignore[union-attr]
        assert peak_bottom > peak_top + 10


@run_async
async def test_axon_screen_keys_change_temperature_and_view() -> None:
    app = Host(lambda: AxonScreen(SMALL_CABLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        warm = screen.result.velocity_m_s
        await pilot.press("minus", "minus")
        await settle(pilot)
        assert screen.settings.membrane.temperature == pytest.approx(14.5)
        assert screen.result.velocity_m_s < warm  # cooler: slower
        await pilot.press("plus")
        await settle(pilot)
        assert screen.settings.membrane.temperature == pytest.approx(16.5)
        await pilot.press("v")
        await pilot.pause()
        assert screen.view == "profile"
        assert "V along the axon" in plain(screen.query_one("#axon-plot", Static))
        before = screen.cursor_t
        await pilot.press("right")
        assert screen.cursor_t > before
        await pilot.press("b")
        await settle(pilot)
        assert screen.settings.stim_end == "both"
        assert np.all(screen.result.crossings == 1)  # the collision: nobody fires twice
        await pilot.press("r")
        await settle(pilot)
        assert not screen.computing
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, AxonScreen)


@run_async
async def test_axon_screen_shows_computing_first() -> None:
    app = Host(lambda: AxonScreen(SMALL_CABLE))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        # Right after mounting the worker has just been started.
        assert "computing" in plain(screen.query_one("#axon-title", Static)) or screen.result is not None
        await settle(pilot)
        assert "computing" not in plain(screen.query_one("#axon-title", Static))


@run_async
async def test_axon_screen_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = Host(lambda: AxonScreen(SMALL_CABLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert not screen.colour
        text = screen.plot_text
        assert all(span.style in ("", None) or not getattr(span.style, "color", None) for span in text.spans)
        assert "#" in text.plain  # the wave stays visible through its characters


def test_space_time_picture_levels_and_size() -> None:
    result = simulate_cable(SMALL_CABLE)
    for width, height in ((80, 20), (40, 10), (120, 40)):
        text = space_time_picture(result, width, height, colour=False)
        lines = text.plain.split("\n")
        assert len(lines) == height
        assert all(len(line) <= width for line in lines)
    assert voltage_levels(np.array([-65.0, -50.0, 35.0, 45.0])).tolist() == [0, 1, 8, 9]
    assert LEVEL_CHARS[0] == " "  # rest is blank, so the wave stands out


# -------------------------------------------------------------------------------- network


@run_async
async def test_network_screen_shows_raster_and_voltage() -> None:
    app = Host(NetworkScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, NetworkScreen)
        title = plain(screen.query_one("#network-title", Static))
        assert re.search(r"\d+ spikes from 10/10 neurons", title), title
        raster = plain(screen.query_one("#network-raster", Static))
        assert title.startswith("Network: ring of 10") and "raster: neuron vs t" in title
        ticks = re.findall(r"^\s*(\S+)┤", raster, flags=re.M)
        assert "0" in ticks and all(re.fullmatch(r"\d+", tick) for tick in ticks), ticks  # neuron numbers
        marks = raster.count("●") + raster.count("|") + raster.count("#")
        assert marks >= 10  # every neuron of the ring fired at least once
        assert "neuron 0" in plain(screen.query_one("#network-voltage", Static))
        for text in (raster, plain(screen.query_one("#network-voltage", Static))):
            assert all(len(line) <= 80 for line in text.split("\n"))


@run_async
async def test_network_screen_keys() -> None:
    app = Host(NetworkScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("i")
        await settle(pilot)
        assert screen.settings.inhibitory
        assert screen.result.summary()["spikes"] == 1  # inhibitory ring: only the kick
        await pilot.press("i", "t")
        await settle(pilot)
        assert screen.settings.topology == "chain" and not screen.settings.inhibitory
        assert list(screen.result.spike_neuron) == list(range(10))
        await pilot.press("t")
        await settle(pilot)
        assert screen.settings.topology == "random" and screen.settings.n == 40
        await pilot.press("t")
        await settle(pilot)
        assert screen.settings.topology == "ring"
        weight = screen.settings.weight
        await pilot.press("plus")
        await settle(pilot)
        assert screen.settings.weight > weight
        await pilot.press("up")
        await pilot.pause()
        assert screen.neuron == 1
        assert "neuron 1" in plain(screen.query_one("#network-voltage", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, NetworkScreen)


def test_raster_chart_without_colour_uses_letters() -> None:
    result = simulate_network(NetworkSettings(n=5, topology="chain", t_stop=30.0))
    text = raster_chart(result, 60, 14, colour=False).plain
    assert text.count("|") >= 5 and "●" not in text


# -------------------------------------------------------------------------- help, film, labels


async def wait_until(pilot, condition, seconds: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition()`` holds (True) or ``seconds`` pass (False)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await pilot.pause(0.05)
    return True


def help_text_of(app: App[None]) -> str:
    from hhtui.tui.screens.help import HelpScreen

    assert isinstance(app.screen, HelpScreen)
    return app.screen.markdown or ""


@pytest.mark.parametrize(
    ("factory", "own", "words"),
    [
        (lambda: AxonScreen(SMALL_CABLE), "Axon screen: keys", ("time slider", "`space` play the profile")),
        (NetworkScreen, "Network screen: keys", ("next topology", "synaptic weight")),
    ],
)
def test_each_screen_has_its_own_help(factory, own: str, words: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    @run_async
    async def body() -> None:
        app = Host(factory)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = pilot.app.screen
            await pilot.press("question_mark")
            assert await wait_until(pilot, lambda: pilot.app.screen is not screen)
            text = help_text_of(pilot.app)
            assert own in text
            assert all(word in text for word in words), text
            assert "reset to rest" not in text and "injected current" not in text  # not the main screen's keys
            # every key of the screen is in its help
            for binding in screen.BINDINGS:
                assert binding.action in screen.KEY_HELP  # type: ignore[attr-defined]
            await pilot.press("question_mark")
            assert await wait_until(pilot, lambda: pilot.app.screen is screen)

    body()


@run_async
async def test_the_profile_plays_and_steps_through_time() -> None:
    from hhtui.tui.screens.axon import SLIDER_STEPS, time_window

    app = Host(lambda: AxonScreen(SMALL_CABLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AxonScreen)
        end = float(screen.result.t[np.argmin(np.abs(screen.result.t - time_window(screen.result)))])
        step = time_window(screen.result) / SLIDER_STEPS
        await pilot.press("space")  # from the space-time view: the profile, playing from the start
        assert screen.view == "profile" and screen.playing
        assert await wait_until(pilot, lambda: screen.cursor_t >= 5 * step)
        await pilot.press("space")  # pause
        assert not screen.playing
        paused_at = screen.cursor_t
        await pilot.pause(0.3)
        assert screen.cursor_t == paused_at
        shown = plain(screen.query_one("#axon-plot", Static))
        assert f"V along the axon at t = {paused_at:.2f} ms" in shown
        slider = shown.split("\n")[-1]
        assert f"t {paused_at:6.2f} ms" in slider and "●" in slider and f"{end:.1f} ms" in slider
        assert screen.cursor_t in screen.result.t  # a recorded moment, the one the profile shows
        await pilot.press("right", "right")
        later = screen.cursor_t
        assert later == pytest.approx(paused_at + 2 * step, abs=2 * float(np.diff(screen.result.t[:2])[0]))
        await pilot.press("left")
        assert paused_at < screen.cursor_t < later
        await pilot.press("end")
        assert screen.cursor_t == pytest.approx(end)
        assert plain(screen.query_one("#axon-plot", Static)).split("\n")[-1].rstrip().endswith("step")
        await pilot.press("space")  # at the end: plays again from the start, to the end, and stops
        assert screen.playing and screen.cursor_t < end
        assert await wait_until(pilot, lambda: not screen.playing)
        assert screen.cursor_t == pytest.approx(end)
        await pilot.press("home")
        assert screen.cursor_t == 0.0


def test_the_space_time_cursor_is_labelled() -> None:
    result = simulate_cable(SMALL_CABLE)
    text = space_time_picture(result, 80, 22, colour=False, cursor_t=1.5).plain
    lines = text.split("\n")
    assert len(lines) == 22 and all(len(line) <= 80 for line in lines)
    assert any("|" in line for line in lines[:5])
    assert "| = t 1.50 ms, the profile's moment" in text
    # the time axis: round times, 0 first
    axis = next(line for line in lines if line.lstrip().startswith("t (ms)"))
    times = [float(v) for v in re.findall(r"\d+(?:\.\d+)?", axis.split("└", 1)[1])]
    assert times[0] == 0.0 and len(times) >= 3
    assert np.allclose(np.diff(times), times[1] - times[0])
    assert "profile's moment" not in space_time_picture(result, 80, 22, colour=False).plain


@run_async
async def test_the_network_header_names_the_screen_and_is_not_cut() -> None:
    for size in ((80, 24), (120, 40)):
        app = Host(NetworkScreen)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            screen = pilot.app.screen
            await pilot.press("t", "t")  # the random network: the longest header
            await settle(pilot)
            title = plain(screen.query_one("#network-title", Static))
            assert title.startswith("Network: random of 40")
            lines = title.split("\n")
            assert all(len(line) <= size[0] - 2 for line in lines), lines
            assert len(lines) <= (3 if size[0] < 100 else 2)
            assert " | ".join(lines).replace("\n", " | ") == screen.title_line()
            # what the header shows is all there: the charts below were drawn for the room left
            raster = plain(screen.query_one("#network-raster", Static)).split("\n")
            assert len(raster) == screen.query_one("#network-raster", Static).size.height


def canvas_cells(lines: list[str]) -> dict[tuple[int, int], str]:
    """The cells inside a chart's frame (between its corners), by (row, column)."""
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    left, right = lines[top].index("┌"), lines[top].rindex("┐")
    return {(row, col): lines[row][col] for row in range(top + 1, bottom) for col in range(left + 1, right)}


@pytest.mark.parametrize("colour", [True, False], ids=["colour", "no-colour"])
@pytest.mark.parametrize("size", [(78, 12), (118, 22)], ids=["80x24", "120x40"])
def test_a_dense_raster_keeps_its_legend_off_the_spikes(
    size: tuple[int, int], colour: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The random network of 40 neurons fires all over the raster: its legend goes on the frame's
    top edge, and every spike drawn without a legend is drawn with it."""
    result = simulate_network(NetworkSettings(n=40, topology="random", p=0.1, seed=1, t_stop=100.0))
    with_legend = raster_chart(result, *size, colour=colour, chosen=0).plain.split("\n")
    from hhtui.tui import plotting

    monkeypatch.setattr(plotting.Chart, "_draw_legend", lambda self, *args: None)
    without = raster_chart(result, *size, colour=colour, chosen=0).plain.split("\n")
    before, after = canvas_cells(without), canvas_cells(with_legend)
    assert sum(char != " " for char in before.values()) > 0.1 * len(before)  # dense indeed
    hidden = [(cell, char) for cell, char in before.items() if char != " " and after[cell] != char]
    assert not hidden, hidden[:10]
    assert all(len(line) == size[0] for line in with_legend)
    legend_lines = [line for line in with_legend if "spike" in line]
    assert legend_lines and any("neuron 0" in line for line in with_legend)
    # On the frame's top edge: a legend's mark among the spikes would pass for one.
    top_edge = next(line for line in with_legend if "┌" in line)
    assert "spike" in top_edge and "neuron 0" in top_edge and top_edge.rstrip().endswith("─┐")


@pytest.mark.parametrize("width", [40, 78, 118])
def test_the_time_slider_keeps_its_track_when_the_film_starts(width: int) -> None:
    from hhtui.tui.screens.axon import time_slider

    paused, playing = time_slider(width, 1.56, 4.6, False), time_slider(width, 1.56, 4.6, True)
    assert len(paused.rstrip()) <= width and len(playing) <= width
    assert paused.index("┤") == playing.index("┤") and paused.index("●") == playing.index("●")
