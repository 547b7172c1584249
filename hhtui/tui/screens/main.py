"""The main screen: the parameter panel, the plot and the status line, over a live run.

The screen holds the state of the live app as reactive attributes: ``running``, ``speed``
(simulated ms per real second), ``window_ms``, ``view_name``, ``options``, ``experiment`` (the
experiment in use now) and ``clock`` (where the run is: t, spikes, rate, achieved speed). The
panel, the plot and the status line are views of them, bound with ``data_bind``; nothing copies
state by hand. The simulation keys are bound here, so they act only while this screen is on top
(the help, a picker, the palette or the axon screen above it disable them).

A timer (30 Hz) asks the run (:class:`hhtui.tui.session.LiveRun`) how much simulated time is
due at the chosen speed and integrates that chunk on the event loop when it is cheap, or in a
thread worker when it is not (the compiled kernels release the GIL). Workers report back with
typed messages (:mod:`hhtui.tui.messages`); a worker that fails is handled in one place,
:meth:`MainScreen.on_worker_state_changed`. The clock is published at most
:data:`~hhtui.tui.settings.PLOT_FPS` times a second while running, and at once on a pause, a
step, a change or the end of a preset: the plot and the status line then show the same t.

This module imports neither the model (numba) nor scipy at import time.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from ..guards import ScreenGuards
from ..messages import ChunkComputed, Exported, ExportReady, ModelLoaded
from ..settings import (
    CHUNK_BUDGET_S,
    CURRENT_STEP,
    DEFAULT_SPEED,
    DEFAULT_WINDOW_MS,
    INLINE_BUDGET_S,
    MIN_SIZE,
    PLOT_FPS,
    SINGLE_STEP_MS,
    SPEED_RANGE,
    TICK_HZ,
    WINDOW_RANGE,
)
from ..state import Clock
from ..widgets.fitted_footer import FittedFooter
from ..widgets.parameter_panel import ParameterPanel
from ..widgets.status_bar import StatusBar
from ..widgets.trace_plot import TracePlot

if TYPE_CHECKING:
    from hhtui.model import Experiment

    from ..session import ChunkResult, LiveRun

#: Shown in the status line while the model loads.
LOADING_NOTE = "preparing solver (the first run compiles the kernels, up to ~20 s)..."


class MainScreen(ScreenGuards, Screen[None]):
    """The simulation: parameters on the left, the plot on the right, the status line below.

    Args:
        experiment: what to start with (default: the squid axon with a 10 uA/cm^2 step).
        autostart: start running as soon as the solver is ready.
        notices: one-line warnings shown once the run is ready (why a replay is not exact).
    """

    #: Seconds a notice given at start stays on screen.
    NOTICE_S = 30.0

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_run", "Run", id="run", tooltip="Run or pause the simulation"),
        Binding("s", "step", "Step", id="step", tooltip="Pause and advance 1 ms"),
        Binding("r", "reset", "Reset", id="reset", tooltip="Back to rest at t = 0"),
        Binding("up,plus,equals_sign", "current(1)", "I", id="current_up", key_display="↑↓"),
        Binding("down,minus", "current(-1)", "I-", show=False, id="current_down"),
        Binding("left_square_bracket", "speed(0.5)", "Slower", show=False, id="slower"),
        Binding("right_square_bracket", "speed(2)", "Faster", show=False, id="faster"),
        Binding("less_than_sign,comma", "window(0.5)", "Window-", show=False, id="window_shorter"),
        Binding("greater_than_sign,full_stop", "window(2)", "Window+", show=False, id="window_longer"),
        Binding("v", "next_view", "View", id="view", tooltip="Cycle the plot views"),
        Binding("c", "toggle_option('cartoon')", "Cartoon", id="cartoon"),
        Binding("f", "view_key('f')", "Family", id="family", tooltip="The F-I view's family parameter"),
        Binding("H,shift+h", "show_view('hysteresis')", "Hysteresis", show=False, id="hysteresis"),
        Binding("e", "export", "Export", id="export", tooltip="CSV + JSON sidecar"),
        Binding("p", "presets", "Preset", id="presets", tooltip="Load a classic experiment"),
        Binding("A,shift+a", "axon", "Axon", show=False, id="axon"),
        Binding("W,shift+w", "network", "Network", show=False, id="network"),
        Binding("question_mark", "app.help", "Help", id="help"),
        Binding("escape", "focus_plot", "Leave input", show=False, id="leave"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    #: Bindings a narrow footer leaves out first (they stay bound, and listed in the help and the palette).
    FOOTER_SPARE = ("step", "reset", "export", "presets", "current_up", "view", "run")

    #: Layout classes by terminal size (see ``app.tcss``): too small, narrow, wide, widest.
    HORIZONTAL_BREAKPOINTS = [
        (0, "-too-narrow"),
        (MIN_SIZE[0], "-narrow"),
        (100, "-wide"),
        (140, "-widest"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-too-short"), (MIN_SIZE[1], "-tall")]

    #: The run is going.
    running: reactive[bool] = reactive(False, bindings=True, init=False)
    #: Simulated ms per real second (within SPEED_RANGE).
    speed: reactive[float] = reactive(DEFAULT_SPEED, init=False)
    #: Simulated time shown in the plots, ms (within WINDOW_RANGE).
    window_ms: reactive[float] = reactive(DEFAULT_WINDOW_MS, init=False)
    #: The view shown (a name in ``hhtui.tui.views.ORDER``).
    view_name: reactive[str] = reactive("voltage", bindings=True, init=False)
    #: The views' toggles (e.g. ``"cartoon"``).
    options: reactive[frozenset[str]] = reactive(frozenset(), init=False)
    #: The experiment in use now (an ``Experiment``), None until the model has loaded.
    experiment: reactive[Any] = reactive(None, init=False)
    #: Where the run is, as the plot and the status line show it.
    clock: reactive[Clock] = reactive(Clock(), init=False)
    #: A note in the status line (loading...), or None.
    note: reactive[str | None] = reactive(LOADING_NOTE, init=False)

    def __init__(
        self, experiment: Experiment | None = None, *, autostart: bool = False, notices: Iterable[str] = ()
    ) -> None:
        super().__init__(id="_default")
        self.start_experiment = experiment
        self.autostart = autostart
        self.notices = tuple(notices)
        self.session: LiveRun | None = None
        self.load_error: str | None = None
        #: A preset pauses when it reaches its t_stop (ms); None runs on freely.
        self.stop_at: float | None = None
        #: The last export written: (CSV, JSON sidecar).
        self.last_export: tuple[Any, Any] | None = None
        self._washout: Any = None
        self._last_tick = time.perf_counter()
        self._last_publish = 0.0
        self._speed_log: deque[tuple[float, float]] = deque(maxlen=64)
        #: Done once the chunk being computed in a worker is in (a preset loaded meanwhile).
        self._after_chunk: list[Callable[[], None]] = []

    # --- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        screen = MainScreen
        with Horizontal(id="main"):
            yield ParameterPanel(id="panel").data_bind(
                experiment=screen.experiment, speed=screen.speed, window=screen.window_ms
            )
            with Vertical(id="plots"):
                yield TracePlot(id="plot").data_bind(screen.view_name, screen.window_ms, screen.options, screen.clock)
        yield StatusBar(id="status").data_bind(
            screen.running,
            screen.speed,
            screen.window_ms,
            screen.view_name,
            screen.experiment,
            screen.clock,
            screen.note,
        )
        yield Static(id="too-small")
        yield FittedFooter()

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
        self.panel.clock = lambda: self.session.t if self.session is not None else 0.0
        self.plot.focus()
        self._timer = self.set_interval(1.0 / TICK_HZ, self._tick, pause=True)
        self.show_size(self.app.size)
        self.call_after_refresh(self._load_model)

    def stop(self) -> None:
        """Stop the clock for good (the terminal has gone)."""
        self._timer.stop()
        self.set_reactive(MainScreen.running, False)

    def on_resize(self, event: events.Resize) -> None:
        self.show_size(event.size)

    def on_screen_resume(self) -> None:
        self.show_size(self.app.size)

    def show_size(self, size: Size) -> None:
        """Say the terminal's size in the "too small" message, and set the breakpoint classes
        (Textual sets them only on the screen on top; the app calls this on every resize)."""
        width, height = size
        if not width or not height:
            return
        for message in self.query("#too-small").results(Static):  # none before the screen is composed
            message.update(f"Enlarge the terminal to at least {MIN_SIZE[0]}x{MIN_SIZE[1]} (it is {width}x{height})")
        classes: dict[str, bool] = {}
        for breakpoints, value in ((self.HORIZONTAL_BREAKPOINTS, width), (self.VERTICAL_BREAKPOINTS, height)):
            names = [name for _, name in breakpoints or []]
            reached = [name for limit, name in breakpoints or [] if value >= limit]
            classes.update({name: name == reached[-1] for name in names} if reached else {})
        self.update_classes(classes, animate=False)

    # --- validation of the state ------------------------------------------------------------------------------
    def validate_speed(self, speed: float) -> float:
        return min(max(float(speed), SPEED_RANGE[0]), SPEED_RANGE[1])

    def validate_window_ms(self, window: float) -> float:
        return min(max(float(window), WINDOW_RANGE[0]), WINDOW_RANGE[1])

    def validate_view_name(self, name: str) -> str:
        from ..views import canonical

        return canonical(name) or "voltage"

    def watch_running(self, running: bool) -> None:
        self._speed_log.clear()
        if running:
            self._last_tick = time.perf_counter()
            self._timer.resume()
        else:
            self._timer.pause()
            # Paused: the plot and the status line show the same, latest t.
            self.publish(force=True)

    def watch_speed(self) -> None:
        self._speed_log.clear()

    # --- start-up -----------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="load the model")
    def _load_model(self) -> None:
        """Import the model, load (or on the very first run compile) its kernels, build the run."""
        from textual.worker import get_current_worker

        from ..preload import PRELOAD, warm_up

        worker = get_current_worker()
        if not PRELOAD.wait(lambda: worker.is_cancelled):
            return  # the app is closing while the kernels still compile: do not hold it up
        from hhtui.model import Experiment

        from ..session import LiveRun

        experiment = self.start_experiment if self.start_experiment is not None else Experiment()
        warm_up(experiment)
        self.post_message(ModelLoaded(LiveRun(experiment)))

    @on(ModelLoaded)
    def _model_ready(self, event: ModelLoaded) -> None:
        session = self.session = event.session
        if session.population_note:
            self.notify(session.population_note, title="one neuron", severity="warning", timeout=20)
        for notice in self.notices:
            self.notify(notice, title="not an exact replay", severity="warning", timeout=self.NOTICE_S)
        self.note = None
        self._arm(session.experiment)
        self.experiment = session.experiment
        self._set_view(session.experiment.view, quiet=True)
        self.plot.show(session)
        self.publish(force=True)
        # The plot first; the panel's inputs right after it is on screen.
        self.call_after_refresh(self._fill_panel)
        if self.autostart:
            self.action_toggle_run()

    async def _fill_panel(self) -> None:
        from textual.css.query import NoMatches

        from ..app import announce_ready

        try:
            await self.panel.build_inputs()
            if self.experiment is not None and self.experiment.description:
                self.panel.show_about()  # a preset given on the command line: explain it
        except NoMatches:  # the app is closing (q pressed while the panel was being built)
            return
        self.call_after_refresh(announce_ready)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every failure of the screen's workers, reported in the app (never a traceback)."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        message = f"{type(error).__name__}: {error}"
        if worker.group == "load":
            self.load_error = message
            self.note = "the solver could not be loaded"
            self.plot.placeholder = f"the solver could not be loaded: {message}"
            self.notify(message, title="solver", severity="error", timeout=30)
        elif worker.group == "chunk":
            from ..session import ChunkResult

            if self.session is not None:  # the chunk is lost; the run is kept and paused
                self._accept(ChunkResult(None, 0.0, 0.0, message))
                self.publish(force=True)
            self._run_after_chunk()
        elif worker.group == "export":
            from hhtui.export import ExportError

            text = str(error) if isinstance(error, (ExportError, OSError)) else message
            self.notify(text, title="export failed", severity="error", timeout=15)
        else:
            self.notify(message, title=worker.description or "error", severity="error", timeout=15)

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
                self._compute_in_worker(session, duration)
        self.publish()

    @work(thread=True, exclusive=True, group="chunk", exit_on_error=False, description="compute a chunk")
    def _compute_in_worker(self, session: LiveRun, duration: float) -> None:
        self.post_message(ChunkComputed(session, session.compute(duration)))

    @on(ChunkComputed)
    def _chunk_computed(self, event: ChunkComputed) -> None:
        if event.session is self.session:
            self._accept(event.result)
            # A chunk that lands after a pause is drawn at once: plot and status show its end.
            self.publish(force=not self.running)
        else:
            event.session.busy = False
        self._run_after_chunk()

    def _run_after_chunk(self) -> None:
        pending, self._after_chunk = self._after_chunk, []
        for job in pending:
            job()

    def _arm(self, experiment: Any) -> None:
        """A preset, or an experiment with a schedule of changes (the sidecar of a live run), runs
        to its ``t_stop`` and pauses there, with the window showing all of it."""
        scheduled = self.session is not None and bool(self.session.initial.schedule)
        if experiment.description or scheduled:
            self.stop_at = float(experiment.t_stop)
            self.window_ms = float(experiment.t_stop)
        else:
            self.stop_at = None

    def _experiment_done(self) -> None:
        self.stop_at = None
        self.running = False
        self.notify(
            "The experiment has run its course (t_stop). Space runs on; r starts it again.", title="done", timeout=6
        )

    def _accept(self, result: ChunkResult) -> None:
        session = self.session
        assert session is not None
        session.accept(result)
        # Changes queued during the chunk, and scheduled changes the chunk reached, are in now:
        # the panel and the status line follow the experiment (whatever changed it).
        session.schedule_applied = False
        self.experiment = session.experiment
        if self.stop_at is not None and self.running and session.t >= self.stop_at - 1e-9:
            self._experiment_done()
        self._speed_log.append((time.perf_counter(), session.t))
        if result.error is not None:
            self.running = False
            self.notify(result.error, title="numerical blow-up: run paused", severity="error", timeout=15)
        if session.dropped_notice:
            session.dropped_notice = False
            self.notify(
                f"The recording reached its limit of {session.recording.max_samples:,} samples: "
                "the oldest part is dropped from now on (the export starts later than t = 0).",
                title="recording",
                severity="warning",
                timeout=10,
            )

    def advance_by(self, milliseconds: float) -> None:
        """Advance the simulation by about ``milliseconds`` at once, on the event loop, and redraw
        (the single step, and a deterministic hook for tests and screenshots)."""
        session = self.session
        if session is None or session.busy:
            return
        self._accept(session.compute(session.chunk_for(milliseconds)))
        self.publish(force=True)

    def publish(self, force: bool = False) -> None:
        """Show where the run is (the clock the plot and the status line draw), at most
        :data:`PLOT_FPS` times a second unless ``force``."""
        session = self.session
        if session is None:
            return
        now = time.perf_counter()
        if not force and now - self._last_publish < 1.0 / PLOT_FPS:
            return
        self._last_publish = now
        self.clock = Clock(
            t_ms=session.t,
            version=session.version,
            spikes=session.spike_count,
            rate_hz=session.firing_rate(),
            achieved=self._achieved() if self.running else None,
            warning=session.warning,
        )

    def _achieved(self) -> float | None:
        """The speed reached over the last ticks (simulated ms per real second), or None."""
        if len(self._speed_log) >= 2:
            (t0, s0), (t1, s1) = self._speed_log[0], self._speed_log[-1]
            if t1 - t0 > 0.3:
                return (s1 - s0) / (t1 - t0)
        return None

    def _changed(self) -> None:
        """The run's experiment was changed (a key, the panel, a toxin): show it."""
        assert self.session is not None
        self.session.schedule_applied = False  # shown below, whatever changed it
        self.experiment = self.session.experiment
        self.publish(force=True)

    # --- views ----------------------------------------------------------------------------------------------
    def _set_view(self, name: str, quiet: bool = False) -> None:
        from ..views import canonical

        if canonical(name) is None and not quiet:
            self.notify(f"unknown view {name!r}", severity="warning")
        self.view_name = name

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_active:
            # Keys reach only the screen on top; its footer, seen under a modal one (the help, a
            # picker), does not offer them either.
            return False
        if action == "toggle_option" and parameters == ("cartoon",):
            return self.view_name == "phases"
        if action == "view_key":
            from ..views import get_view

            return any(key == parameters[0] for key, _ in get_view(self.view_name).keys)
        return True

    # --- actions --------------------------------------------------------------------------------------------------
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
            self.running = False
            return
        if self.session.sim.halted:
            self.notify(
                "The run is halted by a numerical blow-up: change dt or the method, or press r to reset.",
                severity="warning",
            )
            return
        self.running = True

    def action_step(self) -> None:
        """Pause and advance one small chunk."""
        if not self._ready_or_say():
            return
        self.running = False
        self.advance_by(SINGLE_STEP_MS)

    def action_reset(self) -> None:
        """Back to rest at t = 0."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        self.session.reset()
        self._speed_log.clear()
        self._arm(self.session.experiment)
        self._changed()

    def action_current(self, direction: int) -> None:
        """Change the injected current by one step up or down."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        from hhtui.model import ParameterError

        try:
            self.session.nudge_current(CURRENT_STEP * direction)
        except ParameterError as error:
            self.notify(str(error), severity="warning")
            return
        self._changed()

    def action_speed(self, factor: float) -> None:
        """Multiply the speed by ``factor`` (within its range)."""
        self.speed = self.speed * factor

    def action_window(self, factor: float) -> None:
        """Multiply the display window by ``factor`` (within its range)."""
        self.window_ms = self.window_ms * factor

    def action_next_view(self) -> None:
        """Cycle to the next view."""
        from ..views import next_view

        self.view_name = next_view(self.view_name)

    def action_toggle_option(self, option: str) -> None:
        """Toggle a view option (e.g. the cartoon overlay)."""
        self.options = self.options ^ {option}

    def action_view_key(self, key: str) -> None:
        """A key of the present view (e.g. ``f``: the F-I view's family parameter)."""
        from ..views import get_view

        for name, change in get_view(self.view_name).keys:
            if name == key:
                self.options = frozenset(change(self.options))

    def action_show_view(self, name: str) -> None:
        """Show the view ``name`` (e.g. ``H``: the hysteresis view)."""
        self._set_view(name)

    def action_focus_plot(self) -> None:
        """Leave the inputs: focus the plot so that keys act on the simulation."""
        self.plot.focus()

    def action_presets(self) -> None:
        """Open the preset picker."""
        try:
            from hhtui.experiments import PRESETS
        except Exception as error:
            self.notify(f"presets unavailable: {error}", severity="error")
            return
        from .presets import PresetScreen

        items = [(name, e.title or name, e.description) for name, e in PRESETS.items()]
        self.app.push_screen(PresetScreen(items), self._preset_chosen)

    def _preset_chosen(self, name: str | None) -> None:
        if name:
            self.load_preset(name)

    def load_preset(self, name: str) -> None:
        """Load the preset experiment ``name`` and run it to its end (its t_stop), where it pauses."""
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
            self._after_chunk.append(partial(self.load_preset, name))
            return
        self.session.load(experiment)
        self._washout = None
        self._arm(experiment)
        self._changed()
        self.panel.show_about()
        self._set_view(experiment.view)
        from ..app import preset_notice

        self.notify(preset_notice(experiment), title=experiment.title or name, timeout=6)
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
        from hhtui.export import timestamped_name, write_run

        columns, experiment, extra = payload
        rows = len(next(iter(columns.values())))
        app: Any = self.app
        if app.is_web:  # served to a browser: the browser downloads the files
            from ..web_export import export_files

            self.post_message(ExportReady(export_files(columns, experiment, extra), rows))
            return
        csv_path, json_path = write_run(timestamped_name(directory=app.export_dir), columns, experiment, extra=extra)
        self.post_message(Exported(csv_path, json_path, rows))

    @on(Exported)
    def _exported(self, event: Exported) -> None:
        self.last_export = (event.csv_path, event.json_path)
        self.notify(
            f"{event.csv_path.resolve()} ({event.rows:,} rows) and its sidecar {event.json_path.name}",
            title="exported",
            timeout=10,
        )

    @on(ExportReady)
    def _export_ready(self, event: ExportReady) -> None:
        app: Any = self.app
        app.download(event.files)
        self.notify(
            f"{event.files[0][0]} ({event.rows:,} rows) and its sidecar {event.files[1][0]}: "
            "see the browser's downloads",
            title="exported",
            timeout=10,
        )

    def apply_toxin(self, toxin: str) -> None:
        """Apply TTX, TEA or pronase to the live membrane (from the command palette)."""
        if not self._ready_or_say():
            return
        assert self.session is not None
        from hhtui.experiments import TOXIN_DOSES, blocker

        from ..app import toxin_effect

        membrane = self.session.experiment.membrane
        if self._washout is None:
            self._washout = membrane
        new = blocker(membrane, toxin, TOXIN_DOSES[toxin])
        self.session.set_membrane(new)
        self._changed()
        self.notify(f"{toxin.upper()} applied: {toxin_effect(membrane, new)}", timeout=4)

    def wash_out(self) -> None:
        """Restore the membrane as it was before the first toxin."""
        if not self._ready_or_say() or self._washout is None:
            self.notify("nothing to wash out", timeout=3)
            return
        assert self.session is not None
        self.session.set_membrane(self._washout)
        self._washout = None
        self._changed()
        self.notify("toxins washed out", timeout=3)

    def _push_optional_screen(self, module: str, cls: str) -> None:
        import importlib

        try:
            screen_class = getattr(importlib.import_module(f"hhtui.tui.screens.{module}"), cls)
            screen = screen_class()
        except Exception as error:
            self.notify(f"The {module} screen is not available: {error}", severity="warning")
            return
        self.running = False
        self.app.push_screen(screen)

    def action_axon(self) -> None:
        """Open the axon (cable) screen."""
        self._push_optional_screen("axon", "AxonScreen")

    def action_network(self) -> None:
        """Open the network screen."""
        self._push_optional_screen("network", "NetworkScreen")

    # --- parameter panel --------------------------------------------------------------------------------------------
    @on(ParameterPanel.Changed)
    def _parameter_changed(self, event: ParameterPanel.Changed) -> None:
        if event.kind == "speed":
            self.speed = float(event.value)
            return
        if event.kind == "window":
            self.window_ms = float(event.value)
            return
        session = self.session
        if session is None:
            return
        if event.kind == "membrane":
            session.set_membrane(event.value)
        elif event.kind == "stimulus":
            session.set_stimulus(event.value)
        elif event.kind == "solver":
            session.set_solver(event.value)
        self._changed()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter applies a valid value and hands the keys back to the simulation (an invalid
        value keeps the focus, to be corrected)."""
        if event.validation_result is None or event.validation_result.is_valid:
            self.plot.focus()


__all__ = ["LOADING_NOTE", "MainScreen"]
