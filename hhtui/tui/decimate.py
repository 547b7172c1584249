"""Per-column min/max decimation of a trace to the width of a plot.

A plot W columns wide cannot show more than W distinct x positions. Picking every k-th sample
would drop a 1 ms spike that falls between picks; instead each column keeps the minimum and the
maximum of all the samples that fall in it, so every spike still reaches its peak on screen.

    x, y = decimate(t, v, t_from, t_to, columns=2 * plot_width)
    # x, y each have at most 2 * columns points; plot them as one line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class MinMax:
    """Per-column extremes of a trace.

    Attributes:
        x: centre of each non-empty column (same unit as the time axis, e.g. ms).
        low, high: the smallest and largest sample in each column.
        rising: True where the column's last sample is above its first one (the minimum then
            comes first when the column is drawn as a line).
    """

    x: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    rising: NDArray[np.bool_]


def column_extremes(t: ArrayLike, y: ArrayLike, t_from: float, t_to: float, columns: int) -> MinMax:
    """Min and max of ``y`` in each of ``columns`` equal columns spanning [t_from, t_to].

    Samples outside [t_from, t_to] are ignored; empty columns are left out of the result.
    ``t`` must be sorted ascending. Non-finite samples are ignored.
    """
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    if not t_to > t_from:
        raise ValueError(f"the span must have t_to > t_from, got [{t_from}, {t_to}]")
    times = np.asarray(t, dtype=np.float64)
    values = np.asarray(y, dtype=np.float64)
    if times.shape != values.shape or times.ndim != 1:
        raise ValueError(f"t and y must be 1-D of the same length, got {times.shape} and {values.shape}")
    lo_i = int(np.searchsorted(times, t_from, side="left"))
    hi_i = int(np.searchsorted(times, t_to, side="right"))
    times, values = times[lo_i:hi_i], values[lo_i:hi_i]
    finite = np.isfinite(values)
    if not finite.all():
        times, values = times[finite], values[finite]
    empty = np.zeros(0)
    if times.size == 0:
        return MinMax(empty, empty, empty, np.zeros(0, dtype=bool))
    width = (t_to - t_from) / columns
    index = np.minimum(((times - t_from) / width).astype(np.int64), columns - 1)
    # Start of each run of equal column indices (t is sorted, so runs are contiguous).
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    ends = np.r_[starts[1:], index.size] - 1
    low = np.minimum.reduceat(values, starts)
    high = np.maximum.reduceat(values, starts)
    x = t_from + (index[starts] + 0.5) * width
    rising = values[ends] >= values[starts]
    return MinMax(x, low, high, rising)


def decimate(
    t: ArrayLike, y: ArrayLike, t_from: float, t_to: float, columns: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points to draw ``y(t)`` over [t_from, t_to] on ``columns`` columns, as one line.

    If the span holds at most ``2 * columns`` samples they are returned unchanged. Otherwise each
    column contributes two points at its centre: its minimum and its maximum, in the order they
    occur (the minimum first in a rising column), so a spike narrower than a column still shows
    its full height. The result has at most ``2 * columns`` points.
    """
    times = np.asarray(t, dtype=np.float64)
    values = np.asarray(y, dtype=np.float64)
    lo_i = int(np.searchsorted(times, t_from, side="left"))
    hi_i = int(np.searchsorted(times, t_to, side="right"))
    if hi_i - lo_i <= 2 * columns:
        tt, yy = times[lo_i:hi_i], values[lo_i:hi_i]
        keep = np.isfinite(yy)
        return tt[keep], yy[keep]
    extremes = column_extremes(times, values, t_from, t_to, columns)
    first = np.where(extremes.rising, extremes.low, extremes.high)
    second = np.where(extremes.rising, extremes.high, extremes.low)
    x = np.repeat(extremes.x, 2)
    y_out = np.empty(x.size)
    y_out[0::2] = first
    y_out[1::2] = second
    return x, y_out
