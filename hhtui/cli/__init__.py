"""The ``hhtui`` command: the app, or a subcommand run headless.

    hhtui                          open the app (default experiment)
    hhtui --preset NAME            open the app on a classic experiment
    hhtui --config FILE.json       open the app on an experiment file (or an export sidecar)
    hhtui run  [flags] -o run.csv  one experiment to CSV (+ JSON sidecar)
    hhtui sweep --amp 0:50:0.5     F-I curve of a population to CSV
    hhtui plot run.csv             ASCII plot of an exported run or F-I curve
    hhtui axon ...                 propagation along an axon
    hhtui network ...              a small network
    hhtui animate run.csv -o x.gif an animated GIF of a run, an axon or a network
    hhtui record -o demo.cast      a recording of the app for asciinema

Exit status: 0 success, 1 the run failed (numerical blow-up, a file could not be written),
2 bad input (the message names the flag and what it allows), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType

from .common import ArgumentParser, RunFailed, UsageError

__all__ = ["SUBCOMMANDS", "UsageError", "build_parser", "main"]

#: Subcommand modules, registered in this order (each has ``add_parser(subparsers)``).
SUBCOMMANDS = ("run", "sweep", "plot", "axon", "network", "animate", "record")

EPILOG = """\
examples:
  hhtui run --amp 10 --t-stop 100 -o run.csv     spike train, CSV + run.json sidecar
  hhtui run --config run.json -o again.csv       reproduce a run from its sidecar
  hhtui sweep --amp 0:50:0.5 --t-stop 500 --transient 100 -o fi.csv
  hhtui plot run.csv --gates

exit status: 0 ok, 1 the run failed, 2 bad input, 130 interrupted.
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
    start.add_argument("--preset", dest="app_preset", metavar="NAME", default=None,
                       help="open the app on a classic experiment (see 'hhtui run --list-presets')")
    start.add_argument("--config", dest="app_config", metavar="FILE.json", default=None,
                       help="open the app on an experiment file or an export sidecar")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in _subcommand_modules():
        module.add_parser(subparsers)
    return parser


def _open_app(args: argparse.Namespace) -> int:
    experiment = None
    if args.app_preset is not None:
        from .run import preset_experiment

        experiment = preset_experiment(args.app_preset, flag="--preset")
    elif args.app_config is not None:
        from .common import load_experiment_file

        experiment = load_experiment_file(args.app_config, flag="--config")
    if not (_is_terminal(sys.stdin) and _is_terminal(sys.stdout)):
        raise UsageError("the app needs a terminal (standard input and output are not one); "
                         "run headless with 'hhtui run', 'hhtui sweep' or 'hhtui plot' (see 'hhtui --help')")
    from hhtui.tui.app import run_app

    return int(run_app(experiment) or 0)


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


def _report(command: str, kind: str, message: str) -> None:
    message = " ".join(str(message).split())
    print(f"{command}: {kind}: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """After a broken pipe (``hhtui run -o - | head``), send what is left to /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Run ``hhtui`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments and _is_terminal(sys.stdin) and _is_terminal(sys.stdout):
        # Plain 'hhtui' in a terminal: straight to the app, without building the command line's
        # parsers (the app's first frame is then drawn about 0.1 s sooner over SSH).
        from hhtui.tui.app import run_app

        return int(run_app() or 0)
    from hhtui.export import ExportError
    from hhtui.model import NumericalInstabilityError, ParameterError

    command = "hhtui"
    try:
        parser = build_parser()
        args = parser.parse_args(arguments)
        if args.command is not None:
            command = f"hhtui {args.command}"
            if args.app_preset is not None or args.app_config is not None:
                flag = "--preset" if args.app_preset is not None else "--config"
                raise UsageError(f"{flag} before a command only opens the app; put it after '{args.command}'")
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
    except KeyboardInterrupt:
        print(f"{command}: interrupted; no file written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141
