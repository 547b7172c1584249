"""NeuroML 2 quantities (``"-54.387mV"``, ``"0.3 mS_per_cm2"``) to hhtui's units and back.

The units are those the NeuroML 2 schema allows (NeuroMLCoreDimensions); each dimension converts
to the unit hhtui computes in: mV, mS/cm^2, uF/cm^2, 1/ms, ms, nA, um, degrees C.
"""

from __future__ import annotations

import math
import re

__all__ = ["UNITS", "QuantityError", "quantity", "text"]


class QuantityError(ValueError):
    """A quantity is malformed, or in a unit of another dimension than expected."""


#: dimension -> (hhtui unit, {NeuroML unit: factor to the hhtui unit}); temperature is affine (below).
UNITS: dict[str, tuple[str, dict[str, float]]] = {
    "voltage": ("mV", {"V": 1e3, "mV": 1.0}),
    "conductanceDensity": ("mS/cm^2", {"S_per_m2": 0.1, "mS_per_cm2": 1.0, "S_per_cm2": 1e3}),
    "specificCapacitance": ("uF/cm^2", {"F_per_m2": 100.0, "uF_per_cm2": 1.0}),
    "pertime": ("1/ms", {"per_s": 1e-3, "per_ms": 1.0, "Hz": 1e-3}),
    "time": ("ms", {"s": 1e3, "ms": 1.0}),
    "current": ("nA", {"A": 1e9, "uA": 1e3, "nA": 1.0, "pA": 1e-3}),
    "resistance": ("ohm", {"ohm": 1.0, "kohm": 1e3, "Mohm": 1e6}),
    "temperature": ("degrees C", {"degC": 1.0}),
    "none": ("", {"": 1.0}),
}

_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z_0-9]*)\s*$")


def quantity(value: str | None, dimension: str, what: str) -> float:
    """The number of ``value`` in hhtui's unit of ``dimension``; :class:`QuantityError` naming
    ``what`` if it is missing, malformed or of another dimension."""
    if value is None:
        raise QuantityError(f"{what}: missing")
    match = _QUANTITY.match(value)
    _unit_name, units = UNITS[dimension]
    if match is None:
        raise QuantityError(f"{what}: {value!r} is not a number with a unit")
    number, unit = float(match.group(1)), match.group(2)
    if unit not in units:
        allowed = ", ".join(repr(name) for name in units) if dimension != "none" else "none"
        raise QuantityError(f"{what}: {value!r} is not a {dimension} (units: {allowed})")
    result = number * units[unit]
    if not math.isfinite(result):
        raise QuantityError(f"{what}: {value!r} is not finite")
    return result


def number(value: float) -> str:
    """A float as the NeuroML schema's numbers allow it: shortest exact form, no ``+`` exponent."""
    if not math.isfinite(value):
        raise QuantityError(f"{value!r} cannot be written to NeuroML")
    shown = repr(float(value))
    if "e" in shown:
        mantissa, exponent = shown.split("e")
        shown = f"{mantissa}e{int(exponent)}"
    return shown


def text(value: float, unit: str) -> str:
    """``value`` with a NeuroML unit, e.g. ``text(-54.387, "mV")`` -> ``"-54.387mV"``."""
    return f"{number(value)}{unit}"
