"""The Hodgkin-Huxley model: parameters, kinetics, stimuli, integrators, simulation, analysis.

Pure numerics: numpy and numba (scipy lazily for the reference solver); never Textual, never files.

The names below load on first use (PEP 562), so that ``from hhtui.model import Membrane``, the
command line's parser and the app's first frame do not pay for the compiled kernels; the
modules holding numba code (channels, integrators, simulation) load when a run needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "NumericalInstabilityError": "errors",
    "ParameterError": "errors",
    "Membrane": "membrane",
    "nernst_potential": "membrane",
    "temperature_factor": "membrane",
    "CLAMP_COLUMN": "samples",
    "CSV_COLUMNS": "samples",
    "Samples": "samples",
    "Simulation": "simulation",
    "resting_potential": "currents",
    "rest_state": "currents",
    "Combined": "stimulus",
    "NoStimulus": "stimulus",
    "Noise": "stimulus",
    "Pulse": "stimulus",
    "Ramp": "stimulus",
    "Step": "stimulus",
    "Stimulus": "stimulus",
    "Train": "stimulus",
    "VoltageClamp": "stimulus",
    "stimulus_from_dict": "stimulus",
    "DEFAULT_METHOD": "solver",
    "METHOD_DESCRIPTIONS": "solver",
    "METHODS": "solver",
    "Solver": "solver",
    "Experiment": "experiment",
    "Change": "schedule",
    "DEFAULT_MAX_SAMPLES": "recording",
    "Recording": "recording",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
