"""Every file hhtui writes, and every file it reads, goes through this module.

Writing (:func:`write_atomic`, :func:`write_atomic_path`, :func:`write_pair`)
------------------------------------------------------------------------------
- **Only regular files.** The name to write is examined with ``lstat`` (never followed) before any
  work and again just before the final rename:

  - a directory, FIFO, character or block device or socket there is refused, always, with one line
    naming the path and what it is;
  - a **symbolic link** is refused unless ``force=True``, which replaces *the link itself* with a
    regular file. A link is never written through: the sidecar's name is implied by the CSV's, so
    a link planted at it in a shared folder would otherwise redirect the write to any file the user
    may write (and a link from ``run.json`` to ``run.csv`` would swallow the CSV);
  - a **read-only** regular file (no write permission bit, or not writable by this user) is
    refused unless ``force=True``. A replaced file keeps its permission bits.

- **Atomic.** The content goes to a temporary file in the target's directory, is synced to disk,
  and is renamed onto the name. A reader sees the old file or the complete new one, never a part;
  on any error or interruption the temporary file is removed and the old file is left as it was.

- **Pairs** (:func:`write_pair`, a CSV and its JSON sidecar) are one unit. Both temporary files are
  written completely first; the sidecar records the name, size and SHA-256 of its data file
  (``"data_file": {"name", "bytes", "sha256"}``); then, holding an exclusive ``flock`` on the
  directory (so concurrent writers to the same name take turns) and with SIGINT, SIGTERM and SIGHUP
  held back (:func:`hhtui.signals.deferred`), the sidecar is renamed in first and the data file
  last. So the data file's presence means its sidecar is in place, and a reader can check that the
  two belong together with :func:`verify_pair` (or ``sha256sum``). Only SIGKILL or a power cut in
  the microseconds between the two renames can leave a new sidecar beside the old data file, and
  :func:`verify_pair` then says so.

- **Leftovers.** Temporary files are named ``.hhtui-<host>-<pid>-<random>.tmp`` (``.bak`` for the
  transient copy of a replaced sidecar), ``<host>`` being 8 hex digits of a hash of the host name.
  Before writing into a directory, :func:`clean_stale` removes those left there by a process of
  this host that no longer exists (killed with SIGKILL, or a power cut) and reports the others it
  cannot judge (another host's, or of an older format).

Reading (:func:`read_input`)
----------------------------
Inputs are read only from regular files (a symbolic link to one is fine) of at most a stated size:
a FIFO, device, socket or directory is refused after ``stat``, before it is opened (so a FIFO never
blocks), and the file is opened with ``O_NONBLOCK`` and checked again on the open descriptor.

Every problem is raised as :class:`ExportError` (a :class:`ValueError`) with one line that names
the path and says why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import os
import re
import socket
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Union

from hhtui import signals

__all__ = [
    "ExportError",
    "Leftovers",
    "PathLike",
    "check_target",
    "clean_stale",
    "describe_kind",
    "read_input",
    "verify_pair",
    "write_atomic",
    "write_atomic_path",
    "write_pair",
]

PathLike = Union[str, "os.PathLike[str]"]

#: Start of the name of every temporary file hhtui makes.
TEMP_PREFIX = ".hhtui-"

#: 8 hex digits naming this host in temporary file names (pids are only meaningful on one host).
HOST_TAG = hashlib.sha256(socket.gethostname().encode("utf-8", "surrogateescape")).hexdigest()[:8]

_OWN_NAME = re.compile(r"^\.hhtui-([0-9a-f]{8})-([0-9]+)-[^/]*\.(tmp|bak)$")
_ANY_NAME = re.compile(r"^\.hhtui-.*\.(tmp|bak)$")

#: Bytes read or written per system call.
_BLOCK = 1 << 20


class ExportError(ValueError):
    """A file could not be written or read; the message, one line, names the file and says why."""


# --------------------------------------------------------------------------------------------
# messages


def _reason(exc: OSError) -> str:
    """A short human reason for an OSError."""
    code = exc.errno
    reasons = {
        errno.ENOSPC: "disk full",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOENT: "no such file or directory",
        errno.EISDIR: "it is a directory",
        errno.ENOTDIR: "a parent of the path is not a directory",
        errno.EDQUOT: "disk quota exceeded",
        errno.ENAMETOOLONG: "file name too long",
        errno.ELOOP: "too many levels of symbolic links",
        errno.EXDEV: "the temporary file and the target are on different file systems",
    }
    if code in reasons:
        return reasons[code]
    return exc.strerror or str(exc)


def _write_error(path: PathLike, exc: OSError) -> ExportError:
    return ExportError(f"cannot write {os.fspath(path)}: {_reason(exc)}")


def describe_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words: ``"a FIFO (named pipe)"`` and so on."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a regular file"


def _size_text(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.3g} {unit}"
        size /= 1000
    return f"{size:.3g} TB"  # pragma: no cover


# --------------------------------------------------------------------------------------------
# checking a target name


def _name_max(directory: Path) -> int:
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def _is_read_only(path: Path, st: os.stat_result) -> bool:
    if not st.st_mode & 0o222:
        return True
    return not os.access(path, os.W_OK, follow_symlinks=False)


def check_target(path: PathLike, *, force: bool = False) -> Path:
    """Check that a regular file may be written at ``path``; returns it as a :class:`Path`.

    Refused with :class:`ExportError` (one line naming ``path``): an empty name, a name that is
    only an extension (``.csv``, which would make a hidden file), a name longer than the file system
    allows, a missing or unwritable directory, and anything but a regular file or nothing at
    ``path``. A symbolic link or a read-only file is refused unless ``force`` (see the module's
    description). Nothing is created.
    """
    shown = os.fspath(path)
    if not shown:
        raise ExportError("cannot write a file with an empty name")
    target = Path(path)
    name = target.name
    if not name or shown.endswith(os.sep) or name in (".", ".."):
        raise ExportError(f"cannot write {shown}: it names a directory, not a file")
    if name.startswith(".") and "." not in name.lstrip("."):
        raise ExportError(
            f"cannot write {shown}: the name is only an extension; give the file a name, "
            f"e.g. run.{name.lstrip('.') or 'csv'}"
        )
    directory = target.parent
    shown_dir = os.fspath(directory) if os.fspath(directory) != "." else ". (current directory)"
    try:
        dir_stat = os.stat(directory)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise ExportError(
                f"cannot write {_abbreviate(shown)}: directory {_abbreviate(shown_dir)} does not exist"
            ) from None
        raise ExportError(f"cannot write {_abbreviate(shown)}: {_reason(exc)}") from None
    if not stat.S_ISDIR(dir_stat.st_mode):
        raise ExportError(f"cannot write {_abbreviate(shown)}: {_abbreviate(shown_dir)} is not a directory")
    limit = _name_max(directory)
    length = len(os.fsencode(name))
    if length > limit:
        raise ExportError(
            f"cannot write {_abbreviate(shown)}: file name too long ({length} bytes; the file system allows {limit})"
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {shown}: permission denied (directory {shown_dir} is not writable)")
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise ExportError(f"cannot write {_abbreviate(shown)}: {_reason(exc)}") from None
    mode = st.st_mode
    if stat.S_ISREG(mode):
        if not force and _is_read_only(target, st):
            raise ExportError(f"cannot write {shown}: the file is read-only; use --force to replace it")
        return target
    if stat.S_ISLNK(mode):
        if force:
            return target
        try:
            pointed = os.readlink(target)
        except OSError:
            pointed = "?"
        raise ExportError(
            f"cannot write {shown}: it is a symbolic link (to {pointed}), which is never written "
            "through; remove it, choose another name, or use --force to replace the link itself"
        )
    raise ExportError(f"cannot write {shown}: it is {describe_kind(mode)}, not a regular file")


def _abbreviate(text: str, keep: int = 60) -> str:
    """A very long path shortened in the middle, so a message stays one readable line."""
    if len(text) <= 2 * keep + 5:
        return text
    return f"{text[:keep]}...{text[-keep:]} ({len(text)} characters)"


# --------------------------------------------------------------------------------------------
# leftovers


@dataclasses.dataclass
class Leftovers:
    """What :func:`clean_stale` found in a directory: files it ``removed`` (of dead processes of
    this host) and ``others`` it left (another host's, or of an older format) with their total
    size in bytes."""

    removed: list[Path] = dataclasses.field(default_factory=list)
    others: list[Path] = dataclasses.field(default_factory=list)
    others_bytes: int = 0

    def describe(self) -> str | None:
        """One line about the files left in place, or None if there are none."""
        if not self.others:
            return None
        directory = self.others[0].parent
        where = os.fspath(directory) if os.fspath(directory) != "." else "the current directory"
        count = len(self.others)
        return (
            f"{count} leftover temporary file{'s' if count != 1 else ''} (.hhtui-*.tmp, "
            f"{_size_text(self.others_bytes)}) in {where}, from another host or an older version; "
            "remove them if no hhtui is writing there"
        )


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a pid we made; leave it
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but belongs to someone else
    return True


def clean_stale(directory: PathLike) -> Leftovers:
    """Remove the temporary files that processes of this host which no longer exist left in
    ``directory``; report the other ``.hhtui-*.tmp``/``.bak`` files. Never raises."""
    found = Leftovers()
    base = Path(directory)
    try:
        entries = list(os.scandir(base))
    except OSError:
        return found
    for entry in entries:
        name = entry.name
        if not name.startswith(TEMP_PREFIX) or not _ANY_NAME.match(name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        match = _OWN_NAME.match(name)
        if match and match.group(1) == HOST_TAG:
            if _pid_alive(int(match.group(2))):
                continue
            try:
                os.unlink(base / name)
                found.removed.append(base / name)
            except OSError:
                pass
            continue
        found.others.append(base / name)
        found.others_bytes += st.st_size
    return found


# --------------------------------------------------------------------------------------------
# temporary files

_umask_lock = threading.Lock()


def _default_file_mode() -> int:
    """Mode that ``open()`` would give a new file: 0o666 less the process umask."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def _mode_for(target: Path) -> int:
    """Permission bits for the new file: those of the regular file it replaces, else the default."""
    try:
        st = os.lstat(target)
    except OSError:
        return _default_file_mode()
    if stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode)
    return _default_file_mode()


def _temp_prefix() -> str:
    return f"{TEMP_PREFIX}{HOST_TAG}-{os.getpid()}-"


def _unlink_quietly(path: Path | None) -> None:
    if path is None:
        return
    try:
        os.unlink(path)
    except OSError:
        pass


class _Digest:
    """A binary file that counts and hashes what is written through it; ``write`` also takes text
    (encoded as UTF-8), so one object serves text and binary fills."""

    #: ``write`` takes bytes (and buffers such as a memoryview) as well as text.
    takes_bytes = True

    def __init__(self, raw: IO[bytes], text: bool) -> None:
        self._raw = raw
        self._text = text
        self.size = 0
        self.sha256 = hashlib.sha256()

    def write(self, data: Any) -> int:
        chunk: bytes | memoryview
        if isinstance(data, str):
            if not self._text:
                raise TypeError("this file is binary: write bytes, not str")
            chunk = data.encode("utf-8")
        elif isinstance(data, (bytes, memoryview)):
            chunk = data
        else:
            chunk = bytes(data)
        self._raw.write(chunk)
        self.sha256.update(chunk)
        self.size += chunk.nbytes if isinstance(chunk, memoryview) else len(chunk)
        return len(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._raw.flush()

    def fileno(self) -> int:
        return self._raw.fileno()

    def record(self, name: str) -> dict[str, Any]:
        return {"name": name, "bytes": self.size, "sha256": self.sha256.hexdigest()}


Fill = Callable[[Any], object]
Content = str | bytes | Fill


def _new_temp(target: Path) -> tuple[int, Path]:
    with signals.deferred():
        fd, name = tempfile.mkstemp(prefix=_temp_prefix(), suffix=".tmp", dir=target.parent)
    return fd, Path(name)


def _write_temp(target: Path, content: Content, *, text: bool) -> tuple[Path, _Digest]:
    """A complete, synced temporary file beside ``target`` holding ``content``: a str (UTF-8), bytes,
    or a function given a file to write into (str when ``text``, else bytes). On any exception
    (KeyboardInterrupt included) nothing is left and the exception is re-raised (an OSError as
    :class:`ExportError`)."""
    mode = _mode_for(target)
    tmp: Path | None = None
    try:
        fd, tmp = _new_temp(target)
        with os.fdopen(fd, "wb", buffering=_BLOCK) as raw:
            sink = _Digest(raw, text=text or isinstance(content, str))
            if isinstance(content, (str, bytes, bytearray, memoryview)):
                sink.write(content)
            else:
                content(sink)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, mode)
    except BaseException as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from exc
        raise
    return tmp, sink


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


@contextlib.contextmanager
def _locked(directories: Sequence[Path]) -> Iterator[None]:
    """An exclusive ``flock`` on each directory (in a fixed order), so that writers to names in it
    take turns over their final renames. Best effort: a file system without flock is not locked."""
    import fcntl

    fds: list[int] = []
    try:
        for directory in sorted({os.path.abspath(d) for d in directories}):
            try:
                fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                continue
            fds.append(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                pass
        yield
    finally:
        for fd in reversed(fds):
            os.close(fd)  # closing the descriptor releases its lock


# --------------------------------------------------------------------------------------------
# writing


def write_atomic(path: PathLike, content: Content, *, force: bool = False, text: bool = True) -> Path:
    """Write one regular file atomically; returns its path.

    ``content`` is a str (written as UTF-8), bytes, or a function that is given a file object and
    writes into it (``text=True``: it may write str and bytes; ``text=False``: bytes only). The
    rules for what may be at ``path`` are those of :func:`check_target`. Errors are
    :class:`ExportError`; on any failure or interruption the file at ``path`` is left as it was
    and no temporary file remains.
    """
    target = check_target(path, force=force)
    clean_stale(target.parent)
    tmp, _ = _write_temp(target, content, text=text)
    _put_in_place([(tmp, target)], force=force)
    return target


def write_atomic_path(path: PathLike, produce: Callable[[Path], object], *, force: bool = False) -> Path:
    """Like :func:`write_atomic` for libraries that write to a file *name* (h5py, some image
    writers): ``produce`` is called with the name of a fresh, empty temporary file beside ``path``
    (same directory, so the final rename is atomic) and must write the whole file there."""
    target = check_target(path, force=force)
    clean_stale(target.parent)
    mode = _mode_for(target)
    tmp: Path | None = None
    try:
        fd, tmp = _new_temp(target)
        os.close(fd)
        produce(tmp)
        st = os.lstat(tmp)
        if not stat.S_ISREG(st.st_mode):
            raise ExportError(f"cannot write {os.fspath(path)}: the writer did not produce a regular file")
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
    except BaseException as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from exc
        raise
    _put_in_place([(tmp, target)], force=force)
    return target


def write_pair(
    data_path: PathLike,
    fill: Content,
    sidecar_path: PathLike,
    make_sidecar: Callable[[dict[str, Any]], str | bytes],
    *,
    force: bool = False,
) -> tuple[Path, Path]:
    """Write a data file and its sidecar as one unit; returns ``(data_path, sidecar_path)``.

    ``fill`` is the data file's content as for :func:`write_atomic` (text). ``make_sidecar`` is
    given the data file's record ``{"name": <file name>, "bytes": <size>, "sha256": <hex>}`` once
    the data file is complete, and returns the sidecar's text; it should store the record (as
    ``"data_file"``) so :func:`verify_pair` can check the pair. See the module's description for
    the order and the lock that make the pair one unit.
    """
    data_target = check_target(data_path, force=force)
    side_target = check_target(sidecar_path, force=force)
    if os.path.abspath(data_target) == os.path.abspath(side_target):
        raise ExportError(f"cannot write {os.fspath(data_path)}: the data file and its sidecar have the same name")
    clean_stale(data_target.parent)
    tmp_data, digest = _write_temp(data_target, fill, text=True)
    tmp_side: Path | None = None
    try:
        sidecar = make_sidecar(digest.record(data_target.name))
        tmp_side, _ = _write_temp(side_target, sidecar, text=True)
    except BaseException:
        _unlink_quietly(tmp_data)
        _unlink_quietly(tmp_side)
        raise
    _put_in_place([(tmp_side, side_target), (tmp_data, data_target)], force=force)
    return data_target, side_target


def _put_in_place(moves: list[tuple[Path, Path]], *, force: bool) -> None:
    """Rename each temporary file onto its target, in order, as one step: under the directory lock,
    with termination signals held back, each target checked again first. If a rename fails, the
    targets already replaced are put back as they were. The temporary files never remain."""
    backups: list[tuple[Path, Path | None]] = []  # (target, copy of what was there, or None)
    done: list[Path] = []
    error: BaseException | None = None
    try:
        with signals.deferred(), _locked([target.parent for _, target in moves]):
            try:
                for _, target in moves:
                    check_target(target, force=force)  # nothing planted since the first check
                for index, (tmp, target) in enumerate(moves):
                    if index < len(moves) - 1:
                        backups.append((target, _backup(target)))
                    os.replace(tmp, target)
                    done.append(target)
            except BaseException as exc:  # noqa: BLE001 - rolled back, then re-raised below
                error = exc
                _roll_back(backups, done)
            for _, copy in backups:
                _unlink_quietly(copy)
            if error is None:
                for directory in sorted({target.parent for _, target in moves}):
                    _sync_dir(directory)
    except KeyboardInterrupt as exc:
        # A signal held back during the renames is raised here, once the block is over: say
        # what is on disk (the whole unit, or nothing new).
        # (the last renamed, i.e. the data file of a pair, first)
        exc.written = [target for _, target in reversed(moves)] if error is None else []  # type: ignore[attr-defined]
        raise
    finally:
        for tmp, target in moves:
            if target not in done:
                _unlink_quietly(tmp)
    if error is not None:
        if isinstance(error, OSError):
            failed = moves[len(done)][1] if len(done) < len(moves) else moves[-1][1]
            raise _write_error(failed, error) from error
        raise error


def _backup(target: Path) -> Path | None:
    """A hidden hard link to the regular file at ``target`` (to put it back if the next rename
    fails), or None if there is none."""
    try:
        st = os.lstat(target)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    with signals.deferred():
        fd, name = tempfile.mkstemp(prefix=_temp_prefix(), suffix=".bak", dir=target.parent)
    os.close(fd)
    copy = Path(name)
    try:
        os.unlink(copy)
        os.link(target, copy)
    except OSError:
        import shutil

        shutil.copy2(target, copy)
    return copy


def _roll_back(backups: list[tuple[Path, Path | None]], done: list[Path]) -> None:
    for target, copy in backups:
        if target not in done:
            continue
        try:
            if copy is not None:
                os.replace(copy, target)
            else:
                os.unlink(target)
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# reading


def read_input(path: PathLike, *, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` bytes.

    A FIFO, device, socket or directory is refused before it is opened (never blocks); a file
    larger than ``limit`` is refused with its size and the limit. ``what`` names the kind of file
    in that message ("CSV file", "JSON file"). Errors are :class:`ExportError`.
    """
    shown = _abbreviate(os.fspath(path))
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise ExportError(f"cannot read {shown}: file does not exist") from None
        raise ExportError(f"cannot read {shown}: {_reason(exc)}") from None
    _check_input(shown, st, limit, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ExportError(f"cannot read {shown}: {_reason(exc)}") from None
    try:
        _check_input(shown, os.fstat(fd), limit, what)  # the name may have changed since the stat
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_BLOCK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ExportError(f"cannot read {shown}: larger than the {_size_text(limit)} limit for a {what}")
    except OSError as exc:
        raise ExportError(f"cannot read {shown}: {_reason(exc)}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _check_input(shown: str, st: os.stat_result, limit: int, what: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise ExportError(f"cannot read {shown}: it is {describe_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise ExportError(
            f"cannot read {shown}: it is {_size_text(st.st_size)}, more than the {_size_text(limit)} limit for a {what}"
        )


def verify_pair(data_path: PathLike, record: Mapping[str, Any] | None) -> str | None:
    """Check a data file against the record its sidecar holds (``record`` is the sidecar's
    ``"data_file"``). Returns None when they match, else one line saying how they differ (the
    pair then comes from two different runs, or the data file was changed)."""
    shown = os.fspath(data_path)
    if not isinstance(record, Mapping) or not {"bytes", "sha256"} <= set(record):
        return f"{shown}: its sidecar records no size and checksum (written by an older version?)"
    try:
        st = os.stat(data_path)
    except OSError as exc:
        return f"{shown}: {_reason(exc)}"
    if st.st_size != record["bytes"]:
        return f"{shown} is {st.st_size} bytes but its sidecar describes one of {record['bytes']} bytes"
    digest = hashlib.sha256()
    try:
        with open(data_path, "rb") as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                digest.update(block)
    except OSError as exc:
        return f"{shown}: {_reason(exc)}"
    if digest.hexdigest() != record["sha256"]:
        return f"{shown} does not match the checksum its sidecar records (they come from different runs)"
    return None
