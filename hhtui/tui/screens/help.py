"""The help screen: every key, from ``help.md`` beside this module."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ..guards import ScreenGuards

HELP_FILE = Path(__file__).with_name("help.md")


def help_text() -> str:
    """The help as Markdown."""
    return HELP_FILE.read_text(encoding="utf-8")


class HelpScreen(ScreenGuards, ModalScreen[None]):
    """A scrollable help over the app; escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", priority=True),
    ]
    #: Focused once mounted (a screen closed again before it was mounted has nothing to focus).
    AUTO_FOCUS = "VerticalScroll"

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(help_text())

    def action_close(self) -> None:
        self.dismiss(None)
