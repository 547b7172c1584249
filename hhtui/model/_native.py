"""Kernels called from Python, kept as object files that load without numba.

Importing numba and loading a kernel from its cache costs about half a second of CPU time (numba
initialises its whole compiler to do so); a ``hhtui run`` of 1000 ms computes for a few
hundredths of a second. So the kernels that Python calls (the population loop, the rate table,
the CSV number formatter) are compiled once by numba as C-callable functions (``numba.cfunc``)
around the very same compiled code, and their machine code is saved as an object file in the
kernel cache (:func:`hhtui.model._cache.kernel_cache_dir`, under ``native/``). A later process
links it into memory itself (:mod:`hhtui.model._elf`, on x86-64; elsewhere, or for an object file
that linker does not handle, with llvmlite's just-in-time linker) and calls it through ctypes,
which releases the GIL, so threads can run a kernel on several cores at once.

An object file is used only when everything it was made from is unchanged: its name carries a
hash of the source files of the kernel and of every kernel it calls, the numba, llvmlite and
Python versions, and the CPU (its model and features, as /proc/cpuinfo lists them). The hash holds
what the files say, not where they are: another install of the same sources (a plain and an
editable install of one checkout, say) links the object file the first one made, and keeps a copy
under its own name (each install's files are replaced only when its own sources change). It is used
only if it is whole (its SHA-256 is stored with it) and an ELF file whose every outside symbol is
known (the Python C API, the C library, or the three small numba helpers defined here); anything
else, or any failure, and the kernel is compiled again by numba, as on the first start.
Deleting the cache is always safe. Elsewhere than on Linux (no ELF) the kernels are numba's,
loaded from its cache as before.

Arguments are written as ``i8`` (an integer), ``f8`` (a float), or an array ``f8[:]``,
``f8[:, :]``, ``i8[:]``, ``u1[:]``, ... (float64, int64 or uint8, C-contiguous, any number of
dimensions); an array reaches the compiled function as a pointer and its shape.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import _elf
from ._jit import Kernel, dependencies

_DTYPES = {"f8": np.dtype(np.float64), "i8": np.dtype(np.int64), "u1": np.dtype(np.uint8)}
_CTYPES: dict[str, Any] = {"i8": ctypes.c_int64, "f8": ctypes.c_double, "void": None}

#: Helpers of numba's that a compiled function refers to only on its error paths (raising an
#: exception with the GIL taken back; releasing an array that numba allocated). The kernels
#: here raise nothing and allocate nothing, so these are never reached; they are defined in
#: LLVM's language so that the object files link without numba's own libraries.
_HELPERS_IR = r"""
declare i32 @PyGILState_Ensure()
declare void @PyGILState_Release(i32)
define void @numba_gil_ensure(ptr %state) {
  %s = call i32 @PyGILState_Ensure()
  store i32 %s, ptr %state
  ret void
}
define void @numba_gil_release(ptr %state) {
  %s = load i32, ptr %state
  call void @PyGILState_Release(i32 %s)
  ret void
}
define void @NRT_MemInfo_call_dtor(ptr %meminfo) {
  ret void
}
"""
_HELPERS = ("numba_gil_ensure", "numba_gil_release", "NRT_MemInfo_call_dtor")

_llvm_lock = threading.Lock()
_entry_lock = threading.RLock()
_llvm: Any = None


def parse_args(args: str) -> list[tuple[str, int]]:
    """``"i8 f8[:, :]"`` -> [("i8", 0), ("f8", 2)]: (type, number of dimensions; 0 for a scalar)."""
    parsed = []
    for word in args.replace(", ", ",").split():
        kind, _, dims = word.partition("[")
        if kind not in _DTYPES:
            raise ValueError(f"unknown argument type {word!r}")
        parsed.append((kind, dims.count(":") if dims else 0))
    return parsed


def _wrapper_source(spec: list[tuple[str, int]], returns: str, packed: int = 0) -> str:
    """Python source of the C-callable wrapper: pointers and shapes in, arrays to the kernel (the
    first ``packed`` of them as one named tuple, ``Packed``)."""
    params, passed = [], []
    for k, (_, ndim) in enumerate(spec):
        if ndim == 0:
            params.append(f"a{k}")
            passed.append(f"a{k}")
        else:
            shape = [f"a{k}_{d}" for d in range(ndim)]
            params += [f"a{k}", *shape]
            passed.append(f"carray(a{k}, ({', '.join(shape)},))")
    if packed:
        passed = [f"Packed({', '.join(passed[:packed])})", *passed[packed:]]
    call = f"kernel({', '.join(passed)})"
    body = f"    {call}\n" if returns == "void" else f"    return {call}\n"
    return f"def wrapper({', '.join(params)}):\n{body}"


def _c_signature(spec: list[tuple[str, int]], returns: str) -> tuple[Any, list[Any]]:
    """(numba signature, ctypes argument types) of the wrapper."""
    from numba import types

    scalar = {"f8": types.float64, "i8": types.int64, "u1": types.uint8}
    numba_args: list[Any] = []
    c_args: list[Any] = []
    for kind, ndim in spec:
        if ndim == 0:
            numba_args.append(scalar[kind])
            c_args.append(_CTYPES[kind])
        else:
            numba_args.append(types.CPointer(scalar[kind]))
            numba_args += [types.int64] * ndim
            c_args += [ctypes.c_void_p] + [ctypes.c_int64] * ndim
    result = types.void if returns == "void" else scalar[returns]
    return result(*numba_args), c_args


def _source_key(entry: Entry) -> str:
    """Hash of everything the machine code depends on (see the module docstring)."""
    digest = hashlib.sha256()
    digest.update(f"{entry.args}|{entry.returns}|{entry.py_func.__module__}.{entry.__qualname__}".encode())
    files = {_resolved(__file__), _resolved(sys.modules[Kernel.__module__].__file__ or "")}
    if entry.packed is not None:
        digest.update(f"|{entry.packed.__module__}.{entry.packed.__qualname__}{entry.packed._fields}".encode())
        files.add(_resolved(sys.modules[entry.packed.__module__].__file__ or ""))
    for function in dependencies(entry.py_func):
        files.add(_resolved(function.__code__.co_filename))
    for package in ("numba", "llvmlite"):
        files.add(_version_file(package))
    for label, path in sorted((_label(path), path) for path in files):
        digest.update(label.encode())
        digest.update(_contents(path))
    digest.update(sys.version.encode())
    for name in ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES", "NUMBA_OPT", "NUMBA_FASTMATH"):
        digest.update(f"{name}={os.environ.get(name, '')}".encode())
    digest.update(_cpu_identity().encode())
    return digest.hexdigest()[:24]


#: The fields of /proc/cpuinfo that say which processor this is and what its instructions are.
_CPU_FIELDS = (
    "vendor_id",
    "cpu family",
    "model",
    "model name",
    "stepping",
    "flags",
    "CPU implementer",
    "CPU architecture",
    "CPU variant",
    "CPU part",
    "Features",
    "isa",
)
_cpu: list[str] = []


def _cpu_identity() -> str:
    """The processor the machine code is made for: its model and instruction-set features as
    Linux lists them for the first CPU (read without loading LLVM), or else as LLVM detects them."""
    if not _cpu:
        fields = []
        try:
            text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        for line in text.splitlines():
            if not line.strip():
                break  # the first processor only
            key, _, value = line.partition(":")
            if key.strip() in _CPU_FIELDS:
                fields.append(f"{key.strip()}={value.strip()}")
        if any(field.startswith(("flags=", "Features=", "isa=")) for field in fields):
            _cpu.append("cpuinfo|" + "|".join(fields))
        else:
            llvm = _load_llvm()
            _cpu.append(f"llvm|{llvm.get_host_cpu_name()}|{llvm.get_host_cpu_features().flatten()}")
    return _cpu[0]


@functools.cache
def _resolved(name: str) -> Path:
    """The absolute path of a file, links resolved (found once per process)."""
    return Path(name).resolve()


@functools.cache
def _contents(path: Path) -> bytes:
    """A source file's bytes, read once per process (the modules it holds are loaded already)."""
    return path.read_bytes()


@functools.cache
def _label(path: Path) -> str:
    """The name of a source file within its top-level package (``hhtui/model/integrators.py``),
    the same wherever the package is installed (found once per process)."""
    top = path.parent
    while (top / "__init__.py").is_file() and top.parent != top:
        top = top.parent
    return path.relative_to(top).as_posix()


@functools.cache
def _version_file(package: str) -> Path:
    """The file holding an installed package's version, found without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(package)
    return Path(next(iter(spec.submodule_search_locations))) / "_version.py"


def _load_llvm() -> Any:
    """llvmlite's binding, its native target initialised (once)."""
    global _llvm
    with _llvm_lock:
        if _llvm is None:
            import llvmlite.binding as llvm  # type: ignore[import-untyped]

            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            _llvm = llvm
    return _llvm


def elf_symbols(data: bytes) -> tuple[list[str], list[str]] | None:
    """(defined global function names, undefined names) of a 64-bit little-endian ELF object;
    None for anything else."""
    if len(data) < 64 or data[:6] != b"\x7fELF\x02\x01":
        return None
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    defined, undefined = [], []
    for section in sections:
        if section[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[section[6]]
        names = data[strtab[4] : strtab[4] + strtab[5]]
        for offset in range(section[4], section[4] + section[5], section[9]):
            name_at, info, _, shndx, _, _ = struct.unpack_from("<IBBHQQ", data, offset)
            if not name_at:
                continue
            name = names[name_at : names.index(b"\0", name_at)].decode()
            if shndx == 0:
                undefined.append(name)
            elif info >> 4 == 1 and info & 0xF == 2:  # STB_GLOBAL, STT_FUNC
                defined.append(name)
    return defined, undefined


def _outside_address(name: str) -> int:
    """The address of a symbol of the process (the Python C API, the C and maths libraries), 0 if none."""
    try:
        return int(ctypes.cast(getattr(ctypes.pythonapi, name), ctypes.c_void_p).value or 0)
    except AttributeError:
        return 0


def _resolvable(name: str) -> bool:
    if name in _HELPERS:
        return True
    try:
        getattr(ctypes.pythonapi, name)  # the process: the Python C API, the C and maths libraries
    except AttributeError:
        return False
    return True


class Entry(Kernel):
    """A kernel called from Python through a C-callable wrapper (see the module docstring).

    With ``packed`` (a named-tuple class), the kernel's first argument is such a tuple, whose
    fields are the first arguments of ``args``: Python passes the tuple, the wrapper receives its
    fields one by one and packs them again for the kernel."""

    def __init__(
        self, function: Callable[..., Any], args: str, returns: str = "void", packed: type | None = None
    ) -> None:
        super().__init__(function, numpy_errors=True)
        self.args = args
        self.returns = returns
        self.packed: Any = packed
        self._spec = parse_args(args)
        self._packed = len(packed._fields) if packed is not None else 0  # type: ignore[attr-defined]
        if self._packed > len(self._spec):
            raise ValueError(f"{packed!r} has more fields than the arguments {args!r}")
        self._call: Callable[..., Any] | None = None
        self._keep: Any = None  # the engine or cfunc that owns the machine code
        #: Where the machine code came from: "object file", "compiled" (and saved, if it could
        #: be), or "numba" (no C wrapper could be made; the dispatcher is called).
        self.origin = ""

    def __call__(self, *args: Any) -> Any:
        return (self._call or self.load())(*args)

    def load(self) -> Callable[..., Any]:
        """The callable (loaded, compiled, or numba's dispatcher as the last resort)."""
        with _entry_lock:
            if self._call is None:
                address, c_args = self._native()
                if address:
                    function = ctypes.CFUNCTYPE(_CTYPES[self.returns], *c_args)(address)
                    self._call = _adapter(function, self._spec, self.returns, self._packed)
                else:
                    self._call = self.resolve()
                    self.origin = "numba"
        return self._call

    def _native(self) -> tuple[int, list[Any]]:
        """(address, ctypes argument types) of the C-callable function; address 0 if none."""
        c_args: list[Any] = []
        for kind, ndim in self._spec:
            c_args += [_CTYPES[kind]] if ndim == 0 else [ctypes.c_void_p] + [ctypes.c_int64] * ndim
        if not sys.platform.startswith("linux"):
            return 0, c_args  # object files are read as ELF only: numba's own (cached) kernel
        try:
            path = _object_path(self)
        except Exception:  # no cache directory, no llvmlite, ...
            path = None
        if path is not None and _marker(path).exists():
            return 0, c_args  # this machine's object code is not one to link by hand: numba's kernel
        if path is not None:
            address = self._load_object(path) or self._load_twin(path)
            if address:
                self.origin = "object file"
                return address, c_args
        try:
            address = self._compile(path)
        except Exception:  # pragma: no cover - numba cannot make the wrapper: call the dispatcher
            return 0, c_args
        self.origin = "compiled"
        return address, c_args

    def _load_object(self, path: Path) -> int:
        try:
            data = _unseal(path.read_bytes())
            symbols = elf_symbols(data) if data is not None else None
        except (OSError, ValueError, IndexError, struct.error):
            return 0
        if data is None or symbols is None:
            return 0
        defined, undefined = symbols
        wrappers = [name for name in defined if name.startswith("cfunc.")]
        if len(wrappers) != 1 or not all(_resolvable(name) for name in undefined):
            return 0
        if os.uname().machine == "x86_64":
            try:
                linked = _elf.link(data, _outside_address)
            except Exception:  # pragma: no cover - anything unexpected: llvmlite links it below
                linked = None
            if linked is not None and linked.symbols.get(wrappers[0]):
                self._keep = linked
                return linked.symbols[wrappers[0]]
        try:
            llvm = _load_llvm()
            target = llvm.Target.from_default_triple()
            machine = target.create_target_machine(opt=0)
            engine = llvm.create_mcjit_compiler(llvm.parse_assembly(_HELPERS_IR), machine)
            engine.add_object_file(llvm.ObjectFileRef.from_data(data))
            engine.finalize_object()
            address = int(engine.get_function_address(wrappers[0]))
        except Exception:
            return 0
        self._keep = engine
        return address

    def _load_twin(self, path: Path) -> int:
        """Link the object file another install of the same sources made (the same kernel and
        hash, another source directory), and keep a copy at ``path``; 0 if there is none."""
        stem = f"{self.py_func.__module__}.{self.__qualname__}-"
        key = path.name.rsplit("-", 1)[-1]
        try:
            twins = sorted(path.parent.glob(f"{stem}*-{key}"))
        except OSError:
            return 0
        for twin in twins:
            if twin == path or twin.name[len(stem) :].count("-") != 1:
                continue
            address = self._load_object(twin)
            if address:
                try:
                    data = _unseal(twin.read_bytes())
                    if data is not None:
                        _save(path, data)
                        _remove_stale(path, _object_stem(self))
                except OSError:  # read-only or full disk: linked all the same
                    pass
                return address
        return 0

    def _compile(self, path: Path | None) -> int:
        import numba

        signature, _ = _c_signature(self._spec, self.returns)
        scope = {"carray": numba.carray, "kernel": self.resolve(), "Packed": self.packed}
        source = _wrapper_source(self._spec, self.returns, self._packed)
        exec(compile(source, f"<entry {self.__qualname__}>", "exec"), scope)
        wrapper = scope["wrapper"]
        wrapper.__qualname__ = wrapper.__name__ = f"{self.__name__}_entry"
        compiled = numba.cfunc(signature, nogil=True, error_model="numpy")(wrapper)
        self._keep = compiled
        if path is not None:
            try:
                data = compiled._library._get_compiled_object()  # type: ignore[attr-defined]
                symbols = elf_symbols(data)
                linkable = symbols is not None and all(_resolvable(name) for name in symbols[1])
                _save(path if linkable else _marker(path), data if linkable else b"")
                _remove_stale(path if linkable else _marker(path), _object_stem(self))
            except Exception:  # read-only or full disk, or numba's internals differ: memory only
                pass
        return int(compiled.address or 0)


def _marker(path: Path) -> Path:
    """The file that says the object code at ``path`` cannot be linked here (numba's kernel is used)."""
    return path.with_suffix(".numba")


def _object_path(entry: Entry) -> Path | None:
    from ._cache import kernel_cache_dir

    directory = kernel_cache_dir()
    if directory is None:
        return None
    return directory / "native" / f"{_object_stem(entry)}-{_source_key(entry)}.o"


def _object_stem(entry: Entry) -> str:
    """The part of an object file's name that stays the same when the sources change: the kernel
    and the directory its source is in (so an edited or upgraded source replaces its old file)."""
    where = hashlib.sha256(str(Path(entry.py_func.__code__.co_filename).resolve().parent).encode()).hexdigest()[:8]
    return f"{entry.py_func.__module__}.{entry.__qualname__}-{where}"


def _remove_stale(path: Path, stem: str) -> None:
    """Remove the other object files (and markers) of the same kernel and source directory."""
    for old in path.parent.glob(f"{stem}-*"):
        if old.name != path.name and old.suffix in (".o", ".numba"):
            try:
                old.unlink()
            except OSError:
                pass


_SEAL = b"hhtui-object-sha256"


def _seal(data: bytes) -> bytes:
    """The object code followed by its SHA-256 and a marker, so that a damaged file is never linked."""
    return data + hashlib.sha256(data).digest() + _SEAL


def _unseal(sealed: bytes) -> bytes | None:
    """The object code of a sealed file, or None if the file is not whole."""
    end = len(sealed) - len(_SEAL)
    if end < 32 or sealed[end:] != _SEAL:
        return None
    data, digest = sealed[: end - 32], sealed[end - 32 : end]
    return data if hashlib.sha256(data).digest() == digest else None


def _save(path: Path, data: bytes) -> None:
    """Write ``data`` (sealed) at ``path`` atomically (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        temporary.write_bytes(_seal(data))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _adapter(function: Any, spec: list[tuple[str, int]], returns: str, packed: int = 0) -> Callable[..., Any]:
    """A Python callable that passes numpy arrays to ``function`` as pointers and shapes (the
    fields of its first argument, a tuple, one by one if ``packed``)."""
    count = len(spec)

    def call(*args: Any) -> Any:
        if packed:
            if not args or not isinstance(args[0], tuple) or len(args[0]) != packed:
                raise TypeError(f"expected a tuple of {packed} fields first, got {args[:1]!r:.80}")
            args = (*args[0], *args[1:])
        if len(args) != count:
            raise TypeError(f"expected {count} arguments, got {len(args)}")
        flat: list[Any] = []
        for value, (kind, ndim) in zip(args, spec):
            if ndim == 0:
                flat.append(float(value) if kind == "f8" else int(value))
                continue
            if (
                not isinstance(value, np.ndarray)
                or value.dtype != _DTYPES[kind]
                or value.ndim != ndim
                or not value.flags.c_contiguous
            ):
                raise TypeError(f"expected a C-contiguous {ndim}-D array of {_DTYPES[kind]}, got {value!r:.80}")
            flat.append(value.ctypes.data)
            flat += value.shape
        return function(*flat)

    return call
