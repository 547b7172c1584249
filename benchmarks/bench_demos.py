"""Size and drawing time of the animated GIFs of ``hhtui animate``, at its defaults.

For the default run (a 10 uA/cm^2 step, 50 ms), the same with its gates, a 1000 ms run (100,001
samples), an axon and a ring network, prints the frames, the GIF's size (target for the default
run: well under 2 MB) and the time to draw and encode it (in this process: no interpreter start,
no simulation).

    python benchmarks/bench_demos.py
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from hhtui.animation import encode_gif, render
from hhtui.animation.sources import scene_from_columns

SIZE, GATES_SIZE, FPS, SECONDS = (800, 450), (800, 600), 20.0, 6.0


def run_columns(t_stop: float) -> tuple[dict[str, Any], dict[str, Any]]:
    from hhtui.cli.run import simulate
    from hhtui.model import Experiment

    experiment = Experiment(t_stop=t_stop)
    samples, _ = simulate(experiment)
    return samples.columns(0), experiment.to_dict()


def axon_columns() -> tuple[dict[str, Any], dict[str, Any]]:
    from hhtui.model.cable import CableSettings, position_columns, simulate_cable

    settings = CableSettings()
    return dict(position_columns(simulate_cable(settings), 50)), settings.to_dict()


def ring_columns() -> tuple[dict[str, Any], dict[str, Any]]:
    from hhtui.model.network import NetworkSettings, simulate_network

    settings = NetworkSettings(topology="ring", n=10)
    result = simulate_network(settings)
    return {"neuron": np.asarray(result.spike_neuron, dtype=float), "t_ms": result.spike_time}, settings.to_dict()


def measure(name: str, columns: dict[str, Any], settings: dict[str, Any], gates: bool = False) -> None:
    scene = scene_from_columns(columns, settings, gates=gates)
    size = GATES_SIZE if gates else SIZE
    start = time.perf_counter()
    animation = render(scene, size, FPS, SECONDS)
    drawn = time.perf_counter()
    data = encode_gif(animation)
    done = time.perf_counter()
    print(
        f"{name:<28} {len(animation.frames):4d} frames {size[0]}x{size[1]}  {len(data) / 1024:7.0f} KiB  "
        f"draw {drawn - start:5.2f} s  encode {done - drawn:5.2f} s"
    )


def main() -> int:
    print(f"hhtui animate at its defaults: {SECONDS:g} s at {FPS:g} fps")
    columns, settings = run_columns(50.0)
    measure("run, 50 ms (target < 2 MB)", columns, settings)
    measure("run, 50 ms, --gates", columns, settings, gates=True)
    measure("run, 1000 ms", *run_columns(1000.0))
    measure("axon, 5 ms", *axon_columns())
    measure("ring of 10 neurons, 100 ms", *ring_columns())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
