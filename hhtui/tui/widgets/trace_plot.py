"""The plot area: shows the current view's chart, rebuilt only when what it shows changed.

The widget asks its source (the app) for a cache key for its present size; the chart is
rebuilt only when that key differs from the last one. Focus changes, repaints after a
notification or a scroll, and resizes back to a size already drawn cost nothing; while the run
advances, the key changes with the data and the app throttles the refreshes.

The chart is handed to Textual line by line (the line API): its text is cut into strips of
segments directly, which is several times faster than laying out a rich ``Text`` anew for
every frame.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class PlotSource(Protocol):
    """What the plot asks its owner."""

    def plot_key(self, width: int, height: int) -> Hashable: ...

    def plot_text(self, width: int, height: int) -> Text: ...


def text_to_strips(text: Text, base: Style) -> list[Strip]:
    """One strip per line of ``text`` (single-cell characters, spans within lines), each segment
    styled with ``base`` plus its span's style."""
    plain = text.plain
    spans = sorted(text.spans, key=lambda span: span.start)
    parsed: dict[str, Style] = {}

    def style_of(style: str | Style) -> Style:
        if isinstance(style, Style):
            return base + style
        if style not in parsed:
            parsed[style] = base + Style.parse(style)
        return parsed[style]

    strips: list[Strip] = []
    position, k = 0, 0
    for line in plain.split("\n"):
        end = position + len(line)
        segments: list[Segment] = []
        cursor = position
        while k < len(spans) and spans[k].start < end:
            span = spans[k]
            if span.end <= cursor:
                k += 1
                continue
            start = max(span.start, cursor)
            if start > cursor:
                segments.append(Segment(plain[cursor:start], base))
            stop = min(span.end, end)
            segments.append(Segment(plain[start:stop], style_of(span.style)))
            cursor = stop
            if span.end <= end:
                k += 1
            else:
                break
        if cursor < end:
            segments.append(Segment(plain[cursor:end], base))
        strips.append(Strip(segments, len(line)))
        position = end + 1
    return strips


class TracePlot(Widget, can_focus=True):
    """A focusable area showing chart text from a :class:`PlotSource`."""

    DEFAULT_CSS = """
    TracePlot { height: 1fr; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source: PlotSource | None = None
        self.placeholder = "preparing solver..."
        self.builds = 0
        self._key: Hashable = None
        self._text = Text()
        self._strips: list[Strip] = []
        self._strips_for: tuple[Hashable, Style] | None = None
        self._cache: dict[Hashable, Text] = {}

    def _current(self) -> Text:
        """The chart for the present size (rebuilt only if its key changed)."""
        width, height = self.content_size.width, self.content_size.height
        if self.source is None or width <= 0 or height <= 0:
            from ..plotting import message

            self._key = None
            self._text = message(max(width, 1), max(height, 1), [self.placeholder])
            return self._text
        key = self.source.plot_key(width, height)
        if key != self._key:
            cached = self._cache.get(key)
            if cached is None:
                cached = self.source.plot_text(width, height)
                self.builds += 1
                # Keep the last few sizes, so resizing back and forth does not rebuild.
                self._cache = {k: v for k, v in list(self._cache.items())[-3:]}
                self._cache[key] = cached
            self._key, self._text = key, cached
        return self._text

    def render(self) -> Text:
        return self._current()

    def _current_strips(self) -> list[Strip]:
        text = self._current()
        base = self.visual_style.rich_style
        marker = (id(text), base)
        if marker != self._strips_for:
            self._strips = text_to_strips(text, base)
            self._strips_for = marker
        return self._strips

    def render_line(self, y: int) -> Strip:
        strips = self._current_strips()
        if 0 <= y < len(strips):
            return strips[y]
        return Strip.blank(self.content_size.width, self.visual_style.rich_style)

    def update_chart(self) -> None:
        """Show new data: rebuild the chart now and repaint only the lines that changed, so
        the terminal (an SSH link) receives only what is new."""
        old = self._strips
        if self.source is None or not old or self._strips_for is None:
            self.refresh()
            return
        new = self._current_strips()
        if new is old:
            return
        if len(new) != len(old):
            self.refresh()
            return
        width = self.content_size.width
        changed = [Region(0, y, width, 1) for y, (a, b) in enumerate(zip(old, new)) if list(a) != list(b)]
        if changed:
            self.refresh(*changed)

    def invalidate(self) -> None:
        """Forget every cached chart (e.g. after the colour mode changed)."""
        self._cache.clear()
        self._key = None
        self.refresh()
