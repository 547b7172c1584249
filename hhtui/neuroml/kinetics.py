"""hhtui's channel kinetics in the words of NeuroML 2: the standard ``ionChannelHH`` gates.

NeuroML's three standard rate forms, with x = (V - midpoint) / scale (V and midpoint in mV, rate
in 1/ms):

    HHExpRate         rate * exp(x)
    HHExpLinearRate   rate * x / (1 - exp(-x))
    HHSigmoidRate     rate / (1 + exp(-x))

hhtui's rates (:mod:`hhtui.model.channels`, Hodgkin & Huxley 1952 in the convention with rest at
-65 mV) are exactly these with the parameters of :data:`STANDARD_GATES`, every rate multiplied by
3^((T - 6.3)/10), which NeuroML writes as ``<q10Settings type="q10ExpTemp" q10Factor="3"
experimentalTemp="6.3 degC"/>`` on each gate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hhtui.model.membrane import Q10, REFERENCE_TEMPERATURE_C

__all__ = ["Q10", "REFERENCE_TEMPERATURE_C", "STANDARD_GATES", "Gate", "Rate", "evaluate"]


@dataclass(frozen=True)
class Rate:
    """One rate of a gate: NeuroML ``type``, ``rate`` (1/ms), ``midpoint`` and ``scale`` (mV)."""

    type: str
    rate: float
    midpoint: float
    scale: float

    def matches(self, other: Rate, tolerance: float = 1e-9) -> bool:
        """The same form with the same parameters (to a relative ``tolerance``)."""
        if self.type != other.type:
            return False
        return all(
            abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))
            for a, b in ((self.rate, other.rate), (self.midpoint, other.midpoint), (self.scale, other.scale))
        )


@dataclass(frozen=True)
class Gate:
    """A gate: its exponent (``instances``) and its opening (forward) and closing (reverse) rates."""

    instances: int
    forward: Rate
    reverse: Rate


#: channel -> gate id -> gate: the kinetics hhtui simulates.
STANDARD_GATES: dict[str, dict[str, Gate]] = {
    "na": {
        "m": Gate(3, Rate("HHExpLinearRate", 1.0, -40.0, 10.0), Rate("HHExpRate", 4.0, -65.0, -18.0)),
        "h": Gate(1, Rate("HHExpRate", 0.07, -65.0, -20.0), Rate("HHSigmoidRate", 1.0, -35.0, 10.0)),
    },
    "k": {
        "n": Gate(4, Rate("HHExpLinearRate", 0.1, -55.0, 10.0), Rate("HHExpRate", 0.125, -65.0, -80.0)),
    },
}

#: The rate forms NeuroML defines and hhtui can recognise.
RATE_TYPES = ("HHExpRate", "HHExpLinearRate", "HHSigmoidRate")


def evaluate(rate: Rate, voltage_mV: ArrayLike) -> NDArray[np.float64]:
    """The rate (1/ms) at ``voltage_mV``, as NeuroML defines its form (reference temperature)."""
    v = np.asarray(voltage_mV, dtype=np.float64)
    x = (v - rate.midpoint) / rate.scale
    if rate.type == "HHExpRate":
        return rate.rate * np.exp(x)
    if rate.type == "HHSigmoidRate":
        return rate.rate / (1.0 + np.exp(-x))
    if rate.type == "HHExpLinearRate":
        with np.errstate(divide="ignore", invalid="ignore"):
            value = rate.rate * x / -np.expm1(-x)
        return np.where(np.abs(x) < 1e-9, rate.rate * (1.0 + x / 2.0), value)
    raise ValueError(f"unknown rate type {rate.type!r}")
