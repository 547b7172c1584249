"""Leaving cleanly when the terminal goes away (an SSH link dropped, a terminal window closed).

A hang-up reaches the app as SIGHUP, usually with a SIGCONT right behind it, and from then on
the terminal answers every write and every terminal call with an error. Three things keep a
process from lingering:

- :class:`GuardedDriver` (a wrapper of Textual's Linux driver) never restarts its terminal mode
  on a SIGCONT once the terminal is gone (Textual's own handler would start a new output thread
  that dies at its first write, and the app would then block for ever on that thread's full
  queue), and its writes and its close never block on an output thread that has died or on a
  terminal that has gone;
- :class:`ExitGuard` turns SIGHUP, or a terminal found dead by a poll every
  :data:`POLL_S` seconds, into a quiet exit with status :data:`HANGUP_STATUS`;
- the same guard is a watchdog: once an exit is under way it ends the process with
  ``os._exit`` after a short grace (:data:`HANGUP_GRACE_S` after a hang-up,
  :data:`QUIT_GRACE_S` after a normal quit, by which time the terminal has been restored), so
  that neither Textual nor a worker thread still computing can hold the process.

Only :func:`hhtui.tui.app.run_app` installs the guard: an app driven by tests is never ended
by it.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

#: Exit status after the terminal hung up (128 + SIGHUP).
HANGUP_STATUS = 128 + 1
#: Seconds a hang-up may take to shut the app down before the process is ended.
HANGUP_GRACE_S = 0.5
#: Seconds a normal quit may take, once the app has begun to close, before the process is ended
#: (workers still computing are not waited for).
QUIT_GRACE_S = 3.0
#: Seconds between two checks that the terminal is still there.
POLL_S = 0.5
#: Slice (s) of a blocking write to the output thread, between checks that it can still go on.
WRITE_SLICE_S = 0.1
#: Longest wait (s) for the output thread to write what is queued when the app closes.
CLOSE_TIMEOUT_S = 2.0


def terminal_alive(fd: int) -> bool:
    """True while ``fd`` is a terminal that answers (after a hang-up its calls fail with EIO)."""
    try:
        import termios

        termios.tcgetattr(fd)
    except Exception:
        return False
    return True


def _flush_quietly() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass


class ExitGuard:
    """Watches the terminal and bounds the time an exit may take (one daemon thread).

    Args:
        fd: the terminal's file descriptor (standard input).
        on_lost: called on the event loop's thread when the terminal is gone (the app's
            ``hang_up``).
        loop: gives the app's running event loop, or None.
        driver: gives the app's terminal driver, or None.
        before_exit: called (errors ignored) before the process is ended with ``os._exit``, e.g.
            to remove the temporary files of an export cut short.
    """

    def __init__(
        self,
        fd: int,
        on_lost: Callable[[], None],
        loop: Callable[[], Any],
        driver: Callable[[], Any],
        before_exit: Callable[[], None] = lambda: None,
    ) -> None:
        self.fd = fd
        self._before_exit = before_exit
        self.hung_up = False
        self._on_lost = on_lost
        self._loop = loop
        self._exit = threading.Event()
        self._grace = QUIT_GRACE_S
        self._status: Callable[[], int] = lambda: 0
        self._stopped = False
        self._watch_terminal = False
        self._thread = threading.Thread(target=self._run, name="hhtui-exit-guard", daemon=True)
        self._driver = driver

    def install(self) -> None:
        """Take SIGHUP and start the watch (on the main thread, before the app runs). The
        terminal is watched only if there is one (not when the app is served to a browser)."""
        self._watch_terminal = terminal_alive(self.fd)
        try:
            signal.signal(signal.SIGHUP, self._on_sighup)
        except (AttributeError, ValueError, OSError):
            pass  # no SIGHUP on this platform, or not the main thread
        self._thread.start()

    def stop(self) -> None:
        """The app has finished and its exit went through: stop watching the terminal."""
        self._stopped = True

    # --- the ways out ---------------------------------------------------------------------------------
    def _on_sighup(self, signum: int, frame: Any) -> None:
        # A signal handler runs between two bytecodes of the main thread: only set flags, set an
        # event and queue a callback (all safe there); everything else is done on the loop.
        self.terminal_lost()

    def terminal_lost(self) -> None:
        """The terminal hung up (from the signal handler or the watch thread)."""
        if self.hung_up:
            return
        self.hung_up = True
        driver = self._driver()
        if driver is not None:
            driver.terminal_gone = getattr(driver, "terminal_gone", False) or not terminal_alive(self.fd)
            driver.hung_up = True
        self.arm(HANGUP_GRACE_S, lambda: HANGUP_STATUS)
        loop = self._loop()
        if loop is None or loop.is_closed():
            return  # the app is not running (yet, or any more): the watchdog ends the process
        try:
            loop.call_soon_threadsafe(self._on_lost)
        except RuntimeError:
            pass

    def arm(self, grace: float, status: Callable[[], int]) -> None:
        """End the process with ``status()`` if it still runs ``grace`` seconds from now."""
        if self._exit.is_set() and grace >= self._grace:
            return  # already armed, as soon or sooner
        self._grace = grace
        self._status = status
        self._exit.set()

    def exit_now(self, status: int) -> None:
        """End the process at once with ``status`` (after a hang-up nobody is there to see the
        interpreter's slow teardown)."""
        self._end(status)

    def _end(self, status: int) -> None:
        try:
            self._before_exit()
        except Exception:
            pass
        _flush_quietly()
        os._exit(status)

    def _run(self) -> None:
        while not self._exit.wait(POLL_S):
            if self._stopped:
                continue
            driver = self._driver()
            writer = getattr(driver, "_writer_thread", None)
            dead_writer = writer is not None and getattr(driver, "_started", False) and not writer.is_alive()
            if (self._watch_terminal and not terminal_alive(self.fd)) or dead_writer:
                self.terminal_lost()
        start = time.monotonic()
        while True:  # a later, shorter grace (a hang-up during a quit) takes over
            remaining = start + self._grace - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(remaining, 0.05))
        self._end(self._status())


def guarded_driver(base: type) -> type:
    """Textual's driver class ``base`` made safe on a terminal that has gone away."""

    class GuardedDriver(base):
        """The terminal driver, which never blocks nor restarts on a terminal that has gone."""

        #: The terminal has gone: nothing more is written to it.
        terminal_gone = False
        #: A hang-up was seen: the terminal mode is never restarted.
        hung_up = False
        _started = False

        def _sigcont_application(self, *args: Any) -> None:
            # SIGCONT comes with SIGHUP when a terminal hangs up; resume only a terminal that is there.
            if self.hung_up or self.terminal_gone or not terminal_alive(self.fileno):
                return
            super()._sigcont_application(*args)

        def start_application_mode(self) -> None:
            if self.hung_up or self.terminal_gone:
                return
            super().start_application_mode()
            self._started = True

        def write(self, data: str) -> None:
            self._put(data)

        def _put(self, item: str | None) -> bool:
            """Queue ``item`` for the output thread; False if it cannot be (terminal or thread gone)."""
            writer = self._writer_thread
            if writer is None or self.terminal_gone:
                return False
            pending = getattr(writer, "_queue", None)
            if pending is None:  # not the output thread this wrapper knows: write as Textual does
                writer.write(item) if item is not None else writer.stop()
                return True
            while True:
                if self.terminal_gone or not writer.is_alive():
                    self.terminal_gone = True
                    return False
                try:
                    pending.put(item, timeout=WRITE_SLICE_S)
                    return True
                except queue.Full:
                    continue

        def close(self) -> None:
            self._started = False  # the output thread ends now: that is not a lost terminal
            writer = self._writer_thread
            if writer is None:
                return
            if self._put(None):
                writer.join(CLOSE_TIMEOUT_S)

    GuardedDriver.__name__ = GuardedDriver.__qualname__ = f"Guarded{base.__name__}"
    return GuardedDriver


__all__ = [
    "CLOSE_TIMEOUT_S",
    "HANGUP_GRACE_S",
    "HANGUP_STATUS",
    "QUIT_GRACE_S",
    "ExitGuard",
    "guarded_driver",
    "terminal_alive",
]
