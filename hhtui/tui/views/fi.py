"""The frequency-current (F-I) curve of the present membrane, computed in the background with
``hhtui.model.analysis.fi_curve``; the onset of repetitive firing and the present current are
marked."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from rich.text import Text

from ..plotting import Chart, caption, caption_height, stack
from . import View, ViewContext

#: Step currents of the curve (uA/cm^2): from rest through the onset near 6.3 (finely, where the
#: rate jumps from zero) and on past the depolarisation block near 155, the range the fi-curve
#: preset describes.
AMPLITUDES = np.round(
    np.concatenate([np.arange(0.0, 6.0, 0.5), np.arange(6.0, 10.0, 0.1), np.arange(10.0, 170.1, 2.0)]), 6
)
#: Each step lasts T_STOP ms; spikes after TRANSIENT ms give the rate, the inverse of their
#: mean inter-spike interval (as ``hhtui sweep`` measures it).
T_STOP = 250.0
TRANSIENT = 50.0


def prepare_key(ctx: ViewContext) -> Hashable:
    return ctx.experiment.membrane


def prepare(ctx: ViewContext, progress: Callable[[float], None]) -> Any:
    from hhtui.model.analysis import fi_curve, repetitive_onset

    curve = fi_curve(
        AMPLITUDES, t_stop=T_STOP, transient=TRANSIENT, membrane=ctx.experiment.membrane, progress=progress
    )
    return {"curve": curve, "onset": repetitive_onset(curve)}


def build(ctx: ViewContext) -> Text:
    """Rate (Hz) against step current (uA/cm^2)."""
    from hhtui.tui.session import injected_current

    from ._common import waiting

    if ctx.prepared is None:
        return waiting(ctx, "the F-I curve")
    curve, onset = ctx.prepared["curve"], ctx.prepared["onset"]
    onset_text = f"repetitive firing from {onset:g} uA/cm2" if onset is not None else "no repetitive firing in range"
    note = f"{onset_text}; rate = 1/mean ISI after {TRANSIENT:g} ms"
    chart = Chart(
        ctx.width,
        ctx.height - caption_height(ctx.width, note),
        ctx.colour,
        xlabel="step current (uA/cm2)",
        ylabel="rate (Hz)",
        xlim=(float(AMPLITUDES[0]), float(AMPLITUDES[-1])),
    )
    chart.line(curve.amplitudes, curve.rates_hz, "F-I", "fi", "•")
    top = float(np.max(curve.rates_hz)) if curve.rates_hz.size else 0.0
    chart.ylim = (0.0, max(10.0, top * 1.1))
    if onset is not None:
        chart.vline(onset, "onset", "onset")
    stimulus = ctx.experiment.stimulus
    if not stimulus.is_clamp:
        chart.vline(injected_current(stimulus), "marker", "I now")
    return stack(chart.build(), caption(ctx.width, note))


VIEW = View(name="fi", title="F-I curve", build=build, prepare=prepare, prepare_key=prepare_key)
