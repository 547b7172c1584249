"""hhtui side by side with NEURON, speed and accuracy from one run.

    python benchmarks/bench_neuron.py [--repeat R] [--quick] [--save FILE.json] [--compare FILE.json]

NEURON is not a dependency of hhtui. This script installs it from PyPI (``pip install neuron
numpy``) into its own virtual environment under the user's cache folder
(``$XDG_CACHE_HOME/hhtui-bench/neuron-venv``, ``~/.cache/...`` by default) and runs it there as
separate processes. When it cannot be installed (no network, no wheel for this platform) the
NEURON columns say so and the hhtui figures are still printed.

What is measured (medians of R repeats, whole processes unless said otherwise):

(a) ``hhtui run``: 1 neuron, 10 uA/cm^2 from 5 ms, 1000 ms at dt 0.01 ms, the 11-column CSV and
    its sidecar written; against a NEURON script doing the same: one section with ``hh``, the same
    membrane, fixed step dt 0.01 ms (its default implicit method), the same columns recorded and
    written with ``numpy.savetxt`` ("%.10g").
(b) ``hhtui sweep``: 1001 and 10001 currents (0..100 uA/cm^2) x 100 ms, F-I CSV written; against
    NEURON with 1001 / 10001 one-compartment sections, an IClamp and a NetCon spike counter each.
(c) in process: ns per neuron-step for 1001 neurons (no recording) and steps per second for one
    neuron (with every step recorded, and without), after a warm-up call.
(d) accuracy in the same run: spike times of the 1000 ms run against NEURON's CVODE at tight
    tolerance (its rate tables off: ``usetable_hh = 0``; the timed runs keep NEURON's defaults), and of the
    default 50 ms run against an independent scipy reference (the equations
    written out literally, DOP853 at rtol = atol = 1e-10).

hhtui's modules are byte-compiled first (``compileall``), as ``pip install`` does for an installed
package, so that a process with ``PYTHONDONTWRITEBYTECODE`` set does not compile them from source
at every start (NEURON's Python package is byte-compiled by its own install). ``--no-compile``
leaves them as they are.

``--save``/``--compare``: write or compare the numbers that must not change when the kernels
change (spike times of several protocols, F-I counts at 6.3 and 18.5 C, the 1 ms threshold),
and print the largest difference.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

AREA_UM2 = 100.0  # NEURON section area, um^2: 1 uA/cm^2 is 1e-3 nA
V_REST = None  # filled from hhtui (its resting potential, so both start from the same state)

NEURON_SCRIPT = r"""
import json, sys, time
import numpy as np
from neuron import h

h.load_file("stdrun.hoc")
spec = json.loads(sys.argv[1])
h.celsius = 6.3


def section(name, amp_uA_cm2, delay):
    s = h.Section(name=name)
    s.L = s.diam = (spec["area"] / np.pi) ** 0.5
    s.cm = 1.0
    s.Ra = 35.4
    s.insert("hh")
    seg = s(0.5)
    seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl, seg.hh.el = 0.12, 0.036, 0.0003, -54.387
    s.ena, s.ek = 50.0, -77.0
    clamp = h.IClamp(seg)
    clamp.delay, clamp.dur, clamp.amp = delay, 1e9, amp_uA_cm2 * spec["area"] * 1e-5
    return s, clamp


mode = spec["mode"]
if mode == "run":
    s, clamp = section("soma", spec["amp"], spec["delay"])
    seg = s(0.5)
    names = ["t", "v", "m", "h", "n", "i", "ina", "ik", "il", "gna", "gk"]
    refs = [h._ref_t, seg._ref_v, seg.hh._ref_m, seg.hh._ref_h, seg.hh._ref_n, clamp._ref_i, seg._ref_ina,
            seg._ref_ik, seg.hh._ref_il, seg.hh._ref_gna, seg.hh._ref_gk]
    vecs = [h.Vector() for _ in refs]
    for vec, ref in zip(vecs, refs):
        vec.record(ref)
    h.dt = spec["dt"]
    h.steps_per_ms = 1.0 / spec["dt"]
    h.finitialize(spec["v_init"])
    h.continuerun(spec["t_stop"])
    data = np.column_stack([np.array(v) for v in vecs])
    data[:, 5] *= 1e5 / spec["area"]          # nA -> uA/cm^2
    data[:, 6:9] *= 1e3                        # mA/cm^2 -> uA/cm^2
    data[:, 9:11] *= 1e3                       # S/cm^2 -> mS/cm^2
    header = "t_ms,V_mV,m,h,n,I_stim_uA_cm2,I_Na_uA_cm2,I_K_uA_cm2,I_L_uA_cm2,g_Na_mS_cm2,g_K_mS_cm2"
    np.savetxt(spec["out"], data, fmt="%.10g", delimiter=",", header=header, comments="")
elif mode == "sweep":
    amps = np.linspace(0.0, 100.0, spec["n"])
    cells, counters, keep = [], [], []
    for k, a in enumerate(amps):
        s, clamp = section(f"s{k}", float(a), 0.0)
        nc = h.NetCon(s(0.5)._ref_v, None, sec=s)
        nc.threshold = 0.0
        times = h.Vector()
        nc.record(times)
        keep.append((s, clamp, nc, times))
    h.dt = spec["dt"]
    h.steps_per_ms = 1.0 / spec["dt"]
    h.finitialize(spec["v_init"])
    h.continuerun(spec["t_stop"])
    counts = np.array([len(item[3]) for item in keep], dtype=float)
    np.savetxt(spec["out"], np.column_stack([amps, counts, counts / (spec["t_stop"] / 1000.0)]), fmt="%.10g",
               delimiter=",", header="amp_uA_cm2,spike_count,rate_Hz", comments="")
elif mode == "spikes":
    h.usetable_hh = 0  # the rates computed at each voltage, not interpolated from hh's 1 mV table
    s, clamp = section("soma", spec["amp"], spec["delay"])
    cvode = h.CVode()
    cvode.condition_order(2)  # threshold crossings interpolated
    cvode.active(1)
    cvode.atol(1e-10)
    cvode.rtol(1e-10)
    nc = h.NetCon(s(0.5)._ref_v, None, sec=s)
    nc.threshold = 0.0
    times = h.Vector()
    nc.record(times)
    h.finitialize(spec["v_init"])
    h.continuerun(spec["t_stop"])
    print(json.dumps(list(times)))
"""


# --- NEURON environment --------------------------------------------------------------------------
def neuron_python() -> tuple[str | None, str]:
    """The python of a venv with NEURON (created on first use), or None and the reason."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hhtui-bench" / "neuron-venv"
    python = cache / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import neuron"], capture_output=True).returncode == 0:
        return str(python), "cached"
    try:
        print(f"installing NEURON from PyPI into {cache} (once) ...", file=sys.stderr)
        venv.create(cache, with_pip=True, clear=True)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "neuron", "numpy"], capture_output=True, text=True, timeout=900
        )
        if done.returncode != 0:
            return None, "pip install neuron failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
        check = subprocess.run([str(python), "-c", "import neuron"], capture_output=True, text=True)
        if check.returncode != 0:
            return None, "NEURON installed but does not import: " + (check.stderr.strip().splitlines() or ["?"])[-1]
        return str(python), "installed"
    except Exception as exc:  # no network, no venv module, timeout ...
        return None, f"cannot install NEURON ({exc})"


def neuron_process(python: str, spec: dict[str, Any], script: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    return subprocess.run([python, str(script), json.dumps(spec)], capture_output=True, text=True, env=env, check=True)


# --- timing ---------------------------------------------------------------------------------------
def timed(repeat: int, function: Callable[[], Any]) -> tuple[float, float]:
    """Median wall time and median CPU time (s) of ``repeat`` calls. The CPU time is that of the
    child processes the call ran plus this process's own (all threads): on a machine shared with
    other work it is the fairer figure, as the wall time then mostly measures the queue."""
    walls, cpus = [], []
    for _ in range(repeat):
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = time.process_time()
        start = time.perf_counter()
        function()
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - children.ru_utime + after.ru_stime - children.ru_stime + time.process_time() - own)
    return statistics.median(walls), statistics.median(cpus)


def hhtui_command(*args: str) -> Callable[[], Any]:
    return lambda: subprocess.run([sys.executable, "-m", "hhtui", *args], check=True, capture_output=True)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


# --- accuracy -----------------------------------------------------------------------------------------
def literal_reference(amp: float, start: float, t_stop: float, v0: float) -> np.ndarray:
    """Upward 0 mV crossings (ms) of the HH equations written out literally, scipy DOP853 at
    rtol = atol = 1e-10, integrated piece by piece around the step's onset."""
    from scipy.integrate import solve_ivp

    def vtrap(x: float, y: float) -> float:
        return y if abs(x) < 1e-12 else x / (math.exp(x / y) - 1.0)

    def rhs(t: float, y: np.ndarray, current: float) -> list[float]:
        v, m, h, n = y
        a_m, b_m = 0.1 * vtrap(-(v + 40.0), 10.0), 4.0 * math.exp(-(v + 65.0) / 18.0)
        a_h, b_h = 0.07 * math.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
        a_n, b_n = 0.01 * vtrap(-(v + 55.0), 10.0), 0.125 * math.exp(-(v + 65.0) / 80.0)
        i_ion = 120.0 * m**3 * h * (v - 50.0) + 36.0 * n**4 * (v + 77.0) + 0.3 * (v + 54.387)
        return [current - i_ion, a_m * (1 - m) - b_m * m, a_h * (1 - h) - b_h * h, a_n * (1 - n) - b_n * n]

    def steady(v: float) -> list[float]:
        a_m, b_m = 0.1 * vtrap(-(v + 40.0), 10.0), 4.0 * math.exp(-(v + 65.0) / 18.0)
        a_h, b_h = 0.07 * math.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
        a_n, b_n = 0.01 * vtrap(-(v + 55.0), 10.0), 0.125 * math.exp(-(v + 65.0) / 80.0)
        return [v, a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)]

    def crossing(t: float, y: np.ndarray, current: float) -> float:
        return y[0]

    crossing.direction = 1.0  # type: ignore[attr-defined]
    y = np.array(steady(v0))
    spikes: list[float] = []
    for a, b, current in ((0.0, start, 0.0), (start, t_stop, amp)):
        solution = solve_ivp(
            rhs, (a, b), y, method="DOP853", rtol=1e-10, atol=1e-10, events=crossing, args=(current,), dense_output=True
        )
        spikes.extend(solution.t_events[0].tolist())
        y = solution.sol(b)
    return np.array(spikes)


def hhtui_spikes(amp: float, start: float, t_stop: float) -> np.ndarray:
    from hhtui.model import Membrane, Simulation, Step

    sim = Simulation(Membrane(), Step(amplitude=amp, start=start))
    return np.asarray(sim.advance(t_stop, record=False).spike_time)


def invariants() -> dict[str, Any]:
    """Numbers that must not change when the kernels change."""
    from hhtui.model import Membrane, Simulation, Step
    from hhtui.model.analysis import fi_curve, threshold_search
    from hhtui.model.stimulus import Noise, Ramp, Train

    out: dict[str, Any] = {}
    protocols = {
        "step10_1000ms": (Membrane(), Step(amplitude=10.0, start=5.0), 1000.0),
        "step10_18.5C_200ms": (Membrane(temperature=18.5), Step(amplitude=10.0, start=5.0), 200.0),
        "train_18.5C": (
            Membrane(temperature=18.5),
            Train(amplitude=20.0, width=0.5, start=5.0, interval=7.0, count=25),
            200.0,
        ),
        "ramp": (Membrane(), Ramp(amplitude=0.0, amplitude_end=30.0, start=5.0, duration=150.0), 200.0),
        "noise": (Membrane(), Noise(mean=7.0, std=5.0, bin_width=0.1, seed=3), 300.0),
        "ttx_half": (Membrane(g_na=60.0), Step(amplitude=30.0, start=5.0), 200.0),
    }
    for name, (membrane, stimulus, t_stop) in protocols.items():
        out[name] = Simulation(membrane, stimulus).advance(t_stop, record=False).spike_time.tolist()
    for temperature in (6.3, 18.5):
        curve = fi_curve(
            np.round(np.arange(0.0, 40.0001, 0.25), 6),
            t_stop=500.0,
            transient=100.0,
            membrane=Membrane(temperature=temperature),
        )
        out[f"fi_{temperature}"] = curve.spike_counts.tolist()
    out["threshold_1ms"] = threshold_search(1.0)
    return out


def compare(saved: dict[str, Any], now: dict[str, Any]) -> None:
    worst = 0.0
    for key, value in saved.items():
        new = now[key]
        if key.startswith("fi_"):
            same = value == new
            differing = np.nonzero(np.array(value) != np.array(new))[0]
            print(f"  {key:22s} F-I counts {'identical' if same else 'DIFFER: ' + str(differing)}")
        elif key == "threshold_1ms":
            print(f"  {key:22s} {value:.4f} -> {new:.4f} uA/cm^2 {'(same)' if value == new else '(DIFFERENT)'}")
        else:
            if len(value) != len(new):
                print(f"  {key:22s} spike count {len(value)} -> {len(new)}  DIFFERENT")
                continue
            diff = float(np.max(np.abs(np.array(value) - np.array(new)))) if value else 0.0
            worst = max(worst, diff)
            print(f"  {key:22s} {len(value):3d} spikes, max |change| {diff:.3g} ms")
    print(f"  largest spike-time change: {worst:.3g} ms")


# --- main ---------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="repeats of each timing (median reported)")
    parser.add_argument("--quick", action="store_true", help="skip the 10001-current sweep")
    parser.add_argument("--no-neuron", action="store_true", help="do not install or run NEURON")
    parser.add_argument(
        "--no-compile", action="store_true", help="do not byte-compile hhtui's modules first (as pip install does)"
    )
    parser.add_argument(
        "--save", metavar="FILE", help="save the invariant numbers (spike times, F-I counts, threshold)"
    )
    parser.add_argument("--compare", metavar="FILE", help="compare the invariant numbers with a saved file")
    args = parser.parse_args()

    import hhtui

    package = Path(hhtui.__file__).resolve().parent
    if not args.no_compile:
        import compileall

        compileall.compile_dir(str(package), quiet=1)

    from hhtui.model import Membrane
    from hhtui.model.integrators import integrate_blocks
    from hhtui.model.simulation import resting_potential

    v_rest = resting_potential(Membrane())
    python, why = (None, "--no-neuron given") if args.no_neuron else neuron_python()
    print(f"hhtui from {package} ({'byte-compiled' if not args.no_compile else 'as found'}); NEURON: {why}")
    print(load())
    rows: list[tuple[str, float, float | None, str]] = []
    with tempfile.TemporaryDirectory(prefix="hhtui-bench-") as folder:
        tmp = Path(folder)
        script = tmp / "neuron_hh.py"
        script.write_text(NEURON_SCRIPT)
        base = {"area": AREA_UM2, "v_init": v_rest, "dt": 0.01}

        # warm up (compiles or loads the kernels; NEURON loads its mechanisms)
        hhtui_command("run", "--t-stop", "100", "-o", str(tmp / "warm.csv"))()  # also compiles the CSV formatter
        hhtui_command(
            "sweep", "--amp", "0:100:10", "--t-stop", "10", "--transient", "0", "-o", str(tmp / "warm_fi.csv")
        )()

        # (a) run
        run_h = timed(
            args.repeat,
            hhtui_command(
                "run", "--amp", "10", "--start", "5", "--t-stop", "1000", "--dt", "0.01", "-o", str(tmp / "run.csv")
            ),
        )
        run_n = None
        if python:
            spec = dict(base, mode="run", amp=10.0, delay=5.0, t_stop=1000.0, out=str(tmp / "nrn_run.csv"))
            run_n = timed(args.repeat, lambda: neuron_process(python, spec, script))
        rows.append(("run 1 neuron 1000 ms, CSV", run_h, run_n, "<= 0.5"))

        # (b) sweeps
        for count, step in ((1001, "0.1"), (10001, "0.01")):
            if count > 1001 and args.quick:
                continue
            sweep_h = timed(
                args.repeat,
                hhtui_command(
                    "sweep",
                    "--amp",
                    f"0:100:{step}",
                    "--t-stop",
                    "100",
                    "--transient",
                    "0",
                    "-o",
                    str(tmp / f"fi{count}.csv"),
                ),
            )
            sweep_n = None
            if python:
                spec = dict(base, mode="sweep", n=count, t_stop=100.0, out=str(tmp / f"nrn_fi{count}.csv"))
                sweep_n = timed(args.repeat, lambda spec=spec: neuron_process(python, spec, script))
                ours = np.loadtxt(tmp / f"fi{count}.csv", delimiter=",", skiprows=1)[:, 1]
                theirs = np.loadtxt(tmp / f"nrn_fi{count}.csv", delimiter=",", skiprows=1)[:, 1]
                print(
                    f"sweep {count}: spike counts differ from NEURON (fixed step) at {int(np.sum(ours != theirs))} "
                    f"of {count} currents (largest difference {int(np.max(np.abs(ours - theirs)))})"
                )
            rows.append((f"sweep {count} x 100 ms", sweep_h, sweep_n, "<= 0.5" if count == 1001 else "<= 0.33"))

    # (c) in process
    from hhtui.model import Simulation, Step

    population = Simulation(Membrane(), Step(amplitude=np.linspace(0.0, 100.0, 1001), start=0.0))
    population.advance(1.0, record=False)

    def run_population() -> None:
        population.reset()
        population.advance(100.0, record=False)

    t_pop = timed(args.repeat, run_population)
    single = Simulation(Membrane(), Step(amplitude=10.0, start=5.0))
    single.advance(1.0)

    def run_single() -> None:
        single.reset()
        single.advance(1000.0)

    t_one = timed(args.repeat, run_single)
    origin = getattr(integrate_blocks, "origin", "") or "not compiled (HHTUI_NO_JIT)"
    print(f"kernels in this process: {origin}; numba imported: {'numba' in sys.modules}")

    def run_bare() -> None:
        single.reset()
        single.advance(1000.0, record=False)

    t_bare = timed(args.repeat, run_bare)
    print()
    print(
        f"{'':30s} {'wall: hhtui':>11s} {'NEURON':>8s} {'ratio':>6s} | "
        f"{'CPU: hhtui':>10s} {'NEURON':>8s} {'ratio':>6s}  target"
    )
    for label, ours_t, theirs_t, target in rows:
        if theirs_t:
            print(
                f"{label:30s} {ours_t[0]:10.2f}s {theirs_t[0]:7.2f}s {ours_t[0] / theirs_t[0]:6.2f} | "
                f"{ours_t[1]:9.2f}s {theirs_t[1]:7.2f}s {ours_t[1] / theirs_t[1]:6.2f}  {target}"
            )
        else:
            print(f"{label:30s} {ours_t[0]:10.2f}s {'n/a':>8s} {'':6s} | {ours_t[1]:9.2f}s {'n/a':>8s}")
    steps_pop = 1001 * 10000
    print(
        f"in process, 1001 neurons x 100 ms: {t_pop[0] * 1e9 / steps_pop:.1f} ns per neuron-step wall "
        f"({steps_pop / t_pop[0] / 1e6:.1f} M/s); {t_pop[1] * 1e9 / steps_pop:.1f} ns of CPU per neuron-step "
        f"(all threads), i.e. {2 * steps_pop / t_pop[1] / 1e6:.1f} M/s on 2 unshared cores (target >= 25)"
    )
    for what, (wall, cpu) in (("every step recorded", t_one), ("not recorded", t_bare)):
        print(
            f"in process, 1 neuron x 1000 ms, {what}: {wall * 1e9 / 1e5:.1f} ns per step wall "
            f"({1e5 / wall / 1e6:.2f} M/s); {cpu * 1e9 / 1e5:.1f} ns of CPU ({1e5 / cpu / 1e6:.2f} M/s) "
            f"(target >= 10 M/s, <= 100 ns per step)"
        )
    print(load())

    # (d) accuracy
    print()
    ours = hhtui_spikes(10.0, 5.0, 1000.0)
    if python:
        spec = {"area": AREA_UM2, "v_init": v_rest, "mode": "spikes", "amp": 10.0, "delay": 5.0, "t_stop": 1000.0}
        with tempfile.TemporaryDirectory(prefix="hhtui-bench-") as folder:
            script = Path(folder) / "neuron_hh.py"
            script.write_text(NEURON_SCRIPT)
            theirs = np.array(json.loads(neuron_process(python, spec, script).stdout.strip().splitlines()[-1]))
        if theirs.size == ours.size:
            print(
                f"1000 ms, 10 uA/cm^2: {ours.size} spikes; max |hhtui RK4 dt 0.01 - NEURON CVODE 1e-10| = "
                f"{np.max(np.abs(ours - theirs)):.2g} ms"
            )
        else:
            print(f"1000 ms, 10 uA/cm^2: {ours.size} spikes in hhtui, {theirs.size} in NEURON CVODE")
    short = hhtui_spikes(10.0, 5.0, 50.0)
    reference = literal_reference(10.0, 5.0, 50.0, v_rest)
    if short.size == reference.size:
        print(
            f"50 ms step (the default run): {short.size} spikes; max |hhtui - scipy DOP853 1e-10| = "
            f"{np.max(np.abs(short - reference)):.2g} ms (must be < 0.02)"
        )
    else:
        print(f"50 ms step: {short.size} spikes in hhtui, {reference.size} in the reference")
    if args.save or args.compare:
        now = invariants()
        if args.save:
            Path(args.save).write_text(json.dumps(now))
            print(f"invariants saved to {args.save}")
        if args.compare:
            print(f"against {args.compare}:")
            compare(json.loads(Path(args.compare).read_text()), now)


if __name__ == "__main__":
    main()
