"""Run ``hhtui``'s command line inside the test process, as :func:`tests.processes.run_hhtui`
runs it in a new one: the same arguments, working directory, environment and standard input, and
back a :class:`subprocess.CompletedProcess` with the exit status and what was written on standard
output and error (as text, newlines translated as ``subprocess.run(text=True)`` does).

A new interpreter costs about 0.3 s of processor time before the command does anything (Python,
numpy and the compiled kernels loaded again); here a command costs only its own work. It is for
what a command prints, writes and exits with. What belongs to a process stays with a real one
(:mod:`tests.processes`): signals, a closed or full standard output, a closed pipe, the console
script, settings read once at start (``HHTUI_NO_JIT``, the kernel cache's directory), a terminal,
and commands that start processes of their own.

Each run is isolated: the working directory, ``os.environ`` (the runner's terminal variables
removed, as for a child process), ``sys.argv``, the standard streams, the signal handlers, the
warning filters (Python's defaults during the run, so that a warning reaches standard error as in
a new process), numpy's error state and the umask are put back afterwards. Every thread the
command started must have ended (the kernels' shared thread pool, made once and reused, excepted).
A command still running after ``timeout`` seconds is interrupted (:class:`Hung`, raised where it
was) and reported as an escaped exception.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from tests.processes import TIMEOUT_S, child_environment

__all__ = ["Hung", "Result", "isolated", "run_cli", "run_main"]

#: Names of the threads that may outlive a command: the kernels' pool, made once per process.
SHARED_THREADS = ("hhtui-kernel",)
#: Bound (s) on the wait for the threads a command started to end.
THREAD_END_S = 60.0
#: The signals a command may take over (hhtui.signals), given back afterwards.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM)
#: Python's warning filters in a new interpreter started without -W or PYTHONWARNINGS.
DEFAULT_FILTERS: tuple[tuple[Literal["default", "ignore"], type[Warning], str], ...] = (
    ("ignore", ResourceWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", DeprecationWarning, ""),
    ("default", DeprecationWarning, "__main__"),
)


class Hung(BaseException):
    """The command was still running after its time bound (raised inside it, by SIGALRM)."""


@dataclass
class Result:
    """What a command gave: its exit status (None if an exception escaped ``main``), the bytes it
    wrote on standard output and error, and the escaped exception's traceback."""

    status: int | None
    stdout: bytes
    stderr: bytes
    exception: str = ""


def _show_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """Print a warning on standard error, as Python does by default."""
    stream = sys.stderr if file is None else file
    with contextlib.suppress(OSError, ValueError, AttributeError):
        stream.write(warnings.formatwarning(message, category, filename, lineno, line))


def _python_warnings() -> None:
    """The warning filters of a new interpreter, and warnings printed on standard error."""
    warnings.resetwarnings()
    for action, category, module in DEFAULT_FILTERS:
        warnings.filterwarnings(action, category=category, module=module)
    warnings.showwarning = _show_warning


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hung("the command was still running after its time bound")


@contextlib.contextmanager
def isolated(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str | None] | None = None,
    input: bytes | None = None,
    timeout: float = TIMEOUT_S,
) -> Iterator[tuple[io.BufferedRandom, io.BufferedRandom]]:
    """The state of a new ``hhtui ARGS...`` process for the block: ``cwd``, the environment
    (:func:`tests.processes.child_environment` of ``env``), ``sys.argv``, standard input (``input``
    or /dev/null), standard output and error sent to temporary files (yielded, as bytes, readable
    once the block has ended), Python's default warnings; everything put back afterwards, and every
    thread the block started ended (an AssertionError if one is left)."""
    import numpy as np

    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller reads and closes them
    err = tempfile.TemporaryFile()  # noqa: SIM115
    stdin_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    stdin_file.write(input or b"")
    stdin_file.seek(0)
    saved_environ = dict(os.environ)
    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr, list(sys.warnoptions))
    handlers = {signum: signal.getsignal(signum) for signum in SIGNALS}
    numpy_errors = np.geterr()
    umask = os.umask(0o022)
    os.umask(umask)
    here = os.getcwd()
    before = set(threading.enumerate())
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict")
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", line_buffering=True)
    stdin = (
        io.TextIOWrapper(stdin_file, encoding="utf-8") if input is not None else open(os.devnull)  # noqa: SIM115 - closed below
    )
    try:
        os.environ.clear()
        os.environ.update(child_environment(env))
        os.chdir(cwd)
        sys.argv = ["hhtui", *args]
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(max(1, int(timeout)))
        with warnings.catch_warnings():
            _python_warnings()
            try:
                yield out, err
            finally:
                signal.alarm(0)
                for stream in (stdout, stderr):
                    with contextlib.suppress(OSError, ValueError):
                        stream.flush()
    finally:
        signal.alarm(0)
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved[:4]
        sys.warnoptions[:] = saved[4]
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved_environ)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        np.seterr(**numpy_errors)
        os.umask(umask)
        for wrapper in (stdout, stderr):  # the files stay open for the caller
            with contextlib.suppress(OSError, ValueError):
                wrapper.detach()
        stdin.close()
        stdin_file.close()
    _wait_for_threads(before)


def _wait_for_threads(before: set[threading.Thread]) -> None:
    """Wait (bounded) for the threads started since ``before`` to end; fail if one is left."""
    started = [
        thread
        for thread in threading.enumerate()
        if thread not in before and not thread.name.startswith(SHARED_THREADS)
    ]
    for thread in started:
        thread.join(THREAD_END_S)
    left = [thread.name for thread in started if thread.is_alive()]
    assert not left, f"the command left threads running: {left}"


def run_main(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str | None] | None = None,
    input: bytes | None = None,
    timeout: float = TIMEOUT_S,
) -> Result:
    """``hhtui.cli.main(ARGS)`` in :func:`isolated`: its status (as a process would end with it)
    and output; an exception that escapes ``main`` is returned as text, with status None."""
    from hhtui.cli import main

    exception = ""
    status: int | None
    with isolated(args, cwd, env, input, timeout) as (out, err):
        try:
            status = _status(main(list(args)), sys.stderr)
        except SystemExit as exit_:
            status = _status(exit_.code, sys.stderr)
        except KeyboardInterrupt:
            raise
        except BaseException:  # noqa: BLE001 - any escape is reported to the test
            status = None
            exception = traceback.format_exc()
    with out, err:
        out.seek(0)
        err.seek(0)
        return Result(status, out.read(), err.read(), exception)


def _status(code: Any, stderr: Any) -> int:
    """The exit status of a process that ends with ``code`` (SystemExit's rules)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)  # SystemExit("message"): Python prints it and exits with 1
    return 1


def _text(data: bytes) -> str:
    """Bytes read from a child as ``subprocess.run(text=True)`` decodes them."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def run_cli(
    *args: str,
    cwd: Path,
    env: Mapping[str, str | None] | None = None,
    input: str | bytes | None = None,
    text: bool = True,
    timeout: float = TIMEOUT_S,
) -> subprocess.CompletedProcess[Any]:
    """``hhtui ARGS...`` run in this process, in ``cwd``: what :func:`tests.processes.run_hhtui`
    gives for the same command. An exception that escapes ``main`` is printed on standard error
    with status 1, as Python would."""
    data = input.encode() if isinstance(input, str) else input
    result = run_main(args, cwd, env, data, timeout)
    stderr = result.stderr + result.exception.encode("utf-8", "backslashreplace")
    status = 1 if result.status is None else result.status
    if text:
        return subprocess.CompletedProcess(["hhtui", *args], status, _text(result.stdout), _text(stderr))
    return subprocess.CompletedProcess(["hhtui", *args], status, result.stdout, stderr)
