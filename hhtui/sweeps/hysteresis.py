"""Hysteresis: the current stepped up and then down, each step continuing from the state the
previous one ended in.

A sustained current above the subcritical Hopf point (about 9.78 uA/cm^2 in the 1952 model at
6.3 C) destabilises rest, while firing, once started, survives down to the fold of limit cycles
(about 6.26 uA/cm^2). Between the two the membrane is bistable: stepping the current up from
rest it stays at rest, stepping it down from firing it keeps firing. Starting every step from
rest (as an F-I sweep does) cannot show this; continuing from the previous state does.

Each step lasts ``t_stop`` ms; spikes are counted (and the rate taken from the inter-spike
intervals) after ``transient`` ms of the step, and the voltage's maximum and minimum (mV) over
that same part show whether the membrane rests (both close together) or fires.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hhtui.model import Membrane, Simulation, Step
from hhtui.model.analysis import isi_rates

from .chunks import RunSettings

__all__ = ["HYSTERESIS_COLUMNS", "HysteresisResult", "hysteresis_sweep"]

#: Columns of the hysteresis CSV; ``direction`` is +1 on the way up and -1 on the way down.
HYSTERESIS_COLUMNS = ("amp_uA_cm2", "direction", "spike_count", "rate_Hz", "V_max_mV", "V_min_mV")

#: Time steps per slice of a step: the granularity of progress and Ctrl-C, and the most samples
#: held in memory at once.
SLICE_STEPS = 200_000


@dataclass(frozen=True)
class HysteresisResult:
    """Both branches, up then down, one entry per step (see :data:`HYSTERESIS_COLUMNS`)."""

    amps: NDArray[np.float64]
    direction: NDArray[np.int64]
    spike_count: NDArray[np.int64]
    rate_hz: NDArray[np.float64]
    v_max: NDArray[np.float64]
    v_min: NDArray[np.float64]

    def columns(self) -> dict[str, NDArray[np.float64]]:
        values = (self.amps, self.direction, self.spike_count, self.rate_hz, self.v_max, self.v_min)
        return {name: np.asarray(v, dtype=np.float64) for name, v in zip(HYSTERESIS_COLUMNS, values)}

    def bistable_range(self, min_spikes: int = 2) -> tuple[float, float] | None:
        """(lowest, highest) current, uA/cm^2, at which the down branch fires (at least
        ``min_spikes`` spikes) while the up branch does not; None where the branches agree."""
        up = {a: c for a, c, d in zip(self.amps, self.spike_count, self.direction) if d > 0}
        down = {a: c for a, c, d in zip(self.amps, self.spike_count, self.direction) if d < 0}
        differ = sorted(a for a in up if a in down and down[a] >= min_spikes and up[a] < min_spikes)
        return (float(differ[0]), float(differ[-1])) if differ else None


def hysteresis_sweep(
    amps: Sequence[float], membrane: Membrane, settings: RunSettings, progress: Callable[[int], None] | None = None
) -> HysteresisResult:
    """Step through ``amps`` (uA/cm^2, in the order given) and back, from rest at the first one;
    ``progress(steps)`` is called after every slice with the time steps just done."""
    up = [float(a) for a in amps]
    sequence = up + up[::-1]
    direction = [1] * len(up) + [-1] * len(up)
    sim = Simulation(
        membrane,
        Step(amplitude=sequence[0], start=0.0),
        dt=settings.dt,
        method=settings.method,
        threshold=settings.threshold,
    )
    steps_per = settings.steps
    counts, rates, v_max, v_min = [], [], [], []
    for amp in sequence:
        sim.set_stimulus(Step(amplitude=amp, start=0.0))
        start = sim.t
        count, first, last = 0, np.inf, -np.inf
        high, low = -np.inf, np.inf
        done = 0
        while done < steps_per:
            todo = min(SLICE_STEPS, steps_per - done)
            end = start + (settings.t_stop if done + todo >= steps_per else (done + todo) * settings.dt)
            samples = sim.advance(end - sim.t, record=True)
            late_spikes = samples.spike_time[samples.spike_time >= start + settings.transient]
            if late_spikes.size:
                count += int(late_spikes.size)
                first = min(first, float(late_spikes.min()))
                last = max(last, float(late_spikes.max()))
            late = samples.t >= start + settings.transient
            if late.any():
                v = samples.V[0][late]
                high, low = max(high, float(v.max())), min(low, float(v.min()))
            done += todo
            if progress is not None:
                progress(todo)
        counts.append(count)
        rates.append(float(isi_rates(np.array([count]), np.array([first]), np.array([last]))[0]))
        v_max.append(high)
        v_min.append(low)
    return HysteresisResult(
        amps=np.array(sequence),
        direction=np.array(direction, dtype=np.int64),
        spike_count=np.array(counts, dtype=np.int64),
        rate_hz=np.array(rates),
        v_max=np.array(v_max),
        v_min=np.array(v_min),
    )
