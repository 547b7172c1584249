"""A one-line progress bar on standard error for long headless runs.

It appears only when the stream is a terminal and the work has already taken longer than
``delay`` seconds, so quick runs, pipes, log files and job queues see nothing.
"""

from __future__ import annotations

import sys
import time
from typing import IO


class ProgressBar:
    """``bar(fraction)`` redraws ``label [#####.....]  42%`` in place; ``bar.close()`` clears it.

    Args:
        label: text before the bar.
        stream: where to draw (default: standard error).
        delay: seconds of work before the bar first appears.
        enabled: force on or off; default: on when ``stream`` is a terminal.
        width: characters of the bar itself.
    """

    def __init__(
        self,
        label: str,
        stream: IO[str] | None = None,
        delay: float = 1.0,
        enabled: bool | None = None,
        width: int = 30,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        if enabled is None:
            try:
                enabled = bool(self.stream.isatty())
            except (AttributeError, ValueError):
                enabled = False
        self.enabled = enabled
        self.width = width
        self.started = time.monotonic()
        self.drawn = False
        self._last = -1
        self._note = ""
        self._drawn_at = 0.0
        self._width_drawn = 0

    def __call__(self, fraction: float, note: str = "") -> None:
        """Show ``fraction`` (0 to 1) of the work done, and ``note`` after the percentage
        (e.g. ``1,200/20,000 points``; redrawn at most ten times a second)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay:
            return
        fraction = min(1.0, max(0.0, float(fraction)))
        percent = int(fraction * 100)
        if percent == self._last and (not note or note == self._note or now - self._drawn_at < 0.1):
            return
        self._last, self._note, self._drawn_at = percent, note, now
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{self.label} [{bar}] {percent:3d}%" + (f"  {note}" if note else "")
        self.stream.write("\r" + line.ljust(self._width_drawn))
        self.stream.flush()
        self._width_drawn = len(line)
        self.drawn = True

    def close(self) -> None:
        """Erase the bar (if it was drawn) so the next message starts on a clean line."""
        if self.drawn:
            self.stream.write("\r" + " " * max(self._width_drawn, len(self.label) + self.width + 8) + "\r")
            self.stream.flush()
            self.drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
