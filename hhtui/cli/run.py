"""``hhtui run``: one experiment, run headless, written to CSV with its JSON sidecar.

The experiment starts from the defaults (those of :mod:`hhtui.parameters`), a preset
(``--preset``) or a file (``--config``, a bare experiment or an export sidecar); the flags given on
the command line then override it. The sidecar written beside the CSV holds the resulting
experiment, so ``hhtui run --config FILE.json -o again.csv`` reproduces the same numbers.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from hhtui.headless import CHUNK_STEPS, run_experiment, sidecar_extra
from hhtui.model import (
    CSV_COLUMNS,
    Experiment,
    NoStimulus,
    NumericalInstabilityError,
    ParameterError,
    Samples,
    Stimulus,
    Train,
)
from hhtui.parameters import (
    CLI_NAMING,
    MEMBRANE_PARAMETERS,
    PARAMETERS,
    SOLVER_PARAMETERS,
    STIMULUS_CHOICES,
    STIMULUS_PARAMETERS,
    apply_parameters,
    apply_stimulus,
    parameter,
    protocol_text,
    stimulus_end,
)

from .common import (
    MAX_ROWS,
    RunFailed,
    UsageError,
    add_membrane_arguments,
    add_output_argument,
    add_parameter,
    add_parameters,
    add_solver_arguments,
    check_output,
    default_output_name,
    estimate_csv_bytes,
    load_experiment_file,
    thinning_interval,
    warn,
    write_output,
)
from .progress import ProgressBar

__all__ = [
    "CHUNK_STEPS",
    "MAX_STEPS",
    "STIMULUS_CHOICES",
    "add_experiment_arguments",
    "add_parser",
    "build_experiment",
    "build_stimulus",
    "check_experiment",
    "preset_experiment",
    "run",
    "simulate",
]

COMMAND = "hhtui run"

#: Largest number of time steps a run may take (about half a minute of computing).
MAX_STEPS = 1_000_000_000

DESCRIPTION = """\
Run one experiment headless and write it to CSV, with a JSON sidecar (FILE.json) holding the
whole experiment and the program version.

The experiment starts from the defaults (a step of {step}, for {t_stop:g} ms), or
from --preset NAME, or from --config FILE.json (an experiment, or the sidecar of an earlier
export: 'hhtui run --config run.json -o again.csv' reproduces run.csv exactly, the changes made
during a live run included: the file's "schedule" replays each at its time). Flags given on the
command line override the experiment's starting values; its scheduled changes still happen.
Changing the stimulus type with --stim starts that protocol from its own defaults:
{protocols}

CSV: a header row, then one row per sample (t = 0 included) with the columns
  t_ms,V_mV,m,h,n,I_stim_uA_cm2,I_Na_uA_cm2,I_K_uA_cm2,I_L_uA_cm2,g_Na_mS_cm2,g_K_mS_cm2
and under voltage clamp also I_clamp_uA_cm2. Ionic currents are outward positive. Numbers have
ten significant digits; no comment lines.

When done, one line on standard error: samples, spikes (upward 0 mV crossings), mean rate.
"""

EPILOG = """\
examples:
  hhtui run -o run.csv                                  the default step, 50 ms
  hhtui run --amp 6.5 --t-stop 200 -o run.csv           near the threshold of repetitive firing
  hhtui run --stim train --amp 20 --duration 0.5 --interval 10 --count 5 -o train.csv
  hhtui run --stim clamp --hold -65 --level 0 --start 5 --duration 10 -o clamp.csv
  hhtui run --stim noise --amp 5 --noise-std 3 --seed 7 --t-stop 1000 --sample-every 0.1 -o noise.csv
  hhtui run --g-na 0 -o ttx.csv                         sodium channels blocked (TTX)
  hhtui run --config run.json -o again.csv              reproduce a run from its sidecar
  hhtui run --t-stop 100 -o - | head                    CSV on standard output
"""


def _description() -> str:
    """:data:`DESCRIPTION` with the defaults of the parameter table."""
    protocols = "\n".join(f"  {kind:<6} {protocol_text(kind)}" for kind in STIMULUS_CHOICES if kind != "none")
    step = protocol_text("step")
    return DESCRIPTION.format(step=step, t_stop=parameter("run", "t_stop").default, protocols=protocols)


def add_parser(subparsers: Any) -> None:
    """Register ``hhtui run``."""
    parser = subparsers.add_parser(
        "run",
        help="run one experiment and write it to CSV (+ JSON sidecar)",
        description=_description(),
        epilog=EPILOG,
    )
    add_experiment_arguments(parser)
    add_output_argument(
        parser,
        default_help=(
            "CSV file to write, with its sidecar FILE.json beside it; '-' writes the CSV to standard output (no "
            "sidecar); a name ending in .nwb writes an NWB file of intracellular electrophysiology instead (SI units "
            "over 1000 um^2, the experiment inside; needs pynwb: pip install 'hhtui[nwb]'). Files are written "
            "atomically: an existing file is replaced only by a complete new one (default: hhtui-YYYYmmdd-HHMMSS.csv "
            "in the current directory)"
        ),
    )
    parser.set_defaults(handler=run)


def add_experiment_arguments(parser: argparse.ArgumentParser, list_presets: bool = True) -> None:
    """The flags that make an experiment: --config/--preset/--neuroml, the stimulus, membrane and
    solver flags and --t-stop (as ``hhtui run`` has them; :func:`build_experiment` reads them)."""
    group = parser.add_argument_group("experiment")
    source = group.add_mutually_exclusive_group()
    source.add_argument(
        "--config",
        metavar="FILE.json",
        default=None,
        help="start from this experiment file or export sidecar (flags override it)",
    )
    source.add_argument(
        "--preset",
        metavar="NAME",
        default=None,
        help="start from a classic experiment (flags override it); see --list-presets",
    )
    if list_presets:
        source.add_argument("--list-presets", action="store_true", help="list the preset names and exit")
    group.add_argument(
        "--neuroml",
        metavar="CELL.nml",
        default=None,
        help="take the membrane from a NeuroML 2 single-compartment Hodgkin-Huxley cell (a cell file, "
        "or a network file holding one; its channel files are read relative to it); flags override it",
    )

    stim = parser.add_argument_group("stimulus (currents in uA/cm^2, voltages in mV, times in ms)")
    add_parameters(stim, (row for row in PARAMETERS if row.group == "stimulus"))
    add_membrane_arguments(parser)
    add_solver_arguments(parser)
    solver = next(group for group in parser._action_groups if group.title == "solver")
    add_parameter(solver, parameter("run", "t_stop"))


# --------------------------------------------------------------------------------------------
# building the experiment


def preset_experiment(name: str, flag: str = "--preset") -> Experiment:
    """The preset ``name`` from :mod:`hhtui.experiments`; :class:`UsageError` naming ``flag`` if unknown."""
    try:
        from hhtui.experiments import get_preset, preset_names
    except ImportError:
        raise UsageError(f"{flag}: presets are not available in this installation") from None
    names = list(preset_names())
    if name not in names:
        raise UsageError(f"{flag}: unknown preset {name!r}; choose one of: {', '.join(names)}")
    return get_preset(name)


def build_stimulus(args: argparse.Namespace, base: Stimulus) -> Stimulus:
    """The stimulus of the run: ``base`` with the stimulus flags applied (see
    :func:`hhtui.parameters.apply_stimulus`)."""
    values = {name: getattr(args, name, None) for name in STIMULUS_PARAMETERS}
    try:
        return apply_stimulus(base, args.stim, values, CLI_NAMING)
    except ParameterError as error:
        raise UsageError(str(error)) from None


#: Destinations of the flags that change the experiment (the parameter names).
_PARAMETER_DESTS = ("stim", *STIMULUS_PARAMETERS, *MEMBRANE_PARAMETERS, *SOLVER_PARAMETERS, "t_stop")


def build_experiment(args: argparse.Namespace) -> Experiment:
    """The experiment of ``hhtui run``: defaults, a preset or a config file, then the flags
    (applied by :func:`hhtui.parameters.apply_parameters`, as the Python API applies its keywords)."""
    if args.config is not None:
        base = load_experiment_file(args.config, "--config")
    elif args.preset is not None:
        base = preset_experiment(args.preset)
    else:
        base = Experiment()
    source = "--config" if args.config is not None else "--preset" if args.preset is not None else None
    if base.stimulus.population != 1:
        where = f"--config: {args.config}: " if args.config is not None else f"{source}: " if source else ""
        raise UsageError(
            f"{where}the experiment describes a population of {base.stimulus.population} neurons "
            "(per-neuron amplitudes); 'hhtui run' runs one neuron (use 'hhtui sweep' for an F-I curve)"
        )
    if getattr(args, "neuroml", None) is not None:
        from hhtui.neuroml import NeuroMLError, read_membrane

        try:
            base = base.replace(membrane=read_membrane(args.neuroml))
        except NeuroMLError as error:
            raise UsageError(f"--neuroml: {error}") from None
    values = {name: getattr(args, name, None) for name in _PARAMETER_DESTS}
    try:
        return apply_parameters(base, values, CLI_NAMING)
    except ParameterError as error:
        raise UsageError(str(error)) from None


def check_experiment(experiment: Experiment) -> None:
    """Warn about a stimulus that outlasts the run; refuse a run too long or too big to write."""
    stimulus = experiment.stimulus
    end = stimulus_end(stimulus)
    start = getattr(stimulus, "start", 0.0)
    if not isinstance(stimulus, NoStimulus) and start >= experiment.t_stop:
        warn(
            f"--start: the stimulus starts at {start:g} ms, at or after the end of the run "
            f"(--t-stop {experiment.t_stop:g} ms); it will have no effect",
            COMMAND,
        )
    elif math.isfinite(end) and end > experiment.t_stop:
        flag = "--duration/--interval/--count" if isinstance(stimulus, Train) and stimulus.count > 1 else "--duration"
        warn(
            f"{flag}: the stimulus ends at {end:g} ms, after the end of the run (--t-stop {experiment.t_stop:g} ms); "
            "it is cut off there",
            COMMAND,
        )
    late = [change for change in experiment.schedule if change.t > experiment.t_stop]
    if late:
        warn(
            f"--t-stop: {len(late)} scheduled change{'s' if len(late) != 1 else ''} of the experiment "
            f"come{'s' if len(late) == 1 else ''} after the end of the run ({experiment.t_stop:g} ms), "
            f"the first {late[0].describe()}; not reached",
            COMMAND,
        )
    steps = experiment.t_stop / experiment.solver.dt
    if steps > MAX_STEPS:
        raise UsageError(
            f"--t-stop/--dt: {experiment.t_stop:g} ms at dt {experiment.solver.dt:g} ms is "
            f"{steps:.3g} time steps, more than the limit of {MAX_STEPS:.0e}; "
            "use a shorter --t-stop or a larger --dt"
        )
    rows = experiment.n_samples
    if rows > MAX_ROWS:
        every = thinning_interval(experiment.t_stop, experiment.solver.dt)
        width = len(CSV_COLUMNS) + (1 if stimulus.is_clamp else 0)
        megabytes = estimate_csv_bytes(rows, width) / 1e6
        raise UsageError(
            f"--sample-every: the CSV would have {rows:,} rows (about {megabytes:,.0f} MB), more than the limit of "
            f"{MAX_ROWS:,}; thin it with --sample-every {every:g} (ms, a multiple of --dt) or more, "
            "or shorten --t-stop"
        )


# --------------------------------------------------------------------------------------------
# running


def simulate(experiment: Experiment, progress: ProgressBar | None = None) -> tuple[Samples, int]:
    """Run ``experiment`` from rest to ``t_stop`` (see :func:`hhtui.headless.run_experiment`)."""
    return run_experiment(experiment, progress)


def _summary(samples: Samples, spikes: int, experiment: Experiment, written: list[Any]) -> str:
    rate = spikes / (experiment.t_stop / 1000.0)
    where = "standard output" if not written else " + ".join(str(path) for path in written)
    clamp = " (voltage clamp)" if experiment.stimulus.is_clamp else ""
    replayed = sum(1 for change in experiment.schedule if change.t <= experiment.t_stop)
    changes = f", {replayed} scheduled change{'s' if replayed != 1 else ''}" if replayed else ""
    return (
        f"{len(samples):,} samples, 0-{experiment.t_stop:g} ms{clamp}{changes}, "
        f"{spikes} spike{'s' if spikes != 1 else ''}, mean rate {rate:.4g} Hz -> {where}"
    )


def run(args: argparse.Namespace) -> int:
    """``hhtui run``: build the experiment, run it, write the CSV and sidecar, print a summary."""
    if getattr(args, "list_presets", False):
        return _list_presets()
    experiment = build_experiment(args)
    output = args.output if args.output is not None else default_output_name()
    nwb = output != "-" and Path(output).suffix.lower() == ".nwb"
    if nwb:
        _check_nwb_output(output, args.force)
    else:
        check_output(output, force=args.force)
    check_experiment(experiment)
    with ProgressBar("hhtui run") as bar:
        try:
            samples, spikes = simulate(experiment, bar)
        except NumericalInstabilityError as error:
            raise RunFailed(f"{error} No file written.") from None
    if nwb:
        from hhtui.nwb import write_nwb

        written = [write_nwb(output, experiment, samples, spike_count=spikes, force=args.force)]
    else:
        columns = samples.columns(0)
        extra = sidecar_extra(samples, spikes)
        written = write_output(output, columns, experiment.to_dict(), extra=extra, force=args.force)
    print(f"{COMMAND}: {_summary(samples, spikes, experiment, written)}", file=sys.stderr)
    return 0


def _check_nwb_output(path: str, force: bool) -> None:
    """``-o run.nwb``: pynwb must be there and the name writable (no sidecar: the experiment goes
    inside the file)."""
    from hhtui.export import ExportError
    from hhtui.files import check_target
    from hhtui.nwb import available

    if not available():
        raise UsageError(
            f"-o/--output: {path}: writing NWB needs pynwb: pip install 'hhtui[nwb]' (or pip install pynwb)"
        )
    try:
        check_target(path, force=force)
    except ExportError as error:
        raise UsageError(f"-o/--output: {error}") from None


def _list_presets() -> int:
    try:
        from hhtui.experiments import get_preset, preset_names
    except ImportError:
        raise UsageError("--list-presets: presets are not available in this installation") from None
    names = list(preset_names())
    width = max((len(name) for name in names), default=0)
    for name in names:
        title = get_preset(name).title
        print(f"{name:<{width}}  {title}".rstrip())
    return 0
