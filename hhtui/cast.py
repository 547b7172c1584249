"""Recordings of the real app as asciicast v2, the format asciinema plays in a terminal or a web page.

:func:`record_app` starts the app in a pseudo-terminal of a fixed size, waits until it is ready,
types keys at set times and collects what the app writes, with its timing. :class:`Cast` holds it
and writes the file: one JSON header line, then one ``[time, "o", text]`` line per chunk of output,
times in seconds from the start, never decreasing.

The app is told, through the ``HHTUI_READY_FILE`` environment variable, to create a file once it
is ready for keys (its solver loaded and its panel filled in). Whatever it draws before is folded
into one event at time 0, so a recording starts on the ready app, and its key times and length do not depend on how
long the start took.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
import select
import signal
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

__all__ = ["KEYS", "Cast", "KeyError_", "RecordError", "key_help", "parse_keys", "record_app"]

#: Named keys and the bytes an xterm sends for them.
KEYS: dict[str, bytes] = {
    "space": b" ",
    "enter": b"\r",
    "tab": b"\t",
    "shift+tab": b"\x1b[Z",
    "escape": b"\x1b",
    "esc": b"\x1b",
    "backspace": b"\x7f",
    "delete": b"\x1b[3~",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "home": b"\x1b[H",
    "end": b"\x1b[F",
    "pageup": b"\x1b[5~",
    "pagedown": b"\x1b[6~",
    "comma": b",",
    "colon": b":",
}

#: The app creates the file this environment variable names once it is ready for keys.
READY_FILE_ENV = "HHTUI_READY_FILE"

#: Longest wait for the app to be ready (the very first start compiles the kernels), s.
READY_TIMEOUT_S = 180.0
#: How long the app is given to quit after ``q`` before it is terminated, s.
QUIT_TIMEOUT_S = 5.0


class RecordError(Exception):
    """The app could not be recorded (it exited, or never became ready); a one-line message."""


class KeyError_(ValueError):
    """A ``--keys`` list that cannot be understood; the message says which item and why."""


def key_help() -> str:
    """The key names, for messages and help."""
    return ", ".join(name for name in KEYS if name != "esc") + ", ctrl+A..Z, or any single character"


def key_bytes(name: str) -> bytes:
    """What the terminal sends for the key ``name`` (``space``, ``up``, ``ctrl+c``, ``v``, ``?``)."""
    lowered = name.strip().lower()
    if lowered in KEYS:
        return KEYS[lowered]
    if lowered.startswith("ctrl+") and len(lowered) == 6 and "a" <= lowered[5] <= "z":
        return bytes([ord(lowered[5]) - ord("a") + 1])
    stripped = name.strip()
    if len(stripped) == 1 and stripped.isprintable():
        return stripped.encode("utf-8")
    raise KeyError_(f"unknown key {name.strip()!r}; use {key_help()}")


def parse_keys(text: str, seconds: float) -> list[tuple[float, bytes, str]]:
    """``--keys``: comma-separated ``KEY`` or ``TIME:KEY`` items -> (time in s, bytes, name), in order.

    TIME is seconds after the app is ready. Keys without a time are spread evenly between the
    neighbouring timed keys (or the start and the end of the recording): ``space,up,up`` over
    8 s is typed at 2, 4 and 6 s; ``1:space,up,up,5:v`` types up at 2.33 and 3.67 s.
    """
    items = [item for item in text.split(",")]
    if not text.strip():
        return []
    parsed: list[tuple[float | None, bytes, str]] = []
    for number, item in enumerate(items, 1):
        if not item.strip():
            raise KeyError_(f"item {number} is empty (use 'comma' for the ',' key)")
        moment: float | None = None
        name = item
        head, colon, tail = item.partition(":")
        if colon and tail.strip():
            try:
                moment = float(head)
            except ValueError:
                raise KeyError_(
                    f"item {number} ({item.strip()!r}): {head.strip()!r} is not a time in seconds"
                ) from None
            name = tail
            if not math.isfinite(moment) or moment < 0 or moment >= seconds:
                raise KeyError_(
                    f"item {number} ({item.strip()!r}): the time must be in [0, {seconds:g}) s, "
                    "within the recording (see --seconds)"
                )
        try:
            parsed.append((moment, key_bytes(name), name.strip()))
        except KeyError_ as error:
            raise KeyError_(f"item {number}: {error}") from None
    timed = [moment for moment, _, _ in parsed if moment is not None]
    if any(later < earlier for earlier, later in pairwise(timed)):
        raise KeyError_("the times must not decrease from one key to the next")
    result: list[tuple[float, bytes, str]] = []
    index = 0
    previous = 0.0
    while index < len(parsed):
        if parsed[index][0] is not None:
            previous = float(parsed[index][0])  # type: ignore[arg-type]
            result.append((previous, parsed[index][1], parsed[index][2]))
            index += 1
            continue
        end = index
        while end < len(parsed) and parsed[end][0] is None:
            end += 1
        following = float(parsed[end][0]) if end < len(parsed) else seconds  # type: ignore[arg-type]
        run = end - index
        for offset in range(run):
            moment = previous + (following - previous) * (offset + 1) / (run + 1)
            result.append((round(moment, 3), parsed[index + offset][1], parsed[index + offset][2]))
        index = end
    return result


@dataclass
class Cast:
    """An asciicast v2 recording: terminal size, title and ``(time in s, text)`` output events."""

    width: int
    height: int
    title: str = ""
    command: str = ""
    timestamp: int = 0
    env: dict[str, str] = field(default_factory=dict)
    duration: float | None = None
    events: list[tuple[float, str]] = field(default_factory=list)

    def add(self, moment: float, text: str) -> None:
        """Append output ``text`` at ``moment`` s (kept no earlier than the previous event)."""
        if not text:
            return
        if self.events:
            moment = max(moment, self.events[-1][0])
        self.events.append((round(moment, 6), text))

    def header(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": 2, "width": self.width, "height": self.height, "timestamp": self.timestamp}
        if self.duration is not None:
            data["duration"] = round(self.duration, 6)
        if self.command:
            data["command"] = self.command
        if self.title:
            data["title"] = self.title
        data["env"] = dict(self.env)
        return data

    def text(self) -> str:
        """The file: a header line, then one JSON array per event, newline-terminated. Text stays
        UTF-8; control and other non-printable characters are written as ``\\uXXXX``."""
        lines = [_json(self.header())]
        lines += [_json([moment, "o", text]) for moment, text in self.events]
        return "\n".join(lines) + "\n"


_NON_ASCII = re.compile(r"[^\x00-\x7e]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char.isprintable():
        return char
    code = ord(char)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _json(value: Any) -> str:
    """Compact-enough JSON (json.dumps escapes the ASCII controls; the rest is done here)."""
    return _NON_ASCII.sub(_escape, json.dumps(value, ensure_ascii=False))


def _child_environment(width: int, height: int, extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "COLUMNS", "LINES")}
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "COLUMNS": str(width), "LINES": str(height)})
    env.update(extra or {})
    return env


def record_app(
    arguments: Sequence[str],
    width: int,
    height: int,
    seconds: float,
    keys: Sequence[tuple[float, bytes, str]] = (),
    *,
    title: str = "",
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
    on_ready: Callable[[], None] | None = None,
) -> Cast:
    """Run ``python -m hhtui ARGUMENTS`` in a ``width`` x ``height`` pseudo-terminal for ``seconds``
    after it is ready, typing ``keys`` (seconds after it is ready, bytes, name) at their times, and
    return what it wrote as a :class:`Cast`.

    The app is then asked to quit (``q``), and killed if it has not gone within a few seconds; no
    child process is left behind, whatever happens (Ctrl-C included).
    """
    with tempfile.TemporaryDirectory(prefix="hhtui-record-") as scratch:
        ready_file = os.path.join(scratch, "ready")
        environment = _child_environment(width, height, {**(env or {}), READY_FILE_ENV: ready_file})
        cast = Cast(
            width,
            height,
            title=title,
            command=" ".join(["hhtui", *arguments]),
            timestamp=int(time.time()),
            env={"TERM": environment["TERM"], "SHELL": os.environ.get("SHELL", "/bin/sh")},
            duration=float(seconds),
        )
        session = _Session.start([sys.executable, "-m", "hhtui", *arguments], environment, cwd, ready_file)
        try:
            session.resize(width, height)
            start = session.wait_ready(ready_timeout)
            cast.add(0.0, session.take_text())
            if on_ready is not None:
                on_ready()
            _record(session, cast, start, seconds, list(keys))
        finally:
            session.finish()
    return cast


def _record(
    session: _Session, cast: Cast, start: float, seconds: float, pending: list[tuple[float, bytes, str]]
) -> None:
    """Read the app's output into ``cast`` until ``seconds`` after ``start``, typing the keys."""
    end = start + seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if session.exited:
            raise RecordError(f"the app exited during the recording (status {session.status})")
        due = pending[0][0] + start if pending else end
        if pending and now >= due:
            session.send(pending.pop(0)[1])
            continue
        for moment, text in session.read_until(min(due, end)):
            cast.add(min(moment - start, seconds), text)
    cast.add(seconds, session.flush_text())


class _Session:
    """The app's side of the pseudo-terminal: reading with timestamps, typing, ending it."""

    def __init__(self, pid: int, fd: int, ready_file: str) -> None:
        self.pid, self.fd = pid, fd
        self.ready_file = ready_file
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.buffer = bytearray()
        self.status: int | None = None

    @classmethod
    def start(cls, argv: list[str], environment: dict[str, str], cwd: str | None, ready_file: str) -> _Session:
        """Fork a child on a new pseudo-terminal and run ``argv`` in it."""
        import pty

        pid, fd = pty.fork()
        if pid == 0:  # the child: become the app
            try:
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(argv[0], argv, environment)
            finally:
                os._exit(127)
        return cls(pid, fd, ready_file)

    def resize(self, width: int, height: int) -> None:
        """Set the terminal's size (the app reads it as it starts; told again by SIGWINCH)."""
        import fcntl
        import termios

        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        try:
            os.kill(self.pid, signal.SIGWINCH)
        except ProcessLookupError:
            pass

    @property
    def exited(self) -> bool:
        if self.status is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.status = -1
                return True
            if done:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def _read(self, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        except (OSError, ValueError):
            return b""
        if not ready:
            return b""
        try:
            return os.read(self.fd, 65536)
        except OSError:  # the app closed the terminal (it exited)
            time.sleep(min(0.05, max(0.0, timeout)))
            return b""

    def wait_ready(self, timeout: float) -> float:
        """Read until the app is ready for keys; returns that moment (monotonic clock)."""
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.ready_file):
            if time.monotonic() > deadline:
                raise RecordError(f"the app did not become ready within {timeout:g} s")
            if self.exited:
                tail = bytes(self.buffer[-300:]).decode("utf-8", "replace")
                message = " ".join(tail.split())[-160:]
                raise RecordError(f"the app exited before it was ready (status {self.status}): {message}")
            self.buffer += self._read(0.05)
        # what the app writes in the same burst (the panel being drawn) belongs to the first screen
        while True:
            chunk = self._read(0.15)
            if not chunk:
                break
            self.buffer += chunk
        return time.monotonic()

    def take_text(self) -> str:
        text = self.decoder.decode(bytes(self.buffer))
        self.buffer.clear()
        return text

    def flush_text(self) -> str:
        return self.decoder.decode(b"", final=True)

    def read_until(self, moment: float) -> list[tuple[float, str]]:
        """Output until the monotonic time ``moment`` (or the first chunk), as (time, text)."""
        chunk = self._read(moment - time.monotonic())
        if not chunk:
            return []
        return [(time.monotonic(), self.decoder.decode(chunk))]

    def send(self, data: bytes) -> None:
        try:
            os.write(self.fd, data)
        except OSError:
            pass

    def finish(self) -> None:
        """Ask the app to quit, then terminate and kill it if it stays; reap it; close the terminal."""
        try:
            if not self.exited:
                self.send(b"\x1b")  # leave an input that has the focus, or close a dialog
                self._drain_until_exit(0.3)  # alone, not read as alt+q
                self.send(b"q")
                self._drain_until_exit(QUIT_TIMEOUT_S)
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if self.exited:
                    break
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    break
                self._drain_until_exit(2.0)
            if not self.exited:
                os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        finally:
            try:
                os.close(self.fd)
            except OSError:
                pass

    def _drain_until_exit(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.exited and time.monotonic() < deadline:
            self._read(0.05)
