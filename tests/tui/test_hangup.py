"""The real app in a pseudo-terminal: it starts, draws, quits on q, and survives a hang-up."""

from __future__ import annotations

import os
import re
import signal

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


def test_sighup_exits_without_a_traceback() -> None:
    app = start()
    try:
        app.send(b" ")
        app.read(0.5)
        os.kill(app.pid, signal.SIGHUP)
        assert app.wait_exit(20.0) == 129
        assert b"Traceback" not in app.output
    finally:
        app.close()


def test_terminal_closing_under_the_app_ends_it() -> None:
    app = start()
    app.send(b" ")
    app.read(0.5)
    os.close(app.fd)  # the terminal goes away: the kernel hangs up the session
    try:
        status = app.wait_exit(20.0)
        assert status is not None, "the app kept running after its terminal closed"
        assert status in (129, 0, -signal.SIGHUP)
    finally:
        if app.status is None:
            os.kill(app.pid, signal.SIGKILL)
            os.waitpid(app.pid, 0)


#: 256-colour indices that are greys: black, white, the greys of the 6x6x6 cube and the ramp.
GREYS = {0, 7, 8, 15, 16, 59, 102, 145, 188, 231, *range(232, 256)}


def test_no_color_output_is_monochrome() -> None:
    app = start({"NO_COLOR": "1"})
    try:
        app.send(b" ")
        app.read(1.0)
        text = bytes(app.output)
        indexed = [int(n) for n in re.findall(rb"[34]8;5;([0-9]+)", text)]
        true_colour = re.findall(rb"[34]8;2;([0-9]+);([0-9]+);([0-9]+)", text)
        assert indexed or true_colour or b"V (mV)" in text
        assert set(indexed) <= GREYS, sorted(set(indexed) - GREYS)
        assert all(r == g == b for r, g, b in true_colour)
        # basic colours (30-37, 90-97 foreground) other than black and white are not used
        basic = {int(n) for n in re.findall(rb"\x1b\[([39][0-7])m", text)}
        assert basic <= {30, 37, 90, 97}, basic
        app.send(b"q")
        app.wait_exit(20.0)
    finally:
        app.close()
