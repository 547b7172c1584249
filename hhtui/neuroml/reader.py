"""Reading a single-compartment Hodgkin-Huxley cell from NeuroML 2 into a :class:`Membrane`.

hhtui simulates one membrane: sodium, potassium and leak channels with the kinetics of Hodgkin &
Huxley (1952). A NeuroML cell is read when it says exactly that: one compartment, ``channelDensity``
elements (fixed reversal potentials) whose ion channels are ``ionChannelHH`` with the standard
gates of :data:`~hhtui.neuroml.kinetics.STANDARD_GATES` (a sodium channel without its ``h`` gate
is read as sodium without inactivation) or passive, and one specific capacitance. Anything else
(other kinetics, several compartments, Nernst or GHK reversal potentials, ion concentrations) is
refused by :class:`NeuroMLError` saying what and where, never approximated.

Temperature: gates with ``q10ExpTemp`` settings (q10 3 from 6.3 degC, as hhtui's) take the
temperature of the ``networkWithTemperature`` when a network file that includes the cell is read,
else 6.3 degC; gates with ``q10Fixed`` give the temperature at which hhtui's q10 of 3 yields that
factor; gates without q10 settings mean 6.3 degC (the rates as written).

Files are parsed as data: a document type declaration or entity is refused (no entity expansion,
no external resources), ``<include href=...>`` is followed only to local files, relative to the
including file, at most :data:`MAX_INCLUDE_DEPTH` deep, and each file is limited to
:data:`MAX_FILE_BYTES`.
"""

from __future__ import annotations

import math
import os
import re
import stat
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hhtui.model.errors import ParameterError
from hhtui.model.membrane import Membrane

from .kinetics import (
    Q10,
    RATE_TYPES,
    REFERENCE_TEMPERATURE_C,
    STANDARD_GATES,
    Gate,
    Rate,
)
from .units import QuantityError, quantity

__all__ = ["MAX_FILE_BYTES", "MAX_INCLUDE_DEPTH", "ImportedCell", "NeuroMLError", "read_cell", "read_membrane"]

#: Largest NeuroML file read, bytes.
MAX_FILE_BYTES = 20_000_000

#: Deepest chain of includes followed.
MAX_INCLUDE_DEPTH = 16

_CHANNEL_TAGS = ("ionChannelHH", "ionChannel", "ionChannelPassive")
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class NeuroMLError(ValueError):
    """A NeuroML file cannot be read, or describes what hhtui cannot simulate; the message names
    the file and the element."""


def _local(tag: Any) -> str:
    """The tag without its namespace: ``{http://www.neuroml.org/schema/neuroml2}cell`` -> ``cell``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse(path: Path) -> ET.Element:
    """The root element of ``path``, parsed as data only."""
    try:
        info = path.stat()
    except OSError as error:
        reason = "file does not exist" if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
        raise NeuroMLError(f"cannot read {path}: {reason}") from None
    if not stat.S_ISREG(info.st_mode):
        raise NeuroMLError(f"cannot read {path}: not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise NeuroMLError(f"cannot read {path}: {info.st_size:,} bytes, more than the limit of {MAX_FILE_BYTES:,}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise NeuroMLError(f"cannot read {path}: {error.strerror or error}") from None
    if _DECLARATION.search(data):
        raise NeuroMLError(f"{path}: document type declarations and entities are not accepted")
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise NeuroMLError(f"{path}: not well-formed XML (line {line}, column {column})") from None


@dataclass
class _Document:
    """The elements found in a file and the files it includes."""

    cells: dict[str, tuple[ET.Element, Path]] = field(default_factory=dict)
    channels: dict[str, tuple[ET.Element, Path]] = field(default_factory=dict)
    networks: list[tuple[ET.Element, Path]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _load(path: Path, document: _Document, chain: tuple[Path, ...] = ()) -> None:
    resolved = path.resolve()
    if resolved in chain:
        raise NeuroMLError(f"{path}: includes itself (through {' -> '.join(p.name for p in chain)})")
    if resolved in document.files:
        return
    if len(chain) >= MAX_INCLUDE_DEPTH:
        raise NeuroMLError(f"{path}: includes nested more than {MAX_INCLUDE_DEPTH} deep")
    root = _parse(path)
    tag = _local(root.tag)
    if tag.lower() == "lems":
        raise NeuroMLError(
            f"{path}: a LEMS simulation file; give the cell file (.cell.nml) or the network file (.net.nml) it includes"
        )
    if tag != "neuroml":
        raise NeuroMLError(f"{path}: not a NeuroML 2 document (its root element is <{tag}>, not <neuroml>)")
    document.files.append(resolved)
    for element in root:
        kind = _local(element.tag)
        if kind == "include":
            href = element.get("href")
            if not href:
                raise NeuroMLError(f"{path}: an <include> without href")
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", href):
                raise NeuroMLError(f"{path}: <include href={href!r}>: only local files are read, never the network")
            _load(path.parent / href, document, (*chain, resolved))
        elif kind == "cell":
            document.cells[element.get("id", "")] = (element, path)
        elif kind in _CHANNEL_TAGS:
            document.channels[element.get("id", "")] = (element, path)
        elif kind == "network":
            document.networks.append((element, path))


# --------------------------------------------------------------------------------------------
# channels


@dataclass(frozen=True)
class _Q10:
    """A gate's temperature dependence: ``kind`` none, exp (factor, experimental temperature) or fixed."""

    kind: str
    factor: float = 1.0
    temperature: float = REFERENCE_TEMPERATURE_C


def _quantity(element: ET.Element, name: str, dimension: str, where: str) -> float:
    try:
        return quantity(element.get(name), dimension, f"{where}: {name}")
    except QuantityError as error:
        raise NeuroMLError(str(error)) from None


def _rate(element: ET.Element | None, where: str) -> Rate:
    if element is None:
        raise NeuroMLError(f"{where}: missing")
    kind = element.get("type", "")
    if kind not in RATE_TYPES:
        raise NeuroMLError(f"{where}: rate type {kind!r} is not one of the standard forms ({', '.join(RATE_TYPES)})")
    return Rate(
        kind,
        _quantity(element, "rate", "pertime", where),
        _quantity(element, "midpoint", "voltage", where),
        _quantity(element, "scale", "voltage", where),
    )


def _shown(rate: Rate) -> str:
    return f"{rate.type}(rate {rate.rate:g}/ms, midpoint {rate.midpoint:g} mV, scale {rate.scale:g} mV)"


def _gates(channel: ET.Element, where: str) -> dict[str, tuple[Gate, _Q10]]:
    gates: dict[str, tuple[Gate, _Q10]] = {}
    for element in channel:
        tag = _local(element.tag)
        if tag in ("notes", "annotation", "property"):
            continue
        gate_type = element.get("type", "gateHHrates") if tag == "gate" else tag
        if not tag.startswith("gate"):
            raise NeuroMLError(f"{where}: <{tag}> is not supported (hhtui reads gates of type gateHHrates)")
        gate_id = element.get("id", "?")
        here = f"{where}, gate {gate_id}"
        if gate_type != "gateHHrates":
            raise NeuroMLError(f"{here}: a {gate_type}; hhtui reads gates of type gateHHrates only")
        try:
            instances = int(element.get("instances", ""))
        except ValueError:
            raise NeuroMLError(f"{here}: instances must be a whole number") from None
        q10 = _Q10("none")
        children = {_local(child.tag): child for child in element}
        forward = _rate(children.get("forwardRate"), f"{here}, forwardRate")
        reverse = _rate(children.get("reverseRate"), f"{here}, reverseRate")
        settings = children.get("q10Settings")
        if settings is not None:
            kind = settings.get("type", "")
            if kind == "q10ExpTemp":
                q10 = _Q10(
                    "exp",
                    _quantity(settings, "q10Factor", "none", f"{here}, q10Settings"),
                    _quantity(settings, "experimentalTemp", "temperature", f"{here}, q10Settings"),
                )
            elif kind == "q10Fixed":
                q10 = _Q10("fixed", _quantity(settings, "fixedQ10", "none", f"{here}, q10Settings"))
            else:
                raise NeuroMLError(f"{here}: q10Settings of type {kind!r} is not supported (q10ExpTemp or q10Fixed)")
        gates[gate_id] = (Gate(instances, forward, reverse), q10)
    return gates


def _classify(channel: ET.Element, where: str) -> tuple[str, list[_Q10]]:
    """``leak``, ``na``, ``na-no-inactivation`` or ``k``, and the q10 settings of its gates."""
    tag = _local(channel.tag)
    gates = _gates(channel, where)
    if tag == "ionChannelPassive" or channel.get("type") == "ionChannelPassive" or not gates:
        if gates:
            raise NeuroMLError(f"{where}: a passive channel with gates")
        return "leak", []
    for kind, standard in STANDARD_GATES.items():
        matched: dict[str, str] = {}
        for gate_id, (gate, _q10) in gates.items():
            for name, reference in standard.items():
                if (
                    gate.instances == reference.instances
                    and gate.forward.matches(reference.forward)
                    and gate.reverse.matches(reference.reverse)
                ):
                    matched[gate_id] = name
        names = sorted(matched.values())
        if len(matched) == len(gates) and names == sorted(standard):
            return kind, [q10 for _gate, q10 in gates.values()]
        if kind == "na" and len(matched) == len(gates) and names == ["m"]:
            return "na-no-inactivation", [q10 for _gate, q10 in gates.values()]
    # Say what differs from the channel hhtui would have expected.
    species = channel.get("species", "")
    expected = STANDARD_GATES.get(species) or (STANDARD_GATES["na"] if len(gates) == 2 else STANDARD_GATES["k"])
    for gate_id, (gate, _q10) in gates.items():
        closest: Gate | None = expected.get(gate_id) or next(
            (g for g in expected.values() if g.instances == gate.instances), None
        )
        if closest is None:
            break
        if gate.instances != closest.instances:
            raise NeuroMLError(
                f"{where}, gate {gate_id}: {gate.instances} instances where Hodgkin-Huxley has "
                f"{closest.instances}; hhtui simulates the 1952 kinetics only"
            )
        for side, rate, want in (
            ("forwardRate", gate.forward, closest.forward),
            ("reverseRate", gate.reverse, closest.reverse),
        ):
            if not rate.matches(want):
                raise NeuroMLError(
                    f"{where}, gate {gate_id}: {side} {_shown(rate)} differs from Hodgkin-Huxley's "
                    f"{_shown(want)}; hhtui simulates the 1952 kinetics only"
                )
    ids = ", ".join(f"{gate_id} ({gate.instances})" for gate_id, (gate, _q) in gates.items())
    raise NeuroMLError(
        f"{where}: gates {ids} are neither the sodium (m^3 h) nor the potassium (n^4) channel of "
        "Hodgkin-Huxley; hhtui simulates those two and a leak only"
    )


# --------------------------------------------------------------------------------------------
# the cell


@dataclass(frozen=True)
class ImportedCell:
    """A cell read from NeuroML: its ``membrane``, its id, the file it came from, and where its
    temperature came from (``temperature_source``)."""

    membrane: Membrane
    cell_id: str
    path: Path
    temperature_source: str


def _choose_cell(document: _Document, path: Path) -> tuple[ET.Element, Path, float | None]:
    """The cell to read and the temperature of the network that holds it (or None)."""
    for network, network_path in document.networks:
        for population in network:
            if _local(population.tag) != "population":
                continue
            component = population.get("component", "")
            if component in document.cells:
                temperature = None
                if network.get("temperature") is not None:
                    temperature = _quantity(
                        network, "temperature", "temperature", f"{network_path}: network {network.get('id', '')}"
                    )
                cell, cell_path = document.cells[component]
                return cell, cell_path, temperature
    if not document.cells:
        raise NeuroMLError(f"{path}: no <cell> found (in it or the files it includes)")
    if len(document.cells) > 1:
        raise NeuroMLError(
            f"{path}: {len(document.cells)} cells ({', '.join(sorted(document.cells))}); give the file "
            "of one cell, or a network with one population"
        )
    cell, cell_path = next(iter(document.cells.values()))
    return cell, cell_path, None


def _child(element: ET.Element, tag: str) -> ET.Element | None:
    return next((child for child in element if _local(child.tag) == tag), None)


def read_cell(path: str | os.PathLike[str]) -> ImportedCell:
    """Read the single-compartment Hodgkin-Huxley cell of a NeuroML 2 file (a cell file, or a
    network file including one); :class:`NeuroMLError` if it cannot be read or represented."""
    source = Path(path)
    document = _Document()
    _load(source, document)
    cell, cell_path, network_temperature = _choose_cell(document, source)
    cell_id = cell.get("id", "")
    where = f"{cell_path}: cell {cell_id}"
    for name in ("morphology", "biophysicalProperties"):
        if cell.get(name) is not None and _child(cell, name) is None:
            raise NeuroMLError(
                f"{where}: a {name} referenced by id ({cell.get(name)!r}) is not supported; give it inside the cell"
            )
    morphology = _child(cell, "morphology")
    if morphology is not None:
        segments = [child for child in morphology if _local(child.tag) == "segment"]
        if len(segments) > 1:
            raise NeuroMLError(
                f"{where}: {len(segments)} segments; hhtui simulates a single compartment "
                "(for an axon see 'hhtui axon')"
            )
    biophysics = _child(cell, "biophysicalProperties")
    if biophysics is None:
        raise NeuroMLError(f"{where}: no biophysicalProperties (channels and capacitance)")
    membrane_properties = _child(biophysics, "membraneProperties")
    if membrane_properties is None:
        raise NeuroMLError(f"{where}: no membraneProperties")
    intracellular = _child(biophysics, "intracellularProperties")
    if intracellular is not None and any(_local(child.tag) == "species" for child in intracellular):
        raise NeuroMLError(f"{where}: ion concentration dynamics (<species>) are not modelled by hhtui")

    values: dict[str, Any] = {}
    found: dict[str, str] = {}
    q10s: list[_Q10] = []
    capacitances: list[float] = []
    for element in membrane_properties:
        tag = _local(element.tag)
        here = f"{where}, {tag} {element.get('id', '')}".rstrip()
        if tag == "channelDensity":
            channel_id = element.get("ionChannel", "")
            if channel_id not in document.channels:
                raise NeuroMLError(f"{here}: ion channel {channel_id!r} not found (in the file or its includes)")
            channel, channel_path = document.channels[channel_id]
            kind, gate_q10s = _classify(channel, f"{channel_path}: channel {channel_id}")
            base = "na" if kind.startswith("na") else kind
            if base in found:
                raise NeuroMLError(
                    f"{here}: a second {'leak' if base == 'leak' else base.title()} channel (after "
                    f"{found[base]}); hhtui simulates one sodium, one potassium and one leak channel"
                )
            found[base] = element.get("id", channel_id)
            key = {"na": "na", "k": "k", "leak": "l"}[base]
            values[f"g_{key}"] = _quantity(element, "condDensity", "conductanceDensity", here)
            values[f"e_{key}"] = _quantity(element, "erev", "voltage", here)
            if kind == "na-no-inactivation":
                values["inactivation"] = False
            q10s += gate_q10s
        elif tag == "specificCapacitance":
            capacitances.append(_quantity(element, "value", "specificCapacitance", here))
        elif tag in ("initMembPotential", "spikeThresh", "notes", "annotation"):
            continue  # hhtui starts from rest and counts spikes at 0 mV
        else:
            raise NeuroMLError(
                f"{here}: <{tag}> is not supported (hhtui reads channelDensity with fixed reversal "
                "potentials, specificCapacitance, initMembPotential and spikeThresh)"
            )
    if not capacitances:
        raise NeuroMLError(f"{where}: no specificCapacitance")
    if any(abs(c - capacitances[0]) > 1e-12 * abs(capacitances[0]) for c in capacitances):
        raise NeuroMLError(f"{where}: several specific capacitances; a single compartment has one")
    values["c_m"] = capacitances[0]
    for base in ("na", "k", "leak"):
        if base not in found:
            values[f"g_{'l' if base == 'leak' else base}"] = 0.0
    temperature, temperature_source = _temperature(q10s, network_temperature, where)
    values["temperature"] = temperature
    try:
        membrane = Membrane(**values)
    except ParameterError as error:
        raise NeuroMLError(f"{where}: {error}") from None
    return ImportedCell(membrane=membrane, cell_id=cell_id, path=cell_path, temperature_source=temperature_source)


def _temperature(q10s: list[_Q10], network_temperature: float | None, where: str) -> tuple[float, str]:
    """The temperature (degrees C) at which hhtui's rates equal the cell's, and where it came from."""
    kinds = {q10.kind for q10 in q10s}
    if len(kinds) > 1 or len(set(q10s)) > 1:
        raise NeuroMLError(
            f"{where}: the gates have different temperature dependences (q10Settings); hhtui scales "
            f"every rate by one factor, {Q10:g}^((T - {REFERENCE_TEMPERATURE_C:g})/10)"
        )
    if not q10s or kinds == {"none"}:
        return REFERENCE_TEMPERATURE_C, "no q10 settings: the rates as written, 6.3 degrees C"
    q10 = q10s[0]
    if q10.kind == "fixed":
        if q10.factor <= 0:
            raise NeuroMLError(f"{where}: fixedQ10 must be > 0")
        return REFERENCE_TEMPERATURE_C + 10.0 * math.log(q10.factor) / math.log(Q10), "fixedQ10"
    if abs(q10.factor - Q10) > 1e-9 or abs(q10.temperature - REFERENCE_TEMPERATURE_C) > 1e-9:
        raise NeuroMLError(
            f"{where}: q10ExpTemp with q10Factor {q10.factor:g} from {q10.temperature:g} degC; hhtui's "
            f"rates have a q10 of {Q10:g} from {REFERENCE_TEMPERATURE_C:g} degC"
        )
    if network_temperature is None:
        return REFERENCE_TEMPERATURE_C, "q10ExpTemp without a network: 6.3 degrees C"
    return network_temperature, "the temperature of the network"


def read_membrane(path: str | os.PathLike[str]) -> Membrane:
    """The :class:`Membrane` of the cell in a NeuroML 2 file (see :func:`read_cell`)."""
    return read_cell(path).membrane
