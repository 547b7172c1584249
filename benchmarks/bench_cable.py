"""How long a cable run takes, and how the conduction velocity converges.

Runs the default cable of ``hhtui axon`` (HH squid axon at 18.5 C: 5 cm, diameter 476 um,
Ra 35.4 ohm*cm, 500 compartments, dt 0.005 ms, 5 ms) and prints the best time of a few
repeats (after one warm-up run that loads or compiles the kernel), the cost per
compartment-step, the run of the app's axon screen (the same cable, run longer) at 18.5 and
6.3 C, and the velocity at each refinement level with the time it took.

    python benchmarks/bench_cable.py [--repeat R] [--levels K]
"""

from __future__ import annotations

import argparse
import time

from hhtui.model.cable import CableSettings, simulate_cable
from hhtui.parameters import parameter


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

    # The app's axon screen runs this cable for longer, and again at each key (+, -, b): a run must
    # stay well under a second on a busy core.
    screen = settings.replace(t_stop=parameter("app", "axon_t_stop").default)
    for temperature in (18.5, 6.3):
        seconds, velocity = timed(
            screen.replace(membrane=screen.membrane.replace(temperature=temperature)), args.repeat
        )
        print(
            f"axon screen ({screen.nseg} compartments, {screen.t_stop:g} ms) at {temperature:g} C: "
            f"{seconds * 1e3:.1f} ms per run, velocity {velocity:.2f} m/s"
        )

    print(f"{'nseg':>6} {'dt (ms)':>10} {'v (m/s)':>10} {'time (s)':>9}")
    for level in range(args.levels):
        nseg = 250 * 2**level
        dt = 0.01 / 2**level
        seconds, velocity = timed(CableSettings(nseg=nseg, dt=dt), 1)
        print(f"{nseg:>6} {dt:>10.6f} {velocity:>10.5f} {seconds:>9.3f}")


if __name__ == "__main__":
    main()
