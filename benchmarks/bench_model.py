"""Speed of the model core, against scipy's odeint used the way a textbook script does.

Run: python benchmarks/bench_model.py

Prints, on this machine and in this one run:
- one neuron, 1000 ms at dt 0.01 ms, default method (RK4): steps per second;
- 1001 neurons (0..50 uA/cm^2), 100 ms at dt 0.01 ms: neuron-steps per second;
- the same single-neuron run with scipy.integrate.odeint and the rates as Python functions.
Whole-process timings of the command line are in bench_cli.py.
"""

from __future__ import annotations

import time

import numpy as np


def best_of(repeats: int, function) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def textbook_odeint() -> None:
    """A typical script: rates as Python functions, odeint on a 0.01 ms grid, 10 uA/cm^2 from 5 ms."""
    from scipy.integrate import odeint

    def alpha_m(v):
        return 0.1 * (v + 40.0) / (1.0 - np.exp(-(v + 40.0) / 10.0))

    def beta_m(v):
        return 4.0 * np.exp(-(v + 65.0) / 18.0)

    def alpha_h(v):
        return 0.07 * np.exp(-(v + 65.0) / 20.0)

    def beta_h(v):
        return 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))

    def alpha_n(v):
        return 0.01 * (v + 55.0) / (1.0 - np.exp(-(v + 55.0) / 10.0))

    def beta_n(v):
        return 0.125 * np.exp(-(v + 65.0) / 80.0)

    def i_inj(t):
        return 10.0 * (t >= 5.0)

    def dxdt(x, t):
        v, m, h, n = x
        i_na = 120.0 * m**3 * h * (v - 50.0)
        i_k = 36.0 * n**4 * (v + 77.0)
        i_l = 0.3 * (v + 54.387)
        return [
            i_inj(t) - i_na - i_k - i_l,
            alpha_m(v) * (1 - m) - beta_m(v) * m,
            alpha_h(v) * (1 - h) - beta_h(v) * h,
            alpha_n(v) * (1 - n) - beta_n(v) * n,
        ]

    t = np.arange(0.0, 1000.0, 0.01)
    odeint(dxdt, [-65.0, 0.0529, 0.5961, 0.3177], t)


def main() -> None:
    start = time.perf_counter()
    from hhtui.model import Membrane, Simulation, Step

    import_seconds = time.perf_counter() - start

    def one_neuron() -> None:
        Simulation(Membrane(), Step(amplitude=10.0, start=5.0)).advance(1000.0)

    start = time.perf_counter()
    one_neuron()  # first call: loads (or on the very first run compiles) the cached kernels
    first_seconds = time.perf_counter() - start
    single = best_of(5, one_neuron)
    steps = 100_000

    amplitudes = np.linspace(0.0, 50.0, 1001)

    def population() -> None:
        Simulation(Membrane(), Step(amplitude=amplitudes, start=0.0)).advance(100.0, record=False)

    population()
    many = best_of(3, population)
    odeint_seconds = best_of(2, textbook_odeint)

    print(f"import hhtui.model:                      {import_seconds * 1000:8.1f} ms")
    print(f"first single run (kernel load/compile):  {first_seconds * 1000:8.1f} ms")
    print(
        f"one neuron, 1000 ms, dt 0.01, rk4:       {single * 1000:8.1f} ms  = "
        f"{steps / single / 1e6:6.2f} M steps/s (recording every step)"
    )
    print(
        f"1001 neurons, 100 ms, dt 0.01, rk4:      {many * 1000:8.1f} ms  = "
        f"{1001 * 10_000 / many / 1e6:6.2f} M neuron-steps/s"
    )
    print(
        f"textbook odeint script, one neuron:      {odeint_seconds * 1000:8.1f} ms  "
        f"({odeint_seconds / single:.0f}x slower)"
    )


if __name__ == "__main__":
    main()
