"""Helpers for driving the app in tests."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable

import pytest
from textual.app import App
from textual.worker import WorkerCancelled, WorkerFailed

from hhtui.tui.app import HHApp


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no async plugin needed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**arguments))
        return True
    return None


#: The bound of every wait on the app (s): generous, for a loaded machine. A wait ends as soon as its
#: condition holds; the bound only turns a hang into a failure.
WAIT_S = 60.0


async def wait_for(pilot, condition: Callable[[], object], timeout: float = WAIT_S, what: str = "") -> None:
    """Let the app run until ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout:g} s for {what or condition}")
        await pilot.pause(0.02)


async def _each_worker_ends(app: App) -> None:
    """Until every worker running now has ended, however: a worker that fails (an export onto a
    full disk) is reported by the app itself, in its handler of the worker's state."""
    for worker in list(app.workers):
        try:
            await worker.wait()
        except (WorkerFailed, WorkerCancelled):
            pass


async def workers_done(app: App, timeout: float = WAIT_S) -> None:
    """Wait for the workers running now (bounded; failed ones count as ended)."""
    try:
        await asyncio.wait_for(_each_worker_ends(app), timeout)
    except asyncio.TimeoutError:
        running = [f"{worker.group}/{worker.name}" for worker in app.workers]
        raise AssertionError(f"workers still running after {timeout:g} s: {running}") from None


async def settle(app: App, pilot, timeout: float = WAIT_S) -> None:
    """Until the app is quiet: no worker running, and none started by drawing the screen.

    Some work is only scheduled by a refresh (a view's background data starts when the plot is
    drawn), so the screen is drawn after the workers end, and the wait repeats if that started any.
    """
    deadline = time.monotonic() + timeout
    while True:
        await workers_done(app, max(0.0, deadline - time.monotonic()))
        await pilot.pause()
        if not len(app.workers):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the app kept starting workers for {timeout:g} s")


async def wait_ready(app: HHApp, pilot, timeout: float = WAIT_S) -> None:
    """Wait until the model has loaded, the panel is filled and no worker is running.

    The model's loader is only scheduled after the first frame, so this waits for its outcome
    (a session or an error), not for the workers that exist at the time of the call.
    """
    await wait_for(pilot, lambda: app.session is not None or app.load_error is not None, timeout, "the model to load")
    assert app.session is not None, app.load_error
    await wait_for(pilot, lambda: app.main.panel.loaded, timeout, "the panel to be filled")
    await settle(app, pilot, timeout)
