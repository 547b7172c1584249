"""The real app in a pseudo-terminal: it starts, draws, quits on q, and leaves on a hang-up in
any state (start-up, kernels compiling, running, a worker computing, a screen or the command
palette open, an export being written): the process ends, with nothing left in its session."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from .pty_app import PtyApp

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="needs POSIX signals")

#: Text of the main view's y-axis label: the plot has been drawn when it appears.
PLOT_DRAWN = b"V (mV)"


def start(env: dict[str, str] | None = None) -> PtyApp:
    app = PtyApp(100, 30, env)
    if not app.wait_for(PLOT_DRAWN, 60.0):
        app.close()
        pytest.fail(f"the app did not draw its plot: {bytes(app.output)[-2000:]!r}")
    return app


def test_q_quits_cleanly() -> None:
    app = start()
    try:
        app.send(b" ")  # run a little
        app.read(0.5)
        app.send(b"q")
        assert app.wait_exit(20.0) == 0
        assert b"Traceback" not in app.output
    finally:
        app.close()


#: Generous bound (s) for the app to be gone after a hang-up (it takes well under a second on
#: an idle machine: see benchmarks/hangup_trials.py).
GONE_WITHIN_S = 20.0
#: The first frame: the app has switched the terminal to its alternate screen.
FIRST_FRAME = b"\x1b[?1049h"


def session_members(session: int) -> list[int]:
    """Processes (other than zombies) whose session is ``session`` (the app is its leader)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == session:
            members.append(int(entry.name))
    return members


def reach_first_frame(app: PtyApp) -> None:
    assert app.wait_for(FIRST_FRAME, 60.0), bytes(app.output)[-2000:]


def reach_plot(app: PtyApp) -> None:
    assert app.wait_for(PLOT_DRAWN, 60.0), bytes(app.output)[-2000:]


def reach_running(app: PtyApp) -> None:
    reach_plot(app)
    app.send(b" ")
    app.read(0.3)


#: Terminal control sequences (CSI and OSC), removed before looking for text on the screen: the app
#: may paint one word in several pieces, with cursor moves or style changes between them.
CONTROL = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def wait_for_text(app: PtyApp, needle: bytes, seconds: float, start: int = 0) -> bool:
    """Like ``app.wait_for``, but on the text with the control sequences taken out."""
    deadline = time.monotonic() + seconds
    while True:
        if needle in CONTROL.sub(b"", bytes(app.output[start:])):
            return True
        if time.monotonic() >= deadline or app.exited():
            return False
        app.read(0.05)


def reach_ready(app: PtyApp) -> None:
    """The plot is drawn and the app has said it is ready for keys (its panel is built): a key
    sent earlier may land while the app is still building and do nothing."""
    reach_plot(app)
    ready = getattr(app, "ready_file", None)
    if ready is not None:
        deadline = time.monotonic() + 90.0
        while not ready.exists() and time.monotonic() < deadline and not app.exited():
            app.read(0.05)
        assert ready.exists(), bytes(app.output)[-2000:]


def after_keys(keys: bytes, needle: bytes, *, run_first: bool = False):
    def reach(app: PtyApp) -> None:
        reach_ready(app)
        if run_first:
            app.send(b" ")
            assert app.wait_for(b"RUN ", 90.0, start=len(app.output))
            app.read(0.5)
        start = len(app.output)
        for _attempt in range(3):
            # Escape first: a key typed while an input of the panel has the focus is text, not a
            # command. Then the key, and the screen it opens, with a generous bound each time.
            app.send(b"\x1b")
            app.read(0.3)
            app.send(keys)
            if wait_for_text(app, needle, 30.0, start=start):
                break
        assert wait_for_text(app, needle, 0.0, start=start), bytes(app.output)[-2000:]

    return reach


#: How to bring the app into each state, by name.
STATES = {
    "start-up": reach_first_frame,
    "running": reach_running,
    "axon worker computing": after_keys(b"A", b"Axon 5 cm"),  # the screen is up, its cable computing
    # Its header names it from the first frame on ("Network: ring of 10 ..."), computing or not.
    "network screen": after_keys(b"W", b"Network:"),
    "command palette": after_keys(b"\x10", b"for commands"),
    "help": after_keys(b"?", b"hhtui: keys"),
    "presets": after_keys(b"p", b"Load a preset"),
    "export being written": after_keys(b"e", b"Exporting", run_first=True),
}


#: The states tried in the quick suite (every one with the slow tests), and how the hang-up comes.
QUICK = {"start-up", "axon worker computing", "command palette", "export being written"}
CASES = [
    pytest.param(state, how, marks=[] if state in QUICK and how == "terminal closed" else [pytest.mark.slow])
    for state in STATES
    for how in ("terminal closed", "SIGHUP")
]


@pytest.mark.parametrize(("state", "how"), CASES)
def test_a_hang_up_ends_the_app_in_every_state(state: str, how: str, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    app = PtyApp(80, 24, cwd=tmp_path, env={"HHTUI_READY_FILE": str(ready)})
    app.ready_file = ready  # type: ignore[attr-defined]
    try:
        STATES[state](app)
        assert session_members(app.pid) == [app.pid], "the app started other processes"
        if how == "SIGHUP":
            os.kill(app.pid, signal.SIGHUP)
        else:
            os.close(app.fd)  # the terminal goes away: the kernel hangs up the session
        status = app.wait_exit(GONE_WITHIN_S)
        assert status is not None, f"the app still runs {GONE_WITHIN_S} s after a hang-up ({state})"
        assert status in (129, -signal.SIGHUP), status
        if state == "running" and how == "SIGHUP":  # the app's own handler, in place long before
            assert status == 129, status
        assert session_members(app.pid) == [], "a process of the app outlived it"
        assert not list(tmp_path.glob(".hhtui-*.tmp")), "an export cut short left its temporary file"
        if how == "SIGHUP":  # the terminal is still there to show what the app wrote last
            assert b"Traceback" not in app.output
    finally:
        app.close()


def test_a_hang_up_while_the_kernels_compile_ends_the_app(tmp_path: Path) -> None:
    """No compiled kernels cached: the app hangs up while numba compiles them."""
    app = PtyApp(
        80,
        24,
        env={"NUMBA_CACHE_DIR": str(tmp_path / "cache"), "HHTUI_CACHE_DIR": str(tmp_path / "cache")},
        cwd=tmp_path,
    )
    try:
        reach_first_frame(app)
        app.read(1.0)  # well into the compilation (it takes many seconds)
        assert b"V (mV)" not in app.output
        os.close(app.fd)
        status = app.wait_exit(GONE_WITHIN_S)
        assert status is not None, "the app still runs after a hang-up while compiling"
        assert status in (129, -signal.SIGHUP), status
        assert session_members(app.pid) == []
    finally:
        app.close()
