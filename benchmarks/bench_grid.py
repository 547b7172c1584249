"""Throughput of a parameter grid: in this process, and on a local dask cluster of 1 and 2 workers.

Runs the same grid (currents x g_K, each point a current step from rest) three ways and prints,
for each, the wall time, the grid points per second and the nanoseconds per neuron-step (a
neuron-step is one time step of one point), checks that every way gives the very same numbers,
and prints what a cluster would take for the grid of the README (200 currents x 50 conductances x
20 temperatures, 2 s of simulated time each) from the measured cost per neuron-step and core.

    python benchmarks/bench_grid.py [--amp 0:50:0.5] [--g-k 20:50:2] [--t-stop 200] [--workers 1,2]
    python benchmarks/bench_grid.py --layouts [--t-stop 200] [--workers 2]

``--layouts`` measures what the chunking costs a grid over the membrane at a single current: the
points of a chunk share one membrane (the kernels take one parameter set per population), so
``--amp 10 --g-k 20:50:0.1`` runs 301 chunks of one neuron each, while ``--amp 0:30:0.1`` (as
many points, one membrane) runs one chunk of 301 neurons. Both are timed in process (and on a
local cluster), with the cost per neuron-step of each.

The first way also loads (or compiles) the kernels; it is run once before the timing. The dask
ways need ``pip install 'hhtui[distributed]'`` and are skipped without it; starting the local
cluster is timed apart from the sweep.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np

from hhtui.model import Membrane
from hhtui.sweeps.chunks import RunSettings
from hhtui.sweeps.executors import Dask, ExecutorError, InProcess
from hhtui.sweeps.grid import Grid
from hhtui.sweeps.runner import Sweep

#: The grid of the README's arithmetic: points and simulated time of each.
CLUSTER_GRID = (200, 50, 20)
CLUSTER_T_STOP_MS = 2000.0
CLUSTER_CORES = 100


def run(grid: Grid, settings: RunSettings, executor: object, chunk: int | None) -> tuple[float, Sweep]:
    sweep = Sweep(grid, Membrane(), settings, chunk)
    start = time.perf_counter()
    sweep.run(executor)
    return time.perf_counter() - start, sweep


def report(label: str, seconds: float, sweep: Sweep, cores: int) -> float:
    points = sweep.grid.size
    neuron_steps = points * sweep.settings.steps
    ns = seconds / neuron_steps * 1e9
    print(
        f"{label:<22} {seconds:8.2f} s  {points / seconds:9.1f} points/s  {ns:7.1f} ns/neuron-step  "
        f"({ns * cores:.1f} ns per neuron-step and core, {cores} core(s), {len(sweep.chunks)} chunks)"
    )
    return ns * cores


def layouts(settings: RunSettings, workers: list[int]) -> None:
    """The same number of points laid out as one population, or as one-neuron chunks."""
    shapes = {
        "one membrane, 301 currents": Grid.build({"amp": "0:30:0.1"}),
        "301 membranes, one current": Grid.build({"amp": "10", "g_k": "20:50:0.1"}),
    }
    ways: list[tuple[str, Any]] = [("in process", InProcess())]
    for count in workers:
        try:
            executor = Dask(workers=count)
        except (ExecutorError, OSError) as error:
            print(f"{count} local worker(s): skipped ({error})")
            continue
        warm = Grid.build({"amp": "0:10:5"})
        Sweep(warm, Membrane(), RunSettings(5.0, 1.0, 0.0, 0.01, "rk4")).run(executor)
        ways.append((f"{count} local worker(s)", executor))
    try:
        for where, executor in ways:
            costs = []
            for label, grid in shapes.items():
                seconds, sweep = run(grid, settings, executor, None)
                ns = seconds / (grid.size * settings.steps) * 1e9
                costs.append(ns)
                print(
                    f"{where:<20} {label:<28} {len(sweep.chunks):4d} chunks  {seconds:7.2f} s  {ns:6.1f} ns/neuron-step"
                )
            print(f"{where:<20} one-neuron chunks cost {costs[1] / costs[0]:.1f} x the population")
    finally:
        for _, executor in ways:
            executor.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amp", default="0:50:0.5", help="currents, uA/cm^2 (default 0:50:0.5)")
    parser.add_argument("--g-k", default="20:50:2", help="g_K values, mS/cm^2 (default 20:50:2)")
    parser.add_argument("--t-stop", type=float, default=200.0, help="ms per point (default 200)")
    parser.add_argument("--workers", default="1,2", help="local cluster sizes to try (default 1,2)")
    parser.add_argument("--chunk-size", type=int, default=None, help="points per chunk (default: the sweep's)")
    parser.add_argument("--layouts", action="store_true", help="compare one population with one-neuron chunks")
    args = parser.parse_args()

    if args.layouts:
        warm = Grid.build({"amp": "0:10:5"})
        Sweep(warm, Membrane(), RunSettings(5.0, 1.0, 0.0, 0.01, "rk4")).run(InProcess())
        settings = RunSettings(args.t_stop, min(50.0, args.t_stop / 2), 0.0, 0.01, "rk4")
        layouts(settings, [int(w) for w in args.workers.split(",") if w.strip()])
        return

    grid = Grid.build({"amp": args.amp, "g_k": args.g_k})
    settings = RunSettings(
        t_stop=args.t_stop, transient=min(50.0, args.t_stop / 2), threshold=0.0, dt=0.01, method="rk4"
    )
    cores = os.cpu_count() or 1
    print(
        f"grid: {grid.size:,} points ({grid.amp.count} currents x {grid.shape[0]} g_K), {args.t_stop:g} ms each at "
        f"dt 0.01 ms = {grid.size * settings.steps:.3g} neuron-steps; {cores} cores"
    )

    warm = Grid.build({"amp": "0:10:5"})
    Sweep(warm, Membrane(), RunSettings(5.0, 1.0, 0.0, 0.01, "rk4")).run(InProcess())

    seconds, reference = run(grid, settings, InProcess(), args.chunk_size)
    per_core_ns = report("in process", seconds, reference, cores)

    for count in (int(w) for w in args.workers.split(",") if w.strip()):
        try:
            start = time.perf_counter()
            executor = Dask(workers=count)
        except (ExecutorError, OSError) as error:  # no dask, or no room for a cluster
            print(f"{count} local worker(s): skipped ({error})")
            continue
        try:
            print(f"{count} local worker(s): cluster started in {time.perf_counter() - start:.1f} s")
            Sweep(warm, Membrane(), RunSettings(5.0, 1.0, 0.0, 0.01, "rk4")).run(executor)  # workers load kernels
            seconds, remote = run(grid, settings, executor, args.chunk_size)
        finally:
            executor.close()
        report(f"{count} local worker(s)", seconds, remote, min(count, cores))
        same = all(np.array_equal(a, b) for a, b in zip(reference.columns().values(), remote.columns().values()))
        print(f"  same numbers as in process: {'yes' if same else 'NO'}")

    points = int(np.prod(CLUSTER_GRID))
    steps = CLUSTER_T_STOP_MS / 0.01
    core_seconds = points * steps * per_core_ns * 1e-9
    print(
        f"\ncluster arithmetic: {CLUSTER_GRID[0]} x {CLUSTER_GRID[1]} x {CLUSTER_GRID[2]} = {points:,} points x "
        f"{steps:,.0f} steps = {points * steps:.2g} neuron-steps; at {per_core_ns:.0f} ns per neuron-step and core "
        f"that is {core_seconds / 3600:.1f} core-hours, about {core_seconds / CLUSTER_CORES / 60:.0f} minutes on "
        f"{CLUSTER_CORES} cores"
    )


if __name__ == "__main__":
    main()
