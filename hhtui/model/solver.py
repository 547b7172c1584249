"""Solver settings: the integration methods, the time step and the sampling interval.

Light on purpose (no compiled kernels): the command line and the app validate settings with
it before any simulation loads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

from .errors import ParameterError
from .membrane import check_range, shown

#: Kernel codes of the fixed-step methods: each selects its branch of the compiled step
#: (:func:`hhtui.model.integrators.step`); REFERENCE marks a method that is not a fixed-step one.
EULER, RK4, EXPEULER = 0, 1, 2
REFERENCE = -1


@dataclass(frozen=True)
class Method:
    """An integration method: its ``name`` (as typed by a user), its ``order`` of accuracy (None for
    an adaptive one), a one-line ``description`` and ``kernel``, the code by which the compiled step
    (:func:`hhtui.model.integrators.step`) selects it (REFERENCE: not a fixed-step method; the
    runner hands it to :func:`hhtui.model.runners.reference_integrate` instead, as it hands a
    voltage clamp to :func:`hhtui.model.runners.clamp_integrate`). A new fixed-step method is one
    entry here, one code above and one branch in that step function."""

    name: str
    order: int | None
    description: str
    kernel: int

    @property
    def fixed_step(self) -> bool:
        return self.kernel != REFERENCE


#: The integration methods by name, in the order they are offered (the one place a name meets its code).
REGISTRY: dict[str, Method] = {
    method.name: method
    for method in (
        Method("euler", 1, "forward Euler, 1st order, unstable at large dt (for teaching)", EULER),
        Method("rk4", 4, "classical Runge-Kutta, 4th order (default)", RK4),
        Method(
            "expeuler", 1, "exponential Euler / Rush-Larsen (as NEURON cnexp), 1st order, stable at large dt", EXPEULER
        ),
        Method("scipy", None, "adaptive scipy solve_ivp (DOP853, rtol 1e-10): slow reference", REFERENCE),
    )
}
#: The names of the methods.
METHODS: tuple[str, ...] = tuple(REGISTRY)
METHOD_DESCRIPTIONS: dict[str, str] = {
    name: REGISTRY[name].description for name in ("rk4", "expeuler", "euler", "scipy")
}
DEFAULT_METHOD = "rk4"

DT_RANGE = (1e-5, 1.0)  # ms
MAX_SAMPLE_EVERY = 1.0e6  # ms, between two recorded samples
GRID_TOLERANCE = 1e-6  # fraction of dt within which a time counts as on the grid


def check_dt(dt: Any) -> float:
    """A validated time step in ms."""
    return check_range("dt", dt, "ms", DT_RANGE[0], DT_RANGE[1])


def check_method(method: Any) -> str:
    """A validated integration method name."""
    if not isinstance(method, str) or method not in METHODS:
        raise ParameterError(f"method {shown(method)} is unknown; choose one of: {', '.join(METHODS)}")
    return str(method)


def sample_stride(sample_every: float | None, dt: float) -> int:
    """Grid steps between recorded samples; ``sample_every`` (ms) must be a multiple of dt."""
    if sample_every is None:
        return 1
    every = check_range("sample_every", sample_every, "ms", 0.0, MAX_SAMPLE_EVERY, low_inclusive=False)
    stride = round(every / dt)
    if stride < 1 or abs(stride * dt - every) > GRID_TOLERANCE * every + 1e-12:
        raise ParameterError(f"sample_every ({every:g} ms) must be a whole multiple of dt ({dt:g} ms)")
    return stride


@dataclass(frozen=True)
class Solver:
    """Integration settings: ``method`` (see METHODS), ``dt`` in ms, ``sample_every`` in ms
    (a multiple of dt; None records every step)."""

    method: str = DEFAULT_METHOD
    dt: float = 0.01
    sample_every: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", check_method(self.method))
        object.__setattr__(self, "dt", check_dt(self.dt))
        sample_stride(self.sample_every, self.dt)
        if self.sample_every is not None:
            object.__setattr__(self, "sample_every", float(self.sample_every))

    @property
    def record_interval(self) -> float:
        """Time between recorded samples in ms."""
        return self.sample_every if self.sample_every is not None else self.dt


class FixedStepRun:
    """Mixin for the settings dataclasses of fixed-step runs (cable, network): the time grid
    from ``t_stop``, ``dt`` and ``sample_every`` (ms), and a validated ``replace``."""

    t_stop: float
    dt: float
    sample_every: float
    KIND: ClassVar[str] = "run"

    @property
    def n_steps(self) -> int:
        """Number of time steps (t_stop rounded up to whole steps)."""
        return max(1, int(math.ceil(self.t_stop / self.dt - 1e-9)))

    @property
    def stride(self) -> int:
        """Steps between recorded samples."""
        return max(1, int(round(self.sample_every / self.dt)))

    @property
    def n_samples(self) -> int:
        """Recorded samples, t = 0 included."""
        return self.n_steps // self.stride + 1

    @classmethod
    def from_dict(cls, data: Any) -> Any:
        """Build from ``to_dict`` output (lists back to tuples, the membrane nested); unknown
        keys are refused."""
        from .membrane import Membrane

        if not isinstance(data, dict):
            raise ParameterError(f"{cls.KIND} settings must be an object, got {type(data).__name__}")
        data = dict(data)
        if "membrane" in data:
            data["membrane"] = Membrane.from_dict(data["membrane"])
        for key, value in data.items():
            if isinstance(value, list):
                data[key] = tuple(tuple(x) if isinstance(x, list) else x for x in value)
        return cls().replace(**data)

    def replace(self, **changes: Any) -> Any:
        """A validated copy with ``changes`` applied; unknown names are refused."""
        known = {f.name for f in fields(self)}  # type: ignore[arg-type]
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ParameterError(
                f"unknown {self.KIND} setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return replace(self, **changes)  # type: ignore[type-var]
