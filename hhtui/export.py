"""CSV recordings and their JSON sidecar, written atomically.

A recording is a mapping of column name to a 1-D array, all of the same length, for example
``{"t_ms": t, "V_mV": v, "m": m, "h": h, "n": n}``.  It is written as a plain CSV file: one header
row with the column names (units in the names), then one row per sample, numbers formatted with
``%.10g``, a ``.`` decimal point, ``,`` between cells, ``\\n`` at the end of each line and no comment
lines, so numpy, pandas and a spreadsheet all read it as is.  Beside it a JSON sidecar holds the
experiment and the program version, so the run can be reproduced.

Every file is written atomically: the content goes to a temporary file in the target directory,
which is flushed, synced to disk and then renamed onto the target.  If anything goes wrong,
including a KeyboardInterrupt, the temporary file is removed and a file that was already at the
target is left exactly as it was.  Non-finite numbers (NaN, inf) are refused, so they never reach a
file.

Every error, whether it is a bad argument or a failure of the file system, is raised as
:class:`ExportError` (a :class:`ValueError`) with a message that names the file.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Union

import numpy as np

__all__ = [
    "ExportError",
    "check_writable_dir",
    "read_csv",
    "read_json",
    "sidecar_path",
    "timestamped_name",
    "write_csv",
    "write_json_atomic",
    "write_run",
]

PathLike = Union[str, "os.PathLike[str]"]

#: Format of every number in a CSV file: ten significant digits.
NUMBER_FORMAT = "%.10g"

#: Rows formatted at once; bounds the memory used for text while writing a long recording.
_CHUNK_ROWS = 8192

#: Prefix of the temporary files, so a stray one (after a power cut) is easy to recognise.
_TEMP_PREFIX = ".hhtui-"

#: Largest magnitude written: anything above rounds, at ten digits, to a number beyond the float
#: range (1.797693135e+308) that would read back as inf.
_MAX_MAGNITUDE = 1.797693134e308

#: Keys of the sidecar that ``extra`` may not replace.
_SIDECAR_KEYS = ("program", "version", "experiment", "columns")


class ExportError(ValueError):
    """A recording or sidecar could not be written or read; the message says which file and why."""


# --------------------------------------------------------------------------------------------
# messages


def _reason(exc: OSError) -> str:
    """A short human reason for an OSError."""
    code = exc.errno
    if code == errno.ENOSPC:
        return "disk full"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EROFS:
        return "read-only file system"
    if code == errno.ENOENT:
        return "no such file or directory"
    if code == errno.EISDIR:
        return "is a directory"
    if code == errno.ENOTDIR:
        return "a parent of the path is not a directory"
    if code == errno.EDQUOT:
        return "disk quota exceeded"
    if code == errno.ENAMETOOLONG:
        return "file name too long"
    return exc.strerror or str(exc)


def _write_error(path: PathLike, exc: OSError) -> ExportError:
    return ExportError(f"cannot write {os.fspath(path)}: {_reason(exc)}")


def _read_text(path: PathLike) -> str:
    """The whole text of ``path`` (UTF-8, a byte-order mark dropped, newlines as written by any
    system read as ``\\n``); :class:`ExportError` if it is missing, unreadable, binary or empty."""
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8-sig", newline=None) as fh:
            text = fh.read()
    except IsADirectoryError as exc:
        raise ExportError(f"cannot read {shown}: it is a directory") from exc
    except UnicodeDecodeError as exc:
        raise ExportError(f"cannot read {shown}: not a text file ({exc.reason})") from exc
    except OSError as exc:
        raise _read_error(path, exc) from exc
    if not text.strip():
        raise ExportError(f"cannot read {shown}: the file is empty")
    return text


def _read_error(path: PathLike, exc: OSError) -> ExportError:
    if exc.errno == errno.ENOENT:
        return ExportError(f"cannot read {os.fspath(path)}: file does not exist")
    return ExportError(f"cannot read {os.fspath(path)}: {_reason(exc)}")


# --------------------------------------------------------------------------------------------
# paths


def sidecar_path(csv_path: PathLike) -> Path:
    """The JSON sidecar that goes with a CSV file: ``run.csv`` -> ``run.json``."""
    return Path(csv_path).with_suffix(".json")


def check_writable_dir(path: PathLike) -> None:
    """Check that a file could be created at ``path``.

    Raises :class:`ExportError` if the directory that would hold ``path`` does not exist, is not a
    directory or is not writable, or if ``path`` itself is a directory.
    """
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a directory")
    directory = target.parent
    shown = os.fspath(directory) if os.fspath(directory) != "." else ". (current directory)"
    if not directory.exists():
        raise ExportError(f"cannot write {target}: directory {shown} does not exist")
    if not directory.is_dir():
        raise ExportError(f"cannot write {target}: {shown} is not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {target}: permission denied (directory {shown} is not writable)")


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
    while candidate.exists() or sidecar_path(candidate).exists():
        number += 1
        candidate = base / f"{stem}-{number}.csv"
    return candidate


# --------------------------------------------------------------------------------------------
# atomic files

_umask_lock = threading.Lock()


def _default_file_mode() -> int:
    """Mode that ``open()`` would give a new file: 0o666 less the process umask."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def _resolve_target(path: PathLike) -> Path:
    """The file to replace: a symlink is followed, so the link stays and its target is updated."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    return target


def _write_temp(target: Path, fill: Callable[[IO[str]], None]) -> Path:
    """Write a temporary file beside ``target`` with ``fill`` and sync it to disk.

    Returns the temporary path. On any exception (KeyboardInterrupt included) the temporary file is
    removed and the exception re-raised, an OSError as :class:`ExportError`.
    """
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = _default_file_mode()
    directory = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from exc
        raise
    return tmp


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _sync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable, where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _replace(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` onto ``target``; on failure remove ``tmp`` and raise."""
    try:
        os.replace(tmp, target)
    except BaseException as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from exc
        raise


def _atomic_write(path: PathLike, fill: Callable[[IO[str]], None]) -> None:
    check_writable_dir(path)
    target = _resolve_target(path)
    tmp = _write_temp(target, fill)
    _replace(tmp, target)
    _sync_dir(target.parent)


# --------------------------------------------------------------------------------------------
# CSV


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ExportError(f"column names must be non-empty strings, got {name!r}")
    if name != name.strip() or any(ch in name for ch in ',"\r\n'):
        raise ExportError(
            f"column name {name!r} cannot be written to CSV "
            "(no commas, quotes, line breaks or surrounding spaces)"
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
                f"columns must all have the same length: {names[0]} has {length} values, "
                f"{name} has {arr.shape[0]}"
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
    return names, matrix


def _format_block(block: np.ndarray) -> str:
    """Text of the rows of a 2-D float array (NUMBER_FORMAT), each line ending in ``\\n``."""
    from hhtui.numformat import format_rows

    return format_rows(block)


def _write_rows(fh: IO[str], names: list[str], matrix: np.ndarray) -> None:
    fh.write(",".join(names) + "\n")
    for start in range(0, matrix.shape[0], _CHUNK_ROWS):
        fh.write(_format_block(matrix[start : start + _CHUNK_ROWS]))


def write_csv(
    path: PathLike | None,
    columns: Mapping[str, Any],
    *,
    stream: IO[str] | None = None,
) -> None:
    """Write ``columns`` as CSV: a header of the names in mapping order, then one row per sample.

    ``path`` None or ``"-"`` writes to ``stream`` (standard output by default); any other path is
    written atomically. Raises :class:`ExportError` for columns that are not 1-D, differ in length,
    or hold NaN or inf, and for any failure of the file system.
    """
    names, matrix = _as_matrix(columns)
    if path is None or (isinstance(path, str) and path == "-"):
        out = sys.stdout if stream is None else stream
        _write_rows(out, names, matrix)
        out.flush()
        return
    _atomic_write(path, lambda fh: _write_rows(fh, names, matrix))


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
                raise ExportError(
                    f"{shown}, line {lineno}, column {name}: not a number: {cell.strip()!r}"
                ) from None
            if not math.isfinite(value):
                raise ExportError(
                    f"{shown}, line {lineno}, column {name}: not a finite number: {cell.strip()!r}"
                )
            row.append(value)
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def read_csv(path: PathLike) -> dict[str, np.ndarray]:
    """Read a CSV recording back: a dict of column name to float64 array, in header order.

    Raises :class:`ExportError` if the file is missing, empty, has a bad header, or a cell that is
    not a finite number (the message names the file and the line).
    """
    shown = os.fspath(path)
    text = _read_text(path)
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
        return (
            json.dumps(
                data, indent=2, sort_keys=False, allow_nan=False, ensure_ascii=False, default=_json_default
            )
            + "\n"
        )
    except (TypeError, ValueError) as exc:
        raise ExportError(f"cannot write {os.fspath(path)}: {exc}") from exc


def write_json_atomic(path: PathLike, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented JSON (keys in insertion order, no NaN or inf), atomically."""
    text = _dump_json(path, data)
    _atomic_write(path, lambda fh: fh.write(text))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def read_json(path: PathLike) -> dict[str, Any]:
    """Read a JSON object from ``path``; :class:`ExportError` if missing, malformed or not an object."""
    shown = os.fspath(path)
    text = _read_text(path)
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


def _backup(target: Path) -> Path | None:
    """A hidden copy of an existing ``target`` beside it (a hard link where possible), or None."""
    if not target.exists():
        return None
    fd, name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".bak", dir=target.parent)
    os.close(fd)
    backup = Path(name)
    try:
        os.unlink(backup)
        os.link(target, backup)
    except OSError:
        import shutil

        shutil.copy2(target, backup)
    return backup


def write_run(
    csv_path: PathLike,
    columns: Mapping[str, Any],
    experiment_dict: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write a recording and its JSON sidecar; returns ``(csv_path, json_path)``.

    The sidecar holds ``{"program": "hhtui", "version": ..., "experiment": experiment_dict,
    "columns": [names...], **extra}``. Both files are written atomically, and as a pair: if the
    second cannot be put in place, the first is rolled back, so files already there stay intact.
    """
    from hhtui import __version__

    csv_file = Path(csv_path)
    json_file = sidecar_path(csv_file)
    if csv_file.suffix.lower() == ".json":
        raise ExportError(f"cannot write {csv_file}: a recording needs a .csv name, not .json")
    names, matrix = _as_matrix(columns)
    extra = dict(extra or {})
    clash = [key for key in _SIDECAR_KEYS if key in extra]
    if clash:
        raise ExportError(f"extra sidecar fields may not replace {', '.join(clash)}")
    sidecar = {
        "program": "hhtui",
        "version": __version__,
        "experiment": experiment_dict,
        "columns": names,
        **extra,
    }
    json_text = _dump_json(json_file, sidecar)

    check_writable_dir(csv_file)
    check_writable_dir(json_file)
    csv_target = _resolve_target(csv_file)
    json_target = _resolve_target(json_file)

    tmp_json = _write_temp(json_target, lambda fh: fh.write(json_text))
    tmp_csv: Path | None = None
    backup: Path | None = None
    try:
        tmp_csv = _write_temp(csv_target, lambda fh: _write_rows(fh, names, matrix))
        try:
            backup = _backup(json_target)
        except OSError as exc:
            raise _write_error(json_file, exc) from exc
        _replace(tmp_json, json_target)
        try:
            _replace(tmp_csv, csv_target)
        except BaseException:
            # Put the sidecar that was there before back (or remove the new one).
            try:
                if backup is not None:
                    os.replace(backup, json_target)
                    backup = None
                else:
                    os.unlink(json_target)
            except OSError:
                pass
            raise
    except BaseException:
        _unlink_quietly(tmp_json)
        if tmp_csv is not None:
            _unlink_quietly(tmp_csv)
        if backup is not None:
            _unlink_quietly(backup)
        raise
    if backup is not None:
        _unlink_quietly(backup)
    _sync_dir(csv_target.parent)
    if json_target.parent != csv_target.parent:
        _sync_dir(json_target.parent)
    return csv_file, json_file
