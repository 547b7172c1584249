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
import shlex
import sys
import time
from typing import Any

import numpy as np

from hhtui.model import Experiment, Membrane, Solver, Step
from hhtui.parameters import parameter, table
from hhtui.signals import exit_status

from .common import (
    MEMBRANE_FLAGS,
    UsageError,
    add_output_argument,
    add_parameter,
    add_solver_arguments,
    blame,
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
#: A local cluster is one process per worker on this machine: more than a few per core only thrashes.
MAX_LOCAL_WORKERS = 4 * (os.cpu_count() or 1)

#: Most neuron-steps (points x time steps) one sweep may take: hours on a 100-core cluster.
MAX_NEURON_STEPS = 10**13

#: Most chunks one sweep may be cut into (a grid that varies the membrane at few currents is
#: cut into many small chunks, since the points of one chunk share a membrane).
MAX_CHUNKS = 200_000

#: Most currents of an F-I curve given as a list of numbers (the Python API's ``sweep``).
MAX_CURRENTS = 100_000

#: Columns of a one-dimensional F-I CSV before the latency (the Python API's frame).
FI_COLUMNS = ("amp_uA_cm2", "spike_count", "rate_Hz")

#: The flag of each grid parameter (and its Membrane field or 'amp').
GRID_FLAGS = {"amp": "--amp", **MEMBRANE_FLAGS}

#: The settings of each run of a sweep, from the parameter table (defaults, ranges, sidecar keys).
RUN_SETTINGS = ("t_stop", "transient", "threshold", "min_spikes")

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
# settings


def _load_config(path: str) -> dict[str, Any]:
    """The ``sweep`` section and membrane/solver of a sweep sidecar."""
    from hhtui.export import ExportError, read_json

    try:
        data = read_json(path)
    except ExportError as error:
        raise UsageError(f"--config: {error}") from None
    sweep = data.get("sweep") if isinstance(data, dict) else None
    if (
        isinstance(sweep, dict)
        and "grid" not in sweep
        and all(isinstance(sweep.get(k), (int, float)) for k in ("amp_from_uA_cm2", "amp_to_uA_cm2", "amp_step_uA_cm2"))
    ):
        # A sidecar of the F-I sweeps of version 0.1, which varied the current alone.
        text = f"{sweep['amp_from_uA_cm2']!r}:{sweep['amp_to_uA_cm2']!r}:{sweep['amp_step_uA_cm2']!r}"
        sweep["grid"] = {"axes": [{"name": "amp", "text": text}]}
    if not isinstance(sweep, dict) or not isinstance(sweep.get("grid"), dict):
        raise UsageError(
            f"--config: {path}: not a sweep sidecar (no 'sweep' section with its 'grid'); "
            "write one with 'hhtui sweep -o FILE.csv'"
        )
    return data


def _config_texts(config: dict[str, Any], path: str) -> dict[str, str]:
    axes = config["sweep"]["grid"].get("axes")
    texts: dict[str, str] = {}
    if not isinstance(axes, list):
        raise UsageError(f"--config: {path}: the sweep's grid has no list of axes")
    for item in axes:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("text"), str)
            and item["name"] in GRID_FLAGS
        ):
            raise UsageError(f"--config: {path}: each axis of the grid needs a known name and a text")
        texts[item["name"]] = item["text"]
    return texts


def _setting(args: argparse.Namespace, config: dict[str, Any] | None, name: str) -> Any:
    """The run setting ``name``: the flag, else the config file's (checked), else the table's default."""
    row = parameter("sweep", name)
    value = getattr(args, name)
    if value is not None:
        return value
    if config is None or row.field not in config["sweep"]:
        return row.default
    value = config["sweep"][row.field]
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or (row.whole and not isinstance(value, int)) or not row.accepts(value):
        kind = "a whole number" if row.whole else "a number"
        raise UsageError(f"--config: {row.field} must be {kind} {row.allowed}, got {value!r}")
    return value if row.whole else float(value)


def _command_line(
    texts: dict[str, str], settings: Any, min_spikes: int, base: Membrane, hysteresis: bool, output: str
) -> str:
    """The ``hhtui sweep`` command that reproduces these settings."""
    words = ["hhtui", "sweep"]
    for name, flag in GRID_FLAGS.items():
        if name in texts:
            words.append(f"{flag}={texts[name]}")
        elif name != "amp" and getattr(base, name) != getattr(Membrane(), name):
            words.append(f"{flag}={getattr(base, name)!r}")
    words += [
        "--t-stop",
        repr(settings.t_stop),
        "--transient",
        repr(settings.transient),
        "--threshold",
        repr(settings.threshold),
        "--min-spikes",
        str(min_spikes),
        "--dt",
        repr(settings.dt),
        "--method",
        settings.method,
    ]
    if hysteresis:
        words.append("--hysteresis")
    words += ["-o", output]
    return shlex.join(words)


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
    from hhtui.model.solver import DT_RANGE
    from hhtui.sweeps.chunks import RunSettings, chunk_points
    from hhtui.sweeps.grid import Grid, GridError

    config = _load_config(args.config) if args.config is not None else None
    texts = _config_texts(config, args.config) if config is not None else {}
    for name in GRID_FLAGS:
        given = getattr(args, f"grid_{name}")
        if given is not None:
            texts[name] = given
    if "amp" not in texts:
        raise UsageError("--amp: the currents are required, e.g. --amp 0:50:0.5 (or --config FILE.json)")
    try:
        grid = Grid.build(texts)
    except GridError as error:
        raise UsageError(str(error)) from None

    base = Membrane()
    if config is not None and config.get("experiment", {}).get("membrane") is not None:
        with blame("--config"):
            base = Membrane.from_dict(config["experiment"]["membrane"])
    t_stop = _setting(args, config, "t_stop")
    transient = _setting(args, config, "transient")
    threshold = _setting(args, config, "threshold")
    min_spikes = _setting(args, config, "min_spikes")
    if transient >= t_stop:
        flag = "--transient" if args.transient is not None else "--t-stop"
        raise UsageError(
            f"{flag}: the transient ({transient:g} ms) must be shorter than the run (--t-stop {t_stop:g} ms)"
        )
    solver_settings = dict(solver_changes(args))
    if config is not None:
        stored = config.get("experiment", {}).get("solver", {})
        if isinstance(stored, dict):
            for key in ("dt", "method"):
                if key not in solver_settings and key in stored:
                    solver_settings[key] = stored[key]
    with blame("/".join("--" + name for name in solver_settings) or "--dt"):
        solver = Solver(**solver_settings)
    if solver.method == "scipy":
        raise UsageError(
            "--method: 'scipy' (the adaptive reference) is for single runs; a sweep needs a "
            "fixed-step method: " + ", ".join(m for m in ("rk4", "expeuler", "euler"))
        )
    if not DT_RANGE[0] <= solver.dt <= DT_RANGE[1]:  # pragma: no cover - Solver checks it
        raise UsageError(f"--dt: must be in [{DT_RANGE[0]:g}, {DT_RANGE[1]:g}] ms")
    settings = RunSettings(t_stop=t_stop, transient=transient, threshold=threshold, dt=solver.dt, method=solver.method)

    if config is not None and config["sweep"].get("hysteresis") is True:
        args.hysteresis = True
    remote = args.scheduler is not None or args.workers is not None
    if args.scheduler is not None and args.workers is not None:
        raise UsageError("--workers: starts a local cluster, --scheduler uses one already running; give one of them")
    if args.scheduler is not None and not _looks_like_address(args.scheduler):
        raise UsageError(f"--scheduler: expected a scheduler address such as tcp://HOST:8786, got {args.scheduler!r}")

    neuron_steps = grid.size * settings.steps * (2 if args.hysteresis else 1)
    if neuron_steps > MAX_NEURON_STEPS:
        flags = "/".join(a.info.flag for a in grid.varied) + "/--t-stop/--dt"
        raise UsageError(
            f"{flags}: {grid.size:,} points x {settings.steps:,} time steps is {neuron_steps:.2g} "
            f"neuron-steps, more than the limit of {MAX_NEURON_STEPS:.0e}; use fewer points, a shorter "
            "--t-stop or a larger --dt"
        )
    if args.hysteresis:
        if grid.membrane_axes:
            raise UsageError(
                f"--hysteresis: steps one neuron through the currents; give "
                f"{', '.join(a.info.flag for a in grid.membrane_axes)} a single value"
            )
        for flag, given in (
            ("--scheduler", args.scheduler),
            ("--workers", args.workers),
            ("--chunk-size", args.chunk_size),
            ("--resume", args.resume or None),
        ):
            if given is not None:
                raise UsageError(
                    f"{flag}: a hysteresis sweep is one neuron stepped in order; it runs here, in one piece"
                )
    else:
        points = chunk_points(settings, args.chunk_size)
        blocks = grid.size // grid.amp.count
        chunks = blocks * math.ceil(grid.amp.count / points)
        if chunks > MAX_CHUNKS:
            raise UsageError(
                f"{'/'.join(a.info.flag for a in grid.membrane_axes)}: the grid is cut into {chunks:,} "
                f"chunks (the points of a chunk share a membrane, and --amp has {grid.amp.count:,} "
                f"values), more than {MAX_CHUNKS:,}; give --amp more values and the membrane fewer"
            )

    output = args.output if args.output is not None else default_output_name()
    check_output(output, force=args.force)
    if args.resume and output == "-":
        raise UsageError("--resume: needs the -o FILE.csv of the interrupted sweep (its chunks are kept beside it)")
    if args.resume and args.output is None:
        raise UsageError("--resume: give the -o FILE.csv of the interrupted sweep")
    with blame("--config"):
        fixed = base.replace(**grid.fixed) if grid.fixed else base

    command = _command_line(
        grid.texts(), settings, min_spikes, base, args.hysteresis, output if output == "-" else str(output)
    )
    if args.hysteresis:
        return _run_hysteresis(grid, fixed, settings, solver, output, command, min_spikes, bar, args.force)
    return _run_grid(args, grid, base, fixed, settings, solver, output, command, min_spikes, remote, bar)


def _run_settings(settings: Any, min_spikes: int) -> dict[str, Any]:
    """The run settings of a sweep under their sidecar keys (those of the parameter table)."""
    values = {"t_stop": settings.t_stop, "transient": settings.transient, "threshold": settings.threshold}
    values["min_spikes"] = min_spikes
    return {parameter("sweep", name).field: values[name] for name in RUN_SETTINGS}


def _looks_like_address(text: str) -> bool:
    if "://" in text:
        scheme, _, rest = text.partition("://")
        return bool(scheme) and bool(rest) and not any(c.isspace() for c in text)
    return ":" in text and not any(c.isspace() for c in text)


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


def _run_grid(
    args: argparse.Namespace,
    grid: Any,
    base: Membrane,
    fixed: Membrane,
    settings: Any,
    solver: Solver,
    output: str,
    command: str,
    min_spikes: int,
    remote: bool,
    bar: _Bar,
) -> int:
    from hhtui.model import NumericalInstabilityError
    from hhtui.sweeps.executors import Dask, ExecutorError, InProcess
    from hhtui.sweeps.journal import Journal, JournalError, journal_path
    from hhtui.sweeps.runner import Sweep

    sweep = Sweep(grid, base, settings, args.chunk_size)
    journal: Journal | None = None
    resumed = 0
    bar.start(grid.size)
    if output != "-":
        try:
            if args.resume:
                journal = Journal.open(journal_path(output), sweep.definition())
                resumed = sweep.resume_from(journal)
            else:
                journal = Journal.create(journal_path(output), sweep.definition())
        except JournalError as error:
            bar.close()
            raise UsageError(f"{'--resume' if args.resume else '-o/--output'}: {error}") from None
    executor: Any = None
    try:
        try:
            executor = Dask(args.scheduler, args.workers) if remote else InProcess()
            sweep.run(executor, journal, bar)
        except ExecutorError as error:
            flag = "--scheduler" if args.scheduler is not None else "--workers"
            _keep_or_drop(journal, sweep)
            note = "; the finished chunks are kept: continue with --resume" if journal and sweep.finished else ""
            raise UsageError(f"{flag}: {error}{note}") from None
        except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP (hhtui.signals): 130, 143, 129
            bar.close()
            kept = sweep.points_done
            if journal is not None and sweep.finished:
                print(
                    f"{COMMAND}: interrupted; {kept:,} of {grid.size:,} grid points kept in {journal.directory}; "
                    "continue with the same command and --resume",
                    file=sys.stderr,
                )
            else:
                if journal is not None:
                    journal.remove()
                print(f"{COMMAND}: interrupted; no file written", file=sys.stderr)
            if args.workers is not None:
                _exit_now(exit_status(stop))
            return exit_status(stop)
        except NumericalInstabilityError:
            if journal is not None:
                journal.remove()
            raise
        except JournalError as error:
            from .common import RunFailed

            raise RunFailed(f"{error}; the chunks finished so far are kept for --resume") from None
    finally:
        bar.close()
        if executor is not None:
            executor.close()

    if not sweep.complete:  # pragma: no cover - an executor returned without every chunk
        from .common import RunFailed

        raise RunFailed("the sweep ended with chunks missing; run it again with --resume")
    columns = sweep.columns()
    amps = columns["amp_uA_cm2"]
    stimulus = Step(amplitude=amps if amps.size > 1 else float(amps[0]), start=0.0)
    experiment = Experiment(
        membrane=fixed,
        stimulus=stimulus,
        solver=solver,
        t_stop=settings.t_stop,
        name="fi-sweep",
        title="F-I curve" if not grid.membrane_axes else "F-I grid",
        description=f"Step currents from t = 0 over the grid {_shape_text(grid)}, spikes counted "
        f"after {settings.transient:g} ms.",
    )
    onset = None
    if not grid.membrane_axes:
        from hhtui.model.analysis import FICurve, repetitive_onset

        onset = repetitive_onset(FICurve(amps, sweep.spike_count, sweep.rate_hz), min_spikes=min_spikes)
    extra = {
        "sweep": {
            "grid": grid.to_dict(),
            "columns": list(columns),
            **_run_settings(settings, min_spikes),
            "rate": "inverse mean inter-spike interval after the transient (0: < 2 spikes)",
            "latency": "first spike after the onset at t = 0, ms (-1: none)",
            "currents": grid.amp.count,
            "points": grid.size,
            "onset_uA_cm2": onset,
            "points_per_chunk": sweep.points_per_chunk,
            "chunks": len(sweep.chunks),
            "resumed_chunks": resumed,
            "execution": executor.describe() if executor is not None else {"executor": "in-process"},
        },
        "command": command,
    }
    written = write_output(output, columns, experiment.to_dict(), extra=extra, force=args.force)
    if journal is not None:
        journal.remove()
    where = "standard output" if not written else " + ".join(str(path) for path in written)
    peak = float(np.max(sweep.rate_hz)) if sweep.rate_hz.size else math.nan
    if grid.membrane_axes:
        result = f"{grid.size:,} points ({_shape_text(grid)})"
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


def _keep_or_drop(journal: Any, sweep: Any) -> None:
    """After a failed start, an empty journal is removed; one with finished chunks is kept."""
    if journal is not None and not sweep.finished:
        journal.remove()


def _shape_text(grid: Any) -> str:
    return " x ".join(f"{a.info.flag} {a.count:,}" for a in grid.membrane_axes + (grid.amp,))


def _run_hysteresis(
    grid: Any,
    membrane: Membrane,
    settings: Any,
    solver: Solver,
    output: str,
    command: str,
    min_spikes: int,
    bar: _Bar,
    force: bool = False,
) -> int:
    from hhtui.sweeps.hysteresis import hysteresis_sweep

    amps = grid.amp.values
    total = 2 * len(amps)
    bar.start(total, "steps")
    done = {"steps": 0}

    def progress(steps: int) -> None:
        done["steps"] += steps
        bar(done["steps"] / settings.steps)

    try:
        result = hysteresis_sweep(amps, membrane, settings, progress)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP (hhtui.signals): 130, 143, 129
        bar.close()
        print(f"{COMMAND}: interrupted; no file written", file=sys.stderr)
        return exit_status(stop)
    finally:
        bar.close()
    bistable = result.bistable_range(min_spikes)
    experiment = Experiment(
        membrane=membrane,
        stimulus=Step(amplitude=float(amps[0]), start=0.0),
        solver=solver,
        t_stop=settings.t_stop,
        name="hysteresis",
        title="Hysteresis",
        description=f"Current stepped up through {grid.amp.text} uA/cm^2 and back down, each step "
        f"{settings.t_stop:g} ms from the state the previous one ended in.",
    )
    extra = {
        "sweep": {
            "grid": grid.to_dict(),
            "hysteresis": True,
            "columns": list(result.columns()),
            **_run_settings(settings, min_spikes),
            "bistable_uA_cm2": list(bistable) if bistable else None,
            "rate": "inverse mean inter-spike interval after the transient (0: < 2 spikes)",
        },
        "command": command,
    }
    written = write_output(output, result.columns(), experiment.to_dict(), extra=extra, force=force)
    where = "standard output" if not written else " + ".join(str(path) for path in written)
    if bistable is None:
        text = "no bistable range (both branches agree)"
    else:
        text = f"bistable from {bistable[0]:g} to {bistable[1]:g} uA/cm^2 (rest on the way up, firing on the way down)"
    print(f"{COMMAND}: hysteresis over {len(amps):,} currents up and down, {text} -> {where}", file=sys.stderr)
    return 0
