"""The phases of one action potential (resting, depolarisation, repolarisation,
hyperpolarisation), found with ``hhtui.model.analysis.ap_phases`` on a spike fired from rest by a
short pulse under the present membrane; ``c`` overlays the textbook two-Gaussian cartoon."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from rich.text import Text

from ..plotting import Chart, caption, caption_height, stack
from . import View, ViewContext

#: The probe: a 1 ms pulse of 20 uA/cm^2 at 2 ms, followed for 20 ms.
PROBE_AMPLITUDE = 20.0
PROBE_START = 2.0
PROBE_WIDTH = 1.0
PROBE_DURATION = 20.0
LETTERS = {"resting": "r", "depolarisation": "D", "repolarisation": "R", "hyperpolarisation": "H"}


def prepare_key(ctx: ViewContext) -> Hashable:
    return ctx.experiment.membrane


def prepare(ctx: ViewContext, progress: Callable[[float], None]) -> Any:
    from hhtui.model import Pulse, Simulation
    from hhtui.model.analysis import ap_phases

    sim = Simulation(ctx.experiment.membrane, Pulse(PROBE_AMPLITUDE, PROBE_START, PROBE_WIDTH), dt=0.01)
    samples = sim.advance(PROBE_DURATION, include_start=True)
    t, v = samples.t, samples.V[0]
    phases = ap_phases(t, v)
    return {"t": t, "V": v, "phases": phases[0] if phases else None}


def build(ctx: ViewContext) -> Text:
    """The probe spike coloured by phase, the phases named in the legend, optionally with the cartoon."""
    from ._common import waiting

    if ctx.prepared is None:
        return waiting(ctx, "a probe action potential")
    t, v, phases = ctx.prepared["t"], ctx.prepared["V"], ctx.prepared["phases"]
    if phases is None:
        note = "no action potential: the 20 uA/cm2 probe pulse does not fire with these parameters"
    else:
        note = (
            f"peak {phases.peak:.1f} mV at {phases.peak_time:.2f} ms; rest {phases.rest:.1f} mV; "
            f"c: {'hide' if 'cartoon' in ctx.options else 'show'} the cartoon"
        )
    chart = Chart(
        ctx.width,
        ctx.height - caption_height(ctx.width, note),
        ctx.colour,
        xlabel="t (ms)",
        ylabel="V (mV)",
        xlim=(0.0, PROBE_DURATION),
    )
    low, high = float(np.min(v)), float(np.max(v))
    chart.ylim = (min(-95.0, low - 5.0), max(50.0, high + 5.0))
    if phases is None:
        chart.line(t, v, "V", "V", "•")
        return stack(chart.build(), caption(ctx.width, note))
    # Each phase in its own colour (its own letter without colour), named in the legend, which
    # the chart puts where the trace is not; a line marks where each phase begins.
    for index, (name, (start, end)) in enumerate(phases.intervals()):
        inside = (t >= start) & (t <= end)
        if inside.sum() >= 2:
            chart.line(t[inside], v[inside], name, name, LETTERS[name])
        if index > 0:
            chart.vline(start, name)
    tail = t > phases.hyperpolarisation[1]
    if tail.sum() >= 2:
        chart.line(t[tail], v[tail], None, "resting", "r")
    if "cartoon" in ctx.options:
        from hhtui.model.teaching import CARTOON_PEAK_TIME, cartoon_action_potential

        shifted = np.linspace(0.0, PROBE_DURATION, 400)
        chart.line(
            shifted,
            cartoon_action_potential(shifted - (phases.peak_time - CARTOON_PEAK_TIME)),
            "cartoon",
            "cartoon",
            "c",
        )
    return stack(chart.build(), caption(ctx.width, note))


VIEW = View(
    name="phases",
    title="phases of the action potential",
    build=build,
    prepare=prepare,
    prepare_key=prepare_key,
    hint="c: cartoon overlay",
)
