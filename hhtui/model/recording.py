"""A bounded recording of a run: the chunks a simulation returns, kept up to a limit."""

from __future__ import annotations

from collections import deque

import numpy as np

from .samples import Samples

#: Default limit of a recording, in samples: with the 12 columns of a run, about 100 MB.
DEFAULT_MAX_SAMPLES = 1_000_000


class Recording:
    """Chunks of :class:`Samples` appended as a run advances, oldest dropped past ``max_samples``.

    ``dropped`` counts the samples that were dropped, so an export can say that the file starts
    later than t = 0. Memory therefore stays bounded however long the run.
    """

    def __init__(self, max_samples: int = DEFAULT_MAX_SAMPLES) -> None:
        if max_samples < 1:
            raise ValueError("max_samples must be at least 1")
        self.max_samples = int(max_samples)
        self._chunks: deque[Samples] = deque()
        self._count = 0
        self.dropped = 0

    def __len__(self) -> int:
        return self._count

    def clear(self) -> None:
        """Forget everything (after a reset)."""
        self._chunks.clear()
        self._count = 0
        self.dropped = 0

    def append(self, chunk: Samples) -> None:
        """Add a chunk; drop the oldest samples beyond the limit."""
        if len(chunk) == 0:
            return
        self._chunks.append(chunk)
        self._count += len(chunk)
        while self._count > self.max_samples:
            oldest = self._chunks[0]
            excess = self._count - self.max_samples
            if len(oldest) <= excess:
                self._chunks.popleft()
                self._count -= len(oldest)
                self.dropped += len(oldest)
            else:
                self._chunks[0] = oldest.select(excess)
                self._count -= excess
                self.dropped += excess

    @property
    def t_last(self) -> float:
        """Time of the newest sample (ms), NaN when empty."""
        return float(self._chunks[-1].t[-1]) if self._chunks else float("nan")

    def samples(self) -> Samples:
        """Everything kept, as one :class:`Samples`."""
        return Samples.concatenate(list(self._chunks))

    def tail(self, duration: float) -> Samples:
        """The samples of the last ``duration`` ms (what an oscilloscope window shows)."""
        if not self._chunks:
            return Samples.empty()
        t_from = self.t_last - duration
        picked: list[Samples] = []
        for chunk in reversed(self._chunks):
            picked.append(chunk)
            if chunk.t[0] <= t_from:
                break
        joined = Samples.concatenate(picked[::-1])
        start = int(np.searchsorted(joined.t, t_from, side="left"))
        return joined.select(start)

    def spike_times(self, neuron: int = 0) -> np.ndarray:
        """All kept spike times (ms) of one neuron."""
        times = [c.spike_time[c.spike_neuron == neuron] for c in self._chunks]
        return np.concatenate(times) if times else np.zeros(0)
