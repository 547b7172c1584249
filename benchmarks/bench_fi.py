"""How fast the population measurements run: an F-I curve and pulse-threshold searches.

- F-I: 1001 step currents from 0 to 50 uA/cm^2, 100 ms each (transient 50 ms), simulated
  together as one population with :func:`hhtui.model.analysis.fi_curve` (RK4, dt 0.01 ms).
- Threshold: :func:`hhtui.model.analysis.threshold_search` for a 1 ms pulse (tolerance
  0.01 uA/cm^2, 16 amplitudes per bisection round), and the 0.5/2/5 ms pulses.
- Refractory: one :func:`refractory_threshold` at a 10 ms interval.

The first call compiles (or loads) the numba kernels; it is timed apart. Prints the best of a
few repeats.

    python benchmarks/bench_fi.py [--currents N] [--t-stop MS] [--repeat R]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hhtui.model.analysis import fi_curve, refractory_threshold, repetitive_onset, threshold_search


def best_of(repeat: int, function):  # type: ignore[no-untyped-def]
    """(best wall time in s, last result) over ``repeat`` calls."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--currents", type=int, default=1001, help="number of step currents (0-50 uA/cm^2)")
    parser.add_argument("--t-stop", type=float, default=100.0, help="duration of each step in ms")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    fi_curve([10.0], t_stop=1.0, transient=0.0)
    threshold_search(1.0, tolerance=1.0)
    print(f"warm-up (kernel compile or cache load): {time.perf_counter() - start:.2f} s")

    amplitudes = np.linspace(0.0, 50.0, args.currents)
    transient = args.t_stop / 2.0
    seconds, curve = best_of(args.repeat, lambda: fi_curve(amplitudes, t_stop=args.t_stop, transient=transient))
    neuron_steps = args.currents * args.t_stop / 0.01
    print(
        f"fi_curve: {args.currents} currents x {args.t_stop:g} ms (RK4, dt 0.01): {seconds:.3f} s "
        f"({neuron_steps / seconds / 1e6:.1f} M neuron-steps/s); onset {repetitive_onset(curve)} uA/cm^2"
    )

    seconds, threshold = best_of(args.repeat, lambda: threshold_search(1.0))
    print(f"threshold_search 1 ms pulse: {seconds:.3f} s -> {threshold:.3f} uA/cm^2")
    for width in (0.5, 2.0, 5.0):
        seconds, threshold = best_of(args.repeat, lambda width=width: threshold_search(width))
        print(f"threshold_search {width:g} ms pulse: {seconds:.3f} s -> {threshold:.3f} uA/cm^2")

    seconds, threshold = best_of(args.repeat, lambda: refractory_threshold(10.0, 26.6))
    print(f"refractory_threshold 10 ms after 2x threshold: {seconds:.3f} s -> {threshold:.3f} uA/cm^2")


if __name__ == "__main__":
    main()
