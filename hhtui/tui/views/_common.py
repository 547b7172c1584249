"""Helpers shared by the time-series views."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text

from ..decimate import decimate
from ..plotting import Chart, message, padded_limits
from . import ViewContext

#: Width of the y tick labels and frame that plotext draws left of the data (characters).
AXIS_MARGIN = 8


def columns_for(width: int) -> int:
    """Decimation columns for a chart ``width`` characters wide: braille has 2 dots per cell."""
    return max(8, 2 * (width - AXIS_MARGIN))


def time_chart(
    ctx: ViewContext,
    height: int,
    traces: Sequence[tuple[str, str, str]],
    ylabel: str,
    ylim: tuple[float, float] | None = None,
    expand: bool = True,
) -> Chart:
    """A chart of recorded traces against time over the display window.

    ``traces`` lists (Samples attribute, legend label, letter used without colour). ``ylim`` is
    the usual range; with ``expand`` it grows to include the data, else it is autoscaled.
    """
    chart = Chart(ctx.width, height, ctx.colour, xlabel="t (ms)", ylabel=ylabel, xlim=(ctx.t_from, ctx.t_to))
    samples = ctx.samples
    cols = columns_for(ctx.width)
    low, high = np.inf, -np.inf
    for attribute, label, letter in traces:
        values = getattr(samples, attribute, None)
        if values is None or len(samples) == 0:
            continue
        x, y = decimate(samples.t, values[0], ctx.t_from, ctx.t_to, cols)
        if y.size:
            low, high = min(low, float(y.min())), max(high, float(y.max()))
        chart.line(x, y, label, attribute, letter)
    if ylim is not None:
        if expand and np.isfinite(low):
            chart.ylim = (min(ylim[0], low), max(ylim[1], high))
        else:
            chart.ylim = ylim
    elif np.isfinite(low):
        chart.ylim = padded_limits(low, high, minimum_span=1.0)
    return chart


def waiting(ctx: ViewContext, what: str) -> Text:
    """The text shown while a view's background computation runs (or after it failed)."""
    if ctx.error:
        return message(ctx.width, ctx.height, [f"could not compute {what}:", ctx.error])
    done = "" if ctx.progress is None else f" {100 * ctx.progress:.0f}%"
    return message(ctx.width, ctx.height, [f"computing {what}...{done}"])


def split_heights(height: int, top_fraction: float = 0.55, minimum: int = 5) -> tuple[int, int]:
    """Heights of two stacked charts sharing ``height`` lines."""
    top = max(minimum, int(round(height * top_fraction)))
    return top, max(0, height - top)
