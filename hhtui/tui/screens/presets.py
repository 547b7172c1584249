"""The preset picker: a list of the classic experiments; enter loads one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ..guards import ScreenGuards


class PresetScreen(ScreenGuards, ModalScreen[str | None]):
    """Choose a preset; dismisses with its name, or None on escape."""

    DEFAULT_CSS = """
    PresetScreen { align: center middle; }
    PresetScreen > Vertical { width: 80%; max-width: 90; height: 80%; border: round $accent;
                              background: $surface; padding: 0 1; }
    PresetScreen Label { text-style: bold; margin-bottom: 1; }
    PresetScreen OptionList { height: 1fr; }
    """
    BINDINGS = [Binding("escape,q", "cancel", "Cancel", priority=True)]
    #: Focused once mounted (a screen closed again before it was mounted has nothing to focus).
    AUTO_FOCUS = "OptionList"

    def __init__(self, presets: list[tuple[str, str, str]]) -> None:
        """``presets``: (name, title, description) in display order."""
        super().__init__()
        self.presets = presets

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Load a preset experiment (enter to load, escape to cancel)")
            yield OptionList(*[Option(f"{title}  [dim]({name})[/dim]", id=name) for name, title, _ in self.presets])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
