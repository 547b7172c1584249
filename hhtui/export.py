"""CSV recordings and their JSON sidecar, written atomically.

A recording is a mapping of column name to a 1-D array, all of the same length, for example
``{"t_ms": t, "V_mV": v, "m": m, "h": h, "n": n}``.  It is written as a plain CSV file: one header
row with the column names (units in the names), then one row per sample, numbers formatted with
``%.10g``, a ``.`` decimal point, ``,`` between cells, ``\\n`` at the end of each line and no comment
lines, so numpy, pandas and a spreadsheet all read it as is.  Beside it a JSON sidecar holds the
experiment and the program version, so the run can be reproduced.

Files are written and read through :mod:`hhtui.files`: only regular files are written (a link,
device, FIFO or directory at the name is refused, a read-only file is replaced only with
``force=True``), each file atomically (a temporary file beside it, synced, then renamed), and a CSV
and its sidecar as one unit (the sidecar records the CSV's size and SHA-256 under ``"data_file"``;
:func:`verify_run` checks them). If anything goes wrong, including an interruption, the temporary
files are removed and the files already at the names are left exactly as they were. Non-finite
numbers (NaN, inf) are refused, so they never reach a file. Reading takes only regular files of at
most :data:`CSV_READ_LIMIT` or :data:`JSON_READ_LIMIT` bytes.

Every error, whether it is a bad argument or a failure of the file system, is raised as
:class:`ExportError` (a :class:`ValueError`) with a message that names the file.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from hhtui.files import (
    ExportError,
    PathLike,
    check_target,
    read_input,
    verify_pair,
    write_atomic,
    write_pair,
)

__all__ = [
    "ExportError",
    "check_writable_dir",
    "read_csv",
    "read_json",
    "sidecar_path",
    "timestamped_name",
    "verify_run",
    "write_csv",
    "write_json_atomic",
    "write_run",
]

#: Format of every number in a CSV file: ten significant digits.
NUMBER_FORMAT = "%.10g"

#: Rows formatted at once; bounds the memory used for text while writing a long recording.
_CHUNK_ROWS = 8192

#: Largest CSV file read (bytes): the command line writes at most about 260 MB.
CSV_READ_LIMIT = 512 * 1024 * 1024

#: Largest JSON file (experiment or sidecar) read, in bytes.
JSON_READ_LIMIT = 64 * 1024 * 1024

#: Largest magnitude written: anything above rounds, at ten digits, to a number beyond the float
#: range (1.797693135e+308) that would read back as inf.
_MAX_MAGNITUDE = 1.797693134e308

#: Keys of the sidecar that ``extra`` may not replace.
_SIDECAR_KEYS = ("program", "version", "experiment", "columns")


def _read_text(path: PathLike, limit: int, what: str) -> str:
    """The whole text of ``path`` (UTF-8, a byte-order mark dropped, newlines as written by any
    system read as ``\\n``); :class:`ExportError` if it is missing, not a regular file, larger than
    ``limit`` bytes, binary or empty."""
    shown = os.fspath(path)
    data = read_input(path, limit=limit, what=what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(f"cannot read {shown}: not a text file ({exc.reason})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ExportError(f"cannot read {shown}: the file is empty")
    return text


# --------------------------------------------------------------------------------------------
# paths


def sidecar_path(csv_path: PathLike) -> Path:
    """The JSON sidecar that goes with a CSV file: ``run.csv`` -> ``run.json``."""
    return Path(csv_path).with_suffix(".json")


def check_writable_dir(path: PathLike) -> None:
    """Check that a regular file could be put at ``path`` (a read-only file or a link there aside:
    see :func:`hhtui.files.check_target`, which this calls with ``force=True``).

    Raises :class:`ExportError` if the directory that would hold ``path`` does not exist, is not a
    directory or is not writable, or if ``path`` itself is a directory, device, FIFO or socket.
    """
    check_target(path, force=True)


def timestamped_name(now: datetime | None = None, directory: PathLike = ".") -> Path:
    """A fresh file name ``hhtui-YYYYmmdd-HHMMSS.csv`` in ``directory``.

    If a recording (or its sidecar) of that name already exists, ``-2``, ``-3``, ... is added before
    the suffix until the name is free.
    """
    if now is None:
        now = datetime.now()
    stem = f"hhtui-{now:%Y%m%d-%H%M%S}"
    base = Path(directory)
    candidate = base / f"{stem}.csv"
    number = 1
    while os.path.lexists(candidate) or os.path.lexists(sidecar_path(candidate)):
        number += 1
        candidate = base / f"{stem}-{number}.csv"
    return candidate


# --------------------------------------------------------------------------------------------
# CSV


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ExportError(f"column names must be non-empty strings, got {name!r}")
    if name != name.strip() or any(ch in name for ch in ',"\r\n'):
        raise ExportError(
            f"column name {name!r} cannot be written to CSV (no commas, quotes, line breaks or surrounding spaces)"
        )
    return name


def _as_matrix(columns: Mapping[str, Any]) -> tuple[list[str], np.ndarray]:
    """Validate the columns and stack them into an (n_rows, n_columns) float64 array."""
    if not isinstance(columns, Mapping):
        raise ExportError(f"columns must be a mapping of name to array, got {type(columns).__name__}")
    if len(columns) == 0:
        raise ExportError("no columns to write")
    names = [_check_name(name) for name in columns]
    arrays = []
    length = None
    for name in names:
        raw = columns[name]
        try:
            arr = np.asarray(raw)
        except Exception as exc:  # ragged lists and the like
            raise ExportError(f"column {name} is not an array of numbers: {exc}") from exc
        if arr.ndim != 1:
            raise ExportError(f"column {name} must be 1-D, got an array of shape {arr.shape}")
        if arr.dtype.kind not in "biuf":
            raise ExportError(f"column {name} must hold real numbers, got dtype {arr.dtype}")
        if length is None:
            length = arr.shape[0]
        elif arr.shape[0] != length:
            raise ExportError(
                f"columns must all have the same length: {names[0]} has {length} values, {name} has {arr.shape[0]}"
            )
        arr = arr.astype(np.float64, copy=False)
        if not np.isfinite(arr).all():
            raise ExportError(f"column {name} has non-finite values (NaN or inf)")
        if arr.size and np.abs(arr).max() > _MAX_MAGNITUDE:
            raise ExportError(f"column {name} has values too large to write (beyond ±{_MAX_MAGNITUDE:g})")
        arrays.append(arr)
    matrix = np.empty((length or 0, len(arrays)), dtype=np.float64)
    for j, arr in enumerate(arrays):
        matrix[:, j] = arr
    matrix += 0.0  # -0.0 becomes 0.0: no "-0" in a file
    return names, matrix


def _format_block(block: np.ndarray) -> bytes | memoryview:
    """Text of the rows of a 2-D float array (NUMBER_FORMAT), each line ending in ``\\n``, as
    ASCII bytes."""
    from hhtui.numformat import format_bytes

    return format_bytes(block)


def _write_rows(fh: IO[str], names: list[str], matrix: np.ndarray) -> None:
    """The header and the rows of ``matrix``, :data:`_CHUNK_ROWS` rows at a time (formatted
    ahead on the other cores); as bytes to a file that takes them (``takes_bytes``), else as text."""
    from hhtui.numformat import formatted_pieces

    fh.write(",".join(names) + "\n")
    as_bytes = getattr(fh, "takes_bytes", False)
    for piece in formatted_pieces(matrix, _CHUNK_ROWS, _format_block):
        if isinstance(piece, str):
            fh.write(piece)
        else:
            fh.write(piece if as_bytes else str(piece, "ascii"))


def write_csv(
    path: PathLike | None,
    columns: Mapping[str, Any],
    *,
    stream: IO[str] | None = None,
    force: bool = False,
) -> None:
    """Write ``columns`` as CSV: a header of the names in mapping order, then one row per sample.

    ``path`` None or ``"-"`` writes to ``stream`` (standard output by default); any other path is
    written atomically (``force``: see :func:`hhtui.files.check_target`). Raises :class:`ExportError` for
    columns that are not 1-D, differ in length, or hold NaN or inf, and for any failure of the file system.
    """
    names, matrix = _as_matrix(columns)
    if path is None or (isinstance(path, str) and path == "-"):
        out = sys.stdout if stream is None else stream
        _write_rows(out, names, matrix)
        out.flush()
        return
    write_atomic(path, lambda fh: _write_rows(fh, names, matrix), force=force)


def _parse_header(path: PathLike, line: str) -> list[str]:
    shown = os.fspath(path)
    cells = [cell.strip() for cell in line.split(",")]
    names = []
    for cell in cells:
        if len(cell) >= 2 and cell[0] == cell[-1] == '"':
            cell = cell[1:-1].strip()
        names.append(cell)
    if any(not name for name in names):
        raise ExportError(f"{shown}, line 1: bad header: empty column name in {line!r}")
    numeric = 0
    for name in names:
        try:
            float(name)
            numeric += 1
        except ValueError:
            pass
    if numeric == len(names):
        raise ExportError(f"{shown}, line 1: bad header: expected column names, found numbers")
    seen = set()
    for name in names:
        if name in seen:
            raise ExportError(f"{shown}, line 1: bad header: column {name} appears twice")
        seen.add(name)
    return names


def _parse_rows_slowly(path: PathLike, names: list[str], lines: list[str]) -> np.ndarray:
    """Parse data lines one by one, naming the first bad line (lines[i] is line i + 2)."""
    shown = os.fspath(path)
    width = len(names)
    rows = []
    for index, line in enumerate(lines):
        lineno = index + 2
        if not line.strip():
            continue
        cells = line.split(",")
        if len(cells) != width:
            raise ExportError(f"{shown}, line {lineno}: expected {width} values, found {len(cells)}")
        row = []
        for name, cell in zip(names, cells):
            try:
                value = float(cell)
            except ValueError:
                raise ExportError(f"{shown}, line {lineno}, column {name}: not a number: {cell.strip()!r}") from None
            if not math.isfinite(value):
                raise ExportError(f"{shown}, line {lineno}, column {name}: not a finite number: {cell.strip()!r}")
            row.append(value)
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def read_csv(path: PathLike) -> dict[str, np.ndarray]:
    """Read a CSV recording back: a dict of column name to float64 array, in header order.

    Raises :class:`ExportError` if the file is missing, empty, has a bad header, or a cell that is
    not a finite number (the message names the file and the line).
    """
    text = _read_text(path, CSV_READ_LIMIT, "CSV file")
    header, _, body = text.partition("\n")
    names = _parse_header(path, header)
    if not body.strip():
        return {name: np.empty(0, dtype=np.float64) for name in names}

    matrix = None
    if "#" not in body:  # loadtxt would treat '#' as a comment; leave that to the careful parser
        try:
            matrix = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
        except ValueError:
            matrix = None
        if matrix is not None and (matrix.shape[1] != len(names) or not np.isfinite(matrix).all()):
            matrix = None
    if matrix is None:
        matrix = _parse_rows_slowly(path, names, body.split("\n"))
    return {name: np.ascontiguousarray(matrix[:, j]) for j, name in enumerate(names)}


# --------------------------------------------------------------------------------------------
# JSON


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _dump_json(path: PathLike, data: Mapping[str, Any]) -> str:
    if not isinstance(data, Mapping):
        raise ExportError(f"cannot write {os.fspath(path)}: expected a dict, got {type(data).__name__}")
    try:
        text = (
            json.dumps(data, indent=2, sort_keys=False, allow_nan=False, ensure_ascii=False, default=_json_default)
            + "\n"
        )
    except (TypeError, ValueError) as exc:
        raise ExportError(f"cannot write {os.fspath(path)}: {exc}") from exc
    return _check_encodable(path, text)


def _check_encodable(path: PathLike, text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise ExportError(
            f"cannot write {os.fspath(path)}: the text holds {bad!r}, which is not a character "
            "(a lone surrogate); it cannot be stored as UTF-8"
        ) from None
    return text


def write_json_atomic(path: PathLike, data: Mapping[str, Any], *, force: bool = False) -> None:
    """Write ``data`` as indented JSON (keys in insertion order, no NaN or inf), atomically."""
    text = _dump_json(path, data)
    write_atomic(path, text, force=force)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def read_json(path: PathLike) -> dict[str, Any]:
    """Read a JSON object from ``path``; :class:`ExportError` if missing, malformed or not an object."""
    shown = os.fspath(path)
    text = _read_text(path, JSON_READ_LIMIT, "JSON file")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ExportError(
            f"cannot read {shown}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise ExportError(f"cannot read {shown}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ExportError(f"cannot read {shown}: expected a JSON object, found {type(data).__name__}")
    return data


# --------------------------------------------------------------------------------------------
# a run: CSV + sidecar


def write_run(
    csv_path: PathLike,
    columns: Mapping[str, Any],
    experiment_dict: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
    *,
    force: bool = False,
) -> tuple[Path, Path]:
    """Write a recording and its JSON sidecar as one unit; returns ``(csv_path, json_path)``.

    The sidecar holds ``{"program": "hhtui", "version": ..., "experiment": experiment_dict,
    "columns": [names...], **extra, "data_file": {"name", "bytes", "sha256"}}``, the last the
    record of the CSV it was written with. Both files come from this call or neither does
    (:func:`hhtui.files.write_pair`); files already there stay intact on any failure.
    """
    from hhtui import __version__

    csv_file = Path(csv_path)
    json_file = sidecar_path(csv_file)
    if csv_file.suffix.lower() == ".json":
        raise ExportError(f"cannot write {csv_file}: a recording needs a .csv name, not .json")
    names, matrix = _as_matrix(columns)
    extra = dict(extra or {})
    clash = [key for key in (*_SIDECAR_KEYS, "data_file") if key in extra]
    if clash:
        raise ExportError(f"extra sidecar fields may not replace {', '.join(clash)}")
    sidecar = {
        "program": "hhtui",
        "version": __version__,
        "experiment": experiment_dict,
        "columns": names,
        **extra,
    }
    _dump_json(json_file, sidecar)  # refuse what cannot be written before the CSV is made

    def make_sidecar(record: dict[str, Any]) -> str:
        return _dump_json(json_file, {**sidecar, "data_file": record})

    write_pair(csv_file, lambda fh: _write_rows(fh, names, matrix), json_file, make_sidecar, force=force)
    return csv_file, json_file


def verify_run(csv_path: PathLike) -> str | None:
    """Check that the CSV at ``csv_path`` is the one its sidecar was written with (same size and
    SHA-256). None if so; otherwise one line saying why not (no sidecar, an unreadable one, one of
    an older version, or a CSV from another run)."""
    json_file = sidecar_path(csv_path)
    try:
        sidecar = read_json(json_file)
    except ExportError as error:
        return str(error)
    return verify_pair(csv_path, sidecar.get("data_file"))
