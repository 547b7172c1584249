"""The status line: simulated time, speed, spikes, firing rate, method and dt, and warnings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from ..settings import DEFAULT_SPEED, DEFAULT_WINDOW_MS
from ..state import Clock


@dataclass(frozen=True)
class Status:
    """What the status line shows.

    Attributes:
        running: the run is going.
        t_ms: simulated time, ms.
        speed: the set speed, simulated ms per real second.
        achieved: measured speed while running (ms/s), or None.
        spikes: spikes since the last reset.
        rate_hz: firing rate over the last 500 ms, Hz.
        method, dt: integration method and time step (ms).
        current: injected current, uA/cm^2 (the clamp level, mV, when ``clamp``).
        clamp: the stimulus is a voltage clamp.
        view: the title of the view shown.
        window_ms: the display window, ms.
        warning: a warning (numerical blow-up...) or None.
        note: a short extra note (e.g. "preparing solver...").
    """

    running: bool = False
    t_ms: float = 0.0
    speed: float = 50.0
    achieved: float | None = None
    spikes: int = 0
    rate_hz: float = 0.0
    method: str = "rk4"
    dt: float = 0.01
    current: float = 0.0
    clamp: bool = False
    view: str = ""
    window_ms: float = 50.0
    warning: str | None = None
    note: str | None = None


#: The achieved speed is shown once it falls below this fraction of the set speed.
SHORTFALL = 0.9


def speed_text(speed: float) -> str:
    """A speed in simulated ms per real second, with its ratio to real time."""
    ratio = speed / 1000.0
    shown = f"{ratio:.3g}"
    return f"{speed:g} ms/s (x{shown} real time)"


def status_text(status: Status, width: int = 80) -> Text:
    """The status line as text, shortened to fit ``width``."""
    text = Text(no_wrap=False)
    state = "RUN " if status.running else "PAUSE"
    text.append(f" {state} ", style="bold reverse green" if status.running else "bold reverse")
    current = f"level {status.current:g} mV" if status.clamp else f"I {status.current:g} uA/cm2"
    speed = speed_text(status.speed)
    set_speed = f"{status.speed:g} ms/s"
    short_speed = f"{status.speed:g}ms/s"
    if status.running and status.achieved is not None and status.achieved < SHORTFALL * status.speed:
        # The computer cannot keep up: every variant says what it does reach.
        reached = f"{status.achieved:.3g}" if status.achieved < 1000 else f"{status.achieved:,.0f}"
        speed += f", reaching {reached}"
        set_speed = f"{status.speed:g} ms/s, reaching {reached}"
        short_speed = f"{reached} of {status.speed:g}ms/s"
    # From the fullest to the tersest; the first that fits the width is shown.
    variants = [
        [
            f"t {status.t_ms:.2f} ms",
            speed,
            f"spikes {status.spikes}",
            f"{status.rate_hz:.0f} Hz",
            f"{status.method} dt {status.dt:g} ms",
            current,
        ],
        [
            f"t {status.t_ms:.2f} ms",
            set_speed,
            f"spikes {status.spikes}",
            f"{status.rate_hz:.0f} Hz",
            f"{status.method} dt {status.dt:g} ms",
            current,
        ],
        [
            f"t {status.t_ms:.1f}",
            set_speed,
            f"spikes {status.spikes}",
            f"{status.rate_hz:.0f} Hz",
            f"{status.method} {status.dt:g}",
            current,
        ],
        [
            f"t {status.t_ms:.1f}",
            short_speed,
            f"{status.spikes} sp {status.rate_hz:.0f} Hz",
            f"{status.method} {status.dt:g}",
            current.replace(" uA/cm2", "").replace(" mV", ""),
        ],
        [
            f"t {status.t_ms:.1f}",
            short_speed,
            f"{status.spikes}sp {status.rate_hz:.0f}Hz",
            f"{status.method} {status.dt:g}",
            current.replace(" uA/cm2", "").replace(" mV", ""),
        ],
    ]
    for k, parts in enumerate(variants):
        line = " " + (" | " if k < len(variants) - 1 else " ").join(parts)
        if len(line) + 7 <= width:
            break
    text.append(line)
    if status.note:
        text.append(f"  {status.note}", style="italic")
    if status.warning:
        text.append("\n")
        text.append(" ! ", style="bold reverse red")
        text.append(f" {status.warning}", style="bold red")
    return text


class StatusBar(Widget):
    """One line (two with a warning) under the plots: a view of the main screen's state.

    Its reactive attributes are bound to the main screen's (``running``, ``speed``,
    ``window_ms``, ``view_name``, ``experiment``, ``clock``, ``note``); any change lays it out
    again (a warning adds a line).
    """

    DEFAULT_CSS = """
    StatusBar { height: auto; max-height: 6; width: 1fr; background: $panel; }
    """

    running: reactive[bool] = reactive(False, layout=True)
    speed: reactive[float] = reactive(DEFAULT_SPEED, layout=True)
    window_ms: reactive[float] = reactive(DEFAULT_WINDOW_MS, layout=True)
    view_name: reactive[str] = reactive("voltage", layout=True)
    #: The experiment in use now (an ``Experiment``), None while the model loads.
    experiment: reactive[Any] = reactive(None, layout=True)
    clock: reactive[Clock] = reactive(Clock(), layout=True)
    #: A short extra note (e.g. "preparing solver..."), or None.
    note: reactive[str | None] = reactive(None, layout=True)

    @property
    def status(self) -> Status:
        """What the line shows now."""
        experiment, clock = self.experiment, self.clock
        if experiment is None:
            return Status(speed=self.speed, window_ms=self.window_ms, note=self.note)
        from ..session import injected_current

        return Status(
            running=self.running,
            t_ms=clock.t_ms,
            speed=self.speed,
            achieved=clock.achieved,
            spikes=clock.spikes,
            rate_hz=clock.rate_hz,
            method=experiment.solver.method,
            dt=experiment.solver.dt,
            current=injected_current(experiment.stimulus),
            clamp=experiment.stimulus.is_clamp,
            view=self.view_name,
            window_ms=self.window_ms,
            warning=clock.warning,
            note=self.note,
        )

    #: The width the line is laid out for (cells): the layout's, which may be newer than ``size``.
    _width = 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._width = width
        return super().get_content_height(container, viewport, width)

    def render(self) -> Text:
        return status_text(self.status, self._width or self.size.width or 80)
