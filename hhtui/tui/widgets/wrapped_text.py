"""Plain text wrapped at word boundaries and after hyphens, never inside a word that fits.

Textual wraps at spaces only, so a long compound word in a narrow column
("after-hyperpolarisation" in the 26-column panel at 80x24) is cut mid-word. This widget wraps
with :func:`textwrap.wrap`, which also breaks after a hyphen, and cuts a word only when the word
alone is wider than the column.
"""

from __future__ import annotations

import textwrap

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget


def wrap_text(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells: paragraphs (blank lines) kept, words and
    hyphenated parts kept whole where they fit."""
    if width <= 0:
        return []
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, width, break_on_hyphens=True, break_long_words=True) or [""]
    return lines


class WrappedText(Widget):
    """A block of plain text (never markup), wrapped to the widget's width (see the module)."""

    DEFAULT_CSS = "WrappedText { height: auto; }"

    def __init__(self, text: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = text

    def update(self, text: str) -> None:
        """Show ``text`` instead."""
        self.text = text
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrap_text(self.text, width))

    def render(self) -> Content:
        return Content("\n".join(wrap_text(self.text, self.content_size.width)))


__all__ = ["WrappedText", "wrap_text"]
