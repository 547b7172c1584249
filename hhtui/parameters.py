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
from hhtui.model.experiment import MAX_T_STOP, Experiment
from hhtui.model.membrane import PARAMETER_RANGES, Membrane, shown
from hhtui.model.solver import DT_RANGE, MAX_SAMPLE_EVERY, METHODS, Solver
from hhtui.model.stimulus import (
    BIN_WIDTH_RANGE,
    CLAMP_RANGE,
    MAX_CURRENT,
    MAX_PULSES,
    MAX_TIME,
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
    """One named parameter: its ``group`` (membrane, stimulus, solver, run, cable, network, sweep,
    app), ``unit``, ``default`` (None where it depends on the protocol: see ``help``), a one-line
    ``help``, and what values it takes: a number in ``[low, high]`` (each end open where its
    ``*_inclusive`` is False; ``whole`` for whole numbers, ``endless`` to accept ``inf``), one
    of ``choices``, or any ``text``.

    ``flag`` is its command-line flag when that is not ``--name``; ``key`` the field of the
    settings object (and of the sidecar and config files) it sets, when that is not ``name``;
    ``label`` a short name for a narrow input (the app's panel).
    """

    name: str
    group: str
    unit: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    choices: tuple[str, ...] = ()
    whole: bool = False
    endless: bool = False
    text: bool = False
    flag: str = ""
    key: str = ""
    label: str = ""

    @property
    def cli_flag(self) -> str:
        """The command-line flag (``--g-na``)."""
        return self.flag or _flag(self.name)

    @property
    def field(self) -> str:
        """The name of the settings field (and sidecar key) it sets."""
        return self.key or self.name

    @property
    def allowed(self) -> str:
        """The values it takes, in words: ``in (0, 1e+07] ms``, ``>= 1``, ``one of cn, be``."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        if self.text:
            return "any text"
        unit = f" {self.unit}" if self.unit else ""
        if self.low is not None and self.high is not None:
            left = "[" if self.low_inclusive else "("
            right = "]" if self.high_inclusive else ")"
            low, high = (f"{int(self.low)}", f"{int(self.high)}") if self.whole else (f"{self.low:g}", f"{self.high:g}")
            if self.whole and self.high >= 2**63 - 1:
                high, right = "2^63", ")"
            return f"in {left}{low}, {high}{right}{unit}"
        if self.low is not None:
            return f"{'>=' if self.low_inclusive else '>'} {self.low:g}{unit}"
        return f"in{unit}" if unit else "a number"

    @property
    def shown_default(self) -> str:
        """The default as a person reads it (``sustained`` for an endless duration)."""
        value = self.default
        if isinstance(value, float) and math.isinf(value):
            return "sustained (inf)" if self.endless else "inf"
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, tuple):  # a size: 800x450
            return "x".join(str(item) for item in value)
        return str(value)

    def parse(self, text: str) -> Any:
        """The value of ``text`` as typed by a person; :class:`ParameterError` (tagged with the
        name) saying what is allowed when it is not a value of this parameter."""
        raw = str(text)
        if self.text:
            return raw
        if self.choices:
            if raw in self.choices:
                return raw
            raise ParameterError(f"must be {self.allowed}, got {raw[:40]!r}", parameter=self.name)
        if self.endless and raw.strip().lower() in ("inf", "infinite", "infinity", "+inf"):
            return math.inf
        if self.whole:
            try:
                value: float = int(raw.strip(), 10)
            except ValueError:
                raise ParameterError(
                    f"must be a whole number {self.allowed}, got {raw[:40]!r}", parameter=self.name
                ) from None
        else:
            try:
                value = float(raw)
            except ValueError:
                raise ParameterError(
                    f"must be a number {self.allowed}, got {raw[:40]!r}", parameter=self.name
                ) from None
        if not self.accepts(value):
            kind = "a whole number" if self.whole else "a number"
            raise ParameterError(f"must be {kind} {self.allowed}, got {raw[:40]!r}", parameter=self.name)
        return value

    def accepts(self, value: float) -> bool:
        """Whether the number ``value`` is in the range (finite, or inf where ``endless``)."""
        try:
            finite = math.isfinite(value)
        except OverflowError:  # a whole number beyond the float range
            return False
        if not finite:
            return bool(self.endless and value == math.inf)
        if self.low is not None and (value < self.low if self.low_inclusive else value <= self.low):
            return False
        return not (self.high is not None and (value > self.high if self.high_inclusive else value >= self.high))

    def describe(self) -> str:
        """The help of a flag: what it is, its unit and default (``help, unit (default: ...)``)."""
        text, sep, tail = self.help.partition(" (default: ")
        if self.unit:
            text = f"{text}, {self.unit}"
        if sep:
            return f"{text}{sep}{tail}"
        if self.default is None:
            return text
        return f"{text} (default: {self.shown_default})"


#: Pulses of a train when ``stim`` becomes ``train`` (a single pulse is ``pulse``), and their
#: interval (ms): each pulse fires a spike, and the train ends within the default run.
TRAIN_COUNT = 4
TRAIN_INTERVAL = 12.0


def fresh_stimulus(kind: str) -> Stimulus:
    """The protocol ``kind`` (one of :data:`STIMULUS_CHOICES`) with its own defaults: those of its
    class, and a train of :data:`TRAIN_COUNT` pulses every :data:`TRAIN_INTERVAL` ms (a ``pulse``
    is a train of one)."""
    if kind == "pulse":
        return Train(count=1)
    if kind == "train":
        return Train(count=TRAIN_COUNT, interval=TRAIN_INTERVAL)
    return {"none": NoStimulus, "step": Step, "ramp": Ramp, "noise": Noise, "clamp": VoltageClamp}[kind]()


def _protocol_defaults(parameter: str) -> str:
    """``step 10, pulse 20, ...``: the default of a stimulus parameter in each protocol."""
    parts = []
    for kind in STIMULUS_PARAMETERS[parameter]:
        value = getattr(fresh_stimulus(kind), FIELD_OF_PARAMETER[kind][parameter])
        shown = "sustained" if isinstance(value, float) and math.isinf(value) else f"{value:g}"
        parts.append(f"{kind} {shown}")
    return ", ".join(parts)


#: Stimulus parameters: unit, help, and the range of values (low, high, low included, whole, endless).
_STIMULUS_ROWS: dict[str, tuple[str, str, float, float, bool, bool, bool, str]] = {
    "amp": (
        "uA/cm^2",
        "amplitude; for a ramp its starting value, for noise its mean",
        -MAX_CURRENT,
        MAX_CURRENT,
        True,
        False,
        False,
        "I ",
    ),
    "start": ("ms", "onset", 0.0, MAX_TIME, True, False, False, "start"),
    "duration": (
        "ms",
        "how long the stimulus lasts (inf: to the end); for a pulse or train each pulse's width",
        0.0,
        MAX_TIME,
        True,
        False,
        True,
        "duration",
    ),
    "interval": ("ms", "train: onset to onset", 0.0, MAX_TIME, False, False, False, "interval"),
    "count": ("", "train: number of pulses", 1, MAX_PULSES, True, True, False, "count"),
    "amp_end": ("uA/cm^2", "ramp: final amplitude", -MAX_CURRENT, MAX_CURRENT, True, False, False, "I end"),
    "noise_std": ("uA/cm^2", "noise: standard deviation", 0.0, MAX_CURRENT, True, False, False, "sd"),
    "bin_width": ("ms", "noise: time between two random values", *BIN_WIDTH_RANGE, True, False, False, "bin"),
    "seed": ("", "noise: random seed; the same seed gives the same current", 0, 2**63 - 1, True, True, False, "seed"),
    "hold": ("mV", "clamp: holding potential", *CLAMP_RANGE, True, False, False, "hold"),
    "level": ("mV", "clamp: command step from start for duration", *CLAMP_RANGE, True, False, False, "level"),
}

#: Short names of the membrane parameters, for a narrow input.
_MEMBRANE_LABELS = {
    "c_m": "C_m",
    "g_na": "g_Na",
    "g_k": "g_K",
    "g_l": "g_L",
    "e_na": "E_Na",
    "e_k": "E_K",
    "e_l": "E_L",
    "temperature": "T ",
}


def membrane_rows(membrane: Membrane, group: str = "membrane") -> list[Parameter]:
    """The membrane parameters with the values of ``membrane`` as their defaults."""
    rows = []
    for name, (unit, low, high, low_inclusive, description) in PARAMETER_RANGES.items():
        rows.append(
            Parameter(
                name,
                group,
                "degrees C" if unit == "C" else unit,
                getattr(membrane, name),
                description,
                low=low,
                high=high,
                low_inclusive=low_inclusive,
                label=_MEMBRANE_LABELS[name],
            )
        )
    return rows


def _table() -> tuple[Parameter, ...]:
    solver = Solver()
    experiment = Experiment()
    rows = [
        Parameter(
            "stim",
            "stimulus",
            "",
            kind_of(experiment.stimulus),
            f"protocol, one of {', '.join(STIMULUS_CHOICES)}; another protocol starts from its own defaults",
            choices=STIMULUS_CHOICES,
            label="type",
        )
    ]
    for name, (unit, text, low, high, low_inclusive, whole, endless, label) in _STIMULUS_ROWS.items():
        default = getattr(experiment.stimulus, FIELD_OF_PARAMETER[kind_of(experiment.stimulus)].get(name, ""), None)
        rows.append(
            Parameter(
                name,
                "stimulus",
                unit,
                default,
                f"{text} (default: {_protocol_defaults(name)})",
                low=low,
                high=high,
                low_inclusive=low_inclusive,
                whole=whole,
                endless=endless,
                label=label,
            )
        )
    rows += membrane_rows(Membrane())
    methods = ", ".join(METHODS)
    rows += [
        Parameter("dt", "solver", "ms", solver.dt, "time step", low=DT_RANGE[0], high=DT_RANGE[1], label="dt"),
        Parameter(
            "method", "solver", "", solver.method, f"integration method, one of {methods}", choices=tuple(METHODS)
        ),
        Parameter(
            "sample_every",
            "solver",
            "ms",
            solver.sample_every,
            "time between two recorded samples, a whole multiple of dt (default: every step)",
            low=0.0,
            high=MAX_SAMPLE_EVERY,
            low_inclusive=False,
        ),
        Parameter(
            "t_stop",
            "run",
            "ms",
            experiment.t_stop,
            "duration of the run",
            low=0.0,
            high=MAX_T_STOP,
            low_inclusive=False,
        ),
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
    if stim is not None and (not isinstance(stim, str) or stim not in STIMULUS_CHOICES):
        raise ParameterError(
            f"{naming.name('stim')}: unknown protocol {shown(stim)}; choose one of: {', '.join(STIMULUS_CHOICES)}",
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


# --------------------------------------------------------------------------------------------
# the other commands: the cable, the network, the sweep and the app


def _ranged(
    name: str, ranges: Mapping[str, tuple[str, float, float, bool]], default: Any, text: str, **more: Any
) -> Parameter:
    unit, low, high, low_inclusive = ranges[name]
    group = more.pop("group")
    return Parameter(name, group, unit, default, text, low=low, high=high, low_inclusive=low_inclusive, **more)


def _cable_table() -> tuple[Parameter, ...]:
    from hhtui.model.cable import CABLE_METHODS, CABLE_RANGES, MAX_COMPARTMENT_UM, MAX_NSEG, STIM_ENDS, CableSettings

    cable = CableSettings()
    group = {"group": "cable"}

    def row(name: str, text: str, **more: Any) -> Parameter:
        return _ranged(name, CABLE_RANGES, getattr(cable, name), text, **group, **more)

    return (
        row("length_cm", "cable length", flag="--length-cm"),
        row("diameter_um", "axon diameter (476: the squid giant axon)", flag="--diameter-um"),
        row("ra_ohm_cm", "axial resistivity", flag="--ra"),
        Parameter("nseg", "cable", "", cable.nseg, "number of compartments", low=4, high=MAX_NSEG, whole=True),
        Parameter(
            "dx_um",
            "cable",
            "um",
            None,
            "compartment length, instead of --nseg (default: none, --nseg sets it)",
            low=0.0,
            high=MAX_COMPARTMENT_UM,
            low_inclusive=False,
        ),
        row("dt", "time step"),
        row("t_stop", "duration of the run"),
        Parameter(
            "method",
            "cable",
            "",
            cable.method,
            "voltage step: cn = Crank-Nicolson, be = backward Euler",
            choices=tuple(CABLE_METHODS),
        ),
        Parameter(
            "stim_end",
            "cable",
            "",
            cable.stim_end,
            "stimulate the left end, or both ends at once (the two waves collide)",
            choices=STIM_ENDS,
        ),
        row(
            "stim_amp_nA",
            "stimulus current into each stimulated end compartment, a total current (not a density); "
            "threshold about 3600 at the defaults",
            flag="--amp",
        ),
        row("stim_duration", "stimulus duration"),
        row("stim_delay", "stimulus onset"),
        row("sample_every", "time between recorded columns of V(x, t) (CSV rows)"),
        *membrane_rows(cable.membrane, "cable"),
        Parameter(
            "positions",
            "cable",
            "",
            50,
            "at most this many position columns in the CSV (evenly spread, both ends included)",
            low=1,
            high=MAX_NSEG,
            whole=True,
        ),
    )


def _network_table() -> tuple[Parameter, ...]:
    from hhtui.model.network import MAX_NEURONS, NETWORK_METHODS, NETWORK_RANGES, NetworkSettings

    network = NetworkSettings()
    group = {"group": "network"}

    def row(name: str, text: str, **more: Any) -> Parameter:
        return _ranged(name, NETWORK_RANGES, getattr(network, name), text, **group, **more)

    return (
        Parameter(
            "topology",
            "network",
            "",
            network.topology,
            "connection rule: ring, chain, all (every ordered pair) or random",
            choices=("ring", "chain", "all", "random"),
        ),
        Parameter("n", "network", "", network.n, "number of neurons", low=1, high=MAX_NEURONS, whole=True),
        row("p", "connection probability of --topology random"),
        Parameter(
            "seed", "network", "", network.seed, "random seed of --topology random", low=0, high=2**63 - 1, whole=True
        ),
        row("weight", "synaptic weight (conductance jump per spike)"),
        row("delay", "synaptic delay"),
        row("tau", "synaptic decay time constant"),
        row("e_syn", "synaptic reversal potential (0: excitatory, -80: inhibitory)"),
        row("kick_amp", "amplitude of the kick to neuron 0", flag="--kick"),
        row("kick_duration", "duration of the kick"),
        row("kick_at", "onset of the kick"),
        row("dt", "time step"),
        row("t_stop", "duration of the run"),
        Parameter(
            "method", "network", "", network.method, "integration method of each neuron", choices=NETWORK_METHODS
        ),
        *membrane_rows(network.membrane, "network"),
    )


def _sweep_table() -> tuple[Parameter, ...]:
    solver = Solver()
    return (
        Parameter(
            "t_stop",
            "sweep",
            "ms",
            500.0,
            "duration of each run (each step with --hysteresis)",
            low=0.0,
            high=MAX_T_STOP,
            low_inclusive=False,
            key="t_stop_ms",
        ),
        Parameter(
            "transient",
            "sweep",
            "ms",
            100.0,
            "spikes before this time are not counted; must be below --t-stop",
            low=0.0,
            high=MAX_T_STOP,
            key="transient_ms",
        ),
        Parameter(
            "threshold",
            "sweep",
            "mV",
            0.0,
            "spike detection level, upward crossings",
            low=-300.0,
            high=300.0,
            key="threshold_mV",
        ),
        Parameter(
            "min_spikes",
            "sweep",
            "",
            2,
            "spikes after the transient that count as repetitive firing, for the onset",
            low=1,
            whole=True,
        ),
        Parameter("dt", "sweep", "ms", solver.dt, "time step", low=DT_RANGE[0], high=DT_RANGE[1]),
        Parameter(
            "method",
            "sweep",
            "",
            solver.method,
            f"integration method (a fixed-step one), one of {', '.join(m for m in METHODS if m != 'scipy')}",
            choices=tuple(METHODS),
        ),
        *membrane_rows(Membrane(), "sweep"),
    )


def _app_table() -> tuple[Parameter, ...]:
    from hhtui.tui.settings import DEFAULT_SPEED, DEFAULT_WINDOW_MS, SPEED_RANGE, WINDOW_RANGE

    return (
        Parameter(
            "speed",
            "app",
            "ms/s",
            DEFAULT_SPEED,
            "simulated ms per real second ([ and ] halve and double)",
            low=SPEED_RANGE[0],
            high=SPEED_RANGE[1],
            label="speed",
        ),
        Parameter(
            "window",
            "app",
            "ms",
            DEFAULT_WINDOW_MS,
            "time shown in the plots (< and > halve and double)",
            low=WINDOW_RANGE[0],
            high=WINDOW_RANGE[1],
            label="window",
        ),
        Parameter(
            "axon_t_stop",
            "app",
            "ms",
            10.0,
            f"length of the axon screen's run: longer than that of 'hhtui axon' "
            f"({parameter('axon', 't_stop').default:g} ms), so the wave still crosses the cable when the screen's "
            "- key cools it to 6.3 C and below; the cable itself is that of 'hhtui axon' (its compartments, "
            "time step and sampling)",
            low=0.0,
            high=parameter("axon", "t_stop").high,
            low_inclusive=False,
        ),
    )


#: Size of an animation with the gates drawn too (``hhtui animate --gates``), pixels: taller than
#: the default ``size`` of the ``animate`` table, for the second plot.
ANIMATE_GATES_SIZE = (800, 600)


def _animate_table() -> tuple[Parameter, ...]:
    size = (800, 450)
    return (
        Parameter("fps", "animate", "", 20.0, "frames per second", low=1.0, high=50.0),
        Parameter(
            "seconds",
            "animate",
            "s",
            6.0,
            "length of the animation before the last frame is held",
            low=0.0,
            high=60.0,
            low_inclusive=False,
        ),
        Parameter(
            "size",
            "animate",
            "",
            size,
            f"size in pixels, WIDTHxHEIGHT (default: {size[0]}x{size[1]}, or "
            f"{ANIMATE_GATES_SIZE[0]}x{ANIMATE_GATES_SIZE[1]} with --gates)",
        ),
    )


def _record_table() -> tuple[Parameter, ...]:
    return (
        Parameter(
            "keys",
            "record",
            "",
            "",
            "keys to type: comma-separated KEY or TIME:KEY (TIME in s from the start); see above (default: none)",
            text=True,
        ),
        Parameter(
            "seconds",
            "record",
            "s",
            10.0,
            "length of the recording once the app is ready",
            low=0.0,
            high=600.0,
            low_inclusive=False,
        ),
        Parameter("size", "record", "", (100, 30), "terminal size in character cells, COLUMNSxROWS"),
    )


def _serve_table() -> tuple[Parameter, ...]:
    host = "127.0.0.1"
    return (
        Parameter(
            "host",
            "serve",
            "",
            host,
            f"address to listen on (default: {host}, this machine only); any other address lets everyone who can "
            "reach it run the app",
            text=True,
        ),
        Parameter("port", "serve", "", 8000, "TCP port", low=1, high=65535, whole=True),
    )


def _plot_table() -> tuple[Parameter, ...]:
    width, height = 80, 24
    return (
        Parameter(
            "width",
            "plot",
            "",
            width,
            f"plot width in characters (default: the terminal's, {width} when not a terminal)",
            low=30,
            high=1000,
            whole=True,
        ),
        Parameter(
            "height",
            "plot",
            "",
            height,
            f"plot height in lines (default: the terminal's less one, {height} when not a terminal)",
            low=8,
            high=500,
            whole=True,
        ),
    )


def _chart_table() -> tuple[Parameter, ...]:
    return (
        Parameter("width", "chart", "columns", 100, "width of a run's text chart", low=20, high=1000, whole=True),
        Parameter("height", "chart", "lines", 24, "height of a run's text chart", low=8, high=500, whole=True),
    )


_TABLES: dict[str, Callable[[], tuple[Parameter, ...]]] = {
    "run": lambda: PARAMETERS,
    "axon": _cable_table,
    "network": _network_table,
    "sweep": _sweep_table,
    "app": _app_table,
    "animate": _animate_table,
    "record": _record_table,
    "serve": _serve_table,
    "plot": _plot_table,
    "chart": _chart_table,
}
_BUILT: dict[str, tuple[Parameter, ...]] = {}


def table(command: str) -> tuple[Parameter, ...]:
    """The parameters of ``command``: ``run`` (one neuron: ``hhtui run``, the Python API and the
    app's panel), ``axon``, ``network``, ``sweep``, ``app`` (the live app's run settings), or the
    demos and views: ``animate``, ``record``, ``serve``, ``plot`` and ``chart`` (the text chart of
    a run from Python)."""
    if command not in _BUILT:
        _BUILT[command] = _TABLES[command]()
    return _BUILT[command]


def parameter(command: str, name: str) -> Parameter:
    """The parameter ``name`` of ``command`` (see :func:`table`); KeyError if it has none."""
    for row in table(command):
        if row.name == name:
            return row
    raise KeyError(f"{command} has no parameter {name!r}")


def _ms(value: float) -> str:
    return "sustained" if math.isinf(value) else f"{value:g} ms"


def protocol_text(kind: str) -> str:
    """The defaults of the protocol ``kind`` in words (``10 uA/cm^2 from 5 ms, sustained``)."""
    stimulus: Any = fresh_stimulus(kind)
    if kind == "none":
        return "no current"
    if kind == "step":
        return f"{stimulus.amplitude:g} uA/cm^2 from {stimulus.start:g} ms, {_ms(stimulus.duration)}"
    if kind == "pulse":
        return f"{stimulus.amplitude:g} uA/cm^2 from {stimulus.start:g} ms for {stimulus.width:g} ms"
    if kind == "train":
        return (
            f"{stimulus.count} pulses of {stimulus.amplitude:g} uA/cm^2, {stimulus.width:g} ms wide, from "
            f"{stimulus.start:g} ms every {stimulus.interval:g} ms"
        )
    if kind == "ramp":
        return (
            f"{stimulus.amplitude:g} -> {stimulus.amplitude_end:g} uA/cm^2 from {stimulus.start:g} ms over "
            f"{_ms(stimulus.duration)}"
        )
    if kind == "noise":
        return (
            f"{stimulus.mean:g} +/- {stimulus.std:g} uA/cm^2 from {stimulus.start:g} ms, {_ms(stimulus.duration)}, "
            f"a new value every {stimulus.bin_width:g} ms, seed {stimulus.seed}"
        )
    return f"from {stimulus.hold:g} mV to {stimulus.level:g} mV at {stimulus.start:g} ms for {_ms(stimulus.duration)}"
