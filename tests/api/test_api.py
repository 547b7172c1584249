"""The Python API gives the numbers of the command line: same CSV, same sidecar, same F-I curve."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import hhtui
from hhtui.export import read_csv
from hhtui.model import NumericalInstabilityError
from tests.in_process import run_cli
from tests.processes import run_python

pandas = pytest.importorskip("pandas")

#: (flags of 'hhtui run', the same as keyword arguments of hhtui.simulate)
CASES = [
    ([], {}),
    (["--amp", "7", "--t-stop", "30"], {"amp": 7, "t_stop": 30}),
    (
        ["--stim", "train", "--amp", "25", "--duration", "0.5", "--interval", "8", "--count", "3", "--t-stop", "30"],
        {"stim": "train", "amp": 25, "duration": 0.5, "interval": 8, "count": 3, "t_stop": 30},
    ),
    (
        ["--stim", "ramp", "--amp-end", "15", "--t-stop", "40", "--method", "expeuler", "--dt", "0.02"],
        {"stim": "ramp", "amp_end": 15, "t_stop": 40, "method": "expeuler", "dt": 0.02},
    ),
    (
        ["--stim", "noise", "--amp", "6", "--noise-std", "3", "--seed", "7", "--t-stop", "40", "--sample-every", "0.1"],
        {"stim": "noise", "amp": 6, "noise_std": 3, "seed": 7, "t_stop": 40, "sample_every": 0.1},
    ),
    (
        ["--stim", "clamp", "--hold", "-70", "--level", "-10", "--start", "2", "--duration", "5", "--t-stop", "10"],
        {"stim": "clamp", "hold": -70, "level": -10, "start": 2, "duration": 5, "t_stop": 10},
    ),
    (
        ["--g-na", "60", "--temperature", "18.5", "--e-l", "-60", "--c-m", "1.5", "--t-stop", "25"],
        {"g_na": 60, "temperature": 18.5, "e_l": -60, "c_m": 1.5, "t_stop": 25},
    ),
    (["--preset", "refractory", "--t-stop", "30"], {"preset": "refractory", "t_stop": 30}),
]


@pytest.mark.parametrize("flags,params", CASES, ids=[" ".join(flags) or "defaults" for flags, _ in CASES])
def test_simulate_writes_the_csv_and_sidecar_of_hhtui_run(tmp_path: Path, flags: list[str], params: dict) -> None:
    done = run_cli("run", *flags, "-o", "cli.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = hhtui.simulate(**params)
    (tmp_path / "api").mkdir()
    run.to_csv(tmp_path / "api" / "cli.csv")  # the same name: the sidecar records it
    assert (tmp_path / "api" / "cli.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert json.loads((tmp_path / "api" / "cli.json").read_text()) == json.loads((tmp_path / "cli.json").read_text())
    # The summary line of the command names the same spike count.
    assert f" {run.spike_count} spike" in done.stderr
    # The DataFrame holds the CSV's columns, the numbers of the file to its ten digits.
    frame = run.to_pandas()
    written = read_csv(tmp_path / "cli.csv")
    assert list(frame.columns) == list(written)
    for name, column in written.items():
        np.testing.assert_allclose(frame[name].to_numpy(), column, rtol=1e-9, atol=1e-12)
    assert frame.attrs["experiment"] == json.loads((tmp_path / "cli.json").read_text())["experiment"]


def test_config_from_a_sidecar_reproduces_the_run(tmp_path: Path) -> None:
    first = hhtui.simulate(stim="pulse", amp=30, t_stop=20)
    first.to_csv(tmp_path / "first.csv")
    again = hhtui.simulate(config=tmp_path / "first.json")
    np.testing.assert_array_equal(again.samples.V, first.samples.V)
    from_object = hhtui.simulate(config=first.experiment, amp=0)
    assert from_object.spike_count == 0 and first.spike_count == 1


def test_spikes_are_the_upward_crossings_of_zero_mv() -> None:
    run = hhtui.simulate(amp=10, t_stop=60)
    v, t = run.samples.V[0], run.samples.t
    crossings = t[1:][(v[:-1] < 0.0) & (v[1:] >= 0.0)]
    assert run.spikes.size == crossings.size == run.spike_count >= 3
    # Interpolated within the step of each crossing.
    assert np.all(np.abs(run.spikes - crossings) <= run.experiment.solver.dt + 1e-12)
    assert run.rate_hz == pytest.approx(run.spike_count / 0.060)


def test_sweep_gives_the_f_i_curve_of_hhtui_sweep(tmp_path: Path) -> None:
    done = run_cli(
        "sweep",
        "--amp",
        "0:15:2.5",
        "--t-stop",
        "120",
        "--transient",
        "20",
        "--temperature",
        "10",
        "-o",
        "fi.csv",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    frame = hhtui.sweep("0:15:2.5", t_stop=120, transient=20, temperature=10)
    written = read_csv(tmp_path / "fi.csv")
    assert list(frame.columns) == list(written)
    np.testing.assert_array_equal(frame["amp_uA_cm2"].to_numpy(), written["amp_uA_cm2"])
    np.testing.assert_array_equal(frame["spike_count"].to_numpy(), written["spike_count"])
    np.testing.assert_allclose(frame["rate_Hz"].to_numpy(), written["rate_Hz"], rtol=1e-9)
    sidecar = json.loads((tmp_path / "fi.json").read_text())
    assert frame.attrs["sweep"]["onset_uA_cm2"] == sidecar["sweep"]["onset_uA_cm2"]
    assert frame.attrs["experiment"]["membrane"] == sidecar["experiment"]["membrane"]
    assert frame["spike_count"].iloc[-1] > 0 and frame["spike_count"].iloc[0] == 0


def test_sweep_takes_a_list_of_currents() -> None:
    frame = hhtui.sweep([0.0, 12.5], t_stop=100, transient=20)
    assert frame["amp_uA_cm2"].tolist() == [0.0, 12.5]
    assert frame["spike_count"].iloc[0] == 0 and frame["spike_count"].iloc[1] >= 3


@pytest.mark.parametrize(
    "call,parameter,words",
    [
        (lambda: hhtui.simulate(amp=1e6), "amp", "out of range"),
        (lambda: hhtui.simulate(amplitude=5), "amplitude", "did you mean amp?"),
        (lambda: hhtui.simulate(stim="ramp", count=3), "count", "does not apply to a ramp"),
        (lambda: hhtui.simulate(stim="sine"), "stim", "choose one of"),
        (lambda: hhtui.simulate(g_na=-1), "g_na", "out of range"),
        (lambda: hhtui.simulate(dt=0.03, sample_every=0.1), "dt", "whole multiple"),
        (lambda: hhtui.simulate(method="rk45"), "method", "choose one of"),
        (lambda: hhtui.simulate(t_stop=0), "t_stop", "out of range"),
        (lambda: hhtui.simulate(t_stop=1e7, dt=1e-5), "t_stop", "time steps"),
        (lambda: hhtui.simulate(stim="noise", seed="seven"), "seed", "whole number"),
        (lambda: hhtui.simulate(amp=[5.0, 10.0]), "amp", "one value per run"),
        (lambda: hhtui.simulate(stim="ramp", amp_end=[5.0, 10.0]), "amp_end", "one value per run"),
        (lambda: hhtui.simulate(preset="refactory"), "preset", "did you mean 'refractory'?"),
        (lambda: hhtui.simulate(config="/nonexistent/run.json"), "config", "does not exist"),
        (lambda: hhtui.simulate(config={"t_stop": -1}), "config", "t_stop"),
        (lambda: hhtui.sweep("5:0:1"), "amp", "FROM:TO:STEP"),
        (lambda: hhtui.sweep([1.0, float("nan")]), "amp", "finite"),
        (lambda: hhtui.sweep("0:5:1", transient=600), "transient", "shorter than the run"),
        (lambda: hhtui.sweep("0:5:1", stim="ramp"), "stim", "not a parameter of sweep"),
        (lambda: hhtui.sweep("0:5:1", temperatur=20), "temperatur", "did you mean temperature?"),
    ],
)
def test_bad_arguments_raise_a_parameter_error_naming_the_parameter(call, parameter: str, words: str) -> None:
    with pytest.raises(hhtui.ParameterError) as caught:
        call()
    assert caught.value.parameter == parameter
    assert str(caught.value).startswith(parameter)
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_stimulus_outlasting_the_run_warns() -> None:
    with pytest.warns(UserWarning, match="after the end of the run"):
        hhtui.simulate(stim="ramp", t_stop=20)


def test_a_blow_up_raises_with_the_recording_so_far() -> None:
    with pytest.raises(NumericalInstabilityError) as caught:
        hhtui.simulate(method="euler", dt=0.5, amp=40, t_stop=50)
    assert caught.value.samples is not None


def test_the_text_chart_and_the_summary() -> None:
    run = hhtui.simulate(t_stop=30)
    text = str(run)
    first, *chart = text.splitlines()
    assert first == run.summary() and "3,001 samples, 0-30 ms, 2 spikes" in first
    assert len(chart) == 24 and "V (mV)" in text and "t (ms)" in text
    assert "\x1b[" not in text  # no colours: it prints anywhere
    assert len(run.chart(width=60, height=30, gates=True).splitlines()) == 30
    assert repr(run).startswith("<hhtui.Run: 3,001 samples")
    with pytest.raises(hhtui.ParameterError):
        run.chart(width=5)


def test_to_csv_refuses_a_json_name(tmp_path: Path) -> None:
    from hhtui.export import ExportError

    with pytest.raises(ExportError, match="needs a .csv name"):
        hhtui.simulate(t_stop=6).to_csv(tmp_path / "run.json")
    assert list(tmp_path.iterdir()) == []


def test_importing_hhtui_stays_light_and_the_api_needs_no_textual() -> None:
    code = (
        "import sys, hhtui; light = [m for m in ('numpy', 'numba', 'pandas') if m in sys.modules]; "
        "run = hhtui.simulate(t_stop=2); "
        "print(light, [m for m in ('textual',) if m in sys.modules], run.spike_count)"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "[] [] 0"


def test_the_signature_lists_every_parameter() -> None:
    import inspect

    from hhtui.parameters import PARAMETERS

    names = set(inspect.signature(hhtui.simulate).parameters)
    assert {p.name for p in PARAMETERS} | {"preset", "config", "neuroml"} == names
    assert "g_na, mS/cm^2" in (hhtui.simulate.__doc__ or "")
