"""``hhtui network``: a small network of HH neurons coupled by conductance-based synapses.

Writes the spikes as CSV (``neuron,t_ms``) with ``-o`` and prints a one-line summary
(``--json`` prints the summary as JSON on standard output instead).
"""

from __future__ import annotations

import argparse
from typing import Any

from hhtui.cli.common import (
    UsageError,
    add_force_argument,
    add_membrane_arguments,
    check_json_output,
    finite_float,
    flag_of_message,
    membrane_from_args,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    report_run,
)

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
"""

#: Setting name -> the flag that sets it, to name the flag in error messages.
FLAGS = {
    "n": "--n",
    "topology": "--topology",
    "p": "--p",
    "seed": "--seed",
    "weight": "--weight",
    "delay": "--delay",
    "tau": "--tau",
    "e_syn": "--e-syn",
    "kick_amp": "--kick",
    "kick_at": "--kick-at",
    "kick_duration": "--kick-duration",
    "dt": "--dt",
    "t_stop": "--t-stop",
    "a": "--topology",
    "all-to-all": "--n",
    "random": "--p",
}


def add_parser(subparsers: Any) -> None:
    """Register the ``network`` subcommand."""
    parser = subparsers.add_parser(
        "network",
        help="spikes travelling through a network of HH neurons (ring, chain, all-to-all, random)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    net = parser.add_argument_group("network")
    net.add_argument(
        "--topology", choices=("ring", "chain", "all", "random"), default="ring", help="connection rule (default ring)"
    )
    net.add_argument("--n", type=positive_int, default=10, metavar="N", help="number of neurons (default 10)")
    net.add_argument(
        "--p",
        type=finite_float,
        default=None,
        metavar="P",
        help="connection probability for --topology random (default 0.1)",
    )
    net.add_argument(
        "--seed", type=non_negative_int, default=0, metavar="SEED", help="random seed for --topology random (default 0)"
    )
    syn = parser.add_argument_group("synapses")
    syn.add_argument(
        "--weight",
        type=non_negative_float,
        default=None,
        metavar="MS_CM2",
        help="synaptic weight in mS/cm^2 (default 0.5)",
    )
    syn.add_argument(
        "--delay", type=non_negative_float, default=None, metavar="MS", help="synaptic delay in ms (default 1)"
    )
    syn.add_argument(
        "--tau", type=positive_float, default=None, metavar="MS", help="synaptic decay time constant in ms (default 2)"
    )
    kind = syn.add_mutually_exclusive_group()
    kind.add_argument(
        "--e-syn",
        type=finite_float,
        default=None,
        metavar="MV",
        help="synaptic reversal potential in mV (default 0, excitatory)",
    )
    kind.add_argument("--inhibitory", action="store_true", help="inhibitory synapses: E_syn = -80 mV")
    stim = parser.add_argument_group("kick")
    stim.add_argument(
        "--kick",
        type=finite_float,
        default=None,
        metavar="UA_CM2",
        help="kick amplitude to neuron 0 in uA/cm^2 (default 20)",
    )
    stim.add_argument(
        "--kick-duration", type=positive_float, default=None, metavar="MS", help="kick duration in ms (default 1)"
    )
    stim.add_argument(
        "--kick-at", type=non_negative_float, default=None, metavar="MS", help="kick onset in ms (default 1)"
    )
    numerics = parser.add_argument_group("numerics")
    numerics.add_argument(
        "--dt", type=positive_float, default=None, metavar="MS", help="time step in ms (default 0.01)"
    )
    numerics.add_argument(
        "--t-stop", type=positive_float, default=None, metavar="MS", help="duration in ms (default 100)"
    )
    numerics.add_argument(
        "--method",
        choices=("rk4", "expeuler", "euler"),
        default=None,
        help="integration method of each neuron (default rk4)",
    )
    add_membrane_arguments(parser)
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
    parser.set_defaults(handler=run)


def _settings_from_args(args: argparse.Namespace) -> Any:
    from hhtui.model.errors import ParameterError
    from hhtui.model.membrane import Membrane
    from hhtui.model.network import INHIBITORY_E_SYN_MV, NetworkSettings

    membrane = membrane_from_args(args, Membrane())
    if args.p is not None and args.topology != "random":
        raise UsageError("--p: only applies to --topology random")
    changes: dict[str, Any] = {"membrane": membrane, "topology": args.topology, "n": args.n, "seed": args.seed}
    if args.inhibitory:
        changes["e_syn"] = INHIBITORY_E_SYN_MV
    for flag, name in (
        ("p", "p"),
        ("weight", "weight"),
        ("delay", "delay"),
        ("tau", "tau"),
        ("e_syn", "e_syn"),
        ("kick", "kick_amp"),
        ("kick_duration", "kick_duration"),
        ("kick_at", "kick_at"),
        ("dt", "dt"),
        ("t_stop", "t_stop"),
        ("method", "method"),
    ):
        value = getattr(args, flag)
        if value is not None:
            changes[name] = value
    try:
        return NetworkSettings(**changes)
    except ParameterError as exc:
        message = str(exc)
        if message.startswith("too much work"):  # t_stop, dt and n together
            given = [
                flag
                for name, flag in (("t_stop", "--t-stop"), ("dt", "--dt"), ("n", "--n"))
                if getattr(args, name) is not None and (name != "n" or args.n != 10)
            ]
            raise UsageError(f"{'/'.join(given or ['--t-stop'])}: {message}") from None
        raise UsageError(flag_of_message(message, FLAGS)) from None


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
    except ParameterError as exc:
        raise UsageError(flag_of_message(str(exc), FLAGS)) from None
    return report_run(
        "hhtui network",
        args,
        result,
        result.summary(),
        "summary",
        lambda: {"neuron": result.spike_neuron, "t_ms": result.spike_time},
        settings.to_dict(),
    )
