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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from rich.style import Style
from rich.text import Text

from .ticks import horizontal_fit, nice_ticks, vertical_fit

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
    vlines: list[tuple[float, str, str | None]] = field(default_factory=list)
    texts: list[tuple[str, float, float, str, bool]] = field(default_factory=list)
    #: Whole-number axes (neuron numbers, counts): their ticks are integers.
    xinteger: bool = False
    yinteger: bool = False
    #: The legend may sit on the canvas where it hides nothing; False puts it outside whenever
    #: there is room (for scattered marks, among which a legend's own mark would pass for data).
    legend_inside: bool = True

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

    def vline(self, x: float, key: str = "marker", label: str | None = None) -> Chart:
        """A vertical line at ``x``; with a ``label`` it has an entry in the legend."""
        if np.isfinite(x):
            self.vlines.append((float(x), key, label))
        return self

    def text(self, label: str, x: float, y: float, key: str = "marker", avoid: bool = True) -> Chart:
        """A label whose first character sits at (x, y); with ``avoid``, moved to the nearest
        place where it covers nothing drawn (the data, the lines, other labels)."""
        if np.isfinite(x) and np.isfinite(y):
            self.texts.append((label, float(x), float(y), key, avoid))
        return self

    def _draw_legend(
        self,
        put: Callable[..., None],
        occupied: Callable[[], NDArray[np.bool_]],
        rows: int,
        cols: int,
        chars: list[list[str]],
        styles: list[list[str | None]],
        label_line: int | None,
        frame_line: tuple[int, int, int] | None = None,
    ) -> None:
        """The legend (named series, then named vertical lines) in the corner with the least drawn
        in it; where every place would hide some of the data, outside the canvas: at the right end
        of the axis-label line, else on the frame's top edge (``frame_line``: its line, first and
        last column of its straight part), if either has room."""
        entries: list[tuple[str, str, str]] = []  # (symbol, label, key)
        for s in self.series:
            if s.label:
                mark = ("●" if s.scatter else "⣿⣿") if self.colour else s.letter * 2
                entries.append((mark, s.label, s.key))
        for _, key, label in self.vlines:
            if label and all(label != entry[1] for entry in entries):
                entries.append((" │", label, key))
        entries = entries[: max(0, rows - 1)]
        if not entries:
            return
        texts = [f" {symbol} {label} " for symbol, label, _ in entries]
        drawn = occupied()
        # One entry a line (as wide as the longest), or all on one line: where it hides the least.
        column_width = min(cols, max(len(text) for text in texts))
        tall = [text.ljust(column_width)[:column_width] for text in texts]
        whole_line = "".join(texts)
        wide = [whole_line] if len(texts) > 1 and len(whole_line) <= cols else tall  # never a cut line
        best = None
        for shape in (tall, wide):
            r0, c0, hidden = _emptiest_place(drawn, len(shape), len(shape[0]))
            if best is None or hidden < best[3]:
                best = (shape, r0, c0, hidden)
        assert best is not None
        shape, r0, c0, hidden = best
        if not self.legend_inside:
            hidden = max(hidden, 1)  # outside if there is room (else on the canvas all the same)
        # Where every place on the canvas would hide some of the data: outside it, all on one line
        # at the right end of the axis-label line, else on the frame's top edge (right-aligned),
        # else split between the two (the first entries on the edge, the rest on the label line).
        room: list[tuple[int, int]] = []  # (line, last column + 1 a legend may use) outside the canvas
        if hidden and label_line is not None:
            used = len("".join(chars[label_line]).rstrip())
            room.append((label_line, len(chars[label_line]) - used - 2))
        if hidden and frame_line is not None:
            row, first, last = frame_line
            room.append((row, last - first - 1))
        widths = [len(text) for text in texts]
        placed: list[tuple[int, int, int]] | None = None  # (line, first entry, entries after the last)
        for room_row, width in room:
            if sum(widths) <= width:
                placed = [(room_row, 0, len(texts))]
                break
        if placed is None and len(room) == 2:
            (label_row, label_room), (edge_row, edge_room) = room
            split = 0
            while split < len(texts) and sum(widths[: split + 1]) <= edge_room:
                split += 1
            if 0 < split < len(texts) and sum(widths[split:]) <= label_room:
                placed = [(edge_row, 0, split), (label_row, split, len(texts))]
        if placed is not None:
            for row, lo, hi in placed:
                line = chars[row]
                end = frame_line[2] if frame_line is not None and row == frame_line[0] else len(line)
                offset = end - sum(widths[lo:hi])
                for k in range(lo, hi):
                    for j, char in enumerate(texts[k]):
                        if 0 <= offset + j < len(line):
                            line[offset + j] = char
                            if self.colour and 0 < j < 3:
                                styles[row][offset + j] = PALETTE.get(entries[k][2])
                    offset += widths[k]
            return
        starts = [0] if shape is tall else [sum(len(text) for text in texts[:k]) for k in range(len(texts))]
        for k, (_, _, key) in enumerate(entries):
            row, offset = (r0 + k, 0) if shape is tall else (r0, starts[k])
            entry = shape[k] if shape is tall else texts[k]
            for j, char in enumerate(entry):
                if offset + j < len(shape[0]):
                    put(row, c0 + offset + j, char, key if 0 < j < 3 else None)

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

    def ticks(
        self, xlim: tuple[float, float], ylim: tuple[float, float]
    ) -> tuple[tuple[list[float], list[str]], tuple[list[float], list[str]]]:
        """Round ticks (values, labels) for both axes, as many as the chart has room for."""
        # Rows of the canvas: the frame, the x tick labels, the axis labels and the title take the rest.
        rows = self.height - 3 - (1 if (self.xlabel or self.ylabel) else 0) - (1 if self.title else 0)
        yticks = nice_ticks(ylim[0], ylim[1], vertical_fit(max(rows, 2)), self.yinteger)
        label_width = max((len(label) for label in yticks[1]), default=1)
        xticks = nice_ticks(xlim[0], xlim[1], horizontal_fit(max(self.width - label_width - 2, 4)), self.xinteger)
        return xticks, yticks

    def build(self) -> Text:
        """The chart as Rich text, ``height`` lines of ``width`` cells."""
        if self.width < 12 or self.height < 5:
            return blank(self.width, self.height)
        xlim, ylim = self.limits()
        xticks, yticks = self.ticks(xlim, ylim)
        lines = _frame(self.width, self.height, xlim, ylim, self.xlabel, self.ylabel, self.title, xticks, yticks)
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

        for x, key, _ in self.vlines:
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

        def free(row: int, col: int, length: int, passable: str = " ") -> bool:
            if row < 0 or row >= rows or col < 0 or col + length > cols:
                return False
            return all(chars[top + row][left + col + k] in passable for k in range(length))

        for label, x, y, key, avoid in self.texts:
            col = int(_to_dots(np.array([x]), xlim, cols)[0])
            row = int(rows - 1 - _to_dots(np.array([y]), ylim, rows)[0])
            if avoid:
                row, col = _nearest_place(row, col, len(label), rows, free)
            for k, char in enumerate(label):
                put(row, col + k, char, key)

        def occupied() -> NDArray[np.bool_]:
            return np.array([[char != " " for char in line[left:right]] for line in chars[top:bottom]], dtype=bool)

        label_line = len(lines) - 1 if (self.xlabel or self.ylabel) and len(lines) - 1 > bottom else None
        frame_line = (top - 1, left, right - 1) if top >= 1 else None
        self._draw_legend(put, occupied, rows, cols, chars, styles, label_line, frame_line)
        return _to_text(chars, styles)


def _emptiest_place(occupied: NDArray[np.bool_], height: int, width: int) -> tuple[int, int, int]:
    """Top-left cell of the ``height`` x ``width`` box with the fewest drawn cells in it and in
    the ring of cells around it (a legend set apart from the data, not squeezed between marks),
    and how many that is; among equals the one nearest a corner of the canvas (the top left
    first). The ring stops at the canvas's edges."""
    rows, cols = occupied.shape
    height, width = min(height, rows), min(width, cols)
    padded = np.zeros((rows + 2, cols + 2), dtype=bool)
    padded[1:-1, 1:-1] = occupied
    table = np.zeros((rows + 3, cols + 3), dtype=np.int64)  # summed-area table of the padded canvas
    table[1:, 1:] = padded.cumsum(axis=0).cumsum(axis=1)
    tall, wide = height + 2, width + 2
    covered = (
        table[tall:, wide:] - table[:-tall, wide:] - table[tall:, :-wide] + table[:-tall, :-wide]
    )  # covered[r, c]: drawn cells under the box whose top left is (r, c), and around it
    r = np.arange(covered.shape[0])[:, None]
    c = np.arange(covered.shape[1])[None, :]
    to_corner = np.minimum(r, covered.shape[0] - 1 - r) + np.minimum(c, covered.shape[1] - 1 - c)
    cost = covered * (rows + cols + 1) + to_corner
    row, col = divmod(int(np.argmin(cost)), covered.shape[1])
    return row, col, int(covered[row, col])


def _nearest_place(row: int, col: int, length: int, rows: int, free: Callable[..., bool]) -> tuple[int, int]:
    """The place nearest (row, col) where ``length`` cells are blank; else where they cover only
    blanks and vertical lines; else (row, col) itself."""
    shifts = [0] + [sign * k for k in range(1, length // 2 + 2) for sign in (-1, 1)]
    offsets = [0] + [sign * k for k in range(1, rows) for sign in (1, -1)]
    for passable in (" ", " │"):
        for dr in offsets:
            for dc in shifts:
                if free(row + dr, col + dc, length, passable):
                    return row + dr, col + dc
    return row, col


def _finite(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    n = min(xs.size, ys.size)
    xs, ys = xs[:n], ys[:n]
    keep = np.isfinite(xs) & np.isfinite(ys)
    return xs[keep], ys[keep]


def _frame(
    width: int,
    height: int,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    xlabel: str,
    ylabel: str,
    title: str,
    xticks: tuple[list[float], list[str]] | None = None,
    yticks: tuple[list[float], list[str]] | None = None,
) -> list[str]:
    """plotext's empty chart (frame, ticks at the given values, labels) as plain lines."""
    import plotext as plt

    with _LOCK:
        plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot
        plt.limit_size(False, False)
        plt.plotsize(width, height)
        plt.theme("clear")
        plt.plot([xlim[0], xlim[1]], [ylim[0], ylim[1]], marker=" ")
        plt.xlim(*xlim)
        plt.ylim(*ylim)
        if xticks is not None and xticks[0]:
            plt.xticks(*xticks)
        if yticks is not None and yticks[0]:
            plt.yticks(*yticks)
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


def caption_lines(width: int, note: str, most: int = 3) -> list[str]:
    """``note`` wrapped to ``width``: whole clauses (``; ``-separated) per line where they fit,
    else whole words; at most ``most`` lines (the last one cut only if even that is too few)."""
    import textwrap

    if width <= 0 or not note:
        return []
    lines: list[str] = []
    for clause in note.split("; "):
        if lines and len(lines[-1]) + 2 + len(clause) <= width:
            lines[-1] = f"{lines[-1]}; {clause}"
        else:
            lines.extend(textwrap.wrap(clause, width) or [""])
    if len(lines) > most:
        lines = lines[: most - 1] + [" ".join(lines[most - 1 :])]
    return [line[:width] for line in lines]


def caption(width: int, note: str, most: int = 3) -> Text:
    """``note`` under a chart: centred lines, wrapped to ``width`` (see :func:`caption_lines`)."""
    lines = caption_lines(width, note, most)
    return Text("\n".join(line.center(width) for line in lines), no_wrap=True, overflow="crop")


def caption_height(width: int, note: str, most: int = 3) -> int:
    """How many lines :func:`caption` takes for ``note`` at ``width``."""
    return len(caption_lines(width, note, most))


def join_parts(parts: Sequence[str], width: int, separator: str = " | ") -> str:
    """``parts`` joined by ``separator`` into lines no wider than ``width``, a part never split
    unless it alone is wider (a header that wraps between its pieces instead of being cut)."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + len(separator) + len(part) <= width:
            lines[-1] += separator + part
        else:
            lines.append(part)
    return "\n".join(lines)


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
