"""The hhtui terminal app: a live Hodgkin-Huxley neuron with a parameter panel and plots.

    hhtui                      # the command; or run_app() from Python

The app is a thin skin over :class:`hhtui.tui.session.LiveRun`: a timer (30 Hz) asks the run
how much simulated time is due at the chosen speed, integrates that chunk on the event loop
when it is cheap or in a worker thread when it is not (the compiled kernels release the GIL),
and refreshes the plot at most :data:`~hhtui.tui.settings.PLOT_FPS` times a second. The plot
text is cached by what it shows (view, data version, window, size), so focus changes and
repaints cost nothing.

Start-up is kept light: this module imports neither the model (numba) nor scipy. The first
frame is painted at once with "preparing solver..." and the model is loaded, and its kernels
loaded or compiled, in a worker thread.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Hashable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from .guards import ScreenGuards, guard_option_list_paging
from .hangup import HANGUP_STATUS, QUIT_GRACE_S, ExitGuard, guarded_driver
from .settings import (
    CHUNK_BUDGET_S,
    CURRENT_STEP,
    DEFAULT_SPEED,
    DEFAULT_WINDOW_MS,
    INLINE_BUDGET_S,
    MIN_SIZE,
    PLOT_FPS,
    SINGLE_STEP_MS,
    SPEED_RANGE,
    STATUS_HZ,
    TICK_HZ,
    WINDOW_RANGE,
)
from .widgets.parameter_panel import ParameterPanel
from .widgets.status_bar import Status, StatusBar
from .widgets.trace_plot import TracePlot

if TYPE_CHECKING:
    from hhtui.model import Experiment

    from .session import ChunkResult, LiveRun


guard_option_list_paging()


class MainScreen(ScreenGuards, Screen[None]):
    """The screen of the plot, the panel and the status line (the app composes its widgets)."""


class HHApp(App[int]):
    """The live simulator.

    Args:
        experiment: what to start with (default: the squid axon with a 10 uA/cm^2 step).
        autostart: start running as soon as the solver is ready.
        export_dir: directory where ``e`` writes ``hhtui-YYYYmmdd-HHMMSS.csv`` and its sidecar.
    """

    CSS_PATH = "app.tcss"
    TITLE = "hhtui"
    SUB_TITLE = "Hodgkin-Huxley neuron"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("space", "toggle_run", "Run", id="run"),
        Binding("s", "step", "Step", id="step"),
        Binding("r", "reset", "Reset", id="reset"),
        Binding("up,plus,equals_sign", "current(1)", "I", id="current_up", key_display="↑↓"),
        Binding("down,minus", "current(-1)", "I-", show=False, id="current_down"),
        Binding("left_square_bracket", "speed(0.5)", "Slower", show=False, id="slower"),
        Binding("right_square_bracket", "speed(2)", "Faster", show=False, id="faster"),
        Binding("less_than_sign,comma", "window(0.5)", "Window-", show=False, id="window_shorter"),
        Binding("greater_than_sign,full_stop", "window(2)", "Window+", show=False, id="window_longer"),
        Binding("v", "next_view", "View", id="view"),
        Binding("c", "toggle_option('cartoon')", "Cartoon", id="cartoon"),
        Binding("f", "view_key('f')", "Family", id="family"),
        Binding("H,shift+h", "show_view('hysteresis')", "Hysteresis", show=False, id="hysteresis"),
        Binding("e", "export", "Export", id="export"),
        Binding("p", "presets", "Preset", id="presets"),
        Binding("A,shift+a", "axon", "Axon", show=False, id="axon"),
        Binding("W,shift+w", "network", "Network", show=False, id="network"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("escape", "focus_plot", "Leave input", show=False, id="leave"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    #: Actions that change the simulation: disabled while another screen is on top.
    SIM_ACTIONS = frozenset(
        {
            "toggle_run",
            "step",
            "reset",
            "current",
            "speed",
            "window",
            "next_view",
            "toggle_option",
            "view_key",
            "show_view",
            "export",
            "presets",
            "focus_plot",
            "axon",
            "network",
        }
    )

    def __init__(
        self, experiment: Experiment | None = None, *, autostart: bool = False, export_dir: str | Path = "."
    ) -> None:
        # Under NO_COLOR, native ANSI colours let Textual drop colour altogether (its NoColor
        # filter) instead of turning the theme into 256-colour greys; reverse and bold remain.
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        self.start_experiment = experiment
        self.autostart = autostart
        self.export_dir = Path(export_dir)
        self.session: LiveRun | None = None
        self.running = False
        self.speed = DEFAULT_SPEED
        self.window_ms = DEFAULT_WINDOW_MS
        self.view_name = "voltage"
        self.options: set[str] = set()
        self.hung_up = False
        #: Set by :func:`run_app`: bounds the time an exit may take (never set under tests).
        self.exit_guard: ExitGuard | None = None
        self.load_error: str | None = None
        self._last_tick = time.perf_counter()
        self._last_plot = 0.0
        self._last_status = 0.0
        self._plotted_version = -1
        self._speed_log: deque[tuple[float, float]] = deque(maxlen=64)
        self._prepared: dict[str, tuple[Hashable, Any]] = {}
        self._preparing: dict[str, Hashable] = {}
        self._progress: dict[str, float] = {}
        self._prepare_errors: dict[str, tuple[Hashable, str]] = {}
        self._prepared_version = 0
        self._washout: Any = None
        #: A preset pauses when it reaches its t_stop (ms); None runs on freely.
        self.stop_at: float | None = None

    # --- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield ParameterPanel(id="panel")
            with Vertical(id="plots"):
                yield TracePlot(id="plot")
        yield StatusBar(id="status")
        yield Static(f"Enlarge the terminal to at least {MIN_SIZE[0]}x{MIN_SIZE[1]}", id="too-small")
        yield Footer(compact=True)

    @property
    def plot(self) -> TracePlot:
        return self.query_one("#plot", TracePlot)

    @property
    def panel(self) -> ParameterPanel:
        return self.query_one("#panel", ParameterPanel)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    def on_mount(self) -> None:
        self._check_size()
        self.panel.clock = lambda: self.session.t if self.session is not None else 0.0
        self.plot.border_title = "hhtui"
        self.plot.focus()
        self._timer = self.set_interval(1.0 / TICK_HZ, self._tick, pause=True)
        self._update_status(force=True)
        self.call_after_refresh(self._load_model)

    def on_resize(self, event: events.Resize) -> None:
        # This runs before App._on_resize has stored the new size: use the event's.
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int | None = None, height: int | None = None) -> None:
        if width is None or height is None:
            width, height = self.size
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        # The main screen, even when the help, a picker or the palette is on top of it.
        main_screen = self.screen_stack[0] if self.screen_stack else self.screen
        main_screen.set_class(small, "-too-small")
        self.query_one("#too-small", Static).update(
            f"Enlarge the terminal to at least {MIN_SIZE[0]}x{MIN_SIZE[1]} (it is {width}x{height})"
        )
        try:
            self.panel.styles.width = 36 if width >= 140 else 30 if width >= 100 else 26
        except Exception:
            pass

    # --- start-up -----------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="load the model")
    def _load_model(self) -> None:
        """Import the model, load (or on the very first run compile) its kernels, build the run."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        try:
            if not _PRELOAD.wait(lambda: worker.is_cancelled):
                return  # the app is closing while the kernels still compile: do not hold it up
            from hhtui.model import Experiment

            from .session import LiveRun

            experiment = self.start_experiment if self.start_experiment is not None else Experiment()
            warm_up(experiment)
            session = LiveRun(experiment)
        except Exception as error:  # reported in the app, never a traceback
            self._call(self._load_failed, f"{type(error).__name__}: {error}")
            return
        self._call(self._model_ready, session)

    def _call(self, callback: Any, *args: Any, **kwargs: Any) -> None:
        """Run ``callback`` on the event loop (from a worker); ignored once the app has gone."""
        try:
            self.call_from_thread(callback, *args, **kwargs)
        except RuntimeError:
            pass

    def _load_failed(self, message: str) -> None:
        self.load_error = message
        self.plot.placeholder = f"the solver could not be loaded: {message}"
        self.plot.refresh()
        self.notify(message, title="solver", severity="error", timeout=30)

    def _model_ready(self, session: LiveRun) -> None:
        self.session = session
        if session.population_note:
            self.notify(session.population_note, title="one neuron", severity="warning", timeout=20)
        self._arm(session.experiment)
        self._set_view(session.experiment.view, quiet=True)
        self.plot.source = self
        self.plot.refresh()
        self._update_status(force=True)
        # The plot first; the panel's inputs right after it is on screen.
        self.call_after_refresh(self._fill_panel)
        if self.autostart:
            self.action_toggle_run()

    async def _fill_panel(self) -> None:
        from textual.css.query import NoMatches

        try:
            await self.panel.build_inputs()
            if self.session is not None:
                self.panel.load(self.session.experiment, self.speed, self.window_ms)
                self.panel.set_run(speed=self.speed, window=self.window_ms)
                if self.session.experiment.description:  # a preset given on the command line: explain it
                    self.panel.show_about()
        except NoMatches:  # the app is closing (q pressed while the panel was being built)
            return
        self.call_after_refresh(_announce_ready)

    # --- the simulation clock -----------------------------------------------------------------------------
    def _tick(self) -> None:
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        session = self.session
        if session is None or not self.running or session.busy:
            return
        duration = session.plan(elapsed, self.speed, CHUNK_BUDGET_S)
        if self.stop_at is not None:
            if session.t >= self.stop_at - 1e-9:
                self._experiment_done()
                return
            duration = min(duration, session.chunk_for(self.stop_at - session.t))
        if duration > 0.0:
            if session.estimate(duration) <= INLINE_BUDGET_S:
                self._accept(session.compute(duration))
            else:
                session.busy = True
                self._compute_in_worker(duration)
        self._refresh_views()

    @work(thread=True, exclusive=True, group="chunk", exit_on_error=False, description="compute a chunk")
    def _compute_in_worker(self, duration: float) -> None:
        assert self.session is not None
        session = self.session
        try:
            result = session.compute(duration)
        except Exception as error:  # keep the app alive; report on the loop
            from .session import ChunkResult

            result = ChunkResult(None, duration, 0.0, f"{type(error).__name__}: {error}")
        self._call(self._accept_from_worker, session, result)

    def _accept_from_worker(self, session: LiveRun, result: ChunkResult) -> None:
        if session is self.session:
            self._accept(result)
            # A chunk that lands after a pause is drawn at once: plot and status show its end.
            self._refresh_views(force=not self.running)
        else:
            session.busy = False

    def _arm(self, experiment: Any) -> None:
        """A preset runs to its ``t_stop`` and pauses there, with the window showing all of it."""
        if experiment.description:
            self.stop_at = float(experiment.t_stop)
            self.window_ms = min(max(float(experiment.t_stop), WINDOW_RANGE[0]), WINDOW_RANGE[1])
            self.panel.set_run(window=self.window_ms)
        else:
            self.stop_at = None

    def _experiment_done(self) -> None:
        self.stop_at = None
        self._pause()
        self.notify(
            "The experiment has run its course (t_stop). Space runs on; r starts it again.", title="done", timeout=6
        )

    def _accept(self, result: ChunkResult) -> None:
        assert self.session is not None
        self.session.accept(result)
        if self.stop_at is not None and self.running and self.session.t >= self.stop_at - 1e-9:
            self._experiment_done()
        self._speed_log.append((time.perf_counter(), self.session.t))
        if result.error is not None:
            self._pause()
            self.notify(result.error, title="numerical blow-up: run paused", severity="error", timeout=15)
            self._refresh_views(force=True)
        if self.session.dropped_notice:
            self.session.dropped_notice = False
            self.notify(
                f"The recording reached its limit of {self.session.recording.max_samples:,} samples: "
                "the oldest part is dropped from now on (the export starts later than t = 0).",
                title="recording",
                severity="warning",
                timeout=10,
            )

    def _pause(self) -> None:
        """Stop the clock; the plot and the status line then show the same, latest t."""
        self.running = False
        self._timer.pause()
        self._speed_log.clear()
        self._refresh_views(force=True)
        self.refresh_bindings()

    def advance_by(self, milliseconds: float) -> None:
        """Advance the simulation by about ``milliseconds`` at once, on the event loop, and redraw
        (the single step, and a deterministic hook for tests and screenshots)."""
        session = self.session
        if session is None or session.busy:
            return
        self._accept(session.compute(session.chunk_for(milliseconds)))
        self._refresh_views(force=True)

    # --- drawing ------------------------------------------------------------------------------------------------
    def _refresh_views(self, force: bool = False) -> None:
        now = time.perf_counter()
        session = self.session
        if (
            session is not None
            and session.version != self._plotted_version
            and (force or now - self._last_plot >= 1.0 / PLOT_FPS)
        ):
            self._last_plot = now
            self._plotted_version = session.version
            self.plot.update_chart()
        self._update_status(force=force)

    def _update_status(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_status < 1.0 / STATUS_HZ:
            return
        self._last_status = now
        session = self.session
        if session is None:
            note = "preparing solver (the first run compiles the kernels, up to ~20 s)..."
            if self.load_error:
                note = "the solver could not be loaded"
            self.status_bar.show(Status(speed=self.speed, window_ms=self.window_ms, note=note))
            return
        achieved = None
        if len(self._speed_log) >= 2:
            (t0, s0), (t1, s1) = self._speed_log[0], self._speed_log[-1]
            if t1 - t0 > 0.3:
                achieved = (s1 - s0) / (t1 - t0)
        experiment = session.experiment
        self.status_bar.show(
            Status(
                running=self.running,
                t_ms=session.t,
                speed=self.speed,
                achieved=achieved,
                spikes=session.spike_count,
                rate_hz=session.firing_rate(),
                method=experiment.solver.method,
                dt=experiment.solver.dt,
                current=session.current,
                clamp=experiment.stimulus.is_clamp,
                view=self.view_name,
                window_ms=self.window_ms,
                warning=session.warning,
            )
        )

    def _window_span(self) -> tuple[float, float]:
        assert self.session is not None
        t_now = self.session.t
        if t_now <= self.window_ms:
            return 0.0, self.window_ms
        return t_now - self.window_ms, t_now

    def plot_key(self, width: int, height: int) -> Hashable:
        """What the plot's text depends on (see :class:`TracePlot`)."""
        version = self.session.version if self.session is not None else -1
        return (
            self.view_name,
            version,
            self.window_ms,
            width,
            height,
            self.no_color,
            frozenset(self.options),
            self._prepared_version,
        )

    def plot_text(self, width: int, height: int) -> Text:
        """Build the current view's chart for a ``width`` x ``height`` area."""
        from .plotting import message
        from .views import ViewContext, get_view

        assert self.session is not None
        view = get_view(self.view_name)
        t_from, t_to = self._window_span()
        ctx = ViewContext(
            samples=self.session.window(self.window_ms),
            t_from=t_from,
            t_to=t_to,
            experiment=self.session.experiment,
            width=width,
            height=height,
            colour=not self.no_color,
            options=frozenset(self.options),
        )
        if view.prepare is not None and view.prepare_key is not None:
            key = view.prepare_key(ctx)
            stored = self._prepared.get(view.name)
            ctx.prepared = stored[1] if stored is not None else None
            failed = self._prepare_errors.get(view.name)
            if failed is not None and failed[0] == key:
                ctx.error = failed[1]
            elif stored is None or stored[0] != key:
                ctx.progress = self._progress.get(view.name, 0.0)
                if self._preparing.get(view.name) != key:
                    self._start_prepare(view, ctx, key)
        try:
            return view.build(ctx)
        except Exception as error:  # a view must never take the app down
            return message(width, height, [f"this view failed: {type(error).__name__}: {error}"])

    def _start_prepare(self, view: Any, ctx: Any, key: Hashable) -> None:
        self._preparing[view.name] = key
        self._progress[view.name] = 0.0
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
            self._call(self._prepare_progress, view.name, key, fraction)

        try:
            result = view.prepare(ctx, progress)
        except _Cancelled:
            return
        except Exception as error:
            self._call(self._prepare_failed, view.name, key, f"{type(error).__name__}: {error}")
            return
        if not worker.is_cancelled:
            self._call(self._prepare_done, view.name, key, result)

    def _prepare_progress(self, name: str, key: Hashable, fraction: float) -> None:
        if self._preparing.get(name) == key:
            self._progress[name] = fraction
            self._prepared_version += 1
            self.plot.refresh()

    def _prepare_done(self, name: str, key: Hashable, result: Any) -> None:
        self._prepared[name] = (key, result)
        if self._preparing.get(name) == key:
            del self._preparing[name]
        self._prepared_version += 1
        self.plot.refresh()

    def _prepare_failed(self, name: str, key: Hashable, message: str) -> None:
        self._prepare_errors[name] = (key, message)
        self._preparing.pop(name, None)
        self._prepared_version += 1
        self.plot.refresh()

    def _set_view(self, name: str, quiet: bool = False) -> None:
        from .views import canonical, get_view

        key = canonical(name)
        if key is None:
            if not quiet:
                self.notify(f"unknown view {name!r}", severity="warning")
            key = "voltage"
        self.view_name = key
        view = get_view(key)
        self.plot.border_title = view.title
        hint = f"  {view.hint}" if view.hint else ""
        self.plot.border_subtitle = f"v: next view{hint}"
        self.plot.refresh()
        self.refresh_bindings()

    # --- actions --------------------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.SIM_ACTIONS and self.screen is not self.screen_stack[0]:
            return False
        if action == "toggle_option" and parameters == ("cartoon",):
            return self.view_name == "phases"
        if action == "view_key":
            from .views import get_view

            return any(key == parameters[0] for key, _ in get_view(self.view_name).keys)
        return True

    def _ready_or_say(self) -> bool:
        if self.session is None:
            self.notify("The solver is still loading...", timeout=3)
            return False
        return True

    def action_toggle_run(self) -> None:
        """Run or pause."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        if self.running:
            self._pause()
            return
        if self.session.sim.halted:
            self.notify(
                "The run is halted by a numerical blow-up: change dt or the method, or press r to reset.",
                severity="warning",
            )
            return
        self.running = True
        self._last_tick = time.perf_counter()
        self._timer.resume()
        self._update_status(force=True)
        self.refresh_bindings()

    def action_step(self) -> None:
        """Pause and advance one small chunk."""
        if not self._ready_or_say():
            return
        if self.running:
            self._pause()
        self.advance_by(SINGLE_STEP_MS)

    def action_reset(self) -> None:
        """Back to rest at t = 0."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        self.session.reset()
        self._speed_log.clear()
        self._arm(self.session.experiment)
        self._refresh_views(force=True)

    def action_current(self, direction: int) -> None:
        """Change the injected current by one step up or down."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        from hhtui.model import ParameterError

        try:
            stimulus = self.session.nudge_current(CURRENT_STEP * direction)
        except ParameterError as error:
            self.notify(str(error), severity="warning")
            return
        self.panel.set_stimulus(stimulus)
        self._refresh_views(force=True)

    def action_speed(self, factor: float) -> None:
        """Multiply the speed by ``factor`` (within its range)."""
        self.speed = min(max(self.speed * factor, SPEED_RANGE[0]), SPEED_RANGE[1])
        self._speed_log.clear()
        self.panel.set_run(speed=self.speed)
        self._update_status(force=True)

    def action_window(self, factor: float) -> None:
        """Multiply the display window by ``factor`` (within its range)."""
        self.window_ms = min(max(self.window_ms * factor, WINDOW_RANGE[0]), WINDOW_RANGE[1])
        self.panel.set_run(window=self.window_ms)
        self.plot.refresh()
        self._update_status(force=True)

    def action_next_view(self) -> None:
        """Cycle to the next view."""
        from .views import next_view

        self._set_view(next_view(self.view_name))

    def action_toggle_option(self, option: str) -> None:
        """Toggle a view option (e.g. the cartoon overlay)."""
        self.options ^= {option}
        self.plot.refresh()

    def action_view_key(self, key: str) -> None:
        """A key of the present view (e.g. ``f``: the F-I view's family parameter)."""
        from .views import get_view

        for name, change in get_view(self.view_name).keys:
            if name == key:
                self.options = set(change(frozenset(self.options)))
                self.plot.refresh()

    def action_show_view(self, name: str) -> None:
        """Show the view ``name`` (e.g. ``H``: the hysteresis view)."""
        self._set_view(name)

    def action_focus_plot(self) -> None:
        """Leave the inputs: focus the plot so that keys act on the simulation."""
        self.plot.focus()

    def action_help(self) -> None:
        """Show the help screen."""
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_presets(self) -> None:
        """Open the preset picker."""
        try:
            from hhtui.experiments import PRESETS
        except Exception as error:
            self.notify(f"presets unavailable: {error}", severity="error")
            return
        from .screens.presets import PresetScreen

        items = [(name, e.title or name, e.description) for name, e in PRESETS.items()]
        self.push_screen(PresetScreen(items), self._preset_chosen)

    def _preset_chosen(self, name: str | None) -> None:
        if name:
            self.load_preset(name)

    def load_preset(self, name: str) -> None:
        """Load the preset experiment ``name``: parameters, view and its explanation."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        try:
            from hhtui.experiments import get_preset

            experiment = get_preset(name)
        except Exception as error:
            self.notify(str(error), severity="error")
            return
        if self.session.busy:  # a chunk is being computed: load once it is in
            self.set_timer(0.05, partial(self.load_preset, name))
            return
        self.session.load(experiment)
        self._washout = None
        self._arm(experiment)
        self.panel.load(experiment, self.speed, self.window_ms)
        self.panel.show_about()
        self._set_view(experiment.view)
        self.notify(preset_notice(experiment), title=experiment.title or name, timeout=6)
        self._refresh_views(force=True)
        if not self.running:
            self.action_toggle_run()

    def action_export(self) -> None:
        """Write the run to CSV + JSON sidecar in the export directory."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        from hhtui.model import ParameterError

        try:
            payload = self.session.export_payload()
        except ParameterError as error:
            self.notify(str(error), severity="warning")
            return
        self.notify("Exporting...", timeout=2)
        self._export(payload)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="write the export")
    def _export(self, payload: tuple[Any, Any, Any]) -> None:
        from hhtui.export import ExportError, timestamped_name, write_run

        columns, experiment, extra = payload
        if self.is_web:  # served to a browser: the browser downloads the files
            self._deliver_export(columns, experiment, extra)
            return
        try:
            csv_path, json_path = write_run(
                timestamped_name(directory=self.export_dir), columns, experiment, extra=extra
            )
        except (ExportError, OSError) as error:
            self._call(self.notify, str(error), title="export failed", severity="error", timeout=15)
            return
        rows = len(next(iter(columns.values())))
        self._call(
            self.notify,
            f"{csv_path.resolve()} ({rows:,} rows) and its sidecar {json_path.name}",
            title="exported",
            timeout=10,
        )
        self.last_export = (csv_path, json_path)

    last_export: tuple[Path, Path] | None = None

    def _deliver_export(self, columns: Any, experiment: Any, extra: Any) -> None:
        """Served to a browser: the run is downloaded there (see :mod:`hhtui.tui.web_export`)."""
        from hhtui.export import ExportError

        from .web_export import export_files

        try:
            files = export_files(columns, experiment, extra)
        except (ExportError, OSError) as error:
            self._call(self.notify, str(error), title="export failed", severity="error", timeout=15)
            return
        self._call(self._download, files)
        rows = len(next(iter(columns.values())))
        self._call(
            self.notify,
            f"{files[0][0]} ({rows:,} rows) and its sidecar {files[1][0]}: see the browser's downloads",
            title="exported",
            timeout=10,
        )

    _downloads: Any = None

    def _download(self, files: Any) -> None:
        if self._downloads is None:
            from .web_export import BrowserDownloads

            self._downloads = BrowserDownloads(self.deliver_binary)
        self._downloads.add(files)

    @on(events.DeliveryComplete)
    def _download_done(self, event: events.DeliveryComplete) -> None:
        if self._downloads is not None:
            self._downloads.finished(event.name)

    @on(events.DeliveryFailed)
    def _download_failed(self, event: events.DeliveryFailed) -> None:
        from .web_export import DOWNLOAD_NAME

        if self._downloads is not None and event.name == DOWNLOAD_NAME:
            self.notify("the browser download did not complete", title="export failed", severity="error")
            self._downloads.finished(event.name)

    def apply_toxin(self, toxin: str) -> None:
        """Apply TTX, TEA or pronase to the live membrane (from the command palette)."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        from hhtui.experiments import TOXIN_DOSES, blocker

        membrane = self.session.experiment.membrane
        if self._washout is None:
            self._washout = membrane
        new = blocker(membrane, toxin, TOXIN_DOSES[toxin])
        self.session.set_membrane(new)
        self.panel.set_membrane(new)
        self.notify(f"{toxin.upper()} applied: {toxin_effect(membrane, new)}", timeout=4)
        self._refresh_views(force=True)

    def wash_out(self) -> None:
        """Restore the membrane as it was before the first toxin."""
        if not self._ready_or_say() or self._washout is None:
            self.notify("nothing to wash out", timeout=3)
            return
        assert self.session is not None
        self.session.set_membrane(self._washout)
        self.panel.set_membrane(self._washout)
        self._washout = None
        self.notify("toxins washed out", timeout=3)
        self._refresh_views(force=True)

    def _push_optional_screen(self, module: str, cls: str) -> None:
        import importlib

        try:
            screen_class = getattr(importlib.import_module(f"hhtui.tui.screens.{module}"), cls)
            screen = screen_class()
        except Exception as error:
            self.notify(f"The {module} screen is not available: {error}", severity="warning")
            return
        if self.running:
            self._pause()
        self.push_screen(screen)

    def action_axon(self) -> None:
        """Open the axon (cable) screen."""
        self._push_optional_screen("axon", "AxonScreen")

    def action_network(self) -> None:
        """Open the network screen."""
        self._push_optional_screen("network", "NetworkScreen")

    # --- parameter panel --------------------------------------------------------------------------------------------
    @on(ParameterPanel.Changed)
    def _parameter_changed(self, event: ParameterPanel.Changed) -> None:
        session = self.session
        if session is None:
            return
        if event.kind == "membrane":
            session.set_membrane(event.value)
        elif event.kind == "stimulus":
            session.set_stimulus(event.value)
        elif event.kind == "solver":
            session.set_solver(event.value)
        elif event.kind == "speed":
            self.speed = float(event.value)
            self._speed_log.clear()
        elif event.kind == "window":
            self.window_ms = float(event.value)
            self.plot.refresh()
        self._refresh_views(force=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter applies a valid value and hands the keys back to the simulation (an invalid
        value keeps the focus, to be corrected)."""
        if event.validation_result is None or event.validation_result.is_valid:
            self.plot.focus()

    # --- command palette -------------------------------------------------------------------------------------------
    def action_command_palette(self) -> None:
        """Open the command palette (bounded input, one search per pause in the typing)."""
        from textual.command import CommandPalette

        from .palette import Palette, RankedCommands

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            # The app's commands, actions ranked above presets (instead of Textual's own provider).
            self.push_screen(Palette(providers=[RankedCommands], id="--command-palette"))

    def get_default_screen(self) -> Screen:
        """The main screen (the plot and the panel), with the guards of every screen of the app."""
        return MainScreen(id="_default")

    def pop_screen(self) -> Any:
        """Close the screen on top; never the main screen (a stray close is ignored)."""
        if len(self.screen_stack) <= 1:
            from textual.await_complete import AwaitComplete

            return AwaitComplete.nothing()
        return super().pop_screen()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Run / pause", "Start or pause the simulation (space)", self.action_toggle_run)
        yield SystemCommand("Single step", "Advance 1 ms of simulated time (s)", self.action_step)
        yield SystemCommand("Reset to rest", "Back to t = 0 at rest (r)", self.action_reset)
        yield SystemCommand("Increase current", "Injected current +1 uA/cm2 (up)", partial(self.action_current, 1))
        yield SystemCommand("Decrease current", "Injected current -1 uA/cm2 (down)", partial(self.action_current, -1))
        yield SystemCommand("Faster", "Double the speed (])", partial(self.action_speed, 2.0))
        yield SystemCommand("Slower", "Halve the speed ([)", partial(self.action_speed, 0.5))
        yield SystemCommand("Longer window", "Double the time shown (>)", partial(self.action_window, 2.0))
        yield SystemCommand("Shorter window", "Halve the time shown (<)", partial(self.action_window, 0.5))
        yield SystemCommand("Next view", "Cycle the plot views (v)", self.action_next_view)
        from .views import ORDER, get_view

        for name in ORDER:
            yield SystemCommand(f"View: {get_view(name).title}", f"Show the {name} view", partial(self._set_view, name))
        yield SystemCommand(
            "Toggle cartoon",
            "Cartoon action potential over the AP phases view (c)",
            partial(self.action_toggle_option, "cartoon"),
        )
        yield SystemCommand("Export run to CSV", "CSV + JSON sidecar in the working directory (e)", self.action_export)
        yield SystemCommand("Load a preset...", "Pick a classic experiment (p)", self.action_presets)
        try:
            from hhtui.experiments import PRESETS

            for name, experiment in PRESETS.items():
                # The name in brackets is the one the README and --preset use.
                yield SystemCommand(
                    f"Preset: {experiment.title or name} ({name})",
                    experiment.description[:120],
                    partial(self.load_preset, name),
                )
        except Exception:
            pass
        yield SystemCommand(
            "Apply TTX", "Block all sodium channels (g_Na = 0), as the ttx preset", partial(self.apply_toxin, "ttx")
        )
        yield SystemCommand(
            "Apply TEA",
            "Block half the potassium channels (g_K x 0.5: 36 -> 18 mS/cm2), as the tea preset",
            partial(self.apply_toxin, "tea"),
        )
        yield SystemCommand(
            "Apply pronase",
            "Remove sodium inactivation (h = 1), as the pronase preset",
            partial(self.apply_toxin, "pronase"),
        )
        yield SystemCommand("Wash out toxins", "Restore the membrane as before the first toxin", self.wash_out)
        yield SystemCommand("Axon (cable) screen", "A propagating action potential (A)", self.action_axon)
        yield SystemCommand("Network screen", "Coupled neurons (W)", self.action_network)
        yield SystemCommand("Help", "Every key (?)", self.action_help)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification, as plain text by default: messages quote file names, typed values and
        experiment titles, which may hold brackets that are not markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # --- terminal hang-up and exit ------------------------------------------------------------------------------------
    def get_driver_class(self) -> Any:
        """Textual's driver for this terminal; on Linux one that never blocks on a terminal that has gone."""
        driver_class = super().get_driver_class()
        try:
            from textual.drivers.linux_driver import LinuxDriver
        except ImportError:
            return driver_class
        return guarded_driver(driver_class) if driver_class is LinuxDriver else driver_class

    def hang_up(self) -> None:
        """The terminal went away (SSH link dropped): stop everything and exit quietly."""
        self.hung_up = True
        self.running = False
        try:
            self._timer.stop()
        except Exception:
            pass
        self.workers.cancel_all()
        self._exit_renderables.clear()  # nobody is there to read a report
        self.exit(HANGUP_STATUS, return_code=HANGUP_STATUS)

    def _fatal_error(self) -> None:
        """An unexpected error: a short report (no local variables, which can be megabytes of
        data), or none at all once the terminal has gone."""
        if self.hung_up:
            self._close_messages_no_wait()
            return
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, max_frames=20)
        from rich.segment import Segments

        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    def on_unmount(self) -> None:
        if self.exit_guard is not None:  # the app is closing: workers still computing are not waited for
            self.exit_guard.arm(QUIT_GRACE_S, lambda: int(self.return_code or 0))


def toxin_effect(before: Any, after: Any) -> str:
    """What a toxin changed in a membrane, in words (mS/cm^2)."""
    if after.g_na != before.g_na:
        return f"g_Na {before.g_na:g} -> {after.g_na:g} mS/cm2"
    if after.g_k != before.g_k:
        return f"g_K {before.g_k:g} -> {after.g_k:g} mS/cm2"
    if after.inactivation != before.inactivation:
        return "sodium inactivation removed (h = 1)"
    return "no change (already applied)"


def preset_notice(experiment: Any) -> str:
    """What a loaded preset does, said when it is loaded (the help and README say the same)."""
    return (
        f"Runs from rest to its end (t_stop = {float(experiment.t_stop):g} ms) and pauses there; "
        "space pauses sooner. What to look for is in the panel, under its title."
    )


#: Environment variable naming a file the app creates once it is ready for keys (solver loaded,
#: panel filled in and drawn); ``hhtui record`` waits for it before it types.
READY_FILE_ENV = "HHTUI_READY_FILE"


def _announce_ready() -> None:
    path = os.environ.get(READY_FILE_ENV)
    if path:
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError:
            pass


def warm_up(experiment: Any = None) -> None:
    """Import the model and load (or compile) the kernels a live run needs, and the plotting."""
    from hhtui.model import Membrane, NoStimulus, Simulation

    membrane = experiment.membrane if experiment is not None else Membrane()
    Simulation(membrane, NoStimulus(), dt=0.01).advance(0.02)
    from . import plotting  # noqa: F401
    from .views import get_view

    get_view("voltage")
    import plotext  # noqa: F401


class _Preload:
    """Loading of the model started before the app itself, so both proceed at once (the
    kernels' machine code is loaded from numba's cache with the GIL released)."""

    def __init__(self) -> None:
        self._thread: Any = None

    def start(self) -> None:
        import threading

        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hhtui-preload", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            warm_up()
        except Exception:  # the worker will meet the error again and report it
            pass

    def wait(self, cancelled: Any = lambda: False) -> bool:
        """Wait for the preload to finish; False if ``cancelled()`` became true first."""
        while self._thread is not None and self._thread.is_alive():
            if cancelled():
                return False
            self._thread.join(0.05)
        return True


_PRELOAD = _Preload()


class _Cancelled(Exception):
    """Raised inside a background computation whose worker was cancelled."""


def run_app(experiment: Experiment | None = None, *, autostart: bool = False, export_dir: str | Path = ".") -> int:
    """Run the app in this terminal; returns the exit status (0, or 129 after a hang-up)."""
    _PRELOAD.start()
    app = HHApp(experiment, autostart=autostart, export_dir=export_dir)
    guard = ExitGuard(
        _terminal_fd(),
        app.hang_up,
        lambda: app._loop,
        lambda: app._driver,
        before_exit=lambda: remove_own_temporary_files(app.export_dir),
    )
    app.exit_guard = guard
    guard.install()
    try:
        app.run()
    except (OSError, KeyboardInterrupt):
        if app.hung_up or guard.hung_up:
            return HANGUP_STATUS
        raise
    finally:
        guard.stop()
    if app.hung_up or guard.hung_up:
        guard.exit_now(HANGUP_STATUS)  # nobody is there: skip the interpreter's slow teardown
    return int(app.return_code or 0)


def remove_own_temporary_files(directory: Path) -> None:
    """Remove the temporary files this process's export writer has in ``directory`` (an export
    cut short when the process is ended at once)."""
    import sys

    files = sys.modules.get("hhtui.files")
    if files is None:
        return  # nothing was ever written
    prefix = f"{files.TEMP_PREFIX}{files.HOST_TAG}-{os.getpid()}-"
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _terminal_fd() -> int:
    import sys

    try:
        return sys.__stdin__.fileno() if sys.__stdin__ is not None else 0
    except (OSError, ValueError):
        return 0
