"""The classic Hodgkin-Huxley experiments, as experiment data ready to run and adjust.

Each preset is an :class:`~hhtui.model.experiment.Experiment`: membrane + stimulus + solver +
duration, a title, a paragraph on what to look for, and the view the app opens on. They are
loadable from the app (command palette, preset key) and from the command line
(``hhtui run --preset NAME``). Values quoted in the descriptions are those of this model at
dt = 0.01 ms with RK4 (see LITERATURE.md for their sources).

Also here: :func:`voltage_clamp_family` (a family of clamp steps for the clamp view) and
:func:`blocker` (TTX, TEA, pronase applied to a membrane).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from .model.errors import ParameterError
from .model.experiment import Experiment, Solver
from .model.membrane import Membrane, nernst_potential
from .model.samples import Samples
from .model.simulation import Simulation
from .model.stimulus import Combined, NoStimulus, Pulse, Ramp, Step, Train, VoltageClamp
from .view_names import VIEWS  # noqa: F401  (the views an experiment may name; re-exported)

#: Threshold (uA/cm^2) of a single 0.5 ms pulse at 6.3 C (LITERATURE.md: 13.3).
THRESHOLD_HALF_MS = 13.3
#: External sodium (mM) of the low-sodium experiment: a third of sea water's 440 mM, as in
#: Hodgkin & Katz (1949), with 50 mM inside.
LOW_SODIUM_OUT = 440.0 / 3.0
SQUID_NA_IN = 50.0
#: Pulse amplitudes (uA/cm^2) of the all-or-none staircase: three below threshold, four above.
ALL_OR_NONE_AMPLITUDES = (2.0, 4.0, 6.0, 8.0, 10.0, 20.0, 40.0)
#: Holding current (uA/cm^2) of the bistability experiment, between the fold (6.26) and the Hopf point (9.78).
BISTABLE_LEVEL = 7.5


def _preset(
    name: str,
    title: str,
    description: str,
    *,
    membrane: Membrane | None = None,
    stimulus: object = None,
    t_stop: float = 50.0,
    view: str = "voltage",
) -> Experiment:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    return Experiment(
        membrane=membrane if membrane is not None else Membrane(),
        stimulus=stimulus if stimulus is not None else NoStimulus(),  # type: ignore[arg-type]
        solver=Solver(method="rk4", dt=0.01),
        t_stop=t_stop,
        name=name,
        title=title,
        description=" ".join(description.split()),
        view=view,
    )


def _build_presets() -> dict[str, Experiment]:
    low_sodium_e_na = round(nernst_potential(LOW_SODIUM_OUT, SQUID_NA_IN, 6.3), 2)
    presets = [
        _preset(
            "rest",
            "The resting membrane",
            """
            No current is injected. The membrane sits at its resting potential, -65 mV, where the
            small inward sodium and leak currents balance the outward potassium current. The gates
            rest at their steady states: m about 0.05 (sodium activation mostly closed), h about 0.6
            (inactivation partly engaged) and n about 0.32. Nothing changes with time: this is the
            state every other experiment starts from.""",
            t_stop=50.0,
            view="gates",
        ),
        _preset(
            "threshold",
            "Threshold",
            """
            A single 1 ms pulse of 7 uA/cm^2, just above the threshold of about 6.9 uA/cm^2. Look
            at the long delay before the spike: near threshold the membrane hesitates before the
            sodium current wins. Lower the amplitude to 6.8 and the depolarisation dies away with no
            spike; lengthen the pulse and less current is needed (strength-duration: 0.5 ms needs
            13.3, 2 ms 3.9, 5 ms 2.35 uA/cm^2).""",
            stimulus=Pulse(amplitude=7.0, start=5.0, duration=1.0),
            t_stop=30.0,
        ),
        _preset(
            "all-or-none",
            "All or none",
            """
            Seven 1 ms pulses of rising amplitude, 20 ms apart: 2, 4, 6, 8, 10, 20 and 40 uA/cm^2.
            The first three only nudge the membrane and die away; from 8 uA/cm^2 on (threshold is
            about 6.9 for a 1 ms pulse) every pulse fires a spike of nearly the same size, about
            +38 to +42 mV, although the stimulus grows fivefold; only the delay shortens.
            The action potential is all or none: its size is set by the membrane, not by the
            stimulus.""",
            stimulus=Combined(
                parts=tuple(
                    Pulse(amplitude=amplitude, start=5.0 + 20.0 * index, duration=1.0)
                    for index, amplitude in enumerate(ALL_OR_NONE_AMPLITUDES)
                )
            ),
            t_stop=150.0,
        ),
        _preset(
            "refractory",
            "Refractory period",
            """
            Two 0.5 ms pulses of 26.6 uA/cm^2 (twice threshold), 10 ms apart onset to onset. The
            first fires; the second does not, because sodium channels are still inactivated and
            potassium channels still open: the membrane is relatively refractory. Shorten the
            interval below about 6 ms and no amplitude fires the second pulse (absolute refractory
            period); at 10 ms it needs about 3.5x threshold (46 uA/cm^2); by 15-20 ms twice threshold
            is enough again.""",
            stimulus=Train(amplitude=2.0 * THRESHOLD_HALF_MS, width=0.5, start=5.0, interval=10.0, count=2),
            t_stop=40.0,
        ),
        _preset(
            "repetitive",
            "Repetitive firing",
            """
            A sustained step of 10 uA/cm^2 makes the membrane fire over and over, at about 68 Hz
            (a spike every 15 ms). The first spike is taller than the rest: later spikes start from
            the after-hyperpolarisation with some sodium channels still inactivated. Raise the
            current and the rate rises; below about 6.3 uA/cm^2 firing is not sustained.""",
            stimulus=Step(amplitude=10.0, start=5.0),
            t_stop=100.0,
        ),
        _preset(
            "fi-curve",
            "Frequency-current (F-I) curve",
            """
            The firing rate of sustained steps over a grid of currents, all simulated together as
            one population. Firing jumps from zero to about 51 Hz at its onset near 6.3 uA/cm^2
            (marked): the HH axon cannot fire slowly (type II excitability). Above it the rate climbs
            gently, about 68 Hz at 10, 87 at 20, 117 at 50 and 147 Hz at 100 uA/cm^2, until the
            depolarisation block near 155 uA/cm^2.""",
            stimulus=Step(amplitude=10.0, start=0.0),
            t_stop=300.0,
            view="fi",
        ),
        _preset(
            "bistability",
            "Bistability",
            """
            Between the onset of repetitive firing (about 6.3 uA/cm^2) and the Hopf point (about
            9.8 uA/cm^2) the membrane has two stable states at the same current: rest and
            repetitive firing. Here the current creeps up slowly to 7.5 uA/cm^2 over 100 ms and the
            membrane stays at rest; at 150 ms a brief 1 ms pulse of +10 uA/cm^2 kicks it onto the
            firing cycle, and it keeps firing at the very same 7.5 uA/cm^2. A well-timed pulse about
            9 ms after a spike can switch it off again (Guttman, Lewis and Rinzel, 1980). An abrupt
            step to 7.5 fires at once: the step itself is the kick. The hysteresis view (key H in
            the app) maps the whole range: the current stepped up from rest and back down, each
            step from where the last one ended, rests on the way up and fires on the way down
            from about 6.26 (the fold of limit cycles) to 9.78 uA/cm^2 (the Hopf point).""",
            stimulus=Combined(
                parts=(
                    Ramp(amplitude=0.0, amplitude_end=BISTABLE_LEVEL, start=0.0, duration=100.0),
                    Step(amplitude=BISTABLE_LEVEL, start=100.0),
                    Pulse(amplitude=10.0, start=150.0, duration=1.0),
                )
            ),
            t_stop=300.0,
        ),
        _preset(
            "anode-break",
            "Anode break excitation",
            """
            A hyperpolarising current of -10 uA/cm^2 for 20 ms, then release. During the
            hyperpolarisation sodium inactivation is removed (h rises) and potassium channels close
            (n falls). On release the membrane springs back with more sodium channels available and
            fewer potassium channels open, overshoots and fires a rebound spike with no depolarising
            stimulus at all. A -3 uA/cm^2 step of 10 ms or more does it too.""",
            stimulus=Step(amplitude=-10.0, start=5.0, duration=20.0),
            t_stop=60.0,
        ),
        _preset(
            "ttx",
            "TTX blocks sodium channels",
            """
            Tetrodotoxin blocks the sodium channels: g_Na is 0. The 10 uA/cm^2 step that fires
            repetitively in the normal axon now only shifts the voltage by a few millivolts: no
            action potential without sodium current. In the app, blockers can also be applied live,
            while the membrane is firing, or as a partial dose (a fraction of g_Na).""",
            membrane=Membrane(g_na=0.0),
            stimulus=Step(amplitude=10.0, start=5.0),
            t_stop=60.0,
        ),
        _preset(
            "tea",
            "TEA blocks potassium channels",
            """
            Tetraethylammonium blocks potassium channels; here half of g_K (18 instead of
            36 mS/cm^2). Spikes repolarise more slowly and grow broader (half-width about 1.7 instead
            of 1.5 ms), and the membrane, with less potassium current to restore rest, keeps firing
            after a single 1 ms pulse. Block more (g_K towards 0) and the membrane stays
            depolarised instead of returning to rest.""",
            membrane=Membrane(g_k=18.0),
            stimulus=Pulse(amplitude=20.0, start=5.0, duration=1.0),
            t_stop=80.0,
        ),
        _preset(
            "pronase",
            "Pronase removes sodium inactivation",
            """
            Pronase, applied inside the axon, destroys sodium inactivation: h is held at 1. After a
            1 ms pulse the spike rises as usual but cannot repolarise properly: with sodium channels
            never inactivating, the membrane settles on a long depolarised plateau (about +25 mV)
            where sodium and potassium currents balance. Inactivation, not potassium alone, is what
            ends the normal action potential.""",
            membrane=Membrane(inactivation=False),
            stimulus=Pulse(amplitude=20.0, start=5.0, duration=1.0),
            t_stop=50.0,
        ),
        _preset(
            "voltage-clamp",
            "Voltage clamp",
            """
            The voltage is held at -65 mV and stepped to 0 mV for 20 ms. The clamp current shows a
            fast inward sodium current (peak about -1460 uA/cm^2 at 0.6 ms) that inactivates within a
            few milliseconds, and a slower outward potassium current that rises and stays (g_K about
            24.6 mS/cm^2). Change the level to see the family: sodium current shrinks and reverses
            near E_Na = +50 mV. Block one channel (TTX or TEA) to isolate the other.""",
            stimulus=VoltageClamp(hold=-65.0, level=0.0, start=5.0, duration=20.0),
            t_stop=30.0,
            view="currents",
        ),
        _preset(
            "temperature",
            "Temperature: 18.5 C",
            """
            All rates scale by 3 per 10 C (Q10 = 3), so at 18.5 C the gates move 3.8 times faster
            than at 6.3 C. The same 10 uA/cm^2 step fires faster (about 190 Hz instead of 68 Hz) and
            the spikes are narrower (half-width about 0.4 ms instead of 1.5 ms) and smaller, because
            potassium activation and sodium inactivation now cut each spike short.""",
            membrane=Membrane(temperature=18.5),
            stimulus=Step(amplitude=10.0, start=5.0),
            t_stop=50.0,
        ),
        _preset(
            "heat-block",
            "Heat block at 25 C",
            """
            At 25 C the rates are 7.8 times faster than at 6.3 C. Potassium activation and sodium
            inactivation now keep pace with sodium activation, so the 10 uA/cm^2 step no longer
            gives spikes: the voltage makes a small bump and settles. The threshold of a 1 ms pulse
            has risen from 6.9 to about 13 uA/cm^2. Cool the membrane back down and firing returns.""",
            membrane=Membrane(temperature=25.0),
            stimulus=Step(amplitude=10.0, start=5.0),
            t_stop=50.0,
        ),
        _preset(
            "low-sodium",
            "Low external sodium",
            f"""
            External sodium lowered to a third (147 instead of 440 mM, 50 mM inside), as in Hodgkin
            and Katz's 1949 experiments: the Nernst equation at 6.3 C gives E_Na = {low_sodium_e_na:g} mV
            instead of about +52 mV. The spike from the same 1 ms pulse peaks about 20 mV lower and
            rises more slowly: the overshoot tracks E_Na, the evidence that the rising phase is a
            sodium current.""",
            membrane=Membrane(e_na=low_sodium_e_na),
            stimulus=Pulse(amplitude=20.0, start=5.0, duration=1.0),
            t_stop=30.0,
        ),
        _preset(
            "phases",
            "The phases of the action potential",
            """
            One spike from a 1 ms pulse of 20 uA/cm^2, labelled by phase: resting (-65 mV),
            depolarisation (the pulse charges the membrane until sodium channels open and drive V up
            to about +40 mV), repolarisation (sodium inactivates and potassium opens, V falls back
            through rest) and hyperpolarisation (the undershoot to about -76 mV while potassium
            channels close slowly). Overlay the textbook cartoon (two Gaussians: rest -70, peak
            +40 mV at 2.5 ms, dip -90 mV at 3.5 ms) to compare.""",
            stimulus=Pulse(amplitude=20.0, start=1.0, duration=1.0),
            t_stop=20.0,
            view="phases",
        ),
        _preset(
            "kinetics",
            "Gate kinetics",
            """
            The rate constants alpha and beta of the m, h and n gates, their steady states x_inf(V)
            and time constants tau_x(V) at the set temperature. m is fast (tau under 0.5 ms) and
            opens with depolarisation; h and n are slow (several ms), h closing and n opening. The
            spike lives in the gap between the fast m and the slow h and n. Change the temperature:
            every tau shrinks by 3 per 10 C; the steady states do not move.""",
            stimulus=Step(amplitude=10.0, start=5.0),
            t_stop=50.0,
            view="kinetics",
        ),
        _preset(
            "phase-plane",
            "Phase plane (V, n)",
            """
            Repetitive firing at 10 uA/cm^2 drawn as a trajectory in the plane of voltage and the
            potassium gate n. With m at its steady state and h tied to n (h = 0.89 - 1.1 n), the
            model reduces to two variables whose nullclines are drawn: the cubic-shaped V-nullcline
            and the rising n-nullcline n_inf(V). At rest they cross at a stable point; the spike
            is the loop around it.""",
            stimulus=Step(amplitude=10.0, start=5.0),
            t_stop=100.0,
            view="phase",
        ),
    ]
    return {preset.name: preset for preset in presets}


#: The classic experiments by name, in teaching order.
PRESETS: dict[str, Experiment] = _build_presets()


def preset_names() -> list[str]:
    """The names of the presets, in teaching order."""
    return list(PRESETS)


def get_preset(name: str) -> Experiment:
    """The preset called ``name``; ValueError listing the known names otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None


# --- channel blockers ---------------------------------------------------------------------------------
TOXINS = ("ttx", "tea", "pronase")
#: Fraction of the channels each toxin blocks in its preset and when applied live in the app:
#: TTX all sodium channels (g_Na = 0), TEA half the potassium channels (g_K 36 -> 18 mS/cm^2),
#: pronase removes sodium inactivation (h = 1).
TOXIN_DOSES = {"ttx": 1.0, "tea": 0.5, "pronase": 1.0}


def blocker(membrane: Membrane, toxin: str, fraction: float = 1.0) -> Membrane:
    """``membrane`` with a toxin applied: ``fraction`` (0..1) of the channels blocked.

    - ``ttx`` (tetrodotoxin): g_Na multiplied by (1 - fraction).
    - ``tea`` (tetraethylammonium): g_K multiplied by (1 - fraction).
    - ``pronase``: removes sodium inactivation (h held at 1) for any fraction > 0; the model
      has no partial removal, and fraction 0 leaves the membrane unchanged.

    The fraction applies to the conductance of the membrane given, so pass the unblocked
    membrane to set a dose (applying 0.5 twice blocks 75 %).
    """
    key = str(toxin).lower()
    if key not in TOXINS:
        raise ParameterError(f"unknown toxin {toxin!r}; choose one of: {', '.join(TOXINS)}")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 <= float(fraction) <= 1.0:
        raise ParameterError(f"fraction blocked must be a number in [0, 1], got {fraction!r}")
    fraction = float(fraction)
    if key == "ttx":
        return membrane.replace(g_na=membrane.g_na * (1.0 - fraction))
    if key == "tea":
        return membrane.replace(g_k=membrane.g_k * (1.0 - fraction))
    return membrane.replace(inactivation=False) if fraction > 0.0 else membrane


# --- voltage-clamp family ----------------------------------------------------------------------------
def voltage_clamp_family(
    levels: Iterable[float] = range(-55, 30, 10),
    hold: float = -65.0,
    duration: float = 20.0,
    membrane: Membrane | None = None,
    pre: float = 5.0,
    post: float = 5.0,
    dt: float = 0.01,
) -> dict[str, NDArray[np.float64]]:
    """Clamp steps from ``hold`` mV to each of ``levels`` mV for ``duration`` ms, after ``pre`` ms
    at the holding potential and followed by ``post`` ms back at it (where the tail currents
    show). Each level is its own short clamp run, solved exactly (gates relax exponentially).

    Returns ``levels`` (mV, (L,)), ``t`` (ms, (T,)) and traces shaped (L, T): ``V`` (mV),
    ``I_Na``, ``I_K``, ``I_L``, ``I_clamp`` (uA/cm^2, outward positive; I_clamp is the total
    ionic current the clamp supplies) and ``g_Na``, ``g_K`` (mS/cm^2).
    """
    membrane = membrane if membrane is not None else Membrane()
    steps = [float(level) for level in levels]
    if not steps:
        raise ParameterError("voltage_clamp_family needs at least one level")
    runs: list[Samples] = []
    for level in steps:
        sim = Simulation(membrane, VoltageClamp(hold=hold, level=level, start=pre, duration=duration), dt=dt)
        runs.append(sim.advance(pre + duration + post, include_start=True))
    family: dict[str, NDArray[np.float64]] = {"levels": np.array(steps), "t": runs[0].t}
    for name in ("V", "I_Na", "I_K", "I_L", "I_clamp", "g_Na", "g_K"):
        family[name] = np.vstack([getattr(run, name)[0] for run in runs])
    return family
