"""Stimulus protocols: injected current (uA/cm^2) or a voltage-clamp command (mV) as a function of time (ms).

Each protocol is a small immutable object. The integrators never sample a protocol blindly:
they ask for its ``edges`` (the times where the current jumps or changes slope) and step
exactly onto them, and within each piece between edges the current is ``value + slope*(t - t0)``
(see :meth:`Stimulus.piece`). Every protocol is right-continuous: a pulse of start 5 and
duration 1 is on for 5 <= t < 6.

Amplitudes may be arrays, one value per neuron of a population (an F-I sweep is a ``Step``
whose amplitude is the grid of currents).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import ParameterError
from .membrane import check_int, check_range, shown

MAX_CURRENT = 10000.0  # uA/cm^2, far beyond anything physiological
MAX_TIME = 1.0e9  # ms
CLAMP_RANGE = (-300.0, 300.0)  # mV
MAX_PULSES = 100_000  # pulses of one train
BIN_WIDTH_RANGE = (0.001, 1000.0)  # ms, between two values of a noise current
#: Deepest nesting of sums inside sums (a sum of plain protocols is 1 deep). Far beyond any real
#: protocol (which needs 1 or 2), and far below Python's recursion limit, so that everything that
#: walks a stimulus (the solver, its text form, the app's workers) is safe.
MAX_NESTING = 32

Amplitude = float | NDArray[np.float64]


def _amplitude(name: str, value: Any) -> Amplitude:
    """A validated amplitude: a float, or a 1-D float array (one value per neuron)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        array = np.asarray(value, dtype=np.float64).ravel()
        if array.size == 0:
            raise ParameterError(f"{name} must have at least one value")
        if not np.all(np.isfinite(array)) or np.any(np.abs(array) > MAX_CURRENT):
            raise ParameterError(f"{name} values must be finite and within +/-{MAX_CURRENT:g} uA/cm^2")
        array.setflags(write=False)
        return array if array.size > 1 else float(array[0])
    return check_range(name, value, "uA/cm^2", -MAX_CURRENT, MAX_CURRENT)


def _time(name: str, value: Any, allow_infinite: bool = False, positive: bool = False) -> float:
    if allow_infinite and value is None:
        return math.inf
    if allow_infinite and isinstance(value, (int, float)) and not isinstance(value, bool) and value == math.inf:
        return math.inf
    return check_range(name, value, "ms", 0.0, MAX_TIME, low_inclusive=not positive)


def _population(*amplitudes: Amplitude) -> int:
    sizes = {np.size(a) for a in amplitudes if np.ndim(a) > 0}
    if len(sizes) > 1:
        raise ParameterError("per-neuron amplitudes must all have the same length")
    return sizes.pop() if sizes else 1


def _as_column(amplitude: Amplitude) -> NDArray[np.float64]:
    return np.atleast_1d(np.asarray(amplitude, dtype=np.float64))[:, None]


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [float(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return None
    return value


@dataclass(frozen=True)
class Stimulus:
    """Base class: no injected current."""

    kind: ClassVar[str] = "none"
    is_clamp: ClassVar[bool] = False

    @property
    def population(self) -> int:
        """Number of neurons the amplitudes describe (1 for scalar amplitudes)."""
        return 1

    def _windows(self) -> list[tuple[float, float]]:
        """The [on, off) intervals in ms."""
        return []

    def edges(self, t_from: float, t_to: float) -> list[float]:
        """Sorted times in the open interval (t_from, t_to) where the protocol jumps or bends."""
        times = {t for window in self._windows() for t in window if t_from < t < t_to and math.isfinite(t)}
        return sorted(times)

    def edge_times(self, t_from: float, t_to: float) -> NDArray[np.float64]:
        """:meth:`edges` as a sorted array (ms); protocols with many edges build it without a
        Python loop."""
        return np.asarray(self.edges(t_from, t_to), dtype=np.float64)

    def shortest_piece(self) -> float:
        """A lower bound on the time (ms) between two edges of the protocol (inf: no edges);
        the simulation lists the edges of at most so many pieces at a time."""
        return math.inf

    def support(self) -> tuple[float, float]:
        """[first, last) times (ms) outside which the current is zero."""
        windows = self._windows()
        if not windows:
            return (math.inf, math.inf)
        return (min(w[0] for w in windows), max(w[1] for w in windows))

    def affine(self, t: float) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
        """(value, slope, origin) per neuron of the piece between edges that holds ``t`` (ms):
        there the current is ``value + slope * (time - origin)`` (uA/cm^2, uA/cm^2/ms, ms).

        The three depend on the piece alone, never on ``t`` within it (a ramp's origin is its
        start and its value the amplitude there), so a run cut into chunks at other times
        computes every current from the same numbers, digit for digit."""
        value = self.current(np.array([t]))[:, 0]
        slope = self.slopes(np.array([t]))[:, 0]
        return value, slope, t

    def slopes(self, t: ArrayLike) -> NDArray[np.float64]:
        """d(current)/dt in uA/cm^2/ms at times ``t`` (ms), within the pieces between edges:
        shape (population, len(t)). Zero for piecewise-constant protocols."""
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        return np.zeros((self.population, times.size))

    def current(self, t: ArrayLike) -> NDArray[np.float64]:
        """Injected current in uA/cm^2 at times ``t`` (ms): shape (population, len(t))."""
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        return np.zeros((self.population, times.size))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description, with ``type`` naming the protocol (inf durations as null)."""
        data: dict[str, Any] = {"type": self.kind}
        for item in fields(self):
            data[item.name] = _jsonable(getattr(self, item.name))
        return data

    def with_amplitude(self, amplitude: Amplitude) -> Stimulus:
        """The same protocol with another amplitude (the no-stimulus protocol becomes a step)."""
        return Step(amplitude=amplitude)

    @property
    def amplitude_value(self) -> Amplitude:
        """The main amplitude in uA/cm^2 (0 for no stimulus)."""
        return 0.0


@dataclass(frozen=True)
class NoStimulus(Stimulus):
    """No injected current."""

    kind: ClassVar[str] = "none"


def _window_current(
    amplitude: Amplitude, windows: list[tuple[float, float]], times: NDArray[np.float64]
) -> NDArray[np.float64]:
    on: NDArray[np.bool_] | None = None
    for start, stop in windows:
        inside = times >= start
        if stop != math.inf:  # (every time is finite)
            inside &= times < stop
        if on is None:
            on = inside
        else:
            on |= inside
    if on is None:
        on = np.zeros(times.shape, dtype=bool)
    return _as_column(amplitude) * on[None, :]


@dataclass(frozen=True)
class Step(Stimulus):
    """A current step: ``amplitude`` uA/cm^2 from ``start`` ms for ``duration`` ms (inf: to the end)."""

    kind: ClassVar[str] = "step"
    amplitude: Amplitude = 10.0
    start: float = 5.0
    duration: float = math.inf

    def __post_init__(self) -> None:
        object.__setattr__(self, "amplitude", _amplitude("amplitude", self.amplitude))
        object.__setattr__(self, "start", _time("start", self.start))
        object.__setattr__(self, "duration", _time("duration", self.duration, allow_infinite=True))

    @property
    def population(self) -> int:
        return _population(self.amplitude)

    @property
    def amplitude_value(self) -> Amplitude:
        return self.amplitude

    def _windows(self) -> list[tuple[float, float]]:
        return [(self.start, self.start + self.duration)]

    def current(self, t: ArrayLike) -> NDArray[np.float64]:
        return _window_current(self.amplitude, self._windows(), np.atleast_1d(np.asarray(t, dtype=np.float64)))

    def with_amplitude(self, amplitude: Amplitude) -> Step:
        return Step(amplitude=amplitude, start=self.start, duration=self.duration)


@dataclass(frozen=True)
class Train(Stimulus):
    """``count`` pulses of ``amplitude`` uA/cm^2 and ``width`` ms, the first at ``start`` ms,
    onsets ``interval`` ms apart. A single pulse is a train of count 1."""

    kind: ClassVar[str] = "train"
    amplitude: Amplitude = 20.0
    width: float = 1.0
    start: float = 5.0
    interval: float = 20.0
    count: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "amplitude", _amplitude("amplitude", self.amplitude))
        object.__setattr__(self, "width", _time("width", self.width, positive=True))
        object.__setattr__(self, "start", _time("start", self.start))
        object.__setattr__(self, "count", check_int("count", self.count, 1, MAX_PULSES))
        object.__setattr__(self, "interval", _time("interval", self.interval, positive=True))
        if self.count > 1 and self.interval < self.width:
            raise ParameterError(
                f"interval ({self.interval:g} ms, onset to onset) must be at least the pulse width ({self.width:g} ms)"
            )

    @property
    def population(self) -> int:
        return _population(self.amplitude)

    @property
    def amplitude_value(self) -> Amplitude:
        return self.amplitude

    def _windows(self) -> list[tuple[float, float]]:
        return [
            (self.start + k * self.interval, self.start + k * self.interval + self.width) for k in range(self.count)
        ]

    def _pulses_near(self, t_from: float, t_to: float) -> tuple[int, int]:
        """The pulses (first, one past the last) that can touch ``[t_from, t_to]`` ms, so a long
        train costs nothing per chunk. The quotients are clamped before they become whole
        numbers: over a width and interval of a few 1e-320 ms they are infinite."""

        def pulses(t: float) -> float:
            return min(max((t - self.start) // self.interval, -1.0), float(self.count))

        first = max(0, int(pulses(t_from)) - 1)
        last = min(self.count, int(pulses(max(t_to, self.start))) + 2)
        return first, last

    def edges(self, t_from: float, t_to: float) -> list[float]:
        first, last = self._pulses_near(t_from, t_to)
        times = set()
        for k in range(first, last):
            onset = self.start + k * self.interval
            for t in (onset, onset + self.width):
                if t_from < t < t_to:
                    times.add(t)
        return sorted(times)

    def edge_times(self, t_from: float, t_to: float) -> NDArray[np.float64]:
        first, last = self._pulses_near(t_from, t_to)
        onsets = self.start + np.arange(first, max(first, last), dtype=np.float64) * self.interval
        times = np.concatenate((onsets, onsets + self.width))
        return np.unique(times[(times > t_from) & (times < t_to)])

    def support(self) -> tuple[float, float]:
        return (self.start, self.start + (self.count - 1) * self.interval + self.width)

    def shortest_piece(self) -> float:
        gap = self.interval - self.width
        return min(self.width, gap) if self.count > 1 and gap > 0 else self.width

    def current(self, t: ArrayLike) -> NDArray[np.float64]:
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        since = times - self.start
        with np.errstate(over="ignore"):  # an interval of a few 1e-320 ms: later pulses are all past
            index = np.floor(since / self.interval)
        on = (since >= 0) & (index < self.count) & (since - index * self.interval < self.width)
        return _as_column(self.amplitude) * on[None, :]

    def with_amplitude(self, amplitude: Amplitude) -> Train:
        return Train(amplitude=amplitude, width=self.width, start=self.start, interval=self.interval, count=self.count)


def Pulse(amplitude: Amplitude = 20.0, start: float = 5.0, duration: float = 1.0) -> Train:
    """A single rectangular pulse (a train of one)."""
    return Train(amplitude=amplitude, width=duration, start=start, interval=duration, count=1)


@dataclass(frozen=True)
class Ramp(Stimulus):
    """A current rising linearly from ``amplitude`` to ``amplitude_end`` uA/cm^2 between
    ``start`` and ``start + duration`` ms; zero outside."""

    kind: ClassVar[str] = "ramp"
    amplitude: Amplitude = 0.0
    amplitude_end: Amplitude = 20.0
    start: float = 5.0
    duration: float = 40.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "amplitude", _amplitude("amplitude", self.amplitude))
        object.__setattr__(self, "amplitude_end", _amplitude("amplitude_end", self.amplitude_end))
        object.__setattr__(self, "start", _time("start", self.start))
        object.__setattr__(self, "duration", _time("duration", self.duration, positive=True))

    @property
    def population(self) -> int:
        return _population(self.amplitude, self.amplitude_end)

    @property
    def amplitude_value(self) -> Amplitude:
        return self.amplitude

    def _windows(self) -> list[tuple[float, float]]:
        return [(self.start, self.start + self.duration)]

    def _slope(self) -> NDArray[np.float64]:
        return ((_as_column(self.amplitude_end) - _as_column(self.amplitude)) / self.duration)[:, 0] * np.ones(
            self.population
        )

    def affine(self, t: float) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
        if not self.start <= t < self.start + self.duration:
            return np.zeros(self.population), np.zeros(self.population), t
        return _as_column(self.amplitude)[:, 0] * np.ones(self.population), self._slope(), self.start

    def slopes(self, t: ArrayLike) -> NDArray[np.float64]:
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        inside = (times >= self.start) & (times < self.start + self.duration)
        return np.where(inside[None, :], self._slope()[:, None], 0.0)

    def current(self, t: ArrayLike) -> NDArray[np.float64]:
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        on = (times >= self.start) & (times < self.start + self.duration)
        ramp = _as_column(self.amplitude) + self._slope()[:, None] * (times - self.start)[None, :]
        return np.where(on[None, :], ramp, 0.0)

    def with_amplitude(self, amplitude: Amplitude) -> Ramp:
        return Ramp(amplitude=amplitude, amplitude_end=self.amplitude_end, start=self.start, duration=self.duration)


@dataclass(frozen=True)
class Noise(Stimulus):
    """Noisy current: ``mean`` + ``std`` x N(0, 1), a new value every ``bin_width`` ms, from
    ``start`` for ``duration`` ms (inf: to the end). Reproducible from ``seed``: the value of
    each bin depends only on the seed and the bin's index, never on how the run is chunked."""

    kind: ClassVar[str] = "noise"
    mean: Amplitude = 5.0
    std: float = 5.0
    start: float = 0.0
    duration: float = math.inf
    bin_width: float = 0.5
    seed: int = 0

    BLOCK: ClassVar[int] = 4096

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _amplitude("mean", self.mean))
        object.__setattr__(self, "std", check_range("std", self.std, "uA/cm^2", 0.0, MAX_CURRENT))
        object.__setattr__(self, "start", _time("start", self.start))
        object.__setattr__(self, "duration", _time("duration", self.duration, allow_infinite=True))
        object.__setattr__(self, "bin_width", check_range("bin_width", self.bin_width, "ms", *BIN_WIDTH_RANGE))
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or not 0 <= self.seed < 2**63:
            raise ParameterError(f"seed must be a whole number >= 0, got {shown(self.seed)}")
        object.__setattr__(self, "seed", int(self.seed))

    @property
    def population(self) -> int:
        return _population(self.mean)

    @property
    def amplitude_value(self) -> Amplitude:
        return self.mean

    def _windows(self) -> list[tuple[float, float]]:
        return [(self.start, self.start + self.duration)]

    def edges(self, t_from: float, t_to: float) -> list[float]:
        stop = self.start + self.duration
        lo = max(t_from, self.start)
        hi = min(t_to, stop)
        times = set(super().edges(t_from, t_to))
        if hi > lo:
            first = math.floor((lo - self.start) / self.bin_width)
            last = math.ceil((hi - self.start) / self.bin_width)
            for k in range(first, last + 1):
                t = self.start + k * self.bin_width
                if t_from < t < t_to and t < stop:
                    times.add(t)
        return sorted(times)

    def shortest_piece(self) -> float:
        return self.bin_width

    def edge_times(self, t_from: float, t_to: float) -> NDArray[np.float64]:
        stop = self.start + self.duration
        lo = max(t_from, self.start)
        hi = min(t_to, stop)
        times = [np.asarray(super().edges(t_from, t_to), dtype=np.float64)]
        if hi > lo:
            first = math.floor((lo - self.start) / self.bin_width)
            last = math.ceil((hi - self.start) / self.bin_width)
            bins = self.start + np.arange(first, last + 1, dtype=np.float64) * self.bin_width
            times.append(bins[(bins > t_from) & (bins < t_to) & (bins < stop)])
        return np.unique(np.concatenate(times))

    def _bin_values(self, bins: NDArray[np.int64]) -> NDArray[np.float64]:
        """Standard normal values for bin indices (population, len(bins))."""
        out = np.empty((self.population, bins.size))
        blocks = bins // self.BLOCK
        for block in np.unique(blocks):
            rng = np.random.default_rng([self.seed, int(block)])
            table = rng.standard_normal((self.population, self.BLOCK))
            where = blocks == block
            out[:, where] = table[:, bins[where] - block * self.BLOCK]
        return out

    def current(self, t: ArrayLike) -> NDArray[np.float64]:
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        on = (times >= self.start) & (times < self.start + self.duration)
        bins = np.floor((np.where(on, times, self.start) - self.start) / self.bin_width + 1e-9).astype(np.int64)
        values = _as_column(self.mean) + self.std * self._bin_values(bins)
        return np.where(on[None, :], values, 0.0)

    def with_amplitude(self, amplitude: Amplitude) -> Noise:
        return Noise(
            mean=amplitude,
            std=self.std,
            start=self.start,
            duration=self.duration,
            bin_width=self.bin_width,
            seed=self.seed,
        )


@dataclass(frozen=True)
class VoltageClamp(Stimulus):
    """Voltage clamp: the membrane is held at ``hold`` mV and stepped to ``level`` mV from
    ``start`` for ``duration`` ms, then back. No current is injected through the electrode
    other than the clamp current, which the simulation reports."""

    kind: ClassVar[str] = "clamp"
    is_clamp: ClassVar[bool] = True
    hold: float = -65.0
    level: float = 0.0
    start: float = 5.0
    duration: float = 20.0

    def __post_init__(self) -> None:
        low, high = CLAMP_RANGE
        object.__setattr__(self, "hold", check_range("hold", self.hold, "mV", low, high))
        object.__setattr__(self, "level", check_range("level", self.level, "mV", low, high))
        object.__setattr__(self, "start", _time("start", self.start))
        object.__setattr__(self, "duration", _time("duration", self.duration, allow_infinite=True))

    def _windows(self) -> list[tuple[float, float]]:
        return [(self.start, self.start + self.duration)]

    def command(self, t: ArrayLike) -> NDArray[np.float64]:
        """Command voltage in mV at times ``t`` (ms)."""
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        on = (times >= self.start) & (times < self.start + self.duration)
        return np.where(on, self.level, self.hold)

    def with_amplitude(self, amplitude: Amplitude) -> VoltageClamp:
        return self


@dataclass(frozen=True)
class Combined(Stimulus):
    """The sum of several current-clamp protocols, e.g. a slow ramp, a holding step and a brief
    pulse (bistability), or pulses of rising amplitude (all-or-none)."""

    kind: ClassVar[str] = "sum"
    parts: tuple[Stimulus, ...] = ()

    def __post_init__(self) -> None:
        parts = tuple(self.parts) if isinstance(self.parts, (list, tuple)) else self.parts
        if not isinstance(parts, tuple) or not parts or not all(isinstance(p, Stimulus) for p in parts):
            raise ParameterError("a combined stimulus needs a list of one or more protocols in 'parts'")
        if any(p.is_clamp for p in parts):
            raise ParameterError("a voltage clamp cannot be combined with injected currents")
        _population(*(np.zeros(p.population) if p.population > 1 else 0.0 for p in parts))
        if max(_nesting(p) for p in parts) >= MAX_NESTING:
            raise ParameterError(
                f"stimulus: sums are nested more than {MAX_NESTING} deep (a sum inside a sum inside ...)"
            )
        object.__setattr__(self, "parts", parts)

    @property
    def population(self) -> int:
        return max(p.population for p in self.parts)

    @property
    def amplitude_value(self) -> Amplitude:
        return self.parts[0].amplitude_value

    def edges(self, t_from: float, t_to: float) -> list[float]:
        return [float(t) for t in self.edge_times(t_from, t_to)]

    def _supports(self) -> NDArray[np.float64]:
        """(parts, 2): each part's support, computed once."""
        cached = self.__dict__.get("_support_cache")
        if cached is None:
            cached = np.array([p.support() for p in self.parts], dtype=np.float64).reshape(-1, 2)
            object.__setattr__(self, "_support_cache", cached)
        return cached

    def _parts_within(self, t_from: float, t_to: float) -> list[Stimulus]:
        """The parts whose support meets [t_from, t_to]."""
        supports = self._supports()
        meets = np.nonzero((supports[:, 0] <= t_to) & (supports[:, 1] >= t_from))[0]
        return [self.parts[k] for k in meets]

    def shortest_piece(self) -> float:
        return min(p.shortest_piece() for p in self.parts)

    def support(self) -> tuple[float, float]:
        supports = self._supports()
        return (float(supports[:, 0].min()), float(supports[:, 1].max()))

    def edge_times(self, t_from: float, t_to: float) -> NDArray[np.float64]:
        arrays = [p.edge_times(t_from, t_to) for p in self._parts_within(t_from, t_to)]
        return np.unique(np.concatenate(arrays)) if arrays else np.zeros(0)

    def affine(self, t: float) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
        """The parts' pieces added, in the order of the parts, anchored at the latest origin of
        a sloped part (a lone ramp's value and origin are its own, unchanged)."""
        pieces = [part.affine(t) for part in self._parts_within(t, t)]
        origins = [origin for _, slope, origin in pieces if np.any(slope != 0.0)]
        anchor = max(origins) if origins else t
        value = np.zeros(self.population)
        slope = np.zeros(self.population)
        for part_value, part_slope, origin in pieces:
            if np.any(part_slope != 0.0) and origin != anchor:
                part_value = part_value + part_slope * (anchor - origin)
            value = value + part_value
            slope = slope + part_slope
        return value, slope, anchor

    def _sum(self, t: ArrayLike, what: str) -> NDArray[np.float64]:
        """The parts' ``current`` or ``slopes`` at sorted or unsorted times ``t``, added in the
        order of the parts; each part is evaluated only at the times within its support, so a
        sum of N pulses costs time linear in N."""
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        total = np.zeros((self.population, times.size))
        if times.size == 0:
            return total
        order = np.argsort(times, kind="stable")
        ordered = times[order]
        for part in self._parts_within(float(ordered[0]), float(ordered[-1])):
            first, last = part.support()
            j0 = int(np.searchsorted(ordered, first, side="left"))
            j1 = int(np.searchsorted(ordered, last, side="left"))
            if j1 > j0:
                where = order[j0:j1]
                total[:, where] = total[:, where] + getattr(part, what)(times[where])
        return total

    def current(self, t: ArrayLike) -> NDArray[np.float64]:
        return self._sum(t, "current")

    def slopes(self, t: ArrayLike) -> NDArray[np.float64]:
        return self._sum(t, "slopes")

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "parts": [p.to_dict() for p in self.parts]}

    def with_amplitude(self, amplitude: Amplitude) -> Combined:
        """The first part takes the new amplitude; the others are kept."""
        return Combined(parts=(self.parts[0].with_amplitude(amplitude),) + self.parts[1:])


def _nesting(stimulus: Stimulus) -> int:
    """How deep sums are nested in ``stimulus``: 0 for a plain protocol, 1 for a sum of them."""
    return 1 + max(_nesting(p) for p in stimulus.parts) if isinstance(stimulus, Combined) else 0


STIMULUS_TYPES: dict[str, type[Stimulus]] = {
    cls.kind: cls for cls in (NoStimulus, Step, Train, Ramp, Noise, VoltageClamp, Combined)
}


def stimulus_from_dict(data: dict[str, Any], _depth: int = 0) -> Stimulus:
    """Build a protocol from ``{"type": ..., field: value}``; unknown types or fields are refused,
    and so are sums nested more than :data:`MAX_NESTING` deep."""
    if not isinstance(data, dict):
        raise ParameterError(f"stimulus must be an object with a 'type', got {type(data).__name__}")
    kind = data.get("type", "none")
    if kind == "pulse":
        fields_ = {k: v for k, v in data.items() if k != "type"}
        unknown = sorted(set(fields_) - {"amplitude", "start", "duration"})
        if unknown:
            raise ParameterError(f"unknown field(s) for a pulse: {', '.join(unknown)}")
        return Pulse(**fields_)
    if kind == "sum":
        unknown = sorted(set(data) - {"type", "parts"})
        if unknown:
            raise ParameterError(f"unknown field(s) for a sum stimulus: {', '.join(unknown)}; known: parts")
        parts = data.get("parts")
        if not isinstance(parts, list):
            raise ParameterError("a sum stimulus needs 'parts', a list of stimulus objects")
        if _depth >= MAX_NESTING:
            raise ParameterError(
                f"stimulus: sums are nested more than {MAX_NESTING} deep (a sum inside a sum inside ...)"
            )
        return Combined(parts=tuple(stimulus_from_dict(part, _depth + 1) for part in parts))
    if kind not in STIMULUS_TYPES:
        raise ParameterError(f"unknown stimulus type {kind!r}; choose one of: {', '.join(STIMULUS_TYPES)}, pulse")
    cls = STIMULUS_TYPES[kind]
    known = {item.name for item in fields(cls)}
    fields_ = {k: v for k, v in data.items() if k != "type"}
    unknown = sorted(set(fields_) - known)
    if unknown:
        raise ParameterError(
            f"unknown field(s) for a {kind} stimulus: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    for name in ("duration",):
        if name in fields_ and fields_[name] is None:
            fields_[name] = math.inf
    return cls(**fields_)
