"""``hhtui network``: a small network of HH neurons coupled by conductance-based synapses.

Writes the spikes as CSV (``neuron,t_ms``) with ``-o`` and prints a one-line summary
(``--json`` prints the summary as JSON on standard output instead).
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
    refused,
    report_run,
)
from hhtui.model.network import INHIBITORY_E_SYN_MV
from hhtui.parameters import CLI_NAMING, parameter, table

DESCRIPTION = """\
Simulate N Hodgkin-Huxley neurons connected by conductance-based synapses with exponential
decay: I_syn = g (V - E_syn), g jumps by --weight (mS/cm^2) --delay ms after each presynaptic
spike (upward crossing of 0 mV) and decays with time constant --tau ms. Neuron 0 gets a short
kick (a current pulse of --kick uA/cm^2 for --kick-duration ms at --kick-at ms).

Topologies: ring (i -> i+1, last -> 0), chain (i -> i+1), all (every ordered pair, no
self-connections), random (each ordered pair with probability --p, seeded by --seed).

CSV written by -o: header neuron,t_ms then one row per spike (neuron index from 0, time in
ms), in time order. A JSON sidecar (same name, .json) holds the settings and the summary;
-o - writes the CSV to standard output (the summary then goes to standard error).

examples:
  hhtui network --topology ring --n 10 -o spikes.csv      a spike keeps travelling round
  hhtui network --topology ring --n 10 --inhibitory       only the kicked neuron fires
  hhtui network --topology random --n 1000 --p 0.1 --weight 0.05 --t-stop 100
  hhtui network --config spikes.json --inhibitory    the network of spikes.csv, inhibitory
"""


def add_parser(subparsers: Any) -> None:
    """Register the ``network`` subcommand (its flags from the parameter table of ``network``)."""
    parser = subparsers.add_parser(
        "network",
        help="spikes travelling through a network of HH neurons (ring, chain, all-to-all, random)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    net = parser.add_argument_group("network")
    for name in ("topology", "n", "p", "seed"):
        add_parameter(net, parameter("network", name))
    syn = parser.add_argument_group("synapses")
    for name in ("weight", "delay", "tau"):
        add_parameter(syn, parameter("network", name))
    kind = syn.add_mutually_exclusive_group()
    add_parameter(kind, parameter("network", "e_syn"))
    kind.add_argument(
        "--inhibitory", action="store_true", help=f"inhibitory synapses: E_syn = {INHIBITORY_E_SYN_MV:g} mV"
    )
    stim = parser.add_argument_group("kick")
    for name in ("kick_amp", "kick_duration", "kick_at"):
        add_parameter(stim, parameter("network", name))
    numerics = parser.add_argument_group("numerics")
    for name in ("dt", "t_stop", "method"):
        add_parameter(numerics, parameter("network", name))
    add_membrane_arguments(parser, "network")
    out = parser.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE.csv",
        help="write the spikes (neuron,t_ms) to this CSV file and its .json sidecar ('-': standard output)",
    )
    add_force_argument(out)
    out.add_argument("--json", action="store_true", help="print the summary as JSON on standard output")
    add_config_argument(parser, "network")
    parser.set_defaults(handler=run)


def _settings_from_args(args: argparse.Namespace) -> Any:
    """The network of the command line (defaults or ``--config``, then the flags; see
    :func:`hhtui.runs.network_settings`)."""
    from hhtui.model.errors import ParameterError
    from hhtui.runs import INHIBITORY, keyword, network_settings

    values = {keyword(row): getattr(args, row.name) for row in table("network")}
    values[INHIBITORY] = args.inhibitory or None
    try:
        return network_settings(values, args.config, CLI_NAMING).settings
    except ParameterError as error:
        raise UsageError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    """Run the network, write the spikes if asked, print a summary; returns the exit status."""
    from hhtui.model.errors import ParameterError
    from hhtui.model.network import simulate_network

    from .progress import ProgressBar

    settings = _settings_from_args(args)
    check_json_output(args)
    try:
        with ProgressBar("hhtui network") as bar:
            result = simulate_network(settings, progress=bar)
    except ParameterError as error:
        raise refused(error, table("network"), args) from None
    return report_run(
        "hhtui network",
        args,
        result,
        result.summary(),
        "summary",
        lambda: {"neuron": result.spike_neuron, "t_ms": result.spike_time},
        settings.to_dict(),
    )
