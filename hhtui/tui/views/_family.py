"""Families of curves: a second parameter varied around its present value.

The F-I view draws one curve per value of a *family parameter* (g_K, temperature, g_Na, E_K or
g_L), each value a membrane that differs from the present one in that parameter alone. The
choice is a view option ``family=NAME`` (absent: one curve); :func:`next_family` cycles it.
Values are centred on the present value, so changing the parameter in the panel moves the family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hhtui.model.membrane import PARAMETER_RANGES

#: Prefix of the view option that names the family parameter.
OPTION = "family="


@dataclass(frozen=True)
class Family:
    """A family parameter: ``name`` (a Membrane field), its ``label`` and ``unit``, and how its
    values are made from the present one."""

    name: str
    label: str
    unit: str
    values: Callable[[float], tuple[float, ...]]


def _scaled(*factors: float) -> Callable[[float], tuple[float, ...]]:
    return lambda present: tuple(round(present * f, 6) for f in factors)


def _shifted(*offsets: float) -> Callable[[float], tuple[float, ...]]:
    return lambda present: tuple(round(present + d, 6) for d in offsets)


#: The family parameters, in the order ``f`` cycles through them (after "none").
FAMILIES: dict[str, Family] = {
    "g_k": Family("g_k", "g_K", "mS/cm2", _scaled(0.5, 0.75, 1.0, 1.25, 1.5)),
    "temperature": Family("temperature", "T", "C", _shifted(0.0, 4.0, 8.0, 12.0)),
    "g_na": Family("g_na", "g_Na", "mS/cm2", _scaled(0.75, 1.0, 1.25, 1.5)),
    "e_k": Family("e_k", "E_K", "mV", _shifted(-10.0, -5.0, 0.0, 5.0, 10.0)),
    "g_l": Family("g_l", "g_L", "mS/cm2", _scaled(0.5, 1.0, 2.0, 4.0)),
}


def chosen(options: frozenset[str]) -> Family | None:
    """The family parameter named in ``options``, or None for a single curve."""
    for option in options:
        if option.startswith(OPTION):
            return FAMILIES.get(option.removeprefix(OPTION))
    return None


def next_family(options: frozenset[str]) -> frozenset[str]:
    """``options`` with the family parameter moved on: none -> g_K -> T -> g_Na -> E_K -> g_L -> none."""
    order: list[str | None] = [None, *FAMILIES]
    now = chosen(options)
    following = order[(order.index(now.name if now else None) + 1) % len(order)]
    kept = frozenset(o for o in options if not o.startswith(OPTION))
    return kept if following is None else kept | {OPTION + following}


def family_values(family: Family, present: float) -> tuple[float, ...]:
    """The values of ``family`` around ``present``, kept to the parameter's allowed range."""
    _, low, high, low_inclusive, _ = PARAMETER_RANGES[family.name]
    values = []
    for value in family.values(present):
        inside = (value >= low if low_inclusive else value > low) and value <= high
        if inside and value not in values:
            values.append(value)
    return tuple(values)
