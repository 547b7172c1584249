"""Guards around races in Textual's widgets and screen stack that keys typed fast can hit.

- :func:`guard_option_list_paging`: ``OptionList._move_page`` (PageUp/PageDown) looks the
  highlighted option up in a table of lines that is rebuilt only when the list is next drawn;
  while its options change (the command palette updating its results) the lookup fails with
  ``KeyError`` (Textual 8.2.8) and the app dies. The guard falls back to moving by a page of
  options. It covers every option list: the palette's, the preset picker's and a select's.
- :class:`ScreenGuards`, for every screen of the app:

  - a screen closed by a key closes only while it is the screen on top; a second escape queued
    before the first took effect would otherwise pop the screen under it (and, on the main
    screen, raise ``ScreenStackError``);
  - a message that finds the screen's widgets missing (it came before they were composed, or
    after they went with the closed screen) is let go instead of failing with ``NoMatches``;
  - a resize to another size than the terminal's is dropped: after quick resizes with another
    screen on top, the screen underneath can otherwise pass two stale sizes back and forth
    for ever (each layout posting a resize to the other), using a whole core and no longer
    answering keys;
  - a notification is plain text unless markup is asked for, as the app's own: messages quote
    file names and typed values, which may hold brackets that are not markup (Textual's
    ``Widget.notify`` would read them as markup).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.await_complete import AwaitComplete
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import OptionList


def _page_by_options(option_list: Any, direction: int) -> None:
    """Move the highlight by a page of options (one option per line), to an enabled one."""
    from textual import _widget_navigation

    count = option_list.option_count
    if not count:
        return
    page = max(1, option_list.scrollable_content_region.height)
    anchor = min(max((option_list.highlighted or 0) + direction * page, 0), count - 1)
    option_list.highlighted = _widget_navigation.find_next_enabled_no_wrap(
        candidates=option_list.options, anchor=anchor, direction=1 if direction > 0 else -1, with_anchor=True
    )


def guard_option_list_paging() -> None:
    """Make PageUp/PageDown of every OptionList survive a list whose options are changing (idempotent)."""
    original = OptionList._move_page
    if getattr(original, "guarded", False):
        return

    def _move_page(self: OptionList, direction: Any) -> None:
        try:
            original(self, direction)
        except (KeyError, IndexError):  # the line table is stale: the options changed since the last draw
            try:
                _page_by_options(self, int(direction))
            except Exception:
                pass  # leave the highlight where it is

    _move_page.guarded = True  # type: ignore[attr-defined]
    OptionList._move_page = _move_page  # type: ignore[method-assign]


class ScreenGuards:
    """Mixin for a :class:`~textual.screen.Screen` (see the module's description): ``dismiss``
    acts only while it is on top, a message that finds the screen's widgets missing is let go,
    a resize to a stale size is dropped, a notification is plain text."""

    _dismissed = False

    def dismiss(self, result: Any = None) -> AwaitComplete:
        screen: Any = self
        if self._dismissed or not screen.is_current:  # a second close (enter and q at once): nothing to do
            return AwaitComplete.nothing()
        self._dismissed = True
        return super().dismiss(result)  # type: ignore[misc]

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except NoMatches:
            pass  # nothing to act on

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        screen: Any = self
        screen.app.notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    async def _on_resize(self, event: events.Resize) -> None:
        screen: Any = self
        terminal = screen.app.size
        if event.size != terminal and not screen.app.is_inline and terminal.area:
            event.stop()
            event.prevent_default()  # not Screen's own handler: it would lay out the stale size


__all__ = ["ScreenGuards", "guard_option_list_paging"]
