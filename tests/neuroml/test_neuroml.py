"""NeuroML 2 both ways: the tutorial cell imports as hhtui's membrane, exports validate against the
schema and read back to the same numbers, and what hhtui cannot simulate is refused clearly."""

from __future__ import annotations

import math
import shutil
import xml.etree.ElementTree as ET
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

import hhtui
from hhtui.api import experiment as build
from hhtui.model import Membrane
from hhtui.model.channels import rate_table
from hhtui.neuroml import NeuroMLError, export_experiment, read_cell, read_membrane
from hhtui.neuroml.kinetics import STANDARD_GATES, evaluate
from tests.in_process import run_cli
from tests.processes import run_hhtui

TUTORIAL = Path(__file__).resolve().parents[1] / "data" / "neuroml" / "hh_tutorial"


def assert_same_membrane(a: Membrane, b: Membrane) -> None:
    for item in fields(Membrane):
        x, y = getattr(a, item.name), getattr(b, item.name)
        if isinstance(x, bool):
            assert x == y, item.name
        else:
            assert x == pytest.approx(y, rel=1e-12, abs=1e-12), item.name


# --------------------------------------------------------------------------------------------
# the kinetics


def test_the_standard_neuroml_gates_are_hhtuis_rates() -> None:
    """HHExpLinearRate / HHExpRate / HHSigmoidRate with these parameters are the 1952 rates
    (Hodgkin & Huxley 1952, J Physiol 117:500, eqs. 12-13, 20-21, 23-24, shifted to rest at -65 mV)."""
    voltages = np.concatenate([np.linspace(-120.0, 60.0, 1801), [-40.0, -55.0, -40.0 + 1e-7, -55.0 - 1e-7]])
    table = rate_table(voltages)
    for channel in STANDARD_GATES.values():
        for gate_id, gate in channel.items():
            np.testing.assert_allclose(evaluate(gate.forward, voltages), table[f"alpha_{gate_id}"], rtol=1e-9)
            np.testing.assert_allclose(evaluate(gate.reverse, voltages), table[f"beta_{gate_id}"], rtol=1e-9)


# --------------------------------------------------------------------------------------------
# the tutorial cell


def test_the_tutorial_cell_is_hhtuis_default_membrane() -> None:
    cell = read_cell(TUTORIAL / "hhcell.cell.nml")
    assert cell.cell_id == "hhcell"
    assert_same_membrane(cell.membrane, Membrane())
    assert_same_membrane(read_membrane(TUTORIAL / "HHCellNetwork.net.nml"), Membrane())


def test_the_tutorial_cell_fires_as_the_default_membrane() -> None:
    # The tutorial's second pulse, 0.35 nA over its 1000 um^2 soma, is 35 uA/cm^2.
    imported = hhtui.simulate(neuroml=TUTORIAL / "hhcell.cell.nml", amp=35, t_stop=100)
    default = hhtui.simulate(amp=35, t_stop=100)
    np.testing.assert_array_equal(imported.samples.V, default.samples.V)
    np.testing.assert_array_equal(imported.spikes, default.spikes)
    assert imported.spike_count >= 6


def test_the_tutorial_cell_from_the_command_line(tmp_path: Path) -> None:
    done = run_cli(
        "run", "--neuroml", str(TUTORIAL / "HHCellNetwork.net.nml"), "--t-stop", "30", "-o", "nml.csv", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    plain = run_cli("run", "--t-stop", "30", "-o", "plain.csv", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert (tmp_path / "nml.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()


# --------------------------------------------------------------------------------------------
# export


PROTOCOLS = {
    "step": {},
    "train": {"stim": "train", "count": 4, "interval": 10, "duration": 0.5, "amp": 30, "t_stop": 60},
    "ramp": {"stim": "ramp", "amp_end": 12, "t_stop": 60},
    "clamp": {"stim": "clamp", "level": -20, "t_stop": 30},
    "none": {"stim": "none", "t_stop": 10},
    "warm": {"temperature": 18.5, "g_na": 80, "c_m": 1.5, "e_l": -60, "amp": 20},
    "pronase": {"preset": "pronase"},
    "sum": {"preset": "all-or-none"},
}


def nml_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.nml"))


def schema_errors(path: Path) -> list[str]:
    """Problems of ``path`` against the NeuroML 2 schema, checked twice: by libNeuroML's
    ``validate_neuroml2`` (its generated classes, includes followed) and by lxml against the
    schema file that ships with libNeuroML (NeuroML_v2.3.1.xsd)."""
    utils = pytest.importorskip("neuroml.utils")
    import os

    import neuroml
    from lxml import etree

    problems = []
    try:
        utils.validate_neuroml2(str(path))
    except ValueError as error:
        problems.append(f"libNeuroML: {error}")
    schema = etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(neuroml.__file__), "nml", "NeuroML_v2.3.1.xsd")))
    if not schema.validate(etree.parse(str(path))):
        problems.append(f"schema: {schema.error_log.last_error}")
    return problems


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_export_validates_against_the_neuroml2_schema(name: str, tmp_path: Path) -> None:
    written = export_experiment(tmp_path, build(**PROTOCOLS[name]))
    assert {path.name for path in written} >= {
        "naChan.channel.nml",
        "kChan.channel.nml",
        "leak.channel.nml",
        "hhcell.cell.nml",
    }
    assert written[-1].name.startswith("LEMS_") and written[-1].suffix == ".xml"
    for path in nml_files(tmp_path):
        assert schema_errors(path) == [], path.name


def test_the_tutorial_fixture_is_valid_neuroml() -> None:
    for path in nml_files(TUTORIAL):
        assert schema_errors(path) == [], path.name


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    export_experiment(tmp_path, build())
    cell = tmp_path / "hhcell.cell.nml"
    cell.write_text(cell.read_text().replace('condDensity="120.0mS_per_cm2"', 'condDensity="120 mV"'))
    assert len(schema_errors(cell)) == 2


@pytest.mark.parametrize("name", ["step", "warm", "pronase", "clamp"])
def test_export_then_import_gives_the_same_numbers(name: str, tmp_path: Path) -> None:
    original = build(**PROTOCOLS[name])
    written = export_experiment(tmp_path, original)
    network = next(path for path in written if path.name.endswith(".net.nml"))
    assert_same_membrane(read_membrane(network), original.membrane)
    again = hhtui.simulate(config=original.replace(membrane=Membrane()), neuroml=network)
    first = hhtui.simulate(config=original)
    np.testing.assert_array_equal(again.samples.V, first.samples.V)
    np.testing.assert_array_equal(again.spikes, first.spikes)


def test_the_cell_file_alone_is_read_at_the_reference_temperature(tmp_path: Path) -> None:
    export_experiment(tmp_path, build(temperature=20))
    cell = read_cell(tmp_path / "hhcell.cell.nml")
    assert cell.membrane.temperature == 6.3 and "without a network" in cell.temperature_source


def test_the_protocol_is_written_in_nanoamperes_over_1000_um2(tmp_path: Path) -> None:
    written = export_experiment(tmp_path, build(**PROTOCOLS["train"]))
    network = ET.parse(next(p for p in written if p.name.endswith(".net.nml"))).getroot()
    ns = {"n": "http://www.neuroml.org/schema/neuroml2"}
    pulses = network.findall("n:pulseGenerator", ns)
    assert [p.get("delay") for p in pulses] == ["5.0ms", "15.0ms", "25.0ms", "35.0ms"]
    assert {p.get("amplitude") for p in pulses} == {"0.3nA"}  # 30 uA/cm^2 x 1e-5 cm^2
    assert {p.get("duration") for p in pulses} == {"0.5ms"}
    assert len(network.findall("n:network/n:explicitInput", ns)) == 4
    lems = ET.parse(written[-1]).getroot()
    simulation = lems.find("Simulation")
    assert simulation is not None and simulation.get("length") == "60.0ms" and simulation.get("step") == "0.01ms"
    assert any(include.get("file") == "custom.net.nml" for include in lems.findall("Include"))


def test_noise_cannot_be_exported(tmp_path: Path) -> None:
    with pytest.raises(NeuroMLError, match="noisy current"):
        export_experiment(tmp_path, build(stim="noise"))


def test_neuroml_export_from_the_command_line(tmp_path: Path) -> None:
    done = run_hhtui(
        "neuroml",
        "export",
        "-o",
        "model",
        "--stim",
        "pulse",
        "--amp",
        "15",
        "--t-stop",
        "20",
        "--name",
        "pulse",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "LEMS_pulse.xml",
        "hhcell.cell.nml",
        "kChan.channel.nml",
        "leak.channel.nml",
        "naChan.channel.nml",
        "pulse.net.nml",
    ]
    shown = run_hhtui("neuroml", "show", "model/pulse.net.nml", cwd=tmp_path)
    assert shown.returncode == 0 and "g_na         120 mS/cm^2" in shown.stdout
    refused = run_hhtui("neuroml", "export", "-o", "noise", "--stim", "noise", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert not (tmp_path / "noise").exists()


# --------------------------------------------------------------------------------------------
# what cannot be read


def tutorial_copy(tmp_path: Path) -> Path:
    target = tmp_path / "cell"
    shutil.copytree(TUTORIAL, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    "change,words",
    [
        (
            ("naChan.channel.nml", 'midpoint="-40mV"', 'midpoint="-45mV"'),
            "forwardRate HHExpLinearRate(rate 1/ms, midpoint -45 mV",
        ),
        (("kChan.channel.nml", 'instances="4"', 'instances="3"'), "3 instances where Hodgkin-Huxley has 4"),
        (
            ("kChan.channel.nml", 'type="HHExpRate" rate="0.125per_ms"', 'type="HHSigmoidRate" rate="0.125per_ms"'),
            "reverseRate",
        ),
        (("naChan.channel.nml", 'type="HHExpLinearRate"', 'type="myRate"'), "not one of the standard forms"),
        (
            ("kChan.channel.nml", "gateHHrates", "gateHHratesInf"),
            "a gateHHratesInf; hhtui reads gates of type gateHHrates",
        ),
        (
            (
                "hhcell.cell.nml",
                "</segment>",
                '</segment><segment id="1"><parent segment="0"/><distal x="10" y="0" z="0" diameter="1"/></segment>',
            ),
            "2 segments",
        ),
        (
            (
                "hhcell.cell.nml",
                '<channelDensity id="kChans" ionChannel="kChan" condDensity="36 mS_per_cm2" erev="-77mV" ion="k"/>',
                '<channelDensityNernst id="kChans" ionChannel="kChan" condDensity="36 mS_per_cm2" ion="k"/>',
            ),
            "channelDensityNernst",
        ),
        (("hhcell.cell.nml", 'condDensity="36 mS_per_cm2"', 'condDensity="36 mV"'), "not a conductanceDensity"),
        (("hhcell.cell.nml", 'ionChannel="kChan"', 'ionChannel="kChannel"'), "'kChannel' not found"),
        (
            ("hhcell.cell.nml", '<include href="kChan.channel.nml"/>', '<include href="missing.channel.nml"/>'),
            "does not exist",
        ),
        (
            ("hhcell.cell.nml", '<include href="kChan.channel.nml"/>', '<include href="https://example.org/k.nml"/>'),
            "only local files",
        ),
        (
            ("hhcell.cell.nml", '<include href="kChan.channel.nml"/>', '<include href="hhcell.cell.nml"/>'),
            "includes itself",
        ),
        (
            (
                "hhcell.cell.nml",
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<?xml version="1.0"?><!DOCTYPE neuroml [<!ENTITY big "xxxxxxxx">]>',
            ),
            "entities are not accepted",
        ),
        (("hhcell.cell.nml", "</cell>", "</cell"), "not well-formed XML"),
        (("hhcell.cell.nml", 'condDensity="120.0 mS_per_cm2"', 'condDensity="-120.0 mS_per_cm2"'), "g_na"),
        (
            (
                "naChan.channel.nml",
                '<forwardRate type="HHExpLinearRate" rate="1per_ms"',
                '<q10Settings type="q10ExpTemp" q10Factor="2.3" experimentalTemp="6.3 degC"/>'
                '<forwardRate type="HHExpLinearRate" rate="1per_ms"',
            ),
            "different temperature dependences",
        ),
    ],
)
def test_what_hhtui_cannot_simulate_is_refused(tmp_path: Path, change: tuple[str, str, str], words: str) -> None:
    folder = tutorial_copy(tmp_path)
    edit(folder / change[0], change[1], change[2])
    with pytest.raises(NeuroMLError) as caught:
        read_membrane(folder / "hhcell.cell.nml")
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_fixed_q10_is_read_as_a_temperature(tmp_path: Path) -> None:
    folder = tutorial_copy(tmp_path)
    setting = '<q10Settings type="q10Fixed" fixedQ10="9"/>'
    for name in ("naChan.channel.nml", "kChan.channel.nml"):
        text = (folder / name).read_text()
        (folder / name).write_text(text.replace("<forwardRate", setting + "<forwardRate"))
    assert read_membrane(folder / "hhcell.cell.nml").temperature == pytest.approx(26.3)


def test_another_q10_is_refused(tmp_path: Path) -> None:
    folder = tutorial_copy(tmp_path)
    setting = '<q10Settings type="q10ExpTemp" q10Factor="2.3" experimentalTemp="6.3 degC"/>'
    for name in ("naChan.channel.nml", "kChan.channel.nml"):
        text = (folder / name).read_text()
        (folder / name).write_text(text.replace("<forwardRate", setting + "<forwardRate"))
    with pytest.raises(NeuroMLError, match="q10Factor 2.3 from 6.3 degC; hhtui's rates have a q10 of 3"):
        read_membrane(folder / "hhcell.cell.nml")


def test_a_sodium_channel_without_h_is_sodium_without_inactivation(tmp_path: Path) -> None:
    folder = tutorial_copy(tmp_path)
    text = (folder / "naChan.channel.nml").read_text()
    start, end = text.index('<gateHHrates id="h"'), text.index("</gateHHrates>", text.index('<gateHHrates id="h"'))
    (folder / "naChan.channel.nml").write_text(text[:start] + text[end + len("</gateHHrates>") :])
    assert read_membrane(folder / "hhcell.cell.nml").inactivation is False


def test_a_lems_file_is_named_for_what_it_is(tmp_path: Path) -> None:
    lems = tmp_path / "LEMS_x.xml"
    lems.write_text("<Lems><Include file='Cells.xml'/></Lems>")
    with pytest.raises(NeuroMLError, match="a LEMS simulation file"):
        read_membrane(lems)


def test_bad_cell_on_the_command_line_and_in_python(tmp_path: Path) -> None:
    (tmp_path / "bad.nml").write_text("<neuroml/>")
    done = run_cli("run", "--neuroml", "bad.nml", "-o", "x.csv", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("hhtui run: error: --neuroml: bad.nml: no <cell> found")
    assert not (tmp_path / "x.csv").exists()
    with pytest.raises(hhtui.ParameterError) as caught:
        hhtui.simulate(neuroml=tmp_path / "bad.nml")
    assert caught.value.parameter == "neuroml" and "no <cell>" in str(caught.value)
    assert math.isfinite(read_membrane(TUTORIAL / "hhcell.cell.nml").g_na)


def test_the_app_opens_with_the_membrane_of_a_cell(tmp_path: Path) -> None:
    from hhtui.cli import app_experiment, build_parser

    export_experiment(tmp_path, build(g_na=80, temperature=12))
    args = build_parser().parse_args(["--preset", "refractory", "--neuroml", str(tmp_path / "custom.net.nml")])
    experiment = app_experiment(args)
    assert experiment.name == "refractory"
    assert experiment.membrane.g_na == 80 and experiment.membrane.temperature == 12
    args = build_parser().parse_args(["--neuroml", str(TUTORIAL / "hhcell.cell.nml")])
    assert_same_membrane(app_experiment(args).membrane, Membrane())


def test_a_bad_cell_for_the_app_is_one_line(tmp_path: Path) -> None:
    done = run_cli("--neuroml", "missing.nml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "hhtui: error: --neuroml: cannot read missing.nml: file does not exist\n"
