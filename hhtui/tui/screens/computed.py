"""A screen that shows the result of one model computation, run in a worker thread.

The axon and network screens are both this: settings -> a simulation that takes a fraction
of a second to a few seconds -> a picture. The computation never runs on the event loop; a
newer request supersedes an older one still under way; a failure is shown, never raised.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.css.query import NoMatches
from textual.screen import Screen

from ..guards import ScreenGuards


class ComputedScreen(ScreenGuards, Screen[None]):
    """Base of screens drawing one computed result.

    Subclasses set ``self.settings``, implement :meth:`simulate` (runs in a thread) and
    :meth:`redraw` (on the event loop), and may override :meth:`on_result`.
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.settings: Any = None
        self.result: Any = None
        self.error: str | None = None
        self.computing = False
        self._token = 0
        self._header_lines = 1

    def simulate(self, settings: Any) -> Any:
        """Compute the result for ``settings`` (called in a worker thread)."""
        raise NotImplementedError

    def redraw(self) -> None:
        """Draw the current state (computing, failed or the result) at the current size."""
        raise NotImplementedError

    def update_header(self, header: Any, text: str) -> None:
        """Show ``text`` (lines that fit the width) in the ``header`` widget; when its number of
        lines changes, the charts below get another height: draw them again once laid out."""
        from rich.text import Text

        lines = text.count("\n") + 1
        header.update(Text(text, no_wrap=True, overflow="ellipsis"))
        if lines != self._header_lines:
            self._header_lines = lines
            self.call_after_refresh(self.redraw)

    def on_result(self, result: Any) -> None:
        """Called on the event loop when a result arrives, before the redraw."""

    def parts(self, *selectors: str) -> list[Any] | None:
        """The screen's widgets ``selectors``, or None while they are not (or no longer) there
        (a key or a result arriving just before the screen is composed or just after it closed)."""
        if not self.is_mounted:
            return None
        try:
            return [self.query_one(selector) for selector in selectors]
        except NoMatches:
            return None

    @property
    def colour(self) -> bool:
        """False when the app runs without colour (NO_COLOR)."""
        return not getattr(self.app, "no_color", False)

    def on_mount(self) -> None:
        self.compute()

    def on_resize(self) -> None:
        self.call_after_refresh(self.redraw)

    def compute(self) -> None:
        """Start a run of the current settings in a worker thread."""
        self._token += 1
        self.computing = True
        self.error = None
        self.redraw()
        self._run(self.settings, self._token)

    @work(thread=True, exclusive=True, group="computed-screen", description="compute the screen's result")
    def _run(self, settings: Any, token: int) -> None:
        try:
            result, error = self.simulate(settings), None
        except Exception as exc:  # shown on screen, never raised into the app
            result, error = None, f"{type(exc).__name__}: {exc}"
        try:
            self.app.call_from_thread(self._finished, token, result, error)
        except RuntimeError:  # the app is closing
            pass

    def _finished(self, token: int, result: Any, error: str | None) -> None:
        if token != self._token:
            return  # a newer run was asked for
        self.computing = False
        self.result = result
        self.error = error
        if result is not None:
            self.on_result(result)
        self.redraw()

    def action_rerun(self) -> None:
        self.compute()
