"""The axon screen: an action potential travelling along a cable of HH compartments.

Two views of V(x, t), switched with ``v``:

- space-time: one row per position along the axon (left end at the top), one column per time
  bin; each cell is a character (and, with colour, a hue) for the highest voltage in its bin,
  so the travelling action potential is a slanted band whose slope is the velocity; a ``|``
  column marks the moment the profile shows, and says so under the picture;
- profile: V along the axon at one moment, a chart with a time slider under it: ``space``
  plays it as a film (and pauses it), ``left``/``right`` step the slider back and forth,
  ``home``/``end`` jump to the start and the end.

The run is computed in a worker thread (the cable kernel releases the GIL); the header shows
the measured conduction velocity. ``?`` shows this screen's keys.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from hhtui.model.cable import AxonResult, CableSettings, simulate_cable
from hhtui.model.membrane import PARAMETER_RANGES, Membrane
from hhtui.parameters import parameter

from ..plotting import Chart, caption_lines, join_parts, message
from ..ticks import horizontal_fit, nice_ticks
from ..widgets.fitted_footer import FittedFooter
from .computed import ComputedScreen

#: Characters for rising voltage, and the lower edge (mV) of each level after the first.
LEVEL_CHARS = " .:-=+*#%@"
LEVEL_EDGES = (-60.0, -45.0, -30.0, -15.0, 0.0, 10.0, 20.0, 30.0, 40.0)
LEVEL_COLOURS = (
    None,
    "blue",
    "cyan",
    "green",
    "yellow",
    "dark_orange",
    "red",
    "bright_red",
    "magenta",
    "bright_magenta",
)
#: Width of the position labels left of the picture.
LABEL_WIDTH = 8
#: Temperature step of the + and - keys, degrees C.
TEMPERATURE_STEP = 2.0
#: Simulated time of one run, ms (the parameter table's ``axon_t_stop`` of the app: long enough for
#: the wave to cross 5 cm at 6.3 C).
RUN_MS: float = parameter("app", "axon_t_stop").default
#: Steps of the time slider over the time window, and the film's frame interval (s).
SLIDER_STEPS = 60
FRAME_S = 0.05
#: What the screen is, for its help (its keys are listed from its bindings).
ABOUT = """An action potential travelling along an axon: a cable of Hodgkin-Huxley compartments,
stimulated at its left end (or at both ends, to see two waves meet and annihilate). The header
gives the conduction velocity measured between 25% and 75% of the length.

**Space-time view**: one row per position along the axon (the left end at the top), time across;
each character stands for the highest voltage in its cell (the legend under the picture gives the
levels), so the travelling action potential is a slanted band whose slope is the velocity. A `|`
column marks the moment the profile view shows.

**Profile view**: V along the axon at one moment, with a time slider under it. `space` plays the
profile through time as a film and pauses it; the arrow keys step the slider.

A warmer axon conducts faster (the rates scale with Q10 = 3)."""


def voltage_levels(v: np.ndarray) -> np.ndarray:
    """Index into :data:`LEVEL_CHARS` for each voltage (mV)."""
    return np.searchsorted(np.asarray(LEVEL_EDGES), np.asarray(v, dtype=np.float64), side="right")


def legend_line(width: int, colour: bool) -> Text:
    """``V (mV): .-60 :-45 ...``: the character of each level and its lower edge."""
    text = Text("V mV:", no_wrap=True, overflow="crop")
    for char, edge, hue in zip(LEVEL_CHARS[1:], LEVEL_EDGES, LEVEL_COLOURS[1:]):
        text.append(" ")
        text.append(char, Style(color=hue) if colour and hue else Style())
        text.append(f"{edge:g}")
    text.truncate(width)
    return text


def time_window(result: AxonResult) -> float:
    """End of the time span worth showing, ms: a little after the last arrival, else the run."""
    reached = result.arrival_ms[np.isfinite(result.arrival_ms)]
    t_end = float(result.t[-1]) if result.t.size else RUN_MS
    if reached.size == 0:
        return t_end
    return min(t_end, float(reached.max()) * 1.1 + 1.5)


def space_time_picture(
    result: AxonResult,
    width: int,
    height: int,
    colour: bool = True,
    t_to: float | None = None,
    cursor_t: float | None = None,
) -> Text:
    """V(x, t) as ``height`` lines of ``width`` characters.

    Rows are positions (the left end at the top), columns time bins over [0, ``t_to``] ms; a cell
    shows the level of the highest voltage among the samples of its bin at the compartment
    nearest its row. The last lines are the time axis, the legend and, with ``cursor_t``, what the
    ``|`` column marking that time (where the picture is at rest) stands for.
    """
    cursor_note = (
        "" if cursor_t is None else f"| = t {cursor_t:.2f} ms, the profile's moment (v: profile, left/right: move)"
    )
    note_lines = caption_lines(width, cursor_note, most=2) if cursor_note else []
    rows = height - 2 - len(note_lines)
    cols = width - LABEL_WIDTH
    if rows < 2 or cols < 8 or result.t.size < 2:
        return message(max(width, 0), max(height, 0), ["(too small)"])
    t_end = time_window(result) if t_to is None else t_to
    samples = int(np.searchsorted(result.t, t_end, side="right"))
    samples = max(2, min(samples, result.t.size))
    t = result.t[:samples]
    # Compartment for each row, time samples for each column (max over the bin).
    nseg = result.x.size
    row_index = np.round(np.linspace(0, nseg - 1, rows)).astype(np.int64)
    cols = min(cols, samples)
    starts = np.floor(np.linspace(0, samples, cols, endpoint=False)).astype(np.int64)
    block = np.maximum.reduceat(result.V[row_index, :samples], starts, axis=1)
    levels = voltage_levels(block)
    cursor_col = None
    if cursor_t is not None and t[-1] > 0:
        cursor_col = int(np.clip(np.searchsorted(t[starts], cursor_t, side="right") - 1, 0, cols - 1))
    length = result.settings.length_cm
    labels = {0: f"{0:g} cm", rows // 2: f"{length / 2:g} cm", rows - 1: f"{length:g} cm"}
    text = Text(no_wrap=True, overflow="crop")
    styles = [Style(color=hue) if colour and hue else None for hue in LEVEL_COLOURS]
    for r in range(rows):
        text.append(labels.get(r, "").rjust(LABEL_WIDTH - 1)[: LABEL_WIDTH - 1] + "│")
        line = levels[r]
        start = 0
        for c in range(1, cols + 1):
            if c == cols or line[c] != line[start]:
                chunk = "".join(LEVEL_CHARS[k] for k in line[start:c])
                if cursor_col is not None and start <= cursor_col < c and line[start] == 0:
                    chunk = chunk[: cursor_col - start] + "|" + chunk[cursor_col - start + 1 :]
                style = styles[line[start]]
                text.append(chunk, style) if style else text.append(chunk)
                start = c
        text.append("\n")
    # Time axis: round times under the columns that start at them.
    axis = [" "] * cols
    t_last = float(t[starts[-1]])
    tick_values, tick_labels = nice_ticks(0.0, t_last, horizontal_fit(cols)) if t_last > 0 else ([0.0], ["0"])
    for value, label in zip(tick_values, tick_labels):
        position = int(np.clip(np.searchsorted(t[starts], value - 1e-9), 0, cols - 1))
        begin = min(max(0, position - len(label) // 2), cols - len(label))
        axis[begin : begin + len(label)] = list(label)
    text.append("t (ms)".rjust(LABEL_WIDTH - 1)[: LABEL_WIDTH - 1] + "└")
    text.append("".join(axis))
    text.append("\n")
    text.append_text(legend_line(width, colour))
    for line in note_lines:
        text.append("\n")
        text.append(line, Style(color="yellow") if colour else Style())
    return text


def profile_index(result: AxonResult, t_now: float) -> int:
    """Index of the recorded sample nearest ``t_now`` (ms)."""
    j = int(np.clip(np.searchsorted(result.t, t_now), 0, result.t.size - 1))
    if j > 0 and abs(result.t[j - 1] - t_now) <= abs(result.t[j] - t_now):
        j -= 1
    return j


def profile_time(result: AxonResult, t_now: float) -> float:
    """The recorded time nearest ``t_now`` (ms): the moment the profile shows."""
    return float(result.t[profile_index(result, t_now)])


def time_slider(width: int, t_now: float, t_end: float, playing: bool) -> str:
    """One line: the time shown and where it lies in [0, ``t_end``] ms, with the keys that move it."""
    head = f"t {t_now:6.2f} ms "
    tail = f" {t_end:.1f} ms"
    # The same room for either hint: the track keeps its length when the film starts or stops.
    hints = ("  space: play, left/right: step", "  space: pause")
    room = max(len(text) for text in hints)
    hint = hints[1 if playing else 0].ljust(room)
    if width - len(head) - len(tail) - room < 10:
        hint = ""
    track = max(3, width - len(head) - len(tail) - len(hint) - 3)
    position = int(round(np.clip(t_now / t_end if t_end > 0 else 0.0, 0.0, 1.0) * (track - 1)))
    bar = "─" * position + "●" + "─" * (track - 1 - position)
    return f"{head}0├{bar}┤{tail}{hint}"[:width]


def profile_chart(
    result: AxonResult, width: int, height: int, colour: bool, t_now: float, playing: bool = False
) -> Text:
    """V along the axon at time ``t_now`` (the nearest recorded sample), as a chart, with the
    time slider on its last line."""
    j = profile_index(result, t_now)
    chart = Chart(
        width,
        height - 1,
        colour,
        xlabel="x (cm)",
        ylabel="V (mV)",
        title=f"V along the axon at t = {result.t[j]:.2f} ms",
        xlim=(0.0, result.settings.length_cm),
        ylim=(-90.0, 50.0),
    )
    chart.line(result.x, result.V[:, j], None, "V", "*")
    text = chart.build()
    text.append("\n")
    slider = time_slider(width, float(result.t[j]), time_window(result), playing)
    text.append(slider.ljust(width), Style(color="yellow") if colour else Style())
    return text


class AxonScreen(ComputedScreen):
    """A propagating action potential along an HH cable, with its measured velocity."""

    DEFAULT_CSS = """
    AxonScreen { layout: vertical; }
    AxonScreen #axon-title { height: auto; max-height: 3; padding: 0 1; background: $boost; text-style: bold; }
    AxonScreen #axon-plot { height: 1fr; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("r", "rerun", "Re-run", show=False),
        Binding("plus,equals_sign", "temperature(1)", "Temp", key_display="+-"),
        Binding("minus", "temperature(-1)", "-Temp", show=False),
        Binding("b", "toggle_ends", "Ends"),
        Binding("v", "toggle_view", "View"),
        Binding("space", "play", "Play"),
        Binding("right", "move(1)", "Time", key_display="←→"),
        Binding("left", "move(-1)", "Earlier", show=False),
        Binding("home", "jump(0)", "Start", show=False),
        Binding("end", "jump(1)", "End", show=False),
        Binding("question_mark", "help", "Help"),
    ]
    #: What each key does, for the help (the footer's words are short).
    KEY_HELP = {
        "close": "back to the neuron",
        "rerun": "compute the run again",
        "temperature(1)": f"warmer by {TEMPERATURE_STEP:g} C (and run again)",
        "temperature(-1)": f"cooler by {TEMPERATURE_STEP:g} C (and run again)",
        "toggle_ends": "stimulate the left end only, or both ends",
        "toggle_view": "space-time picture or profile (V along the axon)",
        "play": "play the profile through time as a film; again to pause",
        "move(1)": "time slider later (the profile, and the | column of the space-time view)",
        "move(-1)": "time slider earlier",
        "jump(0)": "time slider to the start",
        "jump(1)": "time slider to the end",
        "help": "this help",
    }

    def __init__(
        self,
        settings: CableSettings | None = None,
        *,
        view: str = "space-time",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # The cable of 'hhtui axon' (a run takes about 0.1 s on one core, quick enough to redo at
        # each key), run longer: see the table's axon_t_stop.
        base = CableSettings(t_stop=RUN_MS)
        self.settings = settings if settings is not None else base
        self.view = view if view in ("space-time", "profile") else "space-time"
        self.cursor_t = 0.0
        self._player: Any = None
        self.footer = FittedFooter()
        self.plot_text = Text("")

    # --- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="axon-title")
        yield Static("", id="axon-plot")
        yield self.footer

    def simulate(self, settings: CableSettings) -> AxonResult:
        return simulate_cable(settings)

    # --- drawing ---------------------------------------------------------------------------------
    def title_parts(self) -> list[str]:
        """The header's pieces: the velocity (or the state of the run) and the axon."""
        s = self.settings
        where = "both ends" if s.stim_end == "both" else "left end"
        head = (
            f"Axon {s.length_cm:g} cm, d {s.diameter_um:g} um, Ra {s.ra_ohm_cm:g} ohm*cm, "
            f"{s.membrane.temperature:g} C, {where}"
        )
        numerics = f"{s.nseg} compartments, dt {s.dt:g} ms, {s.t_stop:g} ms run"
        if self.computing:
            return [head, numerics, "computing..."]
        if self.error:
            return [head, numerics, "failed"]
        if self.result is None:
            return [head, numerics]
        v = self.result.velocity_m_s
        speed = f"velocity {v:.2f} m/s" if math.isfinite(v) else "no propagation"
        return [speed, head, numerics]

    def title_line(self) -> str:
        """The header as one line (wrapped between its pieces on screen)."""
        return " | ".join(self.title_parts())

    def redraw(self) -> None:
        """Redraw the title and the picture at the current size."""
        parts = self.parts("#axon-title", "#axon-plot")
        if parts is None:
            return
        title, plot = parts
        self.update_header(title, join_parts(self.title_parts(), max(10, self.size.width - 2)))
        width = plot.size.width or max(20, self.size.width)
        height = plot.size.height or max(5, self.size.height - 2)
        if self.computing:
            text = message(
                width,
                height,
                ["computing the cable...", f"{self.settings.nseg} compartments, {self.settings.n_steps} steps"],
            )
        elif self.error:
            text = message(width, height, ["could not compute the cable:", self.error])
        elif self.result is None:
            text = message(width, height, [""])
        elif self.view == "profile":
            text = profile_chart(self.result, width, height, self.colour, self.cursor_t, self.playing)
        else:
            text = space_time_picture(
                self.result,
                width,
                height,
                self.colour,
                cursor_t=self.cursor_t if self.cursor_t > 0 else None,
            )
        self.plot_text = text
        plot.update(text)

    # --- actions -----------------------------------------------------------------------------------
    def action_close(self) -> None:
        self._stop_player()
        self.dismiss(None)

    def action_temperature(self, direction: int) -> None:
        _, low, high, _, _ = PARAMETER_RANGES["temperature"]
        temperature = float(np.clip(self.settings.membrane.temperature + direction * TEMPERATURE_STEP, low, high))
        membrane: Membrane = self.settings.membrane.replace(temperature=temperature)
        self.settings = self.settings.replace(membrane=membrane)
        self.compute()

    def action_toggle_ends(self) -> None:
        self.settings = self.settings.replace(stim_end="left" if self.settings.stim_end == "both" else "both")
        self.compute()

    def action_toggle_view(self) -> None:
        self.view = "profile" if self.view == "space-time" else "space-time"
        if self.view == "profile" and self.result is not None and self.cursor_t <= 0:
            reached = self.result.arrival_ms[np.isfinite(self.result.arrival_ms)]
            self._set_cursor(float(np.median(reached)) if reached.size else 0.0)
        self.redraw()

    @property
    def playing(self) -> bool:
        """True while the profile plays as a film."""
        return self._player is not None

    def _slider_step(self) -> float:
        """One step of the slider (ms): a share of the time window, at least one recorded sample."""
        assert self.result is not None
        t = self.result.t
        sample = float(t[1] - t[0]) if t.size > 1 else 0.0
        return max(time_window(self.result) / SLIDER_STEPS, sample)

    def _set_cursor(self, t: float) -> None:
        """The slider to the recorded moment nearest ``t`` within the time window (what the
        profile, its title, the slider and the | column then all show)."""
        assert self.result is not None
        end = profile_time(self.result, time_window(self.result))
        self.cursor_t = profile_time(self.result, float(np.clip(t, 0.0, end)))

    def action_move(self, direction: int) -> None:
        """Step the time slider (the profile's moment) by one step, within the time window."""
        if self.result is None:
            return
        self._set_cursor(self.cursor_t + direction * self._slider_step())
        self.redraw()

    def action_jump(self, where: int) -> None:
        """The time slider to the start (0) or the end (1) of the time window."""
        if self.result is None:
            return
        self._set_cursor(time_window(self.result) if where else 0.0)
        self.redraw()

    def action_play(self) -> None:
        """Play the profile as a film from where the slider is (from the start once at the end);
        again to pause."""
        if self._player is not None:
            self._stop_player()
            self.redraw()
            return
        if self.result is None:
            return
        self.view = "profile"
        if self.cursor_t >= profile_time(self.result, time_window(self.result)) - 1e-9:
            self.cursor_t = 0.0
        self._player = self.set_interval(FRAME_S, self._advance_film)
        self.redraw()

    def _advance_film(self) -> None:
        if self.result is None or self.cursor_t >= profile_time(self.result, time_window(self.result)) - 1e-9:
            self._stop_player()
            self.redraw()
            return
        self.action_move(1)

    def _stop_player(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player = None

    def on_result(self, result: AxonResult) -> None:
        self.cursor_t = profile_time(result, min(self.cursor_t, time_window(result)))

    def action_help(self) -> None:
        """This screen's keys (from its bindings) and what it shows."""
        from .help import HelpScreen, keys_markdown

        self.app.push_screen(HelpScreen(keys_markdown("Axon screen: keys", ABOUT, self.BINDINGS, self.KEY_HELP)))


__all__ = ["AxonScreen", "profile_chart", "space_time_picture", "time_slider", "voltage_levels"]
