"""The app on an experiment whose stimulus is a sum nested as deep as a config may nest it: every
view draws and the run goes on (deeper configs are refused by the loader, see the CLI tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hhtui.cli.common import load_experiment_file
from hhtui.model.stimulus import MAX_NESTING
from hhtui.tui.app import HHApp

from .conftest import settle, wait_ready


async def wait_loaded(app: HHApp, pilot) -> None:
    """Wait (generously: the first app of a process may still be loading the kernels) for the
    run to be built, then for the app to be ready."""
    for _ in range(6000):
        if app.session is not None or app.load_error:
            break
        await pilot.pause(0.02)
    await wait_ready(app, pilot)


@pytest.mark.slow
async def test_app_survives_the_deepest_nested_sum(tmp_path: Path) -> None:
    stimulus: dict = {"type": "step", "amplitude": 10.0, "start": 1.0}
    for _ in range(MAX_NESTING):
        stimulus = {"type": "sum", "parts": [stimulus]}
    path = tmp_path / "deep.json"
    path.write_text(json.dumps({"t_stop": 20.0, "stimulus": stimulus}))
    app = HHApp(load_experiment_file(str(path)))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        seen = []
        for _ in range(12):
            await pilot.press("v")
            await settle(app, pilot)
            seen.append(app.main.view_name)
        assert "phase" in seen and len(set(seen)) >= 5
        await pilot.press("s")
        await settle(app, pilot)
        assert app.session is not None and app.session.t > 0.0
    assert app.return_value in (None, 0)
