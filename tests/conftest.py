"""Shared test configuration for hhtui."""

from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest

#: Runs that load (or, after a change to the kernels, compile) the kernels most tests need: a
#: run with a current step and one under voltage clamp, each written as CSV, and a short sweep.
WARM_UP = """
import sys
from hhtui.cli import main
for argv in (["run", "-o", "step.csv"], ["run", "--stim", "clamp", "-o", "clamp.csv"],
             ["sweep", "--amp", "0:10:5", "--t-stop", "150", "-o", "sweep.csv"]):
    main(argv)
"""


def pytest_sessionstart(session: pytest.Session) -> None:
    """Before ``pytest -n`` starts its workers: load the compiled kernels once, so that a
    changed kernel is compiled once for the run instead of by every worker and every process
    that tests start meanwhile (which, on a busy machine, made the first tests wait a minute).
    A single-process run compiles on first use, as before."""
    if not getattr(session.config.option, "numprocesses", None) or hasattr(session.config, "workerinput"):
        return
    with tempfile.TemporaryDirectory(prefix="hhtui-warm-up-") as directory:
        # Whatever this finds is found again, and reported, by the tests themselves.
        subprocess.run([sys.executable, "-c", WARM_UP], cwd=directory, capture_output=True, timeout=900, check=False)
