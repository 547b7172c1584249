"""``hhtui neuroml``: the membrane and protocol as NeuroML 2, and what hhtui reads from a cell file.

hhtui neuroml export -o DIR [the flags of 'hhtui run']   cell, channels, network, LEMS file
hhtui neuroml show CELL.nml                              the membrane hhtui reads from a cell
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import UsageError

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
export: write the experiment (the same flags as 'hhtui run': --config, --preset, --neuroml, the
stimulus, membrane and solver flags, --t-stop) as NeuroML 2 into a folder: the channels
(naChan.channel.nml, kChan.channel.nml, leak.channel.nml: standard ionChannelHH gates with q10 3
from 6.3 degC), the cell (hhcell.cell.nml: one spherical compartment of 1000 um^2), a network
(NAME.net.nml: the cell at the membrane's temperature and its stimulus, currents in nA over
1000 um^2, so 1 uA/cm^2 is 0.01 nA) and LEMS_NAME.xml, which jNeuroML runs ('jnml LEMS_NAME.xml')
writing V and the gates to NAME.dat and the spike times to NAME.spikes. A voltage clamp is
written as a series-resistance clamp (voltageClampTriple); noise cannot be exported.

show: print the membrane hhtui reads from a NeuroML 2 cell (or a network file holding one), as
'hhtui run --neuroml CELL.nml' would use it.
"""

EPILOG = """\
examples:
  hhtui neuroml export -o hh_nml --stim train --count 5 --interval 15 --t-stop 100
  cd hh_nml && jnml LEMS_custom.xml
  hhtui neuroml show hh_nml/hhcell.cell.nml
  hhtui run --neuroml hh_nml/custom.net.nml -o run.csv
"""


def add_parser(subparsers: Any) -> None:
    """Register ``hhtui neuroml`` with its ``export`` and ``show`` actions."""
    from .common import ArgumentParser, add_force_argument
    from .run import add_experiment_arguments

    parser = subparsers.add_parser(
        "neuroml", help="the membrane and protocol as NeuroML 2 (export, show)", description=DESCRIPTION, epilog=EPILOG
    )
    actions = parser.add_subparsers(
        dest="neuroml_action", metavar="ACTION", title="actions", parser_class=ArgumentParser
    )
    export = actions.add_parser(
        "export", help="write the experiment as NeuroML 2 + LEMS into a folder", description=DESCRIPTION, epilog=EPILOG
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        required=True,
        help="folder to write into (created if missing; files of the same names are replaced)",
    )
    export.add_argument(
        "--name",
        metavar="NAME",
        default=None,
        help="name of the network and LEMS files (default: the experiment's name)",
    )
    add_force_argument(export)
    add_experiment_arguments(export, list_presets=False)
    export.set_defaults(handler=run)
    show = actions.add_parser(
        "show", help="print the membrane hhtui reads from a NeuroML 2 cell", description=DESCRIPTION, epilog=EPILOG
    )
    show.add_argument("file", metavar="CELL.nml", help="a NeuroML 2 cell file, or a network file holding one")
    show.set_defaults(handler=run)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """``hhtui neuroml ACTION``."""
    from hhtui.neuroml import NeuroMLError

    action = getattr(args, "neuroml_action", None)
    if action is None:
        raise UsageError("choose an action: 'hhtui neuroml export -o DIR' or 'hhtui neuroml show CELL.nml'")
    if action == "show":
        from hhtui.neuroml import read_cell

        try:
            cell = read_cell(args.file)
        except NeuroMLError as error:
            raise UsageError(f"CELL.nml: {error}") from None
        membrane = cell.membrane
        print(f"cell {cell.cell_id} ({cell.path}); temperature: {cell.temperature_source}")
        units = {"c_m": "uF/cm^2", "temperature": "degrees C"}
        for name, value in membrane.to_dict().items():
            unit = units.get(name, "mS/cm^2" if name.startswith("g_") else "mV" if name.startswith("e_") else "")
            print(f"  {name:<12} {value:g} {unit}".rstrip() if not isinstance(value, bool) else f"  {name:<12} {value}")
        return 0
    from hhtui.neuroml.writer import export_experiment

    from .run import build_experiment

    if not args.output:
        raise UsageError("-o/--output: expected a folder name")
    experiment = build_experiment(args)
    if experiment.schedule:
        from .common import warn

        count = len(experiment.schedule)
        warn(
            f"--config: the experiment's scheduled changes ({count}) are not written: "
            "the NeuroML/LEMS files hold the experiment as it starts",
            "hhtui neuroml export",
        )
    try:
        written = export_experiment(args.output, experiment, name=args.name, force=args.force)
    except NeuroMLError as error:
        raise UsageError(f"--stim: {error}") from None
    print(f"hhtui neuroml export: wrote {', '.join(path.name for path in written)} in {args.output}", file=sys.stderr)
    return 0
