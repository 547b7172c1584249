"""At the smallest usual terminal, 80x24, the panel's choices and a preset's text are shown whole."""

from __future__ import annotations

from textual.widgets import Select

from hhtui.tui.app import HHApp
from hhtui.tui.widgets.parameter_panel import STIMULUS_TYPES, TYPE_LABELS
from hhtui.tui.widgets.wrapped_text import WrappedText, wrap_text

from .conftest import settle, wait_for, wait_ready


def screen_lines(app: HHApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_every_stimulus_type_and_method_is_shown_whole_at_80x24(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        cut: list[str] = []
        for select_id in ("#s-type", "#method"):
            select = app.query_one(select_id, Select)
            values = [(value, str(label)) for label, value in select._options if value is not Select.BLANK]
            if select_id == "#s-type":
                assert [value for value, _ in values] == list(STIMULUS_TYPES)
                assert [label for _, label in values] == [TYPE_LABELS[kind] for kind in STIMULUS_TYPES]
            for value, label in values:
                select.value = value
                await settle(app, pilot)
                await wait_for(pilot, lambda select=select: select.region.height > 0, what="the select drawn")
                region = select.region
                row = screen_lines(app)[region.y][region.x : region.right]
                if label not in row:
                    cut.append(f"{select_id} {value!r}: {row!r} for {label!r}")
        assert not cut, "\n".join(cut)


def test_a_long_compound_word_wraps_after_its_hyphen() -> None:
    text = "later spikes start from the after-hyperpolarisation with some sodium channels"
    lines = wrap_text(text, 19)
    assert all(len(line) <= 19 for line in lines)
    assert lines[1].endswith("after-") and lines[2] == "hyperpolarisation"
    assert wrap_text("one\n\ntwo", 10) == ["one", "", "two"]


async def test_a_presets_text_is_not_cut_mid_word_at_80x24(tmp_path) -> None:
    from hhtui.experiments import get_preset

    app = HHApp(get_preset("repetitive"), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        about = app.query_one("#description", WrappedText)
        await wait_for(pilot, lambda: about.region.height > 3, what="the preset's text")
        shown = [line.strip() for line in str(about.render()).split("\n")]
        assert "hyperpolarisa" not in shown and any(line.startswith("hyperpolarisation") for line in shown)
        # Every word whole: the lines joined again (no space after a hyphen) give the text back.
        joined = "".join(line + ("" if line.endswith("-") else " ") for line in shown)
        assert joined.split() == get_preset("repetitive").description.split()


async def test_the_inactivation_checkbox_says_its_state_whole_at_80x24(tmp_path) -> None:
    from hhtui.tui.widgets.parameter_panel import StateCheckbox

    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        box = app.query_one("#m-inactivation", StateCheckbox)
        for on, words in ((True, "Na inactivation on"), (False, "Na inactivation OFF")):
            box.value = on
            await settle(app, pilot)
            await wait_for(pilot, lambda words=words: words in str(box.label), what=words)
            await pilot.pause()
            row = screen_lines(app)[box.region.y][box.region.x : box.region.right]
            assert words in row, row
            assert ("X" in row) == on  # the box's mark itself says it too
