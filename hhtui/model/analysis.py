"""Analysis of membrane-voltage traces and classic excitability measurements.

Trace analysis (numpy, on 1-D arrays ``t`` in ms and ``v`` in mV):

- :func:`spike_times`: upward crossings of a threshold (default 0 mV), linearly interpolated.
- :func:`spike_peaks`, :func:`ahp_minima`: the peak of each spike and the after-hyperpolarisation
  minimum that follows it.
- :func:`spike_half_widths`: width of each spike at half its amplitude above rest.
- :func:`ap_phases`: the four phases (resting, depolarisation, repolarisation,
  hyperpolarisation) of each action potential.
- :func:`firing_rate`: spikes per second in a window.
- :func:`isi_rates`: firing rates from inter-spike intervals.

Measurements that run the model (each as one population :class:`Simulation`):

- :func:`fi_curve` and :func:`repetitive_onset`: the frequency-current relation of sustained steps.
- :func:`threshold_search`: the smallest amplitude of a rectangular pulse that fires a spike.
- :func:`refractory_threshold`: the threshold of a test pulse that follows a conditioning pulse.

Currents are in uA/cm^2, times in ms, voltages in mV, rates in Hz.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import ParameterError
from .integrators import _crossing_time as crossing_time  # the kernels' interpolation, run here in Python
from .membrane import Membrane
from .simulation import Simulation
from .stimulus import Pulse, Step

Interval = tuple[float, float]

#: Default spike-detection level (mV): an upward crossing of 0 mV is a spike.
SPIKE_THRESHOLD = 0.0
#: A spike's depolarisation starts where V last rose above rest + this margin (mV).
DEPOLARISATION_MARGIN = 1.0
#: ... or, if V never came that close to rest, where dV/dt last exceeded this rate (mV/ms).
DEPOLARISATION_RATE = 1.0
#: Hyperpolarisation ends when V has recovered to within this margin below rest (mV).
RECOVERY_MARGIN = 1.0
#: Level (mV) at which :func:`fi_curve` counts cycles of firing (see there).
FI_THRESHOLD = -40.0


# --- helpers -----------------------------------------------------------------------------------------
def _trace(t: ArrayLike, v: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    times = np.asarray(t, dtype=np.float64)
    values = np.asarray(v, dtype=np.float64)
    if times.ndim != 1 or values.ndim != 1:
        raise ParameterError(f"t and v must be 1-D arrays (one neuron), got shapes {times.shape} and {values.shape}")
    if times.shape != values.shape:
        raise ParameterError(f"t and v must have the same length, got {times.size} and {values.size}")
    return times, values


def _up_indices(v: NDArray[np.float64], threshold: float) -> NDArray[np.intp]:
    """Indices i with v[i] < threshold <= v[i+1]."""
    return np.nonzero((v[:-1] < threshold) & (v[1:] >= threshold))[0]


def _down_indices(v: NDArray[np.float64], threshold: float) -> NDArray[np.intp]:
    """Indices i with v[i] >= threshold > v[i+1]."""
    return np.nonzero((v[:-1] >= threshold) & (v[1:] < threshold))[0]


def _crossing_time(t: NDArray[np.float64], v: NDArray[np.float64], i: int, level: float) -> float:
    """Time where the segment from sample i to i+1 meets ``level`` (linear interpolation, as the
    kernels interpolate their crossings: :func:`hhtui.model.integrators.crossing_time`), kept
    within the segment."""
    v0, v1 = float(v[i]), float(v[i + 1])
    if v1 == v0:
        return float(t[i])
    inside = min(max(level, min(v0, v1)), max(v0, v1))
    return float(crossing_time(float(t[i]), float(t[i + 1] - t[i]), v0, v1, inside))


def _spike_spans(v: NDArray[np.float64], threshold: float) -> list[tuple[int, int]]:
    """For each spike, (index of the first sample above threshold, index of the last one)."""
    ups = _up_indices(v, threshold)
    downs = _down_indices(v, threshold)
    spans = []
    for i in ups:
        later = downs[downs > i]
        last = int(later[0]) if later.size else v.size - 1
        spans.append((int(i) + 1, last))
    return spans


# --- spikes ------------------------------------------------------------------------------------------
def spike_times(t: ArrayLike, v: ArrayLike, threshold: float = SPIKE_THRESHOLD) -> NDArray[np.float64]:
    """Times (ms) where ``v`` (mV) crosses ``threshold`` (mV) upwards, linearly interpolated
    between the samples on either side. A crossing counts when one sample is below the
    threshold and the next is at or above it."""
    times, values = _trace(t, v)
    return np.array(
        [_crossing_time(times, values, int(i), threshold) for i in _up_indices(values, threshold)], dtype=np.float64
    )


def spike_peaks(
    t: ArrayLike, v: ArrayLike, threshold: float = SPIKE_THRESHOLD
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(times in ms, values in mV) of the maximum of each spike, taken over the samples between
    its upward and its downward threshold crossing (or the end of the trace)."""
    times, values = _trace(t, v)
    peak_t, peak_v = [], []
    for first, last in _spike_spans(values, threshold):
        k = first + int(np.argmax(values[first : last + 1]))
        peak_t.append(times[k])
        peak_v.append(values[k])
    return np.array(peak_t, dtype=np.float64), np.array(peak_v, dtype=np.float64)


def ahp_minima(
    t: ArrayLike, v: ArrayLike, threshold: float = SPIKE_THRESHOLD
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(times in ms, values in mV) of the minimum voltage after each spike: from its downward
    threshold crossing until the next spike's upward crossing (or the end of the trace).
    A spike still above threshold at the end of the trace has no minimum and is left out."""
    times, values = _trace(t, v)
    spans = _spike_spans(values, threshold)
    min_t, min_v = [], []
    for k, (_, last) in enumerate(spans):
        if last >= values.size - 1:
            continue
        stop = spans[k + 1][0] if k + 1 < len(spans) else values.size
        j = last + int(np.argmin(values[last:stop]))
        min_t.append(times[j])
        min_v.append(values[j])
    return np.array(min_t, dtype=np.float64), np.array(min_v, dtype=np.float64)


def spike_half_widths(
    t: ArrayLike, v: ArrayLike, rest: float | None = None, threshold: float = SPIKE_THRESHOLD
) -> NDArray[np.float64]:
    """Width (ms) of each spike at half its amplitude: the time V spends above
    rest + (peak - rest)/2, with both crossings linearly interpolated. ``rest`` (mV) defaults
    to the first sample of the trace (a simulation starts at rest). NaN for a spike whose
    half-amplitude level is not crossed back down before the trace ends."""
    times, values = _trace(t, v)
    rest_v = float(values[0]) if rest is None else float(rest)
    widths = []
    peak_t, peak_v = spike_peaks(times, values, threshold)
    for tp, vp in zip(peak_t, peak_v):
        k = int(np.searchsorted(times, tp))
        level = rest_v + 0.5 * (vp - rest_v)
        before = np.nonzero(values[:k] < level)[0]
        after = np.nonzero(values[k:] < level)[0]
        if before.size == 0 or after.size == 0:
            widths.append(math.nan)
            continue
        i_up = int(before[-1])
        i_down = k + int(after[0]) - 1
        widths.append(_crossing_time(times, values, i_down, level) - _crossing_time(times, values, i_up, level))
    return np.array(widths, dtype=np.float64)


def firing_rate(spike_times: ArrayLike, t_from: float, t_to: float) -> float:
    """Firing rate in Hz: the number of spikes with t_from <= time < t_to (ms), divided by the
    window's duration in seconds."""
    if not t_to > t_from:
        raise ParameterError(f"the window must have t_to > t_from, got [{t_from:g}, {t_to:g}) ms")
    times = np.asarray(spike_times, dtype=np.float64)
    count = int(np.count_nonzero((times >= t_from) & (times < t_to)))
    return count / ((t_to - t_from) / 1000.0)


def isi_rates(counts: ArrayLike, first: ArrayLike, last: ArrayLike) -> NDArray[np.float64]:
    """Firing rates (Hz) from inter-spike intervals: for each neuron that fired ``counts`` >= 2
    spikes in a window, the first at ``first`` and the last at ``last`` (ms), the mean interval is
    (last - first) / (counts - 1) and the rate its inverse; 0 Hz with fewer than two spikes.

    Unlike a count over the window, this rate does not jump by 1/window when one spike more or
    less falls inside it, so an F-I curve measured this way is smooth.
    """
    n = np.asarray(counts, dtype=np.float64)
    span = np.asarray(last, dtype=np.float64) - np.asarray(first, dtype=np.float64)
    rates = np.zeros(np.broadcast(n, span).shape, dtype=np.float64)
    ok = (n >= 2) & (span > 0.0)
    np.divide(1000.0 * (n - 1.0), span, out=rates, where=ok)
    return rates


# --- phases of the action potential ----------------------------------------------------------------
@dataclass(frozen=True)
class APPhases:
    """The phases of one action potential, each an interval (start_ms, end_ms).

    Consecutive intervals touch: ``resting`` ends where ``depolarisation`` starts, and so on,
    and the ``resting`` of a spike starts where the previous spike's ``hyperpolarisation``
    ended (or at the start of the trace). ``peak_time``/``peak`` (ms, mV) and ``rest`` (mV,
    the level the phases are measured against) are given too.
    """

    resting: Interval
    depolarisation: Interval
    repolarisation: Interval
    hyperpolarisation: Interval
    peak_time: float
    peak: float
    rest: float

    def intervals(self) -> list[tuple[str, Interval]]:
        """The four phases in time order as (name, (start_ms, end_ms))."""
        return [
            ("resting", self.resting),
            ("depolarisation", self.depolarisation),
            ("repolarisation", self.repolarisation),
            ("hyperpolarisation", self.hyperpolarisation),
        ]


def ap_phases(
    t: ArrayLike, v: ArrayLike, rest: float | None = None, threshold: float = SPIKE_THRESHOLD
) -> list[APPhases]:
    """The four phases of every action potential in a trace (``t`` ms, ``v`` mV).

    Definitions (``rest`` defaults to the first sample, since a simulation starts at rest):

    - depolarisation: from the moment V leaves rest to the peak. V leaves rest at its last
      upward crossing of rest + 1 mV before the peak; if V never came down that far since the
      previous spike (firing that rides on a depolarised trough), at the last sample before the
      peak where dV/dt was below 1 mV/ms (searching back to the previous spike's minimum).
    - repolarisation: from the peak until V falls back below rest (interpolated). If V does not
      get below rest before the next spike or the end, it ends at the minimum after the spike.
    - hyperpolarisation: from there while V is below rest, until V has recovered to within
      1 mV of rest (interpolated), or the next spike's depolarisation starts, or the trace ends.
    - resting: from the end of the previous spike's hyperpolarisation (or the start of the
      trace) until the depolarisation starts; it may have zero length in repetitive firing.
    """
    times, values = _trace(t, v)
    if values.size < 2:
        return []
    rest_v = float(values[0]) if rest is None else float(rest)
    spans = _spike_spans(values, threshold)
    slope = np.gradient(values, times) if values.size > 2 else np.diff(values) / np.diff(times)
    peaks = [first + int(np.argmax(values[first : last + 1])) for first, last in spans]
    # Index of the minimum between each peak and the next (the trough), or the end.
    troughs = []
    for k, p in enumerate(peaks):
        stop = spans[k + 1][0] if k + 1 < len(spans) else values.size
        troughs.append(p + int(np.argmin(values[p:stop])))

    def depolarisation_start(k: int) -> float:
        p = peaks[k]
        origin = troughs[k - 1] if k > 0 else 0
        segment = values[origin : p + 1]
        below = np.nonzero(segment <= rest_v + DEPOLARISATION_MARGIN)[0]
        if below.size:
            i = origin + int(below[-1])
            return _crossing_time(times, values, i, rest_v + DEPOLARISATION_MARGIN) if i < p else float(times[i])
        quiet = np.nonzero(slope[origin : p + 1] < DEPOLARISATION_RATE)[0]
        quiet = quiet[origin + quiet < p]
        return float(times[origin + int(quiet[-1])]) if quiet.size else float(times[origin])

    phases: list[APPhases] = []
    starts = [depolarisation_start(k) for k in range(len(peaks))]
    previous_end = float(times[0])
    for k, p in enumerate(peaks):
        t_peak = float(times[p])
        stop = troughs[k]
        below = np.nonzero(values[p : stop + 1] < rest_v)[0]
        if below.size:
            i = p + int(below[0]) - 1
            repol_end = _crossing_time(times, values, i, rest_v)
            limit = starts[k + 1] if k + 1 < len(peaks) else float(times[-1])
            after = np.nonzero(values[p + int(below[0]) :] >= rest_v - RECOVERY_MARGIN)[0]
            # Recovery must come after the minimum (V first falls further away from rest).
            trough_i = troughs[k]
            after = after[p + int(below[0]) + after > trough_i] if after.size else after
            if after.size:
                j = p + int(below[0]) + int(after[0]) - 1
                hyper_end = min(_crossing_time(times, values, j, rest_v - RECOVERY_MARGIN), limit)
            else:
                hyper_end = limit
            hyper_end = max(hyper_end, repol_end)
        else:
            repol_end = float(times[stop])
            hyper_end = repol_end
        depol_start = max(starts[k], previous_end)
        if k + 1 < len(peaks):
            hyper_end = min(hyper_end, max(starts[k + 1], repol_end))
        phases.append(
            APPhases(
                resting=(previous_end, depol_start),
                depolarisation=(depol_start, t_peak),
                repolarisation=(t_peak, repol_end),
                hyperpolarisation=(repol_end, hyper_end),
                peak_time=t_peak,
                peak=float(values[p]),
                rest=rest_v,
            )
        )
        previous_end = hyper_end
    return phases


# --- F-I curve ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FICurve:
    """A frequency-current relation.

    Attributes:
        amplitudes: step currents, uA/cm^2 (in the order given).
        spike_counts: spikes counted after the transient, one per amplitude.
        rates_hz: rates from the inter-spike intervals after the transient, Hz (see :func:`isi_rates`).
    """

    amplitudes: NDArray[np.float64]
    spike_counts: NDArray[np.int64]
    rates_hz: NDArray[np.float64]


def fi_curve(
    amplitudes: ArrayLike,
    t_stop: float = 300.0,
    transient: float = 100.0,
    membrane: Membrane | None = None,
    dt: float = 0.01,
    method: str = "rk4",
    progress: Callable[[float], None] | None = None,
    threshold: float = FI_THRESHOLD,
) -> FICurve:
    """F-I curve: each amplitude (uA/cm^2) is a step switched on at t = 0 from rest and held to
    ``t_stop`` ms; spikes (upward crossings of ``threshold`` mV) are counted from ``transient``
    ms on, and the rate (Hz) is the inverse of their mean inter-spike interval (:func:`isi_rates`;
    0 with fewer than two spikes). All amplitudes run
    together as one population, without recording the traces. ``progress(fraction)`` is called
    before the first and after each of about ten chunks, with a fraction from 0 to 1.

    The default threshold is -40 mV rather than 0 mV: under strong steps the spikes shrink into
    a small oscillation (its peaks fall below 0 mV from about 60 uA/cm^2, reach about -20 mV at
    100 and -39 mV at 150 uA/cm^2), which is still repetitive firing until the depolarisation
    block near 155 uA/cm^2; a 0 mV detector would report silence long before that. Below the
    block, -40 mV counts exactly the same spikes as 0 mV.
    """
    grid = np.atleast_1d(np.asarray(amplitudes, dtype=np.float64)).ravel()
    if grid.size == 0:
        raise ParameterError("fi_curve needs at least one amplitude")
    if not (0.0 <= transient < t_stop):
        raise ParameterError(f"transient ({transient:g} ms) must be >= 0 and shorter than t_stop ({t_stop:g} ms)")
    stimulus = Step(amplitude=grid if grid.size > 1 else float(grid[0]), start=0.0)
    sim = Simulation(membrane, stimulus, dt=dt, method=method, population=grid.size, threshold=threshold)
    counts = np.zeros(grid.size, dtype=np.int64)
    first = np.full(grid.size, np.inf)
    last = np.full(grid.size, -np.inf)
    chunks = 10
    # Chunk ends on the dt grid, so the whole run is exactly t_stop long.
    ends = [round(t_stop * k / chunks / dt) * dt for k in range(1, chunks)] + [t_stop]
    if progress is not None:
        progress(0.0)
    for end in ends:
        if end > sim.t + 0.5 * dt:
            chunk = sim.advance(end - sim.t, record=False)
            late = chunk.spike_time >= transient
            np.add.at(counts, chunk.spike_neuron[late], 1)
            np.minimum.at(first, chunk.spike_neuron[late], chunk.spike_time[late])
            np.maximum.at(last, chunk.spike_neuron[late], chunk.spike_time[late])
        if progress is not None:
            progress(min(1.0, end / t_stop))
    rates = isi_rates(counts, first, last)
    return FICurve(amplitudes=grid, spike_counts=counts, rates_hz=rates)


def repetitive_onset(curve: FICurve, min_spikes: int = 2) -> float | None:
    """The lowest current (uA/cm^2) from which firing is sustained, or None if no amplitude fires.

    An amplitude *fires* when it gave at least ``min_spikes`` spikes after the transient. The
    amplitudes are sorted; the firing ones form runs of neighbours (a run ends at the first
    higher amplitude that does not fire, e.g. at depolarisation block). The onset is the lowest
    amplitude of the longest run (the lowest such run on a tie), so an isolated firing point
    below the onset (near the bistable range) or beyond the block does not count.
    """
    order = np.argsort(curve.amplitudes, kind="stable")
    amps = np.asarray(curve.amplitudes, dtype=np.float64)[order]
    firing = np.asarray(curve.spike_counts)[order] >= min_spikes
    best_start, best_length = None, 0
    k = 0
    while k < firing.size:
        if firing[k]:
            j = k
            while j + 1 < firing.size and firing[j + 1]:
                j += 1
            if j - k + 1 > best_length:
                best_start, best_length = k, j - k + 1
            k = j + 1
        else:
            k += 1
    return None if best_start is None else float(amps[best_start])


# --- thresholds --------------------------------------------------------------------------------------
ROUND_SIZE = 16  # amplitudes tried together in each round of a threshold search
OBSERVATION_MS = 25.0  # how long after a pulse's end a spike is waited for (ms)


def _pulse_simulation(
    membrane: Membrane | None, amplitudes: NDArray[np.float64], width_ms: float, onset: float, dt: float, method: str
) -> Simulation:
    stimulus = Pulse(
        amplitude=amplitudes if amplitudes.size > 1 else float(amplitudes[0]), start=onset, duration=width_ms
    )
    return Simulation(membrane, stimulus, dt=dt, method=method, population=amplitudes.size)


def _fires(
    membrane: Membrane | None, amplitudes: NDArray[np.float64], width_ms: float, onset: float, dt: float, method: str
) -> NDArray[np.bool_]:
    """Whether a pulse of each amplitude (uA/cm^2), ``width_ms`` long from ``onset`` ms after a
    start from rest, crosses 0 mV before onset + width + 25 ms."""
    sim = _pulse_simulation(membrane, amplitudes, width_ms, onset, dt, method)
    sim.advance(onset + width_ms + OBSERVATION_MS, record=False)
    return sim.spike_count > 0


def _crossings_from(
    membrane: Membrane | None,
    amplitudes: NDArray[np.float64],
    width_ms: float,
    onset: float,
    dt: float,
    method: str,
    state: NDArray[np.float64],
) -> NDArray[np.int64]:
    """0 mV crossings per amplitude of a pulse at ``onset`` ms, starting there from ``state`` (4,)
    and watching until 25 ms after the pulse's end."""
    sim = _pulse_simulation(membrane, amplitudes, width_ms, onset, dt, method)
    sim.set_state(state, onset)
    sim.advance(width_ms + OBSERVATION_MS, record=False)
    return sim.spike_count.copy()


def _bisect(
    fires: Callable[[NDArray[np.float64]], NDArray[np.bool_]], low: float, high: float, tolerance: float
) -> float:
    """Smallest amplitude in [low, high] for which ``fires`` is true, to within ``tolerance``.

    Each round tries ROUND_SIZE amplitudes spread over the bracket at once (a population) and
    keeps the gap between the highest silent and the lowest firing one. Firing is assumed to be
    monotone in the amplitude. Returns the lowest amplitude found to fire (the threshold lies at
    most ``tolerance`` below it), or inf if ``high`` does not fire.
    """
    if not tolerance > 0.0:
        raise ParameterError(f"tolerance must be > 0 uA/cm^2, got {tolerance!r}")
    if not high > low:
        raise ParameterError(f"the bracket must have high > low, got [{low:g}, {high:g}] uA/cm^2")
    ends = fires(np.array([low, high]))
    if ends[0]:
        return float(low)
    if not ends[1]:
        return math.inf
    while high - low > tolerance:
        trial = np.linspace(low, high, ROUND_SIZE + 2)[1:-1]
        result = fires(trial)
        firing = np.nonzero(result)[0]
        if firing.size:
            first = int(firing[0])
            high = float(trial[first])
            low = float(trial[first - 1]) if first > 0 else low
        else:
            low = float(trial[-1])
    return float(high)


def threshold_search(
    width_ms: float,
    membrane: Membrane | None = None,
    dt: float = 0.01,
    method: str = "rk4",
    low: float = 0.0,
    high: float = 200.0,
    tolerance: float = 0.01,
    delay: float = 1.0,
) -> float:
    """Threshold (uA/cm^2) of a single rectangular pulse of ``width_ms`` ms applied ``delay`` ms
    after the start from rest: the smallest amplitude whose response crosses 0 mV within 25 ms
    of the pulse's end, found by a vectorised bisection in [``low``, ``high``] to within
    ``tolerance`` (the value returned fires; the true threshold is at most ``tolerance`` below).
    Returns inf if even ``high`` does not fire.
    """
    if not width_ms > 0.0:
        raise ParameterError(f"width must be > 0 ms, got {width_ms!r}")
    return _bisect(lambda amps: _fires(membrane, amps, width_ms, delay, dt, method), low, high, tolerance)


def refractory_threshold(
    interval_ms: float,
    conditioning_amplitude: float,
    width_ms: float = 0.5,
    membrane: Membrane | None = None,
    dt: float = 0.01,
    method: str = "rk4",
    low: float = 0.0,
    high: float = 200.0,
    tolerance: float = 0.01,
    delay: float = 1.0,
) -> float:
    """Threshold (uA/cm^2) of a test pulse ``interval_ms`` ms (onset to onset) after a
    conditioning pulse of ``conditioning_amplitude`` uA/cm^2; both pulses ``width_ms`` long, the
    conditioning one ``delay`` ms after the start from rest.

    The conditioning part is simulated once; each bisection round continues from its state.
    The test pulse fires when it adds a 0 mV crossing to those the conditioning pulse alone
    gives. Returns inf when no test amplitude up to ``high`` fires (absolute refractory period).
    """
    if not width_ms > 0.0:
        raise ParameterError(f"width must be > 0 ms, got {width_ms!r}")
    if not interval_ms >= width_ms:
        raise ParameterError(
            f"interval ({interval_ms!r} ms, onset to onset) must be at least the width ({width_ms:g} ms)"
        )
    conditioning = Simulation(
        membrane, Pulse(amplitude=conditioning_amplitude, start=delay, duration=width_ms), dt=dt, method=method
    )
    conditioning.advance(delay + interval_ms, record=False)
    state = conditioning.state[:, 0].copy()
    onset = conditioning.t
    # The conditioning pulse alone, continued: the crossings a firing test pulse must add to.
    baseline = int(_crossings_from(membrane, np.array([0.0]), width_ms, onset, dt, method, state)[0])
    return _bisect(
        lambda amps: _crossings_from(membrane, amps, width_ms, onset, dt, method, state) > baseline,
        low,
        high,
        tolerance,
    )
