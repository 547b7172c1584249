"""``hhtui.sweep`` over grids, hysteresis and replayed sidecars gives the table of ``hhtui sweep``
value for value: the same columns, the same numbers, the sidecar's content in ``df.attrs``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hhtui
from hhtui.export import read_csv
from tests.in_process import run_cli
from tests.processes import run_python

pandas = pytest.importorskip("pandas")

#: A small two-dimensional grid, short runs (about a second in all).
GRID_FLAGS = ("--amp", "0:20:2.5", "--g-k", "24,36,48", "--t-stop", "60", "--transient", "10")
GRID_KEYWORDS: dict[str, Any] = {"amp": "0:20:2.5", "g_k": [24, 36, 48], "t_stop": 60, "transient": 10}


def cli_sweep(tmp_path: Path, *args: str, name: str = "grid") -> tuple[Path, dict[str, Any]]:
    """``hhtui sweep ARGS -o NAME.csv``: its CSV file and its sidecar."""
    done = run_cli("sweep", *args, "-o", f"{name}.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / f"{name}.csv", json.loads((tmp_path / f"{name}.json").read_text())


def assert_same_table(frame: Any, csv: Path, sidecar: dict[str, Any]) -> None:
    """The frame holds the CSV's numbers: each, written as the CSV writes numbers (10 significant
    digits), is the CSV's text; and the sidecar's content is in its attrs."""
    lines = csv.read_text().splitlines()
    assert lines[0].split(",") == list(frame.columns)
    rows = [",".join(f"{value:.10g}" for value in row) for row in frame.to_numpy(dtype=np.float64)]
    assert rows == lines[1:]
    for name, values in read_csv(csv).items():
        np.testing.assert_allclose(frame[name].to_numpy(dtype=np.float64), values, rtol=1e-9, err_msg=name)
    assert frame.attrs["sweep"] == sidecar["sweep"]
    assert frame.attrs["experiment"] == sidecar["experiment"]
    # The command of the sidecar is the one in attrs, with its output file.
    assert sidecar["command"].startswith(frame.attrs["command"] + " -o ")


def test_a_two_dimensional_grid_equals_the_csv_of_hhtui_sweep(tmp_path: Path) -> None:
    csv, sidecar = cli_sweep(tmp_path, *GRID_FLAGS)
    frame = hhtui.sweep(**GRID_KEYWORDS)
    assert_same_table(frame, csv, sidecar)
    assert list(frame.columns) == ["amp_uA_cm2", "g_k_mS_cm2", "spike_count", "rate_Hz", "latency_ms"]
    assert len(frame) == 9 * 3
    assert frame["spike_count"].dtype == np.int64
    # The grid does what it claims: more potassium conductance, no more spikes at a current.
    counts = frame.pivot(index="amp_uA_cm2", columns="g_k_mS_cm2", values="spike_count")
    assert (counts[24.0] >= counts[48.0]).all() and counts.to_numpy().max() > 0


def test_a_temperature_list_and_a_fixed_membrane_value(tmp_path: Path) -> None:
    args = ("--amp", "5,15", "--temperature", "6.3,18.5", "--e-l", "-54", "--t-stop", "50", "--transient", "5")
    csv, sidecar = cli_sweep(tmp_path, *args)
    frame = hhtui.sweep(amp=[5, 15], temperature="6.3,18.5", e_l=-54, t_stop=50, transient=5)
    assert_same_table(frame, csv, sidecar)
    assert frame.attrs["experiment"]["membrane"]["e_l"] == -54.0


def test_a_hysteresis_sweep_equals_the_csv_of_hhtui_sweep(tmp_path: Path) -> None:
    args = ("--amp", "4:12:2", "--hysteresis", "--t-stop", "80", "--transient", "20")
    csv, sidecar = cli_sweep(tmp_path, *args, name="hysteresis")
    frame = hhtui.sweep(amp="4:12:2", hysteresis=True, t_stop=80, transient=20)
    assert_same_table(frame, csv, sidecar)
    assert frame["direction"].tolist() == [1] * 5 + [-1] * 5
    assert frame.attrs["sweep"]["hysteresis"] is True


def test_a_sidecar_replayed_gives_the_same_table(tmp_path: Path) -> None:
    csv, sidecar = cli_sweep(tmp_path, *GRID_FLAGS, "--method", "expeuler", "--dt", "0.02")
    from_path = hhtui.sweep(config=tmp_path / "grid.json")
    assert_same_table(from_path, csv, sidecar)
    from_dict = hhtui.sweep(config=sidecar)
    assert_same_table(from_dict, csv, sidecar)
    assert from_dict.attrs["experiment"]["solver"]["method"] == "expeuler"


def test_keywords_override_the_sidecar_as_flags_do(tmp_path: Path) -> None:
    cli_sweep(tmp_path, *GRID_FLAGS)
    csv, sidecar = cli_sweep(tmp_path, "--config", "grid.json", "--g-k", "30", "--t-stop", "40", name="again")
    frame = hhtui.sweep(config=str(tmp_path / "grid.json"), g_k=30, t_stop=40)
    assert_same_table(frame, csv, sidecar)
    assert "g_k_mS_cm2" not in frame.columns and frame.attrs["experiment"]["membrane"]["g_k"] == 30.0


def test_a_hysteresis_sidecar_replays_as_hysteresis(tmp_path: Path) -> None:
    csv, sidecar = cli_sweep(tmp_path, "--amp", "6,10", "--hysteresis", "--t-stop", "40", "--transient", "5")
    frame = hhtui.sweep(config=tmp_path / "grid.json")
    assert_same_table(frame, csv, sidecar)


def test_output_writes_the_files_of_hhtui_sweep(tmp_path: Path) -> None:
    csv, sidecar = cli_sweep(tmp_path, *GRID_FLAGS)
    written = tmp_path / "api" / "grid.csv"
    written.parent.mkdir()
    frame = hhtui.sweep(**GRID_KEYWORDS, output=written)
    assert written.read_bytes() == csv.read_bytes()
    again = json.loads(written.with_suffix(".json").read_text())
    assert again["sweep"] == sidecar["sweep"] and again["experiment"] == sidecar["experiment"]
    assert again["command"] == frame.attrs["command"] == sidecar["command"].replace("grid.csv", str(written))
    with pytest.raises(hhtui.ParameterError) as caught:
        hhtui.sweep(amp="0:5:1", output=tmp_path / "grid.json")
    assert caught.value.parameter == "output" and "sidecar" in str(caught.value)
    with pytest.raises(hhtui.ParameterError) as caught:
        hhtui.sweep(amp="0:5:1", output=tmp_path / "missing" / "grid.csv")
    assert caught.value.parameter == "output" and str(caught.value).startswith("output: ")


@pytest.mark.parametrize(
    "keywords,parameter,words",
    [
        ({"amp": "0:10:1", "g_k": "50:20:1"}, "g_k", "below FROM"),
        ({"amp": "0:10:1", "temperature": [6.3, 6.3]}, "temperature", "repeats"),
        ({"amp": "0:10:1", "g_na": 1e9}, "g_na", "out of range"),
        ({"amp": "0:10:1", "e_k": [float("inf")]}, "e_k", "finite"),
        ({"amp": "0:10:1", "g_k": "20,30", "hysteresis": True}, "hysteresis", "g_k a single value"),
        ({"amp": "0:10:1", "hysteresis": True, "chunk_size": 4}, "chunk_size", "one neuron"),
        ({"amp": "0:10:1", "hysteresis": "yes"}, "hysteresis", "True or False"),
        ({"amp": "0:10:1", "workers": 2, "scheduler": "tcp://127.0.0.1:1"}, "workers", "give one of them"),
        ({"amp": "0:10:1", "scheduler": "not an address"}, "scheduler", "tcp://HOST:8786"),
        ({"amp": "0:10:1", "workers": 0}, "workers", "whole number"),
        ({"amp": "0:10:1", "chunk_size": 2.5}, "chunk_size", "whole number"),
        ({"amp": "0:10:1", "method": "scipy"}, "method", "fixed-step"),
        ({"g_k": "20,30"}, "amp", "currents are required"),
        ({"config": "/nonexistent/grid.json"}, "config", "does not exist"),
        ({"config": {"experiment": {}}}, "config", "not a sweep sidecar"),
        ({"config": 3}, "config", "sidecar"),
        ({"amp": "0:10:1", "chunk": 4}, "chunk", "did you mean chunk_size?"),
    ],
)
def test_bad_grid_arguments_raise_a_parameter_error_naming_the_keyword(
    keywords: dict[str, Any], parameter: str, words: str
) -> None:
    with pytest.raises(hhtui.ParameterError) as caught:
        hhtui.sweep(**keywords)
    assert caught.value.parameter == parameter
    assert str(caught.value).startswith(parameter)
    assert words in str(caught.value)
    assert "--" not in str(caught.value).split(";")[0]


@pytest.mark.distributed
def test_a_grid_on_a_local_cluster_equals_the_csv(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    csv, _ = cli_sweep(tmp_path, *GRID_FLAGS, "--chunk-size", "9")
    reference = hhtui.sweep(**GRID_KEYWORDS)
    columns = read_csv(csv)
    code = (
        "import json, hhtui\n"
        "frame = hhtui.sweep(amp='0:20:2.5', g_k=[24, 36, 48], t_stop=60, transient=10, chunk_size=9, workers=1)\n"
        "print(json.dumps({'columns': frame.to_dict(orient='list'), 'sweep': frame.attrs['sweep']}))\n"
    )
    done = run_python("-c", code, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert list(result["columns"]) == list(columns)
    for name, values in columns.items():
        np.testing.assert_allclose(np.asarray(result["columns"][name], dtype=np.float64), values, rtol=1e-9)
        # Over the cluster the very floats of the run in this process (JSON keeps every digit).
        assert result["columns"][name] == reference[name].tolist(), name
    execution = result["sweep"]["execution"]
    assert execution["local_workers"] == 1 and result["sweep"]["chunks"] == 3


def test_an_interrupted_sweep_keeps_its_chunks_and_resume_true_finishes_it(tmp_path: Path) -> None:
    """Ctrl-C in a script running ``hhtui.sweep(output=...)`` keeps the finished chunks beside the
    file, says so, and the same call with ``resume=True`` computes the rest: the file of a sweep
    never interrupted, byte for byte."""
    from tests.processes import interrupt_after_chunks, start_process

    keywords = {"amp": "0:15:1", "t_stop": 20000, "transient": 100, "chunk_size": 1}
    code = f"import hhtui; hhtui.sweep(**{keywords!r}, output='fi.csv')"
    journal = tmp_path / "fi.csv.chunks"
    stderr = interrupt_after_chunks(start_process([sys.executable, "-c", code], cwd=tmp_path), journal)
    assert "KeyboardInterrupt" in stderr
    assert "grid points kept in" in stderr and "resume=True" in stderr, stderr
    kept = sorted(journal.glob("chunk-*.npz"))
    assert len(kept) >= 2 and not (tmp_path / "fi.csv").exists()

    # Without resume=True the kept chunks are not thrown away; other settings cannot resume them.
    with pytest.raises(hhtui.ParameterError, match="resume=True"):
        hhtui.sweep(**keywords, output=tmp_path / "fi.csv")
    with pytest.raises(hhtui.ParameterError, match="different sweep") as refused:
        hhtui.sweep(**{**keywords, "chunk_size": 2}, output=tmp_path / "fi.csv", resume=True)
    assert refused.value.parameter == "resume"
    with pytest.raises(hhtui.ParameterError, match="output="):
        hhtui.sweep(**keywords, resume=True)

    frame = hhtui.sweep(**keywords, output=tmp_path / "fi.csv", resume=True)
    sidecar = json.loads((tmp_path / "fi.json").read_text())
    assert sidecar["sweep"]["resumed_chunks"] >= len(kept) - 1  # a chunk file being written may be partial
    assert not journal.exists() and len(frame) == 16
    hhtui.sweep(**keywords, output=tmp_path / "reference.csv")
    assert (tmp_path / "fi.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes()
