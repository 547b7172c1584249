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

    def __init__(self, label: str, stream: IO[str] | None = None, delay: float = 1.0, enabled: bool | None = None,
                 width: int = 30) -> None:
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

    def __call__(self, fraction: float) -> None:
        """Show ``fraction`` (0 to 1) of the work done."""
        if not self.enabled or time.monotonic() - self.started < self.delay:
            return
        fraction = min(1.0, max(0.0, float(fraction)))
        percent = int(fraction * 100)
        if percent == self._last:
            return
        self._last = percent
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}%")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the bar (if it was drawn) so the next message starts on a clean line."""
        if self.drawn:
            self.stream.write("\r" + " " * (len(self.label) + self.width + 8) + "\r")
            self.stream.flush()
            self.drawn = False

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
