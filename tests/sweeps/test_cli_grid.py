"""``hhtui sweep`` over grids: the long-format CSV, its sidecar and ``--config``, chunking that
changes no number, Ctrl-C and ``--resume`` (fresh processes), and hysteresis."""

from __future__ import annotations

import csv
import json
import signal
from pathlib import Path

import numpy as np
import pytest

from tests.in_process import run_cli
from tests.processes import (
    TIMEOUT_S,
    hhtui_in_pty,
    interrupt_after_chunks,
    start_hhtui,
)

RUN = ("--t-stop", "100", "--transient", "20")


def read(path: Path) -> tuple[list[str], np.ndarray]:
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    return header, np.atleast_2d(np.loadtxt(path, delimiter=",", skiprows=1))


def test_a_two_dimensional_grid_is_the_one_dimensional_sweeps_side_by_side(hhtui, tmp_path: Path) -> None:
    done = hhtui("sweep", "--amp", "0:20:5", "--g-k", "30,36", "--temperature", "10", *RUN, "-o", "grid.csv")
    assert done.returncode == 0, done.stderr
    assert "10 points (--g-k 2 x --amp 5)" in done.stderr
    header, grid = read(tmp_path / "grid.csv")
    assert header == ["amp_uA_cm2", "g_k_mS_cm2", "spike_count", "rate_Hz", "latency_ms"]
    np.testing.assert_array_equal(grid[:, 0], [0, 5, 10, 15, 20] * 2)
    np.testing.assert_array_equal(grid[:, 1], [30] * 5 + [36] * 5)
    for g_k, rows in ((30, slice(0, 5)), (36, slice(5, 10))):
        one = hhtui("sweep", "--amp", "0:20:5", "--g-k", str(g_k), "--temperature", "10", *RUN, "-o", f"fi{g_k}.csv")
        assert one.returncode == 0, one.stderr
        header_1d, curve = read(tmp_path / f"fi{g_k}.csv")
        assert header_1d == ["amp_uA_cm2", "spike_count", "rate_Hz", "latency_ms"]
        np.testing.assert_array_equal(grid[rows][:, [0, 2, 3, 4]], curve)
    assert grid[:, 2].max() > 0  # something fired
    sidecar = json.loads((tmp_path / "grid.json").read_text())
    assert [a["name"] for a in sidecar["sweep"]["grid"]["axes"]] == ["amp", "g_k", "temperature"]
    assert sidecar["experiment"]["membrane"]["temperature"] == 10.0
    assert sidecar["sweep"]["points"] == 10 and sidecar["sweep"]["execution"]["executor"] == "in-process"
    # --config reproduces the file, byte for byte; a flag given beside it overrides it.
    again = hhtui("sweep", "--config", "grid.json", "-o", "again.csv")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "grid.csv").read_bytes()
    other = hhtui("sweep", "--config", "grid.json", "--g-k", "36", "-o", "other.csv")
    assert other.returncode == 0, other.stderr
    assert (tmp_path / "other.csv").read_bytes() == (tmp_path / "fi36.csv").read_bytes()


def test_config_of_an_older_f_i_sidecar(hhtui, tmp_path: Path) -> None:
    """A sidecar of the one-dimensional sweeps (the currents as from/to/step) still reproduces them."""
    done = hhtui("sweep", "--amp", "0:20:5", *RUN, "-o", "new.csv")
    assert done.returncode == 0, done.stderr
    sidecar = json.loads((tmp_path / "new.json").read_text())
    grid = sidecar["sweep"].pop("grid")
    assert grid["axes"][0]["text"] == "0:20:5"
    sidecar["sweep"].update({"amp_from_uA_cm2": 0.0, "amp_to_uA_cm2": 20.0, "amp_step_uA_cm2": 5.0})
    (tmp_path / "old.json").write_text(json.dumps(sidecar))
    again = hhtui("sweep", "--config", "old.json", "-o", "again.csv")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "new.csv").read_bytes()
    (tmp_path / "run.json").write_text(json.dumps({"t_stop": 10}))
    refused = hhtui("sweep", "--config", "run.json", "-o", "x.csv")
    assert refused.returncode == 2 and "not a sweep sidecar" in refused.stderr


def test_chunk_size_changes_no_number(hhtui, tmp_path: Path) -> None:
    """71 currents in one chunk run on the kernel spread over the cores; in chunks of 7, on the
    serial one: the same numbers either way."""
    args = ("sweep", "--amp", "0:35:0.5", "--e-k=-80,-77", *RUN)
    whole = hhtui(*args, "-o", "whole.csv")
    pieces = hhtui(*args, "--chunk-size", "7", "-o", "pieces.csv")
    assert whole.returncode == 0 and pieces.returncode == 0, whole.stderr + pieces.stderr
    assert (tmp_path / "whole.csv").read_bytes() == (tmp_path / "pieces.csv").read_bytes()
    assert json.loads((tmp_path / "whole.json").read_text())["sweep"]["chunks"] == 2
    assert json.loads((tmp_path / "pieces.json").read_text())["sweep"]["chunks"] == 22
    assert not list(tmp_path.glob("*.chunks"))  # the journal goes once the CSV is written


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_chunks_and_resume_finishes(tmp_path: Path) -> None:
    args = ("sweep", "--amp", "0:15:1", "--t-stop", "20000", "--transient", "100", "--chunk-size", "1")
    journal = tmp_path / "fi.csv.chunks"
    process = start_hhtui(*args, "-o", "fi.csv", cwd=tmp_path)
    stderr = interrupt_after_chunks(process, journal)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr
    kept = sorted(p.name for p in journal.glob("chunk-*.npz"))
    assert len(kept) >= 2 and not (tmp_path / "fi.csv").exists()
    # Without --resume the kept chunks are not thrown away.
    refused = run_cli(*args, "-o", "fi.csv", cwd=tmp_path)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    # Different flags cannot resume it.
    other = run_cli(*args[:-2], "--chunk-size", "2", "--resume", "-o", "fi.csv", cwd=tmp_path)
    assert other.returncode == 2 and "different sweep" in other.stderr
    resumed = run_cli(*args, "--resume", "-o", "fi.csv", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    sidecar = json.loads((tmp_path / "fi.json").read_text())
    assert sidecar["sweep"]["resumed_chunks"] >= len(kept) - 1  # a chunk file being written may be partial
    assert not journal.exists()
    reference = run_cli(*args, "-o", "reference.csv", cwd=tmp_path)
    assert reference.returncode == 0, reference.stderr
    assert (tmp_path / "fi.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes()


def test_the_progress_bar_counts_grid_points_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal the bar shows the grid points done; Ctrl-C then stops the sweep cleanly."""
    with hhtui_in_pty("sweep", "--amp", "0:100:0.01", "--t-stop", "3000", "-o", "big.csv", cwd=tmp_path) as terminal:
        assert terminal.wait_for(b"/10,001 points", TIMEOUT_S), bytes(terminal.output[-500:])
        terminal.signal(signal.SIGINT)
        status = terminal.wait_exit(120)
        seen = bytes(terminal.output)
    assert status is not None, "Ctrl-C did not stop the sweep"
    assert status == 130
    assert b"interrupted" in seen and b"Traceback" not in seen
    assert not (tmp_path / "big.csv").exists()


def test_hysteresis_shows_the_bistable_range(hhtui, tmp_path: Path) -> None:
    """Rinzel (1978, in Studies in Mathematics 15, ed. de Boor) and Guckenheimer & Labouriau
    (1993, Bull Math Biol 55:937-952): at 6.3 C rest loses stability at a subcritical Hopf
    bifurcation near 9.78 uA/cm^2, and the stable firing cycle is born at a fold of limit cycles
    near 6.26 uA/cm^2 (Balti et al. 2018, 6.265-6.272). Stepping the current up from rest the
    membrane stays at rest up to the Hopf point; stepping it down from firing it fires down to the
    fold. Tolerance: one grid step (0.25 uA/cm^2), as each step lasts a finite time."""
    done = hhtui(
        "sweep", "--amp", "5:11:0.25", "--hysteresis", "--t-stop", "300", "--transient", "100", "-o", "hyst.csv"
    )
    assert done.returncode == 0, done.stderr
    header, data = read(tmp_path / "hyst.csv")
    assert header == ["amp_uA_cm2", "direction", "spike_count", "rate_Hz", "V_max_mV", "V_min_mV"]
    up, down = data[data[:, 1] == 1], data[data[:, 1] == -1]
    assert up.shape == down.shape == (25, 6)
    np.testing.assert_array_equal(down[:, 0], up[::-1, 0])
    firing_up = up[up[:, 2] >= 2, 0]
    firing_down = down[down[:, 2] >= 2, 0]
    assert firing_up.min() == pytest.approx(9.78, abs=0.25)  # the Hopf point
    assert firing_down.min() == pytest.approx(6.26, abs=0.25)  # the fold of limit cycles
    between = (up[:, 0] > 6.5) & (up[:, 0] < 9.5)
    assert np.all(up[between, 2] == 0) and np.all(up[between, 4] < -50.0)  # rest: V stays low
    assert np.all(down[::-1][between, 2] >= 10) and np.all(down[::-1][between, 4] > 20.0)  # spikes
    sidecar = json.loads((tmp_path / "hyst.json").read_text())
    low, high = sidecar["sweep"]["bistable_uA_cm2"]
    assert low == pytest.approx(6.26, abs=0.25) and high == pytest.approx(9.78, abs=0.25)
    assert f"bistable from {low:g} to {high:g}" in done.stderr


@pytest.mark.parametrize("workers", ["12345678901234567890", "100000", "0"])
def test_a_local_cluster_of_absurd_size_is_refused_before_it_starts(workers: str, tmp_path) -> None:
    # A local cluster starts one process per worker: an unbounded count once tried to start
    # billions of them. It is refused in one line naming the flag, and nothing is written.
    from hhtui.cli import main
    from hhtui.cli.sweep import MAX_LOCAL_WORKERS

    out = tmp_path / "s.csv"
    status = main(
        ["sweep", "--amp", "0:20:10", "--t-stop", "5", "--transient", "1", "--workers", workers, "-o", str(out)]
    )
    assert status == 2
    assert int(workers) > MAX_LOCAL_WORKERS or int(workers) < 1
    assert list(tmp_path.iterdir()) == []
