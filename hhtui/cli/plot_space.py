"""Plots of ``hhtui axon`` and ``hhtui network`` files in the terminal.

- an axon's V(x, t) (columns ``t_ms`` then ``V_x<position>cm_mV``) as a space-time picture: time
  across, position along the axon up, the voltage as a shade (the highest voltage of the samples
  a column covers, so a spike narrower than a column still shows), with the scale under it;
- a network's spikes (columns ``neuron,t_ms``) as a raster: one dot per spike, time across and
  the neuron up.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .common import UsageError
from .plot_grid import _number, draw_map

__all__ = ["POSITION_COLUMN", "is_axon", "is_raster", "render_raster", "render_space_time"]

#: A position column of an axon file: the voltage of the compartment centred at that position (cm).
POSITION_COLUMN = re.compile(r"^V_x(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)cm_mV$")
#: The columns of a network's spike file.
RASTER_COLUMNS = ("neuron", "t_ms")


def is_axon(columns: dict[str, np.ndarray]) -> bool:
    """Whether the columns are an axon's V(x, t): ``t_ms`` and then only position columns."""
    names = list(columns)
    return len(names) >= 2 and names[0] == "t_ms" and all(POSITION_COLUMN.match(name) for name in names[1:])


def is_raster(columns: dict[str, np.ndarray]) -> bool:
    """Whether the columns are a network's spikes (``neuron,t_ms``)."""
    return tuple(columns) == RASTER_COLUMNS


def render_space_time(columns: dict[str, np.ndarray], name: str, width: int, height: int, color: bool = False) -> str:
    """The voltage over time (across) and position along the axon (up), in shades."""
    names = list(columns)[1:]
    match = [POSITION_COLUMN.match(column) for column in names]
    positions = np.array([float(m.group(1)) for m in match if m is not None])
    order = np.argsort(positions, kind="stable")
    positions = positions[order]
    voltages = np.vstack([np.asarray(columns[names[k]], dtype=np.float64) for k in order])  # position x time
    t = np.asarray(columns["t_ms"], dtype=np.float64)
    # One bucket of samples per column of the picture, each shown by its highest voltage.
    margin = max(len(_number(v)) for v in positions) + 2
    cols = max(4, width - margin - 1)
    buckets = min(cols, t.size)
    edges = np.linspace(0, t.size, buckets + 1).astype(int)
    table = np.maximum.reduceat(voltages, edges[:-1], axis=1) if t.size else voltages
    times = t[edges[:-1]]
    title = f"{name}: V (mV) along the axon over time ({positions.size} positions)"
    return draw_map(table, times, positions, title, "t (ms)", "position along the axon (cm)", width, height, color)


def render_raster(columns: dict[str, np.ndarray], name: str, width: int, height: int, color: bool = False) -> str:
    """One dot per spike: its time across, its neuron up."""
    import plotext as plt

    neurons = np.asarray(columns["neuron"], dtype=np.float64)
    times = np.asarray(columns["t_ms"], dtype=np.float64)
    if neurons.size == 0:
        raise UsageError(f"FILE.csv: {name} holds no spikes (a network file with its header only): nothing to draw")
    fired = int(np.unique(neurons).size)
    plt.main().clear_figure()
    plt.limit_size(False, False)
    plt.plot_size(width, height)
    if not color:
        plt.theme("clear")
    try:
        if color:
            plt.scatter(times.tolist(), neurons.tolist(), marker="|", color="blue")
        else:
            plt.scatter(times.tolist(), neurons.tolist(), marker="|")
        spikes = f"{neurons.size} spike{'s' if neurons.size != 1 else ''}"
        plt.title(f"{name}: {spikes} from {fired} neuron{'s' if fired != 1 else ''}")
        plt.xlabel("t (ms)")
        plt.ylabel("neuron")
        low, high = float(neurons.min()), float(neurons.max())
        if high - low <= 20:  # a row per neuron, each named
            plt.ylim(low - 0.5, high + 0.5)
            ticks = list(range(int(low), int(high) + 1))
            plt.yticks(ticks, [str(k) for k in ticks])
        text: Any = plt.build()
    except (ArithmeticError, ValueError, IndexError) as error:
        raise UsageError(
            f"FILE.csv: cannot draw {name}: its values are outside what the plot can show "
            f"({type(error).__name__}: {error})"
        ) from None
    finally:
        plt.main().clear_figure()
    if not color:
        text = plt.uncolorize(text)
    return str(text)
