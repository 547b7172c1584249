"""``hhtui record``: a recording of the real app as an asciicast v2 file (asciinema's format).

The app runs in a pseudo-terminal of ``--size``; ``--keys`` are typed at set times; what it draws
is written with its timing, for ``asciinema play``, the asciinema web player or ``agg`` (cast to GIF).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from hhtui.parameters import parameter

from .common import (
    RunFailed,
    UsageError,
    add_force_argument,
    add_parameter,
    load_experiment_file,
)

__all__ = ["add_parser", "parse_terminal_size", "run"]

COMMAND = "hhtui record"

#: Limits of --size, character cells (the app needs 60x16; below 80x24 it is cramped).
COLUMNS_RANGE = (60, 300)
ROWS_RANGE = (16, 100)
MAX_SECONDS = float(parameter("record", "seconds").high or 0.0)

DESCRIPTION = """\
Record the real app as an asciicast v2 file (.cast): the format 'asciinema play' replays in a
terminal, the asciinema web player shows in a page, and 'agg' turns into a GIF.

The app runs in a pseudo-terminal of --size (columns x rows, TERM=xterm-256color, 24-bit colour)
on the experiment of --preset or --config. Once it is ready (its panel filled in) the recording
runs for --seconds; whatever the app drew while starting is the first frame, at time 0. Then the
app is asked to quit (q) and stopped if it does not.

--keys types keys during the recording: a comma-separated list of KEY or TIME:KEY, TIME in
seconds from the start of the recording. Keys without a time are spread evenly between their
timed neighbours, or over the whole recording: "space,up,up" in 8 s is typed at 2, 4 and 6 s;
"0.5:space,3:v,3.5:v" runs at 0.5 s and changes the view twice. KEY is space, enter, tab,
shift+tab, escape, backspace, up, down, left, right, comma, colon, ctrl+A..Z or any single
character (v, e, ?, +, ]).

The app's own keys (e exports, p opens a preset) act as they do in a terminal: an export typed
during a recording is written into the working directory.
"""

EPILOG = """\
examples:
  hhtui record -o demo.cast --keys "space" --seconds 8
  hhtui record -o repetitive.cast --preset repetitive --keys "0.5:space,4:up,5:up,6:up" --seconds 10
  hhtui record -o views.cast --keys "space,v,v,v,v" --seconds 12 --size 120x40
  asciinema play demo.cast                 replay it in a terminal
"""


def parse_terminal_size(text: str) -> tuple[int, int]:
    """``--size``: ``COLUMNSxROWS`` in character cells, e.g. ``100x30``."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*[xX\u00d7]\s*(\d{1,4})\s*", text)
    allowed = (
        f"COLUMNSxROWS in character cells, {COLUMNS_RANGE[0]}-{COLUMNS_RANGE[1]} columns and "
        f"{ROWS_RANGE[0]}-{ROWS_RANGE[1]} rows"
    )
    if not match:
        raise argparse.ArgumentTypeError(f"must be {allowed} (e.g. 100x30), got {text!r}")
    columns, rows = int(match.group(1)), int(match.group(2))
    if not (COLUMNS_RANGE[0] <= columns <= COLUMNS_RANGE[1] and ROWS_RANGE[0] <= rows <= ROWS_RANGE[1]):
        raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}")
    return columns, rows


def add_parser(subparsers: Any) -> None:
    """Register ``hhtui record``."""
    parser = subparsers.add_parser(
        "record", help="record the app as an asciicast v2 file (asciinema)", description=DESCRIPTION, epilog=EPILOG
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--preset",
        metavar="NAME",
        default=None,
        help="open the app on this classic experiment (see 'hhtui run --list-presets')",
    )
    source.add_argument(
        "--config", metavar="FILE.json", default=None, help="open the app on this experiment file or export sidecar"
    )
    keys, seconds, size = (parameter("record", name) for name in ("keys", "seconds", "size"))
    add_parameter(parser, keys, default=keys.default, metavar="KEYS")
    add_parameter(parser, seconds, default=seconds.default, metavar="S")
    add_parameter(parser, size, default=size.default, type=parse_terminal_size, metavar="COLSxROWS")
    parser.add_argument(
        "--title",
        default=None,
        metavar="TEXT",
        help="title in the recording's header (default: hhtui and the experiment's title)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE.cast",
        help="asciicast file to write, atomically; '-' for standard output (default: hhtui-YYYYmmdd-HHMMSS.cast)",
    )
    add_force_argument(parser)
    parser.set_defaults(handler=run)


def _output(args: argparse.Namespace) -> str:
    force = bool(args.force)
    from datetime import datetime

    from hhtui.files import ExportError, check_target

    path = args.output if args.output is not None else f"hhtui-{datetime.now():%Y%m%d-%H%M%S}.cast"
    if path == "-":
        return path
    if not path:
        raise UsageError("-o/--output: expected a file name ending in .cast, got an empty string")
    if Path(path).suffix.lower() != ".cast":
        raise UsageError(f"-o/--output: {path}: an asciicast recording needs a name ending in .cast")
    try:
        check_target(path, force=force)
    except ExportError as error:
        raise UsageError(f"-o/--output: {error}") from None
    return path


def run(args: argparse.Namespace) -> int:
    """``hhtui record``: check the input, record the app, write the cast."""
    from hhtui.cast import KeyError_, RecordError, parse_keys, record_app

    try:
        keys = parse_keys(args.keys, args.seconds)
    except KeyError_ as error:
        raise UsageError(f"--keys: {error}") from None
    output = _output(args)
    arguments: list[str] = []
    name = ""
    if args.preset is not None:
        from .run import preset_experiment

        name = preset_experiment(args.preset).title or args.preset  # checks the name before starting
        arguments = ["--preset", args.preset]
    elif args.config is not None:
        experiment = load_experiment_file(args.config, "--config")
        name = experiment.title or Path(args.config).name
        arguments = ["--config", str(Path(args.config).resolve())]
    title = args.title if args.title is not None else f"hhtui: {name}" if name else "hhtui"
    columns, rows = args.size
    print(f"{COMMAND}: starting the app at {columns}x{rows}...", file=sys.stderr)

    def ready() -> None:
        print(
            f"{COMMAND}: recording {args.seconds:g} s" + (f", typing {len(keys)} keys" if keys else ""), file=sys.stderr
        )

    try:
        cast = record_app(arguments, columns, rows, args.seconds, keys, title=title, on_ready=ready)
    except RecordError as error:
        raise RunFailed(f"{error}; no file written") from None
    text = cast.text()
    if output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        where = "standard output"
    else:
        from hhtui.files import write_atomic

        write_atomic(output, text, force=args.force)
        where = output
    print(
        f"{COMMAND}: {len(cast.events)} events, {args.seconds:g} s, {columns}x{rows}, "
        f"{len(text.encode('utf-8')) / 1024:,.0f} KiB -> {where}",
        file=sys.stderr,
    )
    return 0
