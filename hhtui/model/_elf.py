"""A minimal linker for the kernels' object files: x86-64 Linux, relocatable ELF, in memory.

Loading an object file with llvmlite's just-in-time linker means loading LLVM itself (a shared
library of about 100 MB) and initialising its code generator: about 30 ms of CPU time at every
start, more than a ``hhtui run`` of 1000 ms spends integrating. The object files that numba
writes for the kernels are simple: machine code and constants (sections ``.ltext``,
``.lrodata``, ``.rodata*``), 64-bit absolute relocations only (``R_X86_64_64``: numba compiles
for the large code model), and a few outside symbols (the Python C API, the C library, and
three helpers of numba's reached only on error paths). :func:`link` lays those sections out in
an anonymous memory mapping, writes the relocated addresses, and makes the mapping executable
and read-only. Anything else (another machine or relocation type, a writable section, a symbol
it cannot find) and it returns None, so the caller falls back on llvmlite, which handles every
object file.

The three helpers are written here in machine code, doing what ``_HELPERS_IR`` in
:mod:`hhtui.model._native` says (taking and releasing the GIL; releasing nothing).
"""

from __future__ import annotations

import ctypes
import mmap
import struct
from collections.abc import Callable

_EM_X86_64 = 62
_ET_REL = 1
_SHT_NOBITS = 8
_SHT_RELA = 4
_SHT_SYMTAB = 2
_SHF_WRITE = 0x1
_SHF_ALLOC = 0x2
_SHN_UNDEF = 0
_SHN_ABS = 0xFFF1
_R_X86_64_64 = 1
_PAGE = mmap.PAGESIZE


def _helpers(ensure: int, release: int) -> dict[str, bytes]:
    """Machine code of the three helpers, given the addresses of PyGILState_Ensure and
    PyGILState_Release."""
    return {
        # void numba_gil_ensure(int32 *state) { *state = PyGILState_Ensure(); }
        "numba_gil_ensure": b"\x53"  # push rbx (also aligns the stack for the call)
        + b"\x48\x89\xfb"  # mov rbx, rdi
        + b"\x48\xb8"
        + struct.pack("<Q", ensure)  # movabs rax, PyGILState_Ensure
        + b"\xff\xd0"  # call rax
        + b"\x89\x03"  # mov [rbx], eax
        + b"\x5b"  # pop rbx
        + b"\xc3",  # ret
        # void numba_gil_release(int32 *state) { PyGILState_Release(*state); }
        "numba_gil_release": b"\x8b\x3f"  # mov edi, [rdi]
        + b"\x48\xb8"
        + struct.pack("<Q", release)  # movabs rax, PyGILState_Release
        + b"\xff\xe0",  # jmp rax
        # void NRT_MemInfo_call_dtor(void *meminfo) { }
        "NRT_MemInfo_call_dtor": b"\xc3",  # ret
    }


class Linked:
    """Machine code linked into this process (kept alive as long as this object)."""

    def __init__(self, memory: mmap.mmap, symbols: dict[str, int]) -> None:
        self._memory = memory
        #: address of every global function the object defines, by name
        self.symbols = symbols


def _align(offset: int, alignment: int) -> int:
    alignment = max(1, alignment)
    return -(-offset // alignment) * alignment


def link(data: bytes, outside: Callable[[str], int]) -> Linked | None:
    """Link the relocatable object ``data`` into executable memory; ``outside(name)`` gives the
    address of a symbol it does not define (0 if unknown). None if this linker cannot do it."""
    if len(data) < 64 or data[:6] != b"\x7fELF\x02\x01":
        return None
    e_type, e_machine = struct.unpack_from("<HH", data, 0x10)
    if e_type != _ET_REL or e_machine != _EM_X86_64:
        return None
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    # (name, type, flags, addr, offset, size, link, info, addralign, entsize)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    symtabs = [index for index, section in enumerate(sections) if section[1] == _SHT_SYMTAB]
    if len(symtabs) != 1:
        return None
    symtab = sections[symtabs[0]]
    strtab = sections[symtab[6]]
    names = data[strtab[4] : strtab[4] + strtab[5]]

    def name_at(offset: int) -> str:
        return names[offset : names.index(b"\0", offset)].decode()

    # the sections loaded: those of the program, without the unwinding tables (nothing unwinds
    # through the kernels); a writable one is left to llvmlite
    loaded = {
        index: section
        for index, section in enumerate(sections)
        if section[2] & _SHF_ALLOC and section[5] and section[1] != 0x70000001  # SHT_X86_64_UNWIND
    }
    if any(section[2] & _SHF_WRITE for section in loaded.values()):
        return None
    symbols = []
    for offset in range(symtab[4], symtab[4] + symtab[5], symtab[9]):
        st_name, info, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", data, offset)
        symbols.append((name_at(st_name) if st_name else "", info, shndx, value))
    undefined = sorted({name for name, _, shndx, _ in symbols if shndx == _SHN_UNDEF and name})
    ensure, release = outside("PyGILState_Ensure"), outside("PyGILState_Release")
    if not ensure or not release:
        return None
    helpers = _helpers(ensure, release)

    layout: dict[int, int] = {}
    size = 0
    for index, section in loaded.items():
        size = _align(size, section[8])
        layout[index] = size
        size += section[5]
    stubs: dict[str, int] = {}
    addresses: dict[str, int] = {}
    for name in undefined:
        if name in helpers:
            size = _align(size, 16)
            stubs[name] = size
            size += len(helpers[name])
        else:
            address = outside(name)
            if not address:
                return None
            addresses[name] = address
    memory = mmap.mmap(-1, _align(max(size, 1), _PAGE), prot=mmap.PROT_READ | mmap.PROT_WRITE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(memory))
    for index, section in loaded.items():
        if section[1] != _SHT_NOBITS:
            memory[layout[index] : layout[index] + section[5]] = data[section[4] : section[4] + section[5]]
    for name, at in stubs.items():
        memory[at : at + len(helpers[name])] = helpers[name]
        addresses[name] = base + at

    def address_of(symbol: int) -> int | None:
        name, _, shndx, value = symbols[symbol]
        if shndx == _SHN_UNDEF:
            return addresses.get(name)
        if shndx == _SHN_ABS:
            return value
        if shndx in layout:
            return base + layout[shndx] + value
        return None

    for section in sections:
        if section[1] != _SHT_RELA or section[7] not in layout:
            continue  # the unwinding tables' relocations, with the tables
        if section[6] != symtabs[0]:
            return None
        target = layout[section[7]]
        for offset in range(section[4], section[4] + section[5], section[9]):
            r_offset, r_info, addend = struct.unpack_from("<QQq", data, offset)
            if r_info & 0xFFFFFFFF != _R_X86_64_64:
                return None
            symbol = address_of(r_info >> 32)
            if symbol is None:
                return None
            struct.pack_into("<Q", memory, target + r_offset, (symbol + addend) & 0xFFFFFFFFFFFFFFFF)
    defined = {
        name: found
        for index, (name, info, _, _) in enumerate(symbols)
        if name and info >> 4 == 1 and info & 0xF == 2 and (found := address_of(index)) is not None
    }
    if not _protect(base, len(memory)):
        return None
    return Linked(memory, defined)


def _protect(address: int, size: int) -> bool:
    """Make the mapping at ``address`` read-only and executable (False if the system refuses)."""
    libc = ctypes.CDLL(None, use_errno=True)
    mprotect = libc.mprotect
    mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    mprotect.restype = ctypes.c_int
    return mprotect(address, size, mmap.PROT_READ | mmap.PROT_EXEC) == 0
