"""A long live run at full speed: does memory stay bounded, and is the export still complete?

    python benchmarks/bench_long_run.py [--minutes 30] [--wall-budget 300] [--no-app] [--tracemalloc]

1. Session: the app's live run (:class:`hhtui.tui.session.LiveRun`, default squid axon, a 10
   uA/cm^2 step, rk4 at dt = 0.01 ms, every step recorded) advanced exactly as the app's clock
   does at its top speed (:meth:`LiveRun.plan` with the largest speed and the app's chunk budget),
   but back to back, for ``--minutes`` of simulated time. Memory is sampled as it goes: the
   process's resident set (VmRSS from /proc/self/status), its peak (getrusage ru_maxrss), the
   bytes held by the recording's arrays, and with ``--tracemalloc`` the traced Python heap.
   If the run would exceed ``--wall-budget`` seconds, it stops after at least 5 simulated minutes
   and the figures are extrapolated to the full duration (both are printed).
2. Export: the run is written with :meth:`LiveRun.export` (CSV + sidecar) and read back. It must
   hold exactly the recording limit of rows, end at the final simulated time, advance by dt with
   no gap, and its sidecar must count the dropped samples.
3. App (unless ``--no-app``): the real :class:`HHApp`, headless (``App.run_test``), running at its
   top speed with the plot redrawn as on screen, for the same simulated time (or the wall
   budget), memory sampled the same way.

Prints figures; exits 1 only if the export is incomplete.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hhtui.export import read_csv
from hhtui.model import Experiment, Step
from hhtui.tui.session import LiveRun
from hhtui.tui.settings import CHUNK_BUDGET_S, RECORDING_LIMIT, SPEED_RANGE

MIN_MINUTES = 5.0
EXPERIMENT = Experiment(stimulus=Step(amplitude=10.0, start=5.0))


def vm_rss_mb() -> float:
    """Resident set size of this process now, MB (from /proc/self/status; NaN elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return math.nan


def max_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class PeakRss:
    """The highest VmRSS seen while the block runs (sampled every 5 ms in a thread), MB."""

    def __enter__(self) -> PeakRss:
        import threading

        self.peak = vm_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, vm_rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, vm_rss_mb())


def recording_mb(run: LiveRun) -> float:
    """Bytes held by the arrays of the recording's chunks, MB."""
    total = 0
    for chunk in run.recording._chunks:
        for value in vars(chunk).values():
            if isinstance(value, np.ndarray):
                total += value.nbytes
    return total / 1e6


@dataclass
class Probe:
    """Memory sampled against simulated time."""

    rows: list[tuple[float, float, float, float, int, int, float]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def sample(self, run: LiveRun) -> None:
        traced = tracemalloc.get_traced_memory()[0] / 1e6 if tracemalloc.is_tracing() else math.nan
        self.rows.append(
            (
                run.t / 1000.0,
                time.perf_counter() - self.started,
                vm_rss_mb(),
                recording_mb(run),
                len(run.recording),
                run.recording.dropped,
                traced,
            )
        )

    def print(self, title: str) -> None:
        print(f"\n{title}")
        print(
            f"  {'sim s':>8} {'wall s':>7} {'VmRSS MB':>9} {'rec MB':>7} {'rec samples':>12} {'dropped':>11} "
            f"{'traced MB':>9}"
        )
        for t, wall, rss, rec, samples, dropped, traced in self.rows:
            print(f"  {t:8.1f} {wall:7.1f} {rss:9.1f} {rec:7.1f} {samples:12,d} {dropped:11,d} {traced:9.1f}")

    def plateau(self, limit: int) -> None:
        full = [row for row in self.rows if row[4] >= limit]
        if len(full) < 2:
            print("  the recording never reached its limit: no plateau to show")
            return
        first, last = full[0], full[-1]
        rss_after = [row[2] for row in full]
        print(
            f"  recording full from t = {first[0]:.1f} s (simulated) on; from then to t = {last[0]:.1f} s "
            f"VmRSS went {first[2]:.1f} -> {last[2]:.1f} MB (min {min(rss_after):.1f}, max {max(rss_after):.1f}), "
            f"the recording's arrays {first[3]:.1f} -> {last[3]:.1f} MB"
        )
        span = last[0] - first[0]
        if span > 0:
            print(f"  growth after the plateau: {(last[2] - first[2]) / span * 60.0:+.2f} MB per simulated minute")


def run_session(minutes: float, wall_budget: float, sample_every_s: float) -> tuple[LiveRun, Probe, float]:
    """The live run at the app's top speed, back to back; returns it, its probe, the wall time."""
    run = LiveRun(EXPERIMENT)
    run.advance(run.chunk_for(1.0))  # kernels loaded, cost measured
    target_ms = minutes * 60_000.0
    probe = Probe()
    probe.sample(run)
    next_sample = sample_every_s * 1000.0
    started = time.perf_counter()
    while run.t < target_ms - 1e-9:
        duration = run.plan(1.0, SPEED_RANGE[1], CHUNK_BUDGET_S)
        duration = min(duration, run.chunk_for(target_ms - run.t))
        result = run.advance(duration)
        if result.error:
            raise SystemExit(f"numerical blow-up in the long run: {result.error}")
        if run.t >= next_sample:
            probe.sample(run)
            next_sample += sample_every_s * 1000.0
        wall = time.perf_counter() - started
        rate = run.t / wall if wall > 0 else math.inf
        if run.t >= MIN_MINUTES * 60_000.0 and wall + (target_ms - run.t) / rate > wall_budget:
            print(
                f"  stopping at {run.t / 60_000.0:.2f} simulated minutes: the full {minutes:g} would take about "
                f"{target_ms / rate:.0f} s (> budget {wall_budget:g} s)"
            )
            break
    wall = time.perf_counter() - started
    probe.sample(run)
    return run, probe, wall


def check_export(run: LiveRun, directory: Path) -> bool:
    """Export the run, read it back, print what it holds; True if complete up to the limit."""
    before = vm_rss_mb()
    started = time.perf_counter()
    with PeakRss() as writing:
        csv_path, json_path = run.export(directory)
    write_s = time.perf_counter() - started
    size_mb = csv_path.stat().st_size / 1e6
    after_write = vm_rss_mb()
    started = time.perf_counter()
    with PeakRss() as reading:
        data = read_csv(csv_path)
    read_s = time.perf_counter() - started
    sidecar = json.loads(json_path.read_text())
    t = data["t_ms"]
    dt = run.sim.dt
    total = int(round(run.t / dt)) + 1
    limit = run.recording.max_samples
    expected_rows = min(total, limit)
    checks = {
        f"rows == limit ({expected_rows:,})": len(t) == expected_rows,
        f"last t == final time ({run.t:.2f} ms)": abs(t[-1] - run.t) <= 1e-6,
        f"first t == final - (rows - 1) dt ({run.t - (expected_rows - 1) * dt:.2f} ms)": abs(
            t[0] - (run.t - (expected_rows - 1) * dt)
        )
        <= 1e-6,
        "steps of dt, no gap or repeat": bool(np.allclose(np.diff(t), dt, atol=1e-6)),
        "every value finite": all(np.isfinite(column).all() for column in data.values()),
        f"sidecar dropped_samples == {total - expected_rows:,}": sidecar["dropped_samples"] == total - expected_rows,
    }
    print(f"\nexport: {csv_path.name} {size_mb:.1f} MB, {len(t):,} rows x {len(data)} columns")
    print(
        f"  written in {write_s:.1f} s: VmRSS {before:.1f} MB before, peak {writing.peak:.1f} MB while writing "
        f"(+{writing.peak - before:.1f}), {after_write:.1f} MB after"
    )
    print(
        f"  read back (hhtui.export.read_csv) in {read_s:.1f} s: peak {reading.peak:.1f} MB while reading "
        f"(+{reading.peak - after_write:.1f})"
    )
    for name, ok in checks.items():
        print(f"  {'OK    ' if ok else 'FAILED'} {name}")
    return all(checks.values())


async def run_app(minutes: float, wall_budget: float, sample_every_s: float, directory: Path) -> None:
    """The real app, headless, at its top speed; memory against simulated time."""
    from hhtui.tui.app import HHApp

    app = HHApp(EXPERIMENT, export_dir=directory)
    target_ms = minutes * 60_000.0
    async with app.run_test(size=(120, 40)) as pilot:
        while app.session is None or not app.main.panel.loaded:
            await asyncio.sleep(0.05)
        app.main.speed = SPEED_RANGE[1]
        probe = Probe()
        probe.sample(app.session)
        next_sample = sample_every_s * 1000.0
        await pilot.press("space")
        started = time.perf_counter()
        while app.session.t < target_ms and time.perf_counter() - started < wall_budget:
            await asyncio.sleep(0.1)
            if app.session.t >= next_sample:
                probe.sample(app.session)
                next_sample += sample_every_s * 1000.0
        await pilot.press("space")
        await app.workers.wait_for_complete()
        wall = time.perf_counter() - started
        probe.sample(app.session)
        probe.print(f"app at top speed ({SPEED_RANGE[1]:g} ms/s asked), 120x40, plot redrawn: memory over time")
        probe.plateau(app.session.recording.max_samples)
        rate = app.session.t / wall
        print(
            f"  simulated {app.session.t / 60_000.0:.2f} min in {wall:.1f} s: {rate:,.0f} ms/s "
            f"({rate / 1000.0:.1f}x real time); {app.main.plot.builds} plot builds; spikes {app.session.spike_count:,}"
        )
        if app.session.t < target_ms:
            print(f"  extrapolated: {minutes:g} simulated minutes would take {target_ms / rate:.0f} s")
        print(f"  VmRSS at the end {vm_rss_mb():.1f} MB, peak {max_rss_mb():.1f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="simulated minutes (default 30)")
    parser.add_argument("--wall-budget", type=float, default=300.0, help="most wall seconds per phase (default 300)")
    parser.add_argument("--sample-every", type=float, default=60.0, help="simulated seconds between memory samples")
    parser.add_argument("--no-app", action="store_true", help="skip the phase with the real app")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace the Python heap (slower)")
    args = parser.parse_args()

    if args.tracemalloc:
        tracemalloc.start()
    print(
        f"long run: {args.minutes:g} simulated minutes of {EXPERIMENT.stimulus}, method "
        f"{EXPERIMENT.solver.method}, dt {EXPERIMENT.solver.dt} ms, every step recorded; recording limit "
        f"{RECORDING_LIMIT:,} samples ({RECORDING_LIMIT * EXPERIMENT.solver.dt / 1000.0:g} simulated s)"
    )
    print(f"VmRSS before: {vm_rss_mb():.1f} MB")
    run, probe, wall = run_session(args.minutes, args.wall_budget, args.sample_every)
    probe.print("session at the app's top speed, back to back: memory over time")
    probe.plateau(run.recording.max_samples)
    rate = run.t / wall
    steps = run.t / run.sim.dt
    print(
        f"  simulated {run.t / 60_000.0:.2f} min ({steps:,.0f} steps) in {wall:.1f} s: {rate:,.0f} ms/s "
        f"({rate / 1000.0:.1f}x real time, {steps / wall / 1e6:.2f} M steps/s); spikes {run.spike_count:,}"
    )
    if run.t < args.minutes * 60_000.0 - 1e-6:
        print(
            f"  extrapolated to {args.minutes:g} min: {args.minutes * 60_000.0 / rate:.0f} s; memory stays at the "
            f"plateau above (the recording is full after {RECORDING_LIMIT * run.sim.dt / 1000.0:g} simulated s)"
        )
    print(f"  VmRSS at the end {vm_rss_mb():.1f} MB, peak {max_rss_mb():.1f} MB")

    with tempfile.TemporaryDirectory(prefix="hhtui-long-run-") as directory:
        complete = check_export(run, Path(directory))
        del run
        if not args.no_app:
            asyncio.run(run_app(args.minutes, args.wall_budget, args.sample_every, Path(directory)))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
