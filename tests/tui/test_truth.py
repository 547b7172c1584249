"""What the app shows agrees with itself: plot, status line, panel, palette and presets."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Label, Select

from hhtui.tui.app import HHApp
from hhtui.tui.screens import main as main_module
from hhtui.tui.widgets.status_bar import Status, status_text

from .conftest import settle, wait_for, wait_ready


def status_plain(app: HHApp) -> str:
    return app.main.status_bar.render().plain


async def test_pause_shows_the_latest_data_in_plot_and_status(tmp_path, monkeypatch) -> None:
    # A plot throttled to one redraw every 1000 s: only the redraw forced by the pause can show the end.
    monkeypatch.setattr(main_module, "PLOT_FPS", 0.001)
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.speed = 200.0
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.t > 20.0, what="the run to advance")
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.session.busy, what="the last chunk")
        await settle(app, pilot)
        session = app.session
        assert not app.main.running
        assert app.main.plot._key[1] == session.version  # the plot is built from the latest data
        assert session.window(app.main.window_ms).t[-1] == pytest.approx(session.t)  # the recording ends there
        assert f"t {session.t:.2f} ms" in status_plain(app)
        # The plot's window ends at the same t (its right edge is the recording's end).
        assert app.main.plot.window_span()[1] == pytest.approx(max(session.t, app.main.window_ms))


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_achieved_speed_is_shown_when_it_falls_short(width: int) -> None:
    short = status_text(Status(running=True, t_ms=1234.5, speed=65536.0, achieved=14500.0), width).plain
    assert "14,500" in short
    # However short, it reads as what is reached out of what is set.
    assert "14,500 of 65536" in short or "reaching 14,500" in short
    kept_up = status_text(Status(running=True, t_ms=1234.5, speed=50.0, achieved=49.5), width).plain
    assert "reaching" not in kept_up and " of " not in kept_up


def test_the_status_names_the_clamp_level() -> None:
    text = status_text(Status(clamp=True, current=2.0), 120).plain
    assert "level 2 mV" in text and "hold" not in text


async def test_voltage_clamp_panel_and_status_agree(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        errors: list[str] = []
        show_error = app.main.panel._show_error

        def record(field_id: str, message: str | None) -> None:
            if message:
                errors.append(f"{field_id}: {message}")
            show_error(field_id, message)

        app.main.panel._show_error = record  # type: ignore[method-assign]
        app.query_one("#s-type", Select).value = "clamp"
        await settle(app, pilot)
        assert app.session.experiment.stimulus.is_clamp
        assert errors == []  # no flash of a half-filled protocol
        app.main.plot.focus()
        await pilot.press("up", "up")
        await settle(app, pilot)
        level = app.session.experiment.stimulus.level
        assert float(app.query_one("#s-level").value) == level == 2.0
        assert float(app.query_one("#s-hold").value) == -65.0
        assert f"level {level:g} mV" in status_plain(app)
        assert "hold" not in status_plain(app)


async def test_a_preset_from_the_picker_runs_to_its_end_and_pauses(tmp_path) -> None:
    from hhtui.experiments import PRESETS

    experiment = PRESETS["threshold"]
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.speed = 400.0
        app.main.load_preset("threshold")
        assert app.main.running
        await wait_for(pilot, lambda: not app.main.running, what="the preset to pause at its t_stop")
        await settle(app, pilot)
        assert app.session.t == pytest.approx(experiment.t_stop, abs=1e-6)
        assert f"t {experiment.t_stop:.2f} ms" in status_plain(app)


def test_help_and_readme_say_what_a_preset_does() -> None:
    from pathlib import Path

    from hhtui.tui import screens

    help_text = (Path(screens.__file__).parent / "help.md").read_text(encoding="utf-8")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for text in (help_text, readme):
        assert "runs from rest to its end (its t_stop) and pauses" in text


async def palette_first(app: HHApp, pilot, query: str) -> str:
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: app.screen.query(CommandList), what="the palette")
    await pilot.press(*query)

    def highlighted() -> str | None:
        option = app.screen.query_one(CommandList).highlighted_option
        return str(option.prompt) if option is not None else None

    await wait_for(
        pilot, lambda: query.lower() in (highlighted() or "").lower().replace(" ", ""), what=f"results for {query!r}"
    )
    await settle(app, pilot)
    first = highlighted() or ""
    await pilot.press("escape")
    await settle(app, pilot)
    return first


async def test_palette_ranks_actions_above_presets_and_finds_readme_names(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert (await palette_first(app, pilot, "ttx")).startswith("Apply TTX")
        assert (await palette_first(app, pilot, "tea")).startswith("Apply TEA")
        assert "(fi-curve)" in await palette_first(app, pilot, "fi-curve")


async def test_tea_means_the_same_in_the_palette_and_the_preset(tmp_path) -> None:
    from hhtui.experiments import PRESETS

    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for toxin, field in (("TEA", "g_k"), ("TTX", "g_na")):
            commands[f"Apply {toxin}"].callback()
            await pilot.pause()
            assert getattr(app.session.experiment.membrane, field) == getattr(PRESETS[toxin.lower()].membrane, field)
            assert f"{getattr(PRESETS[toxin.lower()].membrane, field):g}" in commands[f"Apply {toxin}"].help
            commands["Wash out toxins"].callback()
        commands["Apply pronase"].callback()
        assert app.session.experiment.membrane.inactivation is PRESETS["pronase"].membrane.inactivation is False


async def test_no_color_shows_the_focus_and_the_checkbox_state_in_text(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        label = app.query_one("#field-m-g_na").query_one(Label)
        assert not label.rich_style.reverse
        app.query_one("#m-g_na").focus()
        await wait_for(pilot, lambda: label.rich_style.reverse, what="the focus marker")
        assert label.rich_style.reverse and label.rich_style.bold
        box = app.query_one("#m-inactivation", Checkbox)
        assert "X" in box._button.plain and "on" in str(box.label)
        box.value = False
        await pilot.pause()
        assert "X" not in box._button.plain and "OFF" in str(box.label)
