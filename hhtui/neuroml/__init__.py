"""NeuroML 2: hhtui's membrane as a standard single-compartment Hodgkin-Huxley cell, both ways.

- :func:`export_experiment` writes the membrane (cell and channel files), the protocol (a one-cell
  network with its inputs) and a LEMS simulation file (``hhtui neuroml export -o DIR``);
- :func:`read_membrane` reads the membrane of such a cell (``hhtui run --neuroml CELL.nml``,
  ``hhtui.simulate(neuroml=...)``), refusing with :class:`NeuroMLError` what hhtui cannot simulate.
"""

from __future__ import annotations

from .reader import ImportedCell, NeuroMLError, read_cell, read_membrane
from .writer import export_experiment

__all__ = ["ImportedCell", "NeuroMLError", "export_experiment", "read_cell", "read_membrane"]
