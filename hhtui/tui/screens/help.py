"""The help screen: every key of the main screen, from ``help.md`` beside this module; another
screen (the axon, the network) gives its own text, its keys listed from its bindings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ..guards import ScreenGuards

HELP_FILE = Path(__file__).with_name("help.md")


def help_text() -> str:
    """The help as Markdown."""
    return HELP_FILE.read_text(encoding="utf-8")


#: How keys are written in the help.
KEY_NAMES = {
    "escape": "escape",
    "space": "space",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "question_mark": "?",
    "left": "left",
    "right": "right",
    "up": "up",
    "down": "down",
    "home": "home",
    "end": "end",
}


def keys_markdown(title: str, about: str, bindings: Iterable[BindingType], words: Mapping[str, str]) -> str:
    """A help page: ``title``, ``about`` (Markdown), then every key of ``bindings`` with what it
    does (``words`` by action, else the binding's own description), then how to close it."""
    lines = [f"# {title}", "", about.strip(), "", "## Keys", ""]
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        keys = " / ".join(f"`{KEY_NAMES.get(key.strip(), key.strip())}`" for key in binding.key.split(","))
        lines.append(f"- {keys} {words.get(binding.action, binding.description)}")
    lines += ["", "Press `escape`, `q` or `?` to close this help."]
    return "\n".join(lines)


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

    def __init__(self, markdown: str | None = None) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(self.markdown if self.markdown is not None else help_text())

    def action_close(self) -> None:
        self.dismiss(None)
