"""The ``hhtui`` command: the app, or a subcommand run headless.

    hhtui                          open the app (default experiment)
    hhtui --preset NAME            open the app on a classic experiment
    hhtui --config FILE.json       open the app on an experiment file (or an export sidecar)
    hhtui run  [flags] -o run.csv  one experiment to CSV (+ JSON sidecar)
    hhtui sweep --amp 0:50:0.5     F-I curve of a population to CSV
    hhtui plot run.csv             ASCII plot of an exported run or F-I curve
    hhtui axon ...                 propagation along an axon
    hhtui network ...              a small network
    hhtui neuroml export -o DIR    the membrane and protocol as NeuroML 2 (+ LEMS)
    hhtui animate run.csv -o x.gif an animated GIF of a run, an axon or a network
    hhtui record -o demo.cast      a recording of the app for asciinema
    hhtui serve                    the app in a web browser (http://127.0.0.1:8000/)

Exit status: 0 success, 1 the run failed (numerical blow-up, a file could not be written, standard
output full or closed), 2 bad input (the message names the flag and what it allows), 128 + the
signal number when stopped by a signal: 130 Ctrl-C (SIGINT), 143 SIGTERM, 129 SIGHUP; the
temporary files are removed in all three cases. A closed pipe (``hhtui run -o - | head``) ends
the command quietly with 141, as for any program that writes into it.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import io
import os
import sys
from types import ModuleType
from typing import Any

from .common import ArgumentParser, RunFailed, UsageError

__all__ = ["SUBCOMMANDS", "UsageError", "build_parser", "main"]

#: Subcommand modules, registered in this order (each has ``add_parser(subparsers)``).
SUBCOMMANDS = ("run", "sweep", "plot", "axon", "network", "neuroml", "animate", "record", "serve")

EPILOG = """\
examples:
  hhtui run --amp 10 --t-stop 100 -o run.csv     spike train, CSV + run.json sidecar
  hhtui run --config run.json -o again.csv       reproduce a run from its sidecar
  hhtui sweep --amp 0:50:0.5 --t-stop 500 --transient 100 -o fi.csv
  hhtui plot run.csv --gates

exit status: 0 ok, 1 the run failed (or standard output is full or closed), 2 bad input,
130/143/129 stopped by SIGINT (Ctrl-C)/SIGTERM/SIGHUP (no temporary file is left).
'hhtui COMMAND --help' lists the flags of a command, with units and defaults.
"""


def _subcommand_modules() -> list[ModuleType]:
    modules = []
    for name in SUBCOMMANDS:
        try:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise  # a missing dependency inside the module is a real error
    return modules


def build_parser() -> argparse.ArgumentParser:
    """The ``hhtui`` parser with every subcommand registered."""
    from hhtui import __version__

    parser = ArgumentParser(
        prog="hhtui",
        description="A terminal simulator of the Hodgkin-Huxley neuron.\n\n"
        "Without a command it opens the interactive app (--preset or --config choose the experiment it\n"
        "opens on); the commands run the same experiments headless and write CSV.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"hhtui {__version__}")
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--preset",
        dest="app_preset",
        metavar="NAME",
        default=None,
        help="open the app on a classic experiment (see 'hhtui run --list-presets')",
    )
    start.add_argument(
        "--config",
        dest="app_config",
        metavar="FILE.json",
        default=None,
        help="open the app on an experiment file or an export sidecar; one with scheduled changes (a live run's "
        "sidecar) plays them as the run reaches them and pauses at its t_stop",
    )
    parser.add_argument(
        "--neuroml",
        dest="app_neuroml",
        metavar="CELL.nml",
        default=None,
        help="open the app with the membrane of a NeuroML 2 single-compartment Hodgkin-Huxley cell "
        "(with --preset or --config: on their protocol)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in _subcommand_modules():
        module.add_parser(subparsers)
    return parser


_PARSER: argparse.ArgumentParser | None = None


def _parser() -> argparse.ArgumentParser:
    """The parser :func:`main` uses, built on its first call in a process and kept: parsing
    leaves the parser as it was, and programs (and the Python API) that call ``main`` many times
    then do not build its few hundred flags again each time."""
    global _PARSER
    if _PARSER is None:
        _PARSER = build_parser()
    return _PARSER


def app_experiment(args: argparse.Namespace, notices: list[str] | None = None) -> Any:
    """The experiment the app opens on: --preset or --config (else the app's own), with the
    membrane of --neuroml; None for the app's default. Why a --config sidecar's replay will not
    match its export is warned on standard error and, given ``notices``, added to it (the app
    says it too)."""
    experiment = None
    if args.app_preset is not None:
        from .run import preset_experiment

        experiment = preset_experiment(args.app_preset, flag="--preset")
    elif args.app_config is not None:
        from .common import read_experiment_file, replay_warning, warn

        experiment, note = read_experiment_file(args.app_config, flag="--config")
        if note is not None:
            warn(replay_warning(args.app_config, note))
            if notices is not None:
                notices.append(replay_notice(args.app_config, note))
    if getattr(args, "app_neuroml", None) is not None:
        from hhtui.model import Experiment
        from hhtui.neuroml import NeuroMLError, read_membrane

        try:
            membrane = read_membrane(args.app_neuroml)
        except NeuroMLError as error:
            raise UsageError(f"--neuroml: {error}") from None
        experiment = (experiment if experiment is not None else Experiment()).replace(membrane=membrane)
    return experiment


def replay_notice(path: str, note: str) -> str:
    """What the app says when it opens on a sidecar whose replay will not match its export."""
    from pathlib import Path

    return f"This replay of {Path(path).name} will not match its export exactly: {note}."


def _open_app(args: argparse.Namespace) -> int:
    notices: list[str] = []
    experiment = app_experiment(args, notices)
    if not (_is_terminal(sys.stdin) and _is_terminal(sys.stdout)):
        raise UsageError(
            "the app needs a terminal (standard input and output are not one); "
            "run headless with 'hhtui run', 'hhtui sweep' or 'hhtui plot' (see 'hhtui --help')"
        )
    from hhtui.tui.app import run_app

    return int(run_app(experiment, notices=notices) or 0)


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _report(command: str, kind: str, message: str) -> None:
    message = " ".join(str(message).split())
    _say(f"{command}: {kind}: {message}")


def _say(line: str) -> None:
    """One line on standard error; if that is closed or full, the exit status alone must tell."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


class _ClosedOutput(io.TextIOBase):
    """Standard output when the command was started with it closed (``>&-``): every write fails
    with EBADF."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


class _WatchedOutput:
    """Standard output, passed through, remembering the first error a write or flush gave, so that
    an error swallowed on the way (argparse ignores them when it prints help) is still reported."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.error: OSError | None = None

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except OSError as error:
            self.error = self.error or error
            raise

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            self.error = self.error or error
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _guard_standard_streams() -> None:
    """Put /dev/null on a closed descriptor 0, 1 or 2, so a file opened later never takes its number
    (and is never written by accident); a closed standard output becomes :class:`_ClosedOutput`."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        try:
            null = os.open(os.devnull, os.O_RDWR)
        except OSError:
            continue
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
        if fd == 1:
            sys.stdout = _ClosedOutput()
        elif fd == 2:
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - lives as long as the process


def _silence_stdout() -> None:
    """After standard output failed, send what is left in its buffer to /dev/null, so the
    interpreter's last flush neither fails again nor prints a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        sys.stdout = io.StringIO()


def _stdout_failed() -> OSError | None:
    """The first error standard output gave (a last flush tried now), else None."""
    stream = sys.stdout
    try:
        if stream is not None:
            stream.flush()
    except (OSError, ValueError) as error:
        if isinstance(error, OSError) and not isinstance(stream, _WatchedOutput):
            return error
    if isinstance(stream, _WatchedOutput):
        return stream.error
    return None


def _stdout_message(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno == errno.EBADF:
        return "cannot write to standard output: it is closed"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "cannot write to standard output: no space left on the device"
    if isinstance(error, OSError):
        return f"cannot write to standard output: {error.strerror or error}"
    return f"cannot write to standard output: {error}"


def main(argv: list[str] | None = None) -> int:
    """Run ``hhtui`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status.

    Whatever happens, the outcome is one line on standard error at most and an exit status (see the
    module's description), never a traceback: that includes a standard output that is full
    (``> /dev/full``), closed (``>&-``) or a closed pipe, for help and listings too.
    """
    _guard_standard_streams()
    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments and _is_terminal(sys.stdin) and _is_terminal(sys.stdout):
        # Plain 'hhtui' in a terminal: straight to the app, without building the command line's
        # parsers (the app's first frame is then drawn about 0.1 s sooner over SSH).
        from hhtui.tui.app import run_app

        return int(run_app() or 0)
    state = {"command": "hhtui"}
    original = sys.stdout
    sys.stdout = _WatchedOutput(original)
    try:
        try:
            status = _run(arguments, state)
        except OSError as error:
            failed = _stdout_failed()
            if isinstance(failed, BrokenPipeError):
                status = 141
            elif failed is not None:
                _report(state["command"], "error", _stdout_message(failed))
                status = 1
            else:  # not standard output: some other file or device the command used
                where = f" ({error.filename})" if error.filename else ""
                _report(state["command"], "error", f"{error.strerror or error}{where}")
                status = 1
        else:
            failed = _stdout_failed()
            if isinstance(failed, BrokenPipeError):
                status = 141  # a closed pipe (| head): quietly, as any program that writes into one
            elif failed is not None:
                _report(state["command"], "error", _stdout_message(failed))
                status = 1
    finally:
        sys.stdout = original
    if failed is not None:
        _silence_stdout()
    return status


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the (sub)command that was given, e.g. that of ``hhtui neuroml export``."""
    current = parser
    for dest in ("command", "neuroml_action"):
        name = getattr(args, dest, None)
        choices = next(
            (action.choices for action in current._actions if isinstance(action, argparse._SubParsersAction)), None
        )
        if name is None or not isinstance(choices, dict) or name not in choices:
            break
        current = choices[name]
    return current


def _refuse_unknown(parser: argparse.ArgumentParser, args: argparse.Namespace, extras: list[str]) -> None:
    """One line naming the command and the first word it does not know, with the closest flag:
    ``hhtui run: error: unknown flag --amplitude (did you mean --amp?)``."""
    from hhtui.parameters import closest

    command = _command_parser(parser, args)
    word = extras[0]
    if word.startswith("-") and len(word) > 1:
        flag = word.split("=", 1)[0]
        flags = sorted(option for option in command._option_string_actions if option.startswith("--"))
        close = _flag_of_setting(getattr(args, "command", None), flag) or closest(
            flag.lstrip("-"), [option[2:] for option in flags]
        )
        hint = f" (did you mean --{close}?)" if close else ""
        command.error(f"unknown flag {flag}{hint}")
    command.error(f"unexpected argument {word!r}")


def _flag_of_setting(command: str | None, flag: str) -> str | None:
    """The flag (without its dashes) of the parameter whose settings name ``flag`` spells, as
    ``kick-amp`` for ``--kick-amp`` (the field of ``--kick``); None if it spells none."""
    from hhtui.parameters import table

    if command not in ("run", "axon", "network", "sweep"):
        return None
    spelled = flag.lstrip("-").replace("-", "_").lower()
    for row in table(command):
        if spelled in (row.name.lower(), row.field.lower()) and row.cli_flag != flag:
            return row.cli_flag[2:]
    return None


def _run(arguments: list[str], state: dict[str, str]) -> int:
    """Parse ``arguments`` and run the command; every error but a failing standard output becomes a
    message and an exit status here."""
    from hhtui.export import ExportError
    from hhtui.model import NumericalInstabilityError, ParameterError
    from hhtui.signals import exit_status, signal_name

    command = "hhtui"
    try:
        parser = _parser()
        try:
            args, extras = parser.parse_known_args(arguments)
            if extras:
                _refuse_unknown(parser, args, extras)
        except SystemExit as done:  # --help, --version and argparse's own errors
            return done.code if isinstance(done.code, int) else (0 if done.code is None else 2)
        if args.command is not None:
            command = state["command"] = f"hhtui {args.command}"
            if args.app_preset is not None or args.app_config is not None or args.app_neuroml is not None:
                flag = (
                    "--preset"
                    if args.app_preset is not None
                    else "--config"
                    if args.app_config is not None
                    else "--neuroml"
                )
                raise UsageError(f"{flag} before a command only opens the app; put it after '{args.command}'")
            from hhtui import signals

            signals.install()
            return int(args.handler(args))
        return _open_app(args)
    except UsageError as error:
        _report(command, "error", str(error))
        return 2
    except ParameterError as error:
        _report(command, "error", str(error))
        return 2
    except NumericalInstabilityError as error:
        _report(command, "error", f"{error} No file written.")
        return 1
    except RunFailed as error:
        _report(command, "error", str(error))
        return 1
    except MemoryError:
        _report(command, "error", "out of memory; no file written (shorten the run or thin it with --sample-every)")
        return 1
    except ExportError as error:
        _report(command, "error", str(error))
        return 1
    except KeyboardInterrupt as error:
        written = getattr(error, "written", None)
        signum = getattr(error, "signum", 2)
        what = "interrupted" if signum == 2 else f"stopped by {signal_name(signum)}"
        if written:
            _say(f"{command}: {what} after writing {' + '.join(str(path) for path in written)}")
        else:
            _say(f"{command}: {what}; no file written")
        return exit_status(error)
    except RecursionError:
        _report(command, "error", "the input is nested too deeply")
        return 2
