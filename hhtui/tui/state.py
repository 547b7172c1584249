"""Small immutable records of the live run's state, shared by the main screen and its widgets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    """Where the run is, as shown on screen: the plot and the status line draw the same one.

    Attributes:
        t_ms: simulated time, ms.
        version: the recording's version (changes with every chunk and every change).
        spikes: spikes since the last reset.
        rate_hz: firing rate over the last 500 ms, Hz.
        achieved: measured speed while running (simulated ms per real second), or None.
        warning: a warning (numerical blow-up...) or None.
    """

    t_ms: float = 0.0
    version: int = -1
    spikes: int = 0
    rate_hz: float = 0.0
    achieved: float | None = None
    warning: str | None = None


def window_span(t_now: float, window_ms: float) -> tuple[float, float]:
    """The time span (ms) a plot of ``window_ms`` shows at ``t_now``: from 0 until the window is full."""
    if t_now <= window_ms:
        return 0.0, window_ms
    return t_now - window_ms, t_now
