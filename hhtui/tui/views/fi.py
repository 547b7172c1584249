"""The frequency-current (F-I) curve of the present membrane, computed in the background with
``hhtui.model.analysis.fi_curve``; the onset of repetitive firing and the present current are
marked.

``f`` turns it into a family of curves: one per value of a second parameter (g_K, temperature,
g_Na, E_K, g_L) around its present value (:mod:`._family`), each curve's onset listed below."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from rich.text import Text

from ..plotting import Chart, caption, caption_height, stack
from . import View, ViewContext
from ._family import FAMILIES, Family, chosen, family_values, next_family

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


#: Palette keys (and letters without colour) of the curves of a family, in order.
FAMILY_STYLES = (("fi", "a"), ("m", "b"), ("n", "c"), ("h", "d"), ("I_stim", "e"))


def prepare_key(ctx: ViewContext) -> Hashable:
    family = chosen(ctx.options)
    return (ctx.experiment.membrane, family.name if family else None)


def prepare(ctx: ViewContext, progress: Callable[[float], None]) -> Any:
    """The curve of the present membrane; with a family chosen, one curve per value (the
    present membrane with that value), ``members`` as (value, curve, onset)."""
    from hhtui.model.analysis import fi_curve, repetitive_onset

    membrane = ctx.experiment.membrane
    family = chosen(ctx.options)
    if family is None:
        curve = fi_curve(AMPLITUDES, t_stop=T_STOP, transient=TRANSIENT, membrane=membrane, progress=progress)
        return {"curve": curve, "onset": repetitive_onset(curve)}
    values = family_values(family, getattr(membrane, family.name))
    members = []
    for number, value in enumerate(values):

        def part(fraction: float, number: int = number) -> None:
            progress((number + fraction) / len(values))

        curve = fi_curve(
            AMPLITUDES,
            t_stop=T_STOP,
            transient=TRANSIENT,
            membrane=membrane.replace(**{family.name: value}),
            progress=part,
        )
        members.append((value, curve, repetitive_onset(curve)))
    return {"family": family.name, "members": members}


def build(ctx: ViewContext) -> Text:
    """Rate (Hz) against step current (uA/cm^2)."""
    from ._common import waiting

    family = chosen(ctx.options)
    if ctx.prepared is None:
        return waiting(ctx, "the F-I curves" if family else "the F-I curve")
    if "members" in ctx.prepared:
        return _build_family(ctx, FAMILIES[ctx.prepared["family"]], ctx.prepared["members"])
    curve, onset = ctx.prepared["curve"], ctx.prepared["onset"]
    onset_text = f"repetitive firing from {onset:g} uA/cm2" if onset is not None else "no repetitive firing in range"
    note = f"{onset_text}; rate = 1/mean ISI after {TRANSIENT:g} ms"
    chart = _rate_chart(ctx, note)
    chart.line(curve.amplitudes, curve.rates_hz, "F-I", "fi", "•")
    top = float(np.max(curve.rates_hz)) if curve.rates_hz.size else 0.0
    if onset is not None:
        chart.vline(onset, "onset", "onset")
    return _finish(ctx, chart, top, note)


def _build_family(ctx: ViewContext, family: Family, members: list[tuple[float, Any, float | None]]) -> Text:
    """One curve per value of ``family``, the onsets listed under the chart."""
    # A no-break space in each pair: a wrapped caption never parts a value from its onset.
    onsets = ", ".join(f"{value:g}:\u00a0{'-' if onset is None else f'{onset:g}'}" for value, _, onset in members)
    note = f"{family.label} ({family.unit}) onsets (uA/cm2) {onsets}"
    chart = _rate_chart(ctx, note)
    top = 0.0
    for number, ((value, curve, _), (key, letter)) in enumerate(zip(members, FAMILY_STYLES * len(members))):
        # The parameter's name on the first entry only: a legend short enough to find a place
        # where it hides no curve (or room on the frame's edge) at 80x24.
        label = f"{family.label} {value:g}" if number == 0 else f"{value:g}"
        chart.line(curve.amplitudes, curve.rates_hz, label, key, letter)
        if curve.rates_hz.size:
            top = max(top, float(np.max(curve.rates_hz)))
    return _finish(ctx, chart, top, note)


def _rate_chart(ctx: ViewContext, note: str) -> Chart:
    """An empty chart of firing rate (Hz) against step current (uA/cm^2) over the view's
    currents, leaving room under it for the caption ``note``."""
    return Chart(
        ctx.width,
        ctx.height - caption_height(ctx.width, note),
        ctx.colour,
        xlabel="step current (uA/cm2)",
        ylabel="rate (Hz)",
        xlim=(float(AMPLITUDES[0]), float(AMPLITUDES[-1])),
    )


def _finish(ctx: ViewContext, chart: Chart, top: float, note: str) -> Text:
    """The rate axis up to 10% above ``top`` (Hz, at least 10), the present current marked
    (current clamp only), and the chart drawn with ``note`` under it."""
    from hhtui.tui.session import injected_current

    chart.ylim = (0.0, max(10.0, top * 1.1))
    stimulus = ctx.experiment.stimulus
    if not stimulus.is_clamp:
        chart.vline(injected_current(stimulus), "marker", "I now")
    return stack(chart.build(), caption(ctx.width, note))


VIEW = View(
    name="fi",
    title="F-I curve",
    build=build,
    prepare=prepare,
    prepare_key=prepare_key,
    hint="f: family of curves",
    keys=(("f", next_family),),
)
