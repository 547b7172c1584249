"""A uniform axon: a cable of Hodgkin-Huxley compartments, and its conduction velocity.

The cable of length L (cm) and diameter d (um) is cut into ``nseg`` equal compartments of length
dx = L / nseg; compartment i is centred at x_i = (i + 1/2) dx. Each obeys

    C_m dV_i/dt = g_c (V_{i-1} - 2 V_i + V_{i+1}) - I_ion,i + I_stim,i        (uA/cm^2)

with the axial coupling g_c = a / (2 R_a dx^2) (a = d/2, in mS/cm^2 after the unit conversion)
and sealed ends (no axial current through the two end faces: an end compartment has a single
neighbour). The membrane (per cm^2) is a :class:`Membrane`, the same everywhere.

Numerics (as NEURON's fixed step): the gates live on the half steps. At each step the gates,
held at t + dt/2, make the ionic current linear in V, so the voltage step is exactly one
tridiagonal linear system (Thomas algorithm, O(nseg)): theta = 1/2 is Crank-Nicolson (second
order in dt and dx, the default), theta = 1 backward Euler (first order in dt, L-stable). The
gates then advance by exponential Euler (Rush-Larsen) at the new voltage, which is centred in
their step. The implicit voltage step has no stability limit in dt or dx.

Stimulus: a current pulse in nA (total current, not a density) injected into the end
compartment(s), so the same setting means the same current whatever the compartment length.

Measurements: the arrival time at every compartment is its first upward crossing of
``threshold_mV`` (linearly interpolated within the step); the conduction velocity is the inverse
slope of a least-squares line through the arrival times over the middle half of the cable
(25%-75% of the length), away from the stimulated and the sealed end.

The membrane is the one core of every run: the rates and the gate update of
:mod:`hhtui.model.channels`, the conductances and the resting state of :mod:`hhtui.model.currents`,
the blow-up test and the interpolated crossing of :mod:`hhtui.model.integrators`, and the stimulus
cut into pieces at its edges (:mod:`hhtui.model.pieces`) and stepped onto exactly, as the point
neuron does; only the implicit voltage step with its axial coupling is the cable's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ._jit import njit
from .channels import relax_gates
from .currents import conductances_kernel as conductances
from .currents import rest_state
from .errors import ParameterError
from .integrators import crossing_time, state_ok
from .membrane import Membrane, check_int, check_range
from .pieces import TIME_TOLERANCE, grid_bounds, piece_at, piece_values, substep_end
from .simulation import V_LIMIT
from .solver import DT_RANGE, FixedStepRun
from .stimulus import Pulse

#: Temperature of Hodgkin & Huxley's propagated action potential (degrees C).
HH_PROPAGATION_TEMPERATURE_C = 18.5

#: Voltage steps: Crank-Nicolson (theta 1/2) and backward Euler (theta 1).
CABLE_METHODS: dict[str, float] = {"cn": 0.5, "be": 1.0}
STIM_ENDS = ("left", "both")

#: Most compartments of one cable.
MAX_NSEG = 1_000_000
#: Largest V(x, t) matrix kept in memory (values); beyond this, sample less often.
MAX_RECORDED_VALUES = 25_000_000
#: Largest amount of work of one run, in compartment-steps (about half an hour of computing at
#: some 60 ns per compartment-step on one core).
MAX_WORK = 3.0e10
#: Compartment-steps advanced per call of the kernel: between two calls the run reports its
#: progress and Ctrl-C (or a signal handler) is seen, so each call is kept to about 0.1 s.
CHUNK_WORK = 1_000_000
#: Shortest compartment and thinnest axon, um (1 nm: far below anything physical, still well
#: inside the floating-point range of the cable's coefficients).
MIN_COMPARTMENT_UM = 1.0e-3
MIN_DIAMETER_UM = 1.0e-3
#: Longest compartment asked for by its length (``dx_um``), um (10 m).
MAX_COMPARTMENT_UM = 1.0e7
#: Largest axial coupling per time step relative to the membrane capacitance, g_c dt / C_m
#: (dimensionless). Beyond it the tridiagonal system of the voltage step loses its precision
#: (about 1e-12 of the coupling is left to the membrane): compartments far too short, an
#: axoplasm far too conductive or a capacitance far too small for the time step.
MAX_COUPLING_RATIO = 1.0e12

#: Range of each number of a cable run: (unit, low, high, low included). The high end is included.
CABLE_RANGES: dict[str, tuple[str, float, float, bool]] = {
    "length_cm": ("cm", 0.0, 1000.0, False),
    "diameter_um": ("um", MIN_DIAMETER_UM, 1.0e5, True),
    "ra_ohm_cm": ("ohm*cm", 0.0, 1.0e7, False),
    "dt": ("ms", DT_RANGE[0], DT_RANGE[1], True),
    "t_stop": ("ms", 0.0, 1.0e6, False),
    "stim_amp_nA": ("nA", -1.0e8, 1.0e8, True),
    "stim_delay": ("ms", 0.0, 1.0e6, True),
    "stim_duration": ("ms", 0.0, 1.0e6, False),
    "sample_every": ("ms", 0.0, 1.0e6, False),
    "threshold_mV": ("mV", -200.0, 200.0, True),
}

#: Fractions of the length between which the velocity is fitted, for one stimulated end, and
#: for two (the left wave, before it meets the right one in the middle).
VELOCITY_SPAN_ONE_END = (0.25, 0.75)
VELOCITY_SPAN_BOTH_ENDS = (0.15, 0.35)


@dataclass(frozen=True)
class CableSettings(FixedStepRun):
    """Everything that defines one cable run.

    Attributes:
        length_cm: length of the cable, cm.
        diameter_um: axon diameter, um (HH's squid axon: radius 238 um, diameter 476 um).
        ra_ohm_cm: axial (axoplasm) resistivity, ohm*cm (HH: 35.4).
        nseg: number of compartments (compartment length = length_cm / nseg).
        dt: time step, ms.
        t_stop: duration, ms.
        method: ``"cn"`` Crank-Nicolson or ``"be"`` backward Euler for the voltage step.
        stim_end: ``"left"`` (x = 0) or ``"both"`` ends stimulated at once.
        stim_amp_nA: current injected into each stimulated end compartment, nA.
        stim_delay: onset of the stimulus, ms.
        stim_duration: duration of the stimulus, ms.
        sample_every: time between recorded columns of V(x, t), ms (rounded to whole steps).
        threshold_mV: arrival = first upward crossing of this voltage, mV.
        membrane: membrane parameters per cm^2 (default: HH 1952 at 18.5 C).
    """

    KIND: ClassVar[str] = "cable"

    length_cm: float = 5.0
    diameter_um: float = 476.0
    ra_ohm_cm: float = 35.4
    nseg: int = 500
    dt: float = 0.005
    t_stop: float = 5.0
    method: str = "cn"
    stim_end: str = "left"
    stim_amp_nA: float = 10000.0
    stim_delay: float = 0.1
    stim_duration: float = 0.2
    sample_every: float = 0.025
    threshold_mV: float = -20.0
    membrane: Membrane = field(default_factory=lambda: Membrane(temperature=HH_PROPAGATION_TEMPERATURE_C))

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        for name, (unit, low, high, low_inclusive) in CABLE_RANGES.items():
            set_(name, check_range(name, getattr(self, name), unit, low, high, low_inclusive))
        set_("nseg", check_int("nseg", self.nseg, 4, MAX_NSEG))
        if self.method not in CABLE_METHODS:
            raise ParameterError(
                f"method must be one of {', '.join(CABLE_METHODS)}, got {self.method!r}", parameter="method"
            )
        if self.stim_end not in STIM_ENDS:
            raise ParameterError(
                f"stim_end must be one of {', '.join(STIM_ENDS)}, got {self.stim_end!r}", parameter="stim_end"
            )
        if not isinstance(self.membrane, Membrane):
            raise ParameterError(f"membrane must be a Membrane, got {type(self.membrane).__name__}")
        dx_um = self.length_cm * 1e4 / self.nseg
        if not dx_um >= MIN_COMPARTMENT_UM:
            raise ParameterError(
                f"compartments of {dx_um:.3g} um (nseg = {self.nseg} on length_cm = {self.length_cm:g} cm) are "
                f"shorter than {MIN_COMPARTMENT_UM:g} um: use fewer compartments or a longer cable",
                parameters=("nseg", "length_cm"),
            )
        ratio = self.coupling_mS_cm2 * self.dt / self.membrane.c_m
        if not ratio <= MAX_COUPLING_RATIO:
            raise ParameterError(
                f"axial coupling of {self.coupling_mS_cm2:.3g} mS/cm^2 (ra_ohm_cm = {self.ra_ohm_cm:g}, "
                f"compartments of {dx_um:.3g} um, diameter {self.diameter_um:g} um) is too strong for "
                f"dt = {self.dt:g} ms and c_m = {self.membrane.c_m:g} uF/cm^2 "
                f"(coupling x dt / c_m = {ratio:.3g}, at most {MAX_COUPLING_RATIO:.0e}): "
                "raise ra_ohm_cm or c_m, use fewer compartments or a smaller dt",
                parameters=("ra_ohm_cm", "length_cm", "nseg", "diameter_um", "dt", "c_m"),
            )
        if self.n_steps * self.nseg > MAX_WORK:
            raise ParameterError(
                f"too much work: t_stop = {self.t_stop:g} ms at dt = {self.dt:g} ms ({self.n_steps:,} steps) on "
                f"nseg = {self.nseg:,} compartments is {self.n_steps * self.nseg:.3g} compartment-steps (at most "
                f"{MAX_WORK:.0e}, about half an hour): shorten t_stop, raise dt or use fewer compartments",
                parameters=("t_stop", "dt", "nseg"),
            )
        if self.n_samples * self.nseg > MAX_RECORDED_VALUES:
            raise ParameterError(
                f"recording {self.nseg} compartments x {self.n_samples} samples is too large "
                f"(at most {MAX_RECORDED_VALUES:.3g} values): raise sample_every or lower nseg",
                parameters=("sample_every", "nseg"),
            )

    # ---------------------------------------------------------------------------- geometry

    @property
    def dx_cm(self) -> float:
        """Compartment length, cm."""
        return self.length_cm / self.nseg

    @property
    def radius_cm(self) -> float:
        """Axon radius, cm."""
        return self.diameter_um * 1e-4 / 2.0

    @property
    def coupling_mS_cm2(self) -> float:
        """Axial coupling between neighbouring compartments per membrane area, a / (2 Ra dx^2), mS/cm^2."""
        dx = self.dx_cm
        return 1000.0 * self.radius_cm / (2.0 * self.ra_ohm_cm * dx * dx)

    @property
    def compartment_area_cm2(self) -> float:
        """Membrane area of one compartment, pi d dx, cm^2."""
        return math.pi * 2.0 * self.radius_cm * self.dx_cm

    @property
    def length_constant_cm(self) -> float:
        """Passive length constant at rest, sqrt(a R_m / (2 R_a)) with R_m = 1/g_L, cm."""
        denominator = 2.0 * self.ra_ohm_cm * self.membrane.g_l * 1e-3
        if not denominator > 0.0:  # no leak (or an underflow): no passive decay
            return math.inf
        return math.sqrt(self.radius_cm / denominator)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary (the membrane as a nested dictionary)."""
        data = asdict(self)
        data["membrane"] = self.membrane.to_dict()
        return data


# -------------------------------------------------------------------------------- kernel


def _run_cable(
    v: NDArray[np.float64],
    m: NDArray[np.float64],
    h: NDArray[np.float64],
    n: NDArray[np.float64],
    p: NDArray[np.float64],
    g_c: float,
    theta: float,
    dt: float,
    start: int,
    stop: int,
    stim_index: NDArray[np.int64],
    stim_density: float,
    bounds: NDArray[np.float64],
    stim_value: NDArray[np.float64],
    stim_slope: NDArray[np.float64],
    stim_origin: NDArray[np.float64],
    stride: int,
    record: NDArray[np.float64],
    threshold: float,
    v_limit: float,
    arrival: NDArray[np.float64],
    crossings: NDArray[np.int64],
) -> int:
    """Advance the cable from step ``start`` to step ``stop`` in place; returns the step reached
    (``stop``, or the step where the state failed the blow-up test, left at its last good value).

    ``v`` is at the whole step, the gates ``m, h, n`` at the middle of the next (sub-)step.
    ``record`` (nseg, samples) gets V every ``stride`` steps (column 0 is the initial state,
    recorded when ``start`` is 0), so a run may be advanced in several calls with the same
    arrays. The stimulus, ``stim_density`` (uA/cm^2) times the protocol cut into pieces
    (``bounds``, ``stim_value``, ``stim_slope``, ``stim_origin``: :mod:`hhtui.model.pieces`, reaching one step
    beyond ``stop``), flows into the compartments ``stim_index``; a step that an edge of it
    falls inside is cut in two there, and the gates then advance by the mean of the two
    sub-steps around each voltage so that they stay half a sub-step ahead.
    """
    size = v.shape[0]
    e_na = p[4]
    e_k = p[5]
    g_l = p[3]
    e_l = p[6]
    phi = p[7]
    inactivating = p[8] != 0.0
    explicit = 1.0 - theta
    diag = np.empty(size)
    rhs = np.empty(size)
    stim = np.zeros(size)
    cprime = np.empty(size)
    gates = np.empty((3, size))
    off = -theta * g_c
    tolerance = TIME_TOLERANCE * dt
    piece = piece_at(bounds, start * dt, tolerance)
    if start == 0:
        for i in range(size):
            record[i, 0] = v[i]
    column = start // stride + 1
    for k in range(start, stop):
        t0 = k * dt
        t1 = (k + 1) * dt
        t = t0
        while t < t1:
            end, piece = substep_end(t, t1, bounds, piece, tolerance)
            h_step = dt if t == t0 and end == t1 else end - t
            # The next sub-step (into the next time step when this one ends it): the gates move
            # on to its middle.
            if end == t1:
                t2 = (k + 2) * dt
                after, _ = substep_end(t1, t2, bounds, piece, tolerance)
                h_next = dt if after == t2 else after - t1
            else:
                after, _ = substep_end(end, t1, bounds, piece, tolerance)
                h_next = after - end
            middle = t + 0.5 * h_step
            density = stim_density * (stim_value[piece, 0] + stim_slope[piece, 0] * (middle - stim_origin[piece]))
            for j in range(stim_index.shape[0]):
                stim[stim_index[j]] = density
            c_dt = p[0] / h_step
            # Assemble the tridiagonal system: ionic conductances frozen at the half-step gates.
            for i in range(size):
                g_na, g_k = conductances(m[i], h[i], n[i], p)
                g_tot = g_na + g_k + g_l
                source = g_na * e_na + g_k * e_k + g_l * e_l + stim[i]
                neighbours = 0.0
                axial = 0.0
                if i > 0:
                    neighbours += 1.0
                    axial += v[i - 1] - v[i]
                if i < size - 1:
                    neighbours += 1.0
                    axial += v[i + 1] - v[i]
                diag[i] = c_dt + theta * (g_tot + g_c * neighbours)
                rhs[i] = c_dt * v[i] + explicit * (g_c * axial - g_tot * v[i]) + source
            # Thomas algorithm (the matrix is diagonally dominant: no pivoting needed).
            cprime[0] = off / diag[0]
            rhs[0] = rhs[0] / diag[0]
            for i in range(1, size):
                denominator = diag[i] - off * cprime[i - 1]
                cprime[i] = off / denominator
                rhs[i] = (rhs[i] - off * rhs[i - 1]) / denominator
            for i in range(size - 2, -1, -1):
                rhs[i] -= cprime[i] * rhs[i + 1]
            # rhs now holds V at the end of the sub-step: the gates move on at it, then the new
            # state is checked before anything is kept.
            span = 0.5 * (h_step + h_next)
            for i in range(size):
                v_new = rhs[i]
                m_new, h_new, n_new = relax_gates(v_new, m[i], h[i], n[i], span, phi, inactivating)
                if not state_ok(v_new, m_new, h_new, n_new, v_limit):
                    return k
                gates[0, i] = m_new
                gates[1, i] = h_new
                gates[2, i] = n_new
            for i in range(size):
                v_old = v[i]
                v_new = rhs[i]
                if v_old < threshold <= v_new:
                    if crossings[i] == 0:
                        arrival[i] = crossing_time(t, h_step, v_old, v_new, threshold)
                    crossings[i] += 1
                v[i] = v_new
                m[i] = gates[0, i]
                h[i] = gates[1, i]
                n[i] = gates[2, i]
            t = end
        if (k + 1) % stride == 0:
            for i in range(size):
                record[i, column] = v[i]
            column += 1
    return stop


run_cable = njit(_run_cable, numpy_errors=True)


# -------------------------------------------------------------------------------- results


def conduction_velocity(
    arrival_ms: NDArray[np.float64],
    positions_cm: NDArray[np.float64],
    from_fraction: float = 0.25,
    to_fraction: float = 0.75,
    length_cm: float | None = None,
) -> float:
    """Conduction velocity in m/s from arrival times (ms) at positions (cm).

    The velocity is the inverse slope of the least-squares line t(x) through the compartments
    whose position lies between ``from_fraction`` and ``to_fraction`` of the length (default:
    the middle half, away from both ends). ``length_cm`` defaults to first + last position
    (the length of a cable of equal compartments given by their centres). Returns NaN if the
    wave did not reach every one of those compartments, or travelled backwards.
    """
    arrival = np.asarray(arrival_ms, dtype=np.float64)
    positions = np.asarray(positions_cm, dtype=np.float64)
    if arrival.shape != positions.shape or arrival.ndim != 1:
        raise ParameterError("arrival times and positions must be 1-D arrays of the same length")
    if not 0.0 <= from_fraction < to_fraction <= 1.0:
        raise ParameterError(f"need 0 <= from_fraction < to_fraction <= 1, got {from_fraction}, {to_fraction}")
    length = float(positions[0] + positions[-1]) if length_cm is None else float(length_cm)
    chosen = (positions >= from_fraction * length) & (positions <= to_fraction * length)
    if np.count_nonzero(chosen) < 2 or not np.all(np.isfinite(arrival[chosen])):
        return math.nan
    x = positions[chosen]
    t = arrival[chosen]
    slope = np.polyfit(x, t, 1)[0]  # ms/cm
    if not slope > 0.0:
        return math.nan
    return float(10.0 / slope)  # cm/ms -> m/s


@dataclass(frozen=True)
class AxonResult:
    """What a cable run gives.

    Attributes:
        t: recorded times, ms, shape (T,).
        x: compartment centres, cm, shape (nseg,).
        V: membrane potential, mV, shape (nseg, T).
        arrival_ms: first upward crossing of the threshold at each compartment, ms (NaN: none).
        crossings: number of upward threshold crossings at each compartment.
        velocity_m_s: conduction velocity, m/s (NaN if the wave did not cross the measured span).
        velocity_span: fractions of the length between which the velocity was fitted.
        settings: the :class:`CableSettings` of the run.
        halted_reason: empty, or why the run stopped early (the recording so far is kept).
    """

    t: NDArray[np.float64]
    x: NDArray[np.float64]
    V: NDArray[np.float64]
    arrival_ms: NDArray[np.float64]
    crossings: NDArray[np.int64]
    velocity_m_s: float
    velocity_span: tuple[float, float]
    settings: CableSettings
    halted_reason: str = ""

    @property
    def still_travelling(self) -> bool:
        """True if a compartment was still being reached near the end of the run (within 0.5 ms)
        while the far end had not been reached yet: the run was too short to measure."""
        reached = self.arrival_ms[np.isfinite(self.arrival_ms)]
        t_end = float(self.t[-1]) if self.t.size else 0.0
        return bool(reached.size) and not np.isfinite(self.arrival_ms[-1]) and float(reached.max()) > t_end - 0.5

    @property
    def fired(self) -> int:
        """Number of compartments that crossed the threshold at least once."""
        return int(np.count_nonzero(self.crossings))

    def summary(self) -> dict[str, Any]:
        """The measured values as a JSON-ready dictionary (NaN given as None)."""

        def plain(value: float) -> float | None:
            return float(value) if math.isfinite(value) else None

        arrival = self.arrival_ms
        reached = np.isfinite(arrival)
        return {
            "velocity_m_s": plain(self.velocity_m_s),
            "velocity_span": list(self.velocity_span),
            "temperature_C": self.settings.membrane.temperature,
            "length_cm": self.settings.length_cm,
            "diameter_um": self.settings.diameter_um,
            "ra_ohm_cm": self.settings.ra_ohm_cm,
            "nseg": self.settings.nseg,
            "dx_um": self.settings.dx_cm * 1e4,
            "dt_ms": self.settings.dt,
            "method": self.settings.method,
            "stim_end": self.settings.stim_end,
            "compartments_fired": self.fired,
            "max_crossings": int(self.crossings.max()) if self.crossings.size else 0,
            "first_arrival_ms": plain(float(arrival[reached].min())) if reached.any() else None,
            "last_arrival_ms": plain(float(arrival[reached].max())) if reached.any() else None,
            "peak_mV": plain(float(self.V.max())),
            "length_constant_cm": plain(self.settings.length_constant_cm),
            "halted_reason": self.halted_reason or None,
        }

    def describe(self) -> str:
        """One line for a person: the velocity and how many compartments fired."""
        s = self.settings
        if math.isfinite(self.velocity_m_s):
            speed = f"conduction velocity {self.velocity_m_s:.2f} m/s"
        elif self.still_travelling:
            speed = "the wave had not crossed the measured span by the end of the run (run longer)"
        else:
            speed = "no propagated action potential across the measured span"
        text = (
            f"{speed} ({s.length_cm:g} cm, d {s.diameter_um:g} um, Ra {s.ra_ohm_cm:g} ohm*cm, "
            f"{s.membrane.temperature:g} C, {s.nseg} compartments, dt {s.dt:g} ms); "
            f"{self.fired}/{s.nseg} compartments fired"
        )
        if self.halted_reason:
            text += f"; stopped: {self.halted_reason}"
        return text


def simulate_cable(
    settings: CableSettings | None = None, progress: Callable[[float], None] | None = None
) -> AxonResult:
    """Run the cable from rest for ``settings.t_stop`` ms and measure the propagation.

    The kernel runs in chunks of about :data:`CHUNK_WORK` compartment-steps; after each one
    ``progress`` (if given) gets the fraction done (0 to 1), and a pending Ctrl-C or signal
    handler acts, so a long run can be stopped within a fraction of a second.
    """
    s = CableSettings() if settings is None else settings
    size = s.nseg
    v, m, h, n = (np.full(size, x) for x in rest_state(s.membrane))
    pulse = Pulse(1.0, s.stim_delay, s.stim_duration)
    bounds = grid_bounds(pulse, s.n_steps, s.dt)
    stim_value, stim_slope, stim_origin = piece_values(pulse, bounds, 1)
    record = np.empty((size, s.n_samples))
    arrival = np.full(size, np.nan)
    crossings = np.zeros(size, dtype=np.int64)
    stim_index = np.array([0] if s.stim_end == "left" else [0, size - 1], dtype=np.int64)
    stim_density = s.stim_amp_nA * 1e-3 / s.compartment_area_cm2  # nA -> uA, per cm^2
    parameters = s.membrane.as_array()
    chunk = max(1, CHUNK_WORK // size)
    done = 0
    failure = ""
    while done < s.n_steps:
        stop = min(s.n_steps, done + chunk)
        try:
            reached = run_cable(
                v,
                m,
                h,
                n,
                parameters,
                s.coupling_mS_cm2,
                CABLE_METHODS[s.method],
                s.dt,
                done,
                stop,
                stim_index,
                stim_density,
                bounds,
                stim_value,
                stim_slope,
                stim_origin,
                s.stride,
                record,
                s.threshold_mV,
                V_LIMIT,
                arrival,
                crossings,
            )
        except ZeroDivisionError:  # the voltage step's linear system became singular
            reached, failure = done, "the voltage step's linear system became singular"
        done = reached
        if reached < stop:
            break
        if progress is not None:
            progress(done / s.n_steps)
    halted = ""
    columns = s.n_samples
    if done < s.n_steps:
        failure = failure or f"V left the +/-{V_LIMIT:g} mV range, a gate left [0, 1], or a value became NaN"
        halted = f"numerical blow-up at t = {done * s.dt:.4g} ms ({failure}); use a smaller dt"
        columns = done // s.stride + 1
    t = np.arange(columns, dtype=np.float64) * (s.stride * s.dt)
    x = (np.arange(size, dtype=np.float64) + 0.5) * s.dx_cm
    span = VELOCITY_SPAN_ONE_END if s.stim_end == "left" else VELOCITY_SPAN_BOTH_ENDS
    velocity = conduction_velocity(arrival, x, span[0], span[1], s.length_cm)
    return AxonResult(
        t=t,
        x=x,
        V=record[:, :columns],
        arrival_ms=arrival,
        crossings=crossings,
        velocity_m_s=velocity,
        velocity_span=span,
        settings=s,
        halted_reason=halted,
    )


def nseg_for_length(length_cm: float, compartment_um: float) -> int:
    """Number of compartments of about ``compartment_um`` um on a cable of ``length_cm`` cm
    (the nearest whole number, at least 1)."""
    length = check_range("length_cm", length_cm, "cm", 0.0, 1000.0, False)
    dx = check_range("compartment length", compartment_um, "um", 0.0, MAX_COMPARTMENT_UM, False)
    count = length * 1e4 / dx
    if not count <= MAX_NSEG:
        raise ParameterError(
            f"compartment length {dx:g} um on {length:g} cm makes {count:.3g} compartments (at most {MAX_NSEG:,})"
        )
    return max(1, round(count))


def position_name(x_cm: float) -> str:
    """CSV column name of the voltage at position ``x_cm``: ``V_x1.2500cm_mV``."""
    return f"V_x{x_cm:.4f}cm_mV"


def position_columns(result: AxonResult, max_positions: int = 50) -> dict[str, NDArray[np.float64]]:
    """V(x, t) as CSV columns: ``t_ms`` then at most ``max_positions`` positions, evenly spread
    over the compartments with both ends included (see :func:`position_name`)."""
    if max_positions < 1:
        raise ParameterError(f"max_positions must be >= 1, got {max_positions}")
    size = result.x.shape[0]
    count = min(size, max_positions)
    if count == 1:
        chosen = np.array([0])
    else:
        chosen = np.unique(np.round(np.linspace(0, size - 1, count)).astype(np.int64))
    columns: dict[str, NDArray[np.float64]] = {"t_ms": result.t}
    for i in chosen:
        columns[position_name(float(result.x[i]))] = result.V[i]
    return columns
