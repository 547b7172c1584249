"""Pieces shared by the subcommands of ``hhtui``: errors, argument types, flag groups, output.

Every subcommand module exposes ``add_parser(subparsers)``, which registers its parser with
``parser.set_defaults(handler=run)``, and ``run(args) -> int``. Bad input is reported in one
line that names the flag and what it allows, with exit status 2 and no traceback:

- a value argparse can check on its own (a number out of range, an unknown choice) goes through
  the parser's error path, which :class:`ArgumentParser` keeps to one line;
- a problem only visible later (a config file, a combination of flags) is raised as
  :class:`UsageError`, which :func:`hhtui.cli.main` prints as ``hhtui <command>: error: ...``.

Flags default to ``None`` so a subcommand can tell which ones were given (and let them override
a ``--config`` file); the help text states the real default and the unit of every value.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, NoReturn

from hhtui.export import ExportError, sidecar_path, write_csv, write_run
from hhtui.files import check_target, clean_stale
from hhtui.model import METHOD_DESCRIPTIONS, METHODS, Experiment, Membrane, ParameterError
from hhtui.parameters import PARAMETERS, Parameter, parameter, table

__all__ = [
    "ArgumentParser",
    "HelpFormatter",
    "MAX_ROWS",
    "MEMBRANE_FLAGS",
    "RunFailed",
    "UsageError",
    "add_config_argument",
    "add_force_argument",
    "add_membrane_arguments",
    "add_output_argument",
    "add_parameter",
    "add_parameters",
    "add_solver_arguments",
    "blame",
    "check_json_output",
    "check_output",
    "estimate_csv_bytes",
    "finite_float",
    "given_parameters",
    "parameter_type",
    "refused",
    "thinning_interval",
    "load_experiment_file",
    "read_experiment_file",
    "replay_warning",
    "membrane_from_args",
    "non_negative_float",
    "non_negative_int",
    "number",
    "positive_float",
    "positive_int",
    "report_run",
    "solver_changes",
    "warn",
    "whole_number",
    "write_output",
]

#: Largest recording ``hhtui run`` writes, in rows (a few hundred MB of CSV).
MAX_ROWS = 2_000_000

#: Average width of one CSV cell at ten significant digits, with its separator, in bytes;
#: used only to tell the user how big a refused file would have been.
CELL_BYTES = 11.5


class UsageError(Exception):
    """Bad input found after parsing; :func:`hhtui.cli.main` prints it in one line, exit status 2.

    The message should start with the flag it concerns, e.g. ``--config: file not found``.
    """


class RunFailed(Exception):
    """The work itself failed (e.g. a numerical blow-up): printed in one line, exit status 1."""


# --------------------------------------------------------------------------------------------
# the parser


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help with the description and epilog kept as written (examples stay on their lines) and a
    little more room for the flag column."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 30, width: int | None = None
    ) -> None:
        super().__init__(prog, indent_increment=indent_increment, max_help_position=max_help_position, width=width)


class ArgumentParser(argparse.ArgumentParser):
    """An ``argparse.ArgumentParser`` whose errors are one line: ``hhtui run: error: ...``.

    The usage block argparse normally prints above the message is replaced by a pointer to
    ``--help``, on the same line. Subparsers made from it are of the same class.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        # A word that starts with '-' and then a number is a value, not a flag: '--amp -1e6',
        # '--amp -.5', '--hold -70' and a range such as '--amp -5:10:0.1' (argparse alone takes
        # only -1 and -1.5 as numbers).
        self._negative_number_matcher = re.compile(r"^-(?:\d|\.\d)[0-9.eE+:-]*$")

    def error(self, message: str) -> NoReturn:
        message = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # argparse drops a lone '--' given as a flag's value ('--width=--') and stores an empty
        # list, which no command expects: take it as the text '--', checked like any other value.
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)


# --------------------------------------------------------------------------------------------
# argument types


def _parse_number(text: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def finite_float(text: str) -> float:
    """An argparse type: any finite number."""
    return _parse_number(text)


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0."""
    value = _parse_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    value = _parse_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``low`` (and <= ``high`` when given)."""
    allowed = f">= {low}" if high is None else f"from {low} to {high}"

    def convert(text: str) -> int:
        try:
            value = int(text, 10)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"must be a whole number {allowed}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be a whole number {allowed}, got {text[:40]!r}")
        return value

    convert.__name__ = "positive_int" if low == 1 else f"whole_number_from_{low}"
    return convert


positive_int = whole_number(1)
non_negative_int = whole_number(0)


def number(
    unit: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> Callable[[str], float]:
    """An argparse type for a finite number in a range; its error message gives the range and unit.

    ``number("ms", 0, 1e7, low_inclusive=False)`` accepts 0 < x <= 1e7 and rejects ``-1`` with
    ``must be a number in (0, 1e+07] ms, got '-1'``.
    """
    left = "[" if low_inclusive else "("
    right = "]" if high_inclusive else ")"
    if low is not None and high is not None:
        allowed = f"in {left}{low:g}, {high:g}{right} {unit}"
    elif low is not None:
        allowed = f"{'>=' if low_inclusive else '>'} {low:g} {unit}"
    elif high is not None:
        allowed = f"{'<=' if high_inclusive else '<'} {high:g} {unit}"
    else:
        allowed = f"in {unit}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"must be a number {allowed}, got {text!r}") from None
        bad = not math.isfinite(value)
        if low is not None:
            bad = bad or (value < low if low_inclusive else value <= low)
        if high is not None:
            bad = bad or (value > high if high_inclusive else value >= high)
        if bad:
            raise argparse.ArgumentTypeError(f"must be a number {allowed}, got {text!r}")
        return value

    parse.__name__ = f"number in {unit}"
    return parse


# --------------------------------------------------------------------------------------------
# messages


def warn(message: str, command: str = "hhtui") -> None:
    """A one-line warning on standard error (the run goes on)."""
    print(f"{command}: warning: {message}", file=sys.stderr)


@contextlib.contextmanager
def blame(flag: str) -> Iterator[None]:
    """Turn a :class:`ParameterError` (a value the model refuses) into a :class:`UsageError`
    that starts with ``flag``."""
    try:
        yield
    except ParameterError as error:
        raise UsageError(f"{flag}: {error}") from None


# --------------------------------------------------------------------------------------------
# flags made from the parameter table

#: Metavar of a flag by the unit of its value.
_METAVARS = {
    "mV": "MV",
    "mS/cm^2": "G",
    "uF/cm^2": "C_M",
    "degrees C": "C",
    "uA/cm^2": "UA",
    "ms": "MS",
    "nA": "NA",
    "cm": "CM",
    "um": "UM",
    "ohm*cm": "OHM_CM",
}


def parameter_type(parameter: Parameter) -> Callable[[str], Any]:
    """An argparse type that reads a value of ``parameter`` (its range and unit in the error)."""

    def parse(text: str) -> Any:
        try:
            return parameter.parse(text)
        except ParameterError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = parameter.name
    return parse


def add_parameter(group: Any, parameter: Parameter, **overrides: Any) -> argparse.Action:
    """Add the flag of ``parameter`` to ``group`` (dest: its name; default None = not given): its
    type, choices, help and the default it states all come from the table."""
    settings: dict[str, Any] = {"dest": parameter.name, "default": None, "help": parameter.describe()}
    if parameter.choices:
        settings["choices"] = parameter.choices
    else:
        settings["type"] = parameter_type(parameter)
        settings["metavar"] = "N" if parameter.whole else _METAVARS.get(parameter.unit, "X")
    settings.update(overrides)
    return group.add_argument(parameter.cli_flag, **settings)


def add_parameters(group: Any, parameters: Iterable[Parameter]) -> None:
    """Add the flags of ``parameters`` to ``group`` (see :func:`add_parameter`)."""
    for row in parameters:
        add_parameter(group, row)


def given_parameters(args: argparse.Namespace, parameters: Iterable[Parameter]) -> dict[str, Any]:
    """The parameters given on the command line, by settings field (:attr:`Parameter.field`)."""
    values: dict[str, Any] = {}
    for row in parameters:
        value = getattr(args, row.name, None)
        if value is not None:
            values[row.field] = value
    return values


def refused(
    error: ParameterError, parameters: Iterable[Parameter], args: argparse.Namespace, flags: Mapping[str, str] = {}
) -> UsageError:
    """A refusal of the model as a :class:`UsageError` that starts with the flags of the settings it
    concerns (``error.parameters``, by settings field): those given on the command line, else the
    first. ``flags`` names flags outside the table (e.g. ``{"nseg": "--dx-um"}``)."""
    by_field = {parameter.field: parameter for parameter in parameters}
    named: list[tuple[str, bool]] = []
    for name in error.parameters:
        row = by_field.get(name)
        flag = flags.get(name) or (row.cli_flag if row is not None else "")
        if not flag:
            continue
        given = name in flags or (row is not None and getattr(args, row.name, None) is not None)
        named.append((flag, given))
    chosen = list(dict.fromkeys(flag for flag, given in named if given)) or [flag for flag, _ in named[:1]]
    message = str(error)
    return UsageError(f"{'/'.join(chosen)}: {message}" if chosen else message)


# --------------------------------------------------------------------------------------------
# membrane

#: Command-line flag of each membrane parameter (the dest is the Membrane field name).
MEMBRANE_FLAGS: dict[str, str] = {row.name: row.cli_flag for row in PARAMETERS if row.group == "membrane"}


def add_membrane_arguments(parser: argparse.ArgumentParser, command: str = "run") -> None:
    """Add ``--c-m --g-na --g-k --g-l --e-na --e-k --e-l --temperature`` (dests are the
    :class:`Membrane` field names, default None = not given); the help shows the defaults of
    ``command`` in the parameter table (the 1952 squid axon, warmer for the axon)."""
    group = parser.add_argument_group("membrane (defaults: the 1952 squid axon, rest near -65 mV)")
    add_parameters(group, (row for row in table(command) if row.name in MEMBRANE_FLAGS))


def membrane_from_args(args: argparse.Namespace, base: Membrane) -> Membrane:
    """``base`` with the membrane flags that were given applied; raises :class:`UsageError`
    naming the flag if a combination is refused."""
    membrane = base
    for name, flag in MEMBRANE_FLAGS.items():
        value = getattr(args, name, None)
        if value is not None:
            with blame(flag):
                membrane = membrane.replace(**{name: value})
    return membrane


# --------------------------------------------------------------------------------------------
# solver


def add_solver_arguments(parser: argparse.ArgumentParser, sample_every: bool = True, command: str = "run") -> None:
    """Add ``--dt``, ``--method`` and (unless ``sample_every=False``) ``--sample-every`` of
    ``command``'s table; all default to None (not given)."""
    group = parser.add_argument_group("solver")
    methods = "; ".join(f"{name}: {text}" for name, text in METHOD_DESCRIPTIONS.items() if name in METHODS)
    add_parameter(group, parameter(command, "dt"))
    method = parameter(command, "method")
    add_parameter(group, method, help=f"{method.describe()}. {methods}")
    if sample_every:
        add_parameter(group, parameter(command, "sample_every"))


def solver_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The solver settings given on the command line, as keyword arguments of ``Solver``."""
    changes: dict[str, Any] = {}
    for name in ("dt", "method", "sample_every"):
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = value
    return changes


# --------------------------------------------------------------------------------------------
# config files


def load_experiment_file(path: str, flag: str = "--config") -> Experiment:
    """Read an experiment from a JSON file: a bare experiment object or an export sidecar.

    The file is parsed as data only (``json``; nothing is evaluated). Every problem, whether a
    missing file, malformed JSON, an unknown key, a wrong type or an out-of-range value, is a
    :class:`UsageError` starting with ``flag`` and naming the file. A sidecar whose run cannot
    be replayed exactly is read all the same, with a one-line warning on standard error.
    """
    experiment, note = read_experiment_file(path, flag)
    if note is not None:
        warn(replay_warning(path, note, flag))
    return experiment


def replay_warning(path: str, note: str, flag: str = "--config") -> str:
    """The warning for a sidecar whose replay will not match its export (``note``: why)."""
    return f"{flag}: {path}: the replay will not match this export exactly: {note}"


def read_experiment_file(path: str, flag: str = "--config") -> tuple[Experiment, str | None]:
    """:func:`load_experiment_file` without the warning: (the experiment, why a replay will not
    match the export the file is the sidecar of, in one line, or None)."""
    from hhtui.configs import config_data, from_config

    try:
        data, where = config_data(path, flag, "a path to a JSON file")
        experiment = from_config(where, lambda: Experiment.from_dict(data))
    except ParameterError as error:
        raise UsageError(str(error)) from None
    from hhtui.headless import replay_note

    return experiment, replay_note(data)


# --------------------------------------------------------------------------------------------
# output


def add_output_argument(parser: argparse.ArgumentParser, default_help: str | None = None) -> None:
    """Add ``-o/--output FILE.csv`` (``-`` for standard output; dest ``output``, default None) and
    ``--force``."""
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE.csv",
        help=default_help
        or "CSV file to write, with its sidecar FILE.json beside it; '-' writes the CSV to standard "
        "output (no sidecar). Files are written atomically: an existing file is replaced only by "
        "a complete new one (default: hhtui-YYYYmmdd-HHMMSS.csv in the current directory)",
    )
    add_force_argument(parser)


def add_config_argument(parser: argparse.ArgumentParser, command: str) -> None:
    """Add ``--config FILE.json`` (dest ``config``) to ``hhtui axon`` or ``hhtui network``: start from
    the settings of an earlier run's sidecar, the flags given overriding them."""
    parser.add_argument(
        "--config",
        metavar="FILE.json",
        default=None,
        help=f"start from the settings of an earlier 'hhtui {command} -o' (its JSON sidecar, or the settings "
        f"alone); the flags given override them, so 'hhtui {command} --config run.json -o again.csv' "
        "reproduces run.csv",
    )


def add_force_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--force`` (dest ``force``): replace a read-only file, or a symbolic link itself."""
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an output file that is read-only, or a symbolic link at an output name (the link "
        "itself, never the file it points to); directories, devices and FIFOs are never replaced",
    )


def check_output(path: str, flag: str = "-o/--output", force: bool = False) -> None:
    """Check, before any work, that ``path`` and its sidecar can be written (``-`` always can);
    raises :class:`UsageError` naming ``flag``. Leftover temporary files of killed runs in the
    directory are removed; others found there are reported in one warning line."""
    if path == "-":
        return
    if not path:
        raise UsageError(f"{flag}: expected a file name or '-', got an empty string")
    if Path(path).suffix.lower() == ".json":
        raise UsageError(f"{flag}: {path}: a recording needs a .csv name; the .json name is taken by its sidecar")
    try:
        target = check_target(path, force=force)
        check_target(sidecar_path(target), force=force)
    except ExportError as error:
        raise UsageError(f"{flag}: {error}") from None
    note = clean_stale(target.parent).describe()
    if note:
        warn(note)


def estimate_csv_bytes(rows: int, columns: int = 11) -> int:
    """Rough size in bytes of a CSV of ``rows`` rows and ``columns`` columns."""
    return int(rows * columns * CELL_BYTES)


def thinning_interval(t_stop: float, dt: float, max_rows: int = MAX_ROWS) -> float:
    """A round sampling interval (1, 2 or 5 x 10^k ms, a whole multiple of ``dt``) that keeps a
    recording of ``t_stop`` ms within ``max_rows`` rows."""
    needed = t_stop / (max_rows - 1)
    exponent = math.floor(math.log10(max(needed, dt)))
    for power in range(exponent, exponent + 4):
        for mantissa in (1, 2, 5):
            every = float(f"{mantissa}e{power}")
            stride = round(every / dt)
            if every >= needed and stride >= 1 and abs(stride * dt - every) <= 1e-9 * every:
                return every
    return math.ceil(needed / dt) * dt


def write_output(
    path: str,
    columns: Mapping[str, Any],
    experiment_dict: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
    stream: IO[str] | None = None,
    force: bool = False,
) -> list[Path]:
    """Write a recording: ``-`` sends the CSV to standard output (or ``stream``), anything else is
    written with its JSON sidecar as one unit (the experiment, the program version, ``extra``, the
    CSV's size and checksum); ``force`` replaces a read-only file or a link (see ``--force``).

    Returns the files written (none for standard output). Errors are :class:`ExportError`.
    """
    if path == "-":
        write_csv(None, columns, stream=stream)
        return []
    csv_file, json_file = write_run(path, columns, dict(experiment_dict), extra=extra, force=force)
    return [csv_file, json_file]


def default_output_name() -> str:
    """A fresh ``hhtui-YYYYmmdd-HHMMSS.csv`` in the current directory."""
    from hhtui.export import timestamped_name

    return os.fspath(timestamped_name())


def check_json_output(args: argparse.Namespace) -> None:
    """For commands with ``--json`` and ``-o``: the two cannot share standard output, and the
    output file must be writable (checked before any work is done)."""
    if args.output is not None:
        if args.output == "-" and args.json:
            raise UsageError("--json: cannot share standard output with '-o -'; write the CSV to a file")
        check_output(args.output, force=getattr(args, "force", False))


def report_run(
    command: str,
    args: argparse.Namespace,
    result: Any,
    measured: dict[str, Any],
    extra_key: str,
    columns: Callable[[], Mapping[str, Any]],
    settings: dict[str, Any],
) -> int:
    """Finish a run of ``hhtui axon`` or ``hhtui network``: refuse a halted run, write the CSV and
    sidecar if asked, print the measured values (JSON with ``--json``, else ``result.describe()``)."""
    if result.halted_reason:
        raise RunFailed(f"{result.halted_reason}. No file written.")
    written: list[Path] = []
    if args.output is not None:
        written = write_output(
            args.output, columns(), settings, extra={extra_key: measured}, force=getattr(args, "force", False)
        )
    if args.json:
        json.dump(measured, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(result.describe(), file=sys.stderr if args.output == "-" else sys.stdout)
    if written:
        print(f"{command}: wrote {' + '.join(str(path) for path in written)}", file=sys.stderr)
    return 0
