"""The real app in a pseudo-terminal under other terminal settings, and hang-ups mid-work.

Extends tests/tui/test_hangup.py (q, and a hang-up in every state): here the app must be usable
by keyboard alone (no mouse events are ever sent) under ``TERM=dumb``, ``TERM=xterm`` and
``NO_COLOR=1``, restore the terminal when it quits, write no colour at all under ``NO_COLOR``
(while it runs, in two views, paused), and exit cleanly on SIGHUP whatever it is doing: starting up,
running at full speed, computing a background view, or showing another screen. "Cleanly" is:
exit status 129, no traceback, and nothing left of it (no process in its session).

Each app runs in its own session on its own pty, in a temporary working directory.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from hhtui.tui.views import ORDER, get_view, next_view

from .pty_app import PtyApp

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="needs POSIX signals")

PLOT_DRAWN = b"V (mV)"
#: The longest a clean exit may take on a loaded machine before it counts as hanging (s).
EXIT_DEADLINE_S = 20.0


@pytest.fixture(autouse=True)
def needs_a_pty() -> None:
    try:
        master, slave = os.openpty()
    except OSError as error:  # containers without /dev/pts
        pytest.skip(f"no pseudo-terminal available: {error}")
    os.close(master)
    os.close(slave)


def Terminal(cwd: Path, env: dict[str, str | None], columns: int = 100, rows: int = 30) -> PtyApp:
    """The app on a pty of ``columns`` x ``rows`` with environment ``env``, working in ``cwd``."""
    return PtyApp(columns, rows, env, cwd=cwd)


def session_members(session_id: int) -> list[int]:
    """Processes still alive in a session (the app's child was made its leader by pty.fork)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session_id:
            members.append(int(entry.name))
    return members


def colour_codes(output: bytes) -> list[str]:
    """Every SGR parameter that sets a colour (foreground or background, any colour system)."""
    found = []
    for params in re.findall(rb"\x1b\[([0-9;:]*)m", output):
        numbers = [p for p in re.split(rb"[;:]", params) if p]
        k = 0
        while k < len(numbers):
            n = int(numbers[k])
            if n in (38, 48, 58):
                found.append(params.decode())
                break
            if 30 <= n <= 37 or 40 <= n <= 47 or 90 <= n <= 97 or 100 <= n <= 107:
                found.append(params.decode())
                break
            k += 1
    return found


TERMINALS = {
    "TERM=dumb": {"TERM": "dumb"},
    "TERM=xterm": {"TERM": "xterm"},
    "NO_COLOR=1": {"NO_COLOR": "1"},
}


@pytest.mark.parametrize("name", list(TERMINALS))
def test_usable_by_keyboard_alone(name: str, tmp_path) -> None:
    """It starts, draws the plots, runs and pauses on space, changes the view on v, quits on q
    with status 0, and gives the terminal back (alternate screen left, cursor shown, mouse
    reporting off). Under NO_COLOR nothing it wrote meanwhile sets a colour: it runs a second
    in each of the two views, so that many frames are drawn."""
    no_color = "NO_COLOR" in TERMINALS[name]
    terminal = Terminal(tmp_path, TERMINALS[name])
    try:
        assert terminal.wait_for(PLOT_DRAWN, 60.0), f"no plot drawn: {bytes(terminal.output)[-1500:]!r}"
        mark = len(terminal.output)
        terminal.send(b" ")
        assert terminal.wait_for(b"RUN", 10.0, mark), "space did not start the run"
        if no_color:
            terminal.read(1.0)
        mark = len(terminal.output)
        terminal.send(b"v")
        title = get_view(next_view("voltage")).title.encode()
        assert terminal.wait_for(title, 10.0, mark), f"v did not show the {title!r} view"
        if no_color:
            terminal.read(1.0)
        mark = len(terminal.output)
        terminal.send(b" ")
        assert terminal.wait_for(b"PAUSE", 10.0, mark), "space did not pause the run"
        mark = len(terminal.output)
        terminal.send(b"q")
        assert terminal.wait_exit(EXIT_DEADLINE_S) == 0
        assert b"Traceback" not in terminal.output
        tail = bytes(terminal.output[mark:])
        for sequence, what in (
            (b"\x1b[?1049l", "alternate screen left"),
            (b"\x1b[?25h", "cursor shown"),
            (b"\x1b[?1000l", "mouse reporting off"),
        ):
            assert sequence in tail, what
        assert not list(tmp_path.iterdir()), "the app wrote files in its working directory"
        if no_color:
            codes = colour_codes(bytes(terminal.output))
            assert not codes, f"{len(codes)} colour codes, e.g. {sorted(set(codes))[:5]}"
    finally:
        terminal.close()


def test_the_colour_check_finds_colour() -> None:
    """colour_codes tells colour from other attributes (so the NO_COLOR check above can fail)."""
    assert colour_codes(b"\x1b[1;7m\x1b[0m\x1b[39;49m\x1b[4m") == []
    assert colour_codes(b"\x1b[38;5;248m") and colour_codes(b"\x1b[1;91;100m") and colour_codes(b"\x1b[48;2;1;2;3m")


def press_fi_view(terminal: Terminal) -> None:
    terminal.send(b"v" * ORDER.index("fi"))  # the F-I curve is computed in a worker thread


def press_fast_run(terminal: Terminal) -> None:
    terminal.send(b"]" * 12 + b" ")  # as fast as it goes


#: What the app is doing when the terminal hangs up: (keys, what must appear before the hang-up).
SCENARIOS = {
    "starting up": (None, b"preparing solver"),  # the first frame, the model still loading
    "running at full speed": (press_fast_run, b"RUN"),
    "computing the F-I view": (press_fi_view, b"F-I"),
    "on the axon screen": (lambda t: t.send(b"A"), b"xon"),
    "on the help screen": (lambda t: t.send(b"?"), b"elp"),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_sighup_mid_work_exits_cleanly(scenario: str, tmp_path) -> None:
    keys, shown = SCENARIOS[scenario]
    terminal = Terminal(tmp_path, {})
    try:
        if keys is not None:
            assert terminal.wait_for(PLOT_DRAWN, 60.0)
            mark = len(terminal.output)
            keys(terminal)
            assert terminal.wait_for(shown, 10.0, mark), f"{scenario}: {shown!r} never shown"
            terminal.read(0.2)
        else:
            assert terminal.wait_for(shown, 60.0)
        start = time.monotonic()
        os.kill(terminal.pid, signal.SIGHUP)
        status = terminal.wait_exit(EXIT_DEADLINE_S)
        seconds = time.monotonic() - start
        print(f"{scenario}: exit status {status} {seconds:.2f} s after SIGHUP")
        assert status is not None, f"{scenario}: still running {EXIT_DEADLINE_S:g} s after SIGHUP"
        # 129 from the app's own handler; killed by the signal itself (before the handler is set up)
        # is as clean, and a shell reports it as 129 too.
        assert status in (129, -signal.SIGHUP), f"{scenario}: exit status {status}"
        assert b"Traceback" not in terminal.output and b"Error" not in terminal.output[-2000:]
        assert not session_members(terminal.pid), "processes of the app are left behind"
        assert not Path(f"/proc/{terminal.pid}").exists()
    finally:
        terminal.close()
