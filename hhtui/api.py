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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from hhtui.headless import replay_note, run_experiment, sidecar_extra
from hhtui.model.errors import ParameterError
from hhtui.model.experiment import Experiment
from hhtui.model.membrane import shown
from hhtui.model.samples import Samples
from hhtui.parameters import (
    MEMBRANE_PARAMETERS,
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
    if isinstance(config, Mapping):
        data: Any = dict(config)
        where = "config"
    elif isinstance(config, (str, os.PathLike)):
        from hhtui.export import ExportError, read_json

        try:
            data = read_json(config)
        except ExportError as error:
            raise ParameterError(f"config: {error}", parameter="config") from None
        where = f"config: {os.fspath(config)}"
    else:
        raise ParameterError(
            f"config must be a path to a JSON file, a dict or an Experiment, got {type(config).__name__}",
            parameter="config",
        )
    try:
        loaded = Experiment.from_dict(data)
    except OverflowError:
        raise ParameterError(f"{where}: a number is too large for a float", parameter="config") from None
    except (ParameterError, TypeError, ValueError) as error:
        raise ParameterError(f"{where}: {error}", parameter="config") from None
    except RecursionError:
        raise ParameterError(f"{where}: nested too deeply", parameter="config") from None
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


def _currents(amp: Any) -> tuple[np.ndarray, str]:
    """The currents of ``amp`` (``"FROM:TO:STEP"`` as ``hhtui sweep --amp``, one number, or a
    sequence), uA/cm^2, and how to describe them."""
    import argparse

    from hhtui.cli.sweep import MAX_CURRENTS, AmpRange
    from hhtui.model.stimulus import MAX_CURRENT

    if isinstance(amp, str):
        try:
            grid = AmpRange(amp)
        except argparse.ArgumentTypeError as error:
            raise ParameterError(f"amp: {error}", parameter="amp") from None
        return grid.values(), grid.text
    if isinstance(amp, bool):
        raise ParameterError(f"amp must be currents in uA/cm^2, got {shown(amp)}", parameter="amp")
    try:
        currents = np.atleast_1d(np.asarray(amp, dtype=np.float64)).ravel()
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(
            f"amp must be 'FROM:TO:STEP', a number or a sequence of numbers (uA/cm^2), got {shown(amp)}",
            parameter="amp",
        ) from None
    if currents.size == 0:
        raise ParameterError("amp: no currents given", parameter="amp")
    if currents.size > MAX_CURRENTS:
        raise ParameterError(
            f"amp: {currents.size:,} currents, more than the limit of {MAX_CURRENTS:,}", parameter="amp"
        )
    if not np.all(np.isfinite(currents)) or np.any(np.abs(currents) > MAX_CURRENT):
        raise ParameterError(f"amp: currents must be finite and within +/-{MAX_CURRENT:g} uA/cm^2", parameter="amp")
    text = ", ".join(f"{value:g}" for value in currents[:5]) + (", ..." if currents.size > 5 else "")
    return currents, text


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


def sweep(amp: Any, **params: Any) -> pandas.DataFrame:
    """The F-I curve, as ``hhtui sweep``: a sustained current step from t = 0 (from rest) for every
    current of ``amp`` at once, spikes (upward crossings of ``threshold``) counted after
    ``transient``. Returns a DataFrame with the columns of its CSV: ``amp_uA_cm2``,
    ``spike_count``, ``rate_Hz`` (the inverse mean inter-spike interval after the transient) and
    ``latency_ms`` (first spike, -1 for none); ``df.attrs`` holds ``experiment`` and ``sweep``
    (settings and ``onset_uA_cm2``, the onset of repetitive firing, or None) as its sidecar does.

    ``amp``: ``"FROM:TO:STEP"`` (uA/cm^2, TO included, decimal steps exact, as the flag), a
    number, or a sequence of numbers. Other parameters: the membrane's (``g_na``, ``temperature``,
    ...), ``dt``, ``method``, ``t_stop`` (ms), ``transient`` (ms), ``threshold`` (mV),
    ``min_spikes``; each None or left out takes the default of ``hhtui sweep``.
    """
    from hhtui.cli.sweep import FI_COLUMNS, MAX_NEURON_STEPS
    from hhtui.model.analysis import repetitive_onset
    from hhtui.model.membrane import Membrane
    from hhtui.model.solver import Solver
    from hhtui.model.stimulus import Step

    pandas = _need_pandas()
    unknown = [name for name in params if name not in SWEEP_PARAMETERS]
    if unknown:
        close = closest(unknown[0], SWEEP_PARAMETERS)
        hint = f" (did you mean {close}?)" if close else ""
        raise ParameterError(
            f"{unknown[0]}: not a parameter of sweep{hint}; known: amp, {', '.join(SWEEP_PARAMETERS)}",
            parameter=unknown[0],
        )
    given = {name: value for name, value in params.items() if value is not None}
    currents, described = _currents(amp)

    t_stop = _sweep_setting("t_stop", given)
    transient = _sweep_setting("transient", given)
    threshold = _sweep_setting("threshold", given)
    min_spikes = _sweep_setting("min_spikes", given)
    if transient >= t_stop:
        name = "transient" if "transient" in given else "t_stop"
        raise ParameterError(
            f"{name}: the transient ({transient:g} ms) must be shorter than the run (t_stop {t_stop:g} ms)",
            parameter=name,
        )
    membrane = Membrane()
    for name in MEMBRANE_PARAMETERS:
        if name in given:
            try:
                membrane = membrane.replace(**{name: given[name]})
            except ParameterError as error:
                raise ParameterError(f"{name}: {error}", parameter=name) from None
    solver_settings = {name: given[name] for name in SOLVER_PARAMETERS if name in given}
    try:
        solver = Solver(**solver_settings)
    except ParameterError as error:
        name = next(iter(solver_settings), "dt")
        raise ParameterError(f"{'/'.join(solver_settings) or 'dt'}: {error}", parameter=name) from None
    steps = t_stop / solver.dt
    if steps * currents.size > MAX_NEURON_STEPS:
        raise ParameterError(
            f"amp/t_stop/dt: {currents.size:,} currents x {steps:,.0f} time steps is more than the "
            f"limit of {MAX_NEURON_STEPS:.0e}; use fewer currents, a shorter t_stop or a larger dt",
            parameter="amp",
        )
    from hhtui.model.analysis import FICurve
    from hhtui.sweeps.chunks import Chunk, RunSettings, simulate_chunk

    settings = RunSettings(t_stop=t_stop, transient=transient, threshold=threshold, dt=solver.dt, method=solver.method)
    result = simulate_chunk(
        Chunk(
            index=0,
            start=0,
            stop=int(currents.size),
            membrane=membrane.to_dict(),
            amps=tuple(float(a) for a in currents),
            settings=settings,
        )
    )
    onset = repetitive_onset(FICurve(currents, result.spike_count, result.rate_hz), min_spikes=int(min_spikes))
    frame = pandas.DataFrame(
        {
            FI_COLUMNS[0]: currents,
            FI_COLUMNS[1]: np.asarray(result.spike_count, dtype=np.int64),
            FI_COLUMNS[2]: result.rate_hz,
            "latency_ms": result.latency_ms,
        }
    )
    stimulus = Step(amplitude=currents if currents.size > 1 else float(currents[0]), start=0.0)
    chosen = Experiment(
        membrane=membrane,
        stimulus=stimulus,
        solver=solver,
        t_stop=t_stop,
        name="fi-sweep",
        title="F-I curve",
        description=f"Step currents {described} uA/cm^2 from t = 0, spikes counted after {transient:g} ms.",
    )
    frame.attrs["experiment"] = chosen.to_dict()
    frame.attrs["sweep"] = {
        "currents": int(currents.size),
        "t_stop_ms": t_stop,
        "transient_ms": transient,
        "threshold_mV": threshold,
        "min_spikes": int(min_spikes),
        "onset_uA_cm2": onset,
    }
    return frame


sweep.__signature__ = _signature(  # type: ignore[attr-defined]
    [inspect.Parameter("amp", inspect.Parameter.POSITIONAL_OR_KEYWORD)], SWEEP_PARAMETERS
)
