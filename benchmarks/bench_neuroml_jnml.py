"""Run hhtui's NeuroML export in jNeuroML and compare with hhtui: spike times and V.

jNeuroML ships as one Java archive inside the pyNeuroML package (pyneuroml/lib/jNeuroML-*-jar-with-
dependencies.jar). Give it with --jar, or install pyNeuroML (pip install pyNeuroML) and it is found;
Java 8 or newer must be on the PATH. For each protocol and time step the script exports the
experiment (hhtui neuroml export), runs ``java -jar JAR LEMS_NAME.xml -nogui`` in a temporary
folder, and prints hhtui's and jNeuroML's spike times, their largest difference, and the largest
difference in V over the run. jNeuroML integrates with forward Euler and reports a spike at the
first step past threshold, hhtui with RK4 and spike times interpolated within the step, so the
differences shrink with dt.

    python benchmarks/bench_neuroml_jnml.py [--jar PATH] [--dt 0.01 0.0025]
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import hhtui
from hhtui.neuroml import export_experiment

PROTOCOLS = {
    "step": {"amp": 10, "t_stop": 50},
    "train": {"stim": "train", "amp": 30, "duration": 0.5, "interval": 8, "count": 4, "t_stop": 40},
    "ramp": {"stim": "ramp", "amp": 0, "amp_end": 15, "t_stop": 60},
    "warm": {"amp": 20, "temperature": 18.5, "t_stop": 40},
}


def find_jar(given: str | None) -> str:
    if given:
        return given
    spec = importlib.util.find_spec("pyneuroml")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            jars = sorted(glob.glob(os.path.join(folder, "lib", "jNeuroML-*-jar-with-dependencies.jar")))
            if jars:
                return jars[-1]
    sys.exit("no jNeuroML jar: give --jar PATH (it is pyneuroml/lib/jNeuroML-*.jar in the pyNeuroML wheel)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jar", default=None)
    parser.add_argument("--dt", type=float, nargs="+", default=[0.01, 0.0025])
    args = parser.parse_args()
    jar = find_jar(args.jar)
    if shutil.which("java") is None:
        sys.exit("java is not on the PATH")
    print(f"jNeuroML: {os.path.basename(jar)}")
    print(f"{'protocol':<8} {'dt ms':>7} {'spikes':>7} {'max |dt_spike| ms':>18} {'max |dV| mV':>12} {'jnml s':>7}")
    for name, params in PROTOCOLS.items():
        for dt in args.dt:
            run = hhtui.simulate(dt=dt, **params)
            with tempfile.TemporaryDirectory() as folder:
                export_experiment(folder, run.experiment, name=name)
                started = time.perf_counter()
                done = subprocess.run(
                    ["java", "-Xmx2g", "-jar", jar, f"LEMS_{name}.xml", "-nogui"],
                    check=False,
                    cwd=folder,
                    capture_output=True,
                    text=True,
                    timeout=3600,
                )
                elapsed = time.perf_counter() - started
                if done.returncode != 0:
                    print(done.stdout[-2000:], done.stderr[-2000:])
                    return 1
                traces = np.loadtxt(Path(folder) / f"{name}.dat")
                spikes_file = Path(folder) / f"{name}.spikes"
                text = spikes_file.read_text().split() if spikes_file.exists() else []
                jnml_spikes = np.array([float(x) * 1000.0 for x in text[0::2]])
            t_ms, v_mV = traces[:, 0] * 1000.0, traces[:, 1] * 1000.0
            ours = np.interp(t_ms, run.samples.t, run.samples.V[0])
            count = f"{run.spike_count}/{jnml_spikes.size}"
            if jnml_spikes.size == run.spikes.size and run.spikes.size:
                shift = f"{np.max(np.abs(jnml_spikes - run.spikes)):.4f}"
            else:
                shift = "n/a" if jnml_spikes.size == run.spikes.size else "counts differ"
            print(f"{name:<8} {dt:>7g} {count:>7} {shift:>18} {np.max(np.abs(ours - v_mV)):>12.3f} {elapsed:>7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
