"""What each animation shows, frame by frame.

A scene is laid out once for a GIF size (:meth:`Scene.layout`), draws its still parts once
(:meth:`Scene.background`) and then each frame at a progress from 0 (start) to 1 (the whole
recording) (:meth:`Scene.draw`). Drawing happens at :data:`~hhtui.animation.canvas.SUPERSAMPLE`
times the GIF size.

- :class:`RunScene`: the membrane potential V (mV) of one run traced out against time (ms), the
  injected current (uA/cm^2) below it and, optionally, the gates m, h, n.
- :class:`AxonScene`: the voltage profile V(x) (mV against cm) travelling along an axon.
- :class:`RasterScene`: the spikes of a network (neuron against ms) appearing as they happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from .canvas import (
    AXIS,
    GRID,
    OKABE_ITO,
    RGB,
    SUPERSAMPLE,
    TEXT,
    WHITE,
    Axes,
    Fonts,
    blend,
    dot,
    envelope,
    fit_text,
    fonts_for,
    nice_ticks,
    padded_limits,
    polyline,
    px,
    text_size,
)

#: Size of the reference layout, pixels; other sizes scale fonts and line widths by the smaller ratio.
REFERENCE = (800, 450)

V_COLOUR = OKABE_ITO["blue"]
CURRENT_COLOUR = OKABE_ITO["orange"]
GATE_COLOURS = {"m": OKABE_ITO["vermillion"], "h": OKABE_ITO["bluish_green"], "n": OKABE_ITO["reddish_purple"]}
SPIKE_COLOUR = OKABE_ITO["black"]
FRESH_SPIKE_COLOUR = OKABE_ITO["vermillion"]
CURSOR = (160, 160, 160)


class Scene:
    """Base of the scenes: title, time readout, the shared inks and the frame cycle."""

    title: str = ""
    #: Colours the scene draws with (each also gets antialiasing shades in the palette).
    inks: tuple[RGB, ...] = (TEXT, AXIS, GRID, CURSOR)
    #: Time (ms) of the start and end of the recording, for the readout.
    t_start: float = 0.0
    t_end: float = 1.0

    def layout(self, size: tuple[int, int]) -> None:
        """Place the title and axes for a GIF of ``size`` (width, height) pixels."""
        self.size = size
        self.scale = min(size[0] / REFERENCE[0], size[1] / REFERENCE[1])
        self.fonts: Fonts = fonts_for(round(self.scale, 3))
        self.big = (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE)
        self.margin = px(16, self.scale)
        probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
        self.title_height = text_size(probe, "Hg", self.fonts.title)[1] + 2 * self.margin
        self.tick_width = max(text_size(probe, text, self.fonts.tick)[0] for text in ("\u2212100", "0.75"))
        self.label_height = text_size(probe, "Hg", self.fonts.label)[1]
        self.tick_height = text_size(probe, "0", self.fonts.tick)[1]
        # left: vertical label, gap, tick labels, tick marks; bottom: tick marks, labels, axis label
        self.plot_left = self.margin + self.label_height + px(10, self.scale) + self.tick_width + px(13, self.scale)
        self.plot_right = self.big[0] - px(22, self.scale)
        self.plot_top = self.title_height
        self.plot_bottom = self.big[1] - (px(17, self.scale) + self.tick_height + self.label_height + self.margin)

    def background(self) -> Image.Image:
        """The still parts: a white canvas with the title."""
        image = Image.new("RGB", self.big, WHITE)
        draw = ImageDraw.Draw(image)
        # room for the widest readout this scene shows
        readout = text_size(draw, self._readout_text(self.t_end), self.fonts.label)[0] + px(24, self.scale)
        title, font = fit_text(
            draw, self.fonts.text(self.title), self.fonts.title, self.plot_right - self.plot_left - readout
        )
        draw.text((self.plot_left, self.margin), title, font=font, fill=TEXT, anchor="lt")
        return image

    def now(self, progress: float) -> float:
        """Time shown at ``progress`` (0..1), ms."""
        return self.t_start + progress * (self.t_end - self.t_start)

    def _readout_text(self, time: float) -> str:
        span = self.t_end - self.t_start
        decimals = 2 if span < 10 else 1 if span < 1000 else 0
        return f"t = {time:.{decimals}f} ms"

    def readout(self, image: Image.Image, progress: float) -> None:
        """``t = 12.5 ms`` at the right end of the title line."""
        text = self._readout_text(self.now(progress))
        ImageDraw.Draw(image).text((self.plot_right, self.margin), text, font=self.fonts.label, fill=TEXT, anchor="rt")

    def draw(self, image: Image.Image, progress: float) -> None:
        """Draw the frame at ``progress`` (0..1) over a copy of the background."""
        raise NotImplementedError


def _stack(top: int, bottom: int, weights: Sequence[float], gaps: Sequence[int]) -> list[tuple[int, int]]:
    """Split the rows [top, bottom] into panels of the given relative heights with gaps before each
    panel after the first; returns (top, bottom) of each."""
    free = bottom - top - sum(gaps)
    total = sum(weights)
    panels = []
    row = top
    for index, weight in enumerate(weights):
        if index:
            row += gaps[index - 1]
        height = round(free * weight / total)
        panels.append((row, row + height))
        row += height
    return panels


class RunScene(Scene):
    """One run: V (mV) traced out against t (ms), the injected current below, the gates optionally.

    ``current`` (uA/cm^2) is the injected current, or under voltage clamp the clamp current (then
    ``clamp=True`` labels it so).
    """

    def __init__(
        self,
        t: np.ndarray,
        v: np.ndarray,
        current: np.ndarray | None,
        gates: dict[str, np.ndarray] | None = None,
        title: str = "",
        clamp: bool = False,
    ) -> None:
        self.t = np.asarray(t, dtype=float)
        self.v = np.asarray(v, dtype=float)
        self.current = None if current is None else np.asarray(current, dtype=float)
        self.gates = gates
        self.title = title or "Hodgkin-Huxley membrane potential"
        self.clamp = clamp
        self.t_start, self.t_end = float(self.t[0]), float(self.t[-1])
        self.inks = (
            TEXT,
            AXIS,
            GRID,
            CURSOR,
            V_COLOUR,
            *((CURRENT_COLOUR,) if current is not None else ()),
            *(GATE_COLOURS.values() if gates else ()),
        )

    def layout(self, size: tuple[int, int]) -> None:
        super().layout(size)
        heading = self.label_height + px(12, self.scale)
        gap = px(14, self.scale)
        weights = [3.0] + ([1.7] if self.gates else []) + ([1.0] if self.current is not None else [])
        if len(weights) == 2 and self.current is not None:
            weights[0] = 3.2
        gaps = [gap + heading] * (len(weights) - 1)
        panels = _stack(self.plot_top, self.plot_bottom, weights, gaps)
        xlim = (self.t_start, self.t_end if self.t_end > self.t_start else self.t_start + 1.0)
        box = (self.plot_left, 0, self.plot_right, 0)
        vlim = padded_limits(float(self.v.min()), float(self.v.max()))
        self.v_axes = Axes((box[0], panels[0][0], box[2], panels[0][1]), xlim, vlim)
        self.gate_axes = Axes((box[0], panels[1][0], box[2], panels[1][1]), xlim, (-0.04, 1.04)) if self.gates else None
        self.i_axes = None
        if self.current is not None:
            low, high = min(0.0, float(self.current.min())), max(0.0, float(self.current.max()))
            self.i_axes = Axes((box[0], panels[-1][0], box[2], panels[-1][1]), xlim, padded_limits(low, high, 0.12))
        self.xticks = nice_ticks(*xlim, target=max(3, round(size[0] / 130)))
        self.line_width = px(2.4, self.scale)
        columns = self.plot_right - self.plot_left
        self.paths: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Axes, RGB]] = []
        for values, axes, colour in self._traces():
            _, _, index = envelope(self.t, values, columns)
            self.paths.append((axes.x(self.t[index]), axes.y(values[index]), index, values, axes, colour))

    def _traces(self) -> list[tuple[np.ndarray, Axes, RGB]]:
        traces: list[tuple[np.ndarray, Axes, RGB]] = []
        if self.current is not None and self.i_axes is not None:
            traces.append((self.current, self.i_axes, CURRENT_COLOUR))
        if self.gates and self.gate_axes is not None:
            traces += [
                (self.gates[name], self.gate_axes, GATE_COLOURS[name]) for name in ("m", "h", "n") if name in self.gates
            ]
        traces.append((self.v, self.v_axes, V_COLOUR))
        return traces

    def background(self) -> Image.Image:
        image = super().background()
        fonts, scale = self.fonts, self.scale
        last = self.i_axes
        bottom = last is None and self.gate_axes is None
        self.v_axes.draw_frame(
            image,
            fonts,
            scale,
            xticks=self.xticks,
            yticks=nice_ticks(*self.v_axes.ylim, target=6),
            xlabel="time (ms)" if bottom else None,
            ylabel="V (mV)",
            tick_labels_x=bottom,
        )
        draw = ImageDraw.Draw(image)
        if self.gate_axes is not None:
            self.gate_axes.draw_frame(
                image,
                fonts,
                scale,
                xticks=self.xticks,
                yticks=[0.0, 0.5, 1.0],
                xlabel="time (ms)" if last is None else None,
                ylabel="",
                tick_labels_x=last is None,
            )
            self._heading(draw, self.gate_axes, "gates", [(name, GATE_COLOURS[name]) for name in ("m", "h", "n")])
        if last is not None:
            last.draw_frame(
                image,
                fonts,
                scale,
                xticks=self.xticks,
                yticks=nice_ticks(*last.ylim, target=2),
                xlabel="time (ms)",
                ylabel="",
            )
            name = "clamp current" if self.clamp else "injected current"
            self._heading(draw, last, f"{name} (\u00b5A/cm\u00b2)", [], colour=CURRENT_COLOUR)
        return image

    def _heading(
        self, draw: ImageDraw.ImageDraw, axes: Axes, text: str, legend: list[tuple[str, RGB]], colour: RGB = TEXT
    ) -> None:
        """A small heading above a panel, with a legend of coloured lines after it."""
        y = axes.top - px(6, self.scale)
        x = float(axes.left)
        draw.text(
            (x, y), self.fonts.text(text), font=self.fonts.label, fill=colour if not legend else TEXT, anchor="ld"
        )
        x += text_size(draw, self.fonts.text(text), self.fonts.label)[0] + px(18, self.scale)
        middle = y - self.label_height * 0.38
        for name, ink in legend:
            draw.line([(x, middle), (x + px(22, self.scale), middle)], fill=ink, width=self.line_width)
            x += px(28, self.scale)
            draw.text((x, y), name, font=self.fonts.label, fill=TEXT, anchor="ld")
            x += text_size(draw, name, self.fonts.label)[0] + px(16, self.scale)

    def draw(self, image: Image.Image, progress: float) -> None:
        now = self.now(progress)
        last = int(np.searchsorted(self.t, now, side="right")) - 1
        last = max(0, min(last, len(self.t) - 1))
        draw = ImageDraw.Draw(image)
        cursor = float(self.v_axes.x(self.t[last]))
        if 0.0 < progress < 1.0:
            for axes in (self.v_axes, self.gate_axes, self.i_axes):
                if axes is not None:
                    draw.line([(cursor, axes.top), (cursor, axes.bottom)], fill=CURSOR, width=px(1, self.scale))
        heads = []
        for xs, ys, index, values, axes, colour in self.paths:
            shown = int(np.searchsorted(index, last, side="right"))
            x_head, y_head = cursor, float(axes.y(values[last]))
            x = np.append(xs[:shown], x_head)
            y = np.append(ys[:shown], y_head)
            if axes is self.i_axes and len(x) > 1:
                zero = float(axes.y(0.0))
                outline = [(x[0], zero), *zip(x.tolist(), y.tolist()), (x[-1], zero)]
                draw.polygon(outline, fill=blend(colour, 0.22))
            polyline(draw, x, y, colour, self.line_width)
            heads.append((x_head, y_head, colour))
        if progress < 1.0:
            for x_head, y_head, colour in heads:
                dot(draw, x_head, y_head, px(4.2, self.scale), colour, ring=px(1.5, self.scale))
        self.readout(image, progress)


class AxonScene(Scene):
    """The voltage profile V(x) (mV) along an axon (position in cm), one recorded time per frame,
    with fading copies of the profile a little earlier to show which way it travels."""

    #: Earlier profiles drawn behind the current one, as (fraction of the run earlier, opacity).
    TRAIL = ((0.045, 0.45), (0.09, 0.28), (0.135, 0.15))

    def __init__(
        self, x_cm: np.ndarray, t: np.ndarray, v: np.ndarray, title: str = "", length_cm: float | None = None
    ) -> None:
        self.x_cm = np.asarray(x_cm, dtype=float)
        # compartment centres: the cable runs from 0 to about first + last centre
        guess = float(self.x_cm.max() + max(0.0, self.x_cm.min()))
        self.length_cm = length_cm if length_cm is not None and length_cm >= self.x_cm.max() else guess
        self.t = np.asarray(t, dtype=float)
        self.v = np.asarray(v, dtype=float)  # (time, position)
        self.title = title or "Action potential travelling along the axon"
        self.t_start, self.t_end = float(self.t[0]), float(self.t[-1])
        self.inks = (TEXT, AXIS, GRID, CURSOR, V_COLOUR)

    def layout(self, size: tuple[int, int]) -> None:
        super().layout(size)
        xlim = (min(0.0, float(self.x_cm.min())), self.length_cm)
        ylim = padded_limits(float(self.v.min()), float(self.v.max()))
        self.axes = Axes((self.plot_left, self.plot_top, self.plot_right, self.plot_bottom), xlim, ylim)
        self.xs = self.axes.x(self.x_cm)
        self.line_width = px(2.6, self.scale)

    def background(self) -> Image.Image:
        image = super().background()
        self.axes.draw_frame(
            image,
            self.fonts,
            self.scale,
            xticks=nice_ticks(*self.axes.xlim, target=6),
            yticks=nice_ticks(*self.axes.ylim, target=5),
            xlabel="position along the axon (cm)",
            ylabel="V (mV)",
        )
        return image

    def _row(self, time: float) -> int:
        return max(0, min(len(self.t) - 1, round(float(np.interp(time, self.t, np.arange(len(self.t)))))))

    def draw(self, image: Image.Image, progress: float) -> None:
        draw = ImageDraw.Draw(image)
        span = self.t_end - self.t_start
        now = self.now(progress)
        for earlier, opacity in reversed(self.TRAIL):
            if now - earlier * span >= self.t_start:
                row = self._row(now - earlier * span)
                polyline(draw, self.xs, self.axes.y(self.v[row]), blend(V_COLOUR, opacity), self.line_width)
        polyline(draw, self.xs, self.axes.y(self.v[self._row(now)]), V_COLOUR, self.line_width)
        self.readout(image, progress)


class RasterScene(Scene):
    """Spikes of a network: one mark per spike at (time, neuron), appearing as time passes; the
    newest marks are drawn in vermillion, then turn black."""

    #: Marks stay highlighted for this fraction of the run.
    FRESH = 0.04

    def __init__(self, neuron: np.ndarray, t_spike: np.ndarray, n: int, t_stop: float, title: str = "") -> None:
        order = np.argsort(t_spike, kind="stable")
        self.neuron = np.asarray(neuron, dtype=int)[order]
        self.t_spike = np.asarray(t_spike, dtype=float)[order]
        self.n = int(n)
        self.title = title or f"Spikes of {self.n} neurons"
        self.t_start, self.t_end = 0.0, float(t_stop)
        self.inks = (TEXT, AXIS, GRID, CURSOR, SPIKE_COLOUR, FRESH_SPIKE_COLOUR)

    def layout(self, size: tuple[int, int]) -> None:
        super().layout(size)
        self.axes = Axes(
            (self.plot_left, self.plot_top, self.plot_right, self.plot_bottom),
            (self.t_start, self.t_end),
            (-0.6, self.n - 0.4),
        )
        row = (self.plot_bottom - self.plot_top) / max(1, self.n)
        self.mark_height = max(px(1.2, self.scale), min(row * 0.72, px(14, self.scale)))
        self.mark_width = px(2.2, self.scale)
        self.mark_x = self.axes.x(self.t_spike)
        self.mark_y = self.axes.y(self.neuron)
        self._drawn = 0
        self._settled: Image.Image | None = None

    def background(self) -> Image.Image:
        image = super().background()
        if self.n <= 12:
            yticks = [float(i) for i in range(self.n)]
        else:
            yticks = [value for value in nice_ticks(0, self.n - 1, target=5) if float(value).is_integer()]
        self.axes.draw_frame(
            image,
            self.fonts,
            self.scale,
            xticks=nice_ticks(self.t_start, self.t_end, target=6),
            yticks=yticks,
            xlabel="time (ms)",
            ylabel="neuron",
        )
        self._settled = None
        self._drawn = 0
        return image

    def _marks(self, draw: ImageDraw.ImageDraw, start: int, end: int, colour: RGB) -> None:
        half_h, half_w = self.mark_height / 2, self.mark_width / 2
        for x, y in zip(self.mark_x[start:end].tolist(), self.mark_y[start:end].tolist()):
            draw.rectangle([x - half_w, y - half_h, x + half_w, y + half_h], fill=colour)

    def draw(self, image: Image.Image, progress: float) -> None:
        now = self.now(progress)
        fresh_from = now - self.FRESH * (self.t_end - self.t_start) if progress < 1.0 else now
        settled = int(np.searchsorted(self.t_spike, fresh_from, side="right"))
        shown = int(np.searchsorted(self.t_spike, now, side="right"))
        # Marks older than the highlight are kept on a canvas of their own, drawn once each.
        if self._settled is None or settled < self._drawn:
            self._settled = image.copy()
            self._drawn = 0
        self._marks(ImageDraw.Draw(self._settled), self._drawn, settled, SPIKE_COLOUR)
        self._drawn = settled
        image.paste(self._settled)
        draw = ImageDraw.Draw(image)
        if 0.0 < progress < 1.0:
            cursor = float(self.axes.x(now))
            draw.line([(cursor, self.axes.top), (cursor, self.axes.bottom)], fill=CURSOR, width=px(1, self.scale))
        self._marks(draw, settled, shown, FRESH_SPIKE_COLOUR)
        self.readout(image, progress)


def scene_kind(scene: Any) -> str:
    """``run``, ``axon`` or ``raster``."""
    return {RunScene: "run", AxonScene: "axon", RasterScene: "raster"}[type(scene)]
