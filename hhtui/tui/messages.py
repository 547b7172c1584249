"""Messages the app's workers post back to the event loop.

Every background job of the app (loading the model, computing a chunk, preparing a view,
writing an export) runs in a thread worker and reports its result as one of these typed
messages; a job that fails raises, and its failure is handled by the owner of the worker in
``on_worker_state_changed``. This module imports neither the model nor numpy.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message


@dataclass
class ModelLoaded(Message):
    """The model is imported, its kernels loaded, and the live run built (a ``LiveRun``)."""

    session: Any


@dataclass
class ChunkComputed(Message):
    """A chunk was integrated in a worker: ``result`` (a ``ChunkResult``) of ``session``'s run."""

    session: Any
    result: Any


@dataclass
class Exported(Message):
    """The run was written: the CSV, its JSON sidecar and the number of rows."""

    csv_path: Path
    json_path: Path
    rows: int


@dataclass
class ExportReady(Message):
    """Served to a browser: the export's files, ``[(name, bytes), ...]``, ready to download."""

    files: Any
    rows: int


@dataclass
class PrepareProgress(Message):
    """A view's background computation for ``key`` is ``fraction`` done (0 to 1)."""

    view: str
    key: Hashable
    fraction: float


@dataclass
class ViewPrepared(Message):
    """A view's background computation for ``key`` finished with ``result``."""

    view: str
    key: Hashable
    result: Any


__all__ = ["ChunkComputed", "ExportReady", "Exported", "ModelLoaded", "PrepareProgress", "ViewPrepared"]
