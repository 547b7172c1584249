"""The phase plane: the trajectory of (V, n) over the display window, with the nullclines of
the reduced two-variable model (from ``hhtui.model.teaching.nullclines``)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from rich.text import Text

from ..plotting import Chart, caption, caption_height, stack
from . import View, ViewContext

V_RANGE = (-90.0, 60.0)
#: Most trajectory points drawn (evenly spaced in time).
MAX_POINTS = 800
#: The injected current is rounded to this (uA/cm^2) before the nullclines are recomputed.
CURRENT_RESOLUTION = 0.25


def current_now(ctx: ViewContext) -> float:
    """The injected current (uA/cm^2) at the end of the window, rounded; the mean for noise."""
    stimulus = ctx.experiment.stimulus
    if stimulus.is_clamp:
        return 0.0
    value = float(np.ravel(stimulus.current(np.array([ctx.t_to])))[0])
    if stimulus.kind == "noise" and value != 0.0:
        value = float(np.ravel(stimulus.amplitude_value)[0])
    return round(value / CURRENT_RESOLUTION) * CURRENT_RESOLUTION


def prepare_key(ctx: ViewContext) -> Hashable:
    return (ctx.experiment.membrane, current_now(ctx))


def prepare(ctx: ViewContext, progress: Callable[[float], None]) -> Any:
    from hhtui.model.teaching import nullclines

    return nullclines(ctx.experiment.membrane, current_now(ctx), v_range=(-100.0, 60.0), points=241)


def build(ctx: ViewContext) -> Text:
    """V on x, n on y: the trajectory, the V- and n-nullclines and the present state."""
    samples = ctx.samples
    note = "nullclines: computing..." if ctx.prepared is None else str(ctx.prepared.get("approximation", ""))
    rows = caption_height(ctx.width, note)
    chart = Chart(ctx.width, ctx.height - rows, ctx.colour, xlabel="V (mV)", ylabel="n", ylim=(0.0, 1.0))
    low, high = V_RANGE
    if ctx.prepared is not None:
        null = ctx.prepared
        chart.line(null["V"], null["n_nullcline"], "n-nullcline", "nullcline_n", "=")
        chart.line(null["V"], null["v_nullcline"], "V-nullcline", "nullcline_v", "~")
    if len(samples):
        stride = max(1, int(np.ceil(len(samples) / MAX_POINTS)))
        v, n = samples.V[0, ::stride], samples.n[0, ::stride]
        chart.line(v, n, "trajectory", "trajectory", "•")
        chart.points([samples.V[0, -1]], [samples.n[0, -1]], "now", "marker", "O")
        finite = np.isfinite(samples.V[0])
        if finite.any():
            low, high = min(low, float(samples.V[0][finite].min())), max(high, float(samples.V[0][finite].max()))
    chart.xlim = (low, high)
    return stack(chart.build(), caption(ctx.width, note))


VIEW = View(name="phase", title="phase plane (V, n)", build=build, prepare=prepare, prepare_key=prepare_key)
