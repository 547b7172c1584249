"""The just-in-time compiler switch for the numerical kernels.

Every kernel of the model is written once, as plain Python on floats and numpy arrays, and
compiled with numba. Nothing is compiled, and numba is not even imported, until a kernel is
first called: :func:`njit` returns a :class:`Kernel`, which builds its numba dispatcher then.
The machine code is kept on disk, per user and outside the package (see
:mod:`hhtui.model._cache`), so that later starts are quick.

The kernels a run calls from Python (:func:`entry`: the population loop, the rate table, the CSV
number formatter) go further: their machine code is also saved as a plain object file, which a
later process loads with llvmlite alone and calls through ctypes (:mod:`hhtui.model._native`),
without importing numba at all. Importing numba and loading its compiled kernels costs about
half a second of CPU time, far more than a typical ``hhtui run`` computes.

Setting the environment variable ``HHTUI_NO_JIT=1`` runs the very same code uncompiled, which is
slow but handy for debugging and coverage.
"""

from __future__ import annotations

import os
import sys
import threading
import types
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

JIT_ENABLED: bool = os.environ.get("HHTUI_NO_JIT", "") in ("", "0")


_initialised = False
_lock = threading.RLock()


#: LLVM's inlining budget while the kernels compile (its default is 250). The step of a method,
#: the derivatives, the rates and exp are separate compiled functions; the population loop can
#: only be vectorised once they are all inlined into it (a cost of about 4,000 for RK4).
INLINE_THRESHOLD = 20000


def _allow_inlining() -> None:
    """Raise LLVM's inlining threshold for this process (once: LLVM refuses an option given twice).
    Inlining changes no result; it only lets the compiler see a whole step at once."""
    try:
        import llvmlite.binding as llvm  # type: ignore[import-untyped]

        llvm.set_option("hhtui", f"-inline-threshold={INLINE_THRESHOLD}")
    except Exception:  # pragma: no cover - depends on llvmlite
        pass


def _initialise_numba() -> None:
    """Load numba's compiler registries once, without its BLAS probe.

    On its first compile or cache load numba imports ``numba.np.arraymath``, which checks for a
    BLAS by importing ``scipy.linalg``: about 0.2 s. The kernels here use no BLAS (no np.dot or
    np.linalg inside compiled code), so scipy.linalg is hidden for that moment; it imports
    normally afterwards. Should numba's internals differ, this quietly does nothing and numba
    initialises itself as usual on the first call.
    """
    global _initialised
    if _initialised:
        return
    _initialised = True
    _allow_inlining()
    hide = "scipy.linalg" not in sys.modules
    if hide:
        sys.modules["scipy.linalg"] = None  # type: ignore[assignment]
    try:
        from numba.core.registry import cpu_target

        cpu_target.target_context.refresh()
        cpu_target.typing_context.refresh()
    except Exception:  # pragma: no cover - depends on numba's internals
        pass
    finally:
        if hide:
            del sys.modules["scipy.linalg"]


class Lazy:
    """Something that stands for a numba object (a dispatcher, an intrinsic) until numba is needed.

    A kernel refers to other kernels by their global names; when it is compiled, each Lazy
    among them is replaced by what :meth:`resolve` gives (see :func:`_resolved`)."""

    def resolve(self) -> Any:
        raise NotImplementedError


class Intrinsic(Lazy):
    """A numba intrinsic made by ``factory()`` (which imports numba) when first needed."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._made: Any = None

    def resolve(self) -> Any:
        with _lock:
            if self._made is None:
                self._made = self._factory()
            return self._made


def _global_names(code: types.CodeType) -> set[str]:
    """The global names a code object (and the code nested in it) may refer to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _resolved(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with the Lazy objects among its globals replaced by their numba objects
    (a copy of the function over a copy of its globals; the same code, name and source)."""
    names = _global_names(function.__code__)
    scope: dict[str, Any] = function.__globals__
    lazies = {name: scope[name] for name in names if isinstance(scope.get(name), Lazy)}
    if not lazies:
        return function
    scope = dict(scope)
    for name, lazy in lazies.items():
        scope[name] = lazy.resolve()
    copy = types.FunctionType(
        function.__code__,
        scope,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__qualname__ = function.__qualname__
    copy.__doc__ = function.__doc__
    copy.__module__ = function.__module__
    return copy


def dependencies(function: Callable[..., Any]) -> list[Callable[..., Any]]:
    """``function`` and every kernel it calls, directly or not (the Python functions), in a fixed order."""
    seen: dict[int, Callable[..., Any]] = {}

    def visit(py_func: Callable[..., Any]) -> None:
        if id(py_func) in seen:
            return
        seen[id(py_func)] = py_func
        scope = py_func.__globals__
        for name in sorted(_global_names(py_func.__code__)):
            value = scope.get(name)
            if isinstance(value, Kernel):
                visit(value.py_func)

    visit(function)
    return list(seen.values())


class Kernel(Lazy):
    """A function compiled by numba (nopython mode, cached on disk) when it is first called, or
    when a kernel that calls it is compiled. Attributes other than those here are the numba
    dispatcher's (``signatures``, ``stats``, ...)."""

    def __init__(self, function: Callable[..., Any], parallel: bool = False, numpy_errors: bool = False) -> None:
        self.py_func = function
        self.parallel = parallel
        self.numpy_errors = numpy_errors
        self._dispatcher: Any = None
        self.__name__ = function.__name__
        self.__qualname__ = function.__qualname__
        self.__doc__ = function.__doc__
        self.__module__ = function.__module__
        self.__wrapped__ = function
        _make_cache_dir()

    def resolve(self) -> Any:
        """The numba dispatcher (made on first use)."""
        if self._dispatcher is None:
            with _lock:
                if self._dispatcher is None:
                    self._dispatcher = _dispatcher(self.py_func, self.parallel, self.numpy_errors)
        return self._dispatcher

    def __call__(self, *args: Any) -> Any:
        return (self._dispatcher or self.resolve())(*args)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)

    def __repr__(self) -> str:
        return f"<kernel {self.__qualname__}>"


_made: set[str] = set()


def _make_cache_dir() -> None:
    """Create the kernel cache directory now (once per directory and process; quietly nothing if
    it cannot be made), so that a later failure to write there is noticed only by the cache."""
    from ._cache import kernel_cache_dir

    directory = kernel_cache_dir()
    if directory is None or str(directory) in _made:
        return
    _made.add(str(directory))
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass


def _dispatcher(function: Callable[..., Any], parallel: bool, numpy_errors: bool) -> Any:
    import numba  # imported here so that a process without compiled kernels never pays for it

    from ._cache import attach_cache

    _initialise_numba()
    options: dict[str, Any] = {"error_model": "numpy"} if numpy_errors else {}
    dispatcher = numba.njit(nogil=True, parallel=parallel, **options)(_resolved(function))
    attach_cache(dispatcher)
    return dispatcher


def njit(function: F, parallel: bool = False, numpy_errors: bool = False) -> F:
    """Compile ``function`` with numba in nopython mode (cached on disk) when it is first needed,
    or return it unchanged without the compiler.

    With ``parallel=True`` the loops written with ``numba.prange`` are spread over the cores.
    With ``numpy_errors=True`` a division by zero gives inf or NaN as in numpy (caught by the
    blow-up tests) instead of raising, which leaves loops free of branches and calls so that the
    compiler can vectorise them. No floating-point shortcut is taken either way: every operation
    is rounded as written, so a vectorised loop gives the same bits as a scalar one.
    """
    if not JIT_ENABLED:
        return function
    return Kernel(function, parallel, numpy_errors)  # type: ignore[return-value]  # called like the function


def entry(function: F, args: str, returns: str = "void", packed: type | None = None) -> F:
    """A kernel called from Python with the arguments ``args`` (see :mod:`hhtui.model._native`
    for the notation, e.g. ``"i8 f8[:, :] f8"``), returning ``returns`` (``void``, ``i8`` or
    ``f8``); arrays must be C-contiguous. With ``packed`` (a named-tuple class) the first
    argument is such a tuple, whose fields are the first ones of ``args``. Its machine code is
    kept as an object file that later processes load without numba. Without the compiler,
    ``function`` itself."""
    if not JIT_ENABLED:
        return function
    from ._native import Entry

    return Entry(function, args, returns, packed)  # type: ignore[return-value]
