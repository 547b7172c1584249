"""Animated GIFs of runs, axons and networks, drawn with Pillow (no display, no matplotlib).

- :mod:`hhtui.animation.canvas`: fonts, the colour-blind-safe palette, axes with ticks and labels,
  drawn supersampled and reduced so lines and text are antialiased;
- :mod:`hhtui.animation.scenes`: what each kind of recording looks like (a run traced out in time,
  the voltage profile travelling along an axon, a spike raster);
- :mod:`hhtui.animation.gif`: frames to a small GIF (one fixed palette, frame differencing).

Pillow is imported only here, never when the app starts.
"""

from __future__ import annotations

from .gif import Animation, encode_gif, render
from .scenes import AxonScene, RasterScene, RunScene, Scene

__all__ = ["Animation", "AxonScene", "RasterScene", "RunScene", "Scene", "encode_gif", "render"]
