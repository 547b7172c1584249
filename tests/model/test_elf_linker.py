"""The in-memory linker of the kernels' object files: it links what it knows, refuses the rest,
and the kernel is then linked by llvmlite with the same result."""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from hhtui.model._jit import JIT_ENABLED

pytestmark = [
    pytest.mark.skipif(not JIT_ENABLED, reason="the kernels are not compiled (HHTUI_NO_JIT)"),
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or os.uname().machine != "x86_64",
        reason="the linker handles x86-64 Linux object files only",
    ),
]


def _sum_of_squares(values: np.ndarray, out: np.ndarray) -> None:
    total = 0.0
    for value in values:
        total += value * value
    out[0] = total


def _object_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> bytes:
    """The object code of a small kernel, compiled into a fresh cache."""
    from hhtui.model._jit import entry
    from hhtui.model._native import _unseal

    monkeypatch.setenv("HHTUI_CACHE_DIR", str(tmp_path / "cache"))
    out = np.zeros(1)
    entry(_sum_of_squares, "f8[:] f8[:]")(np.arange(4.0), out)
    assert out[0] == 14.0
    (path,) = (tmp_path / "cache").rglob("native/*.o")
    data = _unseal(path.read_bytes())
    assert data is not None
    return data


def _call(address: int, values: np.ndarray) -> float:
    """Call a linked wrapper of ``_sum_of_squares`` (pointer and length of each array)."""
    function = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)(address)
    out = np.zeros(1)
    function(values.ctypes.data, values.size, out.ctypes.data, 1)
    return float(out[0])


def test_a_linked_object_runs_in_this_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hhtui.model import _elf
    from hhtui.model._native import _outside_address

    linked = _elf.link(_object_code(monkeypatch, tmp_path), _outside_address)
    assert linked is not None
    (wrapper,) = [name for name in linked.symbols if name.startswith("cfunc.")]
    assert _call(linked.symbols[wrapper], np.array([1.0, 2.0, 3.0])) == 14.0


def _with_relocation_type(data: bytes, kind: int) -> bytes:
    """``data`` with the type of its first relocation of the program's code changed to ``kind``."""
    changed = bytearray(data)
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = sections[shstrndx]
    for section in sections:
        name_at = names[4] + section[0]
        name = data[name_at : data.index(b"\0", name_at)]
        if section[1] == 4 and name != b".rela.eh_frame":  # SHT_RELA
            (info,) = struct.unpack_from("<Q", data, section[4] + 8)
            struct.pack_into("<Q", changed, section[4] + 8, (info & ~0xFFFFFFFF) | kind)
            return bytes(changed)
    raise AssertionError("no relocation found")


def test_what_the_linker_does_not_handle_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hhtui.model import _elf
    from hhtui.model._native import _outside_address

    data = _object_code(monkeypatch, tmp_path)
    assert _elf.link(_with_relocation_type(data, 2), _outside_address) is None  # R_X86_64_PC32
    assert _elf.link(data[:18] + struct.pack("<H", 183) + data[20:], _outside_address) is None  # AArch64
    assert _elf.link(data[:16] + struct.pack("<H", 3) + data[18:], _outside_address) is None  # a shared object
    assert _elf.link(data, lambda name: 0) is None  # no symbol of the process found
    assert _elf.link(b"\x7fELF\x01\x01" + bytes(100), _outside_address) is None


def test_an_object_the_linker_refuses_is_linked_by_llvmlite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hhtui.model import _elf
    from hhtui.model._jit import entry

    _object_code(monkeypatch, tmp_path)
    monkeypatch.setattr(_elf, "link", lambda data, outside: None)
    later = entry(_sum_of_squares, "f8[:] f8[:]")  # as in a later process
    out = np.zeros(1)
    later(np.array([2.0, 3.0]), out)
    assert out[0] == 13.0 and later.origin == "object file"  # type: ignore[attr-defined]
    assert "llvmlite" in type(later._keep).__module__  # type: ignore[attr-defined]
