"""Loading the model ahead of the app: its kernels are loaded (or compiled) while the first frame paints.

Kept free of heavy imports at module level, like the app module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def warm_up(experiment: Any = None) -> None:
    """Import the model and load (or compile) the kernels a live run needs, and the plotting."""
    from hhtui.model import Membrane, NoStimulus, Simulation

    membrane = experiment.membrane if experiment is not None else Membrane()
    Simulation(membrane, NoStimulus(), dt=0.01).advance(0.02)
    from . import plotting  # noqa: F401
    from .views import get_view

    get_view("voltage")
    import plotext  # noqa: F401


class Preload:
    """Loading of the model started before the app itself, so both proceed at once (the
    kernels' machine code is loaded from numba's cache with the GIL released)."""

    def __init__(self) -> None:
        self._thread: Any = None

    def start(self) -> None:
        import threading

        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hhtui-preload", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            warm_up()
        except Exception:  # the worker will meet the error again and report it
            pass

    def wait(self, cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Wait for the preload to finish; False if ``cancelled()`` became true first."""
        while self._thread is not None and self._thread.is_alive():
            if cancelled():
                return False
            self._thread.join(0.05)
        return True


#: The one preload of the process (started by ``run_app``).
PRELOAD = Preload()
