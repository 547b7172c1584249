"""A monkey that drives the real app in a pseudo-terminal with real timing.

Keys arrive as a terminal sends them (escape sequences, bursts of several keys in one write,
random pauses from none to a few hundred ms), with terminal resizes and pastes (bracketed, and
unbracketed as tmux's ``paste-buffer`` sends them: one key per character), short and of 5,000
characters. The draw is weighted towards opening and closing every screen and list: the command
palette (typing, PageUp/PageDown, arrows, enter), the preset picker, the help, the axon and
network screens, escape and q.

A quit (q on the main screen, or a palette command) is not a failure: the app is started again
and the count goes on. A failure is a traceback in the output, an exit with another status, or
an app that no longer answers: at the end, after closing what is open with escape, ``?`` must
bring up the help within a generous bound.
"""

from __future__ import annotations

import fcntl
import os
import random
import signal
import struct
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

from .pty_app import PtyApp

#: Keys as a terminal sends them.
KEYS = {
    "escape": b"\x1b",
    "enter": b"\r",
    "tab": b"\t",
    "shift+tab": b"\x1b[Z",
    "backspace": b"\x7f",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "home": b"\x1b[H",
    "end": b"\x1b[F",
    "pageup": b"\x1b[5~",
    "pagedown": b"\x1b[6~",
    "delete": b"\x1b[3~",
    "f1": b"\x1bOP",
    "f5": b"\x1b[15~",
    "ctrl+p": b"\x10",
    "ctrl+a": b"\x01",
    "ctrl+e": b"\x05",
    "ctrl+k": b"\x0b",
    "ctrl+u": b"\x15",
    "ctrl+w": b"\x17",
    "space": b" ",
}
#: Keys that open a screen or a list, and that close one; drawn most often.
OPENERS = ["ctrl+p", "p", "?", "A", "W"]
CLOSERS = ["escape", "escape", "q"]
#: Keys used inside lists (the palette, the preset picker, the help).
LIST_KEYS = ["pageup", "pagedown", "pageup", "pagedown", "up", "down", "home", "end", "enter", "tab"]
#: Keys of the main screen and the other screens.
APP_KEYS = [
    "space",
    "v",
    "s",
    "r",
    "+",
    "-",
    "[",
    "]",
    "<",
    ">",
    "c",
    "e",
    "b",
    "t",
    "left",
    "right",
    "n",
    "shift+tab",
    "tab",
    "backspace",
    "delete",
    "f1",
    "ctrl+a",
    "ctrl+e",
    "ctrl+k",
    "ctrl+u",
    "ctrl+w",
]
TEXT = "abcdefghijklmnoprstuvwxyz0123456789.,-+ "
#: Terminal sizes (columns, rows): both sizes the app is tried at, the smallest and a few others.
SIZES = [(80, 24), (120, 40), (80, 24), (120, 40), (60, 16), (100, 30), (45, 12), (200, 60)]
#: Bytes shown on screen by the help (its title), once the app answers ``?``.
HELP_SHOWN = b"hhtui: keys"
#: The app has switched to its alternate screen: it is up.
FIRST_FRAME = b"\x1b[?1049h"


def plain_text(output: bytes) -> str:
    """Terminal output without its escape sequences (what a person reads after the app ends)."""
    import re

    text = output.decode("utf-8", "replace")
    text = re.sub(
        r"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEHc]", "", text
    )
    return text.replace("\r", "")


def stack_of(pid: int) -> str:
    """The Python stacks of process ``pid`` by py-spy, or "" without it."""
    import shutil
    import subprocess

    spy = shutil.which("py-spy")
    if spy is None:
        return ""
    try:
        return subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def key_bytes(key: str) -> bytes:
    return KEYS.get(key, key.encode())


@dataclass
class MonkeyReport:
    """What one seed did and how it ended."""

    seed: int
    keys: int = 0
    pastes: int = 0
    long_pastes: int = 0
    resizes: int = 0
    restarts: int = 0
    failure: str | None = None
    #: The app's last output as text (escape sequences removed) when it failed.
    failure_output: str = ""
    #: Where the app's threads were when it failed while still running (with py-spy, if installed).
    stack: str = ""
    seconds: float = 0.0
    history: list[str] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        return self.failure is None


class PtyMonkey:
    """Random keys, pastes and resizes sent to the app in a pty, from ``seed``.

    Args:
        seed: the random generator's seed (a run is reproducible up to timing).
        cwd: the app's working directory (where its exports go).
        max_pause: longest pause between two actions, s.
        start_timeout: generous bound for the app to come up, s.
    """

    def __init__(
        self,
        seed: int,
        cwd: str | os.PathLike[str],
        *,
        max_pause: float = 0.25,
        start_timeout: float = 90.0,
        answer_timeout: float = 60.0,
    ) -> None:
        self.rng = random.Random(seed)
        self.report = MonkeyReport(seed)
        self.cwd = Path(cwd)
        self.max_pause = max_pause
        self.start_timeout = start_timeout
        self.answer_timeout = answer_timeout
        self.app: PtyApp | None = None
        self.size = (80, 24)

    # --- the app -------------------------------------------------------------------------------------
    def _start(self) -> None:
        self.size = self.rng.choice(SIZES[:2])
        self.app = PtyApp(*self.size, cwd=self.cwd)
        os.set_blocking(self.app.fd, False)
        if not self.app.wait_for(FIRST_FRAME, self.start_timeout):
            self._fail(f"the app did not start within {self.start_timeout} s")

    def _fail(self, reason: str) -> None:
        if self.report.failure is None and self.app is not None and not self.app.exited():
            self.report.stack = stack_of(self.app.pid)
            output = bytes(self.app.output[-200_000:]) if self.app is not None else b""
            self.report.failure = f"{reason}; last actions {self.report.history[-25:]}"
            self.report.failure_output = plain_text(output)

    def _check(self) -> bool:
        """False (and the failure noted) if the app wrote a traceback or exited badly; restarts it
        after a clean quit."""
        assert self.app is not None
        if b"Traceback" in self.app.output:
            self._fail("a traceback in the output")
            return False
        if self.app.exited():
            self.app.read(0.2)
            if b"Traceback" in self.app.output:
                self._fail("a traceback in the output")
                return False
            if self.app.status != 0:
                self._fail(f"the app exited with status {self.app.status}")
                return False
            self.app.close()
            self.report.restarts += 1
            self.report.history.append("(quit: restarted)")
            self._start()
            return self.report.failure is None
        return True

    # --- actions ---------------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        """Write to the terminal as far as the app reads it (the write never blocks: a full input
        queue is waited on while reading the app's output, up to :attr:`answer_timeout`)."""
        assert self.app is not None
        view = memoryview(data)
        deadline = time.monotonic() + self.answer_timeout
        while view:
            try:
                written = os.write(self.app.fd, view[:1024])
            except BlockingIOError:
                written = 0
            except OSError:
                return  # the app just quit: seen by the next check
            view = view[written:]
            if view:
                if self.app.exited():
                    return
                if time.monotonic() > deadline:
                    self._fail(f"the app did not read its input for {self.answer_timeout} s")
                    return
                self.app.read(0.01)

    def _send(self, data: bytes, label: str) -> None:
        self.report.history.append(label)
        self._write(data)

    def _paste(self, length: int, bracketed: bool) -> None:
        text = "".join(self.rng.choice(TEXT) for _ in range(length)).encode()
        data = b"\x1b[200~" + text + b"\x1b[201~" if bracketed else text
        self.report.pastes += 1
        self.report.long_pastes += length >= 1000
        assert self.app is not None
        self.report.history.append(f"paste {length} {'bracketed' if bracketed else 'raw'}")
        self._write(data)

    def _resize(self) -> None:
        assert self.app is not None
        columns, rows = self.rng.choice(SIZES)
        self.size = (columns, rows)
        self.report.resizes += 1
        self.report.history.append(f"resize {columns}x{rows}")
        try:
            fcntl.ioctl(self.app.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            os.kill(self.app.pid, signal.SIGWINCH)
        except OSError:
            pass

    def _key(self) -> None:
        roll = self.rng.random()
        if roll < 0.30:
            key = self.rng.choice(OPENERS)
        elif roll < 0.50:
            key = self.rng.choice(CLOSERS)
        elif roll < 0.72:
            key = self.rng.choice(LIST_KEYS)
        elif roll < 0.90:
            key = self.rng.choice(APP_KEYS)
        else:
            key = self.rng.choice(TEXT)
        self.report.keys += 1
        self._send(key_bytes(key), key)

    def _burst(self) -> None:
        keys = [self.rng.choice(OPENERS + CLOSERS + LIST_KEYS + APP_KEYS) for _ in range(self.rng.randint(2, 8))]
        self.report.keys += len(keys)
        self._send(b"".join(key_bytes(k) for k in keys), "burst " + " ".join(keys))

    def step(self) -> None:
        """One action, then a pause (reading what the app writes meanwhile)."""
        roll = self.rng.random()
        if roll < 0.80:
            self._key()
        elif roll < 0.92:
            self._burst()
        elif roll < 0.96:
            self._resize()
        elif roll < 0.99:
            self._paste(self.rng.randint(5, 300), bracketed=self.rng.random() < 0.5)
        else:
            self._paste(5000, bracketed=self.rng.random() < 0.5)
        assert self.app is not None
        pause = 0.0 if self.rng.random() < 0.3 else self.rng.uniform(0.0, self.max_pause)
        self.app.read(max(pause, 0.002))

    def answers(self) -> bool:
        """Close what is open, then ``?`` must show the help (a key that changes the screen).
        A quit still under way when the check begins is followed by a restart and a new check."""
        for _ in range(3):
            assert self.app is not None
            restarts = self.report.restarts
            for _ in range(4):
                self._send(b"\x1b", "escape (end)")
                self.app.read(0.4)
                if not self._check():
                    return False
            start = len(self.app.output)
            self._send(b"?", "? (end)")
            # An escape still queued with the "?" behind it is read as alt+? (one key): then a
            # second "?" is needed.
            shown = self.app.wait_for(HELP_SHOWN, 5.0, start=start)
            if not shown and not self.app.exited():
                self._send(b"?", "? (end, again)")
                shown = self.app.wait_for(HELP_SHOWN, self.answer_timeout, start=start)
            if not self._check():
                return False
            if shown:
                return True
            if self.report.restarts == restarts:
                self._fail(f"the app did not answer '?' within {self.answer_timeout} s")
                return False
        self._fail("the app kept quitting during the final check")
        return False

    def run(self, actions: int, *, seconds: float | None = None) -> MonkeyReport:
        """Up to ``actions`` actions (or until ``seconds`` pass), then the answer check."""
        started = time.monotonic()
        try:
            self._start()
            done = 0
            while self.report.failure is None and done < actions:
                if seconds is not None and time.monotonic() - started > seconds:
                    break
                self.step()
                done += 1
                if not self._check():
                    break
            if self.report.failure is None:
                self.answers()
        finally:
            if self.app is not None:
                if not self.app.exited():
                    self._write(b"\x11")  # ctrl+q
                    self.app.wait_exit(10.0)
                self.app.close()
            self.report.seconds = time.monotonic() - started
        return self.report


__all__ = ["MonkeyReport", "PtyMonkey"]
