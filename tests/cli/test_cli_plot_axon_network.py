"""``hhtui plot`` draws an axon's V(x, t) as a space-time picture and a network's spikes as a
raster, and names the CSV of a JSON sidecar given by mistake."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest


@pytest.fixture
def axon_file(hhtui, tmp_path: Path) -> Path:
    done = hhtui("axon", "--t-stop", "4", "--nseg", "200", "-o", "axon.csv")
    assert done.returncode == 0, done.stderr
    return tmp_path / "axon.csv"


def test_an_axon_file_is_a_space_time_picture_of_the_travelling_wave(hhtui, axon_file: Path) -> None:
    done = hhtui("plot", str(axon_file), "--width", "80", "--height", "30")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "along the axon" in lines[0] and "50 positions" in lines[0]
    assert any("scale:" in line for line in lines) and any("t (ms)" in line for line in lines)
    rows = [line.split("┤", 1)[1] for line in lines if "┤" in line]
    assert len(rows) >= 10
    assert all(len(line) <= 80 for line in lines)
    # The peak reaches the far end (top row) later than the stimulated end (bottom row).
    top, bottom = rows[0].index("@"), rows[-1].index("@")
    assert top > bottom + 5, (top, bottom)
    with open(axon_file) as handle:
        header = next(csv.reader(handle))
    positions = [float(name[3:-5]) for name in header[1:]]
    ticks = [line.split("┤", 1)[0].strip() for line in lines if "┤" in line]
    shown = [float(tick) for tick in ticks if tick]
    assert shown[0] > shown[-1]  # the far end up, the stimulated end down
    assert all(any(f"{x:.4g}" == f"{tick:.4g}" for x in positions) for tick in shown)
    assert shown[0] > 0.9 * max(positions) and shown[-1] < 0.1 * max(positions)


def test_a_network_file_is_a_raster_of_its_spikes(hhtui, tmp_path: Path) -> None:
    done = hhtui("network", "--topology", "ring", "--n", "6", "--t-stop", "40", "-o", "spikes.csv")
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "spikes.csv") as handle:
        rows = list(csv.DictReader(handle))
    fired = {row["neuron"] for row in rows}
    drawn = hhtui("plot", "spikes.csv", "--width", "70", "--height", "20")
    assert drawn.returncode == 0, drawn.stderr
    assert f"{len(rows)} spikes from {len(fired)} neurons" in drawn.stdout
    marks = {line.split("┤", 1)[0].strip(): line.count("|") for line in drawn.stdout.splitlines() if "┤" in line}
    for neuron in fired:  # each neuron's row shows its spikes
        assert marks.get(neuron, 0) >= 1, (neuron, marks)


def test_a_silent_network_is_one_line(hhtui, tmp_path: Path) -> None:
    (tmp_path / "silent.csv").write_text("neuron,t_ms\n")
    done = hhtui("plot", "silent.csv")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no spikes" in done.stderr


@pytest.mark.parametrize("given", ["axon.json", "copy.csv"])
def test_a_sidecar_given_by_mistake_names_its_csv(hhtui, axon_file: Path, tmp_path: Path, given: str) -> None:
    (tmp_path / "copy.csv").write_bytes((tmp_path / "axon.json").read_bytes())
    done = hhtui("plot", given)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "sidecar of axon.csv" in done.stderr and "hhtui plot axon.csv" in done.stderr


def test_a_json_without_its_csv_is_named_as_json(hhtui, tmp_path: Path) -> None:
    (tmp_path / "lonely.json").write_text('{"experiment": {}}')
    done = hhtui("plot", "lonely.json")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "is JSON" in done.stderr and "not a CSV" in done.stderr
