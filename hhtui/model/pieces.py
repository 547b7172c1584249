"""A protocol cut into pieces for the kernels: the one evaluation of the stimulus shared by the
point neuron, the population, the cable and the network.

Between two edges of a protocol (:meth:`Stimulus.edge_times`) the injected current of neuron i
is ``value[s, i] + slope[s, i] * (t - origin[s])`` (uA/cm^2; under voltage clamp ``value`` is
the command voltage in mV; ``origin[s]`` is where the protocol anchors the piece, e.g. a ramp's
start). Every kernel steps onto the bounds exactly: a time step that an edge falls inside is
cut in two there (:func:`substep_end`), so a pulse starting between grid points starts where it
says, whatever dt. Edges within ``GRID_TOLERANCE`` of a grid point are moved onto it, so
rounding of the edge times never makes a step of a few femtoseconds.

Times in ms.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ._jit import njit
from .solver import GRID_TOLERANCE
from .stimulus import Stimulus, VoltageClamp

#: Fraction of dt within which two times count as the same (the kernels' comparisons).
TIME_TOLERANCE = 1e-9


def piece_bounds(stimulus: Stimulus, t_from: float, t_to: float, dt: float) -> NDArray[np.float64]:
    """t_from, the stimulus edges strictly between (snapped to the grid k*dt when within
    GRID_TOLERANCE*dt of it), t_to: the bounds of the pieces integrated one after another (ms)."""
    edges = np.asarray(stimulus.edge_times(t_from, t_to), dtype=np.float64)
    if edges.size:
        on_grid = np.round(edges / dt) * dt
        edges = _sorted_unique(np.where(np.abs(on_grid - edges) <= GRID_TOLERANCE * dt, on_grid, edges))
        edges = edges[(edges > t_from) & (edges < t_to)]
    return np.concatenate(([t_from], edges, [t_to]))


def _sorted_unique(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """The distinct values in increasing order (as ``np.unique``, which would import numpy.ma
    at a run's start)."""
    ordered = np.sort(values)
    keep = np.empty(ordered.shape, dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def command_voltage(stimulus: Stimulus, t: NDArray[np.float64]) -> NDArray[np.float64]:
    """The command voltage (mV) of a voltage-clamp protocol at times ``t`` (ms), shape (len(t),)."""
    if not isinstance(stimulus, VoltageClamp):
        raise TypeError(f"a {stimulus.kind} protocol has no command voltage")
    return np.asarray(stimulus.command(t), dtype=np.float64)


def piece_values(
    stimulus: Stimulus, bounds: NDArray[np.float64], population: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(value, slope, origin) of the protocol in each piece between ``bounds``: within piece s
    the protocol of neuron i is ``value[s, i] + slope[s, i] * (t - origin[s])``, the injected
    current (uA/cm^2, uA/cm^2/ms), or under voltage clamp the command voltage (mV, slope 0).
    ``value`` and ``slope`` have shape (pieces, population), ``origin`` (pieces,) (ms).

    Taken at the pieces' middles, so an edge's own value never leaks into the piece before it.
    A sloped piece is anchored where the protocol anchors it (:meth:`Stimulus.affine`: a ramp
    at its start), not at the piece's first bound, so a run cut into other chunks or batches
    computes the same currents, digit for digit; a constant piece is its value throughout."""
    start = bounds[:-1]
    middle = 0.5 * (start + bounds[1:])
    origin = np.array(start, dtype=np.float64)
    if stimulus.is_clamp:
        value = command_voltage(stimulus, middle)[None, :]
        slope = np.zeros_like(value)
    else:
        value = stimulus.current(middle)
        slope = stimulus.slopes(middle)
        for s in np.nonzero(np.any(slope != 0.0, axis=0))[0]:
            value[:, s], slope[:, s], origin[s] = stimulus.affine(float(middle[s]))
    shape = (population, middle.size)
    return (
        np.ascontiguousarray(np.broadcast_to(value, shape).T, dtype=np.float64),
        np.ascontiguousarray(np.broadcast_to(slope, shape).T, dtype=np.float64),
        origin,
    )


def record_grid(t_from: float, t_to: float, dt: float, stride: int) -> tuple[int, int]:
    """(k of the first recorded grid point, how many) in (t_from, t_to]: the grid points k*dt
    (ms) with k % stride == 0 (none when stride <= 0); times within GRID_TOLERANCE*dt of a grid
    point count as on it."""
    first = int(math.floor(t_from / dt + GRID_TOLERANCE)) + 1
    last = int(math.floor(t_to / dt + GRID_TOLERANCE))
    if stride <= 0 or last < first:
        return first, 0
    first_recorded = -(-first // stride) * stride
    return first_recorded, max(0, (last - first_recorded) // stride + 1)


def record_times(t_from: float, t_to: float, dt: float, stride: int) -> NDArray[np.float64]:
    """The recorded grid times in (t_from, t_to] (ms), see :func:`record_grid`."""
    first, count = record_grid(t_from, t_to, dt, stride)
    return (first + stride * np.arange(count, dtype=np.float64)) * dt


def _piece_at(bounds: NDArray[np.float64], t: float, tolerance: float) -> int:
    """Index s of the piece [bounds[s], bounds[s+1]) that holds time ``t`` (ms)."""
    s = int(np.searchsorted(bounds, t + tolerance, side="right")) - 1
    return min(max(s, 0), bounds.shape[0] - 2)


piece_at = njit(_piece_at)


def _substep_end(t: float, t_end: float, bounds: NDArray[np.float64], s: int, tolerance: float) -> tuple[float, int]:
    """(end of the next sub-step, its piece) from ``t`` towards the grid point ``t_end`` (ms),
    given the piece ``s`` of the previous sub-step: the step ends at the first bound after
    ``t``, or at ``t_end`` if that comes first (bounds within ``tolerance`` of it count as on it)."""
    last = bounds.shape[0] - 2
    while s < last and bounds[s + 1] <= t + tolerance:
        s += 1
    end = bounds[s + 1]
    if end >= t_end - tolerance or s == last and end <= t + tolerance:
        end = t_end
    return end, s


substep_end = njit(_substep_end)


def grid_bounds(stimulus: Stimulus, steps: int, dt: float) -> NDArray[np.float64]:
    """The piece bounds of a fixed-grid run of ``steps`` steps of ``dt`` ms from t = 0, one step
    beyond its end included (the cable looks one step ahead)."""
    return piece_bounds(stimulus, 0.0, (steps + 1) * dt, dt)
