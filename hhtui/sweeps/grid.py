"""Parameter grids: axes written ``FROM:TO:STEP`` or ``A,B,C``, and their product.

An axis is read as exact decimals, so ``0:50:0.1`` holds 0.1, 0.2, ... as a person wrote them
(each rounded once to the nearest float), never 0.30000000000000004. Its size is worked out
before anything is allocated: a range of 10^40 points is refused with its size and the flag to
change, never attempted.

Axes (their command-line flag, CSV column and unit):

- ``amp``: the amplitude of the current step, uA/cm^2 (``--amp``, ``amp_uA_cm2``);
- every membrane parameter of :class:`hhtui.model.Membrane`: ``c_m`` (uF/cm^2), ``g_na``,
  ``g_k``, ``g_l`` (mS/cm^2), ``e_na``, ``e_k``, ``e_l`` (mV) and ``temperature`` (degrees C).

The grid's points are ordered with the membrane axes outermost (in the order above) and the
current innermost, so the points that share one membrane are neighbours: each such block is one
F-I curve, and simulates as one population.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hhtui.model.errors import ParameterError
from hhtui.model.membrane import PARAMETER_RANGES
from hhtui.model.stimulus import MAX_CURRENT

__all__ = ["AXES", "MAX_POINTS", "Axis", "AxisInfo", "Grid", "GridError", "parse_axis"]

#: Most points one grid may hold (the results of 5 million points fit in about 200 MB of CSV).
MAX_POINTS = 5_000_000


class GridError(ParameterError):
    """An axis or a grid that cannot be built; the message starts with the flag concerned."""


@dataclass(frozen=True)
class AxisInfo:
    """What a parameter of the grid is: its flag, CSV column, unit and allowed range."""

    name: str
    flag: str
    column: str
    unit: str
    low: float
    high: float
    low_inclusive: bool
    description: str

    def allowed(self) -> str:
        left = "[" if self.low_inclusive else "("
        return f"{left}{self.low:g}, {self.high:g}] {self.unit}"


def _column(name: str, unit: str) -> str:
    slug = {"uF/cm^2": "uF_cm2", "mS/cm^2": "mS_cm2", "mV": "mV", "C": "C", "uA/cm^2": "uA_cm2"}[unit]
    return f"{name}_{slug}"


def _axes() -> dict[str, AxisInfo]:
    axes = {
        "amp": AxisInfo(
            "amp", "--amp", "amp_uA_cm2", "uA/cm^2", -MAX_CURRENT, MAX_CURRENT, True, "amplitude of the current step"
        )
    }
    for name, (unit, low, high, low_inclusive, description) in PARAMETER_RANGES.items():
        axes[name] = AxisInfo(
            name, "--" + name.replace("_", "-"), _column(name, unit), unit, low, high, low_inclusive, description
        )
    return axes


#: Every parameter a grid may vary, in grid order (the current first in the CSV, innermost in
#: the point order; see the module docstring).
AXES: dict[str, AxisInfo] = _axes()

RANGE_HELP = "FROM:TO:STEP (STEP > 0, TO >= FROM, TO included when on the grid) or a list A,B,C"


def _decimal(text: str) -> Decimal:
    value = Decimal(text.strip())
    if not value.is_finite():
        raise InvalidOperation
    return value


@dataclass(frozen=True)
class Axis:
    """One axis of a grid: a parameter and its values, kept as the decimal text given.

    Attributes:
        name: the parameter (a key of :data:`AXES`).
        text: the definition as written, ``FROM:TO:STEP`` or ``A,B,C``.
        values: the values, in the parameter's unit (floats, each the decimal rounded once).
    """

    name: str
    text: str
    values: tuple[float, ...]

    @property
    def info(self) -> AxisInfo:
        return AXES[self.name]

    @property
    def count(self) -> int:
        return len(self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "text": self.text, "unit": self.info.unit, "count": self.count}


def axis_count(name: str, text: str, limit: int = MAX_POINTS) -> int:
    """Number of values of axis ``name`` written ``text``, without building them; raises
    :class:`GridError` (starting with the flag) for a malformed text or more than ``limit`` values."""
    info = AXES[name]
    flag = info.flag
    if not isinstance(text, str) or not text.strip():
        raise GridError(f"{flag}: expected {RANGE_HELP}, got {text!r}")
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise GridError(f"{flag}: expected {RANGE_HELP}, got {text!r}")
        try:
            low, high, step = (_decimal(part) for part in parts)
        except (InvalidOperation, ValueError):
            raise GridError(f"{flag}: expected {RANGE_HELP}, got {text!r} (not three finite numbers)") from None
        if step <= 0:
            raise GridError(f"{flag}: STEP must be > 0 in FROM:TO:STEP, got {text!r}")
        if high < low:
            raise GridError(f"{flag}: TO ({high}) is below FROM ({low}) in FROM:TO:STEP {text!r}")
        _check_value(info, low, text)
        _check_value(info, high, text)
        if high == low:
            return 1
        # A float estimate first: an absurd count (STEP = 1e-40, or 1e-999999) is refused here,
        # before any exact arithmetic on huge numbers.
        span, stride = float(high - low), float(step)
        estimate = span / stride if stride > 0.0 else math.inf
        if not estimate <= limit + 1.0:
            raise GridError(
                f"{flag}: {text!r} holds {_figure(estimate + 1.0)} values, more than the limit of "
                f"{limit:,}; use a larger STEP"
            )
        count = int((Fraction(high) - Fraction(low)) // Fraction(step)) + 1
        if count > limit:
            raise GridError(
                f"{flag}: {text!r} holds {count:,} values, more than the limit of {limit:,}; use a larger STEP"
            )
        return count
    items = text.split(",")
    if len(items) > limit:
        raise GridError(f"{flag}: the list holds {len(items):,} values, more than the limit of {limit:,}")
    return len(items)


def _figure(value: float) -> str:
    if not math.isfinite(value):
        return "more than 1e308"
    return f"about {value:,.0f}" if value < 1e9 else f"about {value:.2g}"


def _check_value(info: AxisInfo, value: Decimal, text: str) -> float:
    number = float(value)
    too_low = number < info.low if info.low_inclusive else number <= info.low
    if too_low or number > info.high or not math.isfinite(number):
        raise GridError(f"{info.flag}: {value} {info.unit} in {text!r} is out of range: allowed {info.allowed()}")
    return number


def parse_axis(name: str, text: str, limit: int = MAX_POINTS) -> Axis:
    """The axis of parameter ``name`` (a key of :data:`AXES`) written ``text``.

    ``FROM:TO:STEP`` gives FROM + k*STEP for k = 0, 1, ... while <= TO (exact decimals); ``A,B,C``
    gives the values listed, in that order; a single number is an axis of one value. Raises
    :class:`GridError`, starting with the parameter's flag, for anything else, for values out of
    the parameter's range, for a list that repeats a value, and for more than ``limit`` values.
    """
    if name not in AXES:
        raise GridError(f"unknown grid parameter {name!r}; known: {', '.join(AXES)}")
    info = AXES[name]
    count = axis_count(name, text, limit)
    if ":" in text:
        low, _, step = (Fraction(_decimal(part)) for part in text.split(":"))
        values = tuple(float(low + k * step) for k in range(count))
    else:
        numbers = []
        for item in text.split(","):
            try:
                value = _decimal(item)
            except (InvalidOperation, ValueError):
                raise GridError(f"{info.flag}: expected {RANGE_HELP}, got {item.strip()!r} in {text!r}") from None
            numbers.append(_check_value(info, value, text))
        if len(set(numbers)) != len(numbers):
            repeated = next(v for v in numbers if numbers.count(v) > 1)
            raise GridError(f"{info.flag}: the list {text!r} repeats the value {repeated:g}")
        values = tuple(numbers)
    return Axis(name=name, text=text.strip(), values=values)


@dataclass(frozen=True)
class Grid:
    """The product of some axes. ``axes`` holds one axis per parameter given, in :data:`AXES`
    order; the current ``amp`` is always among them.

    Axes of a single value are *fixed*: they set the parameter for every point but are not
    columns of the results. The others are *varied*.
    """

    axes: tuple[Axis, ...]

    @classmethod
    def build(cls, texts: Mapping[str, str], limit: int = MAX_POINTS) -> Grid:
        """A grid from ``{parameter: text}``; sizes are checked (the product too) before any
        values are made. ``amp`` is required."""
        if "amp" not in texts:
            raise GridError("--amp: the currents are required, e.g. --amp 0:50:0.5")
        names = [name for name in AXES if name in texts]
        unknown = sorted(set(texts) - set(AXES))
        if unknown:
            raise GridError(f"unknown grid parameter(s) {', '.join(unknown)}; known: {', '.join(AXES)}")
        counts = {name: axis_count(name, texts[name], limit) for name in names}
        total = math.prod(counts.values())
        if total > limit:
            shape = " x ".join(f"{AXES[n].flag} {c:,}" for n, c in counts.items() if c > 1)
            flags = "/".join(AXES[n].flag for n, c in counts.items() if c > 1)
            raise GridError(
                f"{flags}: the grid holds {total:,} points ({shape}), more than the limit of "
                f"{limit:,}; use larger steps or fewer values"
            )
        return cls(tuple(parse_axis(name, texts[name], limit) for name in names))

    @property
    def varied(self) -> tuple[Axis, ...]:
        """The axes of more than one value, in grid order; the current is always included."""
        return tuple(a for a in self.axes if a.count > 1 or a.name == "amp")

    @property
    def fixed(self) -> dict[str, float]:
        """Membrane parameters set to one value for the whole grid."""
        return {a.name: a.values[0] for a in self.axes if a.count == 1 and a.name != "amp"}

    @property
    def amp(self) -> Axis:
        return next(a for a in self.axes if a.name == "amp")

    @property
    def membrane_axes(self) -> tuple[Axis, ...]:
        """Varied membrane axes (outermost first)."""
        return tuple(a for a in self.axes if a.name != "amp" and a.count > 1)

    @property
    def size(self) -> int:
        return math.prod(a.count for a in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        """Counts of the varied axes in point order: membrane axes outermost, current innermost."""
        return tuple(a.count for a in self.membrane_axes) + (self.amp.count,)

    def membrane_points(self) -> Iterator[dict[str, float]]:
        """The varied membrane parameters of each block of points that share a membrane, in order."""
        axes = self.membrane_axes
        if not axes:
            yield {}
            return
        for index in np.ndindex(*(a.count for a in axes)):
            yield {a.name: a.values[k] for a, k in zip(axes, index)}

    def columns(self) -> dict[str, NDArray[np.float64]]:
        """The varied parameters of every point, one array per CSV column (current first)."""
        shape = self.shape
        columns: dict[str, NDArray[np.float64]] = {}
        ordered = self.membrane_axes + (self.amp,)
        grids = np.meshgrid(*(np.asarray(a.values, dtype=np.float64) for a in ordered), indexing="ij")
        by_name = {a.name: g.reshape(-1) for a, g in zip(ordered, grids)}
        for axis in (self.amp,) + self.membrane_axes:
            columns[axis.info.column] = by_name[axis.name]
        assert all(c.size == math.prod(shape) for c in columns.values())
        return columns

    def texts(self) -> dict[str, str]:
        """``{parameter: text}`` that rebuilds this grid."""
        return {a.name: a.text for a in self.axes}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready definition: the axes as written, the point order and the size."""
        return {
            "axes": [a.to_dict() for a in self.axes],
            "order": [a.name for a in self.membrane_axes + (self.amp,)],
            "points": self.size,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Grid:
        """Rebuild from :meth:`to_dict` (only the names and texts are used)."""
        if not isinstance(data, dict) or not isinstance(data.get("axes"), list):
            raise GridError("the grid must be an object with a list of axes")
        texts: dict[str, str] = {}
        for item in data["axes"]:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("name"), str)
                or not isinstance(item.get("text"), str)
            ):
                raise GridError("each axis of the grid needs a name and a text")
            texts[item["name"]] = item["text"]
        return cls.build(texts)


def describe_shape(axes: Sequence[Axis]) -> str:
    """``--g-k 16 x --amp 101`` for messages."""
    return " x ".join(f"{a.info.flag} {a.count:,}" for a in axes)
