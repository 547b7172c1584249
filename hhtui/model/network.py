"""A network of Hodgkin-Huxley neurons coupled by conductance-based synapses.

Every neuron is the HH membrane of :class:`Membrane` (all identical), stepped by
:func:`hhtui.model.integrators.step` with its injected current (uA/cm^2) made of a stimulus
("kick") and the synaptic current

    I_syn,i = - sum_k g_k,i (V_i - E_k)

where g_k,i (mS/cm^2) is the total conductance of the synapses onto neuron i that share the
reversal potential E_k (0 mV excitatory, -80 mV inhibitory by convention). A presynaptic spike
is an upward crossing of 0 mV (time interpolated within the step); ``delay`` ms later the
conductance of every synapse it drives jumps by its ``weight`` (mS/cm^2), then decays
exponentially with time constant ``tau`` (ms, exact decay factor per step). The synaptic current
is evaluated with the voltage at the start of each step. The kick is evaluated as every
protocol is (:mod:`hhtui.model.pieces`): a step that its onset or end falls inside is cut in two
there, as in the point neuron. The neurons start at rest (:func:`hhtui.model.currents.rest_state`);
the blow-up test and the interpolated crossing are those of :mod:`hhtui.model.integrators`.

Arrival times are rounded up to the time grid, so a postsynaptic response never begins earlier
than ``delay`` after the presynaptic spike. Pending arrivals sit in a ring buffer of
conductance increments (one slot per step of the longest delay); connections are stored as a
sparse CSR list by presynaptic neuron, so a spike costs one pass over its own synapses.

Connection rules: ``ring`` (i -> i+1, n-1 -> 0), ``chain`` (i -> i+1), ``all`` (every ordered
pair, no self-connections), ``random`` (each ordered pair i != j independently with probability
``p``, from ``numpy.random.default_rng(seed)``), or ``list`` (explicit tuples
``(pre, post[, weight[, delay[, e_syn]]])``, so excitatory and inhibitory synapses can mix).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ._jit import njit
from .currents import rest_state
from .errors import ParameterError
from .integrators import crossing_time, state_ok, step
from .membrane import Membrane, check_int, check_range
from .pieces import TIME_TOLERANCE, grid_bounds, piece_at, piece_values, substep_end
from .simulation import V_LIMIT
from .solver import REGISTRY, FixedStepRun
from .stimulus import NoStimulus, Pulse

TOPOLOGIES = ("ring", "chain", "all", "random", "list")
#: Reversal potentials of the two classic synapse kinds, mV.
EXCITATORY_E_SYN_MV = 0.0
INHIBITORY_E_SYN_MV = -80.0
#: Fixed-step methods a network may use (see :mod:`hhtui.model.integrators`).
NETWORK_METHODS = ("rk4", "expeuler", "euler")

MAX_NEURONS = 100_000
MAX_CONNECTIONS = 50_000_000
#: Largest delay ring buffer (slots x reversal potentials x neurons), in values.
MAX_BUFFER_VALUES = 50_000_000
MAX_RECORDED_VALUES = 25_000_000
#: Largest amount of work of one run, in neuron-steps (about half an hour of computing at some
#: 0.2 us per neuron-step with RK4 on one core; synaptic events come on top).
MAX_WORK = 1.0e10
#: Largest memory one run may take, in bytes, as estimated before anything is built.
MAX_MEMORY_BYTES = 2.0e9
#: Estimated peak memory per synapse while the connections are built and sorted, bytes.
BYTES_PER_SYNAPSE = 96
#: Most spikes one run keeps (16 bytes each).
MAX_SPIKES = 50_000_000
#: Neuron-steps advanced per call of the kernel: between two calls the run reports its progress
#: and Ctrl-C (or a signal handler) is seen, so each call is kept to about 0.1 s.
CHUNK_WORK = 250_000
#: Spikes the run makes room for at first (the room grows as they come).
INITIAL_SPIKE_ROOM = 1_000_000
#: Neurons whose voltage is recorded when ``record_neurons`` is not given: all of a small
#: network, else the first ones.
DEFAULT_RECORDED = 64

#: Range of each number of a network run: (unit, low, high, low included). The high end is included.
NETWORK_RANGES: dict[str, tuple[str, float, float, bool]] = {
    "p": ("", 0.0, 1.0, True),
    "weight": ("mS/cm^2", 0.0, 1000.0, True),
    "delay": ("ms", 0.0, 1000.0, True),
    "tau": ("ms", 0.0, 1.0e4, False),
    "e_syn": ("mV", -200.0, 200.0, True),
    "kick_amp": ("uA/cm^2", -10000.0, 10000.0, True),
    "kick_at": ("ms", 0.0, 1.0e7, True),
    "kick_duration": ("ms", 0.0, 1.0e7, True),
    "dt": ("ms", 1e-5, 1.0, True),
    "t_stop": ("ms", 0.0, 1.0e7, False),
    "sample_every": ("ms", 0.0, 1.0e7, False),
    "threshold_mV": ("mV", -200.0, 200.0, True),
}


def _check_neurons(name: str, value: Any, n: int) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ParameterError(f"{name} must be a list of neuron indices, got {value!r}")
    return tuple(check_int(f"{name} entry", item, 0, n - 1) for item in value)


@dataclass(frozen=True)
class NetworkSettings(FixedStepRun):
    """Everything that defines one network run.

    Attributes:
        n: number of neurons.
        topology: ``ring``, ``chain``, ``all``, ``random`` or ``list`` (see the module docstring).
        p: connection probability of ``random``.
        seed: seed of ``random``.
        connections: the ``list`` topology's tuples ``(pre, post[, weight[, delay[, e_syn]]])``.
        weight: synaptic weight (conductance jump per spike), mS/cm^2.
        delay: synaptic delay, ms.
        tau: decay time constant of the synaptic conductance, ms.
        e_syn: synaptic reversal potential, mV (0 excitatory, -80 inhibitory).
        kick_amp: amplitude of the kick current pulse, uA/cm^2.
        kick_at: onset of the kick, ms.
        kick_duration: duration of the kick, ms.
        kick_neurons: neurons that get the kick.
        dt: time step, ms.
        t_stop: duration, ms.
        method: ``rk4`` (default), ``expeuler`` or ``euler``.
        sample_every: time between recorded voltage samples, ms (rounded to whole steps).
        record_neurons: neurons whose voltage is recorded (None: all of the first 64).
        threshold_mV: a spike is an upward crossing of this voltage, mV.
        membrane: membrane parameters of every neuron.
    """

    KIND: ClassVar[str] = "network"

    n: int = 10
    topology: str = "ring"
    p: float = 0.1
    seed: int = 0
    connections: tuple[tuple[float, ...], ...] = ()
    weight: float = 0.5
    delay: float = 1.0
    tau: float = 2.0
    e_syn: float = EXCITATORY_E_SYN_MV
    kick_amp: float = 20.0
    kick_at: float = 1.0
    kick_duration: float = 1.0
    kick_neurons: tuple[int, ...] = (0,)
    dt: float = 0.01
    t_stop: float = 100.0
    method: str = "rk4"
    sample_every: float = 0.05
    record_neurons: tuple[int, ...] | None = None
    threshold_mV: float = 0.0
    membrane: Membrane = field(default_factory=Membrane)

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        set_("n", check_int("n", self.n, 1, MAX_NEURONS))
        if self.topology not in TOPOLOGIES:
            raise ParameterError(
                f"topology must be one of {', '.join(TOPOLOGIES)}, got {self.topology!r}", parameter="topology"
            )
        if self.topology == "ring" and self.n < 2:
            raise ParameterError("a ring needs n >= 2 neurons", parameters=("n", "topology"))
        set_("seed", check_int("seed", self.seed, 0, 2**63 - 1))
        for name, (unit, low, high, low_inclusive) in NETWORK_RANGES.items():
            set_(name, check_range(name, getattr(self, name), unit, low, high, low_inclusive))
        if self.method not in NETWORK_METHODS:
            raise ParameterError(
                f"method must be one of {', '.join(NETWORK_METHODS)}, got {self.method!r}", parameter="method"
            )
        if not isinstance(self.membrane, Membrane):
            raise ParameterError(f"membrane must be a Membrane, got {type(self.membrane).__name__}")
        set_("kick_neurons", _check_neurons("kick_neurons", self.kick_neurons, self.n))
        if self.record_neurons is not None:
            set_("record_neurons", _check_neurons("record_neurons", self.record_neurons, self.n))
        set_("connections", tuple(self._check_connection(item) for item in self.connections))
        if self.connections and self.topology != "list":
            raise ParameterError("connections are given only with topology 'list'", parameter="topology")
        if len(self.recorded) * self.n_samples > MAX_RECORDED_VALUES:
            raise ParameterError(
                f"recording {len(self.recorded)} neurons x {self.n_samples} samples is too large: raise sample_every",
                parameters=("sample_every", "t_stop"),
            )
        self._check_resources()

    def _check_resources(self) -> None:
        """Refuse, before anything is built, a run that would take too long or too much memory."""
        work = self.n * self.n_steps
        if work > MAX_WORK:
            raise ParameterError(
                f"too much work: t_stop = {self.t_stop:g} ms at dt = {self.dt:g} ms ({self.n_steps:,} steps) for "
                f"n = {self.n:,} neurons is {work:.3g} neuron-steps (at most {MAX_WORK:.0e}, about half an hour): "
                "shorten t_stop, raise dt or use fewer neurons",
                parameters=("t_stop", "dt", "n"),
            )
        synapses = self.expected_synapses
        memory = self.estimated_memory_bytes
        if memory > MAX_MEMORY_BYTES:
            need = f"about {memory / 1e9:.3g} GB of memory (at most {MAX_MEMORY_BYTES / 1e9:g} GB)"
            involved: tuple[str, ...] = ("delay", "dt", "n")
            if synapses * BYTES_PER_SYNAPSE > MAX_MEMORY_BYTES / 2:
                involved = ("p", "n") if self.topology == "random" else ("n",)
                if self.topology == "random":
                    text = (
                        f"p = {self.p:g} with n = {self.n:,} neurons makes about {synapses:.3g} synapses, "
                        f"{need}: lower p or n"
                    )
                elif self.topology == "list":
                    text = f"connections: {synapses:,.0f} synapses need {need}"
                else:
                    rule = "all-to-all" if self.topology == "all" else self.topology
                    text = f"n = {self.n:,} neurons {rule} makes {synapses:.3g} synapses, {need}: use fewer neurons"
            else:
                text = (
                    f"delay = {self.max_delay:g} ms at dt = {self.dt:g} ms with n = {self.n:,} neurons needs a "
                    f"delay buffer of {self.buffer_values:.3g} values and {need}: shorten the delay, raise dt or "
                    "use fewer neurons"
                )
            raise ParameterError(text, parameters=involved)
        if self.buffer_values > MAX_BUFFER_VALUES:
            raise ParameterError(
                f"delay {self.max_delay:g} ms at dt {self.dt:g} ms needs a buffer of {self.buffer_values:.3g} "
                f"values (at most {MAX_BUFFER_VALUES:.3g}): raise dt or shorten the delay",
                parameters=("delay", "dt"),
            )

    @property
    def expected_synapses(self) -> float:
        """Number of synapses the connection rule makes (the expected number for ``random``)."""
        n = self.n
        return float(
            {
                "ring": n,
                "chain": n - 1,
                "all": n * (n - 1),
                "random": n * (n - 1) * self.p,
                "list": len(self.connections),
            }[self.topology]
        )

    @property
    def max_delay(self) -> float:
        """Longest synaptic delay, ms."""
        delays = [item[3] for item in self.connections if len(item) > 3]
        return max([self.delay, *delays]) if self.topology == "list" and delays else self.delay

    @property
    def buffer_values(self) -> int:
        """Values in the ring buffer of pending conductance increments (slots x kinds x neurons)."""
        kinds = len({item[4] if len(item) > 4 else self.e_syn for item in self.connections}) if self.connections else 1
        return (math.floor(self.max_delay / self.dt) + 3) * kinds * self.n

    @property
    def estimated_memory_bytes(self) -> float:
        """Peak memory of a run, bytes (estimated): synapses, delay buffer, recording, spikes, state."""
        spikes = min(INITIAL_SPIKE_ROOM, self.n * (self.t_stop / 5.0 + 4)) + 2 * self.n
        return (
            self.expected_synapses * BYTES_PER_SYNAPSE
            + 8.0 * self.buffer_values
            + 8.0 * len(self.recorded) * self.n_samples
            + 16.0 * spikes
            + 128.0 * self.n
        )

    def _check_connection(self, item: Any) -> tuple[float, ...]:
        if isinstance(item, (str, bytes)) or not hasattr(item, "__len__") or not 2 <= len(item) <= 5:
            raise ParameterError(f"a connection is (pre, post[, weight[, delay[, e_syn]]]), got {item!r}")
        pre = check_int("connection pre", item[0], 0, self.n - 1)
        post = check_int("connection post", item[1], 0, self.n - 1)
        rest: list[float] = []
        if len(item) > 2:
            rest.append(check_range("connection weight", item[2], "mS/cm^2", 0.0, 1000.0))
        if len(item) > 3:
            rest.append(check_range("connection delay", item[3], "ms", 0.0, 1000.0))
        if len(item) > 4:
            rest.append(check_range("connection e_syn", item[4], "mV", -200.0, 200.0))
        return (pre, post, *rest)

    @property
    def recorded(self) -> tuple[int, ...]:
        """The neurons whose voltage is recorded."""
        if self.record_neurons is not None:
            return self.record_neurons
        return tuple(range(min(self.n, DEFAULT_RECORDED)))

    @property
    def inhibitory(self) -> bool:
        """True if the rule's synapses reverse below the resting potential (E_syn < -65 mV)."""
        return self.e_syn < -65.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary (the membrane nested, tuples as lists)."""
        data = asdict(self)
        data["membrane"] = self.membrane.to_dict()
        data["connections"] = [list(item) for item in self.connections]
        data["kick_neurons"] = list(self.kick_neurons)
        data["record_neurons"] = None if self.record_neurons is None else list(self.record_neurons)
        return data


# -------------------------------------------------------------------------------- connectivity


@dataclass(frozen=True)
class Connections:
    """Synapses as parallel arrays, one entry per synapse.

    Attributes:
        pre, post: presynaptic and postsynaptic neuron indices.
        weight: conductance jump per presynaptic spike, mS/cm^2.
        delay: delay from the presynaptic spike to the conductance jump, ms.
        e_syn: reversal potential, mV.
    """

    pre: NDArray[np.int64]
    post: NDArray[np.int64]
    weight: NDArray[np.float64]
    delay: NDArray[np.float64]
    e_syn: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.pre.shape[0])

    def csr(self, n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(indptr, order) for ``n`` neurons: the synapses of neuron i are
        ``order[indptr[i]:indptr[i+1]]``."""
        order = np.argsort(self.pre, kind="stable").astype(np.int64)
        counts = np.bincount(self.pre, minlength=n)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return indptr, order


def rule_pairs(topology: str, n: int, p: float = 0.1, seed: int = 0) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(pre, post) index arrays of a connection rule: ring, chain, all or random (see module)."""
    if topology == "ring":
        pre = np.arange(n, dtype=np.int64)
        return pre, (pre + 1) % n
    if topology == "chain":
        pre = np.arange(n - 1, dtype=np.int64)
        return pre, pre + 1
    if topology == "all":
        if n * (n - 1) > MAX_CONNECTIONS:
            raise ParameterError(
                f"all-to-all with n = {n} makes {n * (n - 1)} synapses (at most {MAX_CONNECTIONS})", parameter="n"
            )
        grid_pre, grid_post = np.meshgrid(np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64), indexing="ij")
        keep = grid_pre != grid_post
        return grid_pre[keep], grid_post[keep]
    if topology == "random":
        if n * (n - 1) * p > MAX_CONNECTIONS:
            raise ParameterError(
                f"random with n = {n}, p = {p:g} makes about {n * (n - 1) * p:.3g} synapses "
                f"(at most {MAX_CONNECTIONS})",
                parameters=("p", "n"),
            )
        rng = np.random.default_rng(seed)
        pres: list[NDArray[np.int64]] = []
        posts: list[NDArray[np.int64]] = []
        for i in range(n):
            count = int(rng.binomial(n - 1, p)) if n > 1 else 0
            if count == 0:
                continue
            targets = np.sort(rng.choice(n - 1, size=count, replace=False)).astype(np.int64)
            targets[targets >= i] += 1  # skip the neuron itself
            pres.append(np.full(count, i, dtype=np.int64))
            posts.append(targets)
        if not pres:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(pres), np.concatenate(posts)
    raise ParameterError(f"no connection rule named {topology!r}; rules: ring, chain, all, random")


def build_connections(settings: NetworkSettings) -> Connections:
    """The synapses of ``settings``: its rule with its weight, delay and e_syn, or its list."""
    if settings.topology == "list":
        count = len(settings.connections)
        pre = np.empty(count, dtype=np.int64)
        post = np.empty(count, dtype=np.int64)
        weight = np.full(count, settings.weight)
        delay = np.full(count, settings.delay)
        e_syn = np.full(count, settings.e_syn)
        for c, item in enumerate(settings.connections):
            pre[c], post[c] = int(item[0]), int(item[1])
            for array, k in ((weight, 2), (delay, 3), (e_syn, 4)):
                if len(item) > k:
                    array[c] = item[k]
        return Connections(pre, post, weight, delay, e_syn)
    pre, post = rule_pairs(settings.topology, settings.n, settings.p, settings.seed)
    count = pre.shape[0]
    return Connections(
        pre, post, np.full(count, settings.weight), np.full(count, settings.delay), np.full(count, settings.e_syn)
    )


# -------------------------------------------------------------------------------- kernel


def _run_network(
    v: NDArray[np.float64],
    m: NDArray[np.float64],
    h: NDArray[np.float64],
    n: NDArray[np.float64],
    g: NDArray[np.float64],
    p: NDArray[np.float64],
    method: int,
    dt: float,
    start: int,
    stop: int,
    indptr: NDArray[np.int64],
    post: NDArray[np.int64],
    weight: NDArray[np.float64],
    delay: NDArray[np.float64],
    channel: NDArray[np.int64],
    e_rev: NDArray[np.float64],
    decay: NDArray[np.float64],
    tau: float,
    buffer: NDArray[np.float64],
    stim_amp: NDArray[np.float64],
    bounds: NDArray[np.float64],
    stim_value: NDArray[np.float64],
    stim_slope: NDArray[np.float64],
    stim_origin: NDArray[np.float64],
    threshold: float,
    v_limit: float,
    rec_index: NDArray[np.int64],
    stride: int,
    record: NDArray[np.float64],
    spike_neuron: NDArray[np.int64],
    spike_time: NDArray[np.float64],
    count: int,
    room_per_step: int,
) -> tuple[int, int, int]:
    """Advance the population from step ``start`` towards ``stop`` in place; returns (step reached,
    spikes stored, status): status 0 reached ``stop``, 1 numerical blow-up at the step reached,
    2 stopped early at the end of a step because less than ``room_per_step`` was left in
    ``spike_neuron``/``spike_time`` (one spike per neuron and sub-step: make room and call again
    from the step reached).

    ``g`` (K, N) holds the synaptic conductance per reversal potential ``e_rev[k]`` and neuron;
    it decays by ``decay[k]`` per step (exp(-dt/tau)). The synapses of neuron i are
    ``indptr[i]:indptr[i+1]`` in ``post``/``weight``/``delay``/``channel`` (CSR). ``buffer``
    (B, K, N) is the ring of pending conductance increments, slot = grid index % B. The kick
    of neuron i is ``stim_amp[i]`` times the protocol cut into pieces (``bounds``,
    ``stim_value``, ``stim_slope``, ``stim_origin``: :mod:`hhtui.model.pieces`); a step that a kick edge falls
    inside is cut in two there. ``count`` spikes are already stored; new ones follow them.
    Column 0 of ``record`` (the initial state) is written when ``start`` is 0, so a run may be
    advanced in several calls with the same arrays.
    """
    size = v.shape[0]
    kinds = g.shape[0]
    slots = buffer.shape[0]
    capacity = spike_time.shape[0]
    tolerance = TIME_TOLERANCE * dt
    piece = piece_at(bounds, start * dt, tolerance)
    column = start // stride + 1
    if start == 0:
        for r in range(rec_index.shape[0]):
            record[r, 0] = v[rec_index[r]]
    for s in range(start, stop):
        t0 = s * dt
        t1 = (s + 1) * dt
        slot = s % slots
        for k in range(kinds):
            for i in range(size):
                g[k, i] += buffer[slot, k, i]
                buffer[slot, k, i] = 0.0
        t = t0
        while t < t1:
            end, piece = substep_end(t, t1, bounds, piece, tolerance)
            whole = t == t0 and end == t1
            h_step = dt if whole else end - t
            kick_start = stim_value[piece, 0] + stim_slope[piece, 0] * (t - stim_origin[piece])
            kick_end = stim_value[piece, 0] + stim_slope[piece, 0] * (end - stim_origin[piece])
            for i in range(size):
                vi = v[i]
                synaptic = 0.0
                for k in range(kinds):
                    synaptic -= g[k, i] * (vi - e_rev[k])
                i_start = stim_amp[i] * kick_start + synaptic
                i_end = stim_amp[i] * kick_end + synaptic
                i_mid = 0.5 * (i_start + i_end)
                v_new, m_new, h_new, n_new = step(method, vi, m[i], h[i], n[i], i_start, i_mid, i_end, h_step, p)
                if not state_ok(v_new, m_new, h_new, n_new, v_limit):
                    return s, count, 1
                if vi < threshold <= v_new:
                    t_spike = crossing_time(t, h_step, vi, v_new, threshold)
                    spike_neuron[count] = i  # room for a spike per neuron and sub-step is left at every step
                    spike_time[count] = t_spike
                    count += 1
                    for c in range(indptr[i], indptr[i + 1]):
                        arrive = int(math.ceil((t_spike + delay[c]) / dt - 1e-9))
                        if arrive <= s:
                            arrive = s + 1
                        buffer[arrive % slots, channel[c], post[c]] += weight[c]
                v[i] = v_new
                m[i] = m_new
                h[i] = h_new
                n[i] = n_new
            for k in range(kinds):
                factor = decay[k] if whole else math.exp(-h_step / tau)
                for i in range(size):
                    g[k, i] *= factor
            t = end
        if (s + 1) % stride == 0:
            for r in range(rec_index.shape[0]):
                record[r, column] = v[rec_index[r]]
            column += 1
        if capacity - count < room_per_step and s + 1 < stop:
            return s + 1, count, 2
    return stop, count, 0


run_network = njit(_run_network, numpy_errors=True)


# -------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class NetworkResult:
    """What a network run gives.

    Attributes:
        spike_neuron: neuron of each spike, in time order.
        spike_time: time of each spike, ms.
        t: times of the voltage samples, ms, shape (T,).
        V: voltage of the recorded neurons, mV, shape (R, T).
        recorded: indices of the recorded neurons, shape (R,).
        connections: the synapses of the run.
        settings: the :class:`NetworkSettings` of the run.
        halted_reason: empty, or why the run stopped early (the results so far are kept).
    """

    spike_neuron: NDArray[np.int64]
    spike_time: NDArray[np.float64]
    t: NDArray[np.float64]
    V: NDArray[np.float64]
    recorded: NDArray[np.int64]
    connections: Connections
    settings: NetworkSettings
    halted_reason: str = ""

    def spikes(self) -> NDArray[np.float64]:
        """Spikes as rows ``(neuron, t_ms)``, shape (S, 2)."""
        return np.column_stack([self.spike_neuron.astype(np.float64), self.spike_time])

    def spike_counts(self) -> NDArray[np.int64]:
        """Number of spikes of each neuron, shape (n,)."""
        return np.bincount(self.spike_neuron, minlength=self.settings.n).astype(np.int64)

    def spike_times_of(self, neuron: int) -> NDArray[np.float64]:
        """Spike times of one neuron, ms."""
        return self.spike_time[self.spike_neuron == neuron]

    def voltage_of(self, neuron: int) -> NDArray[np.float64]:
        """Recorded voltage of ``neuron``, mV; ParameterError if it was not recorded."""
        where = np.nonzero(self.recorded == neuron)[0]
        if where.size == 0:
            raise ParameterError(f"neuron {neuron} was not recorded (recorded: {len(self.recorded)} neurons)")
        return self.V[where[0]]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready dictionary: sizes, spike count, neurons that fired, mean rate."""
        s = self.settings
        counts = self.spike_counts()
        duration_s = (self.t[-1] if self.t.size else s.t_stop) * 1e-3
        return {
            "n": s.n,
            "topology": s.topology,
            "synapses": len(self.connections),
            "spikes": int(self.spike_time.shape[0]),
            "neurons_fired": int(np.count_nonzero(counts)),
            "mean_rate_hz": float(counts.mean() / duration_s) if duration_s > 0 else 0.0,
            "first_spike_ms": float(self.spike_time[0]) if self.spike_time.size else None,
            "last_spike_ms": float(self.spike_time[-1]) if self.spike_time.size else None,
            "t_stop_ms": s.t_stop,
            "e_syn_mV": s.e_syn,
            "weight_mS_cm2": s.weight,
            "delay_ms": s.delay,
            "tau_ms": s.tau,
            "halted_reason": self.halted_reason or None,
        }

    def describe(self) -> str:
        """One line for a person."""
        info = self.summary()
        kind = "inhibitory" if self.settings.inhibitory else "excitatory"

        def count(number: int, noun: str) -> str:
            return f"{number} {noun}{'' if number == 1 else 's'}"

        text = (
            f"{count(info['n'], 'neuron')}, {info['topology']}, {count(info['synapses'], kind + ' synapse')}: "
            f"{count(info['spikes'], 'spike')} from {count(info['neurons_fired'], 'neuron')} in "
            f"{self.settings.t_stop:g} ms "
            f"(mean rate {info['mean_rate_hz']:.1f} Hz)"
        )
        if self.halted_reason:
            text += f"; stopped: {self.halted_reason}"
        return text


def simulate_network(
    settings: NetworkSettings | None = None,
    connections: Connections | None = None,
    progress: Callable[[float], None] | None = None,
) -> NetworkResult:
    """Run the network from rest for ``settings.t_stop`` ms.

    ``connections`` replaces the synapses the settings define (for a network built elsewhere).
    The kernel runs in chunks of about :data:`CHUNK_WORK` neuron-steps; after each one
    ``progress`` (if given) gets the fraction done (0 to 1), and a pending Ctrl-C or signal
    handler acts, so a long run can be stopped within a fraction of a second.
    """
    s = NetworkSettings() if settings is None else settings
    syn = build_connections(s) if connections is None else connections
    size = s.n
    if len(syn) and (syn.pre.min() < 0 or syn.post.min() < 0 or syn.pre.max() >= size or syn.post.max() >= size):
        raise ParameterError(f"a synapse refers to a neuron outside 0..{size - 1}")
    if len(syn) > MAX_CONNECTIONS:
        raise ParameterError(f"{len(syn)} synapses is too many (at most {MAX_CONNECTIONS})")

    e_values, channel = (
        np.unique(syn.e_syn, return_inverse=True) if len(syn) else (np.array([s.e_syn]), np.empty(0, dtype=np.int64))
    )
    e_rev = np.ascontiguousarray(e_values, dtype=np.float64)
    kinds = e_rev.shape[0]
    indptr, order = syn.csr(size)
    post = np.ascontiguousarray(syn.post[order], dtype=np.int64)
    weight = np.ascontiguousarray(syn.weight[order], dtype=np.float64)
    delay = np.ascontiguousarray(syn.delay[order], dtype=np.float64)
    channel = np.ascontiguousarray(
        np.asarray(channel, dtype=np.int64).ravel()[order] if len(syn) else channel, dtype=np.int64
    )
    max_delay = float(delay.max()) if len(syn) else 0.0
    slots = int(math.floor(max_delay / s.dt)) + 3
    if slots * kinds * size > MAX_BUFFER_VALUES:
        raise ParameterError(
            f"delay {max_delay:g} ms at dt {s.dt:g} ms needs a buffer of {slots * kinds * size:.3g} values: "
            "raise dt or shorten the delay"
        )
    buffer = np.zeros((slots, kinds, size))
    decay = np.full(kinds, math.exp(-s.dt / s.tau))

    stim_amp = np.zeros(size)
    stim_amp[list(s.kick_neurons)] = s.kick_amp
    kick = Pulse(1.0, s.kick_at, s.kick_duration) if s.kick_duration > 0.0 else NoStimulus()
    bounds = grid_bounds(kick, s.n_steps, s.dt)
    stim_value, stim_slope, stim_origin = piece_values(kick, bounds, 1)
    # A neuron fires at most once per (sub-)step; a kick edge between grid points cuts a step.
    cuts = bounds[1:-1][np.abs(bounds[1:-1] / s.dt - np.round(bounds[1:-1] / s.dt)) > TIME_TOLERANCE]
    per_step = 1 + (int(np.bincount(np.floor(cuts / s.dt).astype(np.int64)).max()) if cuts.size else 0)
    room_per_step = per_step * size
    rec_index = np.asarray(s.recorded, dtype=np.int64)
    v, m, h, n = (np.full(size, x) for x in rest_state(s.membrane))
    g = np.zeros((kinds, size))
    record = np.empty((rec_index.shape[0], s.n_samples))
    room = int(min(INITIAL_SPIKE_ROOM, size * (s.t_stop / 5.0 + 4))) + 2 * room_per_step
    spike_neuron = np.empty(room, dtype=np.int64)
    spike_time = np.empty(room)
    parameters = s.membrane.as_array()
    chunk = max(1, CHUNK_WORK // size)
    done = count = 0
    halted = ""
    while done < s.n_steps:
        if spike_time.shape[0] - count < room_per_step:  # room for every neuron to fire in the next step
            room = max(2 * spike_time.shape[0], count + 2 * room_per_step)
            if count + room_per_step > MAX_SPIKES:
                halted = (
                    f"more than {MAX_SPIKES:.3g} spikes by t = {done * s.dt:.4g} ms, the most one run keeps; "
                    "shorten the run or use fewer neurons"
                )
                break
            spike_neuron = np.concatenate([spike_neuron[:count], np.empty(room - count, dtype=np.int64)])
            spike_time = np.concatenate([spike_time[:count], np.empty(room - count)])
        stop = min(s.n_steps, done + chunk)
        done, count, status = run_network(
            v,
            m,
            h,
            n,
            g,
            parameters,
            REGISTRY[s.method].kernel,
            s.dt,
            done,
            stop,
            indptr,
            post,
            weight,
            delay,
            channel,
            e_rev,
            decay,
            s.tau,
            buffer,
            stim_amp,
            bounds,
            stim_value,
            stim_slope,
            stim_origin,
            s.threshold_mV,
            V_LIMIT,
            rec_index,
            s.stride,
            record,
            spike_neuron,
            spike_time,
            count,
            room_per_step,
        )
        if status == 1:
            halted = (
                f"numerical blow-up at t = {done * s.dt:.4g} ms (V left the +/-{V_LIMIT:g} mV range, "
                "a gate left [0, 1], or a value became NaN); "
                "use a smaller dt"
            )
            break
        if progress is not None:
            progress(done / s.n_steps)

    columns = s.n_samples if done >= s.n_steps else done // s.stride + 1
    spike_neuron = spike_neuron[:count]
    spike_time = spike_time[:count]
    order_t = np.argsort(spike_time, kind="stable")
    return NetworkResult(
        spike_neuron=spike_neuron[order_t].copy(),
        spike_time=spike_time[order_t].copy(),
        t=np.arange(columns, dtype=np.float64) * (s.stride * s.dt),
        V=record[:, :columns],
        recorded=rec_index,
        connections=syn,
        settings=s,
        halted_reason=halted,
    )
