"""Speed of the terminal app, measured as a user meets it. Prints figures; asserts nothing.

    python benchmarks/bench_tui.py [--quick]

1. Start to first drawn plot: the real app is started in tmux (100x30) and the pane is polled
   until the voltage plot's axis label appears. Warm start (one untimed start first, so numba's
   cache and the OS file cache are warm). Both ``python -m hhtui`` (through the CLI) and the
   app's own ``run_app`` are timed. Goal: < 1.0 s.
2. Frame time: the plot of the main view rebuilt and rendered by Textual into terminal lines
   at 120x40, with the display window full of spiking, after every new chunk. Goal: < 30 ms.
3. Keystroke to visible change while running at full speed: in tmux, ``v`` is sent and the pane
   is polled until the new view's title is on screen. Goal: < 100 ms.
4. Bytes written to the terminal per second while running, at 100x30 (what an SSH link
   carries), from tmux's pipe-pane.

Needs tmux for 1, 3 and 4 (skipped without it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent
RUN_APP = [PYTHON, "-c", "import sys; from hhtui.tui.app import run_app; sys.exit(run_app())"]
RUN_CLI = [PYTHON, "-m", "hhtui"]
SESSION = "hhtui-bench"
#: A private tmux server, so the benchmark never touches anyone else's sessions.
SOCKET = "hhtui-bench"
DRAWN = "V (mV)"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False).stdout


def kill_session() -> None:
    subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", SESSION], capture_output=True, check=False)


def capture() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def start_session(command: list[str], width: int = 100, height: int = 30, env: dict[str, str] | None = None) -> float:
    """Start ``command`` in a detached tmux session; returns the time just before the spawn."""
    kill_session()
    shell = " ".join(f"'{part}'" for part in command)
    prefix = " ".join(f"{k}={v}" for k, v in (env or {}).items())
    started = time.perf_counter()
    subprocess.run(
        [
            "tmux",
            "-L",
            SOCKET,
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            str(width),
            "-y",
            str(height),
            f"cd {ROOT} && TERM=xterm-256color {prefix} exec {shell}",
        ],
        check=True,
    )
    return started


def wait_for(text: str, timeout: float = 60.0, interval: float = 0.005) -> float | None:
    """Poll the pane until ``text`` shows; the time it showed, or None."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if text in capture():
            return time.perf_counter()
        time.sleep(interval)
    return None


def startup(command: list[str], runs: int) -> list[float]:
    """Seconds from spawn to the drawn plot, ``runs`` warm starts."""
    times = []
    for k in range(runs + 1):
        started = start_session(command)
        shown = wait_for(DRAWN)
        kill_session()
        if shown is None:
            raise RuntimeError(f"the app never drew its plot: {command}")
        if k > 0:  # the first start only warms the caches
            times.append(shown - started)
        time.sleep(0.3)
    return times


def frame_times(frames: int) -> tuple[list[float], list[float], tuple[int, int]]:
    """(plot build ms, build + Textual render ms, plot size) per frame at 120x40."""
    from textual.geometry import Region

    from hhtui.tui.app import HHApp

    builds: list[float] = []
    totals: list[float] = []
    size: list[tuple[int, int]] = []

    async def run() -> None:
        app = HHApp(export_dir=tempfile.gettempdir())
        async with app.run_test(size=(120, 40)) as pilot:
            while app.session is None and app.load_error is None:  # the model loads in a worker
                await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            await pilot.pause()
            session = app.session
            assert session is not None, app.load_error
            session.advance(session.chunk_for(app.main.window_ms * 2))  # a full window
            plot = app.main.plot
            width, height = plot.content_size
            size.append((width, height))
            region = Region(0, 0, plot.size.width, plot.size.height)
            for _ in range(frames):
                session.advance(session.chunk_for(1.7))  # one tick's worth at the default speed
                start = time.perf_counter()
                plot._build(width, height)  # the chart alone
                builds.append(1000 * (time.perf_counter() - start))
                session.advance(session.chunk_for(1.7))
                start = time.perf_counter()
                # What a frame costs: a new clock, which the plot rebuilds its chart for, and its rendering.
                app.main.publish(force=True)
                plot.render_lines(region)
                totals.append(1000 * (time.perf_counter() - start))

    asyncio.run(run())
    return builds, totals, size[0]


def keystroke_latency(presses: int) -> list[float]:
    """Seconds from sending ``v`` to the next view's title on screen, at full speed."""
    from hhtui.tui.views import ORDER, get_view

    titles = [get_view(name).title for name in ORDER]
    start_session(RUN_APP)
    if wait_for(DRAWN) is None:
        raise RuntimeError("the app did not start")
    time.sleep(0.5)
    tmux("send-keys", "-t", SESSION, "space")
    for _ in range(20):  # full speed: double until the top of the range
        tmux("send-keys", "-t", SESSION, "]")
    time.sleep(1.5)
    latencies = []
    for k in range(presses):
        target = titles[(k + 1) % len(titles)]
        sent = time.perf_counter()
        tmux("send-keys", "-t", SESSION, "v")
        shown = wait_for(target, timeout=5.0, interval=0.002)
        if shown is not None:
            latencies.append(shown - sent)
        time.sleep(0.3)
    kill_session()
    return latencies


def bytes_per_second(seconds: float, full_speed: bool) -> float:
    """Bytes the running app writes to its 100x30 terminal per second."""
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "pane.log"
        start_session(RUN_APP)
        if wait_for(DRAWN) is None:
            raise RuntimeError("the app did not start")
        time.sleep(0.5)
        tmux("send-keys", "-t", SESSION, "space")
        if full_speed:
            for _ in range(20):
                tmux("send-keys", "-t", SESSION, "]")
        time.sleep(1.0)
        tmux("pipe-pane", "-o", "-t", SESSION, f"cat >> {log}")
        time.sleep(seconds)
        tmux("pipe-pane", "-t", SESSION)
        size = log.stat().st_size if log.exists() else 0
        kill_session()
    return size / seconds


def describe(name: str, values: list[float], unit: str, goal: float | None = None, scale: float = 1.0) -> None:
    if not values:
        print(f"{name}: no measurement")
        return
    median = statistics.median(values) * scale
    worst = max(values) * scale
    verdict = "" if goal is None else f"  (goal < {goal:g} {unit}: {'met' if median < goal else 'NOT met'})"
    print(f"{name}: median {median:.1f} {unit}, max {worst:.1f} {unit}, n = {len(values)}{verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")

    builds, totals, size = frame_times(40 if args.quick else 120)
    describe(f"plot build at 120x40 (plot area {size[0]}x{size[1]})", builds, "ms")
    describe("frame: plot build + Textual render at 120x40", totals, "ms", goal=30.0)

    if shutil.which("tmux") is None:
        print("tmux not found: start-up, latency and bandwidth skipped")
        return 0
    try:
        describe("start to first drawn plot (run_app, warm)", startup(RUN_APP, runs), "s", goal=1.0)
        describe("start to first drawn plot (python -m hhtui, warm)", startup(RUN_CLI, runs), "s", goal=1.0)
        describe(
            "keystroke to visible change at full speed",
            keystroke_latency(10 if args.quick else 20),
            "ms",
            goal=100.0,
            scale=1000.0,
        )
        seconds = 3.0 if args.quick else 6.0
        print(
            "terminal output while running at 100x30, default speed: "
            f"{bytes_per_second(seconds, False) / 1024:.1f} KiB/s"
        )
        print(
            f"terminal output while running at 100x30, full speed: {bytes_per_second(seconds, True) / 1024:.1f} KiB/s"
        )
    finally:
        kill_session()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
