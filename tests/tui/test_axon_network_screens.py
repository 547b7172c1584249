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
