"""The named parameters of a single-neuron run, and how they change an experiment.

``hhtui run`` and :func:`hhtui.simulate` share this module, so a flag and the keyword argument of
the same name change an experiment in exactly the same way. A parameter's name is its flag without
the dashes (``--g-na`` is ``g_na``, ``--t-stop`` is ``t_stop``):

- membrane: ``c_m`` (uF/cm^2), ``g_na``, ``g_k``, ``g_l`` (mS/cm^2), ``e_na``, ``e_k``, ``e_l`` (mV),
  ``temperature`` (degrees C);
- stimulus: ``stim`` (the protocol) and ``amp``, ``start``, ``duration``, ``interval``, ``count``,
  ``amp_end``, ``noise_std``, ``bin_width``, ``seed``, ``hold``, ``level`` (currents in uA/cm^2,
  voltages in mV, times in ms), each applying to some protocols only;
- solver: ``dt`` (ms), ``method``, ``sample_every`` (ms); and ``t_stop`` (ms), the length of the run.

:data:`PARAMETERS` lists them with unit, default and help, derived from the model's dataclasses
(defaults are never restated here). Every refusal is a :class:`~hhtui.model.ParameterError` whose
message starts with the parameter as the caller names it (``--amp`` on the command line, ``amp``
in Python) and whose ``parameter`` attribute holds its name.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

from hhtui.model.errors import ParameterError
from hhtui.model.experiment import Experiment
from hhtui.model.membrane import PARAMETER_RANGES, Membrane
from hhtui.model.solver import METHODS, Solver
from hhtui.model.stimulus import (
    Noise,
    NoStimulus,
    Ramp,
    Step,
    Stimulus,
    Train,
    VoltageClamp,
)

__all__ = [
    "CLI_NAMING",
    "MEMBRANE_PARAMETERS",
    "PARAMETERS",
    "PYTHON_NAMING",
    "SOLVER_PARAMETERS",
    "STIMULUS_CHOICES",
    "STIMULUS_PARAMETERS",
    "Naming",
    "Parameter",
    "apply_parameters",
    "apply_stimulus",
    "closest",
    "fresh_stimulus",
    "kind_of",
    "stimulus_end",
]

#: Values of ``stim``; ``pulse`` is a train of one pulse.
STIMULUS_CHOICES = ("none", "step", "pulse", "train", "ramp", "noise", "clamp")

#: Stimulus parameter -> the protocols it applies to.
STIMULUS_PARAMETERS: dict[str, tuple[str, ...]] = {
    "amp": ("step", "pulse", "train", "ramp", "noise"),
    "start": ("step", "pulse", "train", "ramp", "noise", "clamp"),
    "duration": ("step", "pulse", "train", "ramp", "noise", "clamp"),
    "interval": ("train",),
    "count": ("train",),
    "amp_end": ("ramp",),
    "noise_std": ("noise",),
    "seed": ("noise",),
    "bin_width": ("noise",),
    "hold": ("clamp",),
    "level": ("clamp",),
}

#: Field of each protocol that a stimulus parameter sets, by protocol.
FIELD_OF_PARAMETER: dict[str, dict[str, str]] = {
    "step": {"amp": "amplitude", "start": "start", "duration": "duration"},
    "pulse": {"amp": "amplitude", "start": "start", "duration": "width"},
    "train": {"amp": "amplitude", "start": "start", "duration": "width", "interval": "interval", "count": "count"},
    "ramp": {"amp": "amplitude", "amp_end": "amplitude_end", "start": "start", "duration": "duration"},
    "noise": {
        "amp": "mean",
        "noise_std": "std",
        "start": "start",
        "duration": "duration",
        "seed": "seed",
        "bin_width": "bin_width",
    },
    "clamp": {"hold": "hold", "level": "level", "start": "start", "duration": "duration"},
    "none": {},
}

#: Membrane parameters, in the order they are applied (the Membrane field names).
MEMBRANE_PARAMETERS: tuple[str, ...] = tuple(PARAMETER_RANGES)

#: Solver parameters (the Solver field names).
SOLVER_PARAMETERS: tuple[str, ...] = tuple(item.name for item in fields(Solver))


@dataclass(frozen=True)
class Naming:
    """How a front end names a parameter in its messages: ``name("g_na")`` is ``--g-na`` on the
    command line and ``g_na`` in Python; ``setting("stim", "train")`` is ``--stim train`` or
    ``stim='train'``."""

    name: Callable[[str], str]
    setting: Callable[[str, str], str]

    def names(self, parameters: list[str] | tuple[str, ...]) -> str:
        """Several parameters joined with ``/``."""
        return "/".join(self.name(parameter) for parameter in parameters)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


CLI_NAMING = Naming(name=_flag, setting=lambda name, value: f"{_flag(name)} {value}")
PYTHON_NAMING = Naming(name=lambda name: name, setting=lambda name, value: f"{name}={value!r}")


# --------------------------------------------------------------------------------------------
# the table


@dataclass(frozen=True)
class Parameter:
    """One named parameter: its ``group`` (membrane, stimulus, solver, run), ``unit``, ``default``
    (None where it depends on the protocol: see ``help``) and a one-line ``help``."""

    name: str
    group: str
    unit: str
    default: Any
    help: str


def fresh_stimulus(kind: str) -> Stimulus:
    """The protocol ``kind`` (one of :data:`STIMULUS_CHOICES`) with its own defaults."""
    if kind == "pulse":
        return Train(amplitude=20.0, width=1.0, start=5.0, interval=20.0, count=1)
    return {"none": NoStimulus, "step": Step, "train": Train, "ramp": Ramp, "noise": Noise, "clamp": VoltageClamp}[
        kind
    ]()


def _protocol_defaults(parameter: str) -> str:
    """``step 10, pulse 20, ...``: the default of a stimulus parameter in each protocol."""
    parts = []
    for kind in STIMULUS_PARAMETERS[parameter]:
        value = getattr(fresh_stimulus(kind), FIELD_OF_PARAMETER[kind][parameter])
        shown = "sustained" if isinstance(value, float) and math.isinf(value) else f"{value:g}"
        parts.append(f"{kind} {shown}")
    return ", ".join(parts)


_STIMULUS_HELP: dict[str, tuple[str, str]] = {
    "amp": ("uA/cm^2", "amplitude; for a ramp its starting value, for noise its mean"),
    "start": ("ms", "onset"),
    "duration": ("ms", "how long the stimulus lasts (inf: to the end); for a pulse or train each pulse's width"),
    "interval": ("ms", "train: onset to onset"),
    "count": ("", "train: number of pulses"),
    "amp_end": ("uA/cm^2", "ramp: final amplitude"),
    "noise_std": ("uA/cm^2", "noise: standard deviation"),
    "bin_width": ("ms", "noise: a new random value every bin_width ms"),
    "seed": ("", "noise: random seed; the same seed gives the same current"),
    "hold": ("mV", "clamp: holding potential"),
    "level": ("mV", "clamp: command step from start for duration"),
}


def _table() -> tuple[Parameter, ...]:
    membrane = Membrane()
    solver = Solver()
    experiment = Experiment()
    rows = [
        Parameter(
            "stim",
            "stimulus",
            "",
            kind_of(experiment.stimulus),
            f"protocol, one of {', '.join(STIMULUS_CHOICES)}; another protocol starts from its own defaults",
        )
    ]
    for name, (unit, text) in _STIMULUS_HELP.items():
        default = getattr(experiment.stimulus, FIELD_OF_PARAMETER[kind_of(experiment.stimulus)].get(name, ""), None)
        rows.append(Parameter(name, "stimulus", unit, default, f"{text} (default: {_protocol_defaults(name)})"))
    for name, (unit, _low, _high, _inclusive, description) in PARAMETER_RANGES.items():
        rows.append(
            Parameter(name, "membrane", "degrees C" if unit == "C" else unit, getattr(membrane, name), description)
        )
    methods = ", ".join(METHODS)
    rows += [
        Parameter("dt", "solver", "ms", solver.dt, "time step"),
        Parameter("method", "solver", "", solver.method, f"integration method, one of {methods}"),
        Parameter(
            "sample_every",
            "solver",
            "ms",
            solver.sample_every,
            "record one sample every sample_every ms, a whole multiple of dt (None: every step)",
        ),
        Parameter("t_stop", "run", "ms", experiment.t_stop, "duration of the run"),
    ]
    return tuple(rows)


def kind_of(stimulus: Stimulus) -> str:
    """The ``stim`` value of a protocol (a train of one pulse is a ``pulse``)."""
    if isinstance(stimulus, Train) and stimulus.count == 1:
        return "pulse"
    return stimulus.kind


#: Every parameter of a single-neuron run, in order: stimulus, membrane, solver, run.
PARAMETERS: tuple[Parameter, ...] = _table()

#: The parameter names of :data:`PARAMETERS`.
PARAMETER_NAMES: tuple[str, ...] = tuple(parameter.name for parameter in PARAMETERS)


# --------------------------------------------------------------------------------------------
# applying parameters to an experiment

#: How each protocol is named in messages (``{stim_none}`` is filled in by the naming).
_LABELS = {
    "none": "no stimulus ({stim_none})",
    "step": "a step",
    "pulse": "a single pulse",
    "train": "a train",
    "ramp": "a ramp",
    "noise": "noise",
    "clamp": "a voltage clamp",
}


@contextmanager
def _blame(names: str, parameter: str) -> Iterator[None]:
    """A :class:`ParameterError` raised inside, prefixed with ``names`` and tagged with ``parameter``."""
    try:
        yield
    except ParameterError as error:
        raise ParameterError(f"{names}: {error}", parameter=parameter) from None


def apply_stimulus(
    base: Stimulus, stim: str | None, values: Mapping[str, Any], naming: Naming = PYTHON_NAMING
) -> Stimulus:
    """``base`` with the stimulus parameters ``values`` (name -> value, only those given) applied.

    With ``stim`` naming another protocol than ``base``, that protocol starts from its own
    defaults; a pulse and a train are one protocol (a pulse is a train of one), so switching
    between them keeps the amplitude, width and onset. ``interval`` or ``count`` on a single pulse
    makes it a train.
    """
    if stim is not None and stim not in STIMULUS_CHOICES:
        raise ParameterError(
            f"{naming.name('stim')}: unknown protocol {stim!r}; choose one of: {', '.join(STIMULUS_CHOICES)}",
            parameter="stim",
        )
    base_kind = kind_of(base)
    given = [name for name in STIMULUS_PARAMETERS if values.get(name) is not None]
    if stim is not None:
        kind = stim
    elif base_kind == "pulse" and ("interval" in given or "count" in given):
        kind = "train"
    else:
        kind = base_kind
    if kind not in FIELD_OF_PARAMETER:  # a protocol the parameters do not know
        if given:
            raise ParameterError(
                f"{naming.name(given[0])}: the stimulus of the experiment ({kind}: several protocols added "
                f"together) cannot be changed by {'flags' if naming is CLI_NAMING else 'parameters'}; "
                f"replace it with {naming.name('stim')}",
                parameter=given[0],
            )
        return base
    for name in given:
        if kind not in STIMULUS_PARAMETERS[name]:
            allowed = ", ".join(STIMULUS_PARAMETERS[name])
            label = _LABELS[kind].format(stim_none=naming.setting("stim", "none"))
            applies = (
                f"{naming.name('stim')} {allowed}" if naming is CLI_NAMING else f"{naming.name('stim')} in ({allowed})"
            )
            raise ParameterError(
                f"{naming.name(name)} does not apply to {label}; it applies to {applies}", parameter=name
            )
    same_protocol = kind == base_kind or (kind in ("pulse", "train") and base_kind in ("pulse", "train"))
    stimulus = base if same_protocol else fresh_stimulus(kind)
    if not given and not (kind == "pulse" and base_kind == "train"):
        return stimulus
    settings: dict[str, Any] = {item.name: getattr(stimulus, item.name) for item in fields(stimulus)}
    for name in given:
        settings[FIELD_OF_PARAMETER[kind][name]] = values[name]
    if kind == "pulse":
        settings["count"] = 1
        settings["interval"] = settings["width"]
    with _blame(naming.names(given) or naming.name("stim"), given[0] if given else "stim"):
        try:
            return type(stimulus)(**settings)
        except TypeError as error:  # e.g. a seed given as text from Python
            raise ParameterError(str(error)) from None


def apply_parameters(base: Experiment, values: Mapping[str, Any], naming: Naming = PYTHON_NAMING) -> Experiment:
    """``base`` with the named parameters ``values`` applied (a value of None means not given).

    Membrane parameters replace the membrane's, stimulus parameters (and ``stim``) change the
    protocol as :func:`apply_stimulus` does, solver parameters rebuild the solver (keeping the
    experiment's other settings) and ``t_stop`` the duration. Unknown names are refused with the
    closest known one suggested.
    """
    unknown = [name for name in values if name not in PARAMETER_NAMES]
    if unknown:
        name = unknown[0]
        close = closest(name, PARAMETER_NAMES)
        hint = f" (did you mean {naming.name(close)}?)" if close else ""
        raise ParameterError(
            f"{naming.name(name)}: unknown parameter{hint}; known: "
            f"{', '.join(naming.name(known) for known in PARAMETER_NAMES)}",
            parameter=name,
        )
    given = {name: value for name, value in values.items() if value is not None}
    membrane = base.membrane
    for name in MEMBRANE_PARAMETERS:
        if name in given:
            with _blame(naming.name(name), name):
                membrane = membrane.replace(**{name: given[name]})
    stimulus = apply_stimulus(base.stimulus, given.get("stim"), given, naming)
    changes = {name: given[name] for name in SOLVER_PARAMETERS if name in given}
    solver = base.solver
    if changes:
        settings = {"method": solver.method, "dt": solver.dt, "sample_every": solver.sample_every, **changes}
        names = naming.names(list(changes))
        if "dt" in changes and "sample_every" not in changes and solver.sample_every is not None:
            names += " (with the sample interval of the experiment)"
        with _blame(names, next(iter(changes))):
            solver = Solver(**settings)
    t_stop = base.t_stop
    if "t_stop" in given:
        with _blame(naming.name("t_stop"), "t_stop"):
            t_stop = base.replace(t_stop=given["t_stop"]).t_stop
    return base.replace(membrane=membrane, stimulus=stimulus, solver=solver, t_stop=t_stop)


def closest(name: str, known: tuple[str, ...] | list[str]) -> str | None:
    """The known name ``name`` was most likely meant to be (a close spelling, or a known name it
    starts with, as ``amplitude`` for ``amp``), or None."""
    text = str(name).lower().lstrip("-").replace("-", "_")
    close = difflib.get_close_matches(text, known, n=1)
    if close:
        return close[0]
    prefixes = [candidate for candidate in known if text.startswith(candidate) or candidate.startswith(text)]
    return max(prefixes, key=len) if prefixes else None


def stimulus_end(stimulus: Stimulus) -> float:
    """When the protocol ends, ms (inf if it is held to the end, 0 for no stimulus)."""
    if isinstance(stimulus, Train):
        return stimulus.start + (stimulus.count - 1) * stimulus.interval + stimulus.width
    if isinstance(stimulus, (Step, Ramp, Noise, VoltageClamp)):
        return stimulus.start + stimulus.duration
    return 0.0
