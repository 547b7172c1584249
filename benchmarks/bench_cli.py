"""Whole-process timings of the ``hhtui`` command, as a user or a job script sees them.

Each command is started as a fresh process (interpreter start, imports, loading the compiled
kernels from the cache, simulating, writing the CSV and sidecar) and timed end to end; the best
of a few repeats is printed, against its target:

- ``hhtui run --t-stop 1000 --dt 0.01 -o x.csv``: one neuron, 100,001 rows (target < 1 s);
- ``hhtui sweep --amp 0:50:0.05 --t-stop 100 --transient 0 -o fi.csv``: 1,001 currents (target < 3 s);
- the same 1000 ms run written the way a textbook script does it: rate functions in Python,
  ``scipy.integrate.odeint`` on a 0.01 ms grid, the CSV written with ``numpy.savetxt``
  (``hhtui run`` should take at most a third of its time).

    python benchmarks/bench_cli.py [--repeat R]

The first run after a change of the kernels' source compiles them (5-20 s); run once before
measuring, or let the warm-up below do it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXTBOOK_SCRIPT = '''
"""Hodgkin-Huxley, 1000 ms of a 10 uA/cm^2 step from 5 ms, as in a textbook."""
import sys

import numpy as np
from scipy.integrate import odeint

C_m, g_Na, g_K, g_L = 1.0, 120.0, 36.0, 0.3
E_Na, E_K, E_L = 50.0, -77.0, -54.387


def alpha_m(V): return 0.1 * (V + 40.0) / (1.0 - np.exp(-(V + 40.0) / 10.0))
def beta_m(V): return 4.0 * np.exp(-(V + 65.0) / 18.0)
def alpha_h(V): return 0.07 * np.exp(-(V + 65.0) / 20.0)
def beta_h(V): return 1.0 / (1.0 + np.exp(-(V + 35.0) / 10.0))
def alpha_n(V): return 0.01 * (V + 55.0) / (1.0 - np.exp(-(V + 55.0) / 10.0))
def beta_n(V): return 0.125 * np.exp(-(V + 65) / 80.0)


def I_Na(V, m, h): return g_Na * m**3 * h * (V - E_Na)
def I_K(V, n): return g_K * n**4 * (V - E_K)
def I_L(V): return g_L * (V - E_L)
def I_inj(t): return 10.0 if t >= 5.0 else 0.0


def derivatives(y, t):
    V, m, h, n = y
    dVdt = (I_inj(t) - I_Na(V, m, h) - I_K(V, n) - I_L(V)) / C_m
    dmdt = alpha_m(V) * (1.0 - m) - beta_m(V) * m
    dhdt = alpha_h(V) * (1.0 - h) - beta_h(V) * h
    dndt = alpha_n(V) * (1.0 - n) - beta_n(V) * n
    return [dVdt, dmdt, dhdt, dndt]


t = np.arange(0.0, 1000.0 + 0.005, 0.01)
V0 = -65.0
y0 = [V0, alpha_m(V0) / (alpha_m(V0) + beta_m(V0)), alpha_h(V0) / (alpha_h(V0) + beta_h(V0)),
      alpha_n(V0) / (alpha_n(V0) + beta_n(V0))]
solution = odeint(derivatives, y0, t)
V, m, h, n = solution.T
i_inj = np.array([I_inj(ti) for ti in t])
table = np.column_stack([t, V, m, h, n, i_inj, I_Na(V, m, h), I_K(V, n), I_L(V),
                         g_Na * m**3 * h, g_K * n**4])
np.savetxt(sys.argv[1], table, delimiter=",", comments="",
           header="t_ms,V_mV,m,h,n,I_stim_uA_cm2,I_Na_uA_cm2,I_K_uA_cm2,I_L_uA_cm2,g_Na_mS_cm2,g_K_mS_cm2")
'''


def best_of(repeat: int, command: list[str], cwd: Path) -> float:
    """Shortest wall time of ``repeat`` runs of ``command`` (each must succeed), in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the best is kept (default 3)")
    args = parser.parse_args()
    hhtui = [sys.executable, "-m", "hhtui"]
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        run = hhtui + ["run", "--t-stop", "1000", "--dt", "0.01", "-o", str(work / "x.csv")]
        sweep = hhtui + [
            "sweep",
            "--amp",
            "0:50:0.05",
            "--t-stop",
            "100",
            "--transient",
            "0",
            "-o",
            str(work / "fi.csv"),
        ]
        script = work / "textbook_hh.py"
        script.write_text(TEXTBOOK_SCRIPT)
        textbook = [sys.executable, str(script), str(work / "textbook.csv")]

        # warm-up: compile or load the kernels once, so the figures are those of an installed program
        best_of(1, run, work)
        best_of(1, sweep, work)

        startup = best_of(args.repeat, hhtui + ["--version"], work)
        t_run = best_of(args.repeat, run, work)
        with open(work / "x.csv") as csv_file:
            rows = sum(1 for _ in csv_file) - 1
        t_sweep = best_of(args.repeat, sweep, work)
        t_textbook = best_of(args.repeat, textbook, work)

    def verdict(ok: bool) -> str:
        return "ok" if ok else "OVER TARGET"

    print(f"process start (hhtui --version)          {startup:6.3f} s")
    print(f"hhtui run, 1000 ms, {rows:,} rows            {t_run:6.3f} s   target < 1 s   {verdict(t_run < 1.0)}")
    print(f"hhtui sweep, 1,001 currents x 100 ms     {t_sweep:6.3f} s   target < 3 s   {verdict(t_sweep < 3.0)}")
    print(f"textbook odeint script, same 1000 ms run {t_textbook:6.3f} s")
    ratio = t_run / t_textbook
    print(f"hhtui run / textbook                     {ratio:6.3f}     target <= 0.333 {verdict(ratio <= 1 / 3)}")


if __name__ == "__main__":
    main()
