"""``hhtui plot``: an exported run or F-I curve drawn as an ASCII plot in the terminal (plotext)."""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from hhtui.export import ExportError, read_csv, read_json
from hhtui.parameters import parameter

from .common import UsageError, add_parameter

__all__ = ["DEFAULT_SIZE", "add_parser", "decimate", "plot_size", "render", "run", "use_color"]

#: Size of the plot when standard output is not a terminal (columns, lines), and its limits: the
#: parameter table's ``width`` and ``height`` of ``plot``.
DEFAULT_SIZE: tuple[int, int] = (parameter("plot", "width").default, parameter("plot", "height").default)
MIN_SIZE = (int(parameter("plot", "width").low or 0), int(parameter("plot", "height").low or 0))
MAX_SIZE = (int(parameter("plot", "width").high or 0), int(parameter("plot", "height").high or 0))

#: Gating variables of a run and the marker drawn for each when colours are off.
GATES = ("m", "h", "n")

DESCRIPTION = """\
Draw an exported CSV as an ASCII plot, sized to the terminal ({width}x{height} when the output is not a
terminal, e.g. in a pipe or a job log):
  - a run (hhtui run, or the app's export; columns t_ms,V_mV,...): the voltage V (mV) against
    time (ms), and with --gates the gating variables m, h, n below it;
  - an F-I curve (hhtui sweep; columns amp_uA_cm2,...,rate_Hz): the firing rate (Hz) against the
    current (uA/cm^2);
  - a grid of two parameters (hhtui sweep --amp A --g-k B): a heat map of the rate (or --value)
    over both, with the scale of its shades;
  - a hysteresis sweep (hhtui sweep --hysteresis): both branches, up from rest and down from firing;
  - an axon (hhtui axon; columns t_ms,V_x<position>cm_mV,...): V at every position as a
    space-time picture, time across and position up, with the scale of its shades;
  - a network's spikes (hhtui network; columns neuron,t_ms): a raster, one dot per spike;
  - any other CSV whose first column is t_ms: its *_mV columns against time.
A JSON sidecar given instead of its CSV is refused with the name of the CSV.
Colours are used only on a terminal and never when NO_COLOR is set; without colours each gate is
drawn with its own letter.
"""

EPILOG = """\
examples:
  hhtui plot run.csv
  hhtui plot run.csv --gates --width 120 --height 40
  hhtui plot fi.csv
  hhtui plot grid.csv --value latency_ms
  hhtui plot hysteresis.csv
  hhtui plot axon.csv
  hhtui plot spikes.csv
"""


def add_parser(subparsers: Any) -> None:
    """Register ``hhtui plot``."""
    parser = subparsers.add_parser(
        "plot",
        help="draw an exported run or F-I curve in the terminal",
        description=DESCRIPTION.format(width=DEFAULT_SIZE[0], height=DEFAULT_SIZE[1]),
        epilog=EPILOG,
    )
    parser.add_argument("file", metavar="FILE.csv", help="a CSV written by hhtui run, hhtui sweep or the app")
    parser.add_argument("--gates", action="store_true", help="also draw the gating variables m, h, n (runs only)")
    parser.add_argument(
        "--value",
        default=None,
        metavar="COLUMN",
        help="for a sweep: the column to draw (rate_Hz, spike_count, latency_ms; for a hysteresis "
        "sweep also V_max_mV, V_min_mV; default: rate_Hz)",
    )
    add_parameter(parser, parameter("plot", "width"), metavar="W")
    add_parameter(parser, parameter("plot", "height"), metavar="H")
    parser.set_defaults(handler=run)


def use_color(stream: Any = None) -> bool:
    """Colours only on a terminal, and never under ``NO_COLOR`` (https://no-color.org) or TERM=dumb."""
    stream = sys.stdout if stream is None else stream
    if os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def plot_size(width: int | None, height: int | None, stream: Any = None) -> tuple[int, int]:
    """Width and height of the plot: the flags, else the terminal's (one line left for the prompt),
    else :data:`DEFAULT_SIZE`."""
    stream = sys.stdout if stream is None else stream
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError):
        tty = False
    if tty:
        size = shutil.get_terminal_size(DEFAULT_SIZE)
        auto = (size.columns, max(MIN_SIZE[1], size.lines - 1))
    else:
        auto = DEFAULT_SIZE
    w = width if width is not None else auto[0]
    h = height if height is not None else auto[1]
    for flag, value, low, high in (("--width", w, MIN_SIZE[0], MAX_SIZE[0]), ("--height", h, MIN_SIZE[1], MAX_SIZE[1])):
        if not low <= value <= high:
            raise UsageError(f"{flag}: must be a whole number in [{low}, {high}], got {value}")
    return w, h


def decimate(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 * buckets`` points of (x, y): in each of ``buckets`` equal runs of samples the
    minimum and the maximum, in time order, so a spike narrower than a column stays visible."""
    size = x.size
    if size <= 2 * buckets:
        return x, y
    edges = np.linspace(0, size, buckets + 1).astype(np.int64)
    keep = []
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        segment = y[a:b]
        low, high = a + int(np.argmin(segment)), a + int(np.argmax(segment))
        keep.extend(sorted({low, high}))
    index = np.asarray(keep, dtype=np.int64)
    return x[index], y[index]


def _display_axis(arrays: list[np.ndarray]) -> tuple[list[np.ndarray], str]:
    """The values of one axis (all the series drawn on it) brought into a range the plot can
    handle, and the note for its label saying how: ``[x 1e+308]`` (divided by that power of ten)
    or ``[- 1000, x 1e-09]`` (the offset taken off first). Values as large as 1.7e308, spans of a
    few subnormal numbers or of nearly equal large numbers are all drawn this way."""
    values = [np.asarray(a, dtype=np.float64) for a in arrays if np.asarray(a).size]
    if not values:
        return [np.asarray(a, dtype=np.float64) for a in arrays], ""
    lo = min(float(a.min()) for a in values)
    hi = max(float(a.max()) for a in values)
    magnitude = max(abs(lo), abs(hi))
    with np.errstate(over="ignore"):
        span = hi - lo
    offset = 0.0
    if math.isfinite(span) and 0 < span < 1e-9 * magnitude:
        offset = lo  # nearly equal values far from zero: draw their differences
    reference = max(abs(lo - offset), abs(hi - offset)) if offset else magnitude
    exponent = 0
    if reference > 0 and not 1e-6 <= reference <= 1e12:
        exponent = math.floor(math.log10(reference))
    half = exponent // 2

    def convert(a: np.ndarray) -> np.ndarray:
        out = np.asarray(a, dtype=np.float64)
        if offset:
            out = out - offset
        if exponent:
            out = out / 10.0**half / 10.0 ** (exponent - half)  # in two steps: 10**-323 is not a float
        return out

    notes = []
    if offset:
        notes.append(f"- {offset:.10g}")
    if exponent:
        notes.append(f"x 1e{exponent:+d}")
    return [convert(a) for a in arrays], (f" [{', '.join(notes)}]" if notes else "")


def _series(x: np.ndarray, y: np.ndarray, width: int) -> tuple[list[float], list[float]]:
    xs, ys = decimate(x, y, max(1, 2 * width))  # braille: two dots per column
    return xs.tolist(), ys.tolist()


def _kind(columns: dict[str, np.ndarray], name: str) -> str:
    from .plot_space import is_axon, is_raster

    if "t_ms" in columns and "V_mV" in columns:
        return "run"
    if is_axon(columns):
        return "axon"
    if is_raster(columns):
        return "raster"
    if "amp_uA_cm2" in columns and "rate_Hz" in columns:
        from .plot_grid import HYSTERESIS_COLUMN, grid_axes

        if HYSTERESIS_COLUMN in columns:
            return "hysteresis"
        varied = grid_axes(columns)
        if len(varied) > 2:
            raise UsageError(
                f"FILE.csv: {name} varies {len(varied)} parameters ({', '.join(varied)}); a plot draws "
                "one (a curve) or two (a map): sweep fewer at a time"
            )
        return "grid" if len(varied) == 2 else "fi"
    if "t_ms" in columns and any(key.endswith("_mV") for key in columns):
        return "traces"
    raise UsageError(
        f"FILE.csv: {name} is none of a run (columns t_ms,V_mV,...), an F-I curve (amp_uA_cm2,...,rate_Hz), "
        "an axon (t_ms,V_x...cm_mV) or a network's spikes (neuron,t_ms)"
    )


def render(
    columns: dict[str, np.ndarray],
    name: str,
    width: int,
    height: int,
    gates: bool = False,
    color: bool = False,
    value: str | None = None,
) -> str:
    """The plot of a CSV's columns as text of ``height`` lines and ``width`` columns."""
    import plotext as plt

    from .plot_space import is_raster, render_raster, render_space_time

    if next(iter(columns.values())).size == 0:
        if is_raster(columns):
            raise UsageError(f"FILE.csv: {name} holds no spikes (the network was silent): nothing to draw")
        raise UsageError(f"FILE.csv: {name} has a header but no rows to plot")
    kind = _kind(columns, name)
    if gates and kind != "run":
        raise UsageError(f"--gates: {name} has no gating variables (only a run has m, h, n)")
    if value is not None and kind not in ("fi", "grid", "hysteresis"):
        raise UsageError(f"--value: only for a sweep's CSV; {name} is a recording")
    if value is not None and (value not in columns or value == "amp_uA_cm2"):
        from .plot_grid import RESULT_COLUMNS

        choices = [c for c in columns if c in RESULT_COLUMNS or c.startswith("V_")]
        raise UsageError(f"--value: {name} has no column {value!r}; choose one of {', '.join(choices)}")
    if kind == "raster":
        return render_raster(columns, name, width, height, color=color)
    if kind == "axon":
        try:
            return render_space_time(columns, name, width, height, color=color)
        except (ArithmeticError, ValueError, IndexError) as error:
            raise UsageError(
                f"FILE.csv: cannot draw {name}: its values are outside what the plot can show "
                f"({type(error).__name__}: {error})"
            ) from None
    if kind in ("grid", "hysteresis"):
        from .plot_grid import render_heatmap, render_hysteresis

        draw = render_heatmap if kind == "grid" else render_hysteresis
        try:
            return draw(columns, name, value or "rate_Hz", width, height, color=color)
        except (ArithmeticError, ValueError, IndexError) as error:
            raise UsageError(
                f"FILE.csv: cannot draw {name}: its values are outside what the plot can show "
                f"({type(error).__name__}: {error})"
            ) from None
    plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot
    plt.limit_size(False, False)  # the size asked for, even beyond what plotext detects as the terminal
    plt.plot_size(width, height)
    panels = 2 if gates else 1
    if panels == 2:
        plt.subplots(2, 1)

    def style() -> None:
        if not color:
            plt.theme("clear")

    def line(x: np.ndarray, y: np.ndarray, label: str | None, colour: str, marker: str) -> None:
        xs, ys = _series(x, y, width)
        if color:
            plt.plot(xs, ys, label=label, color=colour, marker="braille")
        else:
            plt.plot(xs, ys, label=label, marker=marker)

    try:
        if kind == "run":
            (t,), t_note = _display_axis([columns["t_ms"]])
            (v,), v_note = _display_axis([columns["V_mV"]])
            if panels == 2:
                plt.subplot(1, 1)
            style()
            line(t, v, None, "blue", "braille")
            plt.title(f"{name}: membrane potential")
            plt.ylabel(f"V (mV){v_note}")
            plt.xlabel(f"t (ms){t_note}")
            if panels == 2:
                plt.subplot(2, 1)
                style()
                present = [gate for gate in GATES if gate in columns]
                shown, g_note = _display_axis([columns[gate] for gate in present])
                for gate, values, colour in zip(present, shown, ("red", "green", "blue")):
                    line(t, values, gate, colour, gate)
                inside = all(values.size == 0 or (values.min() >= 0.0 and values.max() <= 1.0) for values in shown)
                plt.title(
                    "gating variables m, h, n"
                    if inside or not present
                    else "gating variables m, h, n (values outside 0-1)"
                )
                plt.ylabel(f"gates (0-1){g_note}" if not g_note else f"gates{g_note}")
                plt.xlabel(f"t (ms){t_note}")
                if inside and not g_note:
                    plt.ylim(0.0, 1.0)
        elif kind == "fi":
            style()
            from .plot_grid import grid_axes, label

            column = value or "rate_Hz"
            x_name = grid_axes(columns)[0]
            x_values, y_values = columns[x_name], columns[column]
            if column == "latency_ms":
                keep = y_values >= 0.0  # -1: never fired
                x_values, y_values = x_values[keep], y_values[keep]
            (amps,), x_note = _display_axis([x_values])
            (rates,), y_note = _display_axis([y_values])
            xs, ys = amps.tolist(), rates.tolist()
            if color:
                plt.plot(xs, ys, color="blue", marker="braille")
            else:
                plt.plot(xs, ys, marker="braille")
            if x_name == "amp_uA_cm2":
                plt.title(f"{name}: F-I curve" if column == "rate_Hz" else f"{name}: {column} against the current")
                plt.xlabel(f"I (uA/cm^2){x_note}")
            else:
                plt.title(f"{name}: {column} against {x_name}")
                plt.xlabel(f"{label(x_name)}{x_note}")
            y_label = {"rate_Hz": "rate (Hz)", "spike_count": "spikes", "latency_ms": "first spike (ms)"}.get(
                column, column
            )
            plt.ylabel(f"{y_label}{y_note}")
        else:
            style()
            traces = [key for key in columns if key.endswith("_mV")][:6]
            (t,), t_note = _display_axis([columns["t_ms"]])
            shown, v_note = _display_axis([columns[key] for key in traces])
            markers = "123456"
            palette = ("blue", "red", "green", "magenta", "cyan", "orange")
            for k, (key, values) in enumerate(zip(traces, shown)):
                line(t, values, key, palette[k], markers[k])
            plt.title(f"{name}: {len(traces)} traces")
            plt.ylabel(f"V (mV){v_note}")
            plt.xlabel(f"t (ms){t_note}")
        text = plt.build()
    except (ArithmeticError, ValueError, IndexError) as error:
        # The plotting library's own limits; the values are finite (the reader made sure of that).
        raise UsageError(
            f"FILE.csv: cannot draw {name}: its values are outside what the plot can show "
            f"({type(error).__name__}: {error})"
        ) from None
    finally:
        plt.main().clear_figure()  # the whole figure: clf() clears only the active subplot
    if not color:
        text = plt.uncolorize(text)
    return text


def _check_sidecar(path: Path) -> None:
    """Warn (one line) when the sidecar beside ``path`` records another CSV than this one: the
    two then come from different runs. A CSV without a sidecar, or with one that records no
    checksum (an older version's), is not questioned."""
    from hhtui.export import sidecar_path, verify_run

    try:
        sidecar = read_json(sidecar_path(path))
    except ExportError:
        return
    if not isinstance(sidecar.get("data_file"), dict):
        return
    problem = verify_run(path)
    if problem:
        print(f"hhtui plot: warning: {problem}", file=sys.stderr)


def _refuse_json(path: Path) -> None:
    """A JSON file (by its name, or by its first character) is refused in one line naming the
    CSV it is the sidecar of, when there is one beside it."""
    try:
        if not path.is_file():
            return  # missing: the reader says so
        with open(path, "rb") as handle:
            head = handle.read(256).lstrip()
    except OSError:
        return
    if path.suffix.lower() != ".json" and not head.startswith(b"{"):
        return
    csv = path.with_suffix(".csv")
    try:
        recorded = read_json(path).get("data_file")
        if isinstance(recorded, dict) and isinstance(recorded.get("name"), str):
            csv = path.with_name(Path(recorded["name"]).name)
    except (ExportError, AttributeError):
        pass
    if csv.is_file() and csv != path:
        raise UsageError(
            f"FILE.csv: {path} is the JSON sidecar of {csv} (its settings); plot the CSV: hhtui plot {csv}"
        )
    raise UsageError(
        f"FILE.csv: {path} is JSON (a sidecar holds a recording's settings), not a CSV; give the .csv it belongs to"
    )


def run(args: argparse.Namespace) -> int:
    """``hhtui plot``: read the CSV and print its plot on standard output."""
    path = Path(args.file)
    _refuse_json(path)
    try:
        columns = read_csv(path)
    except ExportError as error:
        raise UsageError(f"FILE.csv: {error}") from None
    _check_sidecar(path)
    width, height = plot_size(args.width, args.height)
    text = render(columns, path.name, width, height, gates=args.gates, color=use_color(), value=args.value)
    sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()
    return 0
