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


@pytest.mark.parametrize(
    "stimulus",
    [
        {"type": "ramp", "amplitude": 0.0, "amplitude_end": 20.0, "start": 1.03, "duration": 37.7},
        {
            "type": "sum",
            "parts": [
                {"type": "ramp", "amplitude": 2.0, "amplitude_end": 15.0, "start": 3.0, "duration": 30.0},
                {"type": "step", "amplitude": 3.0, "start": 10.0, "duration": 5.0},
                {"type": "ramp", "amplitude": 1.0, "amplitude_end": -4.0, "start": 7.1, "duration": 20.0},
            ],
        },
    ],
    ids=["ramp", "two ramps and a step"],
)
def test_a_ramp_run_in_chunks_replays_bit_for_bit(stimulus: dict) -> None:
    """A ramp's current is computed from the ramp's own start, not from the start of whichever
    chunk the live run (or a replay, cut elsewhere) was computed in: the same bits."""
    from hhtui.model import Experiment
    from hhtui.model.stimulus import stimulus_from_dict
    from hhtui.tui.session import LiveRun

    live = LiveRun(Experiment(stimulus=stimulus_from_dict(stimulus)))
    while live.t < 45.0:
        live.advance(live.chunk_for(1.37))  # chunks that begin inside the ramps, off its pieces' bounds
    columns, experiment, extra = live.export_payload()
    assert extra["reproducible"] is True, extra.get("replay_note")
    replay = simulate(config=experiment)
    recorded = live.recording.samples()
    assert np.ptp(recorded.I_stim) > 5.0
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(replay.samples, name), getattr(recorded, name), err_msg=name)


async def test_the_app_says_when_a_replay_will_not_match_its_export(tmp_path: Path, capsys) -> None:
    """``hhtui --config`` on a sidecar that records ``"reproducible": false`` warns on standard
    error, and the app, once open, says it in a notice on screen (the terminal's scrollback, where
    the warning went, is hidden while the app runs)."""
    from hhtui.cli import app_experiment, build_parser
    from hhtui.export import write_run
    from hhtui.model import Experiment, Solver
    from hhtui.tui.session import LiveRun

    live = LiveRun(Experiment(solver=Solver(method="scipy")))
    while live.t < 10.0:
        live.advance(live.chunk_for(1.3))
    columns, experiment, extra = live.export_payload()
    assert extra["reproducible"] is False
    # Brackets in the file's name are shown as they are, not read as markup.
    _, json_path = write_run(tmp_path / "[b]scipy.csv", columns, experiment, extra=extra)

    notices: list[str] = []
    opened = app_experiment(build_parser().parse_args(["--config", str(json_path)]), notices)
    stderr = capsys.readouterr().err
    warning = "the replay will not match this export exactly: the adaptive 'scipy' method"
    assert f"--config: {json_path}: {warning}" in stderr
    assert len(notices) == 1 and "[b]scipy.json will not match its export exactly" in notices[0]
    assert "the adaptive 'scipy' method" in notices[0]

    app = HHApp(opened, export_dir=tmp_path, notices=notices)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_ready(app, pilot)

        def toasts() -> list:
            return [toast for toast in app.screen.query("Toast") if toast.region.area]

        await wait_for(pilot, toasts, what="the notice on screen")
        await pilot.pause()
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        region = toasts()[0].region
        inside = " ".join(line[region.x : region.right].strip(" ▌") for line in lines[region.y : region.bottom])
        text = " ".join(inside.split())
        assert text.startswith("not an exact replay This replay of [b]scipy.json will not match its export exactly")
        assert "the adaptive 'scipy' method chooses its steps afresh" in text
        assert region.right <= 80 and region.bottom <= 24
        notes = [n for n in app._notifications if n.title == "not an exact replay"]
        assert len(notes) == 1 and notes[0].severity == "warning" and notes[0].message == notices[0]


async def test_an_exact_replay_opens_without_a_notice(tmp_path: Path, capsys) -> None:
    from hhtui.cli import app_experiment, build_parser
    from hhtui.export import write_run
    from hhtui.model import Experiment
    from hhtui.tui.session import LiveRun

    live = LiveRun(Experiment())
    while live.t < 5.0:
        live.advance(live.chunk_for(1.3))
    columns, experiment, extra = live.export_payload()
    assert extra["reproducible"] is True
    _, json_path = write_run(tmp_path / "step.csv", columns, experiment, extra=extra)
    notices: list[str] = []
    app_experiment(build_parser().parse_args(["--config", str(json_path)]), notices)
    assert notices == [] and "warning" not in capsys.readouterr().err
