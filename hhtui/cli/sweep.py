"""``hhtui sweep``: F-I curves over a grid of parameters, in process or on a dask cluster.

The grid is the product of ``--amp`` and any membrane flags given as ranges or lists; it is cut
into chunks (:mod:`hhtui.sweeps`), each simulated as one population, and the results are written
as one CSV row per grid point with a JSON sidecar that reproduces the sweep (``--config``).
``--hysteresis`` steps the current up and down instead, each step from the previous state.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

import numpy as np

from hhtui.model import ParameterError
from hhtui.parameters import parameter, table
from hhtui.signals import exit_status
from hhtui.sweeps.plan import MAX_CHUNKS, MAX_LOCAL_WORKERS, MAX_NEURON_STEPS, RUN_SETTINGS

from .common import (
    MEMBRANE_FLAGS,
    UsageError,
    add_output_argument,
    add_parameter,
    add_solver_arguments,
    check_output,
    default_output_name,
    positive_int,
    solver_changes,
    whole_number,
    write_output,
)
from .progress import ProgressBar

__all__ = ["FI_COLUMNS", "MAX_CHUNKS", "MAX_CURRENTS", "MAX_NEURON_STEPS", "AmpRange", "add_parser", "run"]

COMMAND = "hhtui sweep"

#: Most currents of an F-I curve given as a list of numbers (the Python API's ``sweep``).
MAX_CURRENTS = 100_000

#: Columns of a one-dimensional F-I CSV before the latency (the Python API's frame).
FI_COLUMNS = ("amp_uA_cm2", "spike_count", "rate_Hz")

#: The flag of each grid parameter (and its Membrane field or 'amp').
GRID_FLAGS = {"amp": "--amp", **MEMBRANE_FLAGS}


DESCRIPTION = """\
Simulate the membrane under a sustained current step (switched on at t = 0, from rest) at every
point of a grid and write one CSV row per point:
  amp_uA_cm2,spike_count,rate_Hz,latency_ms             (--amp alone: the F-I curve)
  amp_uA_cm2,g_k_mS_cm2,temperature_C,spike_count,...   (--amp and membrane flags as ranges)
--amp and every membrane flag take one value, a range FROM:TO:STEP (TO included when on the
grid; exact decimals) or a list A,B,C; flags of several values are the axes of the grid.
Spikes are upward crossings of --threshold (mV); spike_count counts those after --transient
ms, rate_Hz is the inverse of their mean inter-spike interval (0 with fewer than two), and
latency_ms is the time of the first spike after the step's onset (-1: none). Beside the CSV a
JSON sidecar holds the grid, the membrane, the solver and the command that reproduces the file
(also 'hhtui sweep --config FILE.json').

The grid is cut into chunks of points sharing a membrane, each simulated as one population:
here by default, on a dask.distributed cluster with --scheduler, or on a local cluster of
--workers processes (the numbers are the same). Finished chunks are kept in FILE.csv.chunks/
as they come; after an interruption (Ctrl-C) --resume continues where it stopped. A progress
bar on standard error (when it is a terminal) counts grid points. The onset of repetitive
firing (lowest current of the longest run of neighbouring currents that fire at least
--min-spikes spikes after the transient) is printed for a one-dimensional sweep.

--hysteresis steps the current up through --amp and back down, each step continuing from the
state the previous one ended in, and writes both branches:
  amp_uA_cm2,direction,spike_count,rate_Hz,V_max_mV,V_min_mV   (direction +1 up, -1 down)
"""

EPILOG = """\
examples:
  hhtui sweep --amp 0:50:0.5 --t-stop 500 --transient 100 -o fi.csv
  hhtui sweep --amp 0:50:0.5 --g-k 20:50:2 --temperature 6.3,18.5 -o grid.csv
  hhtui sweep --amp 0:50:0.5 --g-k 20:50:2 --workers 2 -o grid.csv          (a local cluster)
  hhtui sweep --amp 0:50:0.5 --g-k 20:50:2 --scheduler tcp://10.0.0.5:8786 -o grid.csv
  hhtui sweep --amp 0:50:0.5 --g-k 20:50:2 --resume -o grid.csv             (after Ctrl-C)
  hhtui sweep --amp 0:15:0.05 --hysteresis -o hysteresis.csv
  hhtui sweep --amp -5:10:0.1 --e-k -90:-70:5 -o fi.csv
  hhtui sweep --amp 0:20:1 --e-k=-90,-77 -o fi.csv      (a list starting with '-' needs '=')
"""


class AmpRange:
    """Currents written ``FROM:TO:STEP`` (or ``A,B,C``) in uA/cm^2, as ``--amp`` reads them; an
    argparse-style type (raises ``argparse.ArgumentTypeError``) for callers outside the sweep."""

    def __init__(self, text: str) -> None:
        from hhtui.sweeps.grid import GridError, parse_axis

        try:
            self.axis = parse_axis("amp", text)
        except GridError as error:
            raise argparse.ArgumentTypeError(str(error).removeprefix("--amp: ")) from None
        self.text = self.axis.text
        self.count = self.axis.count

    def values(self) -> np.ndarray:
        """The currents, uA/cm^2."""
        return np.array(self.axis.values, dtype=np.float64)

    def __repr__(self) -> str:
        return f"AmpRange({self.text!r})"


def add_parser(subparsers: Any) -> None:
    """Register ``hhtui sweep``."""
    from hhtui.sweeps.grid import AXES

    parser = subparsers.add_parser(
        "sweep",
        help="F-I curves over a grid of parameters, to CSV (dask for clusters)",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    grid = parser.add_argument_group("grid (each: one value, FROM:TO:STEP or A,B,C)")
    grid.add_argument(
        "--amp",
        dest="grid_amp",
        default=None,
        metavar="FROM:TO:STEP",
        help=f"currents in {AXES['amp'].unit}, e.g. 0:50:0.5 (required unless --config)",
    )
    for row in table("sweep"):
        if row.name in MEMBRANE_FLAGS:
            grid.add_argument(row.cli_flag, dest=f"grid_{row.name}", default=None, metavar="X", help=row.describe())
    runs = parser.add_argument_group("each run")
    for name in RUN_SETTINGS:
        add_parameter(runs, parameter("sweep", name))
    runs.add_argument(
        "--hysteresis",
        action="store_true",
        help="step the current up through --amp and back down, each step from the previous "
        "state (one neuron; the membrane flags take one value)",
    )
    add_solver_arguments(parser, sample_every=False, command="sweep")
    where = parser.add_argument_group("execution")
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run the chunks on this dask.distributed scheduler (needs hhtui[distributed])",
    )
    where.add_argument(
        "--workers",
        type=whole_number(1, MAX_LOCAL_WORKERS),
        default=None,
        metavar="N",
        help="run the chunks on a local dask cluster of N worker processes started for the run "
        f"(at most {MAX_LOCAL_WORKERS}: four per core of this machine)",
    )
    where.add_argument(
        "--chunk-size",
        type=positive_int,
        default=None,
        metavar="POINTS",
        help="grid points per chunk (default: about 2e7 neuron-steps, 64 to 4096 points)",
    )
    where.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted sweep from the chunks kept in FILE.csv.chunks/ "
        "(the same flags and -o as the interrupted run)",
    )
    parser.add_argument(
        "--config",
        default=None,
        metavar="FILE.json",
        help="the sweep of a sidecar written by 'hhtui sweep' (flags given override it)",
    )
    add_output_argument(parser)
    parser.set_defaults(handler=run)


# --------------------------------------------------------------------------------------------
# the command


def run(args: argparse.Namespace) -> int:
    """``hhtui sweep``: build the grid, run it, write the CSV and sidecar.

    The progress bar starts first, before the numerical kernels are even imported, so that on a
    terminal it shows within about a second of the command, whatever follows."""
    bar = _Bar()
    try:
        return _run(args, bar)
    finally:
        bar.close()


def _run(args: argparse.Namespace, bar: _Bar) -> int:
    from hhtui.sweeps.plan import load_config, plan_sweep

    try:
        config = load_config(args.config) if args.config is not None else None
        values = {name: getattr(args, name) for name in RUN_SETTINGS}
        values.update(solver_changes(args))
        plan = plan_sweep(
            {name: getattr(args, f"grid_{name}") for name in GRID_FLAGS},
            values,
            config,
            hysteresis=args.hysteresis,
            scheduler=args.scheduler,
            workers=args.workers,
            chunk_size=args.chunk_size,
            resume=args.resume,
        )
    except ParameterError as error:
        raise UsageError(str(error)) from None

    output = args.output if args.output is not None else default_output_name()
    check_output(output, force=args.force)
    if args.resume and output == "-":
        raise UsageError("--resume: needs the -o FILE.csv of the interrupted sweep (its chunks are kept beside it)")
    if args.resume and args.output is None:
        raise UsageError("--resume: give the -o FILE.csv of the interrupted sweep")
    command = plan.command(output if output == "-" else str(output))
    if plan.hysteresis:
        return _run_hysteresis(plan, output, command, bar, args.force)
    return _run_grid(args, plan, output, command, bar)


class _Bar:
    """The sweep's progress bar: grid points done, and the time so far.

    Calling it records the count; a background thread draws the bar (on a terminal) from half a
    second on, five times a second, so it shows even while the first chunk is being loaded or
    compiled. The compiled kernels release the interpreter's lock, so it keeps moving during them.
    """

    def __init__(self) -> None:
        import threading

        self.total = 0
        self.unit = "points"
        self.done = 0.0
        self.bar = ProgressBar(COMMAND, delay=0.4)
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.bar.enabled:
            self._thread = threading.Thread(target=self._tick, name="hhtui-progress", daemon=True)
            self._thread.start()

    def start(self, total: int, unit: str = "points") -> None:
        """The work is known: ``total`` of ``unit``."""
        self.total, self.unit, self.done = total, unit, 0.0

    def __call__(self, done: float) -> None:
        self.done = done

    def _tick(self) -> None:
        while not self._stop.wait(0.1):
            elapsed = time.monotonic() - self.started
            if self.total:
                note = f"{int(self.done):,}/{self.total:,} {self.unit}, {elapsed:.0f} s"
                self.bar(self.done / self.total, note)
            else:
                self.bar(0.0, f"starting, {elapsed:.0f} s")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.bar.close()


def _run_grid(args: argparse.Namespace, plan: Any, output: str, command: str, bar: _Bar) -> int:
    from hhtui.sweeps.executors import ExecutorError
    from hhtui.sweeps.journal import JournalError
    from hhtui.sweeps.plan import GridRun, grid_outcome, shape_text

    grid = plan.grid
    try:
        run = GridRun(plan, None if output == "-" else output, args.resume)
    except JournalError as error:
        bar.close()
        raise UsageError(f"{'--resume' if args.resume else '-o/--output'}: {error}") from None
    sweep = run.sweep
    bar.start(grid.size)
    try:
        execution = run.run(bar)
    except ExecutorError as error:
        flag = "--scheduler" if plan.scheduler is not None else "--workers"
        note = "; the finished chunks are kept: continue with --resume" if run.kept else ""
        raise UsageError(f"{flag}: {error}{note}") from None
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP (hhtui.signals): 130, 143, 129
        bar.close()
        if run.kept:
            print(
                f"{COMMAND}: interrupted; {run.kept_text()}; continue with the same command and --resume",
                file=sys.stderr,
            )
        else:
            print(f"{COMMAND}: interrupted; no file written", file=sys.stderr)
        if plan.workers is not None:
            _exit_now(exit_status(stop))
        return exit_status(stop)
    except JournalError as error:
        from .common import RunFailed

        raise RunFailed(f"{error}; the chunks finished so far are kept for --resume") from None
    finally:
        bar.close()

    if not sweep.complete:  # pragma: no cover - an executor returned without every chunk
        from .common import RunFailed

        raise RunFailed("the sweep ended with chunks missing; run it again with --resume")
    outcome = grid_outcome(plan, sweep, execution, run.resumed, command)
    written = write_output(output, outcome.columns, outcome.experiment.to_dict(), extra=outcome.extra, force=args.force)
    run.finish()
    where = "standard output" if not written else " + ".join(str(path) for path in written)
    peak = float(np.max(sweep.rate_hz)) if sweep.rate_hz.size else math.nan
    onset, settings, min_spikes = outcome.onset, plan.settings, plan.min_spikes
    if grid.membrane_axes:
        result = f"{grid.size:,} points ({shape_text(grid)})"
    elif onset is None:
        result = (
            f"{grid.size:,} currents, no repetitive firing (>= {min_spikes} spikes after "
            f"{settings.transient:g} ms) between {grid.amp.values[0]:g} and {grid.amp.values[-1]:g} uA/cm^2"
        )
    else:
        result = f"{grid.size:,} currents, onset of repetitive firing at {onset:g} uA/cm^2"
    print(f"{COMMAND}: {result}, highest rate {peak:.4g} Hz -> {where}", file=sys.stderr)
    return 0


def _exit_now(status: int) -> None:
    """End the process at once with ``status``: after Ctrl-C the local cluster's workers are
    killed already (:meth:`hhtui.sweeps.executors.Dask.abort`), and the exit handlers of
    dask.distributed would spend seconds trying to close it gracefully. The journal's chunks are
    on disk (each written atomically as it came)."""
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


def _run_hysteresis(plan: Any, output: str, command: str, bar: _Bar, force: bool = False) -> int:
    from hhtui.sweeps.plan import run_hysteresis

    amps = plan.grid.amp.values
    bar.start(2 * len(amps), "steps")
    done = {"steps": 0}

    def progress(steps: int) -> None:
        done["steps"] += steps
        bar(done["steps"] / plan.settings.steps)

    try:
        outcome = run_hysteresis(plan, command, progress)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP (hhtui.signals): 130, 143, 129
        bar.close()
        print(f"{COMMAND}: interrupted; no file written", file=sys.stderr)
        return exit_status(stop)
    finally:
        bar.close()
    bistable = outcome.bistable
    written = write_output(output, outcome.columns, outcome.experiment.to_dict(), extra=outcome.extra, force=force)
    where = "standard output" if not written else " + ".join(str(path) for path in written)
    if bistable is None:
        text = "no bistable range (both branches agree)"
    else:
        text = f"bistable from {bistable[0]:g} to {bistable[1]:g} uA/cm^2 (rest on the way up, firing on the way down)"
    print(f"{COMMAND}: hysteresis over {len(amps):,} currents up and down, {text} -> {where}", file=sys.stderr)
    return 0
