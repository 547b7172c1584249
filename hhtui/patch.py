"""The patch of membrane a per-area model stands for, where absolute units are needed.

hhtui works in densities: currents in uA/cm^2, conductances in mS/cm^2, capacitance in uF/cm^2.
A NeuroML cell and an NWB recording need a cell of some size, with currents in nA or A. hhtui uses
the soma of the NeuroML Hodgkin-Huxley tutorials: a sphere of 1000 um^2 (diameter 17.841 um), so
1 uA/cm^2 is 10 pA (0.01 nA) and a membrane capacitance of 1 uF/cm^2 is 10 pF.
"""

from __future__ import annotations

import math

__all__ = [
    "AREA_CM2",
    "AREA_UM2",
    "DIAMETER_UM",
    "density_to_amperes",
    "density_to_nanoamperes",
    "nanoamperes_to_density",
]

#: Membrane area of the patch, um^2.
AREA_UM2 = 1000.0

#: The same in cm^2 (1 um^2 = 1e-8 cm^2).
AREA_CM2 = AREA_UM2 / 1e8

#: Diameter of a sphere of that area, um (area = pi d^2).
DIAMETER_UM = math.sqrt(AREA_UM2 / math.pi)


def density_to_nanoamperes(current_uA_cm2: float) -> float:
    """A current density (uA/cm^2) over the patch as a current in nA."""
    return current_uA_cm2 * AREA_UM2 / 1e5  # 1 uA/cm^2 = 1e-5 nA/um^2


def nanoamperes_to_density(current_nA: float) -> float:
    """A current (nA) into the patch as a current density in uA/cm^2."""
    return current_nA * 1e5 / AREA_UM2


def density_to_amperes(current_uA_cm2: float) -> float:
    """A current density (uA/cm^2) over the patch as a current in A."""
    return current_uA_cm2 * AREA_UM2 / 1e14  # 1 uA/cm^2 = 1e-14 A/um^2
