"""A live run changed along the way is exported with its schedule, and the command line, the Python
API and the app itself replay it sample for sample."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hhtui import simulate
from hhtui.cli.common import load_experiment_file
from hhtui.export import read_csv
from hhtui.tui.app import HHApp
from tests.processes import run_hhtui

from .conftest import settle, wait_for, wait_ready

COLUMNS = ("t", "V", "m", "h", "n", "I_stim", "I_Na", "I_K", "I_L", "g_Na", "g_K")


def assert_same_text(path: Path, expected: Path) -> None:
    """The two files hold the same text; else the first line that differs (a plain ``==`` of two
    long texts would have pytest compute a diff of megabytes)."""
    ours, theirs = path.read_text().splitlines(), expected.read_text().splitlines()
    for number, (line, want) in enumerate(zip(ours, theirs), start=1):
        assert line == want, f"{path.name} line {number}: {line!r} != {want!r}"
    assert len(ours) == len(theirs), f"{path.name}: {len(ours)} lines, {expected.name}: {len(theirs)}"


async def run_until(app: HHApp, pilot, t_ms: float) -> None:
    await wait_for(pilot, lambda: app.session.t >= t_ms, what=f"the run to reach {t_ms:g} ms")


@pytest.mark.slow
async def test_a_live_run_with_changes_replays_sample_for_sample(tmp_path: Path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")  # 200 ms/s
        await pilot.press("space")
        await run_until(app, pilot, 12.0)
        await pilot.press("up", "up")  # the current, twice
        await wait_for(pilot, lambda: app.session.sim.stimulus.amplitude == 12.0, what="the current to rise")
        await run_until(app, pilot, 30.0)
        field = app.query_one("#m-g_k")  # a conductance typed in the panel
        field.focus()
        field.value = ""
        await pilot.press("2", "4", "enter")
        await wait_for(pilot, lambda: app.session.sim.membrane.g_k == 24.0, what="g_K to be 24")
        await run_until(app, pilot, app.session.t + 15.0)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Apply TTX"].callback()
        await wait_for(pilot, lambda: app.session.sim.membrane.g_na == 0.0, what="TTX")
        await run_until(app, pilot, app.session.t + 10.0)
        commands["Wash out toxins"].callback()
        await pilot.press("down")
        await wait_for(pilot, lambda: app.session.sim.stimulus.amplitude == 11.0, what="the current to fall")
        await run_until(app, pilot, app.session.t + 20.0)
        await pilot.press("space", "e")
        await wait_for(pilot, lambda: app.main.last_export is not None, what="the export")
        await settle(app, pilot)
        recorded = app.session.recording.samples()
        t_end = app.session.t
        csv_path, json_path = app.main.last_export
    sidecar = json.loads(json_path.read_text())
    schedule = sidecar["experiment"]["schedule"]
    assert sidecar["reproducible"] is True, sidecar.get("replay_note")
    assert [c["parameter"] for c in schedule].count("stimulus") == 3
    assert {"g_k", "g_na"} <= {c["parameter"] for c in schedule}
    assert all(0.0 < c["t_ms"] <= t_end for c in schedule)
    assert sidecar["experiment"]["t_stop"] == round(t_end, 9)

    # The command line: the same file, digit for digit.
    done = run_hhtui("run", "--config", str(json_path), "-o", "again.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert_same_text(tmp_path / "again.csv", csv_path)
    live = read_csv(csv_path)
    assert np.ptp(live["I_stim_uA_cm2"]) > 1.0 and np.any(live["I_Na_uA_cm2"] == 0.0)

    # Python: every bit of every sample.
    run = simulate(config=json_path)
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(run.samples, name), getattr(recorded, name), err_msg=name)

    # The app: opened on the sidecar it plays the changes as it runs and pauses at the end.
    replay_dir = tmp_path / "replay"
    replay_dir.mkdir()
    app = HHApp(load_experiment_file(str(json_path)), export_dir=replay_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "space")
        await wait_for(
            pilot, lambda: not app.main.running and app.session.t > 1.0, what="the replay to pause at its end"
        )
        assert app.session.experiment.membrane.g_k == 24.0
        assert app.query_one("#m-g_k").value == "24"  # the panel shows what the schedule set
        await pilot.press("e")
        await wait_for(pilot, lambda: app.main.last_export is not None, what="the export of the replay")
        await settle(app, pilot)
        again_csv, again_json = app.main.last_export
    assert_same_text(again_csv, csv_path)
    assert json.loads(again_json.read_text())["experiment"]["schedule"] == schedule


async def test_reset_plays_a_replay_again_and_the_panel_follows(tmp_path: Path) -> None:
    from hhtui.model import Experiment
    from hhtui.model.schedule import Change

    experiment = Experiment(t_stop=20.0, schedule=(Change(5.0, "g_na", 0.0), Change(8.0, "g_k", 20.0)))
    app = HHApp(experiment, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.main.running and app.session.t >= 20.0 - 1e-9, what="the end of the run")
        assert app.query_one("#m-g_na").value == "0" and app.query_one("#m-g_k").value == "20"
        await pilot.press("r")
        await wait_for(pilot, lambda: app.query_one("#m-g_k").value == "36", what="the panel back at the start")
        assert app.session.t == 0.0 and app.query_one("#m-g_na").value == "120"
        assert app.main.stop_at == 20.0
        await pilot.press("space")
        await wait_for(pilot, lambda: app.query_one("#m-g_na").value == "0", what="the schedule to play again")
        await wait_for(pilot, lambda: not app.main.running, what="the replay to pause at its end")
        assert app.session.t == 20.0 and app.session.sim.membrane.g_k == 20.0
