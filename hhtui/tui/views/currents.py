"""Ionic currents: I_Na, I_K, I_L and the injected current (and the clamp current)."""

from __future__ import annotations

from rich.text import Text

from . import View, ViewContext
from ._common import time_chart


def build(ctx: ViewContext) -> Text:
    """One chart of the currents (uA/cm^2, outward positive) over the display window."""
    traces = [("I_Na", "I_Na", "N"), ("I_K", "I_K", "K"), ("I_L", "I_L", "L"), ("I_stim", "I_stim", "s")]
    if getattr(ctx.samples, "I_clamp", None) is not None:
        traces.append(("I_clamp", "I_clamp", "c"))
    return time_chart(ctx, ctx.height, traces, "I (uA/cm2), outward +").build()


VIEW = View(name="currents", title="ionic currents", build=build)
