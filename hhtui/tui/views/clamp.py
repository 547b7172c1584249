"""Voltage-clamp family: steps from the holding potential to a range of levels, with the sodium
current (top) and the potassium current (bottom) of every step, and the tail currents after the
return to the holding potential. Computed in the background with the membrane in use, so TTX or
TEA applied from the command palette separate the two currents as in the classic experiments."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from rich.text import Text

from ..plotting import Chart, caption, caption_height, padded_limits, stack
from . import View, ViewContext
from ._common import split_heights, waiting

#: Command levels (mV), holding potential (mV) and timing (ms) of the family.
LEVELS = tuple(range(-55, 30, 10))
HOLD = -65.0
PRE, STEP, POST = 1.0, 10.0, 4.0


def prepare_key(ctx: ViewContext) -> Hashable:
    return ctx.experiment.membrane


def prepare(ctx: ViewContext, progress: Callable[[float], None]) -> Any:
    from hhtui.experiments import voltage_clamp_family

    return voltage_clamp_family(LEVELS, hold=HOLD, duration=STEP, membrane=ctx.experiment.membrane, pre=PRE, post=POST)


def _family_chart(family: dict[str, Any], current: str, width: int, height: int, colour: bool, letter: str) -> Chart:
    t = family["t"]
    chart = Chart(
        width,
        height,
        colour,
        xlabel="t (ms)",
        ylabel=f"{current} (uA/cm2), outward +",
        xlim=(float(t[0]), float(t[-1])),
    )
    traces = family[current]
    for index in range(traces.shape[0]):
        chart.line(t, traces[index], current if index == 0 else None, current, letter)
    low, high = float(np.min(traces)), float(np.max(traces))
    chart.ylim = padded_limits(min(low, 0.0), max(high, 0.0), minimum_span=1.0)
    # The step's start and end, named once (in the sodium chart's legend).
    label = "step on/off" if current == "I_Na" else None
    chart.vline(PRE, "marker", label)
    chart.vline(PRE + STEP, "marker", label)
    return chart


def build(ctx: ViewContext) -> Text:
    """I_Na and I_K of every clamp step, against time."""
    if ctx.prepared is None:
        return waiting(ctx, "the voltage-clamp family")
    family = ctx.prepared
    levels = family["levels"]
    note = f"from {HOLD:g} mV to {levels[0]:g} ... {levels[-1]:g} mV ({len(levels)} steps) for {STEP:g} ms; tails after"
    top, bottom = split_heights(ctx.height - caption_height(ctx.width, note), 0.5)
    return stack(
        _family_chart(family, "I_Na", ctx.width, top, ctx.colour, "N").build(),
        _family_chart(family, "I_K", ctx.width, bottom, ctx.colour, "K").build(),
        caption(ctx.width, note),
    )


VIEW = View(
    name="clamp", title="voltage-clamp family: I_Na and I_K", build=build, prepare=prepare, prepare_key=prepare_key
)
