"""The plot area: the current view's chart of the live run, rebuilt only when what it shows changed.

The plot owns what it shows: the view (``view_name``), the window (``window_ms``), the view's
toggles (``options``) and the run's :class:`~hhtui.tui.state.Clock` are reactive attributes the
main screen binds to its own; the chart is cached by a key of all of them and the size. Focus
changes, repaints after a notification or a scroll, and resizes back to a size already drawn cost
nothing; a new clock (new data) rebuilds the chart and repaints only the lines that changed.

Views with a heavy computation (the F-I curve, the clamp family...) are prepared in a thread
worker of the plot, which posts :class:`~hhtui.tui.messages.PrepareProgress` and
:class:`~hhtui.tui.messages.ViewPrepared`; a failure is handled in ``on_worker_state_changed``.
The results are kept per view, with the key they were computed for.

The chart is handed to Textual line by line (the line API): its text is cut into strips of
segments directly, which is several times faster than laying out a rich ``Text`` anew for
every frame.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from ..messages import PrepareProgress, ViewPrepared
from ..settings import DEFAULT_WINDOW_MS
from ..state import Clock, window_span

#: Key of a view that has no result yet.
_NOTHING: Any = object()


@dataclass
class Preparation:
    """A view's background computation: the last result, and the one under way or failed.

    Attributes:
        key: what :attr:`result` was computed for (``_NOTHING`` before the first result).
        result: the last result.
        wanted: the key being computed now, or None.
        progress: fraction done of that computation.
        failed: the key whose computation failed, and :attr:`error` its message.
    """

    key: Hashable = _NOTHING
    result: Any = None
    wanted: Hashable = None
    progress: float = 0.0
    failed: Hashable = _NOTHING
    error: str = ""


class _Cancelled(Exception):
    """Raised inside a view's computation whose worker was cancelled."""


def text_to_strips(text: Text, base: Style) -> list[Strip]:
    """One strip per line of ``text`` (single-cell characters, spans within lines), each segment
    styled with ``base`` plus its span's style."""
    plain = text.plain
    spans = sorted(text.spans, key=lambda span: span.start)
    parsed: dict[str, Style] = {}

    def style_of(style: str | Style) -> Style:
        if isinstance(style, Style):
            return base + style
        if style not in parsed:
            parsed[style] = base + Style.parse(style)
        return parsed[style]

    strips: list[Strip] = []
    position, k = 0, 0
    for line in plain.split("\n"):
        end = position + len(line)
        segments: list[Segment] = []
        cursor = position
        while k < len(spans) and spans[k].start < end:
            span = spans[k]
            if span.end <= cursor:
                k += 1
                continue
            start = max(span.start, cursor)
            if start > cursor:
                segments.append(Segment(plain[cursor:start], base))
            stop = min(span.end, end)
            segments.append(Segment(plain[start:stop], style_of(span.style)))
            cursor = stop
            if span.end <= end:
                k += 1
            else:
                break
        if cursor < end:
            segments.append(Segment(plain[cursor:end], base))
        strips.append(Strip(segments, len(line)))
        position = end + 1
    return strips


class TracePlot(Widget, can_focus=True):
    """A focusable area showing the current view of the live run (``session``, a ``LiveRun``)."""

    DEFAULT_CSS = """
    TracePlot { height: 1fr; width: 1fr; }
    """

    #: The view shown (a name in ``hhtui.tui.views.ORDER``).
    view_name: reactive[str] = reactive("voltage")
    #: Simulated time shown, ms.
    window_ms: reactive[float] = reactive(DEFAULT_WINDOW_MS)
    #: The views' toggles (e.g. ``"cartoon"``).
    options: reactive[frozenset[str]] = reactive(frozenset())
    #: Where the run is: the plot ends at its t (a new clock repaints only the lines that changed).
    clock: reactive[Clock] = reactive(Clock(), repaint=False)
    #: Shown while there is no run (the model loading, or failed to load).
    placeholder: reactive[str] = reactive("preparing solver...")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Any = None
        self.builds = 0
        self._key: Hashable = None
        self._text = Text()
        self._strips: list[Strip] = []
        self._strips_for: tuple[Hashable, Style] | None = None
        self._cache: dict[Hashable, Text] = {}
        self._prepared: dict[str, Preparation] = {}
        self._prepared_version = 0

    # --- what is shown ------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.border_title = "hhtui"  # until there is a run to show

    def show(self, session: Any) -> None:
        """Show the live run ``session`` (a ``LiveRun``), from now on."""
        self.session = session
        self.watch_view_name(self.view_name)
        self.refresh()

    def watch_view_name(self, name: str) -> None:
        if self.session is None:
            return
        from ..views import get_view

        view = get_view(name)
        self.border_title = view.title
        hint = f"  {view.hint}" if view.hint else ""
        self.border_subtitle = f"v: next view{hint}"

    def watch_clock(self) -> None:
        self.update_chart()

    def window_span(self) -> tuple[float, float]:
        """The time span shown (ms): the window ending at the clock's t."""
        return window_span(self.clock.t_ms, self.window_ms)

    def _chart_key(self, width: int, height: int) -> Hashable:
        return (
            self.view_name,
            self.clock.version,
            self.window_ms,
            width,
            height,
            self.app.no_color,
            self.options,
            self._prepared_version,
        )

    def _build(self, width: int, height: int) -> Text:
        """The current view's chart for a ``width`` x ``height`` area."""
        from ..plotting import message
        from ..views import ViewContext, get_view

        session = self.session
        view = get_view(self.view_name)
        t_from, t_to = self.window_span()
        ctx = ViewContext(
            samples=session.window(self.window_ms),
            t_from=t_from,
            t_to=t_to,
            experiment=session.experiment,
            width=width,
            height=height,
            colour=not self.app.no_color,
            options=self.options,
        )
        if view.prepare is not None and view.prepare_key is not None:
            key = view.prepare_key(ctx)
            state = self._prepared.setdefault(view.name, Preparation())
            ctx.prepared = state.result
            if state.failed == key:
                ctx.error = state.error
            elif state.key != key:
                ctx.progress = state.progress
                if state.wanted != key:
                    self._start_prepare(view, ctx, key, state)
        try:
            return view.build(ctx)
        except Exception as error:  # a view must never take the app down
            return message(width, height, [f"this view failed: {type(error).__name__}: {error}"])

    # --- background computations of views ---------------------------------------------------------------------
    def _start_prepare(self, view: Any, ctx: Any, key: Hashable, state: Preparation) -> None:
        state.wanted, state.progress = key, 0.0
        # A name and a description: without them Textual takes the repr of the job, which holds the
        # whole experiment (a deeply nested stimulus would exceed the recursion limit).
        self.run_worker(
            partial(self._prepare_job, view, ctx, key),
            name=f"prepare-{view.name}",
            description=f"prepare the {view.name} view",
            thread=True,
            exclusive=True,
            group=f"prepare-{view.name}",
            exit_on_error=False,
        )

    def _prepare_job(self, view: Any, ctx: Any, key: Hashable) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()

        def progress(fraction: float) -> None:
            if worker.is_cancelled:
                raise _Cancelled()
            self.post_message(PrepareProgress(view.name, key, fraction))

        try:
            result = view.prepare(ctx, progress)
        except _Cancelled:
            return
        if not worker.is_cancelled:
            self.post_message(ViewPrepared(view.name, key, result))

    def _prepared_changed(self) -> None:
        self._prepared_version += 1
        self.refresh()

    @on(PrepareProgress)
    def _prepare_progress(self, event: PrepareProgress) -> None:
        state = self._prepared.get(event.view)
        if state is not None and state.wanted == event.key:
            state.progress = event.fraction
            self._prepared_changed()

    @on(ViewPrepared)
    def _prepare_done(self, event: ViewPrepared) -> None:
        state = self._prepared.setdefault(event.view, Preparation())
        state.key, state.result = event.key, event.result
        if state.wanted == event.key:
            state.wanted = None
        self._prepared_changed()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A view's computation that failed: its message is shown in place of the view."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.is_cancelled or not worker.group.startswith("prepare-"):
            return
        state = self._prepared.get(worker.group.removeprefix("prepare-"))
        if state is None or state.wanted is None:
            return
        error = worker.error
        state.failed, state.error = state.wanted, f"{type(error).__name__}: {error}"
        state.wanted = None
        self._prepared_changed()

    # --- drawing -----------------------------------------------------------------------------------------------
    def _current(self) -> Text:
        """The chart for the present size (rebuilt only if its key changed)."""
        width, height = self.content_size.width, self.content_size.height
        if self.session is None or width <= 0 or height <= 0:
            from ..plotting import message

            self._key = None
            self._text = message(max(width, 1), max(height, 1), [self.placeholder])
            return self._text
        key = self._chart_key(width, height)
        if key != self._key:
            cached = self._cache.get(key)
            if cached is None:
                cached = self._build(width, height)
                self.builds += 1
                # Keep the last few sizes, so resizing back and forth does not rebuild.
                self._cache = {k: v for k, v in list(self._cache.items())[-3:]}
                self._cache[key] = cached
            self._key, self._text = key, cached
        return self._text

    def render(self) -> Text:
        return self._current()

    def _current_strips(self) -> list[Strip]:
        text = self._current()
        base = self.visual_style.rich_style
        marker = (id(text), base)
        if marker != self._strips_for:
            self._strips = text_to_strips(text, base)
            self._strips_for = marker
        return self._strips

    def render_line(self, y: int) -> Strip:
        strips = self._current_strips()
        if 0 <= y < len(strips):
            return strips[y]
        return Strip.blank(self.content_size.width, self.visual_style.rich_style)

    def update_chart(self) -> None:
        """Show new data: rebuild the chart now and repaint only the lines that changed, so
        the terminal (an SSH link) receives only what is new."""
        old = self._strips
        if self.session is None or not old or self._strips_for is None:
            self.refresh()
            return
        new = self._current_strips()
        if new is old:
            return
        if len(new) != len(old):
            self.refresh()
            return
        width = self.content_size.width
        changed = [Region(0, y, width, 1) for y, (a, b) in enumerate(zip(old, new)) if list(a) != list(b)]
        if changed:
            self.refresh(*changed)
