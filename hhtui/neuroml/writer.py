"""Writing an experiment as NeuroML 2: the membrane as a cell with its channels, the protocol as
inputs of a one-cell network, and a LEMS file that simulates it (jNeuroML, pyNeuroML, NEURON).

Files written into the target folder (each atomically):

- ``naChan.channel.nml``, ``kChan.channel.nml``, ``leak.channel.nml``: the channels, standard
  ``ionChannelHH`` gates with q10 3 from 6.3 degC (:mod:`hhtui.neuroml.kinetics`);
- ``hhcell.cell.nml``: one spherical compartment of :data:`hhtui.patch.AREA_UM2` um^2 with the
  channel densities, the specific capacitance, the resting potential as initial potential and a
  spike threshold of 0 mV (hhtui's);
- ``<name>.net.nml``: a ``networkWithTemperature`` at the membrane's temperature holding the cell
  and the stimulus: a step, pulse or train as ``pulseGenerator`` elements, a ramp as a
  ``rampGenerator`` (currents in nA over the cell's area), a voltage clamp as a
  ``voltageClampTriple`` (a series resistance of ten time steps' worth, so it follows the command
  within a few steps: an approximation of hhtui's ideal clamp);
- ``LEMS_<name>.xml``: the simulation (duration and time step of the experiment) writing V and the
  gates to ``<name>.dat`` and the spike times to ``<name>.spikes``.

Noise has no NeuroML 2 equivalent that reproduces hhtui's current and is refused.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from hhtui.model.experiment import Experiment
from hhtui.model.membrane import Membrane
from hhtui.model.stimulus import (
    Combined,
    Noise,
    NoStimulus,
    Ramp,
    Step,
    Stimulus,
    Train,
    VoltageClamp,
)
from hhtui.patch import AREA_CM2, DIAMETER_UM, density_to_nanoamperes

from .kinetics import Q10, REFERENCE_TEMPERATURE_C, STANDARD_GATES, Gate, Rate
from .reader import NeuroMLError
from .units import number, text

__all__ = ["CELL_ID", "MAX_PULSES", "NETWORK_ID", "export_experiment", "lems_name"]

CELL_ID = "hhcell"
NETWORK_ID = "net"
POPULATION_ID = "pop"

#: Most pulses of a train written as inputs.
MAX_PULSES = 10_000

_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<neuroml xmlns="http://www.neuroml.org/schema/neuroml2"\n'
    '         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
    '         xsi:schemaLocation="http://www.neuroml.org/schema/neuroml2 '
    'https://raw.githubusercontent.com/NeuroML/NeuroML2/master/Schemas/NeuroML2/NeuroML_v2.3.xsd"\n'
    "         id={id}>\n"
)


def _document(document_id: str, body: str) -> str:
    return _HEADER.format(id=quoteattr(document_id)) + body + "</neuroml>\n"


def _gate_xml(gate_id: str, gate: Gate) -> str:
    def rate(side: str, r: Rate) -> str:
        return (
            f'            <{side} type="{r.type}" rate="{text(r.rate, "per_ms")}" '
            f'midpoint="{text(r.midpoint, "mV")}" scale="{text(r.scale, "mV")}"/>\n'
        )

    return (
        f'        <gateHHrates id="{gate_id}" instances="{gate.instances}">\n'
        f'            <q10Settings type="q10ExpTemp" q10Factor="{number(Q10)}" '
        f'experimentalTemp="{text(REFERENCE_TEMPERATURE_C, "degC")}"/>\n'
        + rate("forwardRate", gate.forward)
        + rate("reverseRate", gate.reverse)
        + "        </gateHHrates>\n"
    )


def _channel(channel_id: str, species: str, gates: dict[str, Gate], notes: str) -> str:
    body = (
        f'    <ionChannelHH id="{channel_id}" conductance="10pS" species="{species}">\n'
        f"        <notes>{escape(notes)}</notes>\n"
        + "".join(_gate_xml(gate_id, gate) for gate_id, gate in gates.items())
        + "    </ionChannelHH>\n"
    )
    return _document(channel_id, body)


def _channels(membrane: Membrane) -> dict[str, str]:
    sodium = dict(STANDARD_GATES["na"])
    notes = "Sodium channel of Hodgkin & Huxley (1952), rest at -65 mV"
    if not membrane.inactivation:
        sodium.pop("h")
        notes += ", without inactivation (h held at 1)"
    leak = (
        '    <ionChannelHH id="leak" conductance="10pS" type="ionChannelPassive">\n'
        "        <notes>Leak conductance of Hodgkin &amp; Huxley (1952)</notes>\n"
        "    </ionChannelHH>\n"
    )
    return {
        "naChan.channel.nml": _channel("naChan", "na", sodium, notes),
        "kChan.channel.nml": _channel(
            "kChan", "k", STANDARD_GATES["k"], "Potassium channel of Hodgkin & Huxley (1952), rest at -65 mV"
        ),
        "leak.channel.nml": _document("leak", leak),
    }


def _cell(membrane: Membrane, rest_mV: float) -> str:
    d = number(DIAMETER_UM)
    body = (
        '    <include href="naChan.channel.nml"/>\n'
        '    <include href="kChan.channel.nml"/>\n'
        '    <include href="leak.channel.nml"/>\n'
        f'    <cell id="{CELL_ID}">\n'
        "        <notes>The Hodgkin-Huxley membrane as hhtui simulates it: one compartment, a sphere of "
        f"{number(AREA_CM2 * 1e8)} um^2.</notes>\n"
        '        <morphology id="morphology">\n'
        '            <segment id="0" name="soma">\n'
        f'                <proximal x="0" y="0" z="0" diameter="{d}"/>\n'
        f'                <distal x="0" y="0" z="0" diameter="{d}"/>\n'
        "            </segment>\n"
        '            <segmentGroup id="soma_group">\n'
        '                <member segment="0"/>\n'
        "            </segmentGroup>\n"
        "        </morphology>\n"
        '        <biophysicalProperties id="biophys">\n'
        "            <membraneProperties>\n"
        '                <channelDensity id="leakChans" ionChannel="leak" '
        f'condDensity="{text(membrane.g_l, "mS_per_cm2")}" erev="{text(membrane.e_l, "mV")}" ion="non_specific"/>\n'
        '                <channelDensity id="naChans" ionChannel="naChan" '
        f'condDensity="{text(membrane.g_na, "mS_per_cm2")}" erev="{text(membrane.e_na, "mV")}" ion="na"/>\n'
        '                <channelDensity id="kChans" ionChannel="kChan" '
        f'condDensity="{text(membrane.g_k, "mS_per_cm2")}" erev="{text(membrane.e_k, "mV")}" ion="k"/>\n'
        '                <spikeThresh value="0mV"/>\n'
        f'                <specificCapacitance value="{text(membrane.c_m, "uF_per_cm2")}"/>\n'
        f'                <initMembPotential value="{text(rest_mV, "mV")}"/>\n'
        "            </membraneProperties>\n"
        "            <intracellularProperties>\n"
        '                <resistivity value="0.03kohm_cm"/>\n'
        "            </intracellularProperties>\n"
        "        </biophysicalProperties>\n"
        "    </cell>\n"
    )
    return _document(CELL_ID, body)


def _nA(current_uA_cm2: float) -> str:
    return text(density_to_nanoamperes(current_uA_cm2), "nA")


def _inputs(stimulus: Stimulus, t_stop: float, dt: float, c_m: float) -> list[str]:
    """The input elements of ``stimulus`` (each with an id), in NeuroML."""
    if type(stimulus) in (NoStimulus, Stimulus):
        return []
    if stimulus.population != 1:
        raise NeuroMLError("a population (per-neuron amplitudes) cannot be exported; export one neuron")
    if isinstance(stimulus, Combined):
        parts = [element for part in stimulus.parts for element in _inputs(part, t_stop, dt, c_m)]
        return [re.sub(r'id="stim\d+"', f'id="stim{k}"', element, count=1) for k, element in enumerate(parts)]
    if isinstance(stimulus, Step):
        end = min(stimulus.start + stimulus.duration, t_stop)
        if stimulus.start >= t_stop:
            return []
        return [
            (
                f'<pulseGenerator id="stim0" delay="{text(stimulus.start, "ms")}" '
                f'duration="{text(end - stimulus.start, "ms")}" amplitude="{_nA(float(stimulus.amplitude))}"/>'
            )
        ]
    if isinstance(stimulus, Train):
        onsets = [stimulus.start + k * stimulus.interval for k in range(stimulus.count)]
        onsets = [onset for onset in onsets if onset < t_stop]
        if len(onsets) > MAX_PULSES:
            raise NeuroMLError(f"a train of {len(onsets):,} pulses within the run; at most {MAX_PULSES:,} are exported")
        return [
            f'<pulseGenerator id="stim{k}" delay="{text(onset, "ms")}" duration="{text(stimulus.width, "ms")}" '
            f'amplitude="{_nA(float(stimulus.amplitude))}"/>'
            for k, onset in enumerate(onsets)
        ]
    if isinstance(stimulus, Ramp):
        return [
            (
                f'<rampGenerator id="stim0" delay="{text(stimulus.start, "ms")}" '
                f'duration="{text(stimulus.duration, "ms")}" startAmplitude="{_nA(float(stimulus.amplitude))}" '
                f'finishAmplitude="{_nA(float(stimulus.amplitude_end))}" baselineAmplitude="0nA"/>'
            )
        ]
    if isinstance(stimulus, VoltageClamp):
        capacitance_F = c_m * 1e-6 * AREA_CM2
        resistance = 10.0 * dt * 1e-3 / capacitance_F  # time constant R C of ten time steps
        duration = stimulus.duration if math.isfinite(stimulus.duration) else max(t_stop - stimulus.start, 0.0)
        return [
            (
                f'<voltageClampTriple id="stim0" active="1" delay="{text(stimulus.start, "ms")}" '
                f'duration="{text(duration, "ms")}" conditioningVoltage="{text(stimulus.hold, "mV")}" '
                f'testingVoltage="{text(stimulus.level, "mV")}" returnVoltage="{text(stimulus.hold, "mV")}" '
                f'simpleSeriesResistance="{text(resistance, "ohm")}"/>'
            )
        ]
    if isinstance(stimulus, Noise):
        raise NeuroMLError(
            "a noisy current has no NeuroML 2 equivalent that reproduces hhtui's; export another protocol (--stim)"
        )
    raise NeuroMLError(f"the stimulus {stimulus.kind!r} cannot be exported to NeuroML")


def _network(experiment: Experiment, name: str) -> str:
    inputs = _inputs(experiment.stimulus, experiment.t_stop, experiment.solver.dt, experiment.membrane.c_m)
    ids = [re.search(r'id="([^"]+)"', element).group(1) for element in inputs]  # type: ignore[union-attr]
    title = experiment.title or experiment.name
    body = (
        f'    <include href="{CELL_ID}.cell.nml"/>\n'
        + "".join(f"    {element}\n" for element in inputs)
        + f'    <network id="{NETWORK_ID}" type="networkWithTemperature" '
        f'temperature="{text(experiment.membrane.temperature, "degC")}">\n'
        f"        <notes>{escape(title)}: one Hodgkin-Huxley cell and its stimulus, from hhtui.</notes>\n"
        f'        <population id="{POPULATION_ID}" component="{CELL_ID}" size="1"/>\n'
        + "".join(f'        <explicitInput target="{POPULATION_ID}[0]" input="{input_id}"/>\n' for input_id in ids)
        + "    </network>\n"
    )
    return _document(name, body)


def _lems(experiment: Experiment, name: str) -> str:
    sodium = f"{POPULATION_ID}[0]/biophys/membraneProperties/naChans/naChan"
    potassium = f"{POPULATION_ID}[0]/biophys/membraneProperties/kChans/kChan"
    gates = [("m", f"{sodium}/m/q"), ("n", f"{potassium}/n/q")]
    if experiment.membrane.inactivation:
        gates.insert(1, ("h", f"{sodium}/h/q"))
    columns = "".join(f'            <OutputColumn id="{gate}" quantity="{path}"/>\n' for gate, path in gates)
    return (
        "<Lems>\n"
        f"    <!-- {escape(experiment.title or experiment.name)}: written by hhtui. Run it with\n"
        f"         jnml LEMS_{name}.xml   or   pynml LEMS_{name}.xml (add -neuron to run it in NEURON) -->\n"
        f'    <Target component="sim_{name}"/>\n'
        '    <Include file="Cells.xml"/>\n'
        '    <Include file="Networks.xml"/>\n'
        '    <Include file="Simulation.xml"/>\n'
        f'    <Include file="{name}.net.nml"/>\n'
        f'    <Simulation id="sim_{name}" length="{text(experiment.t_stop, "ms")}" '
        f'step="{text(experiment.solver.dt, "ms")}" target="{NETWORK_ID}">\n'
        f'        <OutputFile id="traces" fileName="{name}.dat">\n'
        f'            <OutputColumn id="v" quantity="{POPULATION_ID}[0]/v"/>\n' + columns + "        </OutputFile>\n"
        f'        <EventOutputFile id="spikes" fileName="{name}.spikes" format="TIME_ID">\n'
        f'            <EventSelection id="0" select="{POPULATION_ID}[0]" eventPort="spike"/>\n'
        "        </EventOutputFile>\n"
        "    </Simulation>\n"
        "</Lems>\n"
    )


def lems_name(name: str) -> str:
    """A NeuroML id made from an experiment's name (letters, digits, ``_``; not starting with a digit)."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name) or "hhtui"
    return cleaned if not cleaned[0].isdigit() else f"hhtui_{cleaned}"


def export_experiment(
    directory: str | os.PathLike[str], experiment: Experiment, name: str | None = None, force: bool = False
) -> list[Path]:
    """Write ``experiment`` as NeuroML 2 + LEMS into ``directory`` (created if missing, one level);
    returns the files written, the LEMS file last. Each file is written atomically by
    :func:`hhtui.files.write_atomic` (a link or read-only file at a name is replaced only with
    ``force``). :class:`NeuroMLError` if the protocol cannot be expressed (nothing is written then);
    :class:`hhtui.export.ExportError` if a file cannot be written."""
    from hhtui.files import check_target, write_atomic
    from hhtui.model.currents import resting_potential

    stem = lems_name(name or experiment.name or "hhtui")
    target = Path(directory)
    files: dict[str, str] = dict(_channels(experiment.membrane))
    files[f"{CELL_ID}.cell.nml"] = _cell(experiment.membrane, resting_potential(experiment.membrane))
    files[f"{stem}.net.nml"] = _network(experiment, stem)
    files[f"LEMS_{stem}.xml"] = _lems(experiment, stem)
    from hhtui.export import ExportError

    created = False
    if not target.exists() and not target.is_symlink():
        try:
            target.mkdir()
        except OSError as error:
            raise ExportError(f"cannot create {target}: {error.strerror or error}") from None
        created = True
    elif not target.is_dir():
        raise ExportError(f"cannot write into {target}: not a folder")
    written: list[Path] = []
    try:
        for file_name in files:  # every name checked before any is written
            check_target(target / file_name, force=force)
        for file_name, content in files.items():
            written.append(write_atomic(target / file_name, content, force=force))
    except BaseException:
        # A failed export leaves nothing behind: the files written so far, and the folder if it
        # was made for this export.
        for path in written:
            path.unlink(missing_ok=True)
        if created:
            try:
                target.rmdir()
            except OSError:
                pass
        raise
    return written


def describe(paths: Sequence[Path]) -> str:
    """The files written, in one line."""
    return ", ".join(path.name for path in paths)
