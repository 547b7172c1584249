"""Run the real app in a pseudo-terminal, as a terminal emulator would."""

from __future__ import annotations

import os
import pty
import select
import signal
import struct
import sys
import termios
import time
import fcntl

APP_CODE = "import sys; from hhtui.tui.app import run_app; sys.exit(run_app())"


class PtyApp:
    """The app in a child process attached to a pty of ``columns`` x ``rows``."""

    def __init__(self, columns: int = 100, rows: int = 30, env: dict[str, str] | None = None) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the app
            environment = {**os.environ, "TERM": "xterm-256color", **(env or {})}
            os.execve(sys.executable, [sys.executable, "-c", APP_CODE], environment)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.output = bytearray()
        self.status: int | None = None

    def read(self, seconds: float) -> bytes:
        """Read what the app writes for up to ``seconds``."""
        chunk = bytearray()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                break
            if not data:
                break
            chunk += data
        self.output += chunk
        return bytes(chunk)

    def wait_for(self, needle: bytes, seconds: float) -> bool:
        """Read until ``needle`` has appeared in the output (True) or ``seconds`` have passed."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if needle in self.output:
                return True
            self.read(0.05)
        return needle in self.output

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait_exit(self, seconds: float) -> int | None:
        """The exit status (negative: killed by that signal), or None if still running."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            try:
                self.read(0.05)
            except OSError:
                time.sleep(0.05)
        return None

    def close(self) -> None:
        """Kill the child if it is still there and close the terminal."""
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        try:
            os.close(self.fd)
        except OSError:
            pass
