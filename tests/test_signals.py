"""Termination signals become a clean exit, even when they arrive inside a library's callback."""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Iterator

import pytest

from hhtui import signals


@pytest.fixture
def handlers() -> Iterator[None]:
    """hhtui's handlers for the test, the previous ones put back afterwards."""
    previous = {signum: signal.getsignal(signum) for signum in signals.HANDLED}
    signals.install()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def test_a_signal_inside_a_library_callback_is_acted_on_once_out_of_it(
    handlers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ctypes prints and drops an exception raised inside a callback; llvmlite calls back into Python
    # while compiled kernels are linked. Here libc's qsort calls a Python comparison, which plays
    # the part of such a callback.
    library = "a_library."
    monkeypatch.setattr(signals, "CALLBACKS", ((library, "compare"),))
    libc = ctypes.CDLL(None)
    compare_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
    calls: list[int] = []
    scope = {"__name__": library + "callbacks", "os": os, "signal": signal, "calls": calls}
    exec(  # the comparison is the library's code, as llvmlite's callbacks are
        "def compare(a, b):\n"
        "    if not calls:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        for _ in range(10_000):\n"  # the handler runs in here, inside the callback
        "            pass\n"
        "    calls.append(1)\n"
        "    return int(a[0] - b[0])\n",
        scope,
    )
    compare = scope["compare"]

    values = (ctypes.c_int * 5)(5, 3, 1, 4, 2)
    with pytest.raises(signals.Terminated) as raised:
        libc.qsort(values, len(values), ctypes.sizeof(ctypes.c_int), compare_type(compare))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # out of the library: the signal is delivered again
            time.sleep(0.01)
    assert raised.value.signum == signal.SIGINT
    assert list(values) == [1, 2, 3, 4, 5]  # the library call itself finished undisturbed


def test_a_signal_in_the_compiler_outside_a_callback_is_raised_at_once(handlers: None) -> None:
    # numba compiles a kernel in Python code of its own for seconds (longer on a busy machine):
    # Ctrl-C there is raised at once, not held until the compile ends. The function plays the part
    # of that code, under a name of numba's, and llvmlite's callbacks are not on the stack.
    scope = {"__name__": "numba.core.compiler_machinery", "os": os, "signal": signal, "time": time}
    exec(
        "def compile_kernel():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    deadline = time.monotonic() + 60\n"
        "    while time.monotonic() < deadline:\n"
        "        pass\n",
        scope,
    )
    with pytest.raises(signals.Terminated) as raised:
        scope["compile_kernel"]()
    assert raised.value.signum == signal.SIGINT
    assert [entry.name for entry in raised.traceback][-2:] == ["compile_kernel", "_handler"]  # inside it


def test_a_signal_outside_any_callback_is_raised_at_once(handlers: None) -> None:
    with pytest.raises(signals.Terminated) as raised:
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.01)
    assert raised.value.signum == signal.SIGTERM
    assert signals.exit_status(raised.value) == 143
