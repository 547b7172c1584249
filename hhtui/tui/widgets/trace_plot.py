"""The plot area: shows the current view's chart, rebuilt only when what it shows changed.

The widget asks its source (the app) for a cache key for its present size; the chart text is
rebuilt only when that key differs from the last one. Focus changes, repaints after a
notification or a scroll, and resizes back to a size already drawn cost nothing; while the run
advances, the key changes with the data and the app throttles the refreshes.
"""

from __future__ import annotations

from typing import Any, Hashable, Protocol

from rich.text import Text
from textual.widget import Widget


class PlotSource(Protocol):
    """What the plot asks its owner."""

    def plot_key(self, width: int, height: int) -> Hashable: ...

    def plot_text(self, width: int, height: int) -> Text: ...


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
        self._cache: dict[Hashable, Text] = {}

    def render(self) -> Any:
        width, height = self.content_size.width, self.content_size.height
        if self.source is None or width <= 0 or height <= 0:
            from ..plotting import message

            return message(max(width, 1), max(height, 1), [self.placeholder])
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

    def invalidate(self) -> None:
        """Forget every cached chart (e.g. after the colour mode changed)."""
        self._cache.clear()
        self._key = None
        self.refresh()
