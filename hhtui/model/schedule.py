"""Timed changes: what happens to an experiment's parameters during the run.

A :class:`Change` sets one parameter to a value at a time ``t`` (ms). A schedule is a sequence of
them, applied in time order (changes at the same time in the order given). A change at ``t`` acts
from ``t`` on: the sample recorded at ``t`` is the state before it, and the solver steps onto
``t`` exactly, wherever the time grid lies.

The parameters a change can set:

- a membrane parameter: ``c_m`` (uF/cm^2), ``g_na``, ``g_k``, ``g_l`` (mS/cm^2), ``e_na``,
  ``e_k``, ``e_l`` (mV), ``temperature`` (degrees C), ``inactivation`` (true or false);
- the solver: ``dt`` (ms), ``method``, ``sample_every`` (ms, or null: every step), or ``solver``,
  an object with all three (for changes that must go together, such as a larger dt with a larger
  sampling interval);
- ``stimulus``: a whole protocol object, as the experiment's ``stimulus`` key holds it (its
  times are absolute: a step from 5 ms set at 60 ms is on at once).

In a JSON file a change is ``{"t_ms": 20, "parameter": "g_na", "value": 0}``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from .errors import ParameterError
from .membrane import Membrane, check_range
from .solver import Solver, check_dt, check_method
from .stimulus import Stimulus, stimulus_from_dict

__all__ = [
    "MEMBRANE_CHANGES",
    "SCHEDULE_PARAMETERS",
    "SOLVER_CHANGES",
    "Change",
    "in_order",
    "check_schedule",
    "schedule_from_list",
]

#: Membrane parameters a change can set (the :class:`Membrane` fields).
MEMBRANE_CHANGES: tuple[str, ...] = tuple(item.name for item in fields(Membrane))
#: Solver parameters a change can set one at a time (the :class:`Solver` fields).
SOLVER_CHANGES: tuple[str, ...] = tuple(item.name for item in fields(Solver))
#: Every parameter a change can set.
SCHEDULE_PARAMETERS: tuple[str, ...] = (*MEMBRANE_CHANGES, *SOLVER_CHANGES, "solver", "stimulus")

#: Keys of a change in a JSON file.
_KEYS = ("t_ms", "parameter", "value")

#: Latest time a change may have, ms (the longest run an experiment takes).
MAX_CHANGE_TIME = 1.0e7


@dataclass(frozen=True)
class Change:
    """Set ``parameter`` to ``value`` at ``t`` ms.

    ``value`` is a number (a membrane parameter, ``dt``, ``sample_every``), text (``method``),
    true/false (``inactivation``), None (``sample_every``: every step), a :class:`Solver`
    (``solver``) or a :class:`Stimulus` (``stimulus``). The parameter's name is checked here; the
    value is checked against the parameters in force when the change is applied
    (:func:`check_schedule` does it for a whole experiment).
    """

    t: float
    parameter: str
    value: Any

    def __post_init__(self) -> None:
        t = self.t
        if isinstance(t, bool) or not isinstance(t, (int, float)):
            raise ParameterError(f"t_ms must be a number of ms, got {t!r}", parameter="t_ms")
        if not math.isfinite(t) or not 0.0 <= t <= MAX_CHANGE_TIME:
            raise ParameterError(
                f"t_ms = {t!r} ms is out of range: allowed [0, {MAX_CHANGE_TIME:g}] ms", parameter="t_ms"
            )
        object.__setattr__(self, "t", float(t))
        if not isinstance(self.parameter, str):
            raise ParameterError(f"parameter must be a name, got {self.parameter!r}", parameter="parameter")
        if self.parameter not in SCHEDULE_PARAMETERS:
            close = difflib.get_close_matches(self.parameter.lower(), SCHEDULE_PARAMETERS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ParameterError(
                f"unknown parameter {self.parameter!r}{hint}; known: {', '.join(SCHEDULE_PARAMETERS)}",
                parameter="parameter",
            )
        object.__setattr__(self, "value", _checked_value(self.parameter, self.value))

    def to_dict(self) -> dict[str, Any]:
        """``{"t_ms": ..., "parameter": ..., "value": ...}``, ready for JSON."""
        value = self.value
        if isinstance(value, Stimulus):
            value = value.to_dict()
        elif isinstance(value, Solver):
            value = {"method": value.method, "dt": value.dt, "sample_every": value.sample_every}
        return {"t_ms": self.t, "parameter": self.parameter, "value": value}

    @classmethod
    def from_dict(cls, data: Any) -> Change:
        """Read ``{"t_ms": ..., "parameter": ..., "value": ...}``; other keys are refused."""
        if not isinstance(data, dict):
            raise ParameterError(
                f"a change must be an object with t_ms, parameter and value, got {type(data).__name__}"
            )
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise ParameterError(f"unknown key(s) {', '.join(unknown)}; a change has t_ms, parameter and value")
        missing = [key for key in _KEYS if key not in data]
        if missing:
            raise ParameterError(f"missing {', '.join(missing)}; a change has t_ms, parameter and value")
        return cls(data["t_ms"], data["parameter"], data["value"])

    def describe(self) -> str:
        """One line for people: ``g_na = 0 at 20 ms``."""
        value = self.value
        if isinstance(value, Stimulus):
            shown = f"a {value.kind} protocol"
        elif isinstance(value, Solver):
            shown = f"{value.method}, dt {value.dt:g} ms"
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{self.parameter} = {shown} at {self.t:g} ms"


def _checked_value(name: str, value: Any) -> Any:
    """``value`` checked on its own (its range, its type) and in its canonical form."""
    if name == "stimulus":
        return value if isinstance(value, Stimulus) else stimulus_from_dict(value)
    if name == "solver":
        return value if isinstance(value, Solver) else _solver_from(value)
    if name in MEMBRANE_CHANGES:
        return getattr(Membrane().replace(**{name: value}), name)
    if name == "method":
        return check_method(value)
    if name == "dt":
        return check_dt(value)
    if value is None:  # sample_every: every step
        return None
    return check_range("sample_every", value, "ms", 0.0, MAX_CHANGE_TIME, low_inclusive=False)


def _solver_from(value: Any) -> Solver:
    if not isinstance(value, dict):
        raise ParameterError(f"solver must be an object with method, dt and sample_every, got {type(value).__name__}")
    unknown = sorted(set(value) - set(SOLVER_CHANGES))
    if unknown:
        raise ParameterError(f"unknown key(s) in solver: {', '.join(unknown)}; known: dt, method, sample_every")
    try:
        return Solver(**value)
    except TypeError as error:
        raise ParameterError(f"solver: {error}") from None


def schedule_from_list(data: Any) -> tuple[Change, ...]:
    """The changes of a JSON list (as :meth:`Change.to_dict` writes them), in the order given;
    a bad entry is refused naming its place, ``schedule[2]: ...``."""
    if not isinstance(data, list):
        raise ParameterError(f"schedule must be a list of changes, got {type(data).__name__}")
    changes = []
    for index, entry in enumerate(data):
        try:
            changes.append(Change.from_dict(entry))
        except ParameterError as error:
            raise ParameterError(f"schedule[{index}]: {error}", parameter="schedule") from None
        except TypeError as error:
            raise ParameterError(f"schedule[{index}]: {error}", parameter="schedule") from None
    return tuple(changes)


def in_order(changes: Iterable[Change]) -> list[Change]:
    """``changes`` sorted by time; those at the same time keep their order."""
    return sorted(changes, key=lambda change: change.t)


def apply(change: Change, membrane: Membrane, stimulus: Stimulus, solver: Solver) -> tuple[Membrane, Stimulus, Solver]:
    """The parameters after ``change`` (validated; :class:`ParameterError` naming the parameter)."""
    name, value = change.parameter, change.value
    if name in MEMBRANE_CHANGES:
        return membrane.replace(**{name: value}), stimulus, solver
    if name == "stimulus":
        if value.population not in (1, stimulus.population):
            raise ParameterError(
                f"stimulus: the protocol describes {value.population} neurons but the experiment {stimulus.population}"
            )
        return membrane, value, solver
    if name == "solver":
        return membrane, stimulus, value
    settings = {"method": solver.method, "dt": solver.dt, "sample_every": solver.sample_every, name: value}
    try:
        return membrane, stimulus, Solver(**settings)
    except TypeError as error:
        raise ParameterError(f"{name}: {error}") from None


def check_schedule(
    changes: Sequence[Change], membrane: Membrane, stimulus: Stimulus, solver: Solver, t_stop: float | None = None
) -> None:
    """Apply ``changes`` in time order to the starting parameters, refusing the first one that
    does not apply (a value out of range, a sampling interval that is no multiple of the new dt,
    a change after ``t_stop``) with :class:`ParameterError` ``schedule[i] (g_na at 20 ms): ...``,
    ``i`` its place in ``changes``."""
    order = sorted(range(len(changes)), key=lambda i: changes[i].t)
    for index in order:
        change = changes[index]
        where = f"schedule[{index}] ({change.parameter} at {change.t:g} ms)"
        if t_stop is not None and change.t > t_stop + 1e-9 * max(1.0, t_stop):
            raise ParameterError(
                f"{where}: t_ms = {change.t:g} ms is out of range: allowed [0, {t_stop:g}] ms (the run's t_stop)",
                parameter="schedule",
            )
        try:
            membrane, stimulus, solver = apply(change, membrane, stimulus, solver)
        except ParameterError as error:
            raise ParameterError(f"{where}: {error}", parameter="schedule") from None
