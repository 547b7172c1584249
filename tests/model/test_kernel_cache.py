"""The on-disk cache of compiled kernels: where it lives, and that no disk failure ever matters."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import hhtui
from hhtui.model import _cache
from hhtui.model._jit import JIT_ENABLED, njit

needs_jit = pytest.mark.skipif(not JIT_ENABLED, reason="the kernels are not compiled (HHTUI_NO_JIT)")
unix_only = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG layout is for Linux and Unix")


def _scaled_sum(values: Any, factor: float) -> float:
    total = 0.0
    for value in values:
        total += factor * value
    return total


def _cache_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HHTUI_CACHE_DIR", "NUMBA_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)


def _kernel_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".nbi", ".nbc")) if directory.exists() else []


def _hits(kernel: Any) -> int:
    return sum(kernel.stats.cache_hits.values())


# --- where the cache is ------------------------------------------------------------------------


@unix_only
def test_the_cache_is_in_the_users_xdg_cache_home_under_the_version(monkeypatch, tmp_path):
    _cache_variables(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _cache.cache_root() == tmp_path / "xdg" / "hhtui"
    assert _cache.kernel_cache_dir() == tmp_path / "xdg" / "hhtui" / hhtui.__version__


@unix_only
def test_without_xdg_cache_home_the_cache_is_in_dot_cache(monkeypatch, tmp_path):
    _cache_variables(monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _cache.cache_root() == tmp_path / "home" / ".cache" / "hhtui"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the XDG specification says to ignore it
    assert _cache.cache_root() == tmp_path / "home" / ".cache" / "hhtui"


def test_numba_cache_dir_is_honoured_and_hhtui_cache_dir_overrides_everything(monkeypatch, tmp_path):
    _cache_variables(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    assert _cache.cache_root() == tmp_path / "numba" / "hhtui"
    monkeypatch.setenv("HHTUI_CACHE_DIR", str(tmp_path / "mine"))
    assert _cache.cache_root() == tmp_path / "mine"
    assert _cache.kernel_cache_dir() == tmp_path / "mine" / hhtui.__version__


def test_a_relative_cache_directory_is_made_absolute(monkeypatch, tmp_path):
    _cache_variables(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HHTUI_CACHE_DIR", "here")
    assert _cache.cache_root() == tmp_path / "here"


# --- what is written, and where ----------------------------------------------------------------


@needs_jit
def test_a_kernel_is_cached_in_the_cache_directory_and_loaded_from_it_later(monkeypatch, tmp_path):
    _cache_variables(monkeypatch)
    monkeypatch.setenv("HHTUI_CACHE_DIR", str(tmp_path / "cache"))
    import numpy as np

    values = np.arange(5.0)
    first = njit(_scaled_sum)
    assert first(values, 2.0) == 20.0
    assert _hits(first) == 0
    written = _kernel_files(tmp_path / "cache" / hhtui.__version__)
    assert any(p.suffix == ".nbi" for p in written) and any(p.suffix == ".nbc" for p in written)

    again = njit(_scaled_sum)  # as in a later process: a fresh dispatcher of the same source
    assert again(values, 2.0) == 20.0
    assert _hits(again) == 1
    assert not _kernel_files(Path(__file__).parent), "a kernel was cached next to its source"


@needs_jit
def test_an_uncreatable_cache_directory_compiles_in_memory_quietly(monkeypatch, tmp_path, capfd):
    _cache_variables(monkeypatch)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    monkeypatch.setenv("HHTUI_CACHE_DIR", str(blocker / "cache"))
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kernel = njit(_scaled_sum)
        assert kernel(np.arange(3.0), 1.0) == 3.0
    assert capfd.readouterr().err == ""
    assert blocker.read_text() == "not a directory\n"
    assert not _kernel_files(Path(__file__).parent)
    assert not _kernel_files(Path(_cache.__file__).parent)


@needs_jit
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only directories")
def test_a_read_only_cache_directory_compiles_in_memory_quietly(monkeypatch, tmp_path, capfd):
    _cache_variables(monkeypatch)
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o500)
    monkeypatch.setenv("HHTUI_CACHE_DIR", str(read_only))
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert njit(_scaled_sum)(np.arange(3.0), 1.0) == 3.0
        assert capfd.readouterr().err == ""
        assert list(read_only.iterdir()) == []
    finally:
        read_only.chmod(0o700)


@needs_jit
def test_a_cache_directory_that_goes_away_before_the_save_costs_only_the_cache(monkeypatch, tmp_path, capfd):
    _cache_variables(monkeypatch)
    monkeypatch.setenv("HHTUI_CACHE_DIR", str(tmp_path / "cache"))
    import numpy as np

    kernel = njit(_scaled_sum)  # the cache directory is made (and found writable) here
    root = tmp_path / "cache"
    for path in sorted(root.rglob("*"), reverse=True):
        path.rmdir()
    root.rmdir()
    root.write_text("a file where the directory was\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kernel(np.arange(4.0), 1.0) == 6.0
    assert capfd.readouterr().err == ""


@needs_jit
def test_a_damaged_cache_entry_is_compiled_afresh(monkeypatch, tmp_path, capfd):
    _cache_variables(monkeypatch)
    monkeypatch.setenv("HHTUI_CACHE_DIR", str(tmp_path / "cache"))
    import numpy as np

    assert njit(_scaled_sum)(np.arange(4.0), 1.0) == 6.0
    entries = _kernel_files(tmp_path / "cache")
    assert entries
    for entry in entries:
        entry.write_bytes(b"\x00garbage")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert njit(_scaled_sum)(np.arange(4.0), 1.0) == 6.0
    assert capfd.readouterr().err == ""
