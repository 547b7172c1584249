"""Gating kinetics: steady states x_inf(V) and time constants tau_x(V) at the set temperature,
with the present voltage marked."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from rich.text import Text

from ..plotting import Chart, stack
from . import View, ViewContext
from ._common import split_heights

V_RANGE = (-100.0, 50.0)


@lru_cache(maxsize=8)
def _table(temperature: float) -> dict[str, Any]:
    from hhtui.model.teaching import kinetics_table

    return kinetics_table(V_RANGE[0], V_RANGE[1], 301, temperature)


def build(ctx: ViewContext) -> Text:
    """Two charts against V (mV): m_inf, h_inf, n_inf; then tau_m, tau_h, tau_n (ms)."""
    temperature = ctx.experiment.membrane.temperature
    table = _table(temperature)
    top, bottom = split_heights(ctx.height, 0.5)
    v_now = float(ctx.samples.V[0, -1]) if len(ctx.samples) else float("nan")
    steady = Chart(ctx.width, top, ctx.colour, xlabel="V (mV)", ylabel="steady state", xlim=V_RANGE, ylim=(0.0, 1.0))
    taus = Chart(
        ctx.width, bottom, ctx.colour, xlabel=f"V (mV)   at {temperature:g} C", ylabel="tau (ms)", xlim=V_RANGE
    )
    for gate in "mhn":
        steady.line(table["V"], table[f"{gate}_inf"], f"{gate}_inf", gate, gate)
        taus.line(table["V"], table[f"tau_{gate}"], f"tau_{gate}", gate, gate)
    tau_max = max(float(np.max(table[f"tau_{g}"])) for g in "mhn")
    taus.ylim = (0.0, tau_max * 1.05)
    if V_RANGE[0] <= v_now <= V_RANGE[1]:
        steady.vline(v_now, "marker", "V now")
        taus.vline(v_now, "marker", "V now")
    return stack(steady.build(), taus.build())


VIEW = View(name="kinetics", title="gating kinetics (x_inf and tau_x vs V)", build=build)
