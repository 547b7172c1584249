"""Frames of a scene to a small animated GIF.

Every frame is drawn large, reduced (antialiasing) and mapped, without dithering, onto one fixed
palette: white and each ink of the scene at eight opacities. Frames that share a palette let
Pillow store each frame as only the rectangle that changed, with unchanged pixels transparent,
which is what keeps a traced-out run small.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from PIL import Image

from .canvas import SUPERSAMPLE, palette_image
from .scenes import Scene

#: How long the last frame stays before the animation loops, ms.
HOLD_MS = 2000


@dataclass
class Animation:
    """Frames ("P" images sharing one palette) and how long each is shown, ms."""

    frames: list[Image.Image]
    durations: list[int]


def frame_times(count: int, fps: float) -> list[int]:
    """Display time of each of ``count`` frames at ``fps`` frames per second, in ms, rounded to the
    GIF's 10 ms resolution so that the total stays right (e.g. 30 fps -> 30, 30, 40, ...)."""
    edges = [round(index * 100.0 / fps) * 10 for index in range(count + 1)]
    return [max(10, later - earlier) for earlier, later in pairwise(edges)]


def render(
    scene: Scene, size: tuple[int, int], fps: float, seconds: float, progress: Callable[[float], None] | None = None
) -> Animation:
    """Draw ``scene`` as ``round(fps * seconds)`` frames (at least two) of ``size`` pixels; the last
    frame shows the whole recording and is held :data:`HOLD_MS` ms longer."""
    count = max(2, round(fps * seconds))
    scene.layout(size)
    palette = palette_image(scene.inks)
    background = scene.background()
    frames = []
    for index in range(count):
        fraction = index / (count - 1)
        canvas = background.copy()
        scene.draw(canvas, fraction)
        small = canvas.reduce(SUPERSAMPLE) if SUPERSAMPLE > 1 else canvas
        frames.append(small.quantize(palette=palette, dither=Image.Dither.NONE))
        if progress is not None:
            progress((index + 1) / count)
    durations = frame_times(count, fps)
    durations[-1] += HOLD_MS
    return Animation(frames, durations)


def encode_gif(animation: Animation) -> bytes:
    """The GIF file of ``animation``: looping forever, unchanged pixels stored as transparent."""
    buffer = io.BytesIO()
    first, *rest = animation.frames
    first.save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=rest,
        duration=animation.durations,
        loop=0,
        optimize=True,
        disposal=1,
    )
    return buffer.getvalue()
