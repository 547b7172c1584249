"""Plots of ``hhtui sweep`` results: a grid of two varied parameters as a heat map in the
terminal (with a legend of its scale), and a hysteresis sweep as its two branches.

The heat map is drawn with characters, not pixels: each cell of the plot shows the grid point
nearest to it, as a shade from a ramp of characters (or, on a colour terminal, a background
colour from a ramp of 256-colour shades). The legend under it gives the value each shade stands
for, so the map can be read without colour.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import UsageError

__all__ = [
    "HYSTERESIS_COLUMN",
    "RESULT_COLUMNS",
    "draw_map",
    "grid_axes",
    "label",
    "render_heatmap",
    "render_hysteresis",
]

#: Columns of a sweep CSV that are results, not parameters.
RESULT_COLUMNS = ("spike_count", "rate_Hz", "latency_ms")
#: The column that marks a hysteresis CSV (+1 up, -1 down).
HYSTERESIS_COLUMN = "direction"

#: Shades from low to high, without colour (nine levels); a blank is a point without a value
#: (e.g. the latency of a point that never fired).
RAMP = ".:-=+*#%@"
#: 256-colour background shades from low to high (dark blue to yellow, readable on dark and light).
COLOURS = (17, 18, 19, 25, 31, 37, 71, 107, 143, 179, 215, 221)


def grid_axes(columns: dict[str, np.ndarray]) -> list[str]:
    """The parameter columns of a sweep CSV that vary (the current first), in file order."""
    names = [name for name in columns if name not in RESULT_COLUMNS and name != HYSTERESIS_COLUMN]
    varied = [name for name in names if np.unique(columns[name]).size > 1]
    return varied or names[:1]


def label(column: str) -> str:
    """``g_k_mS_cm2`` -> ``g_k (mS/cm^2)``."""
    for suffix, unit in (
        ("_uA_cm2", "uA/cm^2"),
        ("_mS_cm2", "mS/cm^2"),
        ("_uF_cm2", "uF/cm^2"),
        ("_mV", "mV"),
        ("_C", "degrees C"),
        ("_Hz", "Hz"),
        ("_ms", "ms"),
    ):
        if column.endswith(suffix):
            return f"{column[: -len(suffix)]} ({unit})"
    return column


def _number(value: float) -> str:
    return f"{value:.4g}"


def render_heatmap(
    columns: dict[str, np.ndarray], name: str, value: str, width: int, height: int, color: bool = False
) -> str:
    """A map of ``value`` over the two varied parameters (the current across, the other up), as
    text of at most ``height`` lines of at most ``width`` characters."""
    axes = grid_axes(columns)
    if len(axes) != 2:  # pragma: no cover - the caller checks
        raise UsageError(f"FILE.csv: {name} varies {len(axes)} parameters; a map needs two")
    x_name = "amp_uA_cm2" if "amp_uA_cm2" in axes else axes[0]
    y_name = next(a for a in axes if a != x_name)
    xs, ys = np.unique(columns[x_name]), np.unique(columns[y_name])
    table = np.full((ys.size, xs.size), np.nan)
    xi = np.searchsorted(xs, columns[x_name])
    yi = np.searchsorted(ys, columns[y_name])
    data = np.asarray(columns[value], dtype=np.float64)
    if value == "latency_ms":
        data = np.where(data < 0.0, np.nan, data)  # -1: never fired
    table[yi, xi] = data
    title = f"{name}: {label(value)} over {label(x_name)} x {label(y_name)}"
    return draw_map(table, xs, ys, title, label(x_name), label(y_name), width, height, color)


def draw_map(
    table: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    title: str,
    x_label: str,
    y_label: str,
    width: int,
    height: int,
    color: bool = False,
) -> str:
    """``table[j, i]`` (the value at ``xs[i]`` across, ``ys[j]`` up; NaN for none) drawn as shades
    with the scale under it, as text of at most ``height`` lines of at most ``width`` characters.
    Each cell shows the point nearest to its centre."""
    finite = table[np.isfinite(table)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    y_ticks = [_number(v) for v in ys]
    margin = max(len(t) for t in y_ticks) + 2
    levels = len(COLOURS) if color else len(RAMP)
    legend = _legend(low, high, levels, color, width)
    cols = max(4, width - margin - 1)
    rows = max(2, height - 5 - len(legend))
    cx = np.clip(np.round((np.arange(cols) + 0.5) / cols * xs.size - 0.5).astype(int), 0, xs.size - 1)
    cy = np.clip(np.round((np.arange(rows) + 0.5) / rows * ys.size - 0.5).astype(int), 0, ys.size - 1)[::-1]
    lines = [title[:width], y_label[:width]]
    tick_rows = {0, rows - 1} | ({rows // 2} if rows >= 5 else set())
    for r in range(rows):
        tick = _number(ys[cy[r]]) if r in tick_rows else ""
        cells = "".join(_shade(table[cy[r], cx[c]], low, high, color) for c in range(cols))
        lines.append(f"{tick:>{margin - 1}} ┤{cells}" + ("\x1b[0m" if color else ""))
    lines.append(" " * (margin - 1) + " └" + "─" * cols)
    left, right = _number(xs[0]), _number(xs[-1])
    middle = _number(xs[cx[cols // 2]])
    axis = [" "] * cols
    for position, text in ((0, left), (cols // 2 - len(middle) // 2, middle), (cols - len(right), right)):
        for k, ch in enumerate(text):
            if 0 <= position + k < cols:
                axis[position + k] = ch
    lines.append(" " * (margin + 1) + "".join(axis))
    lines.append((" " * (margin + 1) + x_label.center(cols)).rstrip())
    lines.extend(legend)
    return "\n".join(line if color else line[:width] for line in lines[:height])


def _shade(value: float, low: float, high: float, color: bool) -> str:
    if not np.isfinite(value):
        return " " if not color else "\x1b[0m "
    levels = len(COLOURS) if color else len(RAMP)
    k = 0 if high <= low else int(min(levels - 1, (value - low) / (high - low) * levels))
    if color:
        return f"\x1b[48;5;{COLOURS[k]}m "
    return RAMP[k]


def _legend(low: float, high: float, levels: int, color: bool, width: int) -> list[str]:
    """The scale: each shade and the lowest value it stands for, wrapped to ``width``."""
    step = (high - low) / levels if high > low else 0.0
    items = ["scale:"]
    visible = [len(items[0])]
    for k in range(levels):
        number = _number(low + k * step)
        shade = f"\x1b[48;5;{COLOURS[k]}m  \x1b[0m" if color else f"'{RAMP[k]}'"
        items.append(f"{shade} {number}")
        visible.append((2 if color else 3) + 1 + len(number))
    items.append(f"to {_number(high)}; blank: none")
    visible.append(len(items[-1]))
    lines, line, used = [], "", 0
    for item, size in zip(items, visible):
        if line and used + 2 + size > width:
            lines.append(line)
            line, used = "  " + item, 2 + size
        else:
            line, used = (line + "  " + item, used + 2 + size) if line else (item, size)
    lines.append(line)
    return lines


def render_hysteresis(
    columns: dict[str, np.ndarray], name: str, value: str, width: int, height: int, color: bool = False
) -> str:
    """Both branches of a hysteresis sweep: ``value`` against the current, up (from rest) and
    down (from firing)."""
    import plotext as plt

    plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot
    plt.limit_size(False, False)
    plt.plot_size(width, height)
    if not color:
        plt.theme("clear")
    amps, direction, ys = columns["amp_uA_cm2"], columns[HYSTERESIS_COLUMN], columns[value]
    for sign, branch, marker, colour in ((1, "up (from rest)", "u", "blue"), (-1, "down (from firing)", "d", "red")):
        chosen = direction == sign
        xs, vs = amps[chosen].tolist(), ys[chosen].tolist()
        if color:
            plt.plot(xs, vs, label=branch, color=colour, marker="braille")
        else:
            plt.plot(xs, vs, label=branch, marker=marker)
    plt.title(f"{name}: hysteresis, {label(value)} up and down")
    plt.xlabel("I (uA/cm^2)")
    plt.ylabel(label(value))
    text: Any = plt.build()
    plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot
    if not color:
        text = plt.uncolorize(text)
    return str(text)
