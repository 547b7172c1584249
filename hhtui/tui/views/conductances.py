"""Conductances g_Na = g_Na_max m^3 h and g_K = g_K_max n^4."""

from __future__ import annotations

from rich.text import Text

from . import View, ViewContext
from ._common import time_chart


def build(ctx: ViewContext) -> Text:
    """One chart of g_Na and g_K (mS/cm^2) over the display window."""
    chart = time_chart(ctx, ctx.height, [("g_Na", "g_Na", "N"), ("g_K", "g_K", "K")], "g (mS/cm2)")
    if chart.ylim is not None:  # conductances are never negative: start the axis at 0
        chart.ylim = (0.0, max(1.0, chart.ylim[1]))
    return chart.build()


VIEW = View(name="conductances", title="sodium and potassium conductances", build=build)
