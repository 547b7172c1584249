"""Inputs at the edge of what the commands can do: refused in one line naming the flag or key
(exit status 2, nothing written), or run correctly; long axon and network runs report progress
and stop on Ctrl-C or SIGTERM; network sizes are refused before anything is built."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hhtui.model import ParameterError
from hhtui.model.stimulus import MAX_NESTING, Combined, Step
from tests.processes import catches, finish, hhtui_in_pty, start_hhtui, started, wait_until

from .fuzzing import GOOD, Case, check, prepare, run_in_process, snapshot


def refused(argv: list[str], tmp_path: Path, files: dict[str, bytes] | None = None) -> str:
    """Run ``hhtui ARGV`` in process in ``tmp_path``; assert it is refused in one error line with
    exit status 2 and nothing changed; returns that line."""
    case = Case(argv, files or {})
    before = prepare(case, tmp_path)
    outcome = run_in_process(argv, tmp_path)
    assert outcome.status == 2, (outcome.status, outcome.stderr, outcome.exception)
    assert check(case, outcome, before, snapshot(tmp_path)) == []
    return outcome.stderr.strip().splitlines()[-1]


def nested_sum(depth: int) -> dict:
    """A step inside ``depth`` sums, as a config's stimulus."""
    stimulus: dict = {"type": "step", "amplitude": 10.0, "start": 1.0}
    for _ in range(depth):
        stimulus = {"type": "sum", "parts": [stimulus]}
    return stimulus


# -------------------------------------------------------------------------------- axon geometry


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["--length-cm=1e-9"], "--length-cm"),
        (["--ra=4.9e-324"], "--ra"),
        (["--diameter-um=1e-300"], "--diameter-um"),
        (["--c-m=1e-300"], "--c-m"),
        (["--ra=1e-6", "--length-cm=0.001"], "--ra"),
        (["--dt=4.9e-324"], "--dt"),
    ],
)
def test_axon_geometry_beyond_precision_is_refused(tmp_path: Path, argv: list[str], flag: str) -> None:
    line = refused(["axon", "--t-stop", "0.3", "--nseg", "8", *argv, "-o", "a.csv"], tmp_path)
    assert line.startswith("hhtui axon: error: ") and flag in line.split(": ", 3)[2]


def test_axon_compartment_length_too_small_for_a_whole_number(tmp_path: Path) -> None:
    line = refused(["axon", "--dx-um", "2.2250738585072014e-308", "--t-stop", "1", "-o", GOOD], tmp_path)
    assert "--dx-um" in line and "compartments" in line


def test_axon_thin_but_valid_compartments_run(tmp_path: Path) -> None:
    """1000 compartments of 1 nm: inside the limits, so it runs (and nothing fires)."""
    outcome = run_in_process(
        ["axon", "--dx-um", "1e-3", "--length-cm", "0.0001", "--t-stop", "0.1", "--json"], tmp_path
    )
    assert outcome.status == 0, outcome.stderr
    assert json.loads(outcome.stdout)["nseg"] == 1000


# -------------------------------------------------------------------------------- config text


@pytest.mark.parametrize("key", ["name", "title", "description", "view"])
def test_lone_surrogate_in_a_config_is_refused_naming_the_key(tmp_path: Path, key: str) -> None:
    config = json.dumps({"t_stop": 2, key: "ok \udc80"}).encode()
    assert b"\\udc80" in config  # valid JSON: the escape of a lone surrogate
    for argv in (["run", "--config", "x.json", "-o", GOOD], ["--config", "x.json"]):
        line = refused(argv, tmp_path, {"x.json": config})
        assert "--config" in line and f"{key} must be valid text" in line and "surrogate" in line


# -------------------------------------------------------------------------------- nested sums


def test_sum_nested_to_the_limit_runs(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text(json.dumps({"t_stop": 2, "stimulus": nested_sum(MAX_NESTING)}))
    outcome = run_in_process(["run", "--config", "deep.json", "-o", "deep.csv"], tmp_path)
    assert outcome.status == 0, outcome.stderr
    assert (tmp_path / "deep.csv").is_file() and (tmp_path / "deep.json").is_file()


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 250, 400])
def test_sum_nested_beyond_the_limit_is_refused_by_the_command_and_the_app(tmp_path: Path, depth: int) -> None:
    files = {"deep.json": json.dumps({"t_stop": 2, "stimulus": nested_sum(depth)}).encode()}
    for argv in (["run", "--config", "deep.json", "-o", GOOD], ["--config", "deep.json"]):
        line = refused(argv, tmp_path, files)
        assert "--config" in line and f"nested more than {MAX_NESTING} deep" in line


def test_combined_stimulus_refuses_nesting_beyond_the_limit() -> None:
    stimulus = Combined(parts=(Step(amplitude=1.0),))
    for _ in range(MAX_NESTING - 1):
        stimulus = Combined(parts=(stimulus,))
    with pytest.raises(ParameterError, match="nested more than"):
        Combined(parts=(stimulus,))


# -------------------------------------------------------------------------------- argparse


def test_a_lone_double_dash_as_a_value_is_checked_like_any_value(tmp_path: Path) -> None:
    line = refused(["plot", GOOD, "--width=--"], tmp_path)
    assert "--width" in line and "'--'" in line
    line = refused(["run", "--t-stop=--", "-o", GOOD], tmp_path)
    assert "--t-stop" in line and "'--'" in line


# -------------------------------------------------------------------------------- plot


def _run_csv(v: np.ndarray, t: np.ndarray | None = None, gates: float | None = None) -> bytes:
    t = np.linspace(0.0, 5.0, v.size) if t is None else t
    header = "t_ms,V_mV" + (",m,h,n" if gates is not None else "")
    rows = [
        f"{float(a)!r},{float(b)!r}" + (f",{gates!r},{gates!r},{gates!r}" if gates is not None else "")
        for a, b in zip(t, v)
    ]
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.mark.parametrize(
    "csv, extra",
    [
        (_run_csv(np.sin(np.arange(20.0)), t=np.arange(20.0) * 1e-320), []),  # subnormal time steps
        (_run_csv(np.sin(np.arange(20.0)), gates=3.5), ["--gates"]),  # gates outside [0, 1]
        (_run_csv(np.full(20, 1e300)), []),
        (_run_csv(np.array([1.7e308, -1.7e308, 0.0])), []),  # near the float limit
    ],
)
def test_plot_draws_extreme_but_finite_files(tmp_path: Path, csv: bytes, extra: list[str]) -> None:
    (tmp_path / "x.csv").write_bytes(csv)
    outcome = run_in_process(["plot", "x.csv", *extra], tmp_path)
    assert outcome.status == 0, outcome.stderr + outcome.exception
    assert len(outcome.stdout.splitlines()) >= 8


# -------------------------------------------------------------------------------- network sizes


def test_network_too_many_synapses_refused_before_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hhtui.model import network

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("synapses were built")

    monkeypatch.setattr(network, "rule_pairs", never)
    monkeypatch.setattr(network, "build_connections", never)
    line = refused(["network", "--n", "100000", "--topology", "random", "--p", "0.005"], tmp_path)
    assert line.startswith("hhtui network: error: --p/--n: ") and "GB of memory" in line and "synapses" in line


@pytest.mark.parametrize(
    "argv, flags",
    [
        (
            ["--n", "100000", "--topology", "chain", "--delay", "0", "--t-stop", "19000", "--dt", "1e-5"],
            "--t-stop/--dt/--n",
        ),
        (["--n", "7000", "--topology", "all"], "--n"),
        (["--n", "100000", "--delay", "900", "--dt", "0.001", "--t-stop", "1"], "--delay/--dt/--n"),
    ],
)
def test_network_work_and_memory_limits_name_the_flags(tmp_path: Path, argv: list[str], flags: str) -> None:
    line = refused(["network", *argv, "-o", GOOD], tmp_path)
    assert line.startswith(f"hhtui network: error: {flags}: ")
    assert any(word in line for word in ("neuron-steps", "GB of memory", "values"))


def test_network_settings_estimate_their_memory() -> None:
    from hhtui.model.network import BYTES_PER_SYNAPSE, NetworkSettings

    small = NetworkSettings(n=1000, topology="random", p=0.1)
    assert small.expected_synapses == pytest.approx(1000 * 999 * 0.1)
    assert small.estimated_memory_bytes > small.expected_synapses * BYTES_PER_SYNAPSE
    with pytest.raises(ParameterError, match="GB of memory"):
        NetworkSettings(n=100_000, topology="random", p=0.005)


# -------------------------------------------------------------------------------- stopping long runs

#: Runs of minutes: each must stop on Ctrl-C or SIGTERM long before its end.
LONG_RUNS = [
    ["axon", "--t-stop", "1e6", "--nseg", "8", "--sample-every", "1e6"],
    ["network", "--n", "2000", "--t-stop", "19000", "-o", "spikes.csv"],
]


def _wait_running(process: subprocess.Popen[str]) -> None:
    """Wait until the command has set up its signal handling, after which it only prepares and
    runs the computation (which would go on for minutes)."""
    wait_until(
        lambda: catches(process.pid, signal.SIGTERM) or process.poll() is not None,
        what="the command to handle SIGTERM",
    )
    assert process.poll() is None, process.communicate()


@pytest.mark.parametrize("argv", LONG_RUNS, ids=["axon", "network"])
def test_long_runs_stop_on_ctrl_c_and_sigterm(tmp_path: Path, argv: list[str]) -> None:
    for sig, status in ((signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)):
        with started(start_hhtui(*argv, cwd=tmp_path)) as process:
            _wait_running(process)
            process.send_signal(sig)
            _, stderr = finish(process, timeout=60)  # generous; a run ignoring it takes minutes
        assert process.returncode == status or (sig == signal.SIGTERM and process.returncode == 143), stderr
        if sig == signal.SIGINT:
            assert stderr.strip().endswith("interrupted; no file written")
        assert "Traceback" not in stderr
        assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_long_axon_run_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal a run of more than a second draws a progress bar, and Ctrl-C stops it."""
    with hhtui_in_pty(*LONG_RUNS[0], cwd=tmp_path) as terminal:
        terminal.wait_for(b"%", 120)
        assert b"hhtui axon [" in terminal.output and b"%" in terminal.output, terminal.output
        terminal.signal(signal.SIGINT)
        status = terminal.wait_exit(60)
        output = bytes(terminal.output)
    assert status == 130, output
    assert b"interrupted; no file written" in output
