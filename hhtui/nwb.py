"""Runs as NWB (Neurodata Without Borders) intracellular electrophysiology files.

A run becomes what a patch-clamp rig records, in SI units (s, V, A) over the membrane area of
:mod:`hhtui.patch` (1000 um^2, the soma of the NeuroML tutorials: 1 uA/cm^2 is 1e-11 A):

- current clamp: ``CurrentClampStimulusSeries`` (the injected current, A) and ``CurrentClampSeries``
  (the membrane potential, V);
- voltage clamp: ``VoltageClampStimulusSeries`` (the command, V) and ``VoltageClampSeries`` (the
  current the clamp injects, A: the total ionic current, outward positive; the capacitive
  transients of an ideal clamp are not included);

paired in the file's intracellular recordings table, recorded by an ``IntracellularElectrode`` on a
``Device`` named hhtui. The model's other variables (gates m, h, n; ionic currents in A;
conductances in S) are in the processing module ``hhtui``. The file's ``notes`` hold, as JSON, what
a CSV's sidecar holds (program, version, experiment, summary) plus the membrane area, so
:func:`read_nwb` gives back the CSV's columns and ``hhtui run --config`` can reproduce the run.

Needs pynwb: ``pip install 'hhtui[nwb]'``. Files are written atomically (:mod:`hhtui.files`).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Union

import numpy as np

from hhtui.model.experiment import Experiment
from hhtui.model.samples import CLAMP_COLUMN, Samples
from hhtui.patch import AREA_UM2

__all__ = ["NWBUnavailable", "read_nwb", "write_nwb"]

PathLike = Union[str, "os.PathLike[str]"]

#: uA/cm^2 over the patch -> A; mS/cm^2 over the patch -> S.
AMPERES_PER_UA_CM2 = AREA_UM2 / 1e14
SIEMENS_PER_MS_CM2 = AREA_UM2 / 1e11


class NWBUnavailable(ImportError):
    """pynwb is not installed."""


def _pynwb() -> Any:
    try:
        import pynwb
    except ImportError:
        raise NWBUnavailable("writing NWB needs pynwb: pip install 'hhtui[nwb]' (or pip install pynwb)") from None
    return pynwb


def available() -> bool:
    """Whether pynwb can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("pynwb") is not None


def _timing(t_ms: np.ndarray) -> dict[str, Any]:
    """``starting_time`` and ``rate`` (Hz) for an evenly sampled run, else ``timestamps`` (s)."""
    seconds = np.asarray(t_ms, dtype=np.float64) / 1000.0
    if seconds.size >= 2:
        steps = np.diff(seconds)
        if np.allclose(steps, steps[0], rtol=1e-9, atol=0.0):
            return {"starting_time": float(seconds[0]), "rate": 1.0 / float(steps[0])}
    if seconds.size == 1:
        return {"starting_time": float(seconds[0]), "rate": 1.0}
    return {"timestamps": seconds}


def write_nwb(
    path: PathLike,
    experiment: Experiment,
    samples: Samples,
    *,
    spike_count: int | None = None,
    session_description: str | None = None,
    identifier: str | None = None,
    session_start_time: datetime | None = None,
    force: bool = False,
) -> Path:
    """Write the run (``experiment`` and its ``samples``) as an NWB file at ``path``; returns it.

    ``session_start_time`` defaults to now (UTC), ``identifier`` to a fresh UUID. ``force``
    replaces a read-only file or a symbolic link at ``path`` (as ``--force``). Raises
    :class:`NWBUnavailable` without pynwb and :class:`hhtui.export.ExportError` if the file
    cannot be written.
    """
    pynwb = _pynwb()
    from pynwb.icephys import (
        CurrentClampSeries,
        CurrentClampStimulusSeries,
        VoltageClampSeries,
        VoltageClampStimulusSeries,
    )

    from hhtui import __version__
    from hhtui.files import write_atomic_path
    from hhtui.headless import sidecar_extra
    from hhtui.parameters import kind_of

    if samples.population != 1:
        raise ValueError("an NWB recording holds one neuron; this run has a population")
    columns = samples.columns(0)
    timing = _timing(columns["t_ms"])
    spikes = spike_count if spike_count is not None else int(samples.spike_time.size)
    notes = {
        "program": "hhtui",
        "version": __version__,
        "experiment": experiment.to_dict(),
        **sidecar_extra(samples, spikes),
        "membrane_area_um2": AREA_UM2,
        "units": "SI: s, V, A, S over the membrane area; hhtui's CSV gives ms, mV, uA/cm^2, mS/cm^2",
    }
    title = experiment.title or experiment.name
    nwbfile = pynwb.NWBFile(
        session_description=session_description or f"hhtui simulation of the Hodgkin-Huxley membrane: {title}",
        identifier=identifier or str(uuid.uuid4()),
        session_start_time=session_start_time or datetime.now(timezone.utc),
        experiment_description=experiment.description or title,
        notes=json.dumps(notes, allow_nan=False),
        was_generated_by=[["hhtui", __version__]],
        keywords=["Hodgkin-Huxley", "simulation"],
    )
    device = nwbfile.create_device(
        name="hhtui",
        description=f"hhtui {__version__}: a simulated Hodgkin-Huxley "
        "membrane (no amplifier: gains 1, no compensation)",
    )
    area = f"a membrane area of {AREA_UM2:g} um^2 (1 uA/cm^2 = {AMPERES_PER_UA_CM2:g} A)"
    electrode = nwbfile.create_icephys_electrode(
        name="electrode", device=device, description=f"ideal electrode into a single compartment of {area}"
    )
    stimulus_name = kind_of(experiment.stimulus)
    if experiment.stimulus.is_clamp:
        command_V = experiment.stimulus.command(columns["t_ms"]) / 1000.0  # type: ignore[attr-defined]
        stimulus = VoltageClampStimulusSeries(
            name="command",
            data=command_V,
            electrode=electrode,
            gain=1.0,
            sweep_number=np.uint32(0),
            unit="volts",
            stimulus_description=stimulus_name,
            description="voltage-clamp command",
            **timing,
        )
        response = VoltageClampSeries(
            name="clamp_current",
            data=columns[CLAMP_COLUMN] * AMPERES_PER_UA_CM2,
            electrode=electrode,
            gain=1.0,
            sweep_number=np.uint32(0),
            stimulus_description=stimulus_name,
            description=f"current the ideal clamp injects (the total ionic current, outward positive) over {area}",
            **timing,
        )
    else:
        stimulus = CurrentClampStimulusSeries(
            name="stimulus",
            data=columns["I_stim_uA_cm2"] * AMPERES_PER_UA_CM2,
            electrode=electrode,
            gain=1.0,
            sweep_number=np.uint32(0),
            stimulus_description=stimulus_name,
            description=f"injected current over {area}",
            **timing,
        )
        response = CurrentClampSeries(
            name="membrane_potential",
            data=columns["V_mV"] / 1000.0,
            electrode=electrode,
            gain=1.0,
            bias_current=0.0,
            bridge_balance=0.0,
            capacitance_compensation=0.0,
            sweep_number=np.uint32(0),
            stimulus_description=stimulus_name,
            description="membrane potential",
            **timing,
        )
    nwbfile.add_intracellular_recording(electrode=electrode, stimulus=stimulus, response=response)

    module = nwbfile.create_processing_module(name="hhtui", description=f"the model's other variables, over {area}")
    variables = [
        ("V", columns["V_mV"] / 1000.0, "volts", "membrane potential"),
        ("m", columns["m"], "n/a", "sodium activation gate"),
        ("h", columns["h"], "n/a", "sodium inactivation gate"),
        ("n", columns["n"], "n/a", "potassium activation gate"),
        ("I_Na", columns["I_Na_uA_cm2"] * AMPERES_PER_UA_CM2, "amperes", "sodium current, outward positive"),
        ("I_K", columns["I_K_uA_cm2"] * AMPERES_PER_UA_CM2, "amperes", "potassium current, outward positive"),
        ("I_L", columns["I_L_uA_cm2"] * AMPERES_PER_UA_CM2, "amperes", "leak current, outward positive"),
        ("g_Na", columns["g_Na_mS_cm2"] * SIEMENS_PER_MS_CM2, "siemens", "sodium conductance"),
        ("g_K", columns["g_K_mS_cm2"] * SIEMENS_PER_MS_CM2, "siemens", "potassium conductance"),
    ]
    for name, data, unit, description in variables:
        module.add(pynwb.TimeSeries(name=name, data=data, unit=unit, description=description, **timing))

    def produce(temporary: Path) -> None:
        import warnings

        with warnings.catch_warnings():
            # The file is written under a temporary name, then renamed to ``path``.
            warnings.filterwarnings("ignore", message="The file path provided", category=UserWarning)
            with pynwb.NWBHDF5IO(str(temporary), "w") as io:
                io.write(nwbfile)

    return write_atomic_path(path, produce, force=force)


def read_nwb(path: PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file :func:`write_nwb` wrote: the CSV's columns (``t_ms``, ``V_mV``, ``m``, ...,
    in hhtui's units) and the metadata of its ``notes`` (``experiment``, ``summary``, ...)."""
    pynwb = _pynwb()
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwbfile = io.read()
        try:
            notes = json.loads(nwbfile.notes or "")
            module = nwbfile.processing["hhtui"]
        except (KeyError, ValueError):
            raise ValueError(
                f"{os.fspath(path)}: not an NWB file written by hhtui (no hhtui notes and processing module)"
            ) from None
        first = module["V"]
        t_ms = np.asarray(first.get_timestamps(), dtype=np.float64) * 1000.0
        values = {
            name: np.asarray(module[name].data[:], dtype=np.float64)
            for name in ("V", "m", "h", "n", "I_Na", "I_K", "I_L", "g_Na", "g_K")
        }
        recording = nwbfile.intracellular_recordings
        stimulus = recording["stimuli"]["stimulus"][0].timeseries
        response = recording["responses"]["response"][0].timeseries
        stimulus_data = np.asarray(stimulus.data[:], dtype=np.float64)
        response_data = np.asarray(response.data[:], dtype=np.float64)
        clamp = response.neurodata_type == "VoltageClampSeries"
    voltage = values["V"] if clamp else response_data  # current clamp: the recorded membrane potential
    columns = {"t_ms": t_ms, "V_mV": voltage * 1000.0, "m": values["m"], "h": values["h"], "n": values["n"]}
    columns["I_stim_uA_cm2"] = np.zeros_like(t_ms) if clamp else stimulus_data / AMPERES_PER_UA_CM2
    for name in ("I_Na", "I_K", "I_L"):
        columns[f"{name}_uA_cm2"] = values[name] / AMPERES_PER_UA_CM2
    for name in ("g_Na", "g_K"):
        columns[f"{name}_mS_cm2"] = values[name] / SIEMENS_PER_MS_CM2
    if clamp:
        columns[CLAMP_COLUMN] = response_data / AMPERES_PER_UA_CM2
    return columns, notes
