"""hhtui from Python: :func:`axon`, the propagated action potential, and :func:`network`, spikes
travelling between neurons.

The keyword arguments are the flags of ``hhtui axon`` and ``hhtui network`` without their dashes
(``--length-cm`` is ``length_cm``, ``--amp`` is ``amp``, ``--kick`` is ``kick``, ``--dx-um`` is
``dx_um``; the lists are :func:`hhtui.runs.keywords`), applied by the same code as the commands
(:mod:`hhtui.runs`), so a run from Python gives the very numbers, and writes the very files, of
the same command::

    >>> import hhtui
    >>> cable = hhtui.axon(temperature=6.3, t_stop=8)        # hhtui axon --temperature 6.3 --t-stop 8
    >>> cable.velocity_m_s                                   # conduction velocity, m/s
    >>> ring = hhtui.network(topology="ring", n=10)          # hhtui network --topology ring --n 10
    >>> ring.raster                                          # spike times of each neuron, ms
    >>> ring.to_csv("spikes.csv")                            # = hhtui network ... -o spikes.csv

A value the model refuses raises :class:`hhtui.ParameterError` naming the parameter; a run that
stops early (a numerical blow-up, or the network's limit on spikes) raises
:class:`hhtui.model.NumericalInstabilityError`, whose ``samples`` hold the run up to there.
pandas is needed only by ``to_pandas`` (``pip install 'hhtui[api]'``).
"""

from __future__ import annotations

import inspect
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from hhtui.model.cable import AxonResult, CableSettings, position_columns, simulate_cable
from hhtui.model.errors import NumericalInstabilityError, ParameterError
from hhtui.model.network import NetworkResult, NetworkSettings, simulate_network
from hhtui.parameters import PYTHON_NAMING
from hhtui.runs import INHIBITORY, axon_settings, keyword, keywords, network_settings, nothing_fired

if TYPE_CHECKING:
    import pandas

__all__ = ["AxonRun", "NetworkRun", "axon", "network"]

PathLike = Union[str, "os.PathLike[str]"]


class _Recorded:
    """What an axon run and a network run share: the settings, the CSV and its sidecar, a chart."""

    #: Key of the measured values in the sidecar (``hhtui axon``: measured, ``hhtui network``: summary).
    SIDECAR_KEY = ""
    #: Name of the run in its chart.
    NAME = ""

    settings: Any
    result: Any

    def columns(self) -> dict[str, np.ndarray]:
        """The CSV's columns, name -> 1-D array."""
        raise NotImplementedError

    @property
    def measured(self) -> dict[str, Any]:
        """The measured values, as ``--json`` prints them and the sidecar holds them."""
        return dict(self.result.summary())

    @property
    def experiment(self) -> dict[str, Any]:
        """The settings of the run as a plain dictionary (the sidecar's ``experiment``)."""
        return dict(self.settings.to_dict())

    def to_pandas(self) -> pandas.DataFrame:
        """A DataFrame with the CSV's columns; ``df.attrs`` holds ``experiment`` (the settings, as
        in the sidecar) and the measured values under the sidecar's key."""
        from hhtui.api import _need_pandas

        frame = _need_pandas().DataFrame(self.columns())
        frame.attrs["experiment"] = self.experiment
        frame.attrs[self.SIDECAR_KEY] = self.measured
        return frame

    def to_csv(self, path: PathLike, force: bool = False) -> tuple[Path, Path]:
        """Write the CSV and its JSON sidecar (``run.csv`` -> ``run.json``), exactly as the command
        with ``-o path`` does: atomically, as one unit, replacing a read-only file or a link at
        either name only with ``force`` (as ``--force``); returns both paths. Raises
        :class:`hhtui.export.ExportError` (a ``ValueError``) naming the file if it cannot be written."""
        from hhtui.export import ExportError, write_run

        target = Path(path)
        if target.suffix.lower() == ".json":
            raise ExportError(
                f"cannot write {target}: a recording needs a .csv name; the .json name is taken by its sidecar"
            )
        return write_run(target, self.columns(), self.experiment, extra={self.SIDECAR_KEY: self.measured}, force=force)

    def chart(self, width: int | None = None, height: int | None = None) -> str:
        """The run as a text chart (plotext), ``width`` x ``height`` characters, as ``hhtui plot``
        draws its CSV. No colours, so it prints anywhere."""
        from hhtui.api import chart_size
        from hhtui.cli.common import UsageError
        from hhtui.cli.plot import render

        w, h = chart_size(width, height)
        columns = self.columns()
        if next(iter(columns.values())).size == 0:
            return "(no spikes)" if self.SIDECAR_KEY == "summary" else "(no samples)"
        try:
            return render(columns, self.NAME, w, h, color=False).rstrip("\n")
        except UsageError as error:  # values the plotting library cannot place
            return f"(no chart: {error})"

    def describe(self) -> str:
        """One line: what the command prints when it is done."""
        return str(self.result.describe())

    def __str__(self) -> str:
        return f"{self.describe()}\n{self.chart()}"

    def __repr__(self) -> str:
        return f"<hhtui.{type(self).__name__}: {self.describe()}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython and Jupyter
        printer.text(repr(self) if cycle else str(self))


class AxonRun(_Recorded):
    """The result of :func:`axon`: a cable of HH compartments and the wave that travelled along it.

    Attributes:
        settings: the :class:`~hhtui.model.cable.CableSettings` that were run (what the sidecar holds).
        result: the :class:`~hhtui.model.cable.AxonResult` (V(x, t), arrival times, velocity).
        positions: the number of position columns of the CSV (``positions``).
    """

    SIDECAR_KEY = "measured"
    NAME = "axon"

    def __init__(self, settings: CableSettings, result: AxonResult, positions: int) -> None:
        self.settings = settings
        self.result = result
        self.positions = int(positions)

    @property
    def velocity_m_s(self) -> float:
        """Conduction velocity, m/s, fitted to the arrival times over the middle of the cable (NaN
        when the wave did not cross it)."""
        return float(self.result.velocity_m_s)

    @property
    def t(self) -> np.ndarray:
        """Recorded times, ms."""
        return self.result.t

    @property
    def x_cm(self) -> np.ndarray:
        """Centres of the compartments, cm."""
        return self.result.x

    @property
    def V(self) -> np.ndarray:  # noqa: N802 (the membrane potential is V throughout)
        """Membrane potential of every compartment, mV, shape (compartments, times)."""
        return self.result.V

    @property
    def arrival_ms(self) -> np.ndarray:
        """When the wave reached each compartment (its first upward crossing of the threshold), ms;
        NaN where it never did."""
        return self.result.arrival_ms

    def columns(self) -> dict[str, np.ndarray]:
        """The CSV's columns: ``t_ms`` then ``V_x<position>cm_mV`` at :attr:`positions` positions."""
        return position_columns(self.result, self.positions)


class NetworkRun(_Recorded):
    """The result of :func:`network`: the spikes of a network of HH neurons.

    Attributes:
        settings: the :class:`~hhtui.model.network.NetworkSettings` that were run (what the sidecar holds).
        result: the :class:`~hhtui.model.network.NetworkResult` (spikes, recorded voltages, synapses).
    """

    SIDECAR_KEY = "summary"
    NAME = "network"

    def __init__(self, settings: NetworkSettings, result: NetworkResult) -> None:
        self.settings = settings
        self.result = result

    @property
    def spike_neuron(self) -> np.ndarray:
        """The neuron of each spike (from 0), in time order."""
        return self.result.spike_neuron

    @property
    def spike_time(self) -> np.ndarray:
        """The time of each spike, ms (upward crossings of the threshold, interpolated)."""
        return self.result.spike_time

    @property
    def raster(self) -> list[np.ndarray]:
        """Spike times of each neuron, ms: ``raster[i]`` is neuron i's (one array per neuron)."""
        return [self.result.spike_times_of(i) for i in range(self.settings.n)]

    @property
    def spike_counts(self) -> np.ndarray:
        """Number of spikes of each neuron."""
        return self.result.spike_counts()

    def columns(self) -> dict[str, np.ndarray]:
        """The CSV's columns: ``neuron``, ``t_ms``, one row per spike in time order."""
        return {"neuron": self.result.spike_neuron, "t_ms": self.result.spike_time}


def _halted(run: _Recorded) -> None:
    reason = run.result.halted_reason
    if reason:
        t = run.result.t
        raise NumericalInstabilityError(
            f"the run stopped early: {reason}", samples=run, time_ms=float(t[-1]) if t.size else 0.0
        )


def axon(config: Any = None, **params: Any) -> AxonRun:
    """Run a cable of HH compartments from rest, as ``hhtui axon`` with the same flags would, and
    return the :class:`AxonRun` (its velocity, V(x, t), the CSV of ``-o``).

    ``config`` starts from the settings of an earlier run: its JSON sidecar (a path), a dict, or a
    :class:`~hhtui.model.cable.CableSettings`; ``params`` override them, by the names of the flags
    without dashes (a value of None means "not given"). Raises :class:`hhtui.ParameterError`
    naming the parameter for a value that is refused.
    """
    chosen = axon_settings(params, config, PYTHON_NAMING)
    run = AxonRun(chosen.settings, simulate_cable(chosen.settings), chosen.positions)
    _halted(run)
    if run.result.fired == 0:
        warnings.warn(nothing_fired(run.settings, PYTHON_NAMING), stacklevel=2)
    return run


def network(config: Any = None, **params: Any) -> NetworkRun:
    """Run a network of HH neurons from rest, as ``hhtui network`` with the same flags would, and
    return the :class:`NetworkRun` (its spikes, raster, the CSV of ``-o``).

    ``config`` starts from the settings of an earlier run: its JSON sidecar (a path), a dict, or a
    :class:`~hhtui.model.network.NetworkSettings`; ``params`` override them, by the names of the
    flags without dashes (``inhibitory=True`` as ``--inhibitory``; None means "not given").
    Raises :class:`hhtui.ParameterError` naming the parameter for a value that is refused.
    """
    settings = network_settings(params, config, PYTHON_NAMING).settings
    try:
        result = simulate_network(settings)
    except ParameterError as error:  # the synapses the rule made (rare: too many of them)
        raise ParameterError(f"{PYTHON_NAMING.name('n')}: {error}", parameter="n") from None
    run = NetworkRun(settings, result)
    _halted(run)
    return run


def _documented(function: Any, command: str) -> None:
    """The keywords of ``command`` in the signature and the docstring of ``function``."""
    from hhtui.parameters import table

    keyword_only = inspect.Parameter.KEYWORD_ONLY
    names = keywords(command)
    config = inspect.Parameter("config", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
    function.__signature__ = inspect.Signature(
        [config, *(inspect.Parameter(name, keyword_only, default=None) for name in names)]
    )
    lines = []
    for row in table(command):
        unit = f", {row.unit}" if row.unit else ""
        default = "" if "(default: " in row.help or row.default is None else f" (default: {row.shown_default})"
        lines.append(f"        {keyword(row)}{unit}: {row.help}{default}")
    if command == "network":
        lines.append(f"        {INHIBITORY}: True for inhibitory synapses (as --inhibitory)")
    function.__doc__ = f"{function.__doc__}\n    Parameters (defaults are those of 'hhtui {command}'):\n" + "\n".join(
        lines
    )


_documented(axon, "axon")
_documented(network, "network")
