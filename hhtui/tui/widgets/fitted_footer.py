"""A footer that never cuts a key: it shows the bindings that fit its width, whole.

Textual's :class:`~textual.widgets.Footer` lays its keys out left to right and cuts whatever
goes past the right edge (at 80 columns a view's own key pushed ``? Help`` off the screen).
:class:`FittedFooter` measures the keys first and leaves out, one by one, the bindings its screen
names as spare (``FOOTER_SPARE``, the first left out first), then any other but the help and
quit keys, until the rest fits beside the command palette's key. Every binding stays bound and
listed in the help (``?``) and the command palette; only the footer shows fewer of them.

Textual announces the bindings as changed at every change of focus and of state; the footer then
works out the keys to show and builds them again only if they differ from those it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Actions the footer keeps whatever its width (the way to every other key, and out).
ALWAYS_SHOWN = ("app.help", "help", "app.quit", "quit")


def _names(binding: Binding) -> set[str]:
    return {name for name in (binding.id, binding.action) if name}


def key_width(key_display: str, description: str) -> int:
    """Cells a compact footer key takes: the key, a space, the description and the gap after it."""
    return cell_len(key_display) + (1 + cell_len(description) if description else 0) + 1


def fit_bindings(
    entries: Sequence[tuple[Binding, str]], width: int, spare: Sequence[str] = ()
) -> list[tuple[Binding, str]]:
    """The ``(binding, key display)`` entries to show in ``width`` cells, in their order.

    Leaves out first the bindings named (by id or action) in ``spare``, in that order, then the
    others from the right, never those of :data:`ALWAYS_SHOWN`, until the rest fits; if even
    those do not fit, what fits of them from the left.
    """
    shown = list(entries)

    def used() -> int:  # the gap after the last key may lie under the palette's border
        return sum(key_width(display, binding.description) for binding, display in shown) - 1

    order = [name for name in spare]
    order += [binding.action for binding, _ in reversed(entries) if binding.action not in ALWAYS_SHOWN]
    for name in order:
        if used() <= width:
            break
        shown = [(binding, display) for binding, display in shown if name not in _names(binding)]
    while shown and used() > width:
        shown.pop()
    return shown


class FittedFooter(Footer):
    """A compact footer showing the bindings that fit, each whole (see the module's doc)."""

    #: Cells the command palette's key takes on the right (its border, ``^p palette``).
    PALETTE_WIDTH = 12

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fitted_width = 0
        #: The keys shown, as :meth:`_keys` gave them (None before the first).
        self._shown: list[tuple[str, str, str, str, bool, str, str]] | None = None

    def _keys(self) -> list[tuple[str, str, str, str, bool, str, str]]:
        """The keys to show at the present width, each as the arguments of its ``FooterKey``:
        (key, key display, description, action, disabled, tooltip, classes)."""
        active = self.screen.active_bindings
        entries: dict[str, tuple[Binding, bool, str]] = {}
        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in entries:
                entries[binding.action] = (binding, enabled, tooltip)
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        width = self.size.width or self.app.size.width
        room = width - (self.PALETTE_WIDTH if palette is not None else 0)
        spare = getattr(self.screen, "FOOTER_SPARE", ())
        listed = [(binding, self.app.get_key_display(binding)) for binding, _, _ in entries.values()]
        fitted = fit_bindings(listed, room, spare)
        if palette is not None and not fitted and listed:
            fitted = fit_bindings(listed, width, spare)  # too narrow for both: the keys first
            palette = None
        keys = []
        for binding, display in fitted:
            _, enabled, tooltip = entries[binding.action]
            keys.append((binding.key, display, binding.description, binding.action, not enabled, tooltip, ""))
        if palette is not None:
            _, binding, enabled, _ = palette
            tooltip = binding.tooltip or binding.description
            keys.append(
                (
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    not enabled,
                    tooltip,
                    "-command-palette",
                )
            )
        return keys

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._fitted_width = self.size.width or self.app.size.width
        self._shown = self._keys()
        for key, display, description, action, disabled, tooltip, classes in self._shown:
            if classes:
                yield FooterKey(key, display, description, action, disabled=disabled, tooltip=tooltip, classes=classes)
                continue
            # Born with the class its binding to ``compact`` gives it: adding it after the mount
            # would restyle the key once more.
            compact = "-compact" if self.compact else None
            yield FooterKey(
                key, display, description, action, disabled=disabled, tooltip=tooltip, classes=compact
            ).data_bind(compact=Footer.compact)

    async def recompose(self) -> None:
        """Build the keys again, unless the same keys would be shown: the bindings are announced
        as changed at every change of focus and of state, and mostly the footer stays the same."""
        ready = self._bindings_ready and self.is_attached and self.children and self._shown is not None
        if ready and self._keys() == self._shown:
            self._fitted_width = self.size.width or self.app.size.width
            return
        await super().recompose()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted_width and self._bindings_ready:
            self.call_after_refresh(self.recompose)


__all__ = ["ALWAYS_SHOWN", "FittedFooter", "fit_bindings", "key_width"]
