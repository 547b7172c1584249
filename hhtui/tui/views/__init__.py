"""The registry of plot views.

A view turns what is on screen (a window of the recording, the current experiment, the plot
size) into chart text. Each view lives in its own module in this package and exposes ``VIEW``;
:data:`ORDER` (from :mod:`hhtui.view_names`, the one registry of view names) lists the modules in
the order ``v`` cycles through them. To add a view, write a module with a ``VIEW`` and add its
name to that registry: the app needs no change.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from hhtui.view_names import ALIASES, ORDER

__all__ = ["ALIASES", "ORDER", "View", "ViewContext", "canonical", "get_view", "next_view"]


@dataclass
class ViewContext:
    """Everything a view may draw from.

    Attributes:
        samples: the recorded samples of the display window (a ``Samples``).
        t_from, t_to: the time span of the window (ms).
        experiment: the parameters in use now (an ``Experiment``).
        width, height: size of the plot area in characters.
        colour: False under NO_COLOR.
        options: toggles (e.g. ``"cartoon"``).
        prepared: the result of the view's background computation (None until ready).
        progress: fraction done of that computation while it runs, else None.
        error: message if the background computation failed.
    """

    samples: Any
    t_from: float
    t_to: float
    experiment: Any
    width: int
    height: int
    colour: bool = True
    options: frozenset[str] = frozenset()
    prepared: Any = None
    progress: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class View:
    """A plot view.

    Attributes:
        name: registry name (what experiments use as ``view``).
        title: shown above the plot.
        build: ``build(ctx) -> rich Text``: ``ctx.height`` lines of ``ctx.width`` cells.
        prepare: optional ``prepare(experiment, progress) -> data``: heavy work run in a worker
            thread when :attr:`prepare_key` changes; ``progress(fraction)`` reports progress.
        prepare_key: ``prepare_key(experiment) -> hashable``: what the prepared data depends on.
        hint: a short note on extra keys of the view.
        keys: (key, change) pairs: the view's own keys; ``change(options) -> options`` gives the
            view options after the key (e.g. the F-I view's ``f`` picks a family parameter).
    """

    name: str
    title: str
    build: Callable[[ViewContext], Any]
    prepare: Callable[[Any, Callable[[float], None]], Any] | None = None
    prepare_key: Callable[[Any], Hashable] | None = None
    hint: str = ""
    keys: tuple[tuple[str, Callable[[frozenset[str]], frozenset[str]]], ...] = ()


_LOADED: dict[str, View] = {}


def canonical(name: str) -> str | None:
    """The registry name for ``name`` (aliases resolved), or None if unknown."""
    name = ALIASES.get(name, name)
    return name if name in ORDER else None


def get_view(name: str) -> View:
    """The view called ``name`` (or an alias of it); KeyError if unknown."""
    key = canonical(name)
    if key is None:
        raise KeyError(f"unknown view {name!r}; known: {', '.join(ORDER)}")
    if key not in _LOADED:
        module = importlib.import_module(f"{__name__}.{key}")
        _LOADED[key] = module.VIEW
    return _LOADED[key]


def next_view(name: str) -> str:
    """The name of the view after ``name`` in cycling order."""
    key = canonical(name) or ORDER[-1]
    return ORDER[(ORDER.index(key) + 1) % len(ORDER)]
