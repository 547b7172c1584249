"""The main screen's state: the panel, the plot and the status line are views of its reactive
attributes; its keys act only while it is on top; its workers' failures are reported."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from hhtui.tui.app import HHApp
from hhtui.tui.screens.main import MainScreen
from hhtui.tui.views import get_view

from .conftest import settle, wait_for, wait_ready


def status_plain(app: HHApp) -> str:
    return app.main.status_bar.render().plain


async def test_state_changed_in_code_shows_in_panel_status_and_plot(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        main = app.main
        main.speed = 800.0
        main.window_ms = 200.0
        main.view_name = "currents"
        await pilot.pause()
        assert app.query_one("#speed", Input).value == "800"
        assert app.query_one("#window", Input).value == "200"
        assert "800 ms/s" in status_plain(app)
        assert main.plot.window_ms == 200.0 and main.plot.view_name == "currents"
        assert main.plot.border_title == get_view("currents").title


async def test_speed_and_window_are_kept_in_range(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.speed = 1e9
        app.main.window_ms = 0.0
        app.main.view_name = "no such view"
        await pilot.pause()
        assert app.main.speed == 65536.0
        assert app.main.window_ms == 2.0
        assert app.main.view_name == "voltage"


async def test_a_toxin_from_the_palette_shows_in_the_panel(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.apply_toxin("ttx")
        await pilot.pause()
        assert app.session.experiment.membrane.g_na == 0.0
        assert float(app.query_one("#m-g_na", Input).value) == 0.0
        app.main.wash_out()
        await pilot.pause()
        assert float(app.query_one("#m-g_na", Input).value) == 120.0


async def test_simulation_keys_belong_to_the_main_screen() -> None:
    keys = {binding.key.split(",")[0] for binding in MainScreen.BINDINGS}  # type: ignore[union-attr]
    assert {"space", "s", "r", "up", "v", "e", "p"} <= keys
    assert not hasattr(HHApp, "SIM_ACTIONS")


async def test_palette_offers_simulation_commands_over_the_main_screen_only(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        over_main = [command.title for command in app.get_system_commands(app.main)]
        assert "Run / pause" in over_main and "Help" in over_main
        await pilot.press("question_mark")
        await pilot.pause()
        over_help = [command.title for command in app.get_system_commands(app.screen)]
        assert "Help" in over_help and "Run / pause" not in over_help


async def test_a_failing_view_computation_is_shown_in_the_plot(tmp_path, monkeypatch) -> None:
    import dataclasses

    from hhtui.tui import views
    from hhtui.tui.views import fi

    def broken(ctx, progress):
        raise RuntimeError("out of paper")

    monkeypatch.setitem(views._LOADED, "fi", dataclasses.replace(fi.VIEW, prepare=broken))
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.view_name = "fi"
        await wait_for(pilot, lambda: "out of paper" in app.main.plot.render().plain, what="the failure in the plot")
        assert "could not compute" in app.main.plot.render().plain
        assert app.is_running


async def test_a_failing_chunk_pauses_with_the_reason(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        session = app.session

        def broken(duration: float):
            raise RuntimeError("the integrator fell over")

        session.compute = broken  # type: ignore[method-assign]
        session.estimate = lambda duration: 1.0  # type: ignore[method-assign]  # always in a worker
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.main.running, what="the run to pause")
        await settle(app, pilot)
        assert any("the integrator fell over" in n.message for n in app._notifications)
        assert "the integrator fell over" in status_plain(app)
        assert not session.busy and app.is_running


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (150, 40)])
async def test_panel_width_follows_the_breakpoints(tmp_path, size) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        expected = 36 if size[0] >= 140 else 30 if size[0] >= 100 else 26
        assert app.main.panel.outer_size.width == expected


def test_presets_name_views_from_the_one_registry_the_app_cycles_through() -> None:
    from hhtui.experiments import PRESETS, VIEWS
    from hhtui.tui.views import ORDER, canonical

    assert set(ORDER) <= set(VIEWS)  # every view the app shows, the clamp family included
    assert all(canonical(name) in ORDER for name in VIEWS)
    assert all(canonical(experiment.view) in ORDER for experiment in PRESETS.values())
