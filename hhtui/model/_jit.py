"""The just-in-time compiler switch for the numerical kernels.

Every kernel of the model is written once, as plain Python on floats and numpy arrays,
and compiled with numba. The machine code is kept on disk, per user and outside the package
(see :mod:`hhtui.model._cache`), so that later starts are quick. Setting the environment
variable ``HHTUI_NO_JIT=1`` runs the very same code uncompiled, which is slow but handy for
debugging and coverage.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

JIT_ENABLED: bool = os.environ.get("HHTUI_NO_JIT", "") in ("", "0")


_initialised = False


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
    BLAS by importing ``scipy.linalg``: about 0.2 s, a third of a whole ``hhtui run``. The kernels
    here use no BLAS (no np.dot or np.linalg inside compiled code), so scipy.linalg is hidden for
    that moment; it imports normally afterwards. Should numba's internals differ, this quietly
    does nothing and numba initialises itself as usual on the first call.
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


def njit(function: F, parallel: bool = False, numpy_errors: bool = False) -> F:
    """Compile ``function`` with numba in nopython mode (cached on disk), or return it unchanged.

    With ``parallel=True`` the loops written with :data:`prange` are spread over the cores.
    With ``numpy_errors=True`` a division by zero gives inf or NaN as in numpy (caught by the
    blow-up tests) instead of raising, which leaves loops free of branches and calls so that the
    compiler can vectorise them. No floating-point shortcut is taken either way: every operation
    is rounded as written, so a vectorised loop gives the same bits as a scalar one.
    """
    if not JIT_ENABLED:
        return function
    import numba  # imported here so that a process without kernels never pays for it

    from ._cache import attach_cache

    _initialise_numba()
    options: dict[str, Any] = {"error_model": "numpy"} if numpy_errors else {}
    dispatcher = numba.njit(nogil=True, parallel=parallel, **options)(function)
    attach_cache(dispatcher)
    return dispatcher  # a dispatcher is called like the function


if JIT_ENABLED:
    from numba import prange
else:  # pragma: no cover - the uncompiled fallback
    prange = range  # type: ignore[misc]


def renamed(function: F, name: str) -> F:
    """A copy of ``function`` under another name, so that two compilations of one source
    (serial and parallel) keep separate entries in numba's on-disk cache."""
    import types

    code = function.__code__
    if hasattr(code, "co_qualname"):  # Python 3.11 and later
        code = code.replace(co_name=name, co_qualname=name)  # type: ignore[call-arg]
    else:
        code = code.replace(co_name=name)
    copy = types.FunctionType(code, function.__globals__, name, function.__defaults__, function.__closure__)
    copy.__qualname__ = name
    copy.__doc__ = function.__doc__
    return copy  # type: ignore[return-value]
