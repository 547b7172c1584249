"""Membrane parameters of the Hodgkin-Huxley model, with units and validation."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from .errors import ParameterError

#: Reference temperature of the 1952 rate constants (degrees C).
REFERENCE_TEMPERATURE_C = 6.3
#: Q10 of every rate constant (Hodgkin & Huxley 1952).
Q10 = 3.0

# name -> (unit, low, high, low inclusive, description); the range is what a person may set.
PARAMETER_RANGES: dict[str, tuple[str, float, float, bool, str]] = {
    "c_m": ("uF/cm^2", 0.0, 100.0, False, "membrane capacitance"),
    "g_na": ("mS/cm^2", 0.0, 10000.0, True, "maximal sodium conductance"),
    "g_k": ("mS/cm^2", 0.0, 10000.0, True, "maximal potassium conductance"),
    "g_l": ("mS/cm^2", 0.0, 1000.0, True, "leak conductance"),
    "e_na": ("mV", -200.0, 200.0, True, "sodium reversal potential"),
    "e_k": ("mV", -200.0, 200.0, True, "potassium reversal potential"),
    "e_l": ("mV", -200.0, 200.0, True, "leak reversal potential"),
    "temperature": ("C", -20.0, 60.0, True, "temperature"),
}


def shown(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for a message (a whole number of 400 digits
    stays one readable line)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def check_range(name: str, value: Any, unit: str, low: float, high: float, low_inclusive: bool = True) -> float:
    """Return ``value`` as a float, or raise :class:`ParameterError` naming ``name`` and the range."""
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a number in {unit}, got {shown(value)}", parameter=name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number in {unit}, got {shown(value)}", parameter=name) from None
    except OverflowError:  # a whole number beyond the range of a float
        number = math.inf
    bracket = "(" if not low_inclusive else "["
    allowed = f"{bracket}{low:g}, {high:g}] {unit}"
    if not math.isfinite(number):
        raise ParameterError(f"{name} must be a finite number in {allowed}, got {shown(value)}", parameter=name)
    too_low = number <= low if not low_inclusive else number < low
    if too_low or number > high:
        raise ParameterError(f"{name} = {number:g} {unit} is out of range: allowed {allowed}", parameter=name)
    return number


def check_int(name: str, value: Any, low: int, high: int) -> int:
    """Return ``value`` as an int, or raise :class:`ParameterError` naming ``name`` and the range."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"{name} must be a whole number in [{low}, {high}], got {shown(value)}", parameter=name)
    if not low <= int(value) <= high:
        raise ParameterError(f"{name} = {shown(value)} is out of range: allowed [{low}, {high}]", parameter=name)
    return int(value)


@dataclass(frozen=True)
class Membrane:
    """A patch of squid axon membrane (modern convention, rest near -65 mV).

    Attributes:
        c_m: membrane capacitance, uF/cm^2.
        g_na, g_k, g_l: maximal sodium, potassium and leak conductances, mS/cm^2.
        e_na, e_k, e_l: reversal potentials, mV.
        temperature: degrees C; every rate is scaled by phi = 3^((T - 6.3)/10).
        inactivation: False removes sodium inactivation (h held at 1, as pronase does).

    Defaults are Hodgkin & Huxley (1952) shifted by -65 mV: 1, 120, 36, 0.3, 50, -77,
    -54.387, 6.3 C.
    """

    c_m: float = 1.0
    g_na: float = 120.0
    g_k: float = 36.0
    g_l: float = 0.3
    e_na: float = 50.0
    e_k: float = -77.0
    e_l: float = -54.387
    temperature: float = REFERENCE_TEMPERATURE_C
    inactivation: bool = True

    def __post_init__(self) -> None:
        for name, (unit, low, high, low_inclusive, _) in PARAMETER_RANGES.items():
            object.__setattr__(self, name, check_range(name, getattr(self, name), unit, low, high, low_inclusive))
        if not isinstance(self.inactivation, bool):
            raise ParameterError(f"inactivation must be true or false, got {self.inactivation!r}")

    @property
    def phi(self) -> float:
        """Temperature factor of the rates, 3^((T - 6.3)/10) (dimensionless)."""
        return temperature_factor(self.temperature)

    def replace(self, **changes: Any) -> Membrane:
        """A copy with ``changes`` applied (validated); unknown names raise ParameterError."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ParameterError(
                f"unknown membrane parameter(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary of the parameters."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Membrane:
        """Build from a dictionary such as :meth:`to_dict` gives; unknown keys are refused."""
        if not isinstance(data, dict):
            raise ParameterError(f"membrane must be an object of parameters, got {type(data).__name__}")
        return cls().replace(**data)

    def as_array(self) -> Any:
        """Parameters packed for the kernels: c_m, g_na, g_k, g_l, e_na, e_k, e_l, phi, h active."""
        import numpy as np

        return np.array(
            [
                self.c_m,
                self.g_na,
                self.g_k,
                self.g_l,
                self.e_na,
                self.e_k,
                self.e_l,
                self.phi,
                1.0 if self.inactivation else 0.0,
            ],
            dtype=np.float64,
        )


def temperature_factor(temperature_c: float) -> float:
    """phi = Q10^((T - 6.3)/10) with Q10 = 3 (Hodgkin & Huxley 1952)."""
    return Q10 ** ((temperature_c - REFERENCE_TEMPERATURE_C) / 10.0)


#: Gas constant R (J/(mol K)) and Faraday constant F (C/mol), for the Nernst equation.
GAS_CONSTANT = 8.314462618
FARADAY = 96485.33212


def nernst_potential(outside_mM: float, inside_mM: float, temperature_c: float, valence: int = 1) -> float:
    """Reversal potential in mV: (RT/zF) ln(outside/inside), concentrations in mM."""
    outside = check_range("outside concentration", outside_mM, "mM", 0.0, 10000.0, False)
    inside = check_range("inside concentration", inside_mM, "mM", 0.0, 10000.0, False)
    kelvin = temperature_c + 273.15
    return 1000.0 * GAS_CONSTANT * kelvin / (valence * FARADAY) * math.log(outside / inside)
