"""The app driven with real key presses (App.run_test + Pilot)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from textual.binding import Binding

from hhtui.export import read_csv
from hhtui.model import Experiment, Solver, Step
from hhtui.tui.app import HHApp
from hhtui.tui.screens.help import HelpScreen
from hhtui.tui.screens.presets import PresetScreen
from hhtui.tui.widgets.trace_plot import TracePlot

from .conftest import settle, wait_for, wait_ready, workers_done

SUBTHRESHOLD = Experiment(stimulus=Step(amplitude=3.0, start=0.0))


def plot_plain(app: HHApp) -> str:
    return app.main.plot.render().plain


def palette_offers(app: HHApp, title: str) -> bool:
    """Whether the open command palette lists a command called ``title``, highlighted."""
    from textual.command import CommandList

    try:
        options = app.screen.query_one(CommandList)
    except Exception:
        return False
    option = options.highlighted_option
    return option is not None and title in str(option.prompt)


def status_plain(app: HHApp) -> str:
    return (
        app.main.status_bar.render().plain
        if hasattr(app.main.status_bar.render(), "plain")
        else str(app.main.status_bar.render())
    )


async def test_start_shows_panel_plot_and_status(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        assert app.main.panel.loaded
        assert app.query_one("#m-g_na").value == "120"
        text = plot_plain(app)
        assert "V (mV)" in text and "gates" in text and "t (ms)" in text
        assert app.main.status_bar.status.t_ms == 0.0
        assert not app.main.running
        assert not app.query(".-invalid"), [w.id for w in app.query(".-invalid")]
        assert isinstance(app.focused, TracePlot)


async def test_run_pause_step_reset(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("space")
        assert app.main.running
        await wait_for(pilot, lambda: app.session.t > 1.0, what="the run to advance")
        await pilot.press("space")
        await settle(app, pilot)
        assert not app.main.running
        t_paused = app.session.t
        assert t_paused > 1.0
        # Paused means paused. (Checking that nothing happens needs some time to pass; a busy
        # machine can only make this check weaker, never make it fail.)
        await pilot.pause(0.2)
        assert app.session.t == t_paused
        await pilot.press("s")
        assert app.session.t == pytest.approx(t_paused + 1.0, abs=0.011)
        assert app.main.status_bar.status.t_ms == pytest.approx(app.session.t)
        await pilot.press("r")
        assert app.session.t == 0.0 and app.session.spike_count == 0


async def test_current_keys_while_running_change_the_firing(tmp_path) -> None:
    app = HHApp(SUBTHRESHOLD, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(600.0)  # the onset spike falls out of the 500 ms rate window
        await pilot.pause()
        assert app.session.spike_count <= 1
        assert app.session.firing_rate() == 0.0
        await pilot.press("space")
        await pilot.press(*(["up"] * 12))
        assert app.main.running
        await pilot.press("space")
        await settle(app, pilot)
        assert app.session.current == pytest.approx(15.0)
        assert app.query_one("#s-amplitude").value == "15"
        spikes = app.session.spike_count
        app.main.advance_by(600.0)  # the 500 ms rate window now lies wholly after the change
        await pilot.pause()
        assert app.session.spike_count >= spikes + 20
        assert app.main.status_bar.status.rate_hz > 50.0
        await pilot.press("down", "minus")
        assert app.session.current == pytest.approx(13.0)


async def test_invalid_value_is_shown_and_not_applied(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        field = app.query_one("#m-g_na")
        field.focus()
        field.value = ""
        await pilot.press("minus", "5")
        await pilot.pause()
        error = app.query_one("#error-m-g_na")
        assert "out of range" in str(error.render())
        assert "out of range" in str(field.tooltip)
        assert field.has_class("-invalid")
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.experiment.membrane.g_na == 120.0
        assert app.session.sim.membrane.g_na == 120.0
        assert app.session.current == 10.0  # the minus key went into the field, not to the current
        # A valid value is applied.
        field.focus()
        field.value = ""
        await pilot.press("6", "0", "enter")
        await pilot.pause()
        assert app.session.sim.membrane.g_na == 60.0
        assert not app.query("#error-m-g_na")
        assert not field.tooltip


async def test_text_in_a_number_field_is_refused(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        field = app.query_one("#dt")
        field.focus()
        field.value = ""
        await pilot.press("x", "y", "tab")
        await pilot.pause()
        assert "must be a number" in str(app.query_one("#error-dt").render())
        assert app.session.sim.dt == 0.01


async def test_escape_leaves_an_input_and_letters_act_globally(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        field = app.query_one("#m-g_k")
        field.focus()
        await pilot.press("s")  # typed into the field
        assert app.session.t == 0.0
        await pilot.press("escape")
        assert isinstance(app.focused, TracePlot)
        await pilot.press("s")
        assert app.session.t == pytest.approx(1.0, abs=0.011)
        await pilot.press("v")
        assert app.main.view_name == "currents"


async def test_tab_moves_through_the_inputs(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(app.focused.id)
        assert seen[:3] == ["m-c_m", "m-g_na", "m-g_k"] or "m-g_na" in seen


async def test_views_cycle_and_each_draws(tmp_path) -> None:
    from hhtui.tui.views import ORDER

    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(30.0)
        seen = [app.main.view_name]
        for _ in ORDER:
            await pilot.press("v")
            await settle(app, pilot)
            await wait_for(pilot, lambda: "computing" not in plot_plain(app), what=f"the {app.main.view_name} view")
            text = plot_plain(app)
            assert "computing" not in text and "failed" not in text, (app.main.view_name, text)
            seen.append(app.main.view_name)
        assert seen[:-1] == list(ORDER)
        assert seen[-1] == "voltage"


async def test_cartoon_key_only_in_the_phases_view(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("c")
        assert "cartoon" not in app.main.options
        while app.main.view_name != "phases":
            await pilot.press("v")
        await settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        assert "cartoon" in app.main.options
        assert "cartoon" in plot_plain(app)


async def test_export_writes_csv_and_a_reproducible_sidecar(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(20.0)
        await pilot.press("e")
        await settle(app, pilot)
        files = sorted(p.name for p in tmp_path.iterdir())
        assert len(files) == 2, files
        csv_path = next(tmp_path.glob("hhtui-*.csv"))
        assert csv_path.name.startswith("hhtui-") and len(csv_path.stem) >= len("hhtui-YYYYmmdd-HHMMSS")
        header = csv_path.read_text().split("\n", 1)[0]
        assert header.startswith("t_ms,V_mV,m,h,n,")
        data = read_csv(csv_path)
        sidecar = json.loads(csv_path.with_suffix(".json").read_text())
        assert sidecar["program"] == "hhtui"
        rerun = Experiment.from_dict(sidecar).run()
        np.testing.assert_allclose(rerun.t, data["t_ms"], atol=1e-9)
        np.testing.assert_allclose(rerun.V[0], data["V_mV"], atol=1e-6)
        assert app.main.last_export is not None and app.main.last_export[0] == csv_path


async def test_export_error_is_a_notification_and_the_app_goes_on(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path / "missing")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(5.0)
        await pilot.press("e")
        await settle(app, pilot)
        assert any(n.severity == "error" and "does not exist" in n.message for n in app._notifications)
        await pilot.press("s")
        assert app.session.t == pytest.approx(6.0, abs=0.011)


async def test_resize_large_and_back(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(40.0)
        await pilot.pause()
        small = app.main.plot.content_size
        small_lines = plot_plain(app).split("\n")
        assert len(small_lines) == small.height and max(map(len, small_lines)) == small.width
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        large = app.main.plot.content_size
        assert large.width > small.width + 100 and large.height > small.height + 30
        lines = plot_plain(app).split("\n")
        assert len(lines) == large.height and max(map(len, lines)) == large.width
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.main.plot.content_size == small
        assert plot_plain(app).split("\n") == small_lines


async def test_plot_text_is_cached_across_focus_and_repaints(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(10.0)
        await pilot.pause()
        builds = app.main.plot.builds
        app.query_one("#m-g_k").focus()
        await pilot.pause()
        await pilot.press("escape")
        app.main.plot.refresh()
        await pilot.pause()
        assert app.main.plot.builds == builds
        await pilot.press("s")
        await pilot.pause()
        assert app.main.plot.builds == builds + 1


async def test_help_screen_opens_and_closes(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("s")  # keys do not reach the simulation under the help
        assert app.session.t == 0.0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


def test_help_lists_every_bound_key() -> None:
    from hhtui.tui.screens.help import help_text

    text = help_text()
    names = {
        "space": "space",
        "question_mark": "?",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "less_than_sign": "<",
        "greater_than_sign": ">",
        "plus": "+",
        "minus": "-",
        "escape": "escape",
        "up": "up",
        "down": "down",
    }
    from hhtui.tui.screens.main import MainScreen

    for binding in [*HHApp.BINDINGS, *MainScreen.BINDINGS]:
        assert isinstance(binding, Binding)
        first = binding.key.split(",")[0]
        assert f"`{names.get(first, first)}`" in text, first


async def test_preset_picker_loads_an_experiment(tmp_path) -> None:
    from hhtui.experiments import PRESETS

    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(10.0)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PresetScreen)
        target = list(PRESETS).index("threshold")
        await pilot.press(*(["down"] * target), "enter")
        expected = PRESETS["threshold"]
        # The preset loads, runs from rest to its t_stop and pauses there (a short preset may be over
        # before a test could look at it running): wait for that end.
        await wait_for(
            pilot,
            lambda: app.session.experiment == expected and not app.main.running and app.session.t > 0.0,
            what="the preset to run to its end and pause",
        )
        await settle(app, pilot)
        assert not isinstance(app.screen, PresetScreen)
        assert app.session.experiment == expected
        assert app.session.t == pytest.approx(expected.t_stop, abs=1e-6)
        assert app.query_one("#s-type").value == "train"
        assert float(app.query_one("#s-amplitude").value) == expected.stimulus.amplitude
        assert not app.query_one("#about").has_class("hidden")
        assert not app.query(".-invalid"), [w.id for w in app.query(".-invalid")]


async def test_palette_commands_include_presets_and_blockers(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert any(title.startswith("Preset: ") for title in commands)
        from hhtui.experiments import PRESETS

        for name, experiment in PRESETS.items():
            help_text = next(c.help for t, c in commands.items() if t.endswith(f"({name})"))
            # A long description is cut after a whole word, and says so.
            assert len(help_text) <= 120
            whole, prefix = " ".join(experiment.description.split()), help_text.removesuffix(" ...")
            assert help_text == whole or (help_text.endswith(" ...") and whole.startswith(prefix + " "))
        for needed in ("Run / pause", "Single step", "Reset to rest", "Export run to CSV", "Apply TTX", "Next view"):
            assert needed in commands
        app.main.advance_by(5.0)
        commands["Apply TTX"].callback()
        await pilot.pause()
        assert app.session.sim.membrane.g_na == 0.0
        assert app.query_one("#m-g_na").value == "0"
        commands["Wash out toxins"].callback()
        assert app.session.sim.membrane.g_na == 120.0


async def test_palette_opens_with_ctrl_p(tmp_path) -> None:
    from textual.command import CommandPalette

    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"single step")
        await wait_for(pilot, lambda: palette_offers(app, "Single step"), what="the palette to offer 'Single step'")
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.t == pytest.approx(1.0, abs=0.011)


async def test_too_small_terminal_shows_a_message(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(50, 12)) as pilot:
        await wait_ready(app, pilot)
        assert app.screen.has_class("-too-narrow") and app.screen.has_class("-too-short")
        message = app.query_one("#too-small")
        assert message.display and "Enlarge the terminal to at least 60x16" in str(message.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("-too-narrow") and not app.screen.has_class("-too-short")
        assert app.main.plot.content_size.width > 20


async def test_blow_up_pauses_with_the_reason_and_no_nan_on_screen(tmp_path) -> None:
    app = HHApp(
        Experiment(stimulus=Step(amplitude=10.0, start=1.0), solver=Solver(method="euler", dt=0.2)), export_dir=tmp_path
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.speed = 4096.0
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.main.running, what="the run to halt")
        await settle(app, pilot)
        assert app.session.warning and "blow-up" in app.session.warning
        status = status_plain(app)
        numbers = status.split("!")[0]  # the warning itself may say "NaN"
        assert "nan" not in numbers.lower() and "nan" not in plot_plain(app).lower()
        assert "blow-up" in status
        await pilot.press("space")  # refused while halted
        assert not app.main.running


async def test_no_color_draws_plots_without_colour(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        assert app.no_color
        app.main.advance_by(20.0)
        await pilot.pause()
        text = app.main.plot.render()
        assert not text.spans
        assert "m" in text.plain and "h" in text.plain


async def test_changing_the_stimulus_type_mid_run(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(30.0)
        await pilot.pause()
        app.query_one("#s-type").value = "train"
        await pilot.pause()
        stimulus = app.session.sim.stimulus
        assert stimulus.kind == "train"
        assert stimulus.start > app.session.t  # starts from now on, not in the past
        assert not app.query_one("#field-s-count").has_class("hidden")
        assert app.query_one("#field-s-duration").has_class("hidden")
        assert not app.query(".-invalid")
        count = app.query_one("#s-count")
        count.focus()
        count.value = ""
        await pilot.press("2", ".", "5", "enter")
        await pilot.pause()
        assert "whole number" in str(app.query_one("#error-s-count").render())
        assert app.session.sim.stimulus.count == stimulus.count


async def test_only_changed_lines_are_repainted_and_the_screen_stays_right(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(60.0)
        await pilot.pause()
        plot = app.main.plot
        for _ in range(5):
            app.session.advance(app.session.chunk_for(2.0))
            app.main.publish(force=True)  # the new clock repaints the lines that changed
            repaint = list(plot._repaint_regions)
            assert repaint and all(region.height == 1 for region in repaint)
            assert len(repaint) < plot.content_size.height  # the frame and axis labels stay
            await pilot.pause()
        partial = app.export_screenshot()
        plot.refresh()  # a full repaint from scratch
        await pilot.pause()
        assert app.export_screenshot() == partial


async def test_inactivation_checkbox_says_its_state_and_applies(tmp_path) -> None:
    from hhtui.experiments import PRESETS

    app = HHApp(PRESETS["pronase"], export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        box = app.query_one("#m-inactivation")
        assert box.value is False and "OFF" in str(box.label)
        assert app.query_one("#about").collapsed is False  # the preset's explanation is open
        app.main.advance_by(5.0)
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert box.value is True and "on" in str(box.label)
        assert app.session.sim.membrane.inactivation is True


async def test_speed_and_window_keys(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        speed, window = app.main.speed, app.main.window_ms
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert app.main.speed == 4 * speed
        assert app.query_one("#speed").value == f"{4 * speed:g}"
        await pilot.press("left_square_bracket")
        assert app.main.speed == 2 * speed
        await pilot.press("greater_than_sign")
        assert app.main.window_ms == 2 * window
        await pilot.pause()
        assert plot_plain(app).split("\n")[-2].rstrip().endswith(f"{2 * window:g}")  # the time axis ends later
        await pilot.press("less_than_sign", "less_than_sign")
        assert app.main.window_ms == window / 2
        for _ in range(40):
            await pilot.press("left_square_bracket")
        assert app.main.speed == 0.125  # clamped to the allowed range


async def test_axon_and_network_screens_open_from_their_keys(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        for key, name in (("A", "AxonScreen"), ("W", "NetworkScreen")):
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ == name
            await workers_done(app)
            app.pop_screen()
            await pilot.pause()
            assert app.screen is app.screen_stack[0]


async def test_a_preset_runs_to_its_t_stop_and_pauses(tmp_path) -> None:
    from hhtui.experiments import PRESETS

    experiment = PRESETS["threshold"]
    app = HHApp(experiment, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        assert app.main.window_ms == experiment.t_stop  # the whole experiment on screen
        app.main.speed = 400.0
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.main.running, what="the preset to pause at its t_stop")
        await settle(app, pilot)
        assert app.session.t == pytest.approx(experiment.t_stop, abs=1e-6)
        await pilot.press("space")  # runs on past t_stop
        await wait_for(pilot, lambda: app.session.t > experiment.t_stop, what="the run to go on past t_stop")
        await pilot.press("space")
        await settle(app, pilot)
        assert app.session.t > experiment.t_stop
        await pilot.press("r")
        assert app.main.stop_at == experiment.t_stop


async def test_the_palette_opens_again_at_once_after_it_is_closed(tmp_path) -> None:
    # A closed palette stays registered with the app until its removal ends; opening the next
    # one meanwhile must not be refused as a second widget with the same id.
    from textual.command import CommandPalette

    # (Each round meets the closed palette still registered: one round failed before the fix.)
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        for _ in range(3):
            app.action_command_palette()
            app.pop_screen()
            app.action_command_palette()
            await pilot.pause()
            assert CommandPalette.is_open(app)
            app.pop_screen()
            await pilot.pause()
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)
        assert app.is_running and app.return_code is None
