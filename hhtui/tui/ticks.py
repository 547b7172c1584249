"""Tick positions and labels for the terminal charts: round numbers that fit.

A tick step is 1, 2, 2.5 or 5 times a power of ten, the finest such step whose ticks still fit
the room the axis has (a number of ticks for a vertical axis, a width in characters for a
horizontal one). Ticks are the multiples of the step inside the range, so 0 is a tick whenever
the range spans it; on an integer axis (neuron numbers, counts) the step is a whole number.
Labels carry as many decimals as the step needs, all the same: ``0.00 0.25 0.50 0.75 1.00``,
``-80 -40 0 40``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

#: Mantissas of the allowed steps, finest first.
MANTISSAS = (1.0, 2.0, 2.5, 5.0)
#: No axis has room for more ticks than this (a tick every 1.5 rows or 6 columns).
MOST_TICKS = 50


def _steps(span: float, integer: bool) -> list[float]:
    """Candidate steps for a range ``span`` wide, finest first (from about span/100 up to span)."""
    exponent = math.floor(math.log10(span)) - 2
    steps = []
    for e in range(exponent, exponent + 4):
        for mantissa in MANTISSAS:
            step = mantissa * 10.0**e
            if integer and (step < 1.0 or not float(step).is_integer()):
                continue
            steps.append(step)
    return steps or [max(1.0, float(math.ceil(span)))]


def decimals(step: float) -> int:
    """Decimals needed to write multiples of ``step`` exactly (0.25 -> 2, 2.5 -> 1, 50 -> 0)."""
    for places in range(0, 10):
        if abs(round(step, places) - step) <= 1e-9 * max(1.0, abs(step)):
            return places
    return 10


def multiples(low: float, high: float, step: float) -> list[float]:
    """The multiples of ``step`` in [low, high] (0 written as 0, not -0)."""
    tolerance = 1e-9 * step
    first = math.ceil((low - tolerance) / step)
    last = math.floor((high + tolerance) / step)
    places = decimals(step)
    values = []
    for k in range(first, last + 1):
        value = round(k * step, places + 1)
        values.append(0.0 if value == 0 else value)
    return values


def labels(values: Sequence[float], step: float) -> list[str]:
    """Tick labels with the decimals ``step`` needs."""
    places = decimals(step)
    out = []
    for value in values:
        text = f"{value:.{places}f}"
        out.append(text.lstrip("-") if float(text) == 0 else text)
    return out


def nice_ticks(
    low: float, high: float, fits: Callable[[list[str], float], bool], integer: bool = False
) -> tuple[list[float], list[str]]:
    """Ticks and their labels over [low, high]: the finest round step that ``fits`` accepts
    (called with the labels and the step as a fraction of the range; the coarsest candidate if
    none fits). A degenerate range gets one tick."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [], []
    if high <= low:
        value = round(low) if integer else low
        return [value], labels([value], 1.0 if integer else abs(value) / 100 or 1.0)
    best: tuple[list[float], list[str]] = ([], [])
    for step in _steps(high - low, integer):
        if (high - low) / step > MOST_TICKS:  # far too fine for any axis: do not even write them out
            continue
        values = multiples(low, high, step)
        if not values:
            continue
        texts = labels(values, step)
        best = (values, texts)
        if fits(texts, step / (high - low)):
            return best
    return best


#: Fewest rows between two ticks of a vertical axis: ticks fall on whole rows, and at 1.5 rows
#: apart they alternate 1 and 2 rows (labels touching, then a gap); from 2 on they look even.
TICK_ROWS = 2.0


def vertical_fit(rows: int) -> Callable[[list[str], float], bool]:
    """For a vertical axis of ``rows`` rows: ticks at least :data:`TICK_ROWS` rows apart."""
    return lambda texts, fraction: len(texts) <= 2 or fraction * max(rows - 1, 1) >= TICK_ROWS


def horizontal_fit(columns: int) -> Callable[[list[str], float], bool]:
    """For a horizontal axis ``columns`` wide: labels at least two spaces apart, centred on their ticks."""
    return lambda texts, fraction: fraction * max(columns - 1, 1) >= max(6, max(len(t) for t in texts) + 3)
