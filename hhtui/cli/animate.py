"""``hhtui animate``: an animated GIF of a run, an axon or a network, for slides and web pages.

The recording is a CSV written by ``hhtui run`` (or the app's export), ``hhtui axon`` or
``hhtui network``; ``--preset`` or ``--config`` run an experiment headless first. Drawn with
Pillow, which is imported only when this command runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from hhtui.parameters import ANIMATE_GATES_SIZE, parameter

from .common import (
    RunFailed,
    UsageError,
    add_force_argument,
    add_parameter,
    load_experiment_file,
)

__all__ = ["MAX_FRAME_PIXELS", "add_parser", "parse_size", "run"]

COMMAND = "hhtui animate"

#: Limits of --size, pixels.
WIDTH_RANGE = (240, 3840)
HEIGHT_RANGE = (160, 2160)
#: Default --size without and with --gates (from the parameter table).
DEFAULT_SIZE: tuple[int, int] = parameter("animate", "size").default
DEFAULT_GATES_SIZE = ANIMATE_GATES_SIZE
#: Largest number of pixels of all frames together (about 1.5 GB while drawing otherwise).
MAX_FRAME_PIXELS = 600_000_000

DESCRIPTION = """\
Draw an animated GIF from a recording, with no display: the membrane potential of a run traced
out in time (with the injected current below it, and the gates m, h, n with --gates), the voltage
profile of an axon travelling along it, or the spike raster of a network.

The input is a CSV from 'hhtui run' or the app's export (t_ms,V_mV,...), 'hhtui axon -o'
(t_ms,V_x...cm_mV,...) or 'hhtui network -o' (neuron,t_ms); the JSON sidecar beside it, if
there, gives the title and sizes. Instead of a file, --preset NAME or --config FILE.json runs that
experiment headless first.

The animation lasts --seconds at --fps frames per second and then holds the last frame for 2 s
before it loops. Colours are Okabe and Ito's colour-blind-safe palette.
"""

EPILOG = """\
examples:
  hhtui run -o run.csv && hhtui animate run.csv -o ap.gif
  hhtui animate --preset repetitive --gates -o train.gif
  hhtui animate --preset anode-break --seconds 4 --size 640x360 -o anode.gif
  hhtui axon -o v.csv && hhtui animate v.csv -o axon.gif
  hhtui network --topology ring --n 10 -o spikes.csv && hhtui animate spikes.csv -o ring.gif
"""


def parse_size(text: str) -> tuple[int, int]:
    """``--size``: ``WIDTHxHEIGHT`` in pixels, e.g. ``800x450``."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*[xX\u00d7]\s*(\d{1,5})\s*", text)
    allowed = (
        f"WIDTHxHEIGHT in pixels, width {WIDTH_RANGE[0]}-{WIDTH_RANGE[1]}, height {HEIGHT_RANGE[0]}-{HEIGHT_RANGE[1]}"
    )
    if not match:
        raise argparse.ArgumentTypeError(f"must be {allowed} (e.g. 800x450), got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (WIDTH_RANGE[0] <= width <= WIDTH_RANGE[1] and HEIGHT_RANGE[0] <= height <= HEIGHT_RANGE[1]):
        raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}")
    return width, height


def add_parser(subparsers: Any) -> None:
    """Register ``hhtui animate``."""
    parser = subparsers.add_parser(
        "animate",
        help="animated GIF of a run, an axon or a network (no display needed)",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    parser.add_argument(
        "recording",
        nargs="?",
        metavar="RUN.csv",
        default=None,
        help="CSV from 'hhtui run', the app's export, 'hhtui axon' or 'hhtui network'",
    )
    source = parser.add_argument_group("or run an experiment first").add_mutually_exclusive_group()
    source.add_argument(
        "--preset",
        metavar="NAME",
        default=None,
        help="run this classic experiment headless and animate it (see 'hhtui run --list-presets')",
    )
    source.add_argument(
        "--config",
        metavar="FILE.json",
        default=None,
        help="run this experiment file (or export sidecar) headless and animate it",
    )
    look = parser.add_argument_group("animation")
    look.add_argument("--gates", action="store_true", help="also draw the gates m, h, n (runs only)")
    add_parameter(look, parameter("animate", "fps"), default=parameter("animate", "fps").default, metavar="N")
    add_parameter(look, parameter("animate", "seconds"), default=parameter("animate", "seconds").default, metavar="S")
    add_parameter(look, parameter("animate", "size"), type=parse_size, metavar="WxH")
    look.add_argument(
        "--title",
        default=None,
        metavar="TEXT",
        help="title above the plot (default: the experiment's title, or a description)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE.gif",
        help="GIF to write, atomically; '-' writes it to standard output when that is not a "
        "terminal (default: the input's name with .gif, in the current directory)",
    )
    add_force_argument(parser)
    parser.set_defaults(handler=run)


def _output_path(args: argparse.Namespace) -> str:
    if args.output is not None:
        return str(args.output)
    if args.recording is not None:
        stem = Path(args.recording).stem
    elif args.preset is not None:
        from .run import preset_experiment

        preset_experiment(args.preset)  # an unknown name is refused before it names a file
        stem = args.preset
    else:
        stem = Path(args.config).stem
    return f"{stem}.gif"


def _check_output(path: str, force: bool = False) -> None:
    from hhtui.files import ExportError, check_target

    if path == "-":
        if sys.stdout.isatty():
            raise UsageError("-o/--output: '-' would write the GIF to the terminal; give a file name or redirect")
        return
    if not path:
        raise UsageError("-o/--output: expected a file name ending in .gif, got an empty string")
    if Path(path).suffix.lower() != ".gif":
        raise UsageError(f"-o/--output: {path}: the animation is a GIF; give a name ending in .gif")
    try:
        check_target(path, force=force)
    except ExportError as error:
        raise UsageError(f"-o/--output: {error}") from None


def _experiment_scene(args: argparse.Namespace) -> Any:
    """Run --preset / --config headless and make the scene of its recording."""
    from hhtui.animation.sources import scene_from_columns

    from .progress import ProgressBar
    from .run import check_experiment, preset_experiment, simulate

    if args.preset is not None:
        experiment = preset_experiment(args.preset)
        flag, shown = "--preset", args.preset
    else:
        experiment = load_experiment_file(args.config, "--config")
        flag, shown = "--config", args.config
    if experiment.stimulus.population != 1:
        raise UsageError(
            f"{flag}: {shown} describes a population of {experiment.stimulus.population} neurons "
            "(an F-I sweep), not one run to animate"
        )
    check_experiment(experiment)
    from hhtui.model import NumericalInstabilityError

    with ProgressBar(f"{COMMAND}: running") as bar:
        try:
            samples, _ = simulate(experiment, bar)
        except NumericalInstabilityError as error:
            raise RunFailed(f"{error} No file written.") from None
    return scene_from_columns(samples.columns(0), experiment.to_dict(), shown=shown, gates=args.gates, title=args.title)


def run(args: argparse.Namespace) -> int:
    """``hhtui animate``: read or run the recording, draw the frames, write the GIF."""
    if args.title is not None:  # one line: a title with line breaks cannot be placed
        args.title = " ".join(args.title.split())
    given = [name for name in ("recording", "preset", "config") if getattr(args, name) is not None]
    if not given:
        raise UsageError("give a recording (RUN.csv) or --preset NAME or --config FILE.json to animate")
    if len(given) > 1:
        raise UsageError(f"give either a recording ({args.recording}) or --{given[1]}, not both")
    size = args.size or (DEFAULT_GATES_SIZE if args.gates else DEFAULT_SIZE)
    frames = max(2, round(args.fps * args.seconds))
    if frames * size[0] * size[1] > MAX_FRAME_PIXELS:
        raise UsageError(
            f"--fps/--seconds/--size: {frames} frames of {size[0]}x{size[1]} pixels is too much to hold "
            f"at once (limit {MAX_FRAME_PIXELS:,} pixels in all); lower one of them"
        )
    output = _output_path(args)
    _check_output(output, args.force)
    try:
        from hhtui.animation import encode_gif, render
        from hhtui.animation.sources import SourceError, scene_from_file
    except ImportError as error:
        raise RunFailed(f"drawing needs Pillow, which is not installed ({error}); pip install pillow") from None
    try:
        if args.recording is not None:
            scene = scene_from_file(args.recording, gates=args.gates, title=args.title)
        else:
            scene = _experiment_scene(args)
    except SourceError as error:
        raise UsageError(str(error)) from None

    from hhtui.files import write_atomic

    from .progress import ProgressBar

    try:
        with ProgressBar(f"{COMMAND}: drawing") as bar:
            animation = render(scene, size, args.fps, args.seconds, progress=bar)
    except (ArithmeticError, ValueError) as error:
        # The drawing's own limits (e.g. values near the largest float overflow the axes' scale).
        raise UsageError(
            f"{args.recording or 'the run'}: cannot draw it: its values are outside what the "
            f"animation can show ({type(error).__name__}: {error})"
        ) from None
    data = encode_gif(animation)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        where = "standard output"
    else:
        write_atomic(output, data, force=args.force, text=False)
        where = output
    print(
        f"{COMMAND}: {len(animation.frames)} frames, {size[0]}x{size[1]}, {args.seconds:g} s at {args.fps:g} fps, "
        f"{len(data) / 1024:,.0f} KiB -> {where}",
        file=sys.stderr,
    )
    return 0
