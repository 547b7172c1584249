"""Bad input to ``hhtui``: one line naming the flag and what it allows, exit status 2, no
traceback, no file left behind, and a good file already at the output path left untouched."""

from __future__ import annotations

import json
import select
import signal
from pathlib import Path

import pytest

from tests.processes import TIMEOUT_S, finish, start_hhtui, started

from .fuzzing import run_in_process

GOOD_CSV = "t_ms,V_mV\n0,-65\n"
GOOD_JSON = '{"program": "hhtui", "experiment": {}}\n'

#: Config files the tests may point --config at.
CONFIGS = {
    "malformed.json": '{"t_stop": 50,',
    "list.json": "[1, 2, 3]",
    "wrong_type.json": json.dumps({"t_stop": "long"}),
    "wrong_type_nested.json": json.dumps({"stimulus": {"type": "train", "count": "three"}}),
    "unknown_key.json": json.dumps({"t_stop": 50, "colour": "red"}),
    "unknown_stimulus.json": json.dumps({"stimulus": {"type": "sawtooth"}}),
    "huge_float.json": '{"t_stop": 1e999}',
    "huge_int.json": '{"t_stop": 1' + "0" * 400 + "}",
    "nan.json": '{"t_stop": NaN}',
    "impossible_membrane.json": json.dumps({"membrane": {"c_m": -1}}),
    "population.json": json.dumps({"stimulus": {"type": "step", "amplitude": [1, 2, 3]}}),
    "code.json": "__import__('os').system('touch pwned')",
    "empty.json": "",
}

# (arguments, text the one-line message must contain)
BAD_INPUT = [
    (["run", "--stim", "sawtooth"], "--stim"),
    (["run", "--dt", "abc"], "--dt"),
    (["run", "--dt", "-0.01"], "--dt"),
    (["run", "--dt", "0"], "--dt"),
    (["run", "--t-stop", "0"], "--t-stop"),
    (["run", "--t-stop", "-5"], "--t-stop"),
    (["run", "--t-stop", "nan"], "--t-stop"),
    (["run", "--g-na", "-1"], "--g-na"),
    (["run", "--c-m", "0"], "--c-m"),
    (["run", "--temperature", "1000"], "--temperature"),
    (["run", "--sample-every", "0.015"], "--sample-every"),
    (["run", "--stim", "step", "--count", "3"], "--count"),
    (["run", "--stim", "train", "--interval", "0.5", "--duration", "1", "--count", "2"], "--interval"),
    (["run", "--method", "leapfrog"], "--method"),
    (["sweep", "--amp", "5:1:1"], "--amp"),
    (["sweep", "--amp", "0:10:0"], "--amp"),
    (["sweep", "--amp", "0:10"], "--amp"),
    (["sweep", "--amp", "a:b:c"], "--amp"),
    (["sweep", "--amp", "0:1000:1e-9"], "--amp"),
    (["sweep", "--t-stop", "5", "--transient", "1", "--amp=0:1:1e-40"], "--amp"),
    (["sweep", "--amp", "0:1:1e-999999999"], "--amp"),
    (["sweep", "--amp", "0:50:1", "--g-k", "0:10000:0.001"], "--g-k"),
    (["sweep", "--amp", "0:50:1", "--g-k", "1,2,1"], "--g-k"),
    (["sweep", "--amp", "0:50:1", "--temperature", "6.3,100"], "--temperature"),
    (["sweep", "--amp", "0:50:1", "--method", "scipy"], "--method"),
    (["sweep", "--amp", "0:50:1", "--scheduler", "not an address"], "--scheduler"),
    (["sweep", "--amp", "0:50:1", "--hysteresis", "--g-k", "20,30"], "--hysteresis"),
    (["sweep", "--amp", "0:10:1", "--t-stop", "100", "--transient", "100"], "--transient"),
    (["run", "--config", "missing.json"], "--config"),
    (["run", "--stim", "noise", "--seed", "9" * 400], "--seed"),  # a whole number beyond the float range
    (["sweep", "--amp", "5:5:1", "--min-spikes", "9" * 400], "--min-spikes"),
] + [(["run", "--config", name], "--config") for name in CONFIGS]


def prepare(directory: Path) -> dict[str, bytes]:
    """A good recording already at the output path, and the config files; returns the contents."""
    (directory / "out.csv").write_text(GOOD_CSV)
    (directory / "out.json").write_text(GOOD_JSON)
    for name, text in CONFIGS.items():
        (directory / name).write_text(text)
    return {path.name: path.read_bytes() for path in directory.iterdir()}


def assert_untouched(directory: Path, before: dict[str, bytes]) -> None:
    after = {path.name: path.read_bytes() for path in directory.iterdir()}
    assert after == before  # no new file (no partial CSV, no temporary), nothing changed


def assert_one_line_error(stderr: str, needle: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert "error" in lines[0] and needle in lines[0], lines[0]


@pytest.mark.parametrize("args, needle", BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input(tmp_path: Path, args: list[str], needle: str) -> None:
    # The command's own entry point (hhtui.cli.main) in this process, as the fuzz test runs it:
    # every case costs milliseconds. A sample runs as a real process below.
    before = prepare(tmp_path)
    done = run_in_process([*args, "-o", "out.csv"], tmp_path)
    assert not done.exception, done.exception
    assert done.status == 2, done.stderr
    assert_one_line_error(done.stderr, needle)
    assert done.stdout == ""
    assert_untouched(tmp_path, before)


#: Every seventh bad input, run as a real ``hhtui`` process.
BAD_INPUT_SAMPLE = BAD_INPUT[::7]


@pytest.mark.parametrize("args, needle", BAD_INPUT_SAMPLE, ids=[" ".join(a) for a, _ in BAD_INPUT_SAMPLE])
def test_bad_input_in_a_real_process(hhtui_process, tmp_path: Path, args: list[str], needle: str) -> None:
    before = prepare(tmp_path)
    done = hhtui_process(*args, "-o", "out.csv")
    assert done.returncode == 2, done.stderr
    assert_one_line_error(done.stderr, needle)
    assert done.stdout == ""
    assert_untouched(tmp_path, before)


def test_config_is_never_evaluated(hhtui, tmp_path: Path) -> None:
    """A config that is code is refused as malformed JSON; a string that looks like code is text."""
    before = prepare(tmp_path)
    done = hhtui("run", "--config", "code.json", "-o", "out.csv")
    assert done.returncode == 2 and "not valid JSON" in done.stderr
    assert_untouched(tmp_path, before)
    (tmp_path / "text.json").write_text(json.dumps({"name": "__import__('os').system('touch pwned')", "t_stop": 1}))
    done = hhtui("run", "--config", "text.json", "-o", "ok.csv")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "output, needle",
    [
        ("nodir/run.csv", "does not exist"),
        ("out.csv/run.csv", "not a directory"),
        ("", "-o/--output"),
        ("run.json", ".csv"),
    ],
)
def test_bad_output_path(hhtui, tmp_path: Path, output: str, needle: str) -> None:
    before = prepare(tmp_path)
    done = hhtui("run", "--t-stop", "1", "-o", output)
    assert done.returncode == 2, done.stderr
    assert_one_line_error(done.stderr, "-o/--output")
    assert needle in done.stderr
    assert_untouched(tmp_path, before)


def test_output_too_large_is_refused_with_the_estimate(hhtui, tmp_path: Path) -> None:
    before = prepare(tmp_path)
    done = hhtui("run", "--t-stop", "100000", "-o", "out.csv")  # 10,000,001 rows at dt 0.01
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--sample-every")
    assert "10,000,001 rows" in done.stderr and "MB" in done.stderr
    assert_untouched(tmp_path, before)


def test_numerical_blow_up_fails_without_a_file(hhtui, tmp_path: Path) -> None:
    before = prepare(tmp_path)
    done = hhtui("run", "--method", "euler", "--dt", "0.2", "-o", "out.csv")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "blow-up" in lines[0] and "dt" in lines[0] and "No file written" in lines[0]
    assert_untouched(tmp_path, before)


def test_unknown_command_and_preset(hhtui, tmp_path: Path) -> None:
    done = hhtui("simulate")
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "simulate")
    done = hhtui("run", "--preset", "no-such-preset")
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--preset")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_leaves_no_partial_file(tmp_path: Path) -> None:
    before = prepare(tmp_path)
    # About 10^8 steps: minutes. The stimulus is put after the end so that the command says so
    # (a warning) once it has read its arguments and is about to run: Ctrl-C comes after that.
    process = start_hhtui(
        "run", "--t-stop", "1000000", "--start", "2000000", "--sample-every", "10", "-o", "out.csv", cwd=tmp_path
    )
    with started(process):
        assert process.stderr is not None
        ready, _, _ = select.select([process.stderr], [], [], TIMEOUT_S)
        assert ready, f"no warning from the command within {TIMEOUT_S} s"
        warning = process.stderr.readline()
        assert "warning: --start" in warning, warning
        assert process.poll() is None, "the run ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = finish(process)
    assert process.returncode == 130
    assert stderr.strip() == "hhtui run: interrupted; no file written"
    assert_untouched(tmp_path, before)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--preset", "no-such-preset"], "--preset"),
        (["--config", "missing.json"], "--config"),
        (["--preset", "rest", "run"], "--preset"),
        ([], "terminal"),  # the app is not opened without a terminal (a script, a job queue)
    ],
)
def test_app_entry_errors(hhtui, tmp_path: Path, args: list[str], needle: str) -> None:
    done = hhtui(*args)
    assert done.returncode == 2
    assert_one_line_error(done.stderr, needle)
    assert list(tmp_path.iterdir()) == []
