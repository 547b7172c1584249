"""The panel shows what the parameter table says: a protocol chosen in it starts from the same
defaults as ``hhtui run --stim``, and its run settings refuse what the table refuses."""

from __future__ import annotations

from hhtui.parameters import fresh_stimulus, parameter
from hhtui.tui.app import HHApp
from hhtui.tui.widgets.parameter_panel import ParameterPanel

from .conftest import wait_ready


async def test_a_protocol_chosen_in_the_panel_has_the_table_defaults(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.query_one("#s-type").value = "train"
        await pilot.pause()
        train = fresh_stimulus("train")
        shown = app.session.sim.stimulus
        assert (shown.count, shown.interval, shown.width) == (train.count, train.interval, train.width)
        assert app.query_one("#s-count").value == str(train.count)
        app.query_one("#s-type").value = "ramp"
        await pilot.pause()
        ramp = fresh_stimulus("ramp")
        assert app.session.sim.stimulus.duration == ramp.duration
        assert app.query_one("#s-duration").value == f"{ramp.duration:g}"


async def test_the_panel_run_settings_keep_to_the_table_range(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        speed = parameter("app", "speed")
        field = app.query_one("#speed")
        assert field.value == f"{speed.default:g}"
        field.focus()
        field.value = f"{speed.high * 2:g}"
        await pilot.press("enter")
        await pilot.pause()
        error = str(app.query_one("#error-speed").render())
        assert "out of range" in error and speed.allowed in error
        assert app.query_one(ParameterPanel).speed == speed.default  # marked, not applied
