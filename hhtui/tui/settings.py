"""Settings of the live app, kept free of heavy imports so the app module loads fast.

Units: speeds in simulated ms per real second, times in ms, budgets in seconds of wall time.
"""

from __future__ import annotations

#: Samples kept for export (one per recorded step: at dt = 0.01 ms, 10 s of simulated time;
#: about 100 MB with every column). Past this the oldest samples are dropped and the user is
#: told once.
RECORDING_LIMIT = 1_000_000
#: Window of the firing rate in the status line (ms).
RATE_WINDOW_MS = 500.0
#: Speeds allowed (simulated ms per real second); ``[`` and ``]`` halve and double.
SPEED_RANGE = (0.125, 65536.0)
DEFAULT_SPEED = 50.0
#: Display window limits and default (ms); ``<`` and ``>`` halve and double.
WINDOW_RANGE = (2.0, 20000.0)
DEFAULT_WINDOW_MS = 50.0
#: Simulation ticks per second.
TICK_HZ = 30.0
#: Most plot redraws per second while running.
PLOT_FPS = 10.0
#: Status line updates per second while running.
STATUS_HZ = 8.0
#: A chunk expected to take longer than this runs in a worker thread instead of on the event
#: loop (seconds).
INLINE_BUDGET_S = 0.004
#: The largest chunk computed at once (seconds of compute, measured).
CHUNK_BUDGET_S = 0.030
#: Simulated time of one single step (``s``), ms.
SINGLE_STEP_MS = 1.0
#: Change of the injected current per key press (uA/cm^2; mV for a clamp level).
CURRENT_STEP = 1.0
#: Smallest terminal the layout works in (columns, rows).
MIN_SIZE = (60, 16)
