"""``hhtui axon``: an action potential travelling along a uniform cable of HH compartments.

Writes V(x, t) as CSV (``-o``) and prints the measured conduction velocity (``--json`` prints
every measured value as JSON on standard output instead of the text line).
"""

from __future__ import annotations

import argparse
from typing import Any

from hhtui.cli.common import (
    UsageError,
    add_config_argument,
    add_force_argument,
    add_membrane_arguments,
    add_parameter,
    check_json_output,
    report_run,
    warn,
)
from hhtui.parameters import CLI_NAMING, parameter, table

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
compartment length. The temperature defaults to {temperature:g} C here (Hodgkin & Huxley's
propagated action potential), not {neuron_temperature:g} C as for a single neuron.

examples:
  hhtui axon --json                                  velocity at 18.5 C (about 18.7 m/s)
  hhtui axon --temperature 6.3 --t-stop 8 -o v.csv   slower at 6.3 C (about 12.3 m/s)
  hhtui axon --stim-end both -o collide.csv          two waves meet and annihilate
  hhtui axon --config v.json --temperature 25 -o warm.csv
                                                     the cable of v.csv again, warmer
"""

#: The flags of the cable, by group (each declared in the parameter table of ``axon``).
_CABLE = ("length_cm", "diameter_um", "ra_ohm_cm")
_NUMERICS = ("dt", "t_stop", "method")
_STIMULUS = ("stim_end", "stim_amp_nA", "stim_duration", "stim_delay")


def add_parser(subparsers: Any) -> None:
    """Register the ``axon`` subcommand."""
    parser = subparsers.add_parser(
        "axon",
        help="action potential propagating along an axon (cable of HH compartments)",
        description=DESCRIPTION.format(
            temperature=parameter("axon", "temperature").default,
            neuron_temperature=parameter("run", "temperature").default,
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cable = parser.add_argument_group("cable")
    for name in _CABLE:
        add_parameter(cable, parameter("axon", name))
    size = cable.add_mutually_exclusive_group()
    add_parameter(size, parameter("axon", "nseg"))
    add_parameter(size, parameter("axon", "dx_um"))
    numerics = parser.add_argument_group("numerics")
    for name in _NUMERICS:
        add_parameter(numerics, parameter("axon", name))
    stim = parser.add_argument_group("stimulus")
    for name in _STIMULUS:
        add_parameter(stim, parameter("axon", name))
    add_membrane_arguments(parser, "axon")
    out = parser.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE.csv",
        help="write V(x, t) to this CSV file and its .json sidecar ('-': standard output)",
    )
    add_force_argument(out)
    add_parameter(out, parameter("axon", "positions"))
    add_parameter(out, parameter("axon", "sample_every"))
    out.add_argument("--json", action="store_true", help="print the measured values as JSON on standard output")
    add_config_argument(parser, "axon")
    parser.set_defaults(handler=run)


def _chosen_from_args(args: argparse.Namespace) -> Any:
    """The cable and the number of position columns of the CSV (see :func:`hhtui.runs.axon_settings`)."""
    from hhtui.model.errors import ParameterError
    from hhtui.runs import axon_settings, keyword

    values = {keyword(row): getattr(args, row.name) for row in table("axon")}
    try:
        return axon_settings(values, args.config, CLI_NAMING)
    except ParameterError as error:
        raise UsageError(str(error)) from None


def _settings_from_args(args: argparse.Namespace) -> Any:
    """The cable of the command line (defaults or ``--config``, then the flags)."""
    return _chosen_from_args(args).settings


def run(args: argparse.Namespace) -> int:
    """Run the cable, write the CSV if asked, print the velocity; returns the exit status."""
    from hhtui.model.cable import position_columns, simulate_cable

    from .progress import ProgressBar

    chosen = _chosen_from_args(args)
    settings, positions = chosen.settings, chosen.positions
    check_json_output(args)
    with ProgressBar("hhtui axon") as bar:
        result = simulate_cable(settings, progress=bar)
    if not result.halted_reason and result.fired == 0:
        from hhtui.runs import nothing_fired

        warn(nothing_fired(settings, CLI_NAMING), "hhtui axon")
    return report_run(
        "hhtui axon",
        args,
        result,
        result.summary(),
        "measured",
        lambda: position_columns(result, positions),
        settings.to_dict(),
    )
