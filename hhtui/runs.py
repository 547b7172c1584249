"""The settings of an axon (cable) or a network run, from named parameters.

``hhtui axon`` and ``hhtui network`` and their Python twins :func:`hhtui.axon` and
:func:`hhtui.network` build their settings here, so a flag and the keyword of the same name change
a run in exactly the same way. A parameter's name is its flag without the dashes (``--length-cm``
is ``length_cm``, ``--amp`` is ``amp``, ``--kick`` is ``kick``, ``--dx-um`` is ``dx_um``); the
parameters, their units, ranges and defaults are the tables ``axon`` and ``network`` of
:mod:`hhtui.parameters`. A run starts from the defaults or from a ``config``: the JSON sidecar of
an earlier export (or the bare settings it holds), which the given parameters then override.

Every refusal is a :class:`~hhtui.model.ParameterError` whose message starts with the parameters
it concerns as the caller names them (``--amp`` on the command line, ``amp`` in Python) and whose
``parameter`` attribute holds the first one's name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hhtui.model.errors import ParameterError
from hhtui.model.membrane import PARAMETER_RANGES, shown
from hhtui.parameters import PYTHON_NAMING, Naming, Parameter, closest, parameter, table

__all__ = [
    "INHIBITORY",
    "Chosen",
    "axon_settings",
    "nothing_fired",
    "check_value",
    "keyword",
    "keywords",
    "load_config",
    "network_settings",
]

#: The network's switch to inhibitory synapses (``--inhibitory``, ``inhibitory=True``): not a
#: value, so not a row of the table.
INHIBITORY = "inhibitory"


def keyword(row: Parameter) -> str:
    """The name of ``row`` as a keyword: its flag without the dashes (``--amp`` -> ``amp``)."""
    return row.cli_flag[2:].replace("-", "_")


def keywords(command: str) -> tuple[str, ...]:
    """The keywords of ``axon`` or ``network``, in the order of the table."""
    names = tuple(keyword(row) for row in table(command))
    return (*names, INHIBITORY) if command == "network" else names


def _row(command: str, name: str) -> Parameter:
    for row in table(command):
        if keyword(row) == name:
            return row
    raise KeyError(name)


def check_value(row: Parameter, value: Any, naming: Naming = PYTHON_NAMING) -> Any:
    """``value`` as the parameter ``row`` takes it: a number (or a text as typed) in its range, or
    one of its choices; :class:`ParameterError` naming it otherwise."""
    name = keyword(row)
    if isinstance(value, str):
        try:
            return row.parse(value)
        except ParameterError as error:
            raise ParameterError(f"{naming.name(name)} {error}", parameter=name) from None
    if row.choices:
        raise ParameterError(f"{naming.name(name)} must be {row.allowed}, got {shown(value)}", parameter=name)
    kind = "a whole number" if row.whole else "a number"
    whole = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    real = whole or isinstance(value, (float, np.floating))
    if not real or (row.whole and not whole):
        raise ParameterError(f"{naming.name(name)} must be {kind} {row.allowed}, got {shown(value)}", parameter=name)
    try:
        number = int(value) if row.whole else float(value)
    except OverflowError:  # a whole number beyond the range of a float
        number = math.inf
    if not row.accepts(number):
        raise ParameterError(f"{naming.name(name)} must be {kind} {row.allowed}, got {shown(value)}", parameter=name)
    return number


def _refuse_unknown(command: str, values: Mapping[str, Any], naming: Naming) -> None:
    known = keywords(command)
    by_field = {row.field: keyword(row) for row in table(command)}
    for name in values:
        if name not in known:
            close = by_field.get(str(name)) or closest(str(name), list(known))
            hint = f" (did you mean {naming.name(close)}?)" if close else ""
            raise ParameterError(
                f"{naming.name(str(name))}: unknown parameter of {command}{hint}; known: "
                f"{', '.join(naming.name(item) for item in known)}",
                parameter=str(name),
            )


def _blamed(
    error: ParameterError, command: str, given: Mapping[str, Any], naming: Naming, more: Mapping[str, str] = {}
) -> ParameterError:
    """A refusal of the model, its message prefixed with the parameters it concerns (its
    ``parameters``, settings fields, as the caller names them): those given, else the first.
    ``more`` maps a field to a parameter outside the table's own (``nseg`` -> ``dx_um``)."""
    by_field = {row.field: keyword(row) for row in table(command)}
    named: list[tuple[str, bool]] = []
    for field in error.parameters:
        name = more.get(field) or by_field.get(field)
        if name is not None:
            named.append((name, name in given))
    chosen = list(dict.fromkeys(name for name, was_given in named if was_given)) or [name for name, _ in named[:1]]
    if not chosen:
        return error
    return ParameterError(f"{naming.names(chosen)}: {error}", parameter=chosen[0], parameters=tuple(chosen))


@dataclass(frozen=True)
class Chosen:
    """The settings of a run and what goes with them: ``settings`` (a
    :class:`~hhtui.model.cable.CableSettings` or :class:`~hhtui.model.network.NetworkSettings`)
    and, for the axon, ``positions``: how many position columns its CSV holds."""

    settings: Any
    positions: int = 0


def load_config(command: str, config: Any, naming: Naming = PYTHON_NAMING) -> tuple[Any, int | None]:
    """The settings of ``command`` (``axon`` or ``network``) that ``config`` holds, and for the axon
    the number of position columns of the CSV it was the sidecar of (None if it does not say).

    ``config``: a path to a JSON file (the sidecar of ``hhtui axon -o`` / ``hhtui network -o``,
    or the settings alone), a dict of the same, or the settings object itself."""
    from hhtui.configs import config_data, from_config
    from hhtui.model.cable import CableSettings
    from hhtui.model.network import NetworkSettings

    kind = CableSettings if command == "axon" else NetworkSettings
    flag = naming.name("config")
    if isinstance(config, kind):
        return config, None
    data, where = config_data(config, flag, f"a path to a JSON file, a dict or {kind.__name__}")
    if not isinstance(data, dict):
        raise ParameterError(f"{where}: no settings of a {command} run in it", parameter="config")
    columns = data.get("columns") if data.get("program") == "hhtui" else None
    settings = data.get("experiment") if data.get("program") == "hhtui" else data
    if not isinstance(settings, dict):
        raise ParameterError(f"{where}: no settings of a {command} run in it", parameter="config")
    if "stimulus" in settings or "solver" in settings:
        raise ParameterError(
            f"{where}: this is a single-neuron experiment (for 'hhtui run' or simulate), not the settings of "
            f"{'an axon' if command == 'axon' else 'a network'} run",
            parameter="config",
        )
    other = "network" if command == "axon" else "axon"
    if any(name in settings for name in _OWN_FIELDS[other]) and not any(
        name in settings for name in _OWN_FIELDS[command]
    ):
        raise ParameterError(
            f"{where}: these are the settings of {'a network' if other == 'network' else 'an axon'} run, not "
            f"{'an axon' if command == 'axon' else 'a network'}",
            parameter="config",
        )
    loaded = from_config(where, lambda: kind.from_dict(settings))
    positions = None
    if command == "axon" and isinstance(columns, list) and len(columns) >= 2:
        positions = len(columns) - 1
    return loaded, positions


#: Settings fields only one of the two kinds of run has (to tell one sidecar from the other).
_OWN_FIELDS = {"axon": ("nseg", "length_cm", "diameter_um"), "network": ("topology", "kick_amp", "n")}


def _checked(command: str, values: Mapping[str, Any], naming: Naming) -> dict[str, Any]:
    """The values given (None: not given), each checked against its row of the table."""
    _refuse_unknown(command, values, naming)
    given: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == INHIBITORY:
            if not isinstance(value, (bool, np.bool_)):
                raise ParameterError(f"{naming.name(name)} must be True or False, got {shown(value)}", parameter=name)
            given[name] = bool(value)
        else:
            given[name] = check_value(_row(command, name), value, naming)
    return given


def _membrane(base: Any, given: Mapping[str, Any], naming: Naming) -> Any:
    membrane = base
    for name in PARAMETER_RANGES:
        if name in given:
            try:
                membrane = membrane.replace(**{name: given[name]})
            except ParameterError as error:
                raise ParameterError(f"{naming.name(name)}: {error}", parameter=name) from None
    return membrane


def _fields(command: str, given: Mapping[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
    """The settings fields the given values set (membrane parameters and ``skip`` left out)."""
    changes = {}
    for row in table(command):
        name = keyword(row)
        if name in given and name not in PARAMETER_RANGES and name not in skip:
            changes[row.field] = given[name]
    return changes


def axon_settings(values: Mapping[str, Any], config: Any = None, naming: Naming = PYTHON_NAMING) -> Chosen:
    """The cable of ``hhtui axon`` / :func:`hhtui.axon`: the defaults (or ``config``) with the
    parameters ``values`` (keyword -> value, None: not given) applied."""
    from hhtui.model.cable import CableSettings, nseg_for_length

    given = _checked("axon", values, naming)
    base, config_positions = (CableSettings(), None) if config is None else load_config("axon", config, naming)
    if "nseg" in given and "dx_um" in given:
        raise ParameterError(f"{naming.names(['nseg', 'dx_um'])}: give one or the other", parameter="dx_um")
    changes = _fields("axon", given, ("positions", "dx_um"))
    changes["membrane"] = _membrane(base.membrane, given, naming)
    if "dx_um" in given:
        dx = given["dx_um"]
        length = changes.get("length_cm", base.length_cm)
        try:
            nseg = nseg_for_length(length, dx)
        except ParameterError as error:
            raise ParameterError(f"{naming.name('dx_um')}: {error}", parameter="dx_um") from None
        if nseg < 4:
            raise ParameterError(
                f"{naming.name('dx_um')}: {dx:g} um leaves fewer than 4 compartments on {length:g} cm",
                parameter="dx_um",
            )
        changes["nseg"] = nseg
    try:
        settings = base.replace(**changes)
    except ParameterError as error:
        raise _blamed(error, "axon", given, naming, {"nseg": "dx_um"} if "dx_um" in given else {}) from None
    positions = given.get("positions", config_positions)
    return Chosen(settings, int(positions if positions is not None else parameter("axon", "positions").default))


def network_settings(values: Mapping[str, Any], config: Any = None, naming: Naming = PYTHON_NAMING) -> Chosen:
    """The network of ``hhtui network`` / :func:`hhtui.network`: the defaults (or ``config``) with
    the parameters ``values`` (keyword -> value, None: not given) applied; ``inhibitory`` sets the
    synapses' reversal potential to that of inhibition."""
    from hhtui.model.network import INHIBITORY_E_SYN_MV, NetworkSettings

    given = _checked("network", values, naming)
    base = NetworkSettings() if config is None else load_config("network", config, naming)[0]
    topology = given.get("topology", base.topology)
    if "p" in given and topology != "random":
        raise ParameterError(
            f"{naming.name('p')}: only applies to {naming.setting('topology', 'random')}", parameter="p"
        )
    changes = _fields("network", given, ())
    changes["membrane"] = _membrane(base.membrane, given, naming)
    if given.get(INHIBITORY):
        if "e_syn" in given:
            raise ParameterError(f"{naming.names(['e_syn', INHIBITORY])}: give one or the other", parameter=INHIBITORY)
        changes["e_syn"] = INHIBITORY_E_SYN_MV
    try:
        settings = base.replace(**changes)
    except ParameterError as error:
        raise _blamed(error, "network", given, naming) from None
    return Chosen(settings)


def nothing_fired(settings: Any, naming: Naming = PYTHON_NAMING) -> str:
    """Why a cable where no compartment fired may have stayed silent: its stimulus is a total
    current in nA, not a density (one line, for a warning)."""
    return (
        f"{naming.name('amp')}: nothing fired with {settings.stim_amp_nA:g} nA (a total current in nA, not a density "
        "in uA/cm^2) into each stimulated end compartment; on the default cable the threshold is about 3600 nA"
    )
