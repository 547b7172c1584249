"""``hhtui axon``: an action potential travelling along a uniform cable of HH compartments.

Writes V(x, t) as CSV (``-o``) and prints the measured conduction velocity (``--json`` prints
every measured value as JSON on standard output instead of the text line).
"""

from __future__ import annotations

import argparse
from typing import Any

from hhtui.cli.common import (
    UsageError,
    add_force_argument,
    add_membrane_arguments,
    blame,
    check_json_output,
    finite_float,
    flag_of_message,
    membrane_from_args,
    non_negative_float,
    positive_float,
    positive_int,
    report_run,
)
from hhtui.model.membrane import Membrane

#: Temperature of the cable when --temperature is not given (degrees C): Hodgkin & Huxley's
#: propagated action potential was computed at 18.5 C.
DEFAULT_TEMPERATURE_C = 18.5

DESCRIPTION = """\
Simulate a uniform cable of Hodgkin-Huxley compartments (sealed ends, semi-implicit
Crank-Nicolson cable step with exponential-Euler gates) stimulated at one end or at both,
and measure the conduction velocity from the arrival times at 25% and 75% of the length.

CSV written by -o: first column t_ms, then one column per sampled position named
V_x<position in cm, 4 decimals>cm_mV (for example V_x0.0125cm_mV) holding the membrane
potential in mV of the compartment centred at that position. At most --positions columns
(evenly spread over the compartments, both ends included); rows every --sample-every ms.
A JSON sidecar (same name, .json) holds the settings and the measured values; -o - writes
the CSV to standard output (the velocity line then goes to standard error).

The stimulus is a total current in nA, not a density, so it means the same whatever the
compartment length. The temperature defaults to 18.5 C here (Hodgkin & Huxley's propagated
action potential), not 6.3 C.

examples:
  hhtui axon --json                                  velocity at 18.5 C (about 18.7 m/s)
  hhtui axon --temperature 6.3 --t-stop 8 -o v.csv   slower at 6.3 C (about 12.3 m/s)
  hhtui axon --stim-end both -o collide.csv          two waves meet and annihilate
"""

#: Setting name -> the flag that sets it, to name the flag in error messages.
FLAGS = {
    "length_cm": "--length-cm",
    "diameter_um": "--diameter-um",
    "ra_ohm_cm": "--ra",
    "nseg": "--nseg",
    "dt": "--dt",
    "t_stop": "--t-stop",
    "method": "--method",
    "stim_amp_nA": "--amp",
    "stim_duration": "--stim-duration",
    "stim_delay": "--stim-delay",
    "sample_every": "--sample-every",
    "recording": "--sample-every",
}


#: Limits on a combination of settings (by the first word of the model's message): the flags
#: that take part, named in the error when they were given (else the first one).
_COMBINED_LIMITS: dict[str, tuple[tuple[str, str], ...]] = {
    "axial": (
        ("ra", "--ra"),
        ("length_cm", "--length-cm"),
        ("nseg", "--nseg"),
        ("diameter_um", "--diameter-um"),
        ("dt", "--dt"),
        ("c_m", "--c-m"),
    ),
    "compartments": (("nseg", "--nseg"), ("length_cm", "--length-cm")),
    "too": (("t_stop", "--t-stop"), ("dt", "--dt"), ("nseg", "--nseg")),
}


def add_parser(subparsers: Any) -> None:
    """Register the ``axon`` subcommand."""
    parser = subparsers.add_parser(
        "axon",
        help="action potential propagating along an axon (cable of HH compartments)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cable = parser.add_argument_group("cable")
    cable.add_argument(
        "--length-cm", type=positive_float, default=None, metavar="CM", help="cable length in cm (default 5)"
    )
    cable.add_argument(
        "--diameter-um",
        type=positive_float,
        default=None,
        metavar="UM",
        help="axon diameter in um (default 476, squid giant axon)",
    )
    cable.add_argument(
        "--ra", type=positive_float, default=None, metavar="OHM_CM", help="axial resistivity in ohm*cm (default 35.4)"
    )
    size = cable.add_mutually_exclusive_group()
    size.add_argument(
        "--nseg", type=positive_int, default=None, metavar="N", help="number of compartments (default 500)"
    )
    size.add_argument(
        "--dx-um", type=positive_float, default=None, metavar="UM", help="compartment length in um, instead of --nseg"
    )
    numerics = parser.add_argument_group("numerics")
    numerics.add_argument(
        "--dt", type=positive_float, default=None, metavar="MS", help="time step in ms (default 0.005)"
    )
    numerics.add_argument(
        "--t-stop", type=positive_float, default=None, metavar="MS", help="duration in ms (default 5)"
    )
    numerics.add_argument(
        "--method",
        choices=("cn", "be"),
        default=None,
        help="voltage step: cn = Crank-Nicolson (default), be = backward Euler",
    )
    stim = parser.add_argument_group("stimulus")
    stim.add_argument(
        "--stim-end",
        choices=("left", "both"),
        default="left",
        help="stimulate the left end (default) or both ends at once (the two waves collide)",
    )
    stim.add_argument(
        "--amp",
        type=finite_float,
        default=None,
        metavar="NA",
        help=(
            "stimulus current in nA injected into each stimulated end compartment "
            "(default 10000 = 10 uA; threshold near 3000 at the defaults)"
        ),
    )
    stim.add_argument(
        "--stim-duration", type=positive_float, default=None, metavar="MS", help="stimulus duration in ms (default 0.2)"
    )
    stim.add_argument(
        "--stim-delay", type=non_negative_float, default=None, metavar="MS", help="stimulus onset in ms (default 0.1)"
    )
    add_membrane_arguments(parser, Membrane(temperature=DEFAULT_TEMPERATURE_C))
    out = parser.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE.csv",
        help="write V(x, t) to this CSV file and its .json sidecar ('-': standard output)",
    )
    add_force_argument(out)
    out.add_argument(
        "--positions",
        type=positive_int,
        default=50,
        metavar="N",
        help="at most N position columns in the CSV (default 50)",
    )
    out.add_argument(
        "--sample-every",
        type=positive_float,
        default=None,
        metavar="MS",
        help="time between CSV rows in ms (default 0.025)",
    )
    out.add_argument("--json", action="store_true", help="print the measured values as JSON on standard output")
    parser.set_defaults(handler=run)


def _settings_from_args(args: argparse.Namespace) -> Any:
    from hhtui.model.cable import CableSettings
    from hhtui.model.errors import ParameterError

    base = Membrane(temperature=DEFAULT_TEMPERATURE_C)
    membrane = membrane_from_args(args, base)
    changes: dict[str, Any] = {"membrane": membrane, "stim_end": args.stim_end}
    for flag, name in (
        ("length_cm", "length_cm"),
        ("diameter_um", "diameter_um"),
        ("ra", "ra_ohm_cm"),
        ("nseg", "nseg"),
        ("dt", "dt"),
        ("t_stop", "t_stop"),
        ("method", "method"),
        ("amp", "stim_amp_nA"),
        ("stim_duration", "stim_duration"),
        ("stim_delay", "stim_delay"),
        ("sample_every", "sample_every"),
    ):
        value = getattr(args, flag)
        if value is not None:
            changes[name] = value
    if args.dx_um is not None:
        from hhtui.model.cable import nseg_for_length

        length = changes.get("length_cm", CableSettings.length_cm)
        with blame("--dx-um"):
            nseg = nseg_for_length(length, args.dx_um)
        if nseg < 4:
            raise UsageError(f"--dx-um: {args.dx_um:g} um leaves fewer than 4 compartments on {length:g} cm")
        changes["nseg"] = nseg
    try:
        return CableSettings(**changes)
    except ParameterError as exc:
        message = str(exc)
        size_flag = "--dx-um" if args.dx_um is not None else "--nseg"
        combined = _COMBINED_LIMITS.get(message.split(" ", 1)[0])
        if combined is not None:
            given = [
                flag.replace("--nseg", size_flag)
                for name, flag in combined
                if getattr(args, name, None) is not None or (flag == "--nseg" and args.dx_um is not None)
            ]
            raise UsageError(f"{'/'.join(given or [combined[0][1]])}: {message}") from None
        flags = {**FLAGS, "nseg": size_flag}
        raise UsageError(flag_of_message(message, flags)) from None


def run(args: argparse.Namespace) -> int:
    """Run the cable, write the CSV if asked, print the velocity; returns the exit status."""
    from hhtui.model.cable import position_columns, simulate_cable

    from .progress import ProgressBar

    settings = _settings_from_args(args)
    check_json_output(args)
    with ProgressBar("hhtui axon") as bar:
        result = simulate_cable(settings, progress=bar)
    return report_run(
        "hhtui axon",
        args,
        result,
        result.summary(),
        "measured",
        lambda: position_columns(result, args.positions),
        settings.to_dict(),
    )
