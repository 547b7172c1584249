"""The footer shows its keys whole on every view and screen, from the smallest layout up.

A view's own key (``f Family`` on the F-I view, ``c Cartoon`` on the AP-phases view) used to push
the last keys past the right edge at 80 columns, cutting ``? Help`` in half. The footer now leaves
out spare keys (they stay bound and listed in the help and the palette) so the rest is whole.
"""

from __future__ import annotations

import pytest
from textual.binding import Binding

from hhtui.tui.app import HHApp
from hhtui.tui.settings import MIN_SIZE
from hhtui.tui.views import ORDER
from hhtui.tui.widgets.fitted_footer import FittedFooter, fit_bindings, key_width

from .conftest import settle, wait_for, wait_ready

SIZES = [MIN_SIZE, (80, 24), (120, 40)]


def footer_line(app: HHApp) -> str:
    """The last line the screen shows (the footer)."""
    return app.screen._compositor.render_strips()[-1].text


def footer_problems(app: HHApp, where: str) -> list[str]:
    """What is cut or missing in the footer now shown."""
    footers = list(app.screen.query(FittedFooter)) or list(app.screen_stack[0].query(FittedFooter))
    if not footers:
        return [f"{where}: no footer"]
    footer = footers[0]
    line = footer_line(app)
    keys_part = line.split("▏")[0]
    found: list[str] = []
    labels = [f"{key.key_display} {key.description}" for key in footer.query("FooterKey") if key.description]
    shown = [label for label in labels if "palette" not in label]
    if not shown:
        return [f"{where}: the footer shows no key: {line!r}"]
    for label in shown:
        if label not in keys_part:
            found.append(f"{where}: {label!r} is not shown whole in {line!r}")
    if "? Help" not in keys_part:
        found.append(f"{where}: no whole '? Help' in {line!r}")
    if not keys_part.rstrip().endswith(shown[-1]):
        found.append(f"{where}: the footer does not end with its last key {shown[-1]!r}: {line!r}")
    if "^p palette" not in line:
        found.append(f"{where}: no '^p palette' in {line!r}")
    return found


async def footer_settled(app: HHApp, pilot, where: str) -> list[str]:
    """The footer's problems once it has been laid out again (it is rebuilt a frame after a change)."""
    try:
        await wait_for(pilot, lambda: not footer_problems(app, where), timeout=10, what=f"a whole footer at {where}")
    except AssertionError:
        pass
    return footer_problems(app, where)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_view_and_screen_shows_its_footer_whole(size: tuple[int, int], tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(20.0)
        found: list[str] = []
        for name in ORDER:
            app.main.view_name = name
            await settle(app, pilot)
            found += await footer_settled(app, pilot, f"{size} view {name}")
        for key, screen in (("A", "AxonScreen"), ("W", "NetworkScreen"), ("question_mark", "HelpScreen")):
            await pilot.press(key)
            await wait_for(pilot, lambda screen=screen: type(app.screen).__name__ == screen, what=screen)
            await settle(app, pilot)
            found += await footer_settled(app, pilot, f"{size} {screen}")
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.main, what="the main screen back")
        assert not found, "\n".join(found)


async def test_a_narrow_footer_still_offers_the_views_own_key(tmp_path) -> None:
    """At 80 columns the F-I view's ``f`` and the AP-phases view's ``c`` are shown, and the keys
    left out of the footer still act."""
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.view_name = "fi"
        await settle(app, pilot)
        await wait_for(pilot, lambda: "f Family" in footer_line(app), what="f Family in the footer")
        app.main.view_name = "phases"
        await settle(app, pilot)
        await wait_for(pilot, lambda: "c Cartoon" in footer_line(app), what="c Cartoon in the footer")
        assert "s Step" not in footer_line(app)
        await pilot.press("s")  # left out of the footer, still bound
        await wait_for(pilot, lambda: app.session.t > 0, what="the step")


def test_fit_bindings_leaves_out_spare_keys_first_and_keeps_help() -> None:
    bindings = [
        Binding("space", "run", "Run", id="run"),
        Binding("s", "step", "Step", id="step"),
        Binding("r", "reset", "Reset", id="reset"),
        Binding("f", "family", "Family", id="family"),
        Binding("question_mark", "app.help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]
    entries = [(binding, "?" if binding.key == "question_mark" else binding.key) for binding in bindings]
    whole = sum(key_width(display, binding.description) for binding, display in entries) - 1
    assert fit_bindings(entries, whole) == entries
    fitted = fit_bindings(entries, whole - 1, spare=("reset",))
    assert [binding.id for binding, _ in fitted] == ["run", "step", "family", None, None]
    fitted = fit_bindings(entries, 14, spare=("reset", "step"))
    assert [binding.action for binding, _ in fitted] == ["app.help", "app.quit"]
    assert fit_bindings(entries, 3) == []
