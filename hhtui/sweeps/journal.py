"""The journal of a sweep: its finished chunks, kept on disk as they come in.

Beside the output ``fi.csv`` a sweep keeps the directory ``fi.csv.chunks/``:

- ``sweep.json``: the sweep's definition (grid, membrane, run settings, chunk size); a resumed
  sweep must have the very same one;
- ``chunk-000012.npz``: the results of chunk 12, written atomically (a temporary file renamed
  into place), so a chunk file is either complete or absent.

When the sweep ends its CSV is written and the directory removed. An interrupted sweep leaves it,
and ``--resume`` reads back the finished chunks and computes only the others.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .chunks import ChunkResult

__all__ = ["Journal", "JournalError", "journal_path"]

DEFINITION = "sweep.json"


class JournalError(Exception):
    """The journal cannot be used (missing, made by another sweep, unreadable, not writable)."""


def journal_path(output: str | os.PathLike[str]) -> Path:
    """The chunk directory of the output file ``output``: ``output`` + ``.chunks``."""
    path = Path(output)
    return path.with_name(path.name + ".chunks")


class Journal:
    """The chunk directory of one sweep (see the module docstring)."""

    def __init__(self, directory: Path, definition: dict[str, Any]) -> None:
        self.directory = directory
        self.definition = definition

    @classmethod
    def create(cls, directory: Path, definition: dict[str, Any], resume: str = "--resume") -> Journal:
        """A new, empty journal; refuses to reuse a directory that exists (``resume``: how the
        caller spells the option that continues a sweep)."""
        if directory.exists():
            raise JournalError(
                f"{directory} holds the chunks of an unfinished sweep: continue it with {resume}, "
                "or remove the directory to start again"
            )
        try:
            directory.mkdir(parents=False)
            _write_atomic(directory / DEFINITION, json.dumps(definition, indent=2, allow_nan=False).encode())
        except OSError as error:
            shutil.rmtree(directory, ignore_errors=True)
            raise JournalError(f"cannot create {directory}: {error.strerror or error}") from None
        return cls(directory, definition)

    @classmethod
    def open(cls, directory: Path, definition: dict[str, Any]) -> Journal:
        """The journal of an interrupted sweep, which must have been made with ``definition``."""
        try:
            stored = json.loads((directory / DEFINITION).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise JournalError(
                f"no unfinished sweep to resume: {directory} does not exist (or holds no sweep.json)"
            ) from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise JournalError(f"cannot read {directory / DEFINITION}: {error}") from None
        if stored != json.loads(json.dumps(definition)):
            differ = (
                sorted(k for k in set(stored) | set(definition) if stored.get(k) != definition.get(k))
                if isinstance(stored, dict)
                else ["everything"]
            )
            raise JournalError(
                f"{directory} belongs to a different sweep (it differs in: {', '.join(differ)}); "
                "give the same flags as the interrupted sweep, or remove the directory"
            )
        return cls(directory, definition)

    def finished(self) -> Iterator[ChunkResult]:
        """The chunks written so far (a damaged file is skipped: that chunk is simply computed again)."""
        for path in sorted(self.directory.glob("chunk-*.npz")):
            try:
                with np.load(path, allow_pickle=False) as data:
                    yield ChunkResult(
                        index=int(data["index"]),
                        start=int(data["start"]),
                        spike_count=data["spike_count"].astype(np.int64),
                        rate_hz=data["rate_hz"].astype(np.float64),
                        latency_ms=data["latency_ms"].astype(np.float64),
                        host=str(data["host"]),
                        pid=int(data["pid"]),
                    )
            except (OSError, ValueError, KeyError, EOFError):
                continue

    def add(self, result: ChunkResult) -> None:
        """Keep ``result`` (atomically)."""
        path = self.directory / f"chunk-{result.index:06d}.npz"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    index=result.index,
                    start=result.start,
                    spike_count=result.spike_count,
                    rate_hz=result.rate_hz,
                    latency_ms=result.latency_ms,
                    host=np.str_(result.host),
                    pid=result.pid,
                )
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException as error:
            try:
                tmp.unlink()
            except OSError:
                pass
            if isinstance(error, OSError):
                raise JournalError(f"cannot write {path}: {error.strerror or error}") from None
            raise

    def remove(self) -> None:
        """Delete the directory (the sweep's CSV is written)."""
        shutil.rmtree(self.directory, ignore_errors=True)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
