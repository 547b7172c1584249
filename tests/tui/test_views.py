"""Plot views and the chart renderer: sizes, colour modes, alignment with the axes."""

from __future__ import annotations

import numpy as np
import pytest

from hhtui.model import Experiment, Membrane, Step
from hhtui.tui.plotting import Chart
from hhtui.tui.session import LiveRun
from hhtui.tui.views import ORDER, ViewContext, canonical, get_view, next_view

SIZES = [(40, 12), (86, 35), (180, 55)]


@pytest.fixture(scope="module")
def live() -> LiveRun:
    run = LiveRun(Experiment(stimulus=Step(amplitude=10.0, start=5.0)))
    run.advance(run.chunk_for(80.0))
    return run


def context(run: LiveRun, width: int, height: int, colour: bool = True, window: float = 50.0) -> ViewContext:
    return ViewContext(
        samples=run.window(window),
        t_from=run.t - window,
        t_to=run.t,
        experiment=run.experiment,
        width=width,
        height=height,
        colour=colour,
    )


def prepared(view, ctx: ViewContext) -> ViewContext:
    if view.prepare is not None:
        ctx.prepared = view.prepare(ctx, lambda fraction: None)
    return ctx


@pytest.mark.parametrize("name", ORDER)
@pytest.mark.parametrize("size", SIZES)
def test_every_view_fills_its_area_exactly(live: LiveRun, name: str, size: tuple[int, int]) -> None:
    view = get_view(name)
    width, height = size
    text = view.build(prepared(view, context(live, width, height)))
    lines = text.plain.split("\n")
    assert len(lines) == height
    assert all(len(line) == width for line in lines), {len(line) for line in lines}


@pytest.mark.parametrize("name", ORDER)
def test_without_colour_nothing_is_styled(live: LiveRun, name: str) -> None:
    view = get_view(name)
    text = view.build(prepared(view, context(live, 90, 30, colour=False)))
    assert not text.spans
    assert "⣿" not in text.plain  # series are told apart by letters, not colour


def test_views_wait_for_their_background_data(live: LiveRun) -> None:
    ctx = context(live, 80, 24)
    ctx.progress = 0.4
    assert "computing the F-I curve... 40%" in get_view("fi").build(ctx).plain


def test_views_handle_an_empty_window() -> None:
    run = LiveRun(Experiment())
    ctx = ViewContext(
        samples=run.window(50.0).select(0, 0), t_from=0.0, t_to=50.0, experiment=run.experiment, width=80, height=24
    )
    for name in ("voltage", "currents", "conductances", "phase", "kinetics"):
        assert len(get_view(name).build(ctx).plain.split("\n")) == 24


def test_fi_view_marks_the_onset_of_repetitive_firing(live: LiveRun) -> None:
    view = get_view("fi")
    ctx = prepared(view, context(live, 100, 30))
    onset = ctx.prepared["onset"]
    assert onset is not None
    assert f"repetitive firing from {onset:g} uA/cm2" in view.build(ctx).plain


def test_phases_view_names_the_four_phases_and_toggles_the_cartoon(live: LiveRun) -> None:
    view = get_view("phases")
    ctx = prepared(view, context(live, 100, 30))
    plain = view.build(ctx).plain
    for label in ("resting", "depolarisation", "repolarisation", "hyperpolarisation"):
        assert label in plain
    assert "cartoon" not in plain.split("\n")[1]
    ctx.options = frozenset({"cartoon"})
    assert "cartoon" in view.build(ctx).plain


def test_phases_view_says_so_when_nothing_fires(live: LiveRun) -> None:
    view = get_view("phases")
    ctx = context(live, 100, 30)
    ctx.experiment = live.experiment.replace(membrane=Membrane(g_na=0.0))
    ctx = prepared(view, ctx)
    assert "no action potential" in view.build(ctx).plain


def test_registry_names_and_cycle() -> None:
    assert canonical("gates") == "voltage"
    assert canonical("nonsense") is None
    names = ["voltage"]
    for _ in ORDER:
        names.append(next_view(names[-1]))
    assert names[:-1] == list(ORDER) and names[-1] == "voltage"
    with pytest.raises(KeyError):
        get_view("nonsense")


def test_chart_lines_sit_on_their_tick_labels() -> None:
    chart = Chart(60, 15, colour=True, ylim=(-90.0, 60.0), xlim=(0.0, 10.0))
    chart.line([0.0, 10.0], [-50.0, -50.0], None, "V")
    lines = chart.build().plain.split("\n")
    labelled = [i for i, line in enumerate(lines) if line.lstrip().startswith("-50┤")]
    drawn = [i for i, line in enumerate(lines) if any(0x2800 < ord(c) <= 0x28FF for c in line)]
    assert labelled and drawn
    assert drawn == labelled


def test_chart_draws_vertical_extremes_of_a_spike() -> None:
    t = np.linspace(0.0, 10.0, 1001)
    v = np.full_like(t, -65.0)
    v[500] = 40.0
    chart = Chart(50, 20, ylim=(-90.0, 60.0), xlim=(0.0, 10.0)).line(t, v, "V", "V")
    lines = chart.build().plain.split("\n")
    rows_with_dots = [i for i, line in enumerate(lines) if any(0x2800 < ord(c) <= 0x28FF for c in line[5:])]
    # the spike reaches from the rest row up to within two rows of the +40 level
    assert max(rows_with_dots) - min(rows_with_dots) >= 10


def test_tiny_charts_are_blank_not_broken() -> None:
    text = Chart(8, 3).line([0, 1], [0, 1], "x", "V").build()
    assert text.plain.split("\n") == ["        "] * 3


def test_clamp_family_view_separates_the_currents_with_toxins(live: LiveRun) -> None:
    # The classic separation (Hodgkin & Huxley 1952; Hille, ch. 2): with TTX the sodium current of
    # every step is zero while the potassium current is untouched, and TEA does the reverse.
    view = get_view("clamp")
    ctx = prepared(view, context(live, 100, 30))
    family = ctx.prepared
    assert family["I_Na"].min() < -500.0 and family["I_K"].max() > 500.0  # inward I_Na, outward I_K
    plain = view.build(ctx).plain
    assert "I_Na (uA/cm2)" in plain and "I_K (uA/cm2)" in plain and "-55 ... 25 mV (9 steps)" in plain
    ctx.experiment = live.experiment.replace(membrane=Membrane(g_na=0.0))
    ttx = prepared(view, ctx).prepared
    assert np.all(ttx["I_Na"] == 0.0) and np.allclose(ttx["I_K"], family["I_K"])
    ctx.experiment = live.experiment.replace(membrane=Membrane(g_k=0.0))
    tea = prepared(view, ctx).prepared
    assert np.all(tea["I_K"] == 0.0) and np.allclose(tea["I_Na"], family["I_Na"])
