"""Screenshots of the app: ``python -m hhtui.screenshots [DIRECTORY]``.

Drives the real app headless with key presses (Textual's ``run_test`` and ``Pilot``) and saves
SVG screenshots of the main views at 80x24 and 120x40 into ``screenshots/`` (or DIRECTORY).
If ``cairosvg`` is installed, the main view is also saved as PNG; without it the PNG is skipped.
Nothing depends on the wall clock: the run is stepped by a fixed simulated time.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

#: (file stem, keys pressed after stepping, simulated ms stepped first).
SHOTS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("main", (), 80.0),
    ("currents", ("v",), 80.0),
    ("conductances", ("v", "v"), 80.0),
    ("phase-plane", ("v", "v", "v"), 80.0),
    ("kinetics", ("v", "v", "v", "v"), 80.0),
    ("fi-curve", ("v", "v", "v", "v", "v"), 80.0),
    ("ap-phases", ("v", "v", "v", "v", "v", "v", "c"), 80.0),
    ("help", ("question_mark",), 0.0),
)
SIZES = ((80, 24), (120, 40))


async def take(stem: str, keys: tuple[str, ...], milliseconds: float, size: tuple[int, int], directory: Path) -> Path:
    """One screenshot: start the app at ``size``, step, press ``keys``, save the SVG."""
    from hhtui.tui.app import HHApp

    with tempfile.TemporaryDirectory() as scratch:
        app = HHApp(export_dir=scratch)
        async with app.run_test(size=size) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            if milliseconds > 0:
                app.advance_by(milliseconds)
                await pilot.pause()
            for key in keys:
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
            name = f"{stem}-{size[0]}x{size[1]}.svg"
            app.save_screenshot(name, path=str(directory))
    return directory / name


def to_png(svg: Path) -> Path | None:
    """A PNG beside ``svg`` if cairosvg is available, else None."""
    try:
        import cairosvg  # type: ignore[import-not-found]
    except ImportError:
        return None
    png = svg.with_suffix(".png")
    cairosvg.svg2png(url=str(svg), write_to=str(png))
    return png


async def take_all(directory: Path) -> list[Path]:
    """Every screenshot of :data:`SHOTS` at every size of :data:`SIZES`."""
    directory.mkdir(parents=True, exist_ok=True)
    saved = []
    for stem, keys, milliseconds in SHOTS:
        for size in SIZES:
            saved.append(await take(stem, keys, milliseconds, size, directory))
    return saved


def main(argv: list[str] | None = None) -> int:
    """Save the screenshots; prints each path."""
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("screenshots")
    saved = asyncio.run(take_all(directory))
    for path in saved:
        print(path)
    png = to_png(directory / "main-120x40.svg")
    print(png if png is not None else "PNG skipped (cairosvg is not installed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
