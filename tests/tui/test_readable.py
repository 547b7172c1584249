"""Charts read well at the sizes people use: round tick labels (0 among them when the range spans
it, whole numbers on integer axes), legends where nothing is drawn, captions wrapped, not cut."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from hhtui.model import Experiment, Step
from hhtui.model.network import NetworkSettings, simulate_network
from hhtui.tui import plotting
from hhtui.tui.plotting import Chart, caption, caption_lines, join_parts
from hhtui.tui.screens.network import raster_chart
from hhtui.tui.session import LiveRun
from hhtui.tui.ticks import horizontal_fit, nice_ticks, vertical_fit
from hhtui.tui.views import ORDER, ViewContext, get_view

#: The plot area (inside its border) of an 80x24 and a 120x40 terminal.
PLOT_SIZES = [(52, 20), (86, 35)]
#: Round steps: 1, 2, 2.5 or 5 times a power of ten.
ROUND = (1.0, 2.0, 2.5, 5.0)

Y_TICK = re.compile(r"^\s*(-?\d+(?:\.\d+)?)┤", re.M)


def is_round_step(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in ROUND)


def check_ticks(values: list[float], low: float, high: float) -> None:
    """Evenly spaced by a round step, all inside the range, 0 among them if the range spans it."""
    assert values, (low, high)
    values = sorted(values)
    assert all(low - 1e-9 <= v <= high + 1e-9 for v in values)
    if len(values) > 1:
        steps = np.diff(values)
        assert np.allclose(steps, steps[0]) and is_round_step(float(steps[0])), values
        assert all(math.isclose(v / steps[0], round(v / steps[0]), abs_tol=1e-6) for v in values)
    if low <= 0 <= high:
        assert 0.0 in values, values


def chart_ticks(text: str) -> list[tuple[list[float], list[float]]]:
    """(y tick values, x tick values) of every chart in a view's text, in order."""
    lines = text.split("\n")
    charts = []
    top = None
    for i, line in enumerate(lines):
        if "┌" in line:
            top = i
        elif "└" in line and top is not None:
            ys = [float(v) for v in Y_TICK.findall("\n".join(lines[top:i]))]
            xs = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", lines[i + 1])] if i + 1 < len(lines) else []
            charts.append((ys, xs))
            top = None
    return charts


# ------------------------------------------------------------------------------------ ticks


@pytest.mark.parametrize(
    ("low", "high", "rows"),
    [(0.0, 1.0, 5), (0.0, 1.0, 9), (-758.6, 804.4, 14), (-1534.7, 73.1, 6), (-90.0, 60.0, 7), (95.0, 145.0, 7),
     (-998.8, -462.8, 8), (1e-4, 3e-4, 6), (12345.6, 12395.6, 10)],
)  # fmt: skip
def test_ticks_are_round_and_include_zero(low: float, high: float, rows: int) -> None:
    values, labels = nice_ticks(low, high, vertical_fit(rows))
    check_ticks(values, low, high)
    assert [float(label) for label in labels] == pytest.approx(values)
    assert len({len(label.split(".")[1]) if "." in label else 0 for label in labels}) == 1  # same decimals
    assert len(values) >= 2


def test_gates_get_evenly_spaced_ticks() -> None:
    # 1.00, 0.83, 0.50, 0.33 with 0.67 missing: plotext's own ticks on a short axis
    values, labels = nice_ticks(0.0, 1.0, vertical_fit(5))
    assert labels == ["0.0", "0.5", "1.0"]


def test_integer_axes_have_whole_numbers() -> None:
    # raster neurons 0..9 drawn from -0.5 to 9.5: 9.5, 7.8 ... -0.5 before
    for rows in (4, 8, 10, 20, 40):
        values, labels = nice_ticks(-0.5, 9.5, vertical_fit(rows), integer=True)
        assert values and all(float(v).is_integer() for v in values) and 0.0 in values
        assert all(re.fullmatch(r"\d+", label) for label in labels)
    values, _ = nice_ticks(0.0, 3.0, horizontal_fit(200), integer=True)
    assert values == [0.0, 1.0, 2.0, 3.0]  # never 0.5 steps, however much room


def test_horizontal_labels_do_not_touch() -> None:
    for columns in (30, 46, 80, 110):
        values, labels = nice_ticks(95.0, 145.0, horizontal_fit(columns))
        spacing = (values[1] - values[0]) / 50.0 * (columns - 1)
        assert spacing >= max(len(label) for label in labels) + 2


def test_degenerate_ranges_do_not_fail() -> None:
    assert nice_ticks(5.0, 5.0, vertical_fit(10))[0] == [5.0]
    assert nice_ticks(float("nan"), 1.0, vertical_fit(10)) == ([], [])


def test_chart_tick_labels_are_round_and_include_zero() -> None:
    chart = Chart(52, 20, colour=False, xlim=(95.3, 145.3), ylim=(-758.6, 804.4))
    chart.line([100.0, 140.0], [-700.0, 800.0], "I", "I_Na", "N")
    [(ys, xs)] = chart_ticks(chart.build().plain)
    check_ticks(ys, -758.6, 804.4)
    check_ticks(xs, 95.3, 145.3)


def test_raster_rows_are_neuron_numbers() -> None:
    result = simulate_network(NetworkSettings(n=10, topology="ring", t_stop=40.0))
    for height in (8, 12, 20):
        [(ys, _)] = chart_ticks(raster_chart(result, 60, height, colour=False, chosen=0).plain)
        assert 0.0 in ys and all(v.is_integer() and 0 <= v <= 9 for v in ys), ys


# ------------------------------------------------------------------------------ every view


@pytest.fixture(scope="module")
def live() -> LiveRun:
    run = LiveRun(Experiment(stimulus=Step(amplitude=10.0, start=5.0)))
    run.advance(run.chunk_for(145.0))
    return run


def context(run: LiveRun, width: int, height: int, colour: bool = False) -> ViewContext:
    return ViewContext(
        samples=run.window(50.0),
        t_from=run.t - 50.0,
        t_to=run.t,
        experiment=run.experiment,
        width=width,
        height=height,
        colour=colour,
    )


_PREPARED: dict[str, object] = {}


def build(run: LiveRun, name: str, width: int, height: int, colour: bool = False) -> str:
    view = get_view(name)
    ctx = context(run, width, height, colour)
    if view.prepare is not None:
        if name not in _PREPARED:
            _PREPARED[name] = view.prepare(ctx, lambda fraction: None)
        ctx.prepared = _PREPARED[name]
    return view.build(ctx).plain


@pytest.mark.parametrize("name", ORDER)
@pytest.mark.parametrize("size", PLOT_SIZES)
def test_every_view_has_round_ticks(live: LiveRun, name: str, size: tuple[int, int]) -> None:
    charts = chart_ticks(build(live, name, *size))
    assert charts, name
    for ys, xs in charts:
        for values in (ys, xs):
            assert values, (name, ys, xs)
            check_ticks(values, min(values), max(values))
            # 0 is a tick whenever the axis spans it (the labels cover the axis to within a step)
            if len(values) > 1 and values[0] < 0 < values[-1]:
                assert 0.0 in values


@pytest.mark.parametrize("name", ORDER)
@pytest.mark.parametrize("size", PLOT_SIZES)
def test_no_caption_is_cut(live: LiveRun, name: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    notes: list[str] = []

    def recording(width: int, note: str, most: int = 3):  # type: ignore[no-untyped-def]
        notes.append(note)
        return caption(width, note, most)

    module = __import__(f"hhtui.tui.views.{name}", fromlist=["build"])
    if hasattr(module, "caption"):
        monkeypatch.setattr(module, "caption", recording)
    text = build(live, name, *size)
    lines = text.split("\n")
    assert len(lines) == size[1] and all(len(line) == size[0] for line in lines)
    flat = " ".join(text.split())
    for note in notes:
        words = " ".join(note.replace("; ", " ").split())
        assert words in flat.replace("; ", " "), (name, note)


def test_captions_wrap_at_clauses_then_words() -> None:
    note = "reduced model: m = m_inf(V), h = 0.89 - 1.1 n (Rinzel 1985)"
    lines = caption_lines(52, note)
    assert len(lines) == 2 and all(len(line) <= 52 for line in lines)
    assert " ".join(lines) == note
    assert caption_lines(30, "peak 40.5 mV at 3.53 ms; rest -65.0 mV; c: show the cartoon") == [
        "peak 40.5 mV at 3.53 ms",
        "rest -65.0 mV",
        "c: show the cartoon",
    ]
    assert join_parts(["Network: ring of 10", "w 0.5 mS/cm2", "46 spikes"], 34) == (
        "Network: ring of 10 | w 0.5 mS/cm2\n46 spikes"
    )


def hidden_cells(without: list[str], with_legend: list[str]) -> list[tuple[int, int, str]]:
    """(row, column, character) of each drawn cell of a chart that its legend covers. A legend
    may sit on a frame's top edge (where the canvas has no room for it): that is not data."""
    top_edges = {row for row, line in enumerate(without) if "┌" in line}
    return [
        (row, col, old)
        for row, (a, b) in enumerate(zip(without, with_legend))
        for col, (old, new) in enumerate(zip(a, b))
        if old != " " and old != new and not (row in top_edges and old == "─")
    ]


@pytest.mark.parametrize("name", ORDER)
@pytest.mark.parametrize("size", PLOT_SIZES)
def test_legends_hide_no_data(live: LiveRun, name: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    with_legend = build(live, name, *size).split("\n")
    monkeypatch.setattr(plotting.Chart, "_draw_legend", lambda self, *args: None)
    without = build(live, name, *size).split("\n")
    hidden = hidden_cells(without, with_legend)
    assert not hidden, (name, hidden[:10])


@pytest.mark.parametrize("family", ["g_k", "temperature"])
@pytest.mark.parametrize("size", PLOT_SIZES)
def test_family_legends_hide_no_curve(
    live: LiveRun, family: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five F-I curves fill the chart: the legend goes where it hides none of them, or off the
    canvas (the frame's top edge, the axis-label line), every entry whole."""
    from hhtui.tui.views._family import OPTION

    view = get_view("fi")
    ctx = context(live, *size)
    ctx.options = frozenset({OPTION + family})
    ctx.prepared = view.prepare(ctx, lambda fraction: None)
    with_legend = view.build(ctx).plain.split("\n")
    monkeypatch.setattr(plotting.Chart, "_draw_legend", lambda self, *args: None)
    without = view.build(ctx).plain.split("\n")
    assert with_legend != without
    hidden = hidden_cells(without, with_legend)
    assert not hidden, hidden[:10]
    text = " ".join(with_legend)
    assert "I now" in text and all(f"{letter * 2} " in text for letter in "abcd")


def test_kinetics_legend_leaves_tau_h_visible(live: LiveRun) -> None:
    # tau_h peaks below -60 mV, where the legend used to sit (top left of the chart)
    text = build(live, "kinetics", 52, 20)
    tau_chart = text.split("\n")[10:]
    legend_rows = [line for line in tau_chart if "tau_h" in line]
    assert legend_rows and all(line.index("tau_h") > 26 for line in legend_rows)


def test_phase_names_are_not_drawn_over_the_trace(live: LiveRun) -> None:
    text = build(live, "phases", 52, 20)
    for name in ("resting", "depolarisation", "repolarisation", "hyperpolarisation"):
        [line] = [line for line in text.split("\n") if name in line]
        start = line.index(name)
        # the legend entry: its letters, then the name, with blanks around: no trace letter in it
        assert re.fullmatch(r" [rDRH]{2} " + name + r" *", line[start - 4 : start + len(name) + 1] + " ")


@pytest.mark.parametrize(("low", "high", "rows"), [(0.0, 190.0, 31), (0.0, 1.0, 31), (-90.0, 60.0, 17), (0.0, 1.0, 9)])
def test_vertical_ticks_are_two_rows_apart_or_more(low: float, high: float, rows: int) -> None:
    # Ticks fall on whole rows: 1.5 rows apart they alternate touching labels and gaps
    # (0, 10, 20 ... on the F-I view at 120x40 read 40/50 on adjacent rows, then a gap).
    values, _ = nice_ticks(low, high, vertical_fit(rows))
    spacing = (values[1] - values[0]) / (high - low) * (rows - 1)
    assert len(values) >= 3 and spacing >= 2.0


def test_a_legend_too_long_for_one_line_is_never_cut() -> None:
    # Five family curves and a marker at 80x24: the one-line legend used to lose the last names.
    chart = plotting.Chart(52, 18, colour=False, xlabel="step current (uA/cm2)", ylabel="rate (Hz)")
    x = np.linspace(0.0, 170.0, 60)
    for k, value in enumerate((9, 13.5, 18, 22.5, 27)):
        chart.line(x, np.sqrt(x) * (10 + k), f"g_K {value:g}", "V", "abcde"[k])
    for level in np.linspace(0.0, 180.0, 40):  # data on every row but the top one (the headroom)
        chart.line(x, np.full_like(x, level), None, "V", ".")
    chart.ylim = (0.0, 200.0)
    chart.vline(10.0, "marker", "I now")
    text = chart.build().plain
    for name in ("g_K 9", "g_K 13.5", "g_K 18", "g_K 22.5", "g_K 27", "I now"):
        assert name in text, name


def test_the_family_caption_never_parts_a_value_from_its_onset(live: LiveRun) -> None:
    from types import SimpleNamespace

    from hhtui.tui.views._family import FAMILIES
    from hhtui.tui.views.fi import _build_family

    amplitudes = np.linspace(0.0, 170.0, 50)
    members = [
        (value, SimpleNamespace(amplitudes=amplitudes, rates_hz=np.sqrt(amplitudes) * 10), onset)
        for value, onset in ((18.0, 0.5), (27.0, 1.5), (36.0, 6.3), (45.0, 16.0), (54.0, 40.0))
    ]
    lines = _build_family(context(live, 52, 20), FAMILIES["g_k"], members).plain.split("\n")
    caption = [line.strip() for line in lines if "onsets" in line or line.strip().startswith(("27", "36", "45"))]
    text = " ".join(lines)
    for pair in ("18:\u00a00.5", "27:\u00a01.5", "36:\u00a06.3", "45:\u00a016", "54:\u00a040"):
        assert pair in text, (pair, caption)
