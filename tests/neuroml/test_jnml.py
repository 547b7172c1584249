"""Where Java and jNeuroML are available, the exported LEMS file runs in jNeuroML and its spike
times converge on hhtui's as the time step shrinks (jNeuroML integrates with forward Euler, a
first-order method, and reports a spike at the step after the threshold crossing).

jNeuroML is the Java archive inside the pyNeuroML package; set HHTUI_JNML_JAR to its path, or
install pyNeuroML. Skipped otherwise (benchmarks/bench_neuroml_jnml.py prints the comparison)."""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import hhtui
from hhtui.neuroml import export_experiment

pytestmark = pytest.mark.slow


def jnml_jar() -> str | None:
    given = os.environ.get("HHTUI_JNML_JAR")
    if given:
        return given
    spec = importlib.util.find_spec("pyneuroml")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        jars = sorted(glob.glob(os.path.join(folder, "lib", "jNeuroML-*-jar-with-dependencies.jar")))
        if jars:
            return jars[-1]
    return None


def jnml_spikes(jar: str, folder: Path, experiment, name: str) -> np.ndarray:
    export_experiment(folder, experiment, name=name)
    done = subprocess.run(
        ["java", "-Xmx1g", "-jar", jar, f"LEMS_{name}.xml", "-nogui"],
        check=False,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    words = (folder / f"{name}.spikes").read_text().split()
    return np.array([float(word) * 1000.0 for word in words[0::2]])


def test_jneuroml_spike_times_converge_on_hhtuis(tmp_path: Path) -> None:
    jar = jnml_jar()
    if jar is None or shutil.which("java") is None:
        pytest.skip("needs java and the jNeuroML jar (HHTUI_JNML_JAR or pyNeuroML)")
    errors = []
    for dt in (0.01, 0.001):
        run = hhtui.simulate(stim="train", amp=30, duration=0.5, interval=8, count=4, t_stop=40, dt=dt)
        theirs = jnml_spikes(jar, tmp_path / f"dt{dt}", run.experiment, "train")
        assert theirs.size == run.spike_count == 2
        errors.append(float(np.max(np.abs(theirs - run.spikes))))
    # First order: ten times smaller steps, about ten times closer (at least five).
    assert errors[1] < errors[0] / 5 and errors[1] < 0.05
