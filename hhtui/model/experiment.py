"""An experiment as plain data: membrane + stimulus protocol + solver settings + duration, and
the timed changes made during the run (its schedule, see :mod:`hhtui.model.schedule`).

It is what presets are, what the JSON sidecar of an export holds, and what
``hhtui run --config FILE.json`` loads. Loading is strict: unknown keys, wrong types and
out-of-range values are refused with a message naming the key; nothing is ever evaluated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .errors import ParameterError
from .membrane import Membrane, check_range
from .samples import Samples
from .schedule import Change, check_schedule, schedule_from_list
from .solver import Solver
from .stimulus import Step, Stimulus, stimulus_from_dict

if TYPE_CHECKING:
    from .simulation import Simulation

MAX_T_STOP = 1.0e7  # ms: about 2.8 simulated hours


def check_text(name: str, value: Any) -> str:
    """``value`` if it is text that can be written out (UTF-8), else :class:`ParameterError`
    naming ``name``: JSON can hold a lone surrogate (``"\\udc80"``), which is no character."""
    if not isinstance(value, str):
        raise ParameterError(f"{name} must be text, got {value!r}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = value[error.start]
        raise ParameterError(
            f"{name} must be valid text; it holds a lone surrogate {bad!r} "
            f"(character {error.start + 1}), which is not a character"
        ) from None
    return value


@dataclass(frozen=True)
class Experiment:
    """A complete, reproducible run description.

    Attributes:
        membrane: membrane parameters.
        stimulus: current-clamp protocol or voltage clamp.
        solver: method, dt (ms), sampling interval (ms).
        t_stop: duration of the run in ms.
        name: short identifier (presets use it: ``hhtui run --preset NAME``).
        title: one-line title shown to the user.
        description: a paragraph explaining what to look for.
        view: the plot the app opens on for this experiment (e.g. ``voltage``, ``currents``).
        schedule: timed changes of the parameters during the run (:class:`Change`, t in ms),
            applied in time order; the membrane, stimulus and solver above are those at t = 0.
    """

    membrane: Membrane = field(default_factory=Membrane)
    stimulus: Stimulus = field(default_factory=lambda: Step(amplitude=10.0, start=5.0))
    solver: Solver = field(default_factory=Solver)
    t_stop: float = 50.0
    name: str = "custom"
    title: str = ""
    description: str = ""
    view: str = "voltage"
    schedule: tuple[Change, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "t_stop", check_range("t_stop", self.t_stop, "ms", 0.0, MAX_T_STOP, low_inclusive=False)
        )
        for name in ("name", "title", "description", "view"):
            check_text(name, getattr(self, name))
        if not isinstance(self.schedule, (tuple, list)) or not all(isinstance(c, Change) for c in self.schedule):
            raise ParameterError("schedule must be a sequence of Change objects", parameter="schedule")
        object.__setattr__(self, "schedule", tuple(self.schedule))
        check_schedule(self.schedule, self.membrane, self.stimulus, self.solver)

    def replace(self, **changes: Any) -> Experiment:
        """A copy with some fields changed (validated)."""
        return replace(self, **changes)

    @property
    def n_samples(self) -> int:
        """Number of rows a full recording of the run has (including t = 0)."""
        return int(math.floor(self.t_stop / self.solver.record_interval + 1e-6)) + 1

    def simulation(self, population: int | None = None) -> Simulation:
        """A fresh :class:`Simulation` at rest for this experiment."""
        from .simulation import Simulation  # the compiled kernels load only when a run needs them

        return Simulation(
            self.membrane,
            self.stimulus,
            dt=self.solver.dt,
            method=self.solver.method,
            sample_every=self.solver.sample_every,
            population=population,
            schedule=self.schedule,
        )

    def run(self) -> Samples:
        """Run from rest to ``t_stop``: the t = 0 sample followed by every recorded sample."""
        return self.simulation().advance(self.t_stop, include_start=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (``from_dict`` reads it back to an equal experiment); the
        ``schedule`` key is there only when the experiment has timed changes."""
        data: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "view": self.view,
            "t_stop": self.t_stop,
            "membrane": self.membrane.to_dict(),
            "stimulus": self.stimulus.to_dict(),
            "solver": {"method": self.solver.method, "dt": self.solver.dt, "sample_every": self.solver.sample_every},
        }
        if self.schedule:
            data["schedule"] = [change.to_dict() for change in self.schedule]
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Experiment:
        """Build from a dictionary as :meth:`to_dict` gives, or from a whole export sidecar
        (``{"program": "hhtui", "experiment": {...}}``). Missing keys take their defaults."""
        if isinstance(data, dict) and "experiment" in data and "program" in data:
            data = data["experiment"]
        if not isinstance(data, dict):
            raise ParameterError(f"an experiment must be a JSON object, got {type(data).__name__}")
        known = {"name", "title", "description", "view", "t_stop", "membrane", "stimulus", "solver", "schedule"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParameterError(
                f"unknown key(s) in experiment: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        kwargs: dict[str, Any] = {k: data[k] for k in ("name", "title", "description", "view", "t_stop") if k in data}
        try:
            if "membrane" in data:
                kwargs["membrane"] = Membrane.from_dict(data["membrane"])
            if "stimulus" in data:
                kwargs["stimulus"] = stimulus_from_dict(data["stimulus"])
            if "solver" in data:
                solver = data["solver"]
                if not isinstance(solver, dict):
                    raise ParameterError(f"solver must be an object, got {type(solver).__name__}")
                unknown = sorted(set(solver) - {"method", "dt", "sample_every"})
                if unknown:
                    raise ParameterError(
                        f"unknown key(s) in solver: {', '.join(unknown)}; known: dt, method, sample_every"
                    )
                kwargs["solver"] = Solver(**solver)
        except TypeError as error:  # e.g. a count given as text reaching a constructor
            raise ParameterError(f"invalid experiment: {error}") from None
        if "schedule" not in data:
            return cls(**kwargs)
        schedule = schedule_from_list(data["schedule"])
        start = cls(**kwargs)
        check_schedule(schedule, start.membrane, start.stimulus, start.solver, t_stop=start.t_stop)
        return start.replace(schedule=schedule)
