"""The F-I view's family of curves (key f) and the hysteresis view (key H, linked from the
bistability preset), driven with real key presses; their sweeps run in background workers."""

from __future__ import annotations

import re

import pytest
from textual.message import Message

from hhtui.tui.app import HHApp
from hhtui.tui.messages import PrepareProgress

from .conftest import wait_for, wait_ready


def plot_plain(app: HHApp) -> str:
    return app.main.plot.render().plain


def drawn(app: HHApp) -> bool:
    return "computing" not in plot_plain(app)


@pytest.mark.slow
async def test_f_turns_the_f_i_curve_into_a_family_over_a_second_parameter(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("f")  # not a key of the voltage view: nothing changes
        assert not app.main.options
        while app.main.view_name != "fi":
            await pilot.press("v")
        await wait_for(pilot, lambda: "repetitive firing from" in plot_plain(app), timeout=240, what="the F-I curve")
        assert "f: family" in str(app.main.plot.border_subtitle)

        await pilot.press("f")
        await wait_for(pilot, lambda: "g_K (mS/cm2) onsets" in plot_plain(app), timeout=240, what="the g_K family")
        text = plot_plain(app)
        # around the present 36; the legend names the parameter once: "g_K 18", "27", ...
        for label in ("g_K 18", "27", "36", "45", "54"):
            assert re.search(rf"(⣿⣿|\b[a-e]{{2}}) {label}\b", text), (label, text)
        onsets = re.search(r"onsets \(uA/cm2\) ([^\n]*\d)", text)
        assert onsets is not None, text
        values = [float(part.split(":")[1]) for part in onsets.group(1).split(", ")]
        assert len(values) == 5
        # More potassium conductance takes more current to reach sustained firing.
        assert all(low < high for low, high in zip(values, values[1:])), values

        # The panel's value is the centre of the family: a g_K of 24 gives 12 ... 36.
        field = app.query_one("#m-g_k")
        field.focus()
        field.value = "24"
        await pilot.press("enter", "escape")
        await wait_for(pilot, lambda: "g_K 12" in plot_plain(app), timeout=240, what="the family around g_K 24")
        assert "36:" in plot_plain(app) and "54:" not in plot_plain(app)  # the onsets listed

        await pilot.press("f")
        await wait_for(pilot, lambda: "T (C) onsets" in plot_plain(app), timeout=240, what="the temperature family")
        assert "T 6.3" in plot_plain(app) and all(f"{t}:" in plot_plain(app) for t in ("6.3", "10.3", "14.3", "18.3"))

        # On round the cycle (g_Na, E_K, g_L: each started and dropped), back to a single curve.
        await pilot.press("f", "f", "f", "f")
        assert not any(option.startswith("family=") for option in app.main.options)
        await wait_for(
            pilot, lambda: "repetitive firing from" in plot_plain(app), timeout=240, what="the single curve again"
        )


def test_the_family_key_cycles_through_every_parameter_and_back() -> None:
    from hhtui.tui.views._family import FAMILIES, chosen, family_values, next_family

    options: frozenset[str] = frozenset({"cartoon"})
    seen = []
    for _ in range(len(FAMILIES) + 1):
        options = next_family(options)
        family = chosen(options)
        seen.append(family.name if family else None)
        assert "cartoon" in options  # other options are left alone
    assert seen == [*FAMILIES, None]
    # Values stay within the parameter's range (a temperature of 55 C has no 63 or 67 C).
    assert family_values(FAMILIES["temperature"], 55.0) == (55.0, 59.0)


@pytest.mark.slow
async def test_hysteresis_view_shows_both_branches_apart_in_the_bistable_range(tmp_path) -> None:
    """Rinzel (1978, in Studies in Mathematics 15, ed. de Boor) and Guckenheimer & Labouriau
    (1993, Bull Math Biol 55:937-952): at 6.3 C rest loses stability at a subcritical Hopf
    bifurcation near 9.78 uA/cm^2 and the firing cycle is born at a fold of limit cycles near
    6.26 uA/cm^2. Stepped up from rest the membrane rests up to the Hopf point; stepped down
    from firing it fires down to the fold. Tolerance: the view's grid step (0.25 uA/cm^2) plus
    one more, as each step lasts a finite time."""
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        fractions: list[float] = []
        plot = app.main.plot
        post = plot.post_message

        def spy(message: Message) -> bool:  # the plot's worker reports its progress with messages
            if isinstance(message, PrepareProgress) and message.view == "hysteresis":
                fractions.append(message.fraction)
            return post(message)

        plot.post_message = spy  # type: ignore[method-assign]
        app.main.load_preset("bistability")
        await wait_for(pilot, lambda: app.session.experiment.name == "bistability", what="the preset")
        assert "hysteresis view (key H" in app.session.experiment.description
        await pilot.press("escape", "H")
        assert app.main.view_name == "hysteresis"
        await wait_for(pilot, lambda: "bistable" in plot_plain(app), timeout=240, what="the hysteresis sweep")
        # It ran in a worker thread and said how far it had got on the way.
        assert any(0.0 < f < 1.0 for f in fractions), fractions
        assert fractions == sorted(fractions)
        text = plot_plain(app)
        assert "up" in text and "down" in text and "V max/min (mV)" in text and "rate (Hz)" in text
        found = re.search(r"bistable ([\d.]+)-([\d.]+) uA/cm2: rest going up, firing coming down", text)
        assert found is not None, text
        low, high = float(found.group(1)), float(found.group(2))
        assert 6.26 - 0.5 <= low <= 6.26 + 0.5 and 9.78 - 0.5 <= high <= 9.78 + 0.5

        # The data drawn: both branches, apart inside the range and together outside it.
        result = app.main.plot._prepared["hysteresis"].result
        up = dict(zip(result.amps[result.direction > 0], result.rate_hz[result.direction > 0]))
        down = dict(zip(result.amps[result.direction < 0], result.rate_hz[result.direction < 0]))
        assert set(up) == set(down)
        assert up[8.0] == 0.0 and down[8.0] > 40.0  # rest up, firing down, at the same current
        assert up[4.0] == down[4.0] == 0.0 and up[12.0] > 0.0 and down[12.0] > 0.0

        # The view follows the membrane: without sodium channels nothing fires either way.
        field = app.query_one("#m-g_na")
        field.focus()
        field.value = "0"
        await pilot.press("enter", "escape")
        await wait_for(
            pilot, lambda: "the branches agree" in plot_plain(app), timeout=240, what="the sweep without sodium"
        )
