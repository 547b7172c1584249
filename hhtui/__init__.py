"""hhtui: a terminal simulator of the Hodgkin-Huxley neuron.

From Python (see :mod:`hhtui.api`)::

    import hhtui
    run = hhtui.simulate(amp=10, t_stop=50)     # the names of 'hhtui run' flags
    fi = hhtui.sweep(amp="0:20:0.5")            # the F-I curve of 'hhtui sweep', as a DataFrame
    cable = hhtui.axon(temperature=6.3)         # 'hhtui axon' flags: the propagated action potential
    ring = hhtui.network(topology="ring", n=10) # 'hhtui network' flags: spikes between neurons

The names below load on first use, so ``import hhtui`` stays light (no numpy, no numba).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public names loaded on first use -> the module that holds them.
_LAZY: dict[str, str] = {
    "simulate": "hhtui.api",
    "sweep": "hhtui.api",
    "Run": "hhtui.api",
    "axon": "hhtui.api_runs",
    "network": "hhtui.api_runs",
    "AxonRun": "hhtui.api_runs",
    "NetworkRun": "hhtui.api_runs",
    "ParameterError": "hhtui.model.errors",
}

__all__ = ["AxonRun", "NetworkRun", "ParameterError", "Run", "__version__", "axon", "network", "simulate", "sweep"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
