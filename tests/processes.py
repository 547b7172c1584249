"""Run ``hhtui`` in child processes as a user does, and wait for them on conditions.

One runner for every test that starts a process: the command line (``tests/cli``), the sweeps
(``tests/sweeps``), the app in a pseudo-terminal (``tests/tui``) and the rest. ``hhtui`` is
started as ``python -m hhtui`` with the interpreter running the tests: the same entry point as
the installed script (``hhtui.cli:main``), in any virtual environment. Waits are on conditions
with generous bounds (CI machines are busy), never for a fixed time; every process started here
is killed and reaped when its test ends, whatever happens.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

#: Generous bound (s) on one command: the first run in a fresh checkout compiles the kernels.
TIMEOUT_S = 300
#: Environment variables that describe the test runner's terminal, not the child's.
TERMINAL_VARIABLES = ("NO_COLOR", "COLUMNS", "LINES")


def hhtui_argv(*args: str) -> list[str]:
    """The command line of ``hhtui ARGS...``."""
    return [sys.executable, "-m", "hhtui", *args]


def child_environment(extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment without what describes its terminal, with ``extra`` added
    (a None value removes that variable)."""
    env = {key: value for key, value in os.environ.items() if key not in TERMINAL_VARIABLES}
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def default_sigint() -> None:
    """Let the child react to Ctrl-C even if this process was started with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_hhtui(
    *args: str,
    cwd: Path,
    env: Mapping[str, str | None] | None = None,
    timeout: float = TIMEOUT_S,
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """``hhtui ARGS...`` in ``cwd``, to its end: the finished process with its text output.

    ``options`` go to :func:`subprocess.run` (``stdout=``, ``input=``, ...) and replace the
    defaults (output captured as text)."""
    settings: dict[str, Any] = {"capture_output": True, "text": True, "preexec_fn": default_sigint}
    if "stdout" in options or "stderr" in options:
        settings.pop("capture_output")
        settings.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    settings.update(options)
    return subprocess.run(
        hhtui_argv(*args), cwd=cwd, env=child_environment(env), timeout=timeout, check=False, **settings
    )


def run_python(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    timeout: float = TIMEOUT_S,
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """``python ARGS...`` (the interpreter running the tests; ``"-c", code`` for a snippet), to
    its end, as :func:`run_hhtui` runs hhtui."""
    settings: dict[str, Any] = {"capture_output": True, "text": True}
    settings.update(options)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=child_environment(env), timeout=timeout, check=False, **settings
    )


def start_hhtui(
    *args: str, cwd: Path, env: Mapping[str, str | None] | None = None, **options: Any
) -> subprocess.Popen[str]:
    """``hhtui ARGS...`` started in the background, output piped as text (``options`` go to
    :class:`subprocess.Popen`). Stop it with :func:`finish` or use :func:`started`."""
    return start_process(hhtui_argv(*args), cwd=cwd, env=env, **options)


def start_process(
    argv: Sequence[str], cwd: Path | None = None, env: Mapping[str, str | None] | None = None, **options: Any
) -> subprocess.Popen[str]:
    """Any command started in the background, as :func:`start_hhtui` starts hhtui."""
    settings: dict[str, Any] = {
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "text": True,
        "preexec_fn": default_sigint,
    }
    settings.update(options)
    return subprocess.Popen(list(argv), cwd=cwd, env=child_environment(env), **settings)


def kill(process: subprocess.Popen[Any]) -> None:
    """Kill ``process`` (its whole group if it leads one) and reap it; nothing if it has ended."""
    if process.poll() is None:
        try:
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
        except ProcessLookupError:
            pass
    with contextlib.suppress(subprocess.TimeoutExpired, ValueError, OSError):
        process.communicate(timeout=30)


@contextlib.contextmanager
def started(process: subprocess.Popen[Any]) -> Iterator[subprocess.Popen[Any]]:
    """``with started(start_hhtui(...)) as process:`` the process is killed and reaped when the
    block ends, however it ends."""
    try:
        yield process
    finally:
        kill(process)


def finish(process: subprocess.Popen[Any], timeout: float = TIMEOUT_S) -> tuple[Any, Any]:
    """Wait (at most ``timeout`` s) for ``process`` to end: its (stdout, stderr). A process still
    running then is killed and the test fails."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(process)
        raise AssertionError(f"{process.args!r} still running after {timeout:g} s") from None


def wait_until(
    condition: Callable[[], object], timeout: float = TIMEOUT_S, what: str = "", interval: float = 0.05
) -> None:
    """Return as soon as ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout:g} s for {what or condition}")
        time.sleep(interval)


def interrupt_after_chunks(process: subprocess.Popen[Any], journal: Path, chunks: int = 2) -> str:
    """Wait until ``chunks`` chunk files of a sweep are in its ``journal`` directory, then press
    Ctrl-C (SIGINT) on ``process``: its standard error once it has ended (the test fails if the
    sweep ended first, or did not end within 120 s)."""
    with started(process):
        wait_until(
            lambda: len(list(journal.glob("chunk-*.npz"))) >= chunks or process.poll() is not None,
            what=f"{chunks} finished chunks",
        )
        assert process.poll() is None, "the sweep ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = finish(process, timeout=120)
    return str(stderr)


def catches(pid: int, signum: int) -> bool:
    """True once process ``pid`` has a handler of its own for ``signum`` (Linux: /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


class PtyProcess:
    """A command in a child process attached to a pseudo-terminal of ``columns`` x ``rows``, as
    a terminal emulator runs it. Use it as a context manager (the child is killed at the end)."""

    def __init__(
        self,
        argv: Sequence[str],
        columns: int = 100,
        rows: int = 30,
        env: Mapping[str, str | None] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        environment = child_environment(env)
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the command
            try:
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(argv[0], list(argv), environment)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.output = bytearray()
        self.status: int | None = None

    def __enter__(self) -> PtyProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, seconds: float) -> bytes:
        """Read what the child writes for up to ``seconds`` (it waits them out if the terminal is
        closed, so that a caller pacing keys by reading keeps its pace)."""
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
        """Read until ``needle`` appears in the output after byte ``start`` (True), the child
        exits, or ``seconds`` pass."""
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

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def exited(self) -> bool:
        """True once the child has exited (its status is then in ``status``)."""
        if self.status is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return True
            if done:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait_exit(self, seconds: float) -> int | None:
        """The exit status (negative: killed by that signal), or None if still running after
        ``seconds``; reads the output meanwhile."""
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
        with contextlib.suppress(OSError):
            os.close(self.fd)


def hhtui_in_pty(
    *args: str, cwd: Path, columns: int = 100, rows: int = 30, env: Mapping[str, str | None] | None = None
) -> PtyProcess:
    """``hhtui ARGS...`` on a pseudo-terminal of ``columns`` x ``rows`` in ``cwd``."""
    return PtyProcess(hhtui_argv(*args), columns=columns, rows=rows, env=env, cwd=cwd)
