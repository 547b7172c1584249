"""Runs as NWB intracellular electrophysiology: valid files, SI units, the same numbers back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import hhtui
from hhtui.model import Experiment
from hhtui.nwb import read_nwb
from tests.in_process import run_cli

pynwb = pytest.importorskip("pynwb")

#: 1 uA/cm^2 over the 1000 um^2 patch (1e-5 cm^2) is 1e-11 A.
AMPERES_PER_UA_CM2 = 1e-11


def read(path: Path):
    io = pynwb.NWBHDF5IO(str(path), "r")
    return io, io.read()


def test_current_clamp_is_a_valid_nwb_file_in_si_units(tmp_path: Path) -> None:
    run = hhtui.simulate(stim="train", amp=25, count=3, interval=10, t_stop=40)
    path = run.to_nwb(tmp_path / "run.nwb")
    assert pynwb.validate(path=str(path)) == []
    io, nwbfile = read(path)
    try:
        table = nwbfile.intracellular_recordings
        assert len(table) == 1
        stimulus = table["stimuli"]["stimulus"][0].timeseries
        response = table["responses"]["response"][0].timeseries
        assert stimulus.neurodata_type == "CurrentClampStimulusSeries" and stimulus.unit == "amperes"
        assert response.neurodata_type == "CurrentClampSeries" and response.unit == "volts"
        assert response.rate == pytest.approx(1e5) and response.starting_time == 0.0  # dt 0.01 ms
        columns = run.columns()
        np.testing.assert_allclose(response.data[:], columns["V_mV"] / 1000.0, rtol=1e-15)
        np.testing.assert_allclose(stimulus.data[:], columns["I_stim_uA_cm2"] * AMPERES_PER_UA_CM2, rtol=1e-15)
        assert stimulus.data[:].max() == pytest.approx(25 * AMPERES_PER_UA_CM2)
        assert "1000 um^2" in response.electrode.description
        notes = json.loads(nwbfile.notes)
        assert notes["experiment"] == run.experiment.to_dict() and notes["membrane_area_um2"] == 1000.0
        assert notes["summary"] == {"samples": len(run.samples), "spikes": run.spike_count}
    finally:
        io.close()


def test_voltage_clamp_holds_the_command_and_the_clamp_current(tmp_path: Path) -> None:
    run = hhtui.simulate(stim="clamp", hold=-70, level=-10, start=2, duration=5, t_stop=10)
    path = run.to_nwb(tmp_path / "clamp.nwb")
    assert pynwb.validate(path=str(path)) == []
    io, nwbfile = read(path)
    try:
        table = nwbfile.intracellular_recordings
        command = table["stimuli"]["stimulus"][0].timeseries
        current = table["responses"]["response"][0].timeseries
        assert command.neurodata_type == "VoltageClampStimulusSeries" and command.unit == "volts"
        assert current.neurodata_type == "VoltageClampSeries" and current.unit == "amperes"
        t = run.columns()["t_ms"]
        np.testing.assert_array_equal(command.data[:], np.where((t >= 2) & (t < 7), -0.010, -0.070))
        np.testing.assert_allclose(current.data[:], run.columns()["I_clamp_uA_cm2"] * AMPERES_PER_UA_CM2, rtol=1e-15)
    finally:
        io.close()


@pytest.mark.parametrize(
    "params",
    [{"amp": 10, "t_stop": 30}, {"stim": "clamp", "t_stop": 30}, {"stim": "ramp", "t_stop": 50, "sample_every": 0.1}],
)
def test_read_back_gives_the_csv_columns(tmp_path: Path, params: dict) -> None:
    run = hhtui.simulate(**params)
    columns, notes = read_nwb(run.to_nwb(tmp_path / "run.nwb"))
    expected = run.columns()
    assert list(columns) == list(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(columns[name], values, rtol=1e-12, atol=1e-12, err_msg=name)
    again = hhtui.simulate(config=Experiment.from_dict(notes["experiment"]))
    np.testing.assert_array_equal(again.samples.V, run.samples.V)


def test_hhtui_run_writes_nwb(tmp_path: Path) -> None:
    done = run_cli("run", "--stim", "pulse", "--amp", "30", "--t-stop", "20", "-o", "run.nwb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.nwb"]  # the experiment is inside: no sidecar
    assert "-> run.nwb" in done.stderr and "1 spike," in done.stderr
    assert pynwb.validate(path=str(tmp_path / "run.nwb")) == []
    columns, notes = read_nwb(tmp_path / "run.nwb")
    api = hhtui.simulate(stim="pulse", amp=30, t_stop=20)
    for name, values in api.columns().items():
        np.testing.assert_array_equal(columns[name], read_nwb(api.to_nwb(tmp_path / "api.nwb"))[0][name])
        np.testing.assert_allclose(columns[name], values, rtol=1e-12, atol=1e-12)
    assert notes["experiment"] == api.experiment.to_dict()


def test_an_nwb_name_in_a_missing_folder_is_refused_before_the_run(tmp_path: Path) -> None:
    done = run_cli("run", "-o", "nowhere/run.nwb", cwd=tmp_path)
    assert done.returncode == 2 and "does not exist" in done.stderr and done.stderr.count("\n") == 1


def test_without_pynwb_the_command_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import hhtui.nwb
    from hhtui.cli.common import UsageError
    from hhtui.cli.run import _check_nwb_output

    monkeypatch.setattr(hhtui.nwb, "available", lambda: False)
    with pytest.raises(UsageError, match=r"pip install 'hhtui\[nwb\]'"):
        _check_nwb_output(str(tmp_path / "run.nwb"), force=False)
