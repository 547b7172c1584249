"""The app on the files the command line writes and on whatever a config file holds: a sweep's
sidecar (one current per neuron) opens on its first neuron and the current keys work on it;
titles and descriptions are shown as the text they are, never as markup; and export works at
any simulated time, past the longest t_stop an experiment takes."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Collapsible

from hhtui.cli.common import load_experiment_file
from hhtui.model.experiment import MAX_T_STOP
from hhtui.tui.app import HHApp
from hhtui.tui.widgets.wrapped_text import WrappedText
from tests.processes import run_hhtui

from .conftest import settle, wait_for, wait_ready


def notes(app: HHApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def test_a_sweep_sidecar_opens_on_its_first_neuron(tmp_path: Path) -> None:
    done = run_hhtui("sweep", "--amp", "0:20:1", "--t-stop", "50", "--transient", "10", "-o", "sw.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    app = HHApp(load_experiment_file(str(tmp_path / "sw.json")), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        assert app.session.sim.population == 1
        assert any("21 neurons" in note for note in notes(app)), notes(app)
        await pilot.press("s")  # a little time first, so the Up below is a live change
        await settle(app, pilot)
        await pilot.press("up", "up", "down", "up")
        await settle(app, pilot)
        assert app.session.current == 2.0
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.t > 5.0, what="the run to advance")
        await pilot.press("space", "e")
        await wait_for(pilot, lambda: app.main.last_export is not None, what="the export")
        sidecar = json.loads(app.main.last_export[1].read_text())
        assert sidecar["experiment"]["stimulus"]["amplitude"] == 0.0
        assert sidecar["final_experiment"]["stimulus"]["amplitude"] == 2.0
    assert app.return_value in (None, 0)


async def test_titles_and_descriptions_are_plain_text(tmp_path: Path) -> None:
    title = "[/x] not [b]bold[/b]"
    description = "An unmatched tag [/x], valid markup [b]bold[/b] [red]red[/red] and [link=http://x]a link[/link]."
    path = tmp_path / "marked.json"
    path.write_text(json.dumps({"title": title, "description": description, "t_stop": 20.0}))
    app = HHApp(load_experiment_file(str(path)), export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        shown = app.query_one("#description", WrappedText)
        assert shown.text == description and " ".join(str(shown.render()).split()) == description
        about = app.query_one("#about", Collapsible)
        assert str(about.title) == title
        await pilot.press("s")
        await settle(app, pilot)
    assert app.return_value in (None, 0)


async def test_export_works_after_ten_million_simulated_ms(tmp_path: Path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        app.session.sim.t = 1.0329e7  # where 8.5 minutes at top speed bring a run
        await pilot.press("s", "e")
        await wait_for(pilot, lambda: app.main.last_export is not None, what="the export")
        sidecar = json.loads(app.main.last_export[1].read_text())
        assert sidecar["experiment"]["t_stop"] == MAX_T_STOP
        assert sidecar["simulated_to_ms"] > 1.0329e7
        assert not [n for n in app._notifications if n.severity == "error"], notes(app)
        load_experiment_file(str(app.main.last_export[1]))  # and it opens again
    assert app.return_value in (None, 0)
