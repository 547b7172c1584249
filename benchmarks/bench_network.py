"""How long a network of HH neurons takes: the 1000 neurons / 10% / 100 ms figure.

1000 neurons, random connectivity with probability 0.1 (about 100,000 synapses), 100 ms at
dt 0.01 ms with RK4, in two regimes: quiet (a kick to neuron 0, weight 0.05 mS/cm^2: one
spike) and active (the first 100 neurons kicked; the excitation spreads to every neuron, so the
delivery of about 100,000 synaptic events is included). Prints the best time of a few repeats after a
warm-up run that loads or compiles the kernel, and the cost per neuron-step.

    python benchmarks/bench_network.py [--n N] [--p P] [--t-stop MS] [--repeat R]
"""

from __future__ import annotations

import argparse
import time

from hhtui.model.network import NetworkSettings, build_connections, simulate_network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--p", type=float, default=0.1)
    parser.add_argument("--t-stop", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    simulate_network(NetworkSettings(n=3, t_stop=1.0))
    print(f"first call (kernel load or compile): {time.perf_counter() - start:.2f} s")

    base = NetworkSettings(n=args.n, topology="random", p=args.p, seed=1, weight=0.05, t_stop=args.t_stop)
    start = time.perf_counter()
    synapses = len(build_connections(base))
    print(f"building {synapses:,} random synapses: {time.perf_counter() - start:.3f} s")
    regimes = {
        "quiet": base,
        "active": base.replace(kick_neurons=tuple(range(min(100, args.n)))),
    }
    for name, settings in regimes.items():
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = simulate_network(settings)
            best = min(best, time.perf_counter() - start)
        work = settings.n * settings.n_steps
        print(
            f"{name}: {settings.n} neurons, {synapses:,} synapses, {settings.t_stop:g} ms at dt {settings.dt:g} ms: "
            f"{best:.2f} s ({best / work * 1e9:.0f} ns per neuron-step), {result.spike_time.size:,} spikes"
        )


if __name__ == "__main__":
    main()
