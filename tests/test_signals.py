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
    monkeypatch.setattr(signals, "CALLBACK_MODULES", (library,))
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


def test_a_signal_outside_any_callback_is_raised_at_once(handlers: None) -> None:
    with pytest.raises(signals.Terminated) as raised:
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.01)
    assert raised.value.signum == signal.SIGTERM
    assert signals.exit_status(raised.value) == 143
