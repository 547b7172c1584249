"""Recorded samples of a run: time, state, stimulus, ionic currents and conductances."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from numpy.typing import NDArray

from .membrane import Membrane

#: CSV column name -> Samples attribute, in the order the CSV writes them.
CSV_COLUMNS: dict[str, str] = {
    "t_ms": "t",
    "V_mV": "V",
    "m": "m",
    "h": "h",
    "n": "n",
    "I_stim_uA_cm2": "I_stim",
    "I_Na_uA_cm2": "I_Na",
    "I_K_uA_cm2": "I_K",
    "I_L_uA_cm2": "I_L",
    "g_Na_mS_cm2": "g_Na",
    "g_K_mS_cm2": "g_K",
}
CLAMP_COLUMN = "I_clamp_uA_cm2"

_PER_NEURON = ("V", "m", "h", "n", "I_stim", "I_Na", "I_K", "I_L", "g_Na", "g_K")


@dataclass
class Samples:
    """Samples at times ``t`` (ms, shape (T,)) for a population of N neurons.

    Per-neuron arrays have shape (N, T): V (mV); m, h, n (dimensionless); I_stim, I_Na, I_K, I_L
    (uA/cm^2, ionic currents outward positive); g_Na, g_K (mS/cm^2). Under voltage clamp
    ``I_clamp`` (uA/cm^2) is the current the clamp injects to hold the voltage (equal to the
    total ionic current; the capacitive transient at the voltage jumps is not included), else
    None. ``spike_neuron``/``spike_time`` (ms) list the upward threshold crossings in the chunk.
    """

    t: NDArray[np.float64]
    V: NDArray[np.float64]
    m: NDArray[np.float64]
    h: NDArray[np.float64]
    n: NDArray[np.float64]
    I_stim: NDArray[np.float64]
    I_Na: NDArray[np.float64]
    I_K: NDArray[np.float64]
    I_L: NDArray[np.float64]
    g_Na: NDArray[np.float64]
    g_K: NDArray[np.float64]
    I_clamp: NDArray[np.float64] | None = None
    spike_neuron: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    spike_time: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def from_state(
        cls,
        t: NDArray[np.float64],
        state: NDArray[np.float64],
        i_stim: NDArray[np.float64],
        membrane: Membrane,
        clamp: bool = False,
        spike_neuron: NDArray[np.int64] | None = None,
        spike_time: NDArray[np.float64] | None = None,
    ) -> Samples:
        """Derive currents and conductances from a recorded state (4, N, T) under ``membrane``
        (:mod:`hhtui.model.currents`)."""
        from .currents import conductances, ionic_currents

        v, m, h, n = state[0], state[1], state[2], state[3]
        p = membrane.as_array()
        g_na, g_k = conductances(m, h, n, p)
        i_na, i_k, i_l = ionic_currents(v, m, h, n, p)
        return cls(
            t=t,
            V=v,
            m=m,
            h=h,
            n=n,
            I_stim=i_stim,
            I_Na=i_na,
            I_K=i_k,
            I_L=i_l,
            g_Na=g_na,
            g_K=g_k,
            I_clamp=(i_na + i_k + i_l) if clamp else None,
            spike_neuron=spike_neuron if spike_neuron is not None else np.zeros(0, dtype=np.int64),
            spike_time=spike_time if spike_time is not None else np.zeros(0),
        )

    @classmethod
    def from_block(
        cls,
        t: NDArray[np.float64],
        block: NDArray[np.float64],
        spike_neuron: NDArray[np.int64] | None = None,
        spike_time: NDArray[np.float64] | None = None,
    ) -> Samples:
        """Samples whose per-neuron arrays are the rows of ``block`` (10 or 11, N, T), in the order
        of :data:`hhtui.model.currents.BLOCK_ROWS` (an 11th row: the clamp current), without a copy."""
        rows = dict(zip(_PER_NEURON, block))
        return cls(
            t=t,
            **rows,
            I_clamp=block[10] if block.shape[0] > 10 else None,
            spike_neuron=spike_neuron if spike_neuron is not None else np.zeros(0, dtype=np.int64),
            spike_time=spike_time if spike_time is not None else np.zeros(0),
        )

    @classmethod
    def empty(cls, population: int = 1, clamp: bool = False) -> Samples:
        """No samples (T = 0) for ``population`` neurons."""
        blank = np.zeros((population, 0))
        per_neuron = {name: blank.copy() for name in _PER_NEURON}
        return cls(t=np.zeros(0), **per_neuron, I_clamp=blank.copy() if clamp else None)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def population(self) -> int:
        """Number of neurons N."""
        return int(self.V.shape[0])

    @property
    def is_clamp(self) -> bool:
        return self.I_clamp is not None

    def columns(self, neuron: int = 0) -> dict[str, NDArray[np.float64]]:
        """CSV columns (names with units) for one neuron, in the documented order."""
        out = {name: (self.t if attr == "t" else getattr(self, attr)[neuron]) for name, attr in CSV_COLUMNS.items()}
        if self.I_clamp is not None:
            out[CLAMP_COLUMN] = self.I_clamp[neuron]
        return out

    def select(self, start: int, stop: int | None = None) -> Samples:
        """Samples with indices [start, stop) (spikes kept if within that time span)."""
        stop = len(self) if stop is None else stop
        sliced = {f.name: getattr(self, f.name) for f in fields(self)}
        sliced["t"] = self.t[start:stop]
        for name in _PER_NEURON:
            sliced[name] = getattr(self, name)[:, start:stop]
        if self.I_clamp is not None:
            sliced["I_clamp"] = self.I_clamp[:, start:stop]
        if len(sliced["t"]):
            keep = (self.spike_time >= sliced["t"][0] - 1e-12) & (self.spike_time <= sliced["t"][-1] + 1e-12)
            sliced["spike_neuron"] = self.spike_neuron[keep]
            sliced["spike_time"] = self.spike_time[keep]
        return Samples(**sliced)

    @staticmethod
    def concatenate(chunks: Sequence[Samples]) -> Samples:
        """Join chunks end to end (they must have the same population and clamp mode)."""
        chunks = [c for c in chunks if c is not None]
        if not chunks:
            return Samples.empty()
        clamp = any(c.I_clamp is not None for c in chunks)
        joined = {
            "t": np.concatenate([c.t for c in chunks]),
            "spike_neuron": np.concatenate([c.spike_neuron for c in chunks]),
            "spike_time": np.concatenate([c.spike_time for c in chunks]),
        }
        for name in _PER_NEURON:
            joined[name] = np.concatenate([getattr(c, name) for c in chunks], axis=1)
        if clamp:
            joined["I_clamp"] = np.concatenate(
                [c.I_clamp if c.I_clamp is not None else c.I_Na + c.I_K + c.I_L for c in chunks], axis=1
            )
        return Samples(**joined)
