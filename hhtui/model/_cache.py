"""Where the compiled kernels are kept on disk: per user, never inside the installed package.

numba's own ``cache=True`` writes next to the source, into the package's ``__pycache__``. An
installed package must never be written to: pip does not remove such files on uninstall, and the
left-over ``hhtui/`` directory is then imported (as an empty namespace package) ahead of a later
editable install. The kernels are therefore cached in

1. ``$HHTUI_CACHE_DIR``, if set; else
2. ``$NUMBA_CACHE_DIR/hhtui``, if numba's own cache directory is set; else
3. the platform's per-user cache directory: ``$XDG_CACHE_HOME/hhtui`` (by default
   ``~/.cache/hhtui``) on Linux and other Unix systems, ``~/Library/Caches/hhtui`` on macOS,
   ``%LOCALAPPDATA%\\hhtui\\Cache`` on Windows,

under a subdirectory per version (``<version>/``) and, inside it, one per source directory, so
that two installs of one version (a plain and an editable one, say) never evict each other's
entries. numba keys every entry on its source file, its own version and the CPU; here the key
also holds the files of every kernel it calls (their code is inlined into its machine code), so
a stale entry is never used. Deleting the directory at any time is safe: the next start compiles
again.

If the directory cannot be created or written to, or an entry cannot be read or written, the
kernels are compiled in memory for the running process only: slower starts, no error, no warning.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Environment variable naming the directory of the kernel cache (it replaces ``~/.cache/hhtui``).
CACHE_DIR_VARIABLE = "HHTUI_CACHE_DIR"


def _platform_cache_home() -> Path:
    """The per-user cache directory of the platform (it may not exist yet)."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "")
        return Path(local) if local else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG specification says to ignore a relative path.
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"


def cache_root() -> Path | None:
    """The directory holding hhtui's kernel cache (all versions), or None if there is no home.

    Nothing is created or checked on disk here.
    """
    chosen = os.environ.get(CACHE_DIR_VARIABLE, "")
    if chosen:
        return Path(chosen).expanduser().absolute()
    numba_dir = os.environ.get("NUMBA_CACHE_DIR", "")
    if numba_dir:
        return Path(numba_dir).expanduser().absolute() / "hhtui"
    try:
        home = _platform_cache_home()
    except (RuntimeError, KeyError, OSError):  # no home directory to be found
        return None
    if sys.platform == "win32":
        return (home / "hhtui" / "Cache").absolute()
    return (home / "hhtui").absolute()


def kernel_cache_dir() -> Path | None:
    """The directory of this version's compiled kernels (``<cache root>/<version>``), or None."""
    from hhtui import __version__

    root = cache_root()
    return None if root is None else root / __version__


def source_files(py_func: Callable[..., Any]) -> list[str]:
    """The source files of a kernel and of every kernel it calls, directly or not (sorted)."""
    import types

    from ._jit import dependencies

    module = sys.modules.get(py_func.__module__)
    scope = module.__dict__ if module is not None else py_func.__globals__
    original = types.FunctionType(py_func.__code__, scope, py_func.__name__)
    return sorted({os.path.abspath(f.__code__.co_filename) for f in dependencies(original)})


@functools.cache
def _cache_class(directory: str) -> Any:
    """numba's per-function cache, located under ``directory`` and tolerant of any disk failure.

    None if numba's caching internals are not the ones expected: then nothing is cached at all
    (rather than numba's default, inside the package).
    """
    try:
        from numba.core import caching

        locator_base = caching._CacheLocator
        source_mixin = caching._SourceFileBackedLocatorMixin
        impl_base = caching.CompileResultCacheImpl
        cache_base = caching.FunctionCache
    except (ImportError, AttributeError):  # pragma: no cover - depends on numba's internals
        return None

    class KernelCacheLocator(source_mixin, locator_base):  # type: ignore[misc, valid-type]
        """The cache of one source file's kernels: ``<directory>/<source dir name>_<hash of its path>``.

        numba's ``from_function`` (inherited) creates the directory and checks that a file can be
        written there; if not, no locator is found and the kernel is compiled in memory.
        """

        def __init__(self, py_func: Callable[..., Any], py_file: str) -> None:
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._sources = source_files(py_func)
            self._cache_path = os.path.join(directory, self.get_suitable_cache_subpath(py_file))

        def get_cache_path(self) -> str:
            return self._cache_path

        def get_source_stamp(self) -> Any:
            """The modification times and sizes of the kernel's source file and of the files of
            every kernel it calls (inlined into its machine code), so that an entry compiled
            before any of them changed is never loaded."""
            stamps = []
            for path in self._sources:
                st = os.stat(path)
                stamps.append((st.st_mtime, st.st_size))
            return tuple(stamps)

    class KernelCacheImpl(impl_base):  # type: ignore[misc, valid-type]
        _locator_classes = [KernelCacheLocator]

    class KernelCache(cache_base):  # type: ignore[misc, valid-type]
        """A function cache that never fails a compilation: a bad entry or disk means no cache."""

        _impl_class = KernelCacheImpl

        def load_overload(self, sig: Any, target_context: Any) -> Any:
            try:
                return super().load_overload(sig, target_context)
            except Exception:  # unreadable, damaged or foreign entry: compile afresh
                return None

        def save_overload(self, sig: Any, data: Any) -> None:
            try:
                super().save_overload(sig, data)
            except Exception:  # read-only or full disk: the kernel stays in memory
                pass

    return KernelCache


def attach_cache(dispatcher: Any) -> bool:
    """Give a numba dispatcher (compiled without ``cache=True``) the on-disk kernel cache.

    Returns whether the cache is in use; False (the kernel compiled in memory only) when the cache
    directory is unusable or numba's internals differ. Never raises.
    """
    directory = kernel_cache_dir()
    if directory is None:
        return False
    cache_class = _cache_class(str(directory))
    if cache_class is None or not hasattr(dispatcher, "_cache"):
        return False
    try:
        cache = cache_class(dispatcher.py_func)
    except Exception:  # no usable directory (numba finds no locator), or anything unexpected
        return False
    dispatcher._cache = cache
    return True
