"""Inputs that hold a bounded number of characters, whatever is typed or pasted into them.

A paste longer than the room left is cut to fit (its first line only, as Textual's inputs do),
so that a 5,000-character paste costs one change, not thousands; a key typed into a full input
is ignored with one short notice (not a bell per key, which a long unbracketed paste would turn
into thousands).
"""

from __future__ import annotations

import time
from typing import Any

from textual import events
from textual.widgets import Input

#: Characters a parameter input holds (numbers and short lists need far fewer).
INPUT_MAX_CHARS = 100
#: Seconds between two notices that an input is full.
FULL_NOTICE_EVERY_S = 3.0


class PasteBound:
    """Mixin for an :class:`~textual.widgets.Input` with ``max_length`` set: pastes are cut to fit."""

    _last_full_notice = 0.0

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # not Input's own handler too: it would refuse a long paste whole
        event.stop()
        field: Any = self
        lines = event.text.splitlines()
        text = lines[0] if lines else ""
        start, end = sorted(field.selection)
        limit = field.max_length or 0
        if limit:
            room = max(0, limit - (len(field.value) - (end - start)))
            if len(text) > room:
                text = text[:room]
                self.restricted()
        if text:
            field.replace(text, start, end)

    def restricted(self) -> None:
        """A key or a paste did not fit: say so, at most every few seconds (no bell)."""
        now = time.monotonic()
        if now - self._last_full_notice < FULL_NOTICE_EVERY_S:
            return
        self._last_full_notice = now
        field: Any = self
        field.notify(f"This field holds at most {field.max_length} characters.", severity="warning", timeout=3)


class BoundedInput(PasteBound, Input):
    """An input of at most ``max_length`` characters (default :data:`INPUT_MAX_CHARS`)."""

    def __init__(self, *args: Any, max_length: int = INPUT_MAX_CHARS, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)


__all__ = ["FULL_NOTICE_EVERY_S", "INPUT_MAX_CHARS", "BoundedInput", "PasteBound"]
