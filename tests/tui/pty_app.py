"""Run the real app in a pseudo-terminal, as a terminal emulator would."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

APP_CODE = "import sys; from hhtui.tui.app import run_app; sys.exit(run_app())"


class PtyApp:
    """The app in a child process attached to a pty of ``columns`` x ``rows``.

    ``env`` adds to (or, with None values, removes from) the environment, which otherwise says
    only ``TERM=xterm-256color`` about the terminal; ``cwd`` is the child's working directory.
    """

    def __init__(
        self,
        columns: int = 100,
        rows: int = 30,
        env: dict[str, str | None] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        environment = {**os.environ, "TERM": "xterm-256color"}
        environment.pop("COLORTERM", None)  # say only what TERM says
        for name, value in (env or {}).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the app
            try:
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(sys.executable, [sys.executable, "-c", APP_CODE], environment)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.output = bytearray()
        self.status: int | None = None

    def read(self, seconds: float) -> bytes:
        """Read what the app writes for up to ``seconds`` (waits them out if the terminal is closed)."""
        chunk = bytearray()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            except (OSError, ValueError):  # the terminal was closed: nothing more to read
                time.sleep(max(0.0, deadline - time.monotonic()))
                break
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

    def wait_for(self, needle: bytes, seconds: float, start: int = 0) -> bool:
        """Read until ``needle`` appears in the output after byte ``start`` (True), the app exits,
        or ``seconds`` pass."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if needle in self.output[start:]:
                return True
            if self.exited():
                break
            self.read(0.05)
        return needle in self.output[start:]

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def exited(self) -> bool:
        """True once the child has exited (its status is then in ``status``)."""
        if self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait_exit(self, seconds: float) -> int | None:
        """The exit status (negative: killed by that signal), or None if still running."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.exited():
                self.read(0.1)  # what it wrote last
                return self.status
            self.read(0.05)
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
