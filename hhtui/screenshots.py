"""Screenshots of the app: ``python -m hhtui.screenshots [DIRECTORY]``.

Drives the real app headless with key presses (Textual's ``run_test`` and ``Pilot``) and saves
SVG screenshots of the main views at 80x24 and 120x40 into ``screenshots/`` (or DIRECTORY).
If ``cairocffi`` is installed, the main view at 120x40 is also drawn as a PNG, cell by cell
from the app's screen (braille drawn as dots, so no special font is needed); without it the PNG
is skipped. Nothing depends on the wall clock: the run is stepped by a fixed simulated time.

It also draws ``action-potential.gif``, the animation at the top of the README: the default
experiment (a 10 uA/cm^2 step for 50 ms) traced out with its gates, as ``hhtui animate --gates``
draws it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

#: (file stem, keys pressed after stepping, simulated ms stepped first).
SHOTS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("main", (), 80.0),
    ("currents", ("v",), 80.0),
    ("conductances", ("v", "v"), 80.0),
    ("phase-plane", ("v", "v", "v"), 80.0),
    ("kinetics", ("v", "v", "v", "v"), 80.0),
    ("fi-curve", ("v", "v", "v", "v", "v"), 80.0),
    ("ap-phases", ("v", "v", "v", "v", "v", "v", "c"), 80.0),
    ("clamp-family", ("v", "v", "v", "v", "v", "v", "v"), 80.0),
    ("help", ("question_mark",), 0.0),
)
SIZES = ((80, 24), (120, 40))
#: The screenshot also drawn as PNG.
PNG_SHOT = ("main", (120, 40))
#: Size of a character cell in the PNG, pixels; colours where the app leaves them default.
CELL_W, CELL_H = 14, 28
DEFAULT_FG, DEFAULT_BG = (0.85, 0.85, 0.85), (0.07, 0.07, 0.07)
#: Braille dot bit -> (column, row) within the cell.
BRAILLE_DOTS = ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3))


async def take(
    stem: str, keys: tuple[str, ...], milliseconds: float, size: tuple[int, int], directory: Path, png: bool = False
) -> list[Path]:
    """One screenshot: start the app at ``size``, step, press ``keys``, save the SVG (and a PNG)."""
    from hhtui.tui.app import HHApp

    saved = []
    with tempfile.TemporaryDirectory() as scratch:
        app = HHApp(export_dir=scratch)
        async with app.run_test(size=size) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            while not app.main.panel.loaded:
                await pilot.pause(0.01)
            if milliseconds > 0:
                app.main.advance_by(milliseconds)
                await pilot.pause()
            for key in keys:
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
            name = f"{stem}-{size[0]}x{size[1]}"
            app.save_screenshot(f"{name}.svg", path=str(directory))
            saved.append(directory / f"{name}.svg")
            if png and draw_png(app, directory / f"{name}.png"):
                saved.append(directory / f"{name}.png")
    return saved


def draw_png(app: Any, path: Path) -> bool:
    """Draw the app's screen as a PNG with cairo; False (nothing written) without cairocffi."""
    try:
        import cairocffi as cairo
    except (ImportError, OSError):
        return False
    from rich.cells import cell_len

    width, height = app.size
    update = app.screen._compositor.render_update(full=True)
    surface = cairo.ImageSurface(cairo.FORMAT_RGB24, width * CELL_W, height * CELL_H)
    ctx = cairo.Context(surface)
    ctx.select_font_face("DejaVu Sans Mono", cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_NORMAL)
    ctx.set_font_size(CELL_H * 0.8)
    ctx.set_source_rgb(*DEFAULT_BG)
    ctx.paint()

    def rgb(colour: Any, default: tuple[float, float, float]) -> tuple[float, float, float]:
        if colour is None or colour.is_default:
            return default
        red, green, blue = colour.get_truecolor()
        return (red / 255, green / 255, blue / 255)

    for y, line in enumerate(update.strips):
        x = 0
        for strip in line:
            for text, style, control in strip:
                if control:
                    continue
                fg = rgb(style.color if style else None, DEFAULT_FG)
                bg = rgb(style.bgcolor if style else None, DEFAULT_BG)
                if style is not None and style.reverse:
                    fg, bg = bg, fg
                for char in text:
                    cells = cell_len(char) or 1
                    left, top = x * CELL_W, y * CELL_H
                    ctx.set_source_rgb(*bg)
                    ctx.rectangle(left, top, cells * CELL_W, CELL_H)
                    ctx.fill()
                    ctx.set_source_rgb(*fg)
                    code = ord(char)
                    if 0x2800 <= code <= 0x28FF:  # braille: the dots themselves
                        for bit, (dx, dy) in enumerate(BRAILLE_DOTS):
                            if (code - 0x2800) & (1 << bit):
                                ctx.rectangle(
                                    left + 1 + dx * CELL_W / 2,
                                    top + 1 + dy * CELL_H / 4,
                                    CELL_W / 2 - 2,
                                    CELL_H / 4 - 2,
                                )
                        ctx.fill()
                    elif char != " ":
                        ctx.move_to(left, top + CELL_H * 0.78)
                        ctx.show_text(char)
                    x += cells
    surface.write_to_png(str(path))
    return True


#: The README's animation: file name, title, size (pixels), frames per second, seconds.
GIF = ("action-potential.gif", "Hodgkin-Huxley action potentials: a 10 \u00b5A/cm\u00b2 step", (800, 600), 20.0, 6.0)


def draw_gif(directory: Path) -> Path:
    """The default experiment animated with its gates (as ``hhtui animate --gates``)."""
    from hhtui.animation import encode_gif, render
    from hhtui.animation.sources import scene_from_columns
    from hhtui.cli.run import simulate
    from hhtui.files import write_atomic
    from hhtui.model import Experiment

    name, title, size, fps, seconds = GIF
    experiment = Experiment()
    samples, _ = simulate(experiment)
    scene = scene_from_columns(samples.columns(0), experiment.to_dict(), gates=True, title=title)
    path = directory / name
    write_atomic(path, encode_gif(render(scene, size, fps, seconds)), text=False)
    return path


async def take_all(directory: Path) -> list[Path]:
    """Every screenshot of :data:`SHOTS` at every size of :data:`SIZES`."""
    directory.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    for stem, keys, milliseconds in SHOTS:
        for size in SIZES:
            saved.extend(await take(stem, keys, milliseconds, size, directory, png=(stem, size) == PNG_SHOT))
    return saved


def main(argv: list[str] | None = None) -> int:
    """Save the screenshots; prints each path."""
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("screenshots")
    saved = asyncio.run(take_all(directory))
    saved.append(draw_gif(directory))
    for path in saved:
        print(path)
    if not any(path.suffix == ".png" for path in saved):
        print("PNG skipped (cairocffi is not installed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
