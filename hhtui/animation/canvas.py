"""Drawing pieces of the animations: palette, fonts, axes with ticks and labels.

Everything is drawn on an RGB image :data:`SUPERSAMPLE` times larger than the GIF and reduced
afterwards (a box filter), which antialiases lines and text. Coordinates handed to these helpers are
in pixels of that large image; sizes are given in pixels of the final GIF and scaled here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: Drawing scale: frames are drawn this many times larger, then reduced.
SUPERSAMPLE = 3

RGB = tuple[int, int, int]

#: Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2008).
OKABE_ITO: dict[str, RGB] = {
    "black": (0, 0, 0),
    "orange": (230, 159, 0),
    "sky_blue": (86, 180, 233),
    "bluish_green": (0, 158, 115),
    "yellow": (240, 228, 66),
    "blue": (0, 114, 178),
    "vermillion": (213, 94, 0),
    "reddish_purple": (204, 121, 167),
}

WHITE: RGB = (255, 255, 255)
TEXT: RGB = (34, 34, 34)
AXIS: RGB = (90, 90, 90)
GRID: RGB = (228, 228, 228)

#: Font files tried in turn (Pillow looks in the system's font directories); without any of them
#: Pillow's own scalable font is used and labels fall back to ASCII (it has no micro or superscripts).
FONT_FILES = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf")
BOLD_FONT_FILES = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf")

_ASCII = str.maketrans({"\u00b5": "u", "\u00b2": "^2", "\u2212": "-", "\u2014": "-", "\u2013": "-", "\u00b7": "."})


def blend(colour: RGB, amount: float, background: RGB = WHITE) -> RGB:
    """``colour`` laid over ``background`` with opacity ``amount`` (0..1)."""
    return tuple(round(b + (c - b) * amount) for c, b in zip(colour, background))  # type: ignore[return-value]


def palette_image(inks: Sequence[RGB], levels: int = 8) -> Image.Image:
    """A "P" image whose palette is white and each ink blended with white at ``levels`` opacities.

    Quantizing every frame to this one palette keeps the colours exact and shared by all frames
    (no colour table per frame, no flicker) while the antialiased edges still get in-between tones.
    Fewer than 256 entries, so one index stays free for the GIF's transparency.
    """
    colours: list[RGB] = [WHITE]
    colours += [ink for ink in dict.fromkeys(inks) if ink != WHITE]
    for ink in inks:
        for step in range(1, levels):
            shade = blend(ink, step / levels)
            # Pillow maps colours to a palette through a coarse lookup: entries closer than this
            # would steal each other's pixels (white turning light grey).
            if all(max(abs(a - b) for a, b in zip(shade, colour)) >= 10 for colour in colours):
                colours.append(shade)
    if len(colours) > 255:
        raise ValueError(f"too many colours for one GIF palette: {len(colours)}")
    flat = [value for colour in colours for value in colour]
    image = Image.new("P", (1, 1))
    image.putpalette(flat + flat[:3] * (256 - len(colours)))
    return image


@dataclass(frozen=True)
class Fonts:
    """The fonts of one animation (sizes in pixels of the large drawing) and whether they have the
    micro sign, superscripts and the minus sign (else labels are written in ASCII)."""

    title: Any
    label: Any
    tick: Any
    unicode: bool

    def text(self, text: str) -> str:
        """``text`` as this font can show it."""
        return text if self.unicode else text.translate(_ASCII)


def _truetype(files: Sequence[str], size: int) -> Any | None:
    for name in files:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return None


@lru_cache(maxsize=8)
def fonts_for(scale: float) -> Fonts:
    """Fonts for a GIF ``scale`` times the reference size (800 pixels wide)."""
    sizes = [max(8, round(size * scale * SUPERSAMPLE)) for size in (21, 16, 14)]
    title = _truetype(BOLD_FONT_FILES, sizes[0]) or _truetype(FONT_FILES, sizes[0])
    label = _truetype(FONT_FILES, sizes[1])
    tick = _truetype(FONT_FILES, sizes[2])
    if title is not None and label is not None and tick is not None:
        return Fonts(title, label, tick, unicode=True)
    title, label, tick = (ImageFont.load_default(size=size) for size in sizes)
    return Fonts(title, label, tick, unicode=False)


def px(value: float, scale: float) -> int:
    """A length of ``value`` pixels of the reference GIF in pixels of the large drawing."""
    return max(1, round(value * scale * SUPERSAMPLE))


def text_size(draw: ImageDraw.ImageDraw, text: str, font: Any) -> tuple[int, int]:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    return round(right - left), round(bottom - top)


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering [low, high], about ``target``."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    span = high - low
    power = 10.0 ** math.floor(math.log10(span / max(1, target)))
    steps = [m * power for m in (1, 2, 2.5, 5, 10, 20)]
    step = min(steps, key=lambda s: (abs(math.floor(high / s + 1e-9) - math.ceil(low / s - 1e-9) + 1 - target), -s))
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    index = 0
    while first + index * step <= high + step * 1e-9:
        value = round(first + index * step, 12)
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        index += 1
    return ticks


def tick_label(value: float, ticks: Sequence[float]) -> str:
    """``value`` with as many decimals as the tick spacing needs, and a true minus sign."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    decimals = next((d for d in range(7) if abs(round(step * 10**d) - step * 10**d) < 1e-6 * 10**d), 6)
    text = f"{value:.{decimals}f}"
    return text.replace("-", "\u2212")


def padded_limits(low: float, high: float, fraction: float = 0.06) -> tuple[float, float]:
    """[low, high] widened by ``fraction`` of its span on each side (a flat range gets +/- 1)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return -1.0, 1.0
    if high - low < 1e-12:
        return low - 1.0, high + 1.0
    pad = (high - low) * fraction
    return low - pad, high + pad


class Axes:
    """A rectangle of the large drawing mapped to data limits, with its frame, grid and labels."""

    def __init__(self, box: tuple[int, int, int, int], xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
        self.left, self.top, self.right, self.bottom = box
        for name, (low, high) in (("time", xlim), ("value", ylim)):
            span = float(high) - float(low)
            if not math.isfinite(span):
                raise ValueError(f"the {name} axis would span {low:g} to {high:g}, more than a picture can scale")
        self.xlim = xlim
        self.ylim = ylim

    def x(self, values: Any) -> np.ndarray:
        """Data x -> pixel column."""
        low, high = self.xlim
        return self.left + (np.asarray(values, dtype=float) - low) / (high - low) * (self.right - self.left)

    def y(self, values: Any) -> np.ndarray:
        """Data y -> pixel row (up is larger)."""
        low, high = self.ylim
        return self.bottom - (np.asarray(values, dtype=float) - low) / (high - low) * (self.bottom - self.top)

    def draw_frame(
        self,
        image: Image.Image,
        fonts: Fonts,
        scale: float,
        *,
        xticks: Sequence[float],
        yticks: Sequence[float],
        xlabel: str | None,
        ylabel: str,
        tick_labels_x: bool = True,
    ) -> None:
        """Grid lines at the ticks, the axis lines (left, bottom), tick marks, tick labels, axis labels."""
        draw = ImageDraw.Draw(image)
        line = px(1.1, scale)
        tick = px(5, scale)
        gap = px(4, scale)
        for value in yticks:
            row = float(self.y(value))
            draw.line([(self.left, row), (self.right, row)], fill=GRID, width=line)
        for value in xticks:
            column = float(self.x(value))
            draw.line([(column, self.top), (column, self.bottom)], fill=GRID, width=line)
        draw.line([(self.left, self.top), (self.left, self.bottom), (self.right, self.bottom)], fill=AXIS, width=line)
        for value in yticks:
            row = float(self.y(value))
            draw.line([(self.left - tick, row), (self.left, row)], fill=AXIS, width=line)
            text = fonts.text(tick_label(value, yticks))
            draw.text((self.left - tick - gap, row), text, font=fonts.tick, fill=TEXT, anchor="rm")
        for value in xticks:
            column = float(self.x(value))
            draw.line([(column, self.bottom), (column, self.bottom + tick)], fill=AXIS, width=line)
            if tick_labels_x:
                text = fonts.text(tick_label(value, xticks))
                draw.text((column, self.bottom + tick + gap), text, font=fonts.tick, fill=TEXT, anchor="mt")
        if xlabel:
            tick_height = text_size(draw, "0", fonts.tick)[1]
            draw.text(
                ((self.left + self.right) / 2, self.bottom + tick + 2 * gap + tick_height + gap),
                fonts.text(xlabel),
                font=fonts.label,
                fill=TEXT,
                anchor="mt",
            )
        if ylabel:
            widest = max((text_size(draw, fonts.text(tick_label(v, yticks)), fonts.tick)[0] for v in yticks), default=0)
            centre_x = self.left - tick - 2 * gap - widest - gap
            draw_vertical_text(image, fonts.text(ylabel), fonts.label, (centre_x, (self.top + self.bottom) / 2))


def fit_text(draw: ImageDraw.ImageDraw, text: str, font: Any, width: float) -> tuple[str, Any]:
    """``text`` and a font no larger than ``font`` that fit in ``width`` pixels: the font shrinks to
    at most two thirds of its size, then the text is cut with an ellipsis."""
    size = getattr(font, "size", None)
    candidate = font
    if size is not None and hasattr(font, "font_variant"):
        for factor in (1.0, 0.92, 0.84, 0.76, 0.68):
            candidate = font.font_variant(size=max(6, round(size * factor)))
            if text_size(draw, text, candidate)[0] <= width:
                return text, candidate
    while text and text_size(draw, text + "\u2026", candidate)[0] > width:
        text = text[:-1]
    return (text.rstrip() + "\u2026") if text else "", candidate


def draw_vertical_text(
    image: Image.Image, text: str, font: Any, right_middle: tuple[float, float], fill: RGB = TEXT
) -> None:
    """``text`` rotated a quarter turn anticlockwise, its right edge at x and centred on y."""
    probe = ImageDraw.Draw(image)
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    width, height = round(right - left), round(bottom - top)
    pad = 2
    strip = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
    ImageDraw.Draw(strip).text((pad - left, pad - top), text, font=font, fill=255)
    rotated = strip.rotate(90, expand=True)
    x = round(right_middle[0] - rotated.width)
    y = round(right_middle[1] - rotated.height / 2)
    image.paste(Image.new("RGB", rotated.size, fill), (x, y), rotated)


def polyline(draw: ImageDraw.ImageDraw, xs: np.ndarray, ys: np.ndarray, colour: RGB, width: int) -> None:
    """A line through the points, joints rounded; one point draws a dot."""
    if len(xs) == 0:
        return
    if len(xs) == 1:
        radius = width / 2
        draw.ellipse([xs[0] - radius, ys[0] - radius, xs[0] + radius, ys[0] + radius], fill=colour)
        return
    points = list(zip(xs.tolist(), ys.tolist()))
    draw.line(points, fill=colour, width=width, joint="curve")


def dot(
    draw: ImageDraw.ImageDraw, x: float, y: float, radius: float, colour: RGB, outline: RGB = WHITE, ring: float = 0.0
) -> None:
    """A filled disc (with a ring of ``outline`` ``ring`` pixels wide around it)."""
    if ring > 0:
        outer = radius + ring
        draw.ellipse([x - outer, y - outer, x + outer, y + outer], fill=outline)
    draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)


def envelope(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin a trace to at most four points per pixel column (first, min, max, last, in time order),
    so a long run draws quickly but keeps every spike. Returns (x, y, index into the original)."""
    n = len(x)
    if n <= 4 * columns or n < 2:
        index = np.arange(n)
        return x, y, index
    edges = np.linspace(x[0], x[-1], columns + 1)
    bins = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
    ends = np.r_[starts[1:], n]
    chosen: list[int] = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        segment = y[start:end]
        picks = {start, end - 1, start + int(np.argmin(segment)), start + int(np.argmax(segment))}
        chosen.extend(sorted(picks))
    index = np.asarray(chosen)
    return x[index], y[index], index
