"""``hhtui sweep``: the F-I curve, every current simulated at once as one population."""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from hhtui.model import Experiment, Membrane, Solver, Step
from hhtui.model.experiment import MAX_T_STOP
from hhtui.model.stimulus import MAX_CURRENT

from .common import (MEMBRANE_FLAGS, UsageError, add_membrane_arguments, add_output_argument, add_solver_arguments,
                     blame, check_output, default_output_name, membrane_from_args, number, positive_int,
                     solver_changes, write_output)
from .progress import ProgressBar

__all__ = ["AmpRange", "MAX_CURRENTS", "MAX_NEURON_STEPS", "add_parser", "parse_amp_range", "run"]

COMMAND = "hhtui sweep"

#: Most currents one sweep may hold.
MAX_CURRENTS = 100_000

#: Most neuron-steps (currents x time steps) one sweep may take (a few minutes of computing).
MAX_NEURON_STEPS = 10_000_000_000

#: Columns of the F-I CSV.
FI_COLUMNS = ("amp_uA_cm2", "spike_count", "rate_Hz")

DEFAULT_T_STOP = 500.0
DEFAULT_TRANSIENT = 100.0
DEFAULT_THRESHOLD = 0.0
DEFAULT_MIN_SPIKES = 2

DESCRIPTION = f"""\
Simulate the membrane under a sustained current step (switched on at t = 0, from rest) for every
current of FROM:TO:STEP at once, as one population, and write the F-I curve as CSV:
  amp_uA_cm2,spike_count,rate_Hz
Spikes are upward crossings of --threshold (0 mV); spike_count counts those after --transient ms,
and rate_Hz = spike_count / (t_stop - transient). Beside the CSV a JSON sidecar holds the
membrane, the solver, the sweep settings, the onset and the command that reproduces the file.

Prints the onset of repetitive firing on standard error: the lowest current of the longest run of
neighbouring currents that each fire at least --min-spikes spikes after the transient. A progress
bar is shown on standard error (when it is a terminal) if the sweep takes more than a second.
At most {MAX_CURRENTS:,} currents.
"""

EPILOG = """\
examples:
  hhtui sweep --amp 0:50:0.5 --t-stop 500 --transient 100 -o fi.csv
  hhtui sweep --amp 0:20:0.05 --temperature 18.5 -o fi_warm.csv
  hhtui sweep --amp=-5:10:0.1 -o fi.csv          (a range starting below 0 needs '=')
"""


class AmpRange:
    """A range of currents ``FROM:TO:STEP`` in uA/cm^2 (TO included when on the grid), kept as
    the decimal text given so the grid holds the numbers a person wrote (0.1, not 0.1000000001)."""

    def __init__(self, text: str) -> None:
        self.text = text
        parts = text.split(":")
        allowed = ("must be FROM:TO:STEP in uA/cm^2 with STEP > 0 and TO >= FROM, for example 0:50:0.5")
        if len(parts) != 3:
            raise argparse.ArgumentTypeError(f"{allowed}; got {text!r}")
        try:
            low, high, step = (Decimal(part.strip()) for part in parts)
        except InvalidOperation:
            raise argparse.ArgumentTypeError(f"{allowed}; got {text!r} (not three numbers)") from None
        if not all(value.is_finite() for value in (low, high, step)):
            raise argparse.ArgumentTypeError(f"{allowed}; got {text!r} (not finite)")
        if step <= 0:
            raise argparse.ArgumentTypeError(f"{allowed}; got STEP = {step} in {text!r}")
        if high < low:
            raise argparse.ArgumentTypeError(f"{allowed}; got TO = {high} below FROM = {low} in {text!r}")
        if max(abs(low), abs(high)) > Decimal(MAX_CURRENT):
            raise argparse.ArgumentTypeError(f"currents must be within +/-{MAX_CURRENT:g} uA/cm^2; got {text!r}")
        count = int((high - low) // step) + 1
        if count > MAX_CURRENTS:
            raise argparse.ArgumentTypeError(
                f"{text!r} holds {count:,} currents, more than the limit of {MAX_CURRENTS:,}; use a larger STEP")
        self.low, self.high, self.step, self.count = low, high, step, count

    def values(self) -> np.ndarray:
        """The currents, uA/cm^2, FROM + k*STEP for k = 0 .. count-1 (exact decimals rounded once)."""
        return np.array([float(self.low + k * self.step) for k in range(self.count)], dtype=np.float64)

    def __repr__(self) -> str:
        return f"AmpRange({self.text!r})"


def parse_amp_range(text: str) -> AmpRange:
    """An argparse type: ``FROM:TO:STEP`` (see :class:`AmpRange`)."""
    return AmpRange(text)


def add_parser(subparsers: Any) -> None:
    """Register ``hhtui sweep``."""
    parser = subparsers.add_parser("sweep", help="F-I curve: firing rate against step current, to CSV",
                                   description=DESCRIPTION, epilog=EPILOG)
    sweep = parser.add_argument_group("sweep")
    sweep.add_argument("--amp", type=parse_amp_range, required=True, metavar="FROM:TO:STEP",
                       help="currents in uA/cm^2, TO included, e.g. 0:50:0.5 (required)")
    sweep.add_argument("--t-stop", type=number("ms", 0.0, MAX_T_STOP, low_inclusive=False), default=None,
                       metavar="MS", help=f"duration of each run, ms (default: {DEFAULT_T_STOP:g})")
    sweep.add_argument("--transient", type=number("ms", 0.0, MAX_T_STOP), default=None, metavar="MS",
                       help=f"spikes before this time are not counted, ms; must be below --t-stop "
                       f"(default: {DEFAULT_TRANSIENT:g})")
    sweep.add_argument("--threshold", type=number("mV", -300.0, 300.0), default=None, metavar="MV",
                       help=f"spike detection level, mV, upward crossings (default: {DEFAULT_THRESHOLD:g})")
    sweep.add_argument("--min-spikes", type=positive_int, default=None, metavar="N",
                       help="spikes after the transient that count as repetitive firing, for the onset "
                       f"(default: {DEFAULT_MIN_SPIKES})")
    add_membrane_arguments(parser)
    add_solver_arguments(parser, sample_every=False)
    add_output_argument(parser)
    parser.set_defaults(handler=run)


def _command_line(amp: AmpRange, t_stop: float, transient: float, threshold: float, min_spikes: int,
                  membrane: Membrane, solver: Solver, output: str) -> str:
    """The ``hhtui sweep`` command that reproduces these settings."""
    words = ["hhtui", "sweep", f"--amp={amp.low}:{amp.high}:{amp.step}", "--t-stop", f"{t_stop!r}",
             "--transient", f"{transient!r}", "--threshold", f"{threshold!r}", "--min-spikes", str(min_spikes)]
    default = Membrane()
    for name, flag in MEMBRANE_FLAGS.items():
        value = getattr(membrane, name)
        if value != getattr(default, name):
            words += [flag, repr(value)]
    words += ["--dt", repr(solver.dt), "--method", solver.method, "-o", output]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    """``hhtui sweep``: simulate the population, write the F-I CSV and sidecar, print the onset."""
    from hhtui.model.analysis import fi_curve, repetitive_onset

    amp: AmpRange = args.amp
    t_stop = DEFAULT_T_STOP if args.t_stop is None else args.t_stop
    transient = DEFAULT_TRANSIENT if args.transient is None else args.transient
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    min_spikes = DEFAULT_MIN_SPIKES if args.min_spikes is None else args.min_spikes
    if transient >= t_stop:
        flag = "--transient" if args.transient is not None else "--t-stop"
        raise UsageError(f"{flag}: the transient ({transient:g} ms) must be shorter than the run "
                         f"(--t-stop {t_stop:g} ms)")
    membrane = membrane_from_args(args, Membrane())
    with blame("/".join("--" + name.replace("_", "-") for name in solver_changes(args)) or "--dt"):
        solver = Solver(**solver_changes(args))
    steps = t_stop / solver.dt
    if steps * amp.count > MAX_NEURON_STEPS:
        raise UsageError(f"--amp/--t-stop/--dt: {amp.count:,} currents x {steps:,.0f} time steps is more than the "
                         f"limit of {MAX_NEURON_STEPS:.0e}; use fewer currents, a shorter --t-stop or a larger --dt")
    output = args.output if args.output is not None else default_output_name()
    check_output(output, force=args.force)

    currents = amp.values()
    with ProgressBar(COMMAND) as bar:
        with blame("--method/--dt"):
            curve = fi_curve(currents, t_stop=t_stop, transient=transient, membrane=membrane, dt=solver.dt,
                             method=solver.method, progress=bar, threshold=threshold)
    onset = repetitive_onset(curve, min_spikes=min_spikes)

    columns = {
        FI_COLUMNS[0]: curve.amplitudes,
        FI_COLUMNS[1]: np.asarray(curve.spike_counts, dtype=np.float64),
        FI_COLUMNS[2]: curve.rates_hz,
    }
    stimulus = Step(amplitude=currents if currents.size > 1 else float(currents[0]), start=0.0)
    experiment = Experiment(membrane=membrane, stimulus=stimulus, solver=solver, t_stop=t_stop, name="fi-sweep",
                            title="F-I curve", description=f"Step currents {amp.text} uA/cm^2 from t = 0, "
                            f"spikes counted after {transient:g} ms.")
    extra = {
        "sweep": {
            "amp_from_uA_cm2": float(amp.low), "amp_to_uA_cm2": float(amp.high), "amp_step_uA_cm2": float(amp.step),
            "currents": amp.count, "t_stop_ms": t_stop, "transient_ms": transient, "threshold_mV": threshold,
            "min_spikes": min_spikes, "onset_uA_cm2": onset,
        },
        "command": _command_line(amp, t_stop, transient, threshold, min_spikes, membrane, solver,
                                 output if output == "-" else str(output)),
    }
    written = write_output(output, columns, experiment.to_dict(), extra=extra, force=args.force)
    where = "standard output" if not written else " + ".join(str(path) for path in written)
    if onset is None:
        result = (f"no repetitive firing (>= {min_spikes} spikes after {transient:g} ms) between "
                  f"{float(amp.low):g} and {float(amp.high):g} uA/cm^2")
    else:
        result = f"onset of repetitive firing at {onset:g} uA/cm^2"
    peak = float(np.max(curve.rates_hz)) if curve.rates_hz.size else math.nan
    print(f"{COMMAND}: {amp.count:,} currents, {result}, highest rate {peak:.4g} Hz -> {where}", file=sys.stderr)
    return 0
