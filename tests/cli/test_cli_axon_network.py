"""``hhtui axon`` and ``hhtui network`` run as a user runs them: in a subprocess."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

#: The ``hhtui`` fixture (tests/cli/conftest.py): the command run in the test process, in ``tmp_path``.
Run = Callable[..., subprocess.CompletedProcess[str]]


def read_rows(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    return header, np.array(body, dtype=float).reshape(len(body), len(header))


# -------------------------------------------------------------------------------- axon


def test_axon_writes_v_of_x_and_t_and_prints_the_velocity(hhtui: Run, tmp_path: Path) -> None:
    out = tmp_path / "axon.csv"
    done = hhtui("axon", "--nseg", "200", "--positions", "20", "-o", str(out))
    assert done.returncode == 0, done.stderr
    found = re.search(r"conduction velocity ([0-9.]+) m/s", done.stdout)
    assert found, done.stdout
    # HH 1952: 18.8 m/s at 18.5 C (the command's default temperature); 2% tolerance.
    assert float(found.group(1)) == pytest.approx(18.8, rel=0.02)
    header, data = read_rows(out)
    assert header[0] == "t_ms"
    assert len(header) == 21
    assert all(re.fullmatch(r"V_x\d+\.\d{4}cm_mV", name) for name in header[1:])
    positions = [float(name[3:-5]) for name in header[1:]]
    assert positions == sorted(positions) and positions[0] < 0.05 and positions[-1] > 4.95
    assert np.allclose(np.diff(data[:, 0]), 0.025)
    # The wave reaches the far end after the near end.
    first_left = data[np.argmax(data[:, 1] > -20.0), 0]
    first_right = data[np.argmax(data[:, -1] > -20.0), 0]
    assert data[:, -1].max() > 0.0 and first_right > first_left
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["experiment"]["nseg"] == 200
    assert sidecar["measured"]["velocity_m_s"] == pytest.approx(float(found.group(1)), abs=0.01)


def test_axon_json_reports_measured_values(hhtui: Run) -> None:
    done = hhtui("axon", "--temperature", "6.3", "--t-stop", "8", "--json")
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    # docs/reference-values.md (computed): a converged cable gives about 12.3 m/s at 6.3 C; 2% tolerance.
    assert measured["velocity_m_s"] == pytest.approx(12.3, rel=0.02)
    assert measured["temperature_C"] == 6.3
    assert measured["compartments_fired"] == measured["nseg"]


def test_axon_collision_from_both_ends(hhtui: Run, tmp_path: Path) -> None:
    done = hhtui("axon", "--stim-end", "both", "--json", "--dx-um", "250")
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    assert measured["nseg"] == 200
    assert measured["compartments_fired"] == 200
    assert measured["max_crossings"] == 1  # the waves annihilate: nobody fires twice


def test_axon_csv_to_standard_output(hhtui: Run) -> None:
    done = hhtui("axon", "--nseg", "40", "--positions", "3", "--t-stop", "1", "-o", "-")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split(",")[0] == "t_ms" and len(lines[0].split(",")) == 4
    assert "m/s" not in done.stdout and "compartments" in done.stderr


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--nseg", "2"], "--nseg"),
        (["--length-cm", "abc"], "--length-cm"),
        (["--nseg", "100", "--dx-um", "100"], "--dx-um"),
        (["--stim-end", "right"], "--stim-end"),
        (["--temperature", "99"], "--temperature"),
        (["--sample-every", "0.00001", "--dt", "0.00001"], "--sample-every"),
    ],
)
def test_axon_bad_input_is_one_line_exit_2_no_file(hhtui: Run, tmp_path: Path, args: list[str], flag: str) -> None:
    out = tmp_path / "bad.csv"
    done = hhtui("axon", *args, "-o", str(out))
    assert done.returncode == 2
    assert flag in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_axon_missing_output_directory(hhtui: Run, tmp_path: Path) -> None:
    done = hhtui("axon", "--nseg", "20", "-o", str(tmp_path / "nowhere" / "a.csv"))
    assert done.returncode == 2
    assert "-o/--output" in done.stderr and len(done.stderr.strip().splitlines()) == 1


# -------------------------------------------------------------------------------- network


def test_network_ring_writes_spikes(hhtui: Run, tmp_path: Path) -> None:
    out = tmp_path / "spikes.csv"
    done = hhtui("network", "--topology", "ring", "--n", "10", "--t-stop", "60", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 1
    assert "10 neurons, ring" in done.stdout
    header, data = read_rows(out)
    assert header == ["neuron", "t_ms"]
    neurons = data[:, 0].astype(int)
    assert set(neurons) == set(range(10))
    assert np.array_equal(neurons, np.arange(len(neurons)) % 10)  # the spike goes round in order
    assert np.all(np.diff(data[:, 1]) > 0)
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["summary"]["spikes"] == len(neurons)
    assert sidecar["experiment"]["topology"] == "ring"


def test_network_inhibitory_ring_json(hhtui: Run) -> None:
    done = hhtui("network", "--topology", "ring", "--n", "10", "--inhibitory", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["spikes"] == 1 and summary["neurons_fired"] == 1
    assert summary["e_syn_mV"] == -80.0


def test_network_random_is_reproducible(hhtui: Run, tmp_path: Path) -> None:
    args = [
        "network",
        "--topology",
        "random",
        "--n",
        "30",
        "--p",
        "0.2",
        "--seed",
        "4",
        "--weight",
        "0.3",
        "--t-stop",
        "40",
    ]
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert hhtui(*args, "-o", str(first)).returncode == 0
    assert hhtui(*args, "-o", str(second)).returncode == 0
    assert first.read_text() == second.read_text()
    assert len(first.read_text().splitlines()) > 2


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--n", "0"], "--n"),
        (["--topology", "ring", "--p", "0.5"], "--p"),
        (["--topology", "random", "--p", "2"], "--p"),
        (["--inhibitory", "--e-syn", "-70"], "--e-syn"),
        (["--tau", "0"], "--tau"),
        (["--topology", "ring", "--n", "1"], "--topology"),
        (["--delay", "5000"], "--delay"),
    ],
)
def test_network_bad_input_is_one_line_exit_2_no_file(hhtui: Run, tmp_path: Path, args: list[str], flag: str) -> None:
    out = tmp_path / "bad.csv"
    done = hhtui("network", *args, "-o", str(out))
    assert done.returncode == 2
    assert flag in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


# -------------------------------------------------------------------------------- --config


@pytest.mark.parametrize(
    "command, flags",
    [
        ("axon", ["--nseg", "60", "--t-stop", "2", "--positions", "6", "--temperature", "10"]),
        ("network", ["--topology", "chain", "--n", "4", "--t-stop", "20", "--weight", "1"]),
    ],
)
def test_config_replays_a_sidecar_and_flags_override_it(
    hhtui: Run, tmp_path: Path, command: str, flags: list[str]
) -> None:
    first = hhtui(command, *flags, "-o", "first.csv")
    assert first.returncode == 0, first.stderr
    again = hhtui(command, "--config", "first.json", "-o", "again.csv")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "first.csv").read_bytes()
    assert again.stdout == first.stdout
    first_sidecar = json.loads((tmp_path / "first.json").read_text())
    again_sidecar = json.loads((tmp_path / "again.json").read_text())
    assert again_sidecar["experiment"] == first_sidecar["experiment"]
    changed = hhtui(command, "--config", "first.json", "--t-stop", "1", "--json")
    assert changed.returncode == 0, changed.stderr
    settings = dict(first_sidecar["experiment"], t_stop=1.0)
    bare = tmp_path / "settings.json"
    bare.write_text(json.dumps(settings))
    from_bare = hhtui(command, "--config", "settings.json", "--json")
    assert from_bare.returncode == 0, from_bare.stderr
    assert json.loads(from_bare.stdout) == json.loads(changed.stdout)


@pytest.mark.parametrize(
    "command, content, words",
    [
        ("axon", None, "missing.json"),
        ("axon", "{", "missing.json"),
        ("axon", '{"nseg": 2}', "nseg"),
        ("axon", '{"n": 4, "topology": "ring"}', "network run"),
        ("network", '{"nseg": 40, "length_cm": 1}', "axon run"),
        ("network", '{"membrane": {}, "stimulus": {"type": "step"}, "solver": {}}', "single-neuron experiment"),
        ("network", '{"n": 1e400}', "n must be a whole number"),
        ("network", '{"program": "hhtui", "experiment": 3}', "no settings"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_flag(
    hhtui: Run, tmp_path: Path, command: str, content: str | None, words: str
) -> None:
    name = "missing.json"
    if content is not None:
        (tmp_path / "cfg.json").write_text(content)
        name = "cfg.json"
    done = hhtui(command, "--config", name, "-o", "out.csv")
    assert done.returncode == 2
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in done.stderr
    assert line.startswith(f"hhtui {command}: error: --config: "), line
    assert words in line or (content == "{" and "cfg.json" in line), line
    assert not (tmp_path / "out.csv").exists()
