"""A sweep from its settings to its table: what ``hhtui sweep`` and :func:`hhtui.sweep` share.

:func:`plan_sweep` checks the settings (the grid's axes, a sidecar to replay, the run settings,
the solver, the execution) and returns a :class:`SweepPlan`; :func:`grid_outcome` and
:func:`run_hysteresis` turn its results into the long-format columns, the experiment and the
sidecar's ``sweep`` section. Errors are :class:`ParameterError` whose message starts with the
setting's name as the caller shows it (``namer``: ``--g-k`` on the command line, ``g_k`` in
Python) and whose ``parameter`` is its keyword.
"""

from __future__ import annotations

import math
import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hhtui.model import Experiment, Membrane, Solver, Step
from hhtui.model.errors import ParameterError
from hhtui.parameters import parameter

from .grid import AXES, Grid, GridError

if TYPE_CHECKING:
    from .chunks import RunSettings

__all__ = [
    "MAX_CHUNKS",
    "MAX_LOCAL_WORKERS",
    "MAX_NEURON_STEPS",
    "RUN_SETTINGS",
    "GridRun",
    "Outcome",
    "SweepPlan",
    "flag_name",
    "grid_outcome",
    "keyword_name",
    "load_config",
    "plan_sweep",
    "run_hysteresis",
]

#: Most neuron-steps (points x time steps) one sweep may take: hours on a 100-core cluster.
MAX_NEURON_STEPS = 10**13

#: Most chunks one sweep may be cut into (a grid that varies the membrane at few currents is
#: cut into many small chunks, since the points of one chunk share a membrane).
MAX_CHUNKS = 200_000

#: A local cluster is one process per worker on this machine: more than a few per core only thrashes.
MAX_LOCAL_WORKERS = 4 * (os.cpu_count() or 1)

#: The settings of each run of a sweep, from the parameter table (defaults, ranges, sidecar keys).
RUN_SETTINGS = ("t_stop", "transient", "threshold", "min_spikes")

#: How a setting is named to the person: its keyword (``g_k``) or its flag (``--g-k``).
Namer = Callable[[str], str]


def flag_name(name: str) -> str:
    """The command-line flag of a keyword: ``g_k`` -> ``--g-k``."""
    return "--" + name.replace("_", "-")


def keyword_name(name: str) -> str:
    """The keyword itself (the Python API's naming)."""
    return name


def _error(namer: Namer, names: str | tuple[str, ...], message: str) -> ParameterError:
    keys = (names,) if isinstance(names, str) else names
    return ParameterError(f"{'/'.join(namer(k) for k in keys)}: {message}", parameter=keys[0], parameters=keys)


def _regrid_error(error: GridError, namer: Namer) -> ParameterError:
    """A grid error (its message starts with the axis's flag) in the caller's naming."""
    text = str(error)
    for name, info in AXES.items():
        if text.startswith(info.flag + ":"):
            return ParameterError(namer(name) + text[len(info.flag) :], parameter=name)
    return ParameterError(text, parameter="amp")


# --------------------------------------------------------------------------------------------
# a sidecar to replay


def load_config(config: Any, namer: Namer = flag_name) -> dict[str, Any]:
    """The sidecar of a sweep (a path to its JSON file, or its content as a dict), checked to
    hold a ``sweep`` section with its ``grid``; a sidecar of the current-only sweeps of version
    0.1 is read as a grid over ``amp``."""
    from hhtui.configs import config_data

    data, where = config_data(config, namer("config"), "the path of a sweep's JSON sidecar or its content as a dict")
    sweep = data.get("sweep") if isinstance(data, dict) else None
    if (
        isinstance(sweep, dict)
        and "grid" not in sweep
        and all(isinstance(sweep.get(k), (int, float)) for k in ("amp_from_uA_cm2", "amp_to_uA_cm2", "amp_step_uA_cm2"))
    ):
        # A sidecar of the F-I sweeps of version 0.1, which varied the current alone.
        text = f"{sweep['amp_from_uA_cm2']!r}:{sweep['amp_to_uA_cm2']!r}:{sweep['amp_step_uA_cm2']!r}"
        sweep = dict(sweep, grid={"axes": [{"name": "amp", "text": text}]})
        data = dict(data, sweep=sweep)
    if not isinstance(sweep, dict) or not isinstance(sweep.get("grid"), dict):
        raise ParameterError(
            f"{where}: not a sweep sidecar (no 'sweep' section with its 'grid'); "
            "write one with 'hhtui sweep -o FILE.csv'",
            parameter="config",
        )
    data["_where"] = where
    return data


def _config_texts(config: Mapping[str, Any], namer: Namer) -> dict[str, str]:
    axes = config["sweep"]["grid"].get("axes")
    where = str(config.get("_where"))
    texts: dict[str, str] = {}
    if not isinstance(axes, list):
        raise ParameterError(f"{where}: the sweep's grid has no list of axes", parameter="config")
    for item in axes:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("text"), str)
            and item["name"] in AXES
        ):
            raise ParameterError(f"{where}: each axis of the grid needs a known name and a text", parameter="config")
        texts[item["name"]] = item["text"]
    return texts


def _setting(values: Mapping[str, Any], config: Mapping[str, Any] | None, name: str, namer: Namer) -> Any:
    """The run setting ``name``: the value given, else the config's (checked), else the table's default."""
    row = parameter("sweep", name)
    value = values.get(name)
    if value is not None:
        return value
    if config is None or row.field not in config["sweep"]:
        return row.default
    value = config["sweep"][row.field]
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or (row.whole and not isinstance(value, int)) or not row.accepts(value):
        kind = "a whole number" if row.whole else "a number"
        raise ParameterError(
            f"{namer('config')}: {row.field} must be {kind} {row.allowed}, got {value!r}", parameter="config"
        )
    return value if row.whole else float(value)


# --------------------------------------------------------------------------------------------
# the plan


@dataclass(frozen=True)
class SweepPlan:
    """A checked sweep: the grid, the membrane before (``base``) and after (``fixed``) its
    single-valued axes, how each point runs, and where the chunks run."""

    grid: Grid
    base: Membrane
    fixed: Membrane
    settings: RunSettings
    solver: Solver
    min_spikes: int
    hysteresis: bool = False
    scheduler: str | None = None
    workers: int | None = None
    chunk_size: int | None = None

    @property
    def remote(self) -> bool:
        """Whether the chunks run on a dask cluster."""
        return self.scheduler is not None or self.workers is not None

    def command(self, output: str | None) -> str:
        """The ``hhtui sweep`` command that reproduces this sweep (writing ``output``, if given)."""
        texts = self.grid.texts()
        words = ["hhtui", "sweep"]
        for name, info in AXES.items():
            if name in texts:
                words.append(f"{info.flag}={texts[name]}")
            elif name != "amp" and getattr(self.base, name) != getattr(Membrane(), name):
                words.append(f"{info.flag}={getattr(self.base, name)!r}")
        settings = self.settings
        words += ["--t-stop", repr(settings.t_stop), "--transient", repr(settings.transient)]
        words += ["--threshold", repr(settings.threshold), "--min-spikes", str(self.min_spikes)]
        words += ["--dt", repr(settings.dt), "--method", settings.method]
        if self.hysteresis:
            words.append("--hysteresis")
        if output is not None:
            words += ["-o", output]
        return shlex.join(words)

    def run_settings(self) -> dict[str, Any]:
        """The run settings under their sidecar keys (those of the parameter table)."""
        s = self.settings
        values = {"t_stop": s.t_stop, "transient": s.transient, "threshold": s.threshold, "min_spikes": self.min_spikes}
        return {parameter("sweep", name).field: values[name] for name in RUN_SETTINGS}


def plan_sweep(
    texts: Mapping[str, str],
    values: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    *,
    hysteresis: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    namer: Namer = flag_name,
) -> SweepPlan:
    """Check a sweep's settings. ``texts``: the grid's axes given (``FROM:TO:STEP`` or ``A,B,C``,
    by name, over those of ``config``); ``values``: the run settings (``t_stop``, ``transient``
    (ms), ``threshold`` (mV), ``min_spikes``) and solver settings (``dt``, ms, ``method``) given,
    None for those not given; ``config``: a sidecar read by :func:`load_config`."""
    from hhtui.model.solver import DT_RANGE

    from .chunks import RunSettings, chunk_points

    all_texts = _config_texts(config, namer) if config is not None else {}
    all_texts.update({name: text for name, text in texts.items() if text is not None})
    if "amp" not in all_texts:
        example = "--amp 0:50:0.5 (or --config FILE.json)" if namer is flag_name else "amp='0:50:0.5' (or config=)"
        raise _error(namer, "amp", f"the currents are required, e.g. {example}")
    try:
        grid = Grid.build(all_texts)
    except GridError as error:
        raise _regrid_error(error, namer) from None

    base = Membrane()
    if config is not None and isinstance(config.get("experiment"), dict):
        stored = config["experiment"].get("membrane")
        if stored is not None:
            try:
                base = Membrane.from_dict(stored)
            except ParameterError as error:
                raise _error(namer, "config", str(error)) from None
    t_stop = _setting(values, config, "t_stop", namer)
    transient = _setting(values, config, "transient", namer)
    threshold = _setting(values, config, "threshold", namer)
    min_spikes = _setting(values, config, "min_spikes", namer)
    if transient >= t_stop:
        name = "transient" if values.get("transient") is not None else "t_stop"
        raise _error(
            namer,
            name,
            f"the transient ({transient:g} ms) must be shorter than the run ({namer('t_stop')} {t_stop:g} ms)",
        )
    solver_settings = {key: values[key] for key in ("dt", "method") if values.get(key) is not None}
    if config is not None and isinstance(config.get("experiment"), dict):
        stored = config["experiment"].get("solver", {})
        if isinstance(stored, dict):
            for key in ("dt", "method"):
                if key not in solver_settings and key in stored:
                    solver_settings[key] = stored[key]
    try:
        solver = Solver(**solver_settings)
    except ParameterError as error:
        raise _error(namer, tuple(solver_settings) or ("dt",), str(error)) from None
    if solver.method == "scipy":
        raise _error(
            namer,
            "method",
            "'scipy' (the adaptive reference) is for single runs; a sweep needs a fixed-step "
            "method: rk4, expeuler, euler",
        )
    if not DT_RANGE[0] <= solver.dt <= DT_RANGE[1]:  # pragma: no cover - Solver checks it
        raise _error(namer, "dt", f"must be in [{DT_RANGE[0]:g}, {DT_RANGE[1]:g}] ms")
    settings = RunSettings(t_stop=t_stop, transient=transient, threshold=threshold, dt=solver.dt, method=solver.method)

    if config is not None and config["sweep"].get("hysteresis") is True:
        hysteresis = True
    if scheduler is not None and workers is not None:
        raise _error(
            namer, "workers", f"starts a local cluster, {namer('scheduler')} uses one already running; give one of them"
        )
    if scheduler is not None and not _looks_like_address(scheduler):
        raise _error(namer, "scheduler", f"expected a scheduler address such as tcp://HOST:8786, got {scheduler!r}")

    neuron_steps = grid.size * settings.steps * (2 if hysteresis else 1)
    if neuron_steps > MAX_NEURON_STEPS:
        names = tuple(a.name for a in grid.varied) + ("t_stop", "dt")
        raise _error(
            namer,
            names,
            f"{grid.size:,} points x {settings.steps:,} time steps is {neuron_steps:.2g} "
            f"neuron-steps, more than the limit of {MAX_NEURON_STEPS:.0e}; use fewer points, a shorter "
            f"{namer('t_stop')} or a larger {namer('dt')}",
        )
    if hysteresis:
        if grid.membrane_axes:
            raise _error(
                namer,
                "hysteresis",
                f"steps one neuron through the currents; give "
                f"{', '.join(namer(a.name) for a in grid.membrane_axes)} a single value",
            )
        for name, given in (
            ("scheduler", scheduler),
            ("workers", workers),
            ("chunk_size", chunk_size),
            ("resume", resume or None),
        ):
            if given is not None:
                raise _error(
                    namer, name, "a hysteresis sweep is one neuron stepped in order; it runs here, in one piece"
                )
    else:
        points = chunk_points(settings, chunk_size)
        blocks = grid.size // grid.amp.count
        chunks = blocks * math.ceil(grid.amp.count / points)
        if chunks > MAX_CHUNKS:
            raise _error(
                namer,
                tuple(a.name for a in grid.membrane_axes),
                f"the grid is cut into {chunks:,} chunks (the points of a chunk share a membrane, and "
                f"{namer('amp')} has {grid.amp.count:,} values), more than {MAX_CHUNKS:,}; give "
                f"{namer('amp')} more values and the membrane fewer",
            )
    try:
        fixed = base.replace(**grid.fixed) if grid.fixed else base
    except ParameterError as error:
        raise _error(namer, "config", str(error)) from None
    return SweepPlan(
        grid=grid,
        base=base,
        fixed=fixed,
        settings=settings,
        solver=solver,
        min_spikes=int(min_spikes),
        hysteresis=hysteresis,
        scheduler=scheduler,
        workers=workers,
        chunk_size=chunk_size,
    )


def _looks_like_address(text: str) -> bool:
    if "://" in text:
        scheme, _, rest = text.partition("://")
        return bool(scheme) and bool(rest) and not any(c.isspace() for c in text)
    return ":" in text and not any(c.isspace() for c in text)


# --------------------------------------------------------------------------------------------
# the results


@dataclass(frozen=True)
class Outcome:
    """A finished sweep: its CSV's columns, its experiment and the sidecar's ``sweep`` section
    and ``command``; ``onset`` (uA/cm^2, one-dimensional grids) or ``bistable`` (hysteresis)."""

    columns: dict[str, Any]
    experiment: Experiment
    extra: dict[str, Any]
    onset: float | None = None
    bistable: tuple[float, float] | None = None


def shape_text(grid: Grid, namer: Namer = flag_name) -> str:
    """The grid's shape, e.g. ``--g-k 16 x --amp 101``."""
    return " x ".join(f"{namer(a.name)} {a.count:,}" for a in grid.membrane_axes + (grid.amp,))


def grid_outcome(plan: SweepPlan, sweep: Any, execution: Mapping[str, Any], resumed: int, command: str) -> Outcome:
    """The table of a finished grid sweep (:class:`hhtui.sweeps.runner.Sweep`), run by an
    executor that describes itself as ``execution``, ``resumed`` chunks taken from a journal."""
    from hhtui.model.analysis import FICurve, repetitive_onset

    grid, settings = plan.grid, plan.settings
    columns = sweep.columns()
    amps = columns["amp_uA_cm2"]
    stimulus = Step(amplitude=amps if amps.size > 1 else float(amps[0]), start=0.0)
    experiment = Experiment(
        membrane=plan.fixed,
        stimulus=stimulus,
        solver=plan.solver,
        t_stop=settings.t_stop,
        name="fi-sweep",
        title="F-I curve" if not grid.membrane_axes else "F-I grid",
        description=f"Step currents from t = 0 over the grid {shape_text(grid)}, spikes counted "
        f"after {settings.transient:g} ms.",
    )
    onset = None
    if not grid.membrane_axes:
        onset = repetitive_onset(FICurve(amps, sweep.spike_count, sweep.rate_hz), min_spikes=plan.min_spikes)
    extra = {
        "sweep": {
            "grid": grid.to_dict(),
            "columns": list(columns),
            **plan.run_settings(),
            "rate": "inverse mean inter-spike interval after the transient (0: < 2 spikes)",
            "latency": "first spike after the onset at t = 0, ms (-1: none)",
            "currents": grid.amp.count,
            "points": grid.size,
            "onset_uA_cm2": onset,
            "points_per_chunk": sweep.points_per_chunk,
            "chunks": len(sweep.chunks),
            "resumed_chunks": resumed,
            "execution": dict(execution),
        },
        "command": command,
    }
    return Outcome(columns=columns, experiment=experiment, extra=extra, onset=onset)


class GridRun:
    """One run of a grid sweep on the plan's executor, its finished chunks kept on disk.

    With an ``output`` file (the CSV the caller writes at the end) the chunks are kept beside it
    as they come (:mod:`hhtui.sweeps.journal`); ``resume`` reads back those of an interrupted run
    of the same sweep and computes only the others. A run stopped by Ctrl-C, a signal or a
    failed executor keeps its journal if a chunk had finished (:attr:`kept`), else removes it; a
    numerical blow-up removes it. After the caller has written its file, :meth:`finish` removes
    it. ``hhtui sweep`` and :func:`hhtui.sweep` run grids through this one class.

    Raises :class:`~hhtui.sweeps.journal.JournalError` when the journal cannot be made or
    continued; ``resume_name`` is how the caller spells the option (``--resume``, ``resume=True``).
    """

    def __init__(
        self,
        plan: SweepPlan,
        output: str | os.PathLike[str] | None = None,
        resume: bool = False,
        resume_name: str = "--resume",
    ) -> None:
        from .journal import Journal, journal_path
        from .runner import Sweep

        self.plan = plan
        self.sweep = Sweep(plan.grid, plan.base, plan.settings, plan.chunk_size)
        self.journal: Journal | None = None
        #: chunks read back from the journal of an interrupted run
        self.resumed = 0
        if output is not None:
            if resume:
                self.journal = Journal.open(journal_path(output), self.sweep.definition())
                self.resumed = self.sweep.resume_from(self.journal)
            else:
                self.journal = Journal.create(journal_path(output), self.sweep.definition(), resume_name)

    @property
    def kept(self) -> bool:
        """True if finished chunks are kept on disk (after an interruption: to be resumed)."""
        return self.journal is not None and bool(self.sweep.finished)

    def kept_text(self) -> str:
        """How much of an interrupted run is kept and where (when :attr:`kept`)."""
        where = self.journal.directory if self.journal is not None else "nowhere"
        return f"{self.sweep.points_done:,} of {self.plan.grid.size:,} grid points kept in {where}"

    def run(self, progress: Callable[[float], None] | None = None) -> dict[str, Any]:
        """Compute every chunk not yet done (``progress(points done)`` as they come); returns the
        executor's description."""
        from hhtui.model import NumericalInstabilityError

        from .executors import Dask, ExecutorError, InProcess

        executor: Any = None
        try:
            executor = Dask(self.plan.scheduler, self.plan.workers) if self.plan.remote else InProcess()
            self.sweep.run(executor, self.journal, progress)
            return dict(executor.describe())
        except (ExecutorError, KeyboardInterrupt):
            if self.journal is not None and not self.kept:
                self.journal.remove()
            raise
        except NumericalInstabilityError:
            if self.journal is not None:
                self.journal.remove()
            raise
        finally:
            if executor is not None:
                executor.close()

    def finish(self) -> None:
        """The caller's file is written: the kept chunks are no longer needed."""
        if self.journal is not None:
            self.journal.remove()


def run_hysteresis(plan: SweepPlan, command: str, progress: Callable[[int], None] | None = None) -> Outcome:
    """Step the plan's currents up and back down (:func:`hhtui.sweeps.hysteresis.hysteresis_sweep`)
    and tabulate both branches; ``progress(steps)`` gets the time steps of each slice."""
    from .hysteresis import hysteresis_sweep

    grid, settings = plan.grid, plan.settings
    amps = grid.amp.values
    result = hysteresis_sweep(amps, plan.fixed, settings, progress)
    bistable = result.bistable_range(plan.min_spikes)
    experiment = Experiment(
        membrane=plan.fixed,
        stimulus=Step(amplitude=float(amps[0]), start=0.0),
        solver=plan.solver,
        t_stop=settings.t_stop,
        name="hysteresis",
        title="Hysteresis",
        description=f"Current stepped up through {grid.amp.text} uA/cm^2 and back down, each step "
        f"{settings.t_stop:g} ms from the state the previous one ended in.",
    )
    columns = result.columns()
    extra = {
        "sweep": {
            "grid": grid.to_dict(),
            "hysteresis": True,
            "columns": list(columns),
            **plan.run_settings(),
            "bistable_uA_cm2": list(bistable) if bistable else None,
            "rate": "inverse mean inter-spike interval after the transient (0: < 2 spikes)",
        },
        "command": command,
    }
    return Outcome(columns=columns, experiment=experiment, extra=extra, bistable=bistable)
