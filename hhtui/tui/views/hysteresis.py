"""Hysteresis: the current stepped up and back down, each step from the state the previous one
ended in (``hhtui.sweeps.hysteresis``), computed in the background.

Top: the voltage's maximum and minimum (mV) over each step after its transient, on the way up
and on the way down: close together the membrane rests, far apart it fires. Below: the rate
(Hz). Between the fold of limit cycles (about 6.26 uA/cm^2) and the subcritical Hopf point (about
9.78) the branches differ: rest on the way up, firing on the way down. The range where they
differ is written under the charts; the present current is marked.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from rich.text import Text

from ..plotting import Chart, caption, caption_height, stack
from . import View, ViewContext

#: Currents of the sweep (uA/cm^2): from well below the fold to above the Hopf point.
AMPLITUDES = np.round(np.arange(3.0, 13.0 + 1e-9, 0.25), 6)
#: Each step lasts T_STOP ms; the extremes and the rate are taken after TRANSIENT ms of it.
T_STOP = 300.0
TRANSIENT = 100.0
#: Spikes after the transient that count as firing.
MIN_SPIKES = 2
#: Legend label, palette key and letter (without colour) of each branch.
BRANCHES = ((1, "up", "up", "u"), (-1, "down", "down", "d"))


def prepare_key(ctx: ViewContext) -> Hashable:
    return ctx.experiment.membrane


def prepare(ctx: ViewContext, progress: Callable[[float], None]) -> Any:
    """Both branches for the present membrane (at RK4, dt 0.01 ms), as a ``HysteresisResult``."""
    from hhtui.sweeps.chunks import RunSettings
    from hhtui.sweeps.hysteresis import hysteresis_sweep

    settings = RunSettings(t_stop=T_STOP, transient=TRANSIENT, threshold=0.0, dt=0.01, method="rk4")
    total = 2 * AMPLITUDES.size * settings.steps
    done = [0]

    def steps(count: int) -> None:
        done[0] += count
        progress(min(1.0, done[0] / total))

    progress(0.0)
    return hysteresis_sweep(AMPLITUDES.tolist(), ctx.experiment.membrane, settings, steps)


def build(ctx: ViewContext) -> Text:
    """V max/min (mV) and rate (Hz) against the current (uA/cm^2), up and down."""
    from ._common import split_heights, waiting

    if ctx.prepared is None:
        return waiting(ctx, "the hysteresis sweep")
    result = ctx.prepared
    bistable = result.bistable_range(MIN_SPIKES)
    if bistable is None:
        note = "the branches agree: no bistable range here"
    else:
        note = f"bistable {bistable[0]:g}-{bistable[1]:g} uA/cm2: rest going up, firing coming down"
    note += f"; {T_STOP:g} ms a step"
    top_height, bottom_height = split_heights(ctx.height - caption_height(ctx.width, note))
    xlim = (float(AMPLITUDES[0]), float(AMPLITUDES[-1]))
    voltage = Chart(ctx.width, top_height, ctx.colour, xlabel="", ylabel="V max/min (mV)", xlim=xlim)
    rate = Chart(ctx.width, bottom_height, ctx.colour, xlabel="current (uA/cm2)", ylabel="rate (Hz)", xlim=xlim)
    for direction, label, key, letter in BRANCHES:
        on = result.direction == direction
        order = np.argsort(result.amps[on], kind="stable")
        amps = result.amps[on][order]
        voltage.line(amps, result.v_max[on][order], label, key, letter)
        voltage.line(amps, result.v_min[on][order], None, key, letter)
        rate.line(amps, result.rate_hz[on][order], label, key, letter)
    top = float(np.max(result.rate_hz)) if result.rate_hz.size else 0.0
    rate.ylim = (0.0, max(10.0, top * 1.1))
    stimulus = ctx.experiment.stimulus
    if not stimulus.is_clamp:
        from hhtui.tui.session import injected_current

        present = injected_current(stimulus)
        voltage.vline(present, "marker", "I now")
        rate.vline(present, "marker", "I now")
    parts = [voltage.build()]
    if bottom_height > 0:
        parts.append(rate.build())
    return stack(*parts, caption(ctx.width, note))


VIEW = View(
    name="hysteresis",
    title="Hysteresis: current up, then down",
    build=build,
    prepare=prepare,
    prepare_key=prepare_key,
)
