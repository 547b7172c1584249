"""``hhtui plot`` of sweep results: a grid of two parameters as a heat map with its scale, a
hysteresis sweep as both branches, and the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hhtui.cli.plot_grid import RAMP


def write(path: Path, header: list[str], rows: np.ndarray) -> None:
    lines = [",".join(header)] + [",".join(f"{v:g}" for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def grid_rows() -> np.ndarray:
    """rate = amp * g_k / 10 on amp 0..40 x g_k 20..50; latency -1 (never fired) at amp 0."""
    rows = []
    for g_k in range(20, 51, 10):
        for amp in range(0, 41, 2):
            rows.append((amp, g_k, amp, amp * g_k / 10.0, 10.0 / amp if amp else -1.0))
    return np.array(rows, dtype=float)


def map_cells(text: str) -> list[str]:
    return [line.split("┤", 1)[1] for line in text.splitlines() if "┤" in line]


def test_a_two_parameter_grid_is_a_heat_map_with_its_scale(hhtui, tmp_path: Path) -> None:
    write(tmp_path / "grid.csv", ["amp_uA_cm2", "g_k_mS_cm2", "spike_count", "rate_Hz", "latency_ms"], grid_rows())
    done = hhtui("plot", "grid.csv", "--width", "90", "--height", "30")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.rstrip("\n").splitlines()
    assert len(lines) <= 30 and max(len(line) for line in lines) <= 90
    assert "rate (Hz) over amp (uA/cm^2) x g_k (mS/cm^2)" in lines[0]
    assert "scale:" in done.stdout and "to 200" in done.stdout  # the highest rate, 40 * 50 / 10
    cells = map_cells(done.stdout)
    # The top row is g_k = 50, the bottom g_k = 20: the rate grows to the right and upwards.
    assert cells[0][-1] == RAMP[-1] and cells[-1][0] == RAMP[0]
    assert RAMP.index(cells[0][-1]) > RAMP.index(cells[-1][-1])
    # A point without a value (the latency of a silent point) is blank, not the lowest shade.
    latency = hhtui("plot", "grid.csv", "--value", "latency_ms", "--width", "90", "--height", "30")
    assert latency.returncode == 0, latency.stderr
    assert all(row[0] == " " for row in map_cells(latency.stdout)) and "latency (ms)" in latency.stdout


def test_a_hysteresis_sweep_shows_both_branches(hhtui, tmp_path: Path) -> None:
    amps = np.arange(4.0, 12.01, 0.5)
    up = np.where(amps >= 10.0, 70.0, 0.0)
    down = np.where(amps >= 6.5, 60.0, 0.0)
    rows = [(a, 1, 0, r, 0, 0) for a, r in zip(amps, up)] + [
        (a, -1, 0, r, 0, 0) for a, r in zip(amps[::-1], down[::-1])
    ]
    write(
        tmp_path / "h.csv",
        ["amp_uA_cm2", "direction", "spike_count", "rate_Hz", "V_max_mV", "V_min_mV"],
        np.array(rows, dtype=float),
    )
    done = hhtui("plot", "h.csv")
    assert done.returncode == 0, done.stderr
    assert "up (from rest)" in done.stdout and "down (from firing)" in done.stdout and "hysteresis" in done.stdout
    plot_area = "".join(line.split("┤", 1)[-1] for line in done.stdout.splitlines() if "┤" in line)
    assert "u" in plot_area and "d" in plot_area


def test_refusals(hhtui, tmp_path: Path) -> None:
    rows = [(a, g, t, 0, a, 1) for a in (0, 1) for g in (30, 36) for t in (6.3, 18.5)]
    write(
        tmp_path / "cube.csv",
        ["amp_uA_cm2", "g_k_mS_cm2", "temperature_C", "spike_count", "rate_Hz", "latency_ms"],
        np.array(rows, dtype=float),
    )
    done = hhtui("plot", "cube.csv")
    assert done.returncode == 2 and "varies 3 parameters" in done.stderr
    write(tmp_path / "grid.csv", ["amp_uA_cm2", "g_k_mS_cm2", "spike_count", "rate_Hz", "latency_ms"], grid_rows())
    done = hhtui("plot", "grid.csv", "--value", "V_max_mV")
    assert done.returncode == 2 and "--value" in done.stderr and "rate_Hz" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_grid_over_one_membrane_parameter_is_a_curve_against_it(hhtui, tmp_path: Path) -> None:
    rows = np.array([(10.0, g_k, 5, 100.0 - g_k, 3.0) for g_k in range(20, 51, 2)], dtype=float)
    write(tmp_path / "gk.csv", ["amp_uA_cm2", "g_k_mS_cm2", "spike_count", "rate_Hz", "latency_ms"], rows)
    done = hhtui("plot", "gk.csv")
    assert done.returncode == 0, done.stderr
    assert "rate_Hz against g_k_mS_cm2" in done.stdout and "g_k (mS/cm^2)" in done.stdout
    assert "┤" in done.stdout and "scale:" not in done.stdout  # a curve, not a map
