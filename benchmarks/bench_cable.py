"""How long a cable run takes, and how the conduction velocity converges.

Runs the default cable of ``hhtui axon`` (HH squid axon at 18.5 C: 5 cm, diameter 476 um,
Ra 35.4 ohm*cm, 500 compartments, dt 0.005 ms, 5 ms) and prints the best time of a few
repeats (after one warm-up run that loads or compiles the kernel), the cost per
compartment-step, and the velocity at each refinement level with the time it took.

    python benchmarks/bench_cable.py [--repeat R] [--levels K]
"""

from __future__ import annotations

import argparse
import time

from hhtui.model.cable import CableSettings, simulate_cable


def timed(settings: CableSettings, repeat: int) -> tuple[float, float]:
    """(best seconds, velocity m/s) of ``repeat`` runs."""
    best = float("inf")
    velocity = float("nan")
    for _ in range(repeat):
        start = time.perf_counter()
        velocity = simulate_cable(settings).velocity_m_s
        best = min(best, time.perf_counter() - start)
    return best, velocity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--levels", type=int, default=5, help="refinement levels of the convergence table")
    args = parser.parse_args()

    start = time.perf_counter()
    simulate_cable(CableSettings(nseg=8, t_stop=0.1))
    print(f"first call (kernel load or compile): {time.perf_counter() - start:.2f} s")

    settings = CableSettings()
    seconds, velocity = timed(settings, args.repeat)
    work = settings.nseg * settings.n_steps
    print(
        f"default cable ({settings.nseg} compartments x {settings.n_steps} steps): "
        f"{seconds * 1e3:.1f} ms per run, {seconds / work * 1e9:.1f} ns per compartment-step, "
        f"velocity {velocity:.4f} m/s"
    )

    print(f"{'nseg':>6} {'dt (ms)':>10} {'v (m/s)':>10} {'time (s)':>9}")
    for level in range(args.levels):
        nseg = 250 * 2**level
        dt = 0.01 / 2**level
        seconds, velocity = timed(CableSettings(nseg=nseg, dt=dt), 1)
        print(f"{nseg:>6} {dt:>10.6f} {velocity:>10.5f} {seconds:>9.3f}")


if __name__ == "__main__":
    main()
