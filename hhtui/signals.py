"""Termination signals as a clean exit: SIGTERM and SIGHUP behave like Ctrl-C (SIGINT).

Python turns SIGINT into :class:`KeyboardInterrupt`, so every ``except BaseException`` cleanup
(temporary files removed, a file already in place kept) runs. SIGTERM (sent by ``kill``, ``timeout``
and job queues) and SIGHUP (the terminal went away) would otherwise end the process at once and
leave the temporary files behind. A signal that arrives while a compiled library is calling back
into Python (llvmlite, as kernels are linked) is delivered again a moment later, once out of it:
raised there, ctypes would print the exception and drop it. :func:`install` makes all three raise :class:`Terminated`, a
:class:`KeyboardInterrupt`, so the same cleanup runs and the command exits with the status a shell
expects of a process ended by that signal: 128 + the signal number (130 SIGINT, 143 SIGTERM, 129
SIGHUP).

:func:`deferred` holds these signals back over a few statements that must not be separated (the
two renames that put a CSV and its sidecar in place); a signal that arrives meanwhile is acted on
as soon as the block ends. SIGKILL cannot be caught; :mod:`hhtui.files` names its temporary files
after the process so a later run can recognise and remove what a killed one left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["HANDLED", "Terminated", "deferred", "exit_status", "install", "signal_name"]

#: The signals turned into a clean exit (SIGINT is Python's own KeyboardInterrupt).
HANDLED: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM or SIGHUP (or SIGINT through :func:`install`).

    ``signum`` is the signal number; ``written`` lists the files that were completely in place
    when the signal was acted on (a writer fills it when the signal arrived during its final
    renames, so the message can say what is on disk).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = int(signum)
        self.written: list[Path] = []


def signal_name(signum: int) -> str:
    """``SIGTERM`` for 15 and so on."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_status(error: BaseException) -> int:
    """The exit status of a process ended by ``error``: 128 + the signal number (130 for a
    plain KeyboardInterrupt, i.e. Ctrl-C)."""
    return 128 + int(getattr(error, "signum", signal.SIGINT))


_state: dict[str, Any] = {"raised": False, "depth": 0, "pending": None}

#: The Python functions a compiled library calls back through ctypes, as (module prefix, function
#: name prefix): llvmlite's object-cache hooks (``_raw_object_cache_notify`` and
#: ``_raw_object_cache_getbuffer``, which call numba's), run while kernels are compiled or linked.
#: An exception raised inside such a callback, or anything it calls, is printed and dropped by
#: ctypes ("Exception ignored on calling ctypes callback"), and the process would carry on as if
#: the signal had never come. Elsewhere, in numba's compiler too, a signal is raised at once (a
#: first compile takes seconds, more on a busy machine, and Ctrl-C must not wait for it).
CALLBACKS: tuple[tuple[str, str], ...] = (("llvmlite.", "_raw_"),)

#: Seconds after which a signal that arrived inside such a callback is delivered again.
REDELIVER_AFTER = 0.05


def _in_callback(frame: FrameType | None) -> bool:
    """Whether the handler interrupted one of the :data:`CALLBACKS` or code it called (a frame of
    one is on the stack)."""
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if isinstance(module, str):
            for module_prefix, name_prefix in CALLBACKS:
                if module.startswith(module_prefix) and frame.f_code.co_name.startswith(name_prefix):
                    return True
        frame = frame.f_back
    return False


def _redeliver(signum: int) -> None:
    """Send ``signum`` to this process again in :data:`REDELIVER_AFTER` seconds."""
    timer = threading.Timer(REDELIVER_AFTER, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()


def _handler(signum: int, frame: FrameType | None) -> None:
    # Raise once: a second signal while the first one's cleanup runs must not cut that cleanup short.
    if _state["raised"]:
        return
    if _in_callback(frame):  # raised here, it would be dropped: try again once out of the library
        _redeliver(signum)
        return
    if _state["depth"] > 0:  # inside deferred(): acted on when the block ends
        _state["pending"] = _state["pending"] or signum
        return
    _state["raised"] = True
    raise Terminated(signum)


def install() -> None:
    """Make SIGINT, SIGTERM and SIGHUP raise :class:`Terminated` (a KeyboardInterrupt) in the main
    thread, once, and let :func:`deferred` hold them back. Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return
    _state.update(raised=False, depth=0, pending=None)
    for signum in HANDLED:
        try:
            if signum == signal.SIGINT and signal.getsignal(signum) is signal.SIG_IGN:
                continue  # started with Ctrl-C ignored (e.g. in the background of a shell): keep it so
            signal.signal(signum, _handler)
        except (OSError, ValueError):  # pragma: no cover - a platform without the signal
            pass


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back for the duration of the block; one that arrives
    meanwhile is raised as :class:`Terminated` when the outermost block ends.

    Two layers: the signals are blocked for this thread (``pthread_sigmask``), and, since the
    kernel may hand a signal to another thread (numpy's, for instance) and Python then runs its
    handler in the main thread all the same, the handlers :func:`install` sets only record a
    signal that arrives inside the block.
    """
    main = threading.current_thread() is threading.main_thread()
    mask = getattr(signal, "pthread_sigmask", None)
    if main:
        _state["depth"] += 1
    previous = mask(signal.SIG_BLOCK, HANDLED) if mask is not None else None
    try:
        yield
    finally:
        if mask is not None and previous is not None:
            mask(signal.SIG_SETMASK, previous)
        if main:
            _state["depth"] -= 1
            pending = _state["pending"]
            if _state["depth"] == 0 and pending is not None:
                _state["pending"] = None
                if not _state["raised"]:
                    _state["raised"] = True
                    raise Terminated(pending)
