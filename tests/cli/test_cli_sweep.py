"""``hhtui sweep``: the F-I CSV, its sidecar, the onset, and reproduction (the literature sweep in a
fresh process, the others in the test process)."""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from hhtui.model import Experiment, Step
from tests.processes import run_hhtui

HEADER = ["amp_uA_cm2", "spike_count", "rate_Hz", "latency_ms"]
ONSET = re.compile(r"onset of repetitive firing at ([\d.e+-]+) uA/cm\^2")


@pytest.fixture(scope="module")
def literature_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One sweep over 5..50 uA/cm^2, 600 ms with a 100 ms transient: (CSV path, stderr)."""
    directory = tmp_path_factory.mktemp("sweep")
    done = run_hhtui(
        "sweep", "--amp", "5:50:0.25", "--t-stop", "600", "--transient", "100", "-o", "fi.csv", cwd=directory
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    return directory / "fi.csv", done.stderr


def test_fi_csv_columns_and_rates(literature_sweep: tuple[Path, str]) -> None:
    path, _ = literature_sweep
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADER
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    assert data.shape == (181, 4)
    np.testing.assert_array_equal(data[:, 0], np.round(5.0 + 0.25 * np.arange(181), 10))
    counts, rates, latency = data[:, 1], data[:, 2], data[:, 3]
    assert np.all(counts == np.round(counts)) and np.all(counts >= 0)
    # The rate is the inverse mean inter-spike interval of the n spikes in the 0.5 s after the
    # transient: the n - 1 intervals fit in the window, and in sustained firing n + 1 would not.
    firing = counts >= 2
    assert np.all(rates[~firing] == 0.0) and np.all(rates[firing] > 0.0)
    assert np.all(rates[firing] >= (counts[firing] - 1) / 0.5)
    regular = counts >= 10
    assert np.all(rates[regular] <= (counts[regular] + 1) / 0.5)
    # Every current here fires at least once; the stronger the step, the sooner the first spike.
    assert np.all(latency > 0.0) and np.all(np.diff(latency) < 0.0)


def test_rates_from_intervals_are_smooth(literature_sweep: tuple[Path, str]) -> None:
    """Counted over a window, the rate moved in steps of 2 Hz and fell from 11.0 to 11.5
    (72 -> 70 Hz); from the intervals it rises steadily with the current above the onset."""
    data = np.loadtxt(literature_sweep[0], delimiter=",", skiprows=1)
    amps, rates = data[:, 0], data[:, 2]
    above = amps >= 7.0
    assert np.all(np.diff(rates[above]) > 0.0)
    assert not np.all(np.isclose(rates[above] % 2.0, 0.0))


def test_fi_curve_matches_the_literature(literature_sweep: tuple[Path, str]) -> None:
    path, stderr = literature_sweep
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    rate = dict(zip(data[:, 0], data[:, 2]))
    # docs/reference-values.md (computed), F-I of the 1952 model at 6.3 C: 10 -> ~68 Hz, 20 -> ~87 Hz, 50 -> ~117 Hz.
    # Tolerance 4 Hz: the rate over 0.5 s is counted in steps of 2 Hz, and the values are "about".
    assert rate[10.0] == pytest.approx(68.0, abs=4.0)
    assert rate[20.0] == pytest.approx(87.0, abs=4.0)
    assert rate[50.0] == pytest.approx(117.0, abs=4.0)
    # Rinzel & Miller 1980 (Math Biosci 49:27-59): sustained firing from about 6.26 uA/cm^2 (fold of limit
    # cycles), at about 51 Hz.
    # Just below the fold the membrane still rings through a few slow spikes, so on a 0.25 grid the
    # onset found in a finite run is within one grid step of 6.26; 5 Hz for the rate near onset.
    match = ONSET.search(stderr)
    assert match, stderr
    onset = float(match.group(1))
    assert onset == pytest.approx(6.26, abs=0.25)
    assert rate[6.5] == pytest.approx(51.0, abs=5.0)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["sweep"]["onset_uA_cm2"] == onset
    assert sidecar["sweep"]["transient_ms"] == 100.0 and sidecar["sweep"]["currents"] == 181
    experiment = Experiment.from_dict(sidecar)
    assert isinstance(experiment.stimulus, Step) and experiment.stimulus.start == 0.0
    np.testing.assert_array_equal(experiment.stimulus.amplitude, data[:, 0])
    assert experiment.t_stop == 600.0


@pytest.mark.parametrize("amplitude", [8.0, 30.0])
def test_population_counts_match_a_single_neuron_run(literature_sweep: tuple[Path, str], amplitude: float) -> None:
    """The population path counts what a lone neuron's voltage trace shows: upward 0 mV crossings
    after the transient."""
    from hhtui.model.analysis import spike_times

    data = np.loadtxt(literature_sweep[0], delimiter=",", skiprows=1)
    row = data[np.nonzero(data[:, 0] == amplitude)[0][0]]
    samples = Experiment(stimulus=Step(amplitude=amplitude, start=0.0), t_stop=600.0).run()
    v, t = samples.V[0], samples.t
    crossing = (v[:-1] < 0.0) & (v[1:] >= 0.0) & (t[1:] >= 100.0)
    assert row[1] == np.count_nonzero(crossing) > 0
    times = spike_times(t, v)
    late = times[times >= 100.0]
    assert row[2] == pytest.approx(1000.0 * (late.size - 1) / (late[-1] - late[0]), rel=1e-8)
    assert row[3] == pytest.approx(times[0], abs=1e-8)


def test_sweep_reproduces_from_its_sidecar(hhtui, tmp_path: Path) -> None:
    done = hhtui(
        "sweep",
        "--amp=-2:12:0.5",
        "--t-stop",
        "150",
        "--transient",
        "30",
        "--temperature",
        "10",
        "--g-k",
        "30",
        "--method",
        "expeuler",
        "--dt",
        "0.02",
        "-o",
        "s.csv",
    )
    assert done.returncode == 0, done.stderr
    sidecar = json.loads((tmp_path / "s.json").read_text())
    words = shlex.split(sidecar["command"])
    assert words[:2] == ["hhtui", "sweep"]
    words[words.index("-o") + 1] = "again.csv"
    again = run_hhtui(*words[1:], cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "s.csv").read_bytes()
    assert np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1)[0, 0] == -2.0


def test_sweep_to_standard_output(hhtui, tmp_path: Path) -> None:
    done = hhtui("sweep", "--amp", "0:20:5", "--t-stop", "100", "--transient", "20", "-o", "-")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(done.stdout.splitlines()))
    assert rows[0] == HEADER and [float(r[0]) for r in rows[1:]] == [0.0, 5.0, 10.0, 15.0, 20.0]
    assert len(done.stderr.strip().splitlines()) == 1 and "standard output" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_repetitive_firing_is_reported(hhtui, tmp_path: Path) -> None:
    done = hhtui("sweep", "--amp", "0:2:1", "--t-stop", "100", "--transient", "20", "-o", "quiet.csv")
    assert done.returncode == 0, done.stderr
    assert "no repetitive firing" in done.stderr
    assert json.loads((tmp_path / "quiet.json").read_text())["sweep"]["onset_uA_cm2"] is None
