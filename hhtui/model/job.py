"""What an integrator is given: one batch of stimulus pieces for a population, packed once.

Every integrator (the compiled fixed-step kernel, the voltage clamp, the scipy reference; see
:mod:`hhtui.model.runners`) is called with a :class:`Job` (made in the one loop of
:meth:`hhtui.model.simulation.Simulation.advance`), so that the list of what a run hands to its
integrator is written in this one place. The compiled
kernels receive it as one argument too (a named tuple, unpacked by the compiler at no cost);
:data:`KERNEL_ARGS` is its layout for the C-callable wrappers (:mod:`hhtui.model._native`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray


class Job(NamedTuple):
    """Advance ``state`` through the stimulus pieces [bounds[s], bounds[s+1]] (ms).

    Within piece s the protocol for neuron i is ``value[s, i] + slope[s, i] * (t - origin[s])``
    (injected current in uA/cm^2 and uA/cm^2/ms; under voltage clamp the command in mV, slope 0).
    Steps land on every grid point k*dt and on every piece bound (the first grid point after a
    time t is the one after floor(t/dt + grid_tolerance)).
    """

    #: the method's kernel code (:attr:`hhtui.model.solver.Method.kernel`)
    method: int
    #: (4, N): V (mV), m, h, n of every neuron, advanced in place
    state: NDArray[np.float64]
    #: the membrane packed for the kernels (:meth:`hhtui.model.membrane.Membrane.as_array`)
    params: NDArray[np.float64]
    #: (S + 1,) piece bounds, ms
    bounds: NDArray[np.float64]
    #: (S, N) the protocol of each piece at its origin ...
    value: NDArray[np.float64]
    #: (S, N) ... its slope within the piece ...
    slope: NDArray[np.float64]
    #: (S,) ... and the origin, ms (see :func:`hhtui.model.pieces.piece_values`)
    origin: NDArray[np.float64]
    #: time step, ms
    dt: float
    #: fraction of dt within which a time counts as on the grid
    grid_tolerance: float
    #: the state is recorded at grid points with k % stride == 0 (none if stride <= 0) ...
    stride: int
    #: ... into record[:, i, j] (at least 4 rows: V, m, h, n) ...
    record: NDArray[np.float64]
    #: ... j counting from record_offset
    record_offset: int
    #: (N, capacity) upward crossings of ``threshold`` (ms), while there is room ...
    spike_time: NDArray[np.float64]
    #: (N,) ... and how many there were
    spike_n: NDArray[np.int64]
    #: spike detection level, mV (inf: none)
    threshold: float
    #: |V| (mV) beyond which a state has blown up
    v_limit: float
    #: (N,) time (ms) of a neuron's last good step before a blow-up; inf while it has none
    fail_time: NDArray[np.float64]


#: The layout of a :class:`Job` for the C-callable kernels (the notation of :mod:`hhtui.model._native`).
KERNEL_ARGS = "i8 f8[:, :] f8[:] f8[:] f8[:, :] f8[:, :] f8[:] f8 f8 i8 f8[:, :, :] i8 f8[:, :] i8[:] f8 f8 f8[:]"
