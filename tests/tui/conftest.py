"""Helpers for driving the app in tests."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from hhtui.tui.app import HHApp


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no async plugin needed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**arguments))
        return True
    return None


async def wait_ready(app: HHApp, pilot) -> None:
    """Wait until the model has loaded, the panel is filled and every worker is done."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert app.session is not None, app.load_error
    for _ in range(200):
        if app.panel.loaded:
            break
        await pilot.pause(0.01)
    assert app.panel.loaded


async def settle(app: HHApp, pilot) -> None:
    """Let workers (chunks, background views, export) finish and the screen update."""
    await app.workers.wait_for_complete()
    await pilot.pause()
