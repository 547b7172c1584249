"""``hhtui run --config`` replays a live run's changes from its sidecar, and refuses a bad schedule
in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hhtui import simulate
from hhtui.export import read_csv, write_run
from hhtui.model import Experiment, Membrane, Solver, Step
from hhtui.tui.session import LiveRun


def assert_same_text(path: Path, expected: Path) -> None:
    """The two files hold the same text; else the first line that differs (a plain ``==`` of two
    long texts would have pytest compute a diff of megabytes)."""
    ours, theirs = path.read_text().splitlines(), expected.read_text().splitlines()
    for number, (line, want) in enumerate(zip(ours, theirs), start=1):
        assert line == want, f"{path.name} line {number}: {line!r} != {want!r}"
    assert len(ours) == len(theirs), f"{path.name}: {len(ours)} lines, {expected.name}: {len(theirs)}"


def live_run_with_changes(directory: Path) -> tuple[Path, Path, LiveRun]:
    """A live run in frame-sized chunks: the current up twice, TTX-like g_Na 0, then g_K and dt
    changed; exported as the app exports it."""
    live = LiveRun(Experiment(stimulus=Step(amplitude=2.0, start=0.0)))

    def run_to(t_ms: float) -> None:
        while live.t < t_ms - 1e-9:
            live.advance(min(live.chunk_for(1.37), live.chunk_for(t_ms - live.t)))

    run_to(13.0)
    live.nudge_current(+5.0)
    run_to(21.5)
    live.nudge_current(+5.0)
    run_to(40.0)
    live.set_membrane(Membrane(g_na=0.0))
    run_to(47.3)
    live.set_membrane(Membrane(g_na=120.0, g_k=30.0))
    live.set_solver(Solver(method="rk4", dt=0.025))
    run_to(70.0)
    columns, experiment, extra = live.export_payload()
    csv_path, json_path = write_run(directory / "live.csv", columns, experiment, extra=extra)
    return csv_path, json_path, live


def test_the_sidecar_replays_the_live_run_digit_for_digit(hhtui, tmp_path: Path) -> None:
    csv_path, json_path, live = live_run_with_changes(tmp_path)
    sidecar = json.loads(json_path.read_text())
    assert sidecar["reproducible"] is True and "replay_note" not in sidecar
    assert [change["parameter"] for change in sidecar["experiment"]["schedule"]] == [
        "stimulus",
        "stimulus",
        "g_na",
        "g_na",
        "g_k",
        "dt",
    ]
    done = hhtui("run", "--config", str(json_path), "-o", "again.csv")
    assert done.returncode == 0, done.stderr
    assert "6 scheduled changes" in done.stderr and "warning" not in done.stderr
    assert_same_text(tmp_path / "again.csv", csv_path)
    # From Python too, and there with every bit of every sample.
    run = simulate(config=json_path)
    recorded = live.recording.samples()
    for name in ("t", "V", "m", "h", "n", "I_stim", "I_Na", "I_K", "I_L"):
        np.testing.assert_array_equal(getattr(run.samples, name), getattr(recorded, name), err_msg=name)


def test_flags_change_the_start_and_the_schedule_still_plays(hhtui, tmp_path: Path) -> None:
    config = tmp_path / "ttx.json"
    config.write_text(
        json.dumps({"t_stop": 40, "schedule": [{"t_ms": 20, "parameter": "g_na", "value": 0}]}), encoding="utf-8"
    )
    done = hhtui("run", "--config", str(config), "--amp", "15", "-o", "ttx.csv")
    assert done.returncode == 0, done.stderr
    data = read_csv(tmp_path / "ttx.csv")
    after = data["t_ms"] > 20.0
    assert np.all(data["I_stim_uA_cm2"][data["t_ms"] >= 5.0] == 15.0)
    assert np.all(data["I_Na_uA_cm2"][after] == 0.0) and np.any(data["I_Na_uA_cm2"][~after] != 0.0)
    assert json.loads((tmp_path / "ttx.json").read_text())["experiment"]["schedule"][0]["value"] == 0.0
    # A shorter run says the change is not reached.
    done = hhtui("run", "--config", str(config), "--t-stop", "10", "-o", "short.csv")
    assert done.returncode == 0, done.stderr
    assert "1 scheduled change of the experiment comes after the end of the run (10 ms)" in done.stderr


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"t_ms": 5, "parameter": "gna", "value": 0}, "unknown parameter 'gna' (did you mean g_na?)"),
        ({"t_ms": 500, "parameter": "g_na", "value": 0}, "t_ms = 500 ms is out of range: allowed [0, 50] ms"),
        ({"t_ms": "soon", "parameter": "g_na", "value": 0}, "t_ms must be a number of ms, got 'soon'"),
        ({"t_ms": 5, "parameter": "g_na", "value": "none"}, "g_na must be a number in mS/cm^2, got 'none'"),
        ({"t_ms": 5, "parameter": "g_na", "value": 1e400}, "g_na must be a finite number"),
    ],
)
def test_a_bad_schedule_is_one_line_and_no_file(hhtui, tmp_path: Path, entry: dict, message: str) -> None:
    config = tmp_path / "bad.json"
    text = json.dumps({"t_stop": 50, "schedule": [entry]}).replace("Infinity", "1e400")
    config.write_text(text, encoding="utf-8")
    done = hhtui("run", "--config", str(config), "-o", "out.csv")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"hhtui run: error: --config: {config}: schedule[0]"), lines[0]
    assert message in lines[0]
    assert not (tmp_path / "out.csv").exists()


def test_an_export_that_cannot_be_replayed_exactly_says_so(hhtui, tmp_path: Path) -> None:
    live = LiveRun(Experiment(), max_samples=500)
    while live.t < 8.0:
        live.advance(live.chunk_for(1.0))
    columns, experiment, extra = live.export_payload()
    assert extra["reproducible"] is False
    assert "oldest 301 samples were dropped" in extra["replay_note"]
    _, json_path = write_run(tmp_path / "dropped.csv", columns, experiment, extra=extra)
    done = hhtui("run", "--config", str(json_path), "-o", "again.csv")
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and "the replay will not match this export exactly" in warning[0]
    assert "dropped" in warning[0]
    # The rows the live run kept are those of the replay, at the same times.
    kept, again = read_csv(tmp_path / "dropped.csv"), read_csv(tmp_path / "again.csv")
    assert np.array_equal(again["V_mV"][-500:], kept["V_mV"])
    with pytest.warns(UserWarning, match="dropped"):
        simulate(config=json_path)
