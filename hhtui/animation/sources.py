"""Recordings to scenes: which kind of CSV a file is, and the scene that shows it.

Three kinds are recognised by their header:

- a run (``hhtui run``, the app's export): ``t_ms,V_mV,m,h,n,I_stim_uA_cm2,...`` (under voltage
  clamp also ``I_clamp_uA_cm2``);
- an axon (``hhtui axon``): ``t_ms`` then ``V_x<position>cm_mV`` columns;
- network spikes (``hhtui network``): ``neuron,t_ms``.

The JSON sidecar beside the CSV, when there is one, gives the title, the number of neurons and the
length of the run or axon; the CSV alone is enough. Problems are :class:`SourceError` with a
one-line message naming the file.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hhtui.export import ExportError, read_csv, read_json, sidecar_path

__all__ = ["SourceError", "scene_from_columns", "scene_from_file"]

_AXON_COLUMN = re.compile(r"^V_x(?P<x>[0-9.eE+-]+)cm_mV$")

#: How a network's topology is named in the title.
_TOPOLOGY = {"ring": "a ring", "chain": "a chain", "all": "an all-to-all network", "random": "a random network"}


class SourceError(ValueError):
    """A file that cannot be animated; the message names it and says why."""


def _sidecar(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The experiment or settings in the sidecar of ``path``, or {} if there is none readable."""
    json_path = sidecar_path(path)
    if not json_path.is_file():
        return {}
    try:
        data = read_json(json_path)
    except ExportError:
        return {}
    experiment = data.get("experiment")
    return experiment if isinstance(experiment, dict) else {}


def _number(settings: Mapping[str, Any], key: str) -> float | None:
    value = settings.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def scene_from_file(path: str, *, gates: bool = False, title: str | None = None) -> Any:
    """The scene of the recording in ``path`` (a run, an axon or network spikes)."""
    if Path(path).suffix.lower() == ".json":
        raise SourceError(
            f"{path} is a JSON file; animate the CSV beside it, or run the experiment it holds with --config {path}"
        )
    try:
        columns = read_csv(path)
    except ExportError as error:
        raise SourceError(str(error)) from None
    return scene_from_columns(columns, _sidecar(path), shown=os.fspath(path), gates=gates, title=title)


def scene_from_columns(
    columns: Mapping[str, np.ndarray],
    settings: Mapping[str, Any] | None = None,
    *,
    shown: str = "the recording",
    gates: bool = False,
    title: str | None = None,
) -> Any:
    """The scene of a recording given as columns (name -> values) and its settings (the sidecar's
    ``experiment``); ``shown`` names it in messages."""
    settings = settings or {}
    names = list(columns)
    if names == ["neuron", "t_ms"]:
        if gates:
            raise SourceError(f"--gates: {shown} holds network spikes, which have no gates")
        return _raster(columns, settings, shown, title)
    if "t_ms" in names and "V_mV" in names:
        return _run(columns, settings, shown, gates, title)
    if "t_ms" in names and any(_AXON_COLUMN.match(name) for name in names):
        if gates:
            raise SourceError(f"--gates: {shown} is an axon recording, which has no gates")
        return _axon(columns, settings, shown, title)
    if "amp_uA_cm2" in names:
        raise SourceError(
            f"{shown} is an F-I curve (from 'hhtui sweep'), not a recording in time; look at it with 'hhtui plot'"
        )
    found = ",".join(names[:6]) + (",..." if len(names) > 6 else "")
    raise SourceError(
        f"{shown}: not a run (t_ms,V_mV,...), an axon (t_ms,V_x...cm_mV,...) or network spikes "
        f"(neuron,t_ms); its columns are {found}"
    )


def _times(t: np.ndarray, shown: str) -> None:
    if len(t) < 2:
        raise SourceError(f"{shown}: needs at least two rows to animate, found {len(t)}")
    if np.any(np.diff(t) < 0) or not t[-1] > t[0]:
        raise SourceError(f"{shown}: t_ms must increase from row to row")


def _run(
    columns: Mapping[str, np.ndarray], settings: Mapping[str, Any], shown: str, gates: bool, title: str | None
) -> Any:
    from .scenes import RunScene

    t = columns["t_ms"]
    _times(t, shown)
    gate_columns = None
    if gates:
        missing = [name for name in ("m", "h", "n") if name not in columns]
        if missing:
            raise SourceError(f"--gates: {shown} has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}")
        gate_columns = {name: columns[name] for name in ("m", "h", "n")}
    clamp = "I_clamp_uA_cm2" in columns
    current = columns.get("I_clamp_uA_cm2" if clamp else "I_stim_uA_cm2")
    name = settings.get("title")
    heading = title if title is not None else name if isinstance(name, str) and name.strip() else ""
    return RunScene(t, columns["V_mV"], current, gate_columns, title=heading, clamp=clamp)


def _axon(columns: Mapping[str, np.ndarray], settings: Mapping[str, Any], shown: str, title: str | None) -> Any:
    from .scenes import AxonScene

    t = columns["t_ms"]
    _times(t, shown)
    positions = []
    for name in columns:
        match = _AXON_COLUMN.match(name)
        if match:
            try:
                positions.append((float(match.group("x")), name))
            except ValueError:
                raise SourceError(f"{shown}: column {name}: not a position in cm") from None
    positions.sort()
    if len(positions) < 2:
        raise SourceError(f"{shown}: needs at least two positions along the axon, found {len(positions)}")
    x = np.array([position for position, _ in positions])
    v = np.stack([columns[name] for _, name in positions], axis=1)
    length = _number(settings, "length_cm")
    heading = title if title is not None else ""
    temperature = _number(
        settings.get("membrane", {}) if isinstance(settings.get("membrane"), dict) else {}, "temperature"
    )
    if title is None and temperature is not None:
        heading = f"Action potential travelling along the axon ({temperature:g} \u00b0C)"
    return AxonScene(x, t, v, title=heading, length_cm=length)


def _raster(columns: Mapping[str, np.ndarray], settings: Mapping[str, Any], shown: str, title: str | None) -> Any:
    from .scenes import RasterScene

    neuron, t = columns["neuron"], columns["t_ms"]
    if len(neuron) and (np.any(neuron < 0) or np.any(neuron != np.round(neuron))):
        raise SourceError(f"{shown}: the neuron column must hold whole numbers >= 0")
    if len(t) and np.any(t < 0):
        raise SourceError(f"{shown}: spike times (t_ms) must be >= 0")
    n_given = _number(settings, "n")
    n = int(neuron.max()) + 1 if len(neuron) else 0
    if n_given is not None and n_given >= n and n_given == int(n_given):
        n = int(n_given)
    t_stop = _number(settings, "t_stop")
    if t_stop is None or (len(t) and t_stop < t.max()):
        t_stop = float(t.max()) if len(t) else None
    if n == 0 or not t_stop:
        raise SourceError(f"{shown}: no spikes to animate (and no sidecar giving the network's size and duration)")
    heading = title if title is not None else ""
    topology = settings.get("topology")
    if title is None and isinstance(topology, str) and topology in _TOPOLOGY:
        kind = " inhibitory" if (_number(settings, "e_syn") or 0.0) < -50 else ""
        heading = f"Spikes in {_TOPOLOGY[topology]} of {n}{kind} neurons"
    return RasterScene(neuron.astype(int), t, n, t_stop, title=heading)


def default_output(source: str) -> Path:
    """``run.csv`` -> ``run.gif`` in the current directory."""
    return Path(Path(source).stem + ".gif")
