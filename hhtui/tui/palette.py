"""The command palette, hardened against long pastes and fast typing.

Textual's palette starts a search of every command on each change of its input and cancels the
searches still running. Fed a long paste that arrives as single keys (a terminal without
bracketed paste, or tmux's ``paste-buffer``), that is thousands of searches, and the cancelled
ones pile up faster than they end: the app stops answering for minutes. This palette

- holds at most :data:`PALETTE_MAX_CHARS` characters (a longer paste is cut to fit);
- searches once the input has been still for :data:`SEARCH_DELAY_S` (one search per paste or
  burst of keys, not one per character);
- closes only while it is the screen on top (an escape queued behind another screen never pops
  the wrong one).
"""

from __future__ import annotations

import time
from typing import Any

from textual import on, work
from textual.await_complete import AwaitComplete
from textual.command import CommandInput, CommandList, CommandPalette
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Button, Input, LoadingIndicator

from .guards import ScreenGuards
from .widgets.bounded_input import PasteBound

#: Characters the palette's search field holds (command names are far shorter).
PALETTE_MAX_CHARS = 100
#: Seconds the search field must be still before a search starts.
SEARCH_DELAY_S = 0.12


#: CommandPalette's own search (the coroutine under its worker decorator).
_GATHER = CommandPalette._gather_commands.__wrapped__  # type: ignore[attr-defined]


class PaletteInput(PasteBound, CommandInput):
    """The palette's search field, bounded to :data:`PALETTE_MAX_CHARS` characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, max_length=PALETTE_MAX_CHARS, **kwargs)


class Palette(ScreenGuards, CommandPalette):
    """Textual's command palette with a bounded input, one search per pause in the typing, and
    a close that never pops another screen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._search_value: str | None = None
        self._changed_at = 0.0
        self._search_timer: Any = None

    def compose(self) -> Any:
        # As CommandPalette.compose, with the bounded input.
        with Vertical(id="--container"):
            with Horizontal(id="--input"):
                from textual.command import SearchIcon

                yield SearchIcon()
                yield PaletteInput(placeholder=self._placeholder, select_on_focus=False)
                if not self.run_on_select:
                    yield Button("\u25b6")
            with Vertical(id="--results"):
                yield CommandList()
                yield LoadingIndicator()

    @on(Input.Changed)
    def _input(self, event: Input.Changed) -> None:
        """Note the new search text; the search starts once the typing pauses."""
        event.stop()
        event.prevent_default()  # instead of CommandPalette's own handler (a search per change)
        self._stop_no_matches_countdown()
        self._search_value = event.value.strip()
        self._changed_at = time.monotonic()
        if self._search_timer is None:
            self._search_timer = self.set_timer(SEARCH_DELAY_S, self._search_when_still)

    def _search_when_still(self) -> None:
        self._search_timer = None
        still_for = time.monotonic() - self._changed_at
        if still_for < SEARCH_DELAY_S:  # more came since: wait for the rest
            self._search_timer = self.set_timer(SEARCH_DELAY_S - still_for, self._search_when_still)
            return
        value, self._search_value = self._search_value, None
        if value is None or not self.is_attached:
            return
        self._cancel_gather_commands()
        self._gather_commands(value)

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP, description="search the commands")
    async def _gather_commands(self, search_value: str) -> None:
        """CommandPalette's search, ended quietly when the palette closes while it runs."""
        if not self.is_attached:
            return
        try:
            await _GATHER(self, search_value)
        except NoMatches:  # the palette's widgets went away with it
            return

    # The palette's key actions run on the app's loop and may come before the palette's widgets
    # are composed or after they went with it (keys typed fast): then there is nothing to act on.
    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except NoMatches:
            pass

    def _action_cursor_down(self) -> None:
        try:
            super()._action_cursor_down()
        except NoMatches:
            pass

    def _action_escape(self) -> None:
        if self.is_current:
            super()._action_escape()

    def dismiss(self, result: Any = None) -> AwaitComplete:
        """Close the palette, if it is the screen on top (else there is nothing to close)."""
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        return super().dismiss(result)


__all__ = ["PALETTE_MAX_CHARS", "SEARCH_DELAY_S", "Palette", "PaletteInput"]
