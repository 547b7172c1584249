"""The main view: membrane voltage on top, the gating variables m, h, n below."""

from __future__ import annotations

from rich.text import Text

from ..plotting import stack
from . import View, ViewContext
from ._common import split_heights, time_chart

#: The usual voltage range (mV); it grows if the trace leaves it.
V_RANGE = (-90.0, 60.0)


def build(ctx: ViewContext) -> Text:
    """Two charts: V (mV) and m, h, n (0..1) over the display window."""
    top, bottom = split_heights(ctx.height)
    v_chart = time_chart(ctx, top, [("V", "V", "•")], "V (mV)", V_RANGE)
    gates = time_chart(
        ctx, bottom, [("m", "m", "m"), ("h", "h", "h"), ("n", "n", "n")], "gates m h n", (0.0, 1.0), expand=False
    )
    return stack(v_chart.build(), gates.build())


VIEW = View(name="voltage", title="membrane voltage and gates", build=build)
