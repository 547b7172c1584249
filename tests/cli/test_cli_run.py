"""``hhtui run``: the CSV, its sidecar, the summary and the reproduce round trip (the default run in
a fresh process, the others in the test process)."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

from hhtui import __version__
from hhtui.model import Experiment

HEADER = [
    "t_ms",
    "V_mV",
    "m",
    "h",
    "n",
    "I_stim_uA_cm2",
    "I_Na_uA_cm2",
    "I_K_uA_cm2",
    "I_L_uA_cm2",
    "g_Na_mS_cm2",
    "g_K_mS_cm2",
]
SUMMARY = re.compile(r"([\d,]+) samples, .*?(\d+) spikes?, mean rate ([\d.e+-]+) Hz -> (.+)$")


def load(path: Path) -> dict[str, np.ndarray]:
    """A CSV read with numpy.loadtxt, as a dict of columns (independent of hhtui's reader)."""
    with open(path, encoding="utf-8") as fh:
        names = fh.readline().strip().split(",")
    matrix = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return {name: matrix[:, j] for j, name in enumerate(names)}


def upward_crossings(v: np.ndarray, level: float = 0.0) -> int:
    return int(np.count_nonzero((v[:-1] < level) & (v[1:] >= level)))


def summary(stderr: str) -> re.Match[str]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    match = SUMMARY.search(lines[-1])
    assert match, stderr
    return match


def test_default_run_writes_csv_sidecar_and_summary(default_run: tuple[Path, object]) -> None:
    path, done = default_run
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    # the csv module: a header row, then rows of plain numbers, no comment lines
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADER
    assert len(rows) == 1 + 5001  # t = 0 .. 50 ms every 0.01 ms
    assert all(len(row) == len(HEADER) for row in rows[1:])
    assert all(np.isfinite(float(cell)) for row in rows[1:] for cell in row)
    # numpy: the same table
    data = load(path)
    assert list(data) == HEADER
    np.testing.assert_allclose(data["t_ms"], np.arange(5001) * 0.01, atol=1e-9)
    # the default stimulus: a sustained 10 uA/cm^2 step from 5 ms (right-continuous)
    on = data["t_ms"] >= 5.0 - 1e-9
    assert np.all(data["I_stim_uA_cm2"][on] == 10.0) and np.all(data["I_stim_uA_cm2"][~on] == 0.0)
    # the summary counts the spikes that are in the file
    match = summary(done.stderr)
    spikes = int(match.group(2))
    assert match.group(1) == "5,001"
    assert spikes == upward_crossings(data["V_mV"]) > 0
    assert float(match.group(3)) == pytest.approx(spikes / 0.050, rel=1e-3)
    assert "run.csv" in match.group(4) and "run.json" in match.group(4)
    # the sidecar: program, version, columns and the whole experiment
    sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["program"] == "hhtui"
    assert sidecar["version"] == __version__
    assert sidecar["columns"] == HEADER
    assert Experiment.from_dict(sidecar) == Experiment()


def test_csv_holds_the_numbers_of_the_library_run(default_run: tuple[Path, object]) -> None:
    """The CLI and the library (which the app uses) give the same numbers, to the 10 significant
    digits written (so at least the 6 the physics needs)."""
    data = load(default_run[0])
    samples = Experiment().run()
    for name, column in samples.columns(0).items():
        np.testing.assert_allclose(data[name], column, rtol=1e-9, atol=1e-12, err_msg=name)


def test_reproduce_from_sidecar_gives_identical_numbers(hhtui, tmp_path: Path) -> None:
    first = hhtui(
        "run",
        "--stim",
        "noise",
        "--amp",
        "6",
        "--noise-std",
        "4",
        "--seed",
        "11",
        "--t-stop",
        "80",
        "--g-k",
        "30",
        "--temperature",
        "10",
        "--method",
        "expeuler",
        "--dt",
        "0.02",
        "--sample-every",
        "0.1",
        "-o",
        "a.csv",
    )
    assert first.returncode == 0, first.stderr
    again = hhtui("run", "--config", "a.json", "-o", "b.csv")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()
    a, b = load(tmp_path / "a.csv"), load(tmp_path / "b.csv")
    assert all(np.array_equal(a[name], b[name]) for name in a)
    assert len(a["t_ms"]) == 801
    side_a = json.loads((tmp_path / "a.json").read_text())
    side_b = json.loads((tmp_path / "b.json").read_text())
    assert side_a["experiment"] == side_b["experiment"]
    assert side_a["experiment"]["membrane"]["g_k"] == 30.0
    assert side_a["experiment"]["stimulus"]["seed"] == 11

    # a flag given with --config overrides that one value and keeps the rest
    changed = hhtui("run", "--config", "a.json", "--seed", "12", "-o", "c.csv")
    assert changed.returncode == 0, changed.stderr
    side_c = json.loads((tmp_path / "c.json").read_text())
    assert side_c["experiment"]["stimulus"] == {**side_a["experiment"]["stimulus"], "seed": 12}
    assert {k: v for k, v in side_c["experiment"].items() if k != "stimulus"} == {
        k: v for k, v in side_a["experiment"].items() if k != "stimulus"
    }
    c = load(tmp_path / "c.csv")
    assert not np.array_equal(a["I_stim_uA_cm2"], c["I_stim_uA_cm2"])


def test_bare_experiment_config_with_an_override(hhtui, tmp_path: Path) -> None:
    config = {"t_stop": 20, "stimulus": {"type": "pulse", "amplitude": 30, "start": 2, "duration": 0.5}}
    (tmp_path / "exp.json").write_text(json.dumps(config))
    done = hhtui("run", "--config", "exp.json", "--t-stop", "30", "-o", "p.csv")
    assert done.returncode == 0, done.stderr
    data = load(tmp_path / "p.csv")
    assert data["t_ms"][-1] == pytest.approx(30.0)
    on = (data["t_ms"] >= 2.0 - 1e-9) & (data["t_ms"] < 2.5 - 1e-9)
    assert np.all(data["I_stim_uA_cm2"][on] == 30.0) and np.all(data["I_stim_uA_cm2"][~on] == 0.0)


def test_csv_to_standard_output(hhtui, tmp_path: Path) -> None:
    done = hhtui("run", "--t-stop", "5", "-o", "-")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(done.stdout.splitlines()))
    assert rows[0] == HEADER and len(rows) == 1 + 501
    assert "standard output" in summary(done.stderr).group(4)
    assert list(tmp_path.iterdir()) == []  # no sidecar, no stray file


def test_default_output_is_a_timestamped_file(hhtui, tmp_path: Path) -> None:
    done = hhtui("run", "--t-stop", "2")
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and re.fullmatch(r"hhtui-\d{8}-\d{6}(-\d+)?\.csv", names[0]), names
    assert names[1] == names[0][:-4] + ".json"
    assert names[0] in done.stderr


def test_voltage_clamp_peak_sodium_current(hhtui, tmp_path: Path) -> None:
    done = hhtui(
        "run",
        "--stim",
        "clamp",
        "--hold",
        "-65",
        "--level",
        "0",
        "--start",
        "1",
        "--duration",
        "5",
        "--t-stop",
        "10",
        "-o",
        "clamp.csv",
    )
    assert done.returncode == 0, done.stderr
    data = load(tmp_path / "clamp.csv")
    assert list(data) == HEADER + ["I_clamp_uA_cm2"]
    t = data["t_ms"]
    step = (t >= 1.0 - 1e-9) & (t < 6.0 - 1e-9)
    assert np.all(data["V_mV"][step] == 0.0) and np.all(data["V_mV"][~step] == -65.0)
    total = data["I_Na_uA_cm2"] + data["I_K_uA_cm2"] + data["I_L_uA_cm2"]
    np.testing.assert_allclose(data["I_clamp_uA_cm2"], total, rtol=1e-8, atol=1e-6)
    # docs/reference-values.md (computed, step -65 -> 0 mV): peak I_Na about -1.46 mA/cm^2 at 0.62 ms; 3 % / 0.05 ms
    peak = int(np.argmin(data["I_Na_uA_cm2"]))
    assert data["I_Na_uA_cm2"][peak] == pytest.approx(-1460.0, rel=0.03)
    assert t[peak] - 1.0 == pytest.approx(0.62, abs=0.05)


def test_pulse_train_and_its_spikes(hhtui, tmp_path: Path) -> None:
    done = hhtui(
        "run",
        "--stim",
        "train",
        "--amp",
        "20",
        "--duration",
        "1",
        "--interval",
        "15",
        "--count",
        "3",
        "--start",
        "5",
        "--t-stop",
        "60",
        "-o",
        "train.csv",
    )
    assert done.returncode == 0, done.stderr
    data = load(tmp_path / "train.csv")
    t = data["t_ms"]
    on = np.zeros(t.shape, dtype=bool)
    for onset in (5.0, 20.0, 35.0):
        on |= (t >= onset - 1e-9) & (t < onset + 1.0 - 1e-9)
    assert np.all(data["I_stim_uA_cm2"][on] == 20.0) and np.all(data["I_stim_uA_cm2"][~on] == 0.0)
    # 20 uA/cm^2 for 1 ms is about 3x the 1 ms threshold (6.9, computed) and 15 ms apart is past
    # the relative refractory period (1.2x at 15 ms): each pulse fires one spike.
    assert upward_crossings(data["V_mV"]) == 3
    assert int(summary(done.stderr).group(2)) == 3


def test_single_pulse_spike_shape(hhtui, tmp_path: Path) -> None:
    done = hhtui("run", "--stim", "pulse", "--amp", "20", "--start", "5", "--t-stop", "30", "-o", "pulse.csv")
    assert done.returncode == 0, done.stderr
    data = load(tmp_path / "pulse.csv")
    on = (data["t_ms"] >= 5.0 - 1e-9) & (data["t_ms"] < 6.0 - 1e-9)  # default width 1 ms
    assert np.all(data["I_stim_uA_cm2"][on] == 20.0) and np.all(data["I_stim_uA_cm2"][~on] == 0.0)
    # docs/reference-values.md (computed): a 1 ms, 20 uA/cm^2 pulse gives a spike peaking near +40 mV (2 mV) and an
    # after-hyperpolarisation near -76 mV (1 mV)
    assert data["V_mV"].max() == pytest.approx(40.0, abs=2.0)
    assert data["V_mV"][data["t_ms"] > 8.0].min() == pytest.approx(-76.0, abs=1.0)


def test_ramp_current_is_linear(hhtui, tmp_path: Path) -> None:
    done = hhtui(
        "run",
        "--stim",
        "ramp",
        "--amp",
        "0",
        "--amp-end",
        "10",
        "--start",
        "5",
        "--duration",
        "20",
        "--t-stop",
        "30",
        "-o",
        "ramp.csv",
    )
    assert done.returncode == 0, done.stderr
    data = load(tmp_path / "ramp.csv")
    t, current = data["t_ms"], data["I_stim_uA_cm2"]
    inside = (t >= 5.0 - 1e-9) & (t < 25.0 - 1e-9)
    np.testing.assert_allclose(current[inside], (t[inside] - 5.0) * 0.5, atol=1e-8)
    assert np.all(current[~inside] == 0.0)


def test_duration_past_t_stop_is_a_warning(hhtui, tmp_path: Path) -> None:
    done = hhtui("run", "--duration", "100", "--t-stop", "20", "-o", "w.csv")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "warning" in lines[0] and "--duration" in lines[0] and "--t-stop" in lines[0]
    assert (tmp_path / "w.csv").exists()


@pytest.mark.parametrize(
    "command, expected",
    [
        (
            "run",
            [
                "--t-stop",
                "(default: 50)",
                "--dt",
                "(default: 0.01)",
                "uA/cm^2",
                "mV",
                "--sample-every",
                "--config",
                "--g-na",
                "mS/cm^2",
                "(default: 120)",
                "--stim",
                "--hold",
                "--level",
                "--amp-end",
                "--interval",
                "--count",
            ],
        ),
        ("sweep", ["FROM:TO:STEP", "--transient", "amp_uA_cm2,spike_count,rate_Hz", "(default: 0.01)", "uA/cm^2"]),
        ("plot", ["--gates", "80x24", "--width", "--height"]),
    ],
)
def test_help_shows_units_and_defaults(hhtui, command: str, expected: list[str]) -> None:
    done = hhtui(command, "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())  # argparse wraps the help to the terminal width
    for item in expected:
        assert item in text, item


def test_version(hhtui) -> None:
    done = hhtui("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"hhtui {__version__}"


@pytest.mark.skipif(importlib.util.find_spec("hhtui.experiments") is None, reason="no presets in this tree")
def test_presets_are_listed_and_run(hhtui, tmp_path: Path) -> None:
    from hhtui.experiments import get_preset, preset_names

    listed = hhtui("run", "--list-presets")
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]
    assert names == list(preset_names())
    name = names[0]
    done = hhtui("run", "--preset", name, "--t-stop", "20", "-o", "preset.csv")
    assert done.returncode == 0, done.stderr
    sidecar = json.loads((tmp_path / "preset.json").read_text())
    assert sidecar["experiment"] == get_preset(name).replace(t_stop=20.0).to_dict()
