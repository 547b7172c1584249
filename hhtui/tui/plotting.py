"""Charts as terminal text: plotext draws the axes, numpy draws the data.

plotext lays out a chart well (frame, ticks, tick labels, axis labels, title) but rasterises the
data in pure Python, point by point: a full window of spikes on a 120x40 terminal costs it
~100 ms, far beyond a frame. So a :class:`Chart` asks plotext only for the empty frame at the
wanted size and limits (a few ms), finds the canvas inside it, and draws the lines itself in
braille (2x4 dots per character) with a vectorised rasteriser that uses plotext's own mapping
from data to dots, so the lines sit exactly on plotext's ticks. The result is a Rich ``Text``
with one style per run of cells: no ANSI string to parse again.

With ``colour=False`` (NO_COLOR) nothing is coloured and each line is drawn with its own
letter instead of braille dots, so the lines stay distinguishable.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from rich.style import Style
from rich.text import Text

_LOCK = threading.Lock()
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: Colour of each named series (Rich colour names).
PALETTE: dict[str, str] = {
    "V": "bright_cyan",
    "m": "bright_red",
    "h": "bright_blue",
    "n": "bright_green",
    "I_Na": "bright_red",
    "I_K": "bright_blue",
    "I_L": "green",
    "I_stim": "magenta",
    "I_clamp": "yellow",
    "g_Na": "bright_red",
    "g_K": "bright_blue",
    "trajectory": "bright_cyan",
    "nullcline_v": "dark_orange",
    "nullcline_n": "bright_green",
    "marker": "yellow",
    "cartoon": "bright_yellow",
    "fi": "bright_cyan",
    "onset": "red",
    "resting": "white",
    "depolarisation": "bright_red",
    "repolarisation": "bright_blue",
    "hyperpolarisation": "bright_green",
    "up": "bright_cyan",
    "down": "bright_magenta",
}

# Braille dot bits by (row within the cell from the top, column within the cell).
_BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint16)


@dataclass
class Series:
    """One line (or set of points): data, legend label, palette key, letter used without colour."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    label: str | None
    key: str
    letter: str = "*"
    scatter: bool = False


@dataclass
class Chart:
    """A chart of ``width`` x ``height`` characters (axes and labels included)."""

    width: int
    height: int
    colour: bool = True
    xlabel: str = ""
    ylabel: str = ""
    title: str = ""
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    series: list[Series] = field(default_factory=list)
    vlines: list[tuple[float, str]] = field(default_factory=list)
    texts: list[tuple[str, float, float, str]] = field(default_factory=list)

    # --- description -----------------------------------------------------------------------------
    def line(self, x: ArrayLike, y: ArrayLike, label: str | None, key: str, letter: str = "*") -> Chart:
        """Add a line through the points (non-finite points break nothing: they are dropped)."""
        xs, ys = _finite(x, y)
        if xs.size:
            self.series.append(Series(xs, ys, label, key, letter))
        return self

    def points(self, x: ArrayLike, y: ArrayLike, label: str | None, key: str, letter: str = "o") -> Chart:
        """Add unconnected points (drawn as a full character cell each)."""
        xs, ys = _finite(x, y)
        if xs.size:
            self.series.append(Series(xs, ys, label, key, letter, scatter=True))
        return self

    def vline(self, x: float, key: str = "marker") -> Chart:
        """A vertical line at ``x``."""
        if np.isfinite(x):
            self.vlines.append((float(x), key))
        return self

    def text(self, label: str, x: float, y: float, key: str = "marker") -> Chart:
        """A label whose first character sits at (x, y)."""
        if np.isfinite(x) and np.isfinite(y):
            self.texts.append((label, float(x), float(y), key))
        return self

    # --- drawing -------------------------------------------------------------------------------------
    def limits(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The x and y limits: as set, else the data range (never empty)."""

        def span(values: list[NDArray[np.float64]], fixed: tuple[float, float] | None) -> tuple[float, float]:
            if fixed is not None and fixed[1] > fixed[0]:
                return fixed
            data = np.concatenate(values) if values else np.zeros(0)
            if data.size == 0:
                return (0.0, 1.0)
            low, high = float(data.min()), float(data.max())
            return (low, high) if high > low else (low - 0.5, high + 0.5)

        return (
            span([s.x for s in self.series] + [np.array([v[0] for v in self.vlines])], self.xlim),
            span([s.y for s in self.series], self.ylim),
        )

    def build(self) -> Text:
        """The chart as Rich text, ``height`` lines of ``width`` cells."""
        if self.width < 12 or self.height < 5:
            return blank(self.width, self.height)
        xlim, ylim = self.limits()
        lines = _frame(self.width, self.height, xlim, ylim, self.xlabel, self.ylabel, self.title)
        canvas = _find_canvas(lines)
        if canvas is None:
            return Text("\n".join(lines))
        top, bottom, left, right = canvas
        rows, cols = bottom - top, right - left
        chars = [list(line.ljust(self.width)[: self.width]) for line in lines]
        styles: list[list[str | None]] = [[None] * self.width for _ in lines]

        def put(row: int, col: int, char: str, key: str | None) -> None:
            if 0 <= row < rows and 0 <= col < cols:
                chars[top + row][left + col] = char
                styles[top + row][left + col] = PALETTE.get(key or "") if self.colour else None

        for x, key in self.vlines:
            col = _to_dots(np.array([x]), xlim, cols)[0]
            if 0 <= col < cols:
                for row in range(rows):
                    put(row, int(col), "│", key)
        for s in self.series:
            if s.scatter:
                c = _to_dots(s.x, xlim, cols)
                r = rows - 1 - _to_dots(s.y, ylim, rows)
                for row, col in zip(r.tolist(), c.tolist()):
                    put(row, col, "●" if self.colour else s.letter, s.key)
                continue
            codes = _braille(s.x, s.y, xlim, ylim, cols, rows)
            for row, col in zip(*np.nonzero(codes)):
                put(int(row), int(col), chr(0x2800 + int(codes[row, col])) if self.colour else s.letter, s.key)
        for label, x, y, key in self.texts:
            col = int(_to_dots(np.array([x]), xlim, cols)[0])
            row = int(rows - 1 - _to_dots(np.array([y]), ylim, rows)[0])
            for k, char in enumerate(label):
                put(row, col + k, char, key)
        legend = [s for s in self.series if s.label]
        for k, s in enumerate(legend[: max(0, rows - 1)]):
            entry = f"{'⣿⣿' if self.colour else s.letter * 2} {s.label} "
            for j, char in enumerate(" " + entry):
                put(k, j, char, s.key if 0 < j < 3 else None)
        return _to_text(chars, styles)


def _finite(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    n = min(xs.size, ys.size)
    xs, ys = xs[:n], ys[:n]
    keep = np.isfinite(xs) & np.isfinite(ys)
    return xs[keep], ys[keep]


def _frame(
    width: int, height: int, xlim: tuple[float, float], ylim: tuple[float, float], xlabel: str, ylabel: str, title: str
) -> list[str]:
    """plotext's empty chart (frame, ticks, labels) as plain lines."""
    import plotext as plt

    with _LOCK:
        plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot
        plt.limit_size(False, False)
        plt.plotsize(width, height)
        plt.theme("clear")
        plt.plot([xlim[0], xlim[1]], [ylim[0], ylim[1]], marker=" ")
        plt.xlim(*xlim)
        plt.ylim(*ylim)
        if xlabel:
            plt.xlabel(xlabel)
        if ylabel:
            plt.ylabel(ylabel)
        if title:
            plt.title(title)
        text = plt.build()
        plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot
    return _ANSI.sub("", text).rstrip("\n").split("\n")[:height]


def _find_canvas(lines: list[str]) -> tuple[int, int, int, int] | None:
    """(first row, row after the last, first column, column after the last) inside the frame."""
    top = next((i for i, line in enumerate(lines) if "┌" in line), None)
    bottom = next((i for i, line in enumerate(lines) if "└" in line), None)
    if top is None or bottom is None or bottom - top < 2:
        return None
    left = lines[top].index("┌")
    right = lines[top].rfind("┐")
    if right - left < 2:
        return None
    return top + 1, bottom, left + 1, right


def _to_dots(values: NDArray[np.float64], lim: tuple[float, float], bins: int) -> NDArray[np.int64]:
    """Data to cell or dot indices exactly as plotext maps them (0.5 + (bins - 1) * fraction, floored)."""
    fraction = (np.asarray(values, dtype=np.float64) - lim[0]) / (lim[1] - lim[0])
    scaled = np.clip(0.5 + (bins - 1) * fraction, -1e9, 1e9)
    return np.floor(np.round(scaled, 8)).astype(np.int64)


def _braille(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    cols: int,
    rows: int,
) -> NDArray[np.uint16]:
    """Braille bit codes (rows, cols) of the polyline through (x, y); 0 where no dot."""
    width, height = 2 * cols, 4 * rows
    xd = _to_dots(x, xlim, width)
    yd = _to_dots(y, ylim, height)
    if xd.size == 1:
        px, py = xd, yd
    else:
        # Every segment as max(|dx|, |dy|) + 1 evenly spaced dots (as plotext joins points).
        dx, dy = np.diff(xd), np.diff(yd)
        steps = np.maximum(np.abs(dx), np.abs(dy))
        # Far-off segments (clipped data) would explode the dot count: cap them.
        steps = np.minimum(steps, 4 * (width + height))
        counts = steps + 1
        seg = np.repeat(np.arange(dx.size), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        k = np.arange(seg.size) - starts
        frac = np.divide(k, np.repeat(steps, counts), out=np.zeros(seg.size), where=np.repeat(steps, counts) > 0)
        px = (xd[seg] + frac * dx[seg]).astype(np.int64)
        py = (yd[seg] + frac * dy[seg]).astype(np.int64)
    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    dots = np.zeros((height, width), dtype=bool)
    dots[height - 1 - py[inside], px[inside]] = True
    codes = np.zeros((rows, cols), dtype=np.uint16)
    for r in range(4):
        for c in range(2):
            codes |= dots[r::4, c::2] * _BRAILLE_BITS[r, c]
    return codes


def _to_text(chars: list[list[str]], styles: list[list[str | None]]) -> Text:
    # A blank cell looks the same in any foreground colour: it joins the run before it, so a
    # line changes colour (an escape sequence on the wire) only where the ink does.
    for row, row_styles in zip(chars, styles):
        for j in range(1, len(row)):
            if row[j] == " " and row_styles[j] is None:
                row_styles[j] = row_styles[j - 1]
    text = Text(no_wrap=True, overflow="crop")
    cache: dict[str, Style] = {}
    for i, (row, row_styles) in enumerate(zip(chars, styles)):
        if i:
            text.append("\n")
        start = 0
        for j in range(1, len(row) + 1):
            if j == len(row) or row_styles[j] != row_styles[start]:
                style = row_styles[start]
                segment = "".join(row[start:j])
                if style is None:
                    text.append(segment)
                else:
                    text.append(segment, cache.setdefault(style, Style(color=style)))
                start = j
    return text


def blank(width: int, height: int) -> Text:
    """An empty ``width`` x ``height`` block."""
    return Text("\n".join(" " * max(width, 0) for _ in range(max(height, 0))), no_wrap=True)


def message(width: int, height: int, lines: Sequence[str]) -> Text:
    """Text lines centred in a ``width`` x ``height`` block (for "computing..." and the like)."""
    rows = [" " * width for _ in range(height)]
    top = max(0, (height - len(lines)) // 2)
    for i, line in enumerate(lines[: max(0, height - top)]):
        rows[top + i] = line[:width].center(width)
    return Text("\n".join(rows), no_wrap=True, overflow="crop")


def caption(width: int, line: str) -> Text:
    """One centred line under a chart."""
    return Text(line[:width].center(width), no_wrap=True, overflow="crop")


def stack(*parts: Text) -> Text:
    """Blocks one above the other."""
    return Text("\n", no_wrap=True, overflow="crop").join(p for p in parts if p is not None and p.plain)


def padded_limits(low: float, high: float, fraction: float = 0.05, minimum_span: float = 1e-9) -> tuple[float, float]:
    """[low, high] widened by ``fraction`` of its span on each side (and never empty)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return (-1.0, 1.0)
    if high - low < minimum_span:
        middle = 0.5 * (low + high)
        low, high = middle - 0.5 * minimum_span, middle + 0.5 * minimum_span
    span = high - low
    return (low - fraction * span, high + fraction * span)
