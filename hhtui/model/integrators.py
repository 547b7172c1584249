"""The membrane core: the Hodgkin-Huxley step of every fixed-step method and the population kernel.

Methods (:data:`hhtui.model.solver.REGISTRY`; each fixed-step method's kernel code, EULER, RK4 or
EXPEULER there, selects its branch of :func:`step`):

- ``euler``: forward Euler. First order; unstable at large dt (kept for teaching).
- ``rk4``: classical 4th-order Runge-Kutta (the default: at dt 0.01 ms it matches a tight
  reference to ~1e-5 ms in spike times).
- ``expeuler``: exponential Euler (Rush-Larsen, as NEURON's ``cnexp`` and Brian2's default):
  every variable is linear in itself once the others are frozen at the start of the step, so
  each gate relaxes exactly towards x_inf(V) with tau_x(V), and V towards the voltage where the
  ionic and injected currents balance, with tau = C_m / g_total. First order, but stable at
  dt = 0.1 ms.
- ``scipy``: adaptive ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-10) as a reference
  (:func:`reference_solution`, run by :func:`hhtui.model.runners.reference_integrate`).

One implementation of each piece, used by the point neuron, the population, the network and
(for the blow-up test and the crossing) the cable:
:func:`derivatives` (the gate kinetics with :func:`hhtui.model.channels.rates`, the ionic
currents with :func:`hhtui.model.currents.ionic_currents`),
:func:`step` (one step of a method: ``step(method, v, m, h, n, i_start, i_mid, i_end, dt, params)
-> (v, m, h, n)`` with the injected current in uA/cm^2 at the start, middle and end of the step),
:func:`state_ok` (the blow-up test) and :func:`crossing_time` (the threshold crossing, linearly
interpolated). :func:`integrate` runs a population through the pieces of a stimulus (a
:class:`hhtui.model.job.Job`), stepping onto their edges with :func:`hhtui.model.pieces.substep_end`:
blocks of neurons, time in the outer loop and neurons in the inner one, which the compiler
vectorises (branch-free rates and exp; no floating-point shortcut, so the vectorised loop gives
the same bits as a scalar one).

``params`` is :meth:`Membrane.as_array`: c_m, g_na, g_k, g_l, e_na, e_k, e_l, phi, h active.
"""

from __future__ import annotations

import math
import os
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ._jit import entry, njit
from .channels import rates, relax_gates
from .currents import conductances_kernel as conductances
from .currents import ionic_currents_kernel as ionic_currents
from .fastexp import exp
from .job import KERNEL_ARGS, Job
from .pieces import TIME_TOLERANCE, substep_end
from .solver import DEFAULT_METHOD, EULER, EXPEULER, METHOD_DESCRIPTIONS, METHODS, RK4  # noqa: F401  (re-exported)

#: How far outside [0, 1] a gate may stray (rounding of a stable method) before the step counts as unstable.
GATE_SLACK = 1e-3


def _derivatives(
    v: float, m: float, h: float, n: float, i_ext: float, p: NDArray[np.float64]
) -> tuple[float, float, float, float]:
    """dV/dt (mV/ms) and dm/dt, dh/dt, dn/dt (1/ms) for injected current ``i_ext`` (uA/cm^2)."""
    a_m, b_m, a_h, b_h, a_n, b_n = rates(v, p[7])
    i_na, i_k, i_l = ionic_currents(v, m, h, n, p)
    # (the division by C_m is a multiplication by its reciprocal)
    return (
        (i_ext - (i_na + i_k + i_l)) * (1.0 / p[0]),
        a_m * (1.0 - m) - b_m * m,
        (a_h * (1.0 - h) - b_h * h) * p[8],
        a_n * (1.0 - n) - b_n * n,
    )


derivatives = njit(_derivatives, numpy_errors=True)


def _step(
    method: int,
    v: float,
    m: float,
    h: float,
    n: float,
    i_start: float,
    i_mid: float,
    i_end: float,
    dt: float,
    p: NDArray[np.float64],
) -> tuple[float, float, float, float]:
    """Advance one neuron by ``dt`` ms with the method of kernel code ``method`` (see module docstring)."""
    if method == RK4:
        k1v, k1m, k1h, k1n = derivatives(v, m, h, n, i_start, p)
        half = 0.5 * dt
        k2v, k2m, k2h, k2n = derivatives(v + half * k1v, m + half * k1m, h + half * k1h, n + half * k1n, i_mid, p)
        k3v, k3m, k3h, k3n = derivatives(v + half * k2v, m + half * k2m, h + half * k2h, n + half * k2n, i_mid, p)
        k4v, k4m, k4h, k4n = derivatives(v + dt * k3v, m + dt * k3m, h + dt * k3h, n + dt * k3n, i_end, p)
        sixth = dt / 6.0
        return (
            v + sixth * (k1v + 2.0 * (k2v + k3v) + k4v),
            m + sixth * (k1m + 2.0 * (k2m + k3m) + k4m),
            h + sixth * (k1h + 2.0 * (k2h + k3h) + k4h),
            n + sixth * (k1n + 2.0 * (k2n + k3n) + k4n),
        )
    if method == EXPEULER:
        # V is linear in itself for fixed gates: it relaxes towards v_inf with tau = C_m / g_total.
        g_na, g_k = conductances(m, h, n, p)
        g_total = g_na + g_k + p[3]
        relaxed = g_total > 1e-12
        g_safe = g_total if relaxed else 1.0
        v_inf = (i_start + g_na * p[4] + g_k * p[5] + p[3] * p[6]) / g_safe
        v_relaxed = v_inf + (v - v_inf) * exp(-dt * g_safe / p[0])
        v_new = v_relaxed if relaxed else v + dt * i_start / p[0]
        m_new, h_new, n_new = relax_gates(v, m, h, n, dt, p[7], p[8] != 0.0)
        return v_new, m_new, h_new, n_new
    dv, dm, dh, dn = derivatives(v, m, h, n, i_start, p)
    return v + dt * dv, m + dt * dm, h + dt * dh, n + dt * dn


step = njit(_step, numpy_errors=True)


def _state_ok(v: float, m: float, h: float, n: float, v_limit: float) -> bool:
    """The blow-up test: V within +/-``v_limit`` mV and every gate within [0, 1] give or take
    GATE_SLACK (False for NaN too)."""
    return (
        abs(v) <= v_limit
        and -GATE_SLACK <= m <= 1.0 + GATE_SLACK
        and -GATE_SLACK <= h <= 1.0 + GATE_SLACK
        and -GATE_SLACK <= n <= 1.0 + GATE_SLACK
    )


state_ok = njit(_state_ok, numpy_errors=True)


def _crossing_time(t: float, h_step: float, v_before: float, v_after: float, level: float) -> float:
    """Time (ms) where V crosses ``level`` (mV) between (t, v_before) and (t + h_step, v_after),
    linearly interpolated."""
    return t + h_step * (level - v_before) / (v_after - v_before)


crossing_time = njit(_crossing_time, numpy_errors=True)


#: Rows of a recording that :func:`advance_one` fills with the currents and conductances too.
CURRENT_ROWS = 10

#: Most neurons advanced together in the inner loop (a block fits in the first-level cache).
BLOCK = 128


def _step_block(
    method: int,
    state: NDArray[np.float64],
    p: NDArray[np.float64],
    lo: int,
    size: int,
    value: NDArray[np.float64],
    slope: NDArray[np.float64],
    since: float,
    until: float,
    h_step: float,
    scratch: NDArray[np.float64],
) -> None:
    """One step of ``h_step`` ms for neurons lo .. lo+size-1 into ``scratch`` (rows 0-3), the
    injected current ``value[i] + slope[i] * t`` taken at t = ``since``, half-way and ``until``
    (ms into the piece). Inlined with a constant ``method``, the loop has no branch and no call,
    and the compiler vectorises it."""
    for q in range(size):
        i = lo + q
        i_start = value[i] + slope[i] * since
        i_end = value[i] + slope[i] * until
        v, m, h, n = step(
            method,
            state[0, i],
            state[1, i],
            state[2, i],
            state[3, i],
            i_start,
            0.5 * (i_start + i_end),
            i_end,
            h_step,
            p,
        )
        scratch[0, q] = v
        scratch[1, q] = m
        scratch[2, q] = h
        scratch[3, q] = n


step_block = njit(_step_block, numpy_errors=True)


def _advance_block(job: Job, lo: int, hi: int, scratch: NDArray[np.float64]) -> None:
    """Neurons lo..hi-1 of ``job`` through all its pieces (see :func:`integrate`); time in the
    outer loop, neurons in the inner one (:func:`step_block`). ``scratch`` (4, >= hi - lo)
    holds the new state until it has passed the blow-up test."""
    state = job.state
    bounds = job.bounds
    dt = job.dt
    record = job.record
    spike_time = job.spike_time
    spike_n = job.spike_n
    fail_time = job.fail_time
    threshold = job.threshold
    size = hi - lo
    tolerance = TIME_TOLERANCE * dt
    spike_capacity = spike_time.shape[1]
    j = job.record_offset
    t = bounds[0]
    t_stop = bounds[bounds.shape[0] - 1]
    k = int(math.floor(t / dt + job.grid_tolerance)) + 1
    s = 0
    while t < t_stop - tolerance:
        t_grid = k * dt
        on_grid = t_grid <= t_stop + tolerance
        end, s = substep_end(t, t_grid if on_grid else t_stop, bounds, s, tolerance)
        h_step = end - t
        since = t - job.origin[s]
        until = end - job.origin[s]
        value = job.value[s]
        slope = job.slope[s]
        if job.method == RK4:
            step_block(RK4, state, job.params, lo, size, value, slope, since, until, h_step, scratch)
        elif job.method == EXPEULER:
            step_block(EXPEULER, state, job.params, lo, size, value, slope, since, until, h_step, scratch)
        else:
            step_block(EULER, state, job.params, lo, size, value, slope, since, until, h_step, scratch)
        for q in range(size):
            i = lo + q
            if fail_time[i] != np.inf:
                continue
            v_old = state[0, i]
            v_new = scratch[0, q]
            if not state_ok(v_new, scratch[1, q], scratch[2, q], scratch[3, q], job.v_limit):
                fail_time[i] = t
                continue
            if v_old < threshold <= v_new:
                if spike_n[i] < spike_capacity:
                    spike_time[i, spike_n[i]] = crossing_time(t, h_step, v_old, v_new, threshold)
                spike_n[i] += 1
            state[0, i] = v_new
            state[1, i] = scratch[1, q]
            state[2, i] = scratch[2, q]
            state[3, i] = scratch[3, q]
        t = end
        if on_grid and end >= t_grid - tolerance:
            t = t_grid
            if job.stride > 0 and k % job.stride == 0:
                for q in range(size):
                    record[0, lo + q, j] = state[0, lo + q]
                    record[1, lo + q, j] = state[1, lo + q]
                    record[2, lo + q, j] = state[2, lo + q]
                    record[3, lo + q, j] = state[3, lo + q]
                j += 1
            k += 1


advance_block = njit(_advance_block, numpy_errors=True)


def _advance_one(job: Job, i: int) -> None:
    """Neuron ``i`` of ``job`` alone through all its pieces: :func:`advance_block` for a block of
    one, with the state held in registers instead of a scratch array between the steps. The same
    calls of :func:`step`, :func:`state_ok` and :func:`crossing_time` on the same values in the
    same order, so the same bits; only the loop around them is lighter. With a recording of
    CURRENT_ROWS rows or more (those of :data:`hhtui.model.currents.BLOCK_ROWS`), the ionic
    currents (uA/cm^2, rows 5-7) and conductances (mS/cm^2, rows 8-9) of each recorded state are
    written there too, as :func:`hhtui.model.currents.fill_currents` would afterwards (the same
    functions, so the same bits), while the state is at hand."""
    state = job.state
    bounds = job.bounds
    origin = job.origin
    dt = job.dt
    record = job.record
    spike_time = job.spike_time
    fail_time = job.fail_time
    threshold = job.threshold
    v_limit = job.v_limit
    p = job.params
    # the membrane as a tuple, held in registers (an array's elements are reloaded after every store)
    params: Any = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8])
    method = job.method
    stride = job.stride
    currents = record.shape[0] >= CURRENT_ROWS
    tolerance = TIME_TOLERANCE * dt
    spike_capacity = spike_time.shape[1]
    spikes = job.spike_n[i]
    failed = fail_time[i] != np.inf
    v = state[0, i]
    m = state[1, i]
    h = state[2, i]
    n = state[3, i]
    j = job.record_offset
    t = bounds[0]
    t_stop = bounds[bounds.shape[0] - 1]
    k = int(math.floor(t / dt + job.grid_tolerance)) + 1
    # grid points until the next recorded one (k % stride == 0), counted down instead of divided
    left = (-k) % stride if stride > 0 else -1
    s = 0
    while t < t_stop - tolerance:
        t_grid = k * dt
        on_grid = t_grid <= t_stop + tolerance
        end, s = substep_end(t, t_grid if on_grid else t_stop, bounds, s, tolerance)
        if not failed:
            h_step = end - t
            value = job.value[s, i]
            slope = job.slope[s, i]
            i_start = value + slope * (t - origin[s])
            i_end = value + slope * (end - origin[s])
            if method == RK4:
                v_new, m_new, h_new, n_new = step(
                    RK4, v, m, h, n, i_start, 0.5 * (i_start + i_end), i_end, h_step, params
                )
            elif method == EXPEULER:
                v_new, m_new, h_new, n_new = step(
                    EXPEULER, v, m, h, n, i_start, 0.5 * (i_start + i_end), i_end, h_step, params
                )
            else:
                v_new, m_new, h_new, n_new = step(
                    EULER, v, m, h, n, i_start, 0.5 * (i_start + i_end), i_end, h_step, params
                )
            if not state_ok(v_new, m_new, h_new, n_new, v_limit):
                fail_time[i] = t
                failed = True
            else:
                if v < threshold <= v_new:
                    if spikes < spike_capacity:
                        spike_time[i, spikes] = crossing_time(t, h_step, v, v_new, threshold)
                    spikes += 1
                v = v_new
                m = m_new
                h = h_new
                n = n_new
        t = end
        if on_grid and end >= t_grid - tolerance:
            t = t_grid
            if left == 0:
                record[0, i, j] = v
                record[1, i, j] = m
                record[2, i, j] = h
                record[3, i, j] = n
                if currents:
                    i_na, i_k, i_l = ionic_currents(v, m, h, n, params)
                    g_na, g_k = conductances(m, h, n, params)
                    record[5, i, j] = i_na
                    record[6, i, j] = i_k
                    record[7, i, j] = i_l
                    record[8, i, j] = g_na
                    record[9, i, j] = g_k
                j += 1
                left = stride
            left -= 1
            k += 1
    state[0, i] = v
    state[1, i] = m
    state[2, i] = h
    state[3, i] = n
    job.spike_n[i] = spikes


advance_one = njit(_advance_one, numpy_errors=True)


def _integrate_blocks(job: Job, block: int, first: int, last: int, scratch: NDArray[np.float64]) -> None:
    """Blocks ``first`` .. ``last - 1`` of ``block`` neurons through all the pieces of ``job``
    (see :func:`integrate`); ``scratch`` is (4, block). A population of one takes the scalar
    loop :func:`advance_one` (the same numbers)."""
    population = job.state.shape[1]
    if population == 1 and first == 0 and last == 1:
        advance_one(job, 0)
        return
    for b in range(first, last):
        lo = b * block
        advance_block(job, lo, min(population, lo + block), scratch)


integrate_blocks = entry(_integrate_blocks, KERNEL_ARGS + " i8 i8 i8 f8[:, :]", packed=Job)


#: From this many neurons a population is spread over the cores.
PARALLEL_MIN_POPULATION = 32


def threads_available() -> int:
    """Cores the population loop may use: ``NUMBA_NUM_THREADS`` if set (a worker process of a
    cluster sets it to 1), else every core."""
    try:
        chosen = int(os.environ.get("NUMBA_NUM_THREADS", "0"))
    except ValueError:
        chosen = 0
    return max(1, chosen if chosen > 0 else (os.cpu_count() or 1))


if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _thread_pool() -> ThreadPoolExecutor:
    """The threads that run blocks of a population beside the calling thread (made on first use)."""
    from concurrent.futures import ThreadPoolExecutor

    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, threads_available() - 1), thread_name_prefix="hhtui-kernel")
        return _pool


def integrate(job: Job, block: int, threads: int = 1) -> None:
    """Integrate the population ``job.state`` (4, N: V, m, h, n) over the stimulus pieces of
    ``job`` (:class:`hhtui.model.job.Job`) with the fixed-step method ``job.method``.

    Steps land on every grid point k*dt and on every piece bound, cut there by
    :func:`hhtui.model.pieces.substep_end`; at grid points with k % stride == 0 the state is
    recorded. Upward crossings of the threshold are interpolated linearly (:func:`crossing_time`).
    A neuron whose new state fails the blow-up test (:func:`_state_ok`: an explicit method losing
    stability, e.g. at strong hyperpolarisation where tau_m is microseconds, or a non-finite
    value) stops at its last good step, and the time of that step is written to its
    ``fail_time``. Blocks of ``block`` neurons run independently, on up to ``threads`` cores (the
    compiled loop runs without the GIL); neither the size of the blocks nor the number of threads
    changes a number.
    """
    kernel: Any = integrate_blocks
    blocks = -(-job.state.shape[1] // block)
    workers = max(1, min(threads, blocks))
    if workers == 1:
        kernel(job, block, 0, blocks, np.empty((4, block)))
        return
    if hasattr(kernel, "load"):
        kernel.load()  # once, before the threads need it
    taken = iter(range(blocks))
    lock = threading.Lock()
    stop = threading.Event()

    def work() -> None:
        scratch = np.empty((4, block))
        while not stop.is_set():
            with lock:
                b = next(taken, None)
            if b is None:
                return
            kernel(job, block, b, b + 1, scratch)

    pool = _thread_pool()
    futures = [pool.submit(work) for _ in range(workers - 1)]
    interrupted: BaseException | None = None
    try:
        work()
    except BaseException as error:  # Ctrl-C between two blocks: the others finish theirs first
        stop.set()
        interrupted = error
    for future in futures:
        while True:
            try:
                future.result()
                break
            except KeyboardInterrupt as error:
                stop.set()
                interrupted = interrupted or error
    if interrupted is not None:
        raise interrupted


def integrate_parallel(job: Job, block: int) -> None:
    """:func:`integrate` on every available core (:func:`threads_available`)."""
    integrate(job, block, threads_available())


def block_size(population: int, threads: int) -> int:
    """Neurons per block: at most BLOCK, and small enough that ``threads`` cores get about four
    blocks each (a multiple of 8, the vector width)."""
    share = -(-population // (4 * max(1, threads)))
    return int(min(BLOCK, max(8, -(-share // 8) * 8)))


def reference_solution(
    p: NDArray[np.float64],
    state: NDArray[np.float64],
    i_value: NDArray[np.float64],
    i_slope: NDArray[np.float64],
    t_piece: float,
    t_from: float,
    t_to: float,
    t_eval: NDArray[np.float64],
    rtol: float = 1e-10,
    atol: float = 1e-10,
):
    """Adaptive reference (scipy ``solve_ivp``, DOP853) over one stimulus piece for a population.

    Returns (state at t_to (4, N), states at ``t_eval`` (4, N, len(t_eval)), dense solution).
    scipy is imported here, lazily, so that nothing else pays for it.
    """
    from scipy.integrate import solve_ivp

    population = state.shape[1]

    def rhs(t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty_like(y)
        for i in range(population):
            current = i_value[i] + i_slope[i] * (t - t_piece)
            out[4 * i : 4 * i + 4] = derivatives(y[4 * i], y[4 * i + 1], y[4 * i + 2], y[4 * i + 3], current, p)
        return out

    y0 = state.T.reshape(-1).copy()
    solution = solve_ivp(rhs, (t_from, t_to), y0, method="DOP853", rtol=rtol, atol=atol, dense_output=True)
    if not solution.success:
        raise RuntimeError(f"reference solver failed: {solution.message}")
    end = solution.sol(t_to).reshape(population, 4).T.copy()
    at = (
        solution.sol(t_eval).reshape(population, 4, -1).transpose(1, 0, 2)
        if len(t_eval)
        else np.empty((4, population, 0))
    )
    return end, at, solution.sol
