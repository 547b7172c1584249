"""hhtui.axon and hhtui.network give the numbers and the files of ``hhtui axon`` and ``hhtui network``."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hhtui
from hhtui.export import read_csv
from hhtui.model import NumericalInstabilityError
from hhtui.parameters import table
from hhtui.runs import keyword, keywords
from tests.in_process import run_cli
from tests.processes import run_hhtui

pandas = pytest.importorskip("pandas")

#: (flags of 'hhtui axon', the same as keyword arguments of hhtui.axon); short cables, short runs.
AXON_CASES = [
    (["--nseg", "100", "--t-stop", "3", "--positions", "9"], {"nseg": 100, "t_stop": 3, "positions": 9}),
    (
        ["--dx-um", "500", "--temperature", "6.3", "--t-stop", "6", "--amp", "8000", "--ra", "50"],
        {"dx_um": 500, "temperature": 6.3, "t_stop": 6, "amp": 8000, "ra": 50},
    ),
    (
        ["--length-cm", "2", "--nseg", "80", "--stim-end", "both", "--method", "be", "--dt", "0.01", "--t-stop", "3"],
        {"length_cm": 2, "nseg": 80, "stim_end": "both", "method": "be", "dt": 0.01, "t_stop": 3},
    ),
    (
        ["--nseg", "60", "--t-stop", "2", "--amp", "100", "--sample-every", "0.05", "--g-na", "60"],
        {"nseg": 60, "t_stop": 2, "amp": 100, "sample_every": 0.05, "g_na": 60},
    ),
]

#: (flags of 'hhtui network', the same as keyword arguments of hhtui.network).
NETWORK_CASES = [
    (["--n", "5", "--t-stop", "40"], {"n": 5, "t_stop": 40}),
    (
        ["--topology", "chain", "--n", "4", "--inhibitory", "--t-stop", "30", "--kick", "30"],
        {"topology": "chain", "n": 4, "inhibitory": True, "t_stop": 30, "kick": 30},
    ),
    (
        ["--topology", "random", "--n", "30", "--p", "0.2", "--seed", "3", "--weight", "0.2", "--t-stop", "30"],
        {"topology": "random", "n": 30, "p": 0.2, "seed": 3, "weight": 0.2, "t_stop": 30},
    ),
    (
        ["--topology", "all", "--n", "3", "--method", "expeuler", "--dt", "0.02", "--delay", "2", "--t-stop", "25"],
        {"topology": "all", "n": 3, "method": "expeuler", "dt": 0.02, "delay": 2, "t_stop": 25},
    ),
]


def _same_files(tmp_path: Path, command: str, flags: list[str], run: Any) -> None:
    done = run_cli(command, *flags, "-o", "cli.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (tmp_path / "api").mkdir()
    run.to_csv(tmp_path / "api" / "cli.csv")  # the same name: the sidecar records it
    assert (tmp_path / "api" / "cli.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert json.loads((tmp_path / "api" / "cli.json").read_text()) == json.loads((tmp_path / "cli.json").read_text())
    assert done.stdout.strip() == run.describe()  # the line the command prints
    frame = run.to_pandas()
    written = read_csv(tmp_path / "cli.csv")
    assert list(frame.columns) == list(written)
    for name, column in written.items():
        np.testing.assert_allclose(frame[name].to_numpy(), column, rtol=1e-9, atol=1e-12)
    sidecar = json.loads((tmp_path / "cli.json").read_text())
    assert frame.attrs["experiment"] == sidecar["experiment"]
    assert frame.attrs[run.SIDECAR_KEY] == sidecar[run.SIDECAR_KEY]


@pytest.mark.parametrize("flags,params", AXON_CASES, ids=[" ".join(flags) for flags, _ in AXON_CASES])
def test_axon_writes_the_csv_and_sidecar_of_hhtui_axon(tmp_path: Path, flags: list[str], params: dict) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = hhtui.axon(**params)
    _same_files(tmp_path, "axon", flags, run)
    done = run_cli("axon", *flags, "--json", cwd=tmp_path)
    measured = json.loads(done.stdout)
    assert measured == run.measured
    # The same warning when nothing fired, under the name of each side.
    assert [str(w.message) for w in caught] == (
        ["amp: " + done.stderr.split("--amp: ", 1)[1].strip()] if done.stderr else []
    )
    assert bool(done.stderr) == (run.result.fired == 0)
    if math.isfinite(run.velocity_m_s):
        assert measured["velocity_m_s"] == run.velocity_m_s


@pytest.mark.parametrize("flags,params", NETWORK_CASES, ids=[" ".join(flags) for flags, _ in NETWORK_CASES])
def test_network_writes_the_csv_and_sidecar_of_hhtui_network(tmp_path: Path, flags: list[str], params: dict) -> None:
    run = hhtui.network(**params)
    _same_files(tmp_path, "network", flags, run)
    assert json.loads(run_cli("network", *flags, "--json", cwd=tmp_path).stdout) == run.measured


def test_the_velocity_of_the_squid_axon() -> None:
    # Hodgkin & Huxley (1952), J. Physiol. 117:500, part IV: computed 18.8 m/s at 18.5 C; 2% tolerance
    # on a coarser cable than theirs.
    run = hhtui.axon(nseg=200)
    assert run.velocity_m_s == pytest.approx(18.8, rel=0.02)
    assert run.settings.membrane.temperature == 18.5
    assert run.V.shape == (200, run.t.size) and run.x_cm.size == 200
    # The wave reaches the far half after the near half.
    assert np.nanmax(run.arrival_ms[:100]) < np.nanmin(run.arrival_ms[150:])


def test_a_ring_passes_its_spike_round_and_the_raster_says_so() -> None:
    run = hhtui.network(topology="ring", n=6, t_stop=60)
    raster = run.raster
    assert len(raster) == 6
    for neuron, times in enumerate(raster):
        np.testing.assert_array_equal(times, run.spike_time[run.spike_neuron == neuron])
    np.testing.assert_array_equal(run.spike_counts, [times.size for times in raster])
    first = [times[0] for times in raster]
    assert first == sorted(first)  # neuron 0 is kicked, each fires after the one before it
    assert run.spike_counts.min() >= 2  # the spike goes round more than once


def test_config_replays_a_sidecar_of_the_command(tmp_path: Path) -> None:
    done = run_hhtui("axon", "--nseg", "80", "--t-stop", "2", "--positions", "5", "-o", "a.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    again = hhtui.axon(config=tmp_path / "a.json")
    assert again.positions == 5  # the CSV's columns come back too
    (tmp_path / "api").mkdir()
    again.to_csv(tmp_path / "api" / "a.csv")
    assert (tmp_path / "api" / "a.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()
    warmer = hhtui.axon(config=tmp_path / "a.json", temperature=25)
    assert warmer.settings.nseg == 80 and warmer.settings.membrane.temperature == 25

    done = run_hhtui("network", "--n", "4", "--t-stop", "20", "-o", "n.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    from_file = hhtui.network(config=str(tmp_path / "n.json"))
    from_dict = hhtui.network(config=json.loads((tmp_path / "n.json").read_text()))
    from_object = hhtui.network(config=from_file.settings, n=5)
    np.testing.assert_array_equal(from_file.spike_time, from_dict.spike_time)
    assert from_file.settings.n == 4 and from_object.settings.n == 5
    # The command replays the sidecar the same way.
    done = run_hhtui("network", "--config", "n.json", "-o", "n2.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "n2.csv").read_bytes() == (tmp_path / "n.csv").read_bytes()


@pytest.mark.parametrize(
    "call, parameter, prefix, words",
    [
        (lambda: hhtui.axon(amplitude=5000), "amplitude", "amplitude", "did you mean amp?"),
        (lambda: hhtui.axon(stim_amp_nA=5000), "stim_amp_nA", "stim_amp_nA", "did you mean amp?"),
        (lambda: hhtui.axon(amp="lots"), "amp", "amp must", "must be a number in [-1e+08, 1e+08] nA"),
        (lambda: hhtui.axon(nseg=3), "nseg", "nseg must", "whole number in [4, 1000000]"),
        (lambda: hhtui.axon(nseg=100.5), "nseg", "nseg must", "whole number"),
        (lambda: hhtui.axon(method="rk4"), "method", "method must", "one of cn, be"),
        (lambda: hhtui.axon(temperature=True), "temperature", "temperature must", "must be a number"),
        (lambda: hhtui.axon(nseg=100, dx_um=50), "dx_um", "nseg/dx_um", "one or the other"),
        (lambda: hhtui.axon(dx_um=2e4, length_cm=5), "dx_um", "dx_um", "fewer than 4 compartments"),
        (lambda: hhtui.axon(t_stop=1e6), "t_stop", "t_stop", "too much work"),
        (lambda: hhtui.axon(t_stop=1e6, nseg=600), "t_stop", "t_stop/nseg", "too much work"),
        (lambda: hhtui.axon(positions=0), "positions", "positions must", "whole number in [1, 1000000]"),
        (lambda: hhtui.axon(config={"nseg": 2}), "config", "config", "nseg"),
        (lambda: hhtui.axon(config={"topology": "ring", "n": 4}), "config", "config", "network"),
        (lambda: hhtui.axon(config=3), "config", "config must", "must be a path"),
        (lambda: hhtui.axon(config="/nonexistent/a.json"), "config", "config", "a.json"),
        (lambda: hhtui.network(kick_amp=10), "kick_amp", "kick_amp", "did you mean kick?"),
        (lambda: hhtui.network(n=1), "n", "n", "a ring needs n >= 2"),
        (lambda: hhtui.network(p=0.5), "p", "p", "only applies to topology='random'"),
        (lambda: hhtui.network(topology="star"), "topology", "topology must", "one of ring, chain, all, random"),
        (lambda: hhtui.network(inhibitory="yes"), "inhibitory", "inhibitory must", "True or False"),
        (lambda: hhtui.network(inhibitory=True, e_syn=-70), "inhibitory", "e_syn/inhibitory", "one or the other"),
        (lambda: hhtui.network(tau=0), "tau", "tau must", "in (0, 10000] ms"),
        (lambda: hhtui.network(n=100_000, t_stop=2000), "t_stop", "t_stop/n", "too much work"),
        (lambda: hhtui.network(config={"stimulus": {}, "solver": {}}), "config", "config", "single-neuron"),
    ],
)
def test_bad_arguments_raise_a_parameter_error_naming_the_parameter(
    call: Any, parameter: str, prefix: str, words: str
) -> None:
    with pytest.raises(hhtui.ParameterError) as caught:
        call()
    message = str(caught.value)
    assert caught.value.parameter == parameter
    assert message.startswith(prefix if prefix.endswith(" must") else f"{prefix}:"), message
    assert words in message and "\n" not in message, message


def test_a_blow_up_raises_with_the_run_so_far() -> None:
    with pytest.raises(NumericalInstabilityError) as caught:
        hhtui.network(n=3, method="euler", dt=0.5, t_stop=50)
    assert "blow-up" in str(caught.value)
    partial = caught.value.samples
    assert isinstance(partial, hhtui.NetworkRun) and partial.result.t[-1] < 50


def test_the_text_charts() -> None:
    cable = hhtui.axon(nseg=60, t_stop=3)
    text = cable.chart(width=70, height=20)
    assert len(text.splitlines()) == 20 and "axon" in text.splitlines()[0]
    assert str(cable).splitlines()[0] == cable.describe() and "conduction velocity" in cable.describe()
    ring = hhtui.network(n=4, t_stop=30)
    assert "spikes from 4 neurons" in ring.chart(width=60, height=15)
    silent = hhtui.network(n=4, kick=0, t_stop=10)
    assert silent.chart() == "(no spikes)" and silent.spike_time.size == 0
    with pytest.raises(hhtui.ParameterError) as caught:
        ring.chart(width=5)
    assert caught.value.parameter == "width"


def test_to_csv_refuses_a_json_name_and_keeps_what_is_there(tmp_path: Path) -> None:
    from hhtui.export import ExportError

    ring = hhtui.network(n=3, t_stop=10)
    with pytest.raises(ExportError, match="sidecar"):
        ring.to_csv(tmp_path / "spikes.json")
    assert list(tmp_path.iterdir()) == []


def test_the_signatures_list_every_flag_of_the_commands() -> None:
    import inspect

    for function, command in ((hhtui.axon, "axon"), (hhtui.network, "network")):
        names = list(inspect.signature(function).parameters)
        assert names[0] == "config" and names[1:] == list(keywords(command))
        for row in table(command):
            assert f"{keyword(row)}" in (function.__doc__ or "")


def test_a_cable_where_nothing_fired_warns_that_the_current_is_in_na() -> None:
    with pytest.warns(UserWarning, match=r"^amp: nothing fired with 10 nA \(a total current in nA"):
        run = hhtui.axon(amp=10, nseg=40, t_stop=2)
    assert run.result.fired == 0 and math.isnan(run.velocity_m_s)


#: Values a notebook user might pass by mistake: each is taken or refused with a ParameterError.
HOSTILE = (
    float("nan"),
    float("inf"),
    -float("inf"),
    10**400,
    2**63,
    -1,
    0,
    "",
    "x",
    "1e400",
    "nan",
    [1],
    {"a": 1},
    np.array([1.0, 2.0]),
    np.float64(1.0),
    np.int64(3),
    b"1",
    complex(1, 1),
    object(),
    True,
    1e-320,
    -0.0,
)


@pytest.mark.parametrize("command", ("axon", "network"))
def test_any_value_of_any_keyword_is_taken_or_refused_naming_it(command: str) -> None:
    function = getattr(hhtui, command)
    small: dict[str, Any] = {"nseg": 8, "t_stop": 0.5} if command == "axon" else {"n": 3, "t_stop": 2.0}
    for name in keywords(command):
        for value in HOSTILE:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    function(**{**small, name: value})
            except hhtui.ParameterError as error:
                assert name in str(error).split(":")[0].split(" ")[0].split("/"), (name, value, str(error))
                assert "\n" not in str(error)
            except NumericalInstabilityError:
                pass  # a value taken, and the run it made blew up: said as such


#: The protocol a stimulus parameter of simulate applies to (the others apply to the default step).
PROTOCOL_OF = {"interval": "train", "count": "train", "amp_end": "ramp", "noise_std": "noise"}
PROTOCOL_OF.update({"bin_width": "noise", "seed": "noise", "hold": "clamp", "level": "clamp"})


def test_any_value_of_simulate_and_sweep_is_taken_or_refused_naming_it() -> None:
    for row in table("run"):
        for value in HOSTILE:
            settings: dict[str, Any] = {"t_stop": 2.0, row.name: value}
            if row.name in PROTOCOL_OF:
                settings["stim"] = PROTOCOL_OF[row.name]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    hhtui.simulate(**settings)
            except hhtui.ParameterError as error:
                assert error.parameter in (row.name, "stim", "t_stop"), (row.name, value, str(error))
                assert "\n" not in str(error) and len(str(error)) < 400, str(error)
            except NumericalInstabilityError:
                pass
    for name in ("amp", *(row.name for row in table("sweep"))):
        for value in HOSTILE:
            settings = {"amp": [5.0], "t_stop": 20.0, "transient": 5.0, name: value}
            try:
                hhtui.sweep(**settings)
            except hhtui.ParameterError as error:
                assert error.parameter in (name, "transient"), (name, value, str(error))
                assert "\n" not in str(error) and len(str(error)) < 400, str(error)
            except NumericalInstabilityError:
                pass  # taken (dt = 1 ms): the sweep blew up and says so
