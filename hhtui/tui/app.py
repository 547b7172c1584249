"""The hhtui terminal app: a live Hodgkin-Huxley neuron with a parameter panel and plots.

    hhtui                      # the command; or run_app() from Python

The app is a thin skin: its main screen (:mod:`hhtui.tui.screens.main`) holds the live run
(:class:`hhtui.tui.session.LiveRun`), the state of the app as reactive attributes and the
simulation keys; the panel, the plot and the status line are views of that state. The app
itself holds what every screen shares: the help, quit, the command palette, exports delivered
to a browser, and the guards against a terminal that hangs up.

Start-up is kept light: this module imports neither the model (numba) nor scipy. The first
frame is painted at once with "preparing solver..." and the model is loaded, and its kernels
loaded or compiled, in a worker thread (:mod:`hhtui.tui.preload` starts that before the app).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .guards import guard_option_list_paging
from .hangup import HANGUP_STATUS, QUIT_GRACE_S, ExitGuard, guarded_driver
from .preload import PRELOAD
from .screens.main import MainScreen

if TYPE_CHECKING:
    from hhtui.model import Experiment

    from .session import LiveRun


guard_option_list_paging()


class HHApp(App[int]):
    """The live simulator: its main screen (:class:`~hhtui.tui.screens.main.MainScreen`) holds the
    run, its state and the simulation keys; the app holds what every screen shares (help, quit,
    the command palette, exports delivered to a browser, the terminal's hang-up).

    Args:
        experiment: what to start with (default: the squid axon with a 10 uA/cm^2 step).
        autostart: start running as soon as the solver is ready.
        export_dir: directory where ``e`` writes ``hhtui-YYYYmmdd-HHMMSS.csv`` and its sidecar.
        notices: one-line warnings shown as soon as the run is ready (e.g. why a sidecar's
            replay will not match its export exactly).
    """

    CSS_PATH = "app.tcss"
    TITLE = "hhtui"
    SUB_TITLE = "Hodgkin-Huxley neuron"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        experiment: Experiment | None = None,
        *,
        autostart: bool = False,
        export_dir: str | Path = ".",
        notices: Iterable[str] = (),
    ) -> None:
        # Under NO_COLOR, native ANSI colours let Textual drop colour altogether (its NoColor
        # filter) instead of turning the theme into 256-colour greys; reverse and bold remain.
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        self.start_experiment = experiment
        self.autostart = autostart
        self.notices = tuple(notices)
        self.export_dir = Path(export_dir)
        self.hung_up = False
        #: Set by :func:`run_app`: bounds the time an exit may take (never set under tests).
        self.exit_guard: ExitGuard | None = None

    def get_default_screen(self) -> Screen:
        """The main screen (the plot and the panel), with the guards of every screen of the app."""
        return MainScreen(self.start_experiment, autostart=self.autostart, notices=self.notices)

    @property
    def main(self) -> MainScreen:
        """The main screen (at the bottom of the stack, whatever is on top of it)."""
        screen = self.screen_stack[0] if self.screen_stack else self.screen
        assert isinstance(screen, MainScreen)
        return screen

    @property
    def session(self) -> LiveRun | None:
        """The live run (None until the model has loaded)."""
        return self.main.session

    @property
    def load_error(self) -> str | None:
        """Why the model could not be loaded, or None."""
        return self.main.load_error

    def on_resize(self, event: events.Resize) -> None:
        # Textual sets the breakpoint classes of the screen on top only: the main screen under the
        # help, a picker or the palette follows the terminal's size too. On top, the main screen
        # gets the resize itself, once the terminal's size has settled (a window dragged by its
        # corner sends dozens of sizes; restyling the screen for each would lag behind).
        if self.screen_stack and self.main is not self.screen:
            self.main.show_size(event.size)

    def action_help(self) -> None:
        """Show the help screen."""
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    _downloads: Any = None

    def download(self, files: Any) -> None:
        """Served to a browser: hand the export's files to the browser (see :mod:`hhtui.tui.web_export`)."""
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

    # --- command palette -------------------------------------------------------------------------------------------
    def action_command_palette(self) -> None:
        """Open the command palette (bounded input, one search per pause in the typing)."""
        from textual.command import CommandPalette

        from .palette import Palette, RankedCommands

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            # The app's commands, actions ranked above presets (instead of Textual's own provider).
            # No id: a palette closed a moment ago stays registered until its removal ends, and a
            # second one with the same id would then be refused (DuplicateIds).
            self.push_screen(Palette(providers=[RankedCommands]))

    def pop_screen(self) -> Any:
        """Close the screen on top; never the main screen (a stray close is ignored)."""
        if len(self.screen_stack) <= 1:
            from textual.await_complete import AwaitComplete

            return AwaitComplete.nothing()
        return super().pop_screen()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Every key (?)", self.action_help)
        if not isinstance(screen, MainScreen):
            return  # the simulation's commands act on the main screen only, as its keys do
        main = screen
        yield SystemCommand("Run / pause", "Start or pause the simulation (space)", main.action_toggle_run)
        yield SystemCommand("Single step", "Advance 1 ms of simulated time (s)", main.action_step)
        yield SystemCommand("Reset to rest", "Back to t = 0 at rest (r)", main.action_reset)
        yield SystemCommand("Increase current", "Injected current +1 uA/cm2 (up)", partial(main.action_current, 1))
        yield SystemCommand("Decrease current", "Injected current -1 uA/cm2 (down)", partial(main.action_current, -1))
        yield SystemCommand("Faster", "Double the speed (])", partial(main.action_speed, 2.0))
        yield SystemCommand("Slower", "Halve the speed ([)", partial(main.action_speed, 0.5))
        yield SystemCommand("Longer window", "Double the time shown (>)", partial(main.action_window, 2.0))
        yield SystemCommand("Shorter window", "Halve the time shown (<)", partial(main.action_window, 0.5))
        yield SystemCommand("Next view", "Cycle the plot views (v)", main.action_next_view)
        from .views import ORDER, get_view

        for name in ORDER:
            yield SystemCommand(f"View: {get_view(name).title}", f"Show the {name} view", partial(main._set_view, name))
        yield SystemCommand(
            "Toggle cartoon",
            "Cartoon action potential over the AP phases view (c)",
            partial(main.action_toggle_option, "cartoon"),
        )
        yield SystemCommand("Export run to CSV", "CSV + JSON sidecar in the working directory (e)", main.action_export)
        yield SystemCommand("Load a preset...", "Pick a classic experiment (p)", main.action_presets)
        try:
            from hhtui.experiments import PRESETS

            for name, experiment in PRESETS.items():
                # The name in brackets is the one the README and --preset use.
                yield SystemCommand(
                    f"Preset: {experiment.title or name} ({name})",
                    palette_help(experiment.description),
                    partial(main.load_preset, name),
                )
        except Exception:
            pass
        yield SystemCommand(
            "Apply TTX", "Block all sodium channels (g_Na = 0), as the ttx preset", partial(main.apply_toxin, "ttx")
        )
        yield SystemCommand(
            "Apply TEA",
            "Block half the potassium channels (g_K x 0.5: 36 -> 18 mS/cm2), as the tea preset",
            partial(main.apply_toxin, "tea"),
        )
        yield SystemCommand(
            "Apply pronase",
            "Remove sodium inactivation (h = 1), as the pronase preset",
            partial(main.apply_toxin, "pronase"),
        )
        yield SystemCommand("Wash out toxins", "Restore the membrane as before the first toxin", main.wash_out)
        yield SystemCommand("Axon (cable) screen", "A propagating action potential (A)", main.action_axon)
        yield SystemCommand("Network screen", "Coupled neurons (W)", main.action_network)

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
        try:
            self.main.stop()
        except Exception:  # not composed yet, or already gone
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


#: Longest help line of a preset in the command palette (characters).
PALETTE_HELP_CHARS = 120


def palette_help(description: str) -> str:
    """A preset's description for the command palette: at most :data:`PALETTE_HELP_CHARS`
    characters, cut after a whole word with an ellipsis."""
    import textwrap

    return textwrap.shorten(description, PALETTE_HELP_CHARS, placeholder=" ...")


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


def announce_ready() -> None:
    """Create the file named by :data:`READY_FILE_ENV`, if any: the app is ready for keys."""
    path = os.environ.get(READY_FILE_ENV)
    if path:
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError:
            pass


def run_app(
    experiment: Experiment | None = None,
    *,
    autostart: bool = False,
    export_dir: str | Path = ".",
    notices: Iterable[str] = (),
) -> int:
    """Run the app in this terminal; returns the exit status (0, or 129 after a hang-up).
    ``notices`` are one-line warnings the app shows once the run is ready."""
    PRELOAD.start()
    app = HHApp(experiment, autostart=autostart, export_dir=export_dir, notices=notices)
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
