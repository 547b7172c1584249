"""hhtui from Python: :func:`simulate` one neuron, :func:`sweep` an F-I curve (the axon and the
network: :mod:`hhtui.api_runs`).

The keyword arguments are the command line's flags without their dashes (``--g-na`` is ``g_na``,
``--t-stop`` is ``t_stop``; the whole list is :data:`hhtui.parameters.PARAMETERS`), applied by the
same code as ``hhtui run`` and ``hhtui sweep``, so a run from Python gives the very numbers of the
same command::

    >>> import hhtui
    >>> run = hhtui.simulate(amp=10, t_stop=50)       # hhtui run --amp 10 --t-stop 50
    >>> run.spikes                                     # spike times, ms
    >>> df = run.to_pandas()                           # the CSV's columns; the experiment in df.attrs
    >>> print(run)                                     # a text chart of V(t)
    >>> fi = hhtui.sweep(amp="0:20:0.5")               # hhtui sweep --amp 0:20:0.5

Units throughout: ms, mV, uA/cm^2, mS/cm^2, uF/cm^2, degrees C. A value the model refuses raises
:class:`hhtui.ParameterError` (a ``ValueError``) whose message starts with the parameter's name and
whose ``parameter`` attribute holds it. pandas is needed only by :meth:`Run.to_pandas` and
:func:`sweep` (``pip install 'hhtui[api]'``).
"""

from __future__ import annotations

import inspect
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from hhtui.headless import replay_note, run_experiment, sidecar_extra
from hhtui.model.errors import ParameterError
from hhtui.model.experiment import Experiment
from hhtui.model.membrane import shown
from hhtui.model.samples import Samples
from hhtui.parameters import (
    PARAMETERS,
    PYTHON_NAMING,
    SOLVER_PARAMETERS,
    apply_parameters,
    closest,
    parameter,
    stimulus_end,
    table,
)

if TYPE_CHECKING:
    import pandas

__all__ = ["MAX_SAMPLES", "MAX_STEPS", "ParameterError", "Run", "simulate", "sweep"]

PathLike = Union[str, "os.PathLike[str]"]

#: Largest number of time steps one run may take (as ``hhtui run``).
MAX_STEPS = 1_000_000_000

#: Largest recording one run may hold in memory, in samples (about 2 GB).
MAX_SAMPLES = 20_000_000


def _need_pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError("this needs pandas: pip install 'hhtui[api]' (or pip install pandas)") from None
    return pandas


# --------------------------------------------------------------------------------------------
# the starting experiment


def _base_experiment(preset: str | None, config: Any) -> Experiment:
    """The experiment the parameters are applied to: the default, a preset, or a config."""
    if preset is not None and config is not None:
        raise ParameterError("preset/config: give one or the other, not both", parameter="preset")
    if preset is not None:
        from hhtui.experiments import get_preset, preset_names

        names = list(preset_names())
        if preset not in names:
            close = closest(str(preset), names)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise ParameterError(
                f"preset: unknown preset {preset!r}{hint}; choose one of: {', '.join(names)}", parameter="preset"
            )
        return get_preset(preset)
    if config is None:
        return Experiment()
    if isinstance(config, Experiment):
        return config
    from hhtui.configs import config_data, from_config

    data, where = config_data(config, "config", "a path to a JSON file, a dict or an Experiment")
    loaded = from_config(where, lambda: Experiment.from_dict(data))
    note = replay_note(data)
    if note is not None:
        warnings.warn(f"{where}: the replay will not match this export exactly: {note}", stacklevel=4)
    return loaded


def experiment(
    preset: str | None = None, config: Any = None, neuroml: PathLike | None = None, **params: Any
) -> Experiment:
    """The experiment :func:`simulate` would run (same arguments), without running it."""
    base = _base_experiment(preset, config)
    source = "config" if config is not None else "preset" if preset is not None else None
    if base.stimulus.population != 1:
        raise ParameterError(
            f"{source}: the experiment describes a population of {base.stimulus.population} "
            "neurons (per-neuron amplitudes); simulate runs one neuron (use sweep for an F-I "
            "curve)",
            parameter=source,
        )
    if neuroml is not None:
        from hhtui.neuroml import NeuroMLError, read_membrane

        try:
            base = base.replace(membrane=read_membrane(neuroml))
        except NeuroMLError as error:
            raise ParameterError(f"neuroml: {error}", parameter="neuroml") from None
    result = apply_parameters(base, params, PYTHON_NAMING)
    if result.stimulus.population != 1:
        name = next((n for n in ("amp", "amp_end") if np.ndim(params.get(n, 0.0)) > 0), "amp")
        raise ParameterError(
            f"{name}: one value per run; simulate runs one neuron (sweep runs an F-I curve over many currents at once)",
            parameter=name,
        )
    _check_size(result)
    return result


def _check_size(experiment: Experiment) -> None:
    steps = experiment.t_stop / experiment.solver.dt
    if steps > MAX_STEPS:
        raise ParameterError(
            f"t_stop/dt: {experiment.t_stop:g} ms at dt {experiment.solver.dt:g} ms is {steps:.3g} "
            f"time steps, more than the limit of {MAX_STEPS:.0e}; use a shorter t_stop or a larger dt",
            parameter="t_stop",
        )
    if experiment.n_samples > MAX_SAMPLES:
        raise ParameterError(
            f"sample_every: the recording would hold {experiment.n_samples:,} samples, more than "
            f"the limit of {MAX_SAMPLES:,}; record fewer with sample_every (ms, a whole multiple "
            "of dt) or shorten t_stop",
            parameter="sample_every",
        )


def _warn_outlasting(experiment: Experiment) -> None:
    stimulus = experiment.stimulus
    start = getattr(stimulus, "start", 0.0)
    end = stimulus_end(stimulus)
    if stimulus.kind != "none" and start >= experiment.t_stop:
        warnings.warn(
            f"start: the stimulus starts at {start:g} ms, at or after the end of the run (t_stop "
            f"{experiment.t_stop:g} ms); it has no effect",
            stacklevel=3,
        )
    elif math.isfinite(end) and end > experiment.t_stop:
        warnings.warn(
            f"duration: the stimulus ends at {end:g} ms, after the end of the run (t_stop "
            f"{experiment.t_stop:g} ms); it is cut off there",
            stacklevel=3,
        )


# --------------------------------------------------------------------------------------------
# one run


class Run:
    """The result of :func:`simulate`: the experiment and its recording.

    Attributes:
        experiment: the :class:`~hhtui.model.Experiment` that was run (what the sidecar holds).
        samples: the :class:`~hhtui.model.Samples` recorded, t = 0 included.
    """

    def __init__(self, experiment: Experiment, samples: Samples, spike_count: int) -> None:
        self.experiment = experiment
        self.samples = samples
        self._spike_count = int(spike_count)

    @property
    def spikes(self) -> np.ndarray:
        """Spike times, ms: the upward crossings of 0 mV (interpolated between time steps)."""
        return np.asarray(self.samples.spike_time[self.samples.spike_neuron == 0], dtype=np.float64)

    @property
    def spike_count(self) -> int:
        """Number of spikes over the whole run (as the summary of ``hhtui run``)."""
        return self._spike_count

    @property
    def rate_hz(self) -> float:
        """Mean firing rate over the run, Hz."""
        return self._spike_count / (self.experiment.t_stop / 1000.0)

    def columns(self) -> dict[str, np.ndarray]:
        """The CSV's columns (names with units: ``t_ms``, ``V_mV``, ...), name -> 1-D array."""
        return self.samples.columns(0)

    def to_pandas(self) -> pandas.DataFrame:
        """A DataFrame with the CSV's columns (``t_ms``, ``V_mV``, ``m``, ``h``, ``n``,
        ``I_stim_uA_cm2``, ...); ``df.attrs`` holds ``experiment`` (as the sidecar), ``spikes_ms``
        and ``summary``."""
        pandas = _need_pandas()
        frame = pandas.DataFrame(self.columns())
        frame.attrs["experiment"] = self.experiment.to_dict()
        frame.attrs["spikes_ms"] = self.spikes.tolist()
        frame.attrs.update(sidecar_extra(self.samples, self._spike_count))
        return frame

    def to_csv(self, path: PathLike, force: bool = False) -> tuple[Path, Path]:
        """Write the CSV and its JSON sidecar (``run.csv`` -> ``run.json``), exactly as
        ``hhtui run -o path`` does: atomically, as one unit, replacing a read-only file or a
        link at either name only with ``force`` (as ``--force``); returns both paths. Raises
        :class:`hhtui.export.ExportError` (a ``ValueError``) naming the file if it cannot be written."""
        from hhtui.export import ExportError, write_run

        target = Path(path)
        if target.suffix.lower() == ".json":
            raise ExportError(
                f"cannot write {target}: a recording needs a .csv name; the .json name is taken by its sidecar"
            )
        return write_run(
            target,
            self.columns(),
            self.experiment.to_dict(),
            extra=sidecar_extra(self.samples, self._spike_count),
            force=force,
        )

    def to_nwb(self, path: PathLike, **metadata: Any) -> Path:
        """Write the run as an NWB file of intracellular electrophysiology, as ``hhtui run -o
        run.nwb`` does (SI units over a 1000 um^2 membrane; see :mod:`hhtui.nwb`); needs
        ``pip install 'hhtui[nwb]'``. ``metadata`` goes to :func:`hhtui.nwb.write_nwb`
        (``session_description``, ``identifier``, ``session_start_time``, ``force``)."""
        from hhtui.nwb import write_nwb

        return write_nwb(path, self.experiment, self.samples, spike_count=self._spike_count, **metadata)

    def chart(self, width: int | None = None, height: int | None = None, gates: bool = False) -> str:
        """V (mV) against t (ms) as a text chart (plotext), ``width`` x ``height`` characters;
        with ``gates`` also m, h and n below it. No colours, so it prints anywhere."""
        from hhtui.cli.plot import render

        w, h = chart_size(width, height)
        if len(self.samples) == 0:
            return "(no samples)"
        import plotext

        try:
            return render(self.columns(), self.experiment.name, w, h, gates=gates, color=False).rstrip("\n")
        finally:
            # plotext draws on one figure per process, and clf() clears only its active subplot:
            # clear the whole figure, so the next chart (the app's included) starts from nothing.
            plotext.main().clear_figure()

    def summary(self) -> str:
        """One line: samples, time span, spikes and mean rate."""
        clamp = " (voltage clamp)" if self.experiment.stimulus.is_clamp else ""
        n = self._spike_count
        return (
            f"{len(self.samples):,} samples, 0-{self.experiment.t_stop:g} ms{clamp}, {n} spike{'s' if n != 1 else ''}, "
            f"mean rate {self.rate_hz:.4g} Hz"
        )

    def __str__(self) -> str:
        return f"{self.summary()}\n{self.chart()}"

    def __repr__(self) -> str:
        return f"<hhtui.Run: {self.summary()}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython and Jupyter
        printer.text(repr(self) if cycle else str(self))


def chart_size(width: Any, height: Any) -> tuple[int, int]:
    """The size of a text chart, columns x lines: those given, else the defaults of the table
    ``chart``; :class:`ParameterError` naming ``width`` or ``height`` when one is not a whole
    number in its range."""
    size = []
    for name, value in (("width", width), ("height", height)):
        row = parameter("chart", name)
        if value is None:
            size.append(int(row.default))
            continue
        whole = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
        if not whole or not row.accepts(int(value)):
            raise ParameterError(f"{name} must be a whole number {row.allowed}, got {value!r}", parameter=name)
        size.append(int(value))
    return size[0], size[1]


def _signature(leading: Sequence[inspect.Parameter], names: Sequence[str]) -> inspect.Signature:
    keyword = inspect.Parameter.KEYWORD_ONLY
    return inspect.Signature([*leading, *(inspect.Parameter(name, keyword, default=None) for name in names)])


def simulate(preset: str | None = None, config: Any = None, neuroml: PathLike | None = None, **params: Any) -> Run:
    """Run one neuron from rest, as ``hhtui run`` with the same flags would, and return the :class:`Run`.

    ``preset`` starts from a classic experiment (``hhtui run --list-presets``), ``config`` from an
    experiment: a JSON file (an experiment or the sidecar of an export), a dict, or an
    :class:`~hhtui.model.Experiment`; ``neuroml`` takes the membrane of a NeuroML 2 cell file.
    Then ``params`` override it, by the names of the command line's flags without dashes (a value
    of None means "not given"). Raises :class:`hhtui.ParameterError` naming the parameter for
    a value out of range, and :class:`hhtui.model.NumericalInstabilityError` if the integration
    blows up (its ``samples`` hold the run up to there).
    """
    chosen = experiment(preset=preset, config=config, neuroml=neuroml, **params)
    _warn_outlasting(chosen)
    samples, spikes = run_experiment(chosen)
    return Run(chosen, samples, spikes)


def _parameter_doc(names: Sequence[str], command: str = "run") -> str:
    lines = []
    for row in table(command):
        if row.name in names:
            unit = f", {row.unit}" if row.unit else ""
            default = "" if "(default: " in row.help or row.default is None else f" (default: {row.shown_default})"
            lines.append(f"        {row.name}{unit}: {row.help}{default}")
    return "\n".join(lines)


_SIMULATE_NAMES = tuple(parameter.name for parameter in PARAMETERS)
simulate.__signature__ = _signature(  # type: ignore[attr-defined]
    list(inspect.signature(simulate).parameters.values())[:3], _SIMULATE_NAMES
)
simulate.__doc__ = (
    (simulate.__doc__ or "")
    + "\n    Parameters (defaults are those of the experiment):\n"
    + _parameter_doc(_SIMULATE_NAMES)
    + "\n"
)
experiment.__signature__ = simulate.__signature__  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# F-I curve

#: Parameters of :func:`sweep` besides ``amp``: the membrane and solver ones, and the sweep's own.
SWEEP_PARAMETERS: tuple[str, ...] = tuple(row.name for row in table("sweep"))

#: The keywords of :func:`sweep` that are not parameters of a run: how and where it runs.
SWEEP_OPTIONS = ("hysteresis", "config", "scheduler", "workers", "chunk_size", "output", "force", "resume")

#: Most values of one grid axis given as a sequence of numbers.
MAX_LIST = 100_000

#: Columns of the sweep tables that hold whole numbers (integers in the DataFrame).
WHOLE_COLUMNS = ("spike_count", "direction")


def _axis_text(name: str, value: Any) -> str:
    """An axis of the grid as ``hhtui sweep`` reads it: ``"FROM:TO:STEP"`` or ``"A,B"`` as given,
    one number, or a sequence of numbers (each written as the shortest text that reads back as it)."""
    from hhtui.sweeps.grid import AXES

    unit = AXES[name].unit
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        raise ParameterError(
            f"{name} must be 'FROM:TO:STEP', a number or a sequence of numbers ({unit}), got {shown(value)}",
            parameter=name,
        )
    try:
        values = np.atleast_1d(np.asarray(value, dtype=np.float64)).ravel()
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(
            f"{name} must be 'FROM:TO:STEP', a number or a sequence of numbers ({unit}), got {shown(value)}",
            parameter=name,
        ) from None
    if values.size == 0:
        raise ParameterError(f"{name}: no values given", parameter=name)
    if values.size > MAX_LIST:
        raise ParameterError(f"{name}: {values.size:,} values, more than the limit of {MAX_LIST:,}", parameter=name)
    if not np.all(np.isfinite(values)):
        raise ParameterError(f"{name}: values must be finite numbers ({unit})", parameter=name)
    return ",".join(_exact(float(v)) for v in values)


def _exact(value: float) -> str:
    """The shortest text that reads back as ``value`` (``24`` rather than ``24.0``)."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _sweep_setting(name: str, given: dict[str, Any]) -> Any:
    """A run setting of the sweep: the value given (checked against the table), else its default."""
    row = parameter("sweep", name)
    if name not in given:
        return row.default
    value = given[name]
    whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    number = whole or (isinstance(value, (float, np.floating)) and not row.whole)
    if not number or not row.accepts(int(value) if whole else float(value)):
        kind = "a whole number" if row.whole else "a number"
        raise ParameterError(f"{name} must be {kind} {row.allowed}, got {shown(value)}", parameter=name)
    return int(value) if row.whole else float(value)


def sweep(
    amp: Any = None,
    *,
    hysteresis: bool = False,
    config: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    output: PathLike | None = None,
    force: bool = False,
    resume: bool = False,
    **params: Any,
) -> pandas.DataFrame:
    """F-I curves over a grid of parameters, as ``hhtui sweep``: a sustained current step from
    t = 0 (from rest) at every point of the grid, spikes (upward crossings of ``threshold``)
    counted after ``transient``. Returns a DataFrame with the columns of its CSV, one row per grid
    point: the varied parameters (``amp_uA_cm2``, and e.g. ``g_k_mS_cm2``, ``temperature_C``),
    ``spike_count``, ``rate_Hz`` (the inverse mean inter-spike interval after the transient) and
    ``latency_ms`` (first spike, -1 for none); ``df.attrs`` holds the sidecar's ``experiment``,
    ``sweep`` (the grid, settings, ``onset_uA_cm2`` of a one-dimensional sweep) and ``command``
    (the ``hhtui sweep`` command that gives the same numbers).

    ``amp`` (uA/cm^2) and every membrane parameter (``c_m``, ``g_na``, ``g_k``, ``g_l``,
    ``e_na``, ``e_k``, ``e_l``, ``temperature``) take ``"FROM:TO:STEP"`` (TO included, decimal
    steps exact, as the flags), ``"A,B,C"``, a number, or a sequence of numbers; those of several
    values are the axes of the grid. Run settings: ``t_stop``, ``transient`` (ms),
    ``threshold`` (mV), ``min_spikes``, ``dt`` (ms), ``method``; each None or left out takes the
    default of ``hhtui sweep`` (or the value of ``config``).

    ``hysteresis=True`` steps the current up through ``amp`` and back down, each step from the
    state the previous one ended in (columns ``amp_uA_cm2``, ``direction``, ``spike_count``,
    ``rate_Hz``, ``V_max_mV``, ``V_min_mV``). ``config``: the JSON sidecar of a sweep (a path, or
    its content as a dict) to run again, the keywords given overriding it. ``scheduler``
    (``"tcp://HOST:PORT"``) or ``workers`` (a local cluster of that many processes) run the
    chunks on dask.distributed (``pip install 'hhtui[distributed]'``), ``chunk_size`` sets the
    grid points per chunk; the numbers are the same. ``output`` (``FILE.csv``) also writes the
    CSV and its JSON sidecar as ``hhtui sweep -o FILE.csv`` does (``force`` as ``--force``);
    a file that cannot be written raises :class:`hhtui.export.ExportError` (a ``ValueError``).
    With ``output`` a grid's finished chunks are kept beside it (``FILE.csv.chunks/``) while it
    runs: stopped by Ctrl-C, the sweep raises ``KeyboardInterrupt`` with a note saying how many
    points were kept, and the same call with ``resume=True`` computes only the rest (as
    ``hhtui sweep --resume``; the same numbers).
    """
    from hhtui.sweeps.executors import ExecutorError
    from hhtui.sweeps.grid import AXES
    from hhtui.sweeps.plan import (
        MAX_LOCAL_WORKERS,
        GridRun,
        keyword_name,
        load_config,
        plan_sweep,
        run_hysteresis,
    )

    pandas = _need_pandas()
    unknown = [name for name in params if name not in SWEEP_PARAMETERS]
    if unknown:
        known = ("amp", *SWEEP_PARAMETERS, *SWEEP_OPTIONS)
        close = closest(unknown[0], known)
        hint = f" (did you mean {close}?)" if close else ""
        raise ParameterError(
            f"{unknown[0]}: not a parameter of sweep{hint}; known: {', '.join(known)}", parameter=unknown[0]
        )
    given = {name: value for name, value in params.items() if value is not None}
    if amp is not None:
        given["amp"] = amp
    texts = {name: _axis_text(name, given[name]) for name in AXES if name in given}
    values = {name: _sweep_setting(name, given) for name in ("t_stop", "transient", "threshold", "min_spikes")}
    values = {name: value for name, value in values.items() if name in given}
    values.update({name: given[name] for name in SOLVER_PARAMETERS if name in given})
    if not isinstance(hysteresis, bool):
        raise ParameterError(f"hysteresis must be True or False, got {shown(hysteresis)}", parameter="hysteresis")
    if scheduler is not None and not isinstance(scheduler, str):
        raise ParameterError(
            f"scheduler must be an address such as 'tcp://HOST:8786', got {shown(scheduler)}", parameter="scheduler"
        )
    for name, number, high in (("workers", workers, MAX_LOCAL_WORKERS), ("chunk_size", chunk_size, None)):
        if number is None:
            continue
        whole = isinstance(number, (int, np.integer)) and not isinstance(number, bool)
        if not whole or number < 1 or (high is not None and number > high):
            limit = f" up to {high}" if high is not None else ""
            raise ParameterError(f"{name} must be a whole number from 1{limit}, got {shown(number)}", parameter=name)
    if not isinstance(resume, bool):
        raise ParameterError(f"resume must be True or False, got {shown(resume)}", parameter="resume")
    if resume and output is None:
        raise ParameterError(
            "resume: give the output= file of the interrupted sweep (its chunks are kept beside it)",
            parameter="resume",
        )
    target = None if output is None else _sweep_output(output, force)
    loaded = load_config(config, keyword_name) if config is not None else None
    plan = plan_sweep(
        texts,
        values,
        loaded,
        hysteresis=hysteresis,
        scheduler=scheduler,
        workers=None if workers is None else int(workers),
        chunk_size=None if chunk_size is None else int(chunk_size),
        resume=resume,
        namer=keyword_name,
    )
    command = plan.command(None if target is None else str(target))
    run: GridRun | None = None
    if plan.hysteresis:
        outcome = run_hysteresis(plan, command)
    else:
        from hhtui.sweeps.journal import JournalError
        from hhtui.sweeps.plan import grid_outcome

        try:
            run = GridRun(plan, target, resume, resume_name="resume=True")
        except JournalError as error:
            name = "resume" if resume else "output"
            raise ParameterError(f"{name}: {error}", parameter=name) from None
        try:
            execution = run.run()
        except ExecutorError as error:
            name = "scheduler" if plan.scheduler is not None else "workers"
            note = "; the finished chunks are kept: continue with resume=True" if run.kept else ""
            raise ParameterError(f"{name}: {error}{note}", parameter=name) from None
        except KeyboardInterrupt as stop:
            if run.kept:
                note = f"hhtui.sweep: interrupted; {run.kept_text()}; continue with the same call and resume=True"
                add_note = getattr(stop, "add_note", None)  # Python 3.11 on: shown with the traceback
                if add_note is not None:
                    add_note(note)
                else:
                    warnings.warn(note, stacklevel=2)
            raise
        except JournalError as error:
            raise ParameterError(
                f"output: {error}; the chunks finished so far are kept for resume=True", parameter="output"
            ) from None
        outcome = grid_outcome(plan, run.sweep, execution, run.resumed, command)
    frame = pandas.DataFrame(
        {name: column.astype(np.int64) if name in WHOLE_COLUMNS else column for name, column in outcome.columns.items()}
    )
    frame.attrs["experiment"] = outcome.experiment.to_dict()
    frame.attrs["sweep"] = outcome.extra["sweep"]
    frame.attrs["command"] = outcome.extra["command"]
    if target is not None:
        from hhtui.export import write_run

        write_run(target, outcome.columns, outcome.experiment.to_dict(), extra=outcome.extra, force=force)
        if run is not None:
            run.finish()
    return frame


def _sweep_output(output: Any, force: bool) -> Path:
    """The CSV file ``output`` names, checked (with its sidecar) before the sweep runs."""
    if not isinstance(output, (str, os.PathLike)) or not os.fspath(output):
        raise ParameterError(f"output must be the path of a .csv file, got {shown(output)}", parameter="output")
    target = Path(output)
    if target.suffix.lower() == ".json":
        raise ParameterError(
            f"output: {target}: a table needs a .csv name; the .json name is taken by its sidecar", parameter="output"
        )
    from hhtui.export import ExportError, check_target, sidecar_path

    try:
        check_target(target, force=force)
        check_target(sidecar_path(target), force=force)
    except ExportError as error:
        raise ParameterError(f"output: {error}", parameter="output") from None
    return target


sweep.__signature__ = _signature(  # type: ignore[attr-defined]
    list(inspect.signature(sweep).parameters.values())[:9], SWEEP_PARAMETERS
)
