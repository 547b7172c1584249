"""Shared test configuration for hhtui."""

from __future__ import annotations

import os
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


# The suite starts a few hundred hhtui processes, and every pytest-xdist worker imports every
# test module (rewriting its asserts). Where PYTHONDONTWRITEBYTECODE is set (as in many containers)
# each of them would compile all that from source again: the suite keeps the bytecode of the
# project's own files in their __pycache__ folders, as Python does by default (git ignores them).
sys.dont_write_bytecode = False


def pytest_sessionstart(session: pytest.Session) -> None:
    """Before ``pytest -n`` starts its workers: byte-compile the package (for the processes the
    tests start) and load the compiled kernels once, so that a changed kernel is compiled once
    for the run instead of by every worker and every process that tests start meanwhile (which,
    on a busy machine, made the first tests wait a minute). A single-process run compiles on
    first use, as before."""
    if not getattr(session.config.option, "numprocesses", None) or hasattr(session.config, "workerinput"):
        return
    import compileall
    from pathlib import Path

    import hhtui

    compileall.compile_dir(str(Path(hhtui.__file__).parent), quiet=2)
    with tempfile.TemporaryDirectory(prefix="hhtui-warm-up-") as directory:
        # Whatever this finds is found again, and reported, by the tests themselves.
        subprocess.run([sys.executable, "-c", WARM_UP], cwd=directory, capture_output=True, timeout=900, check=False)


#: Markers of tests that take many seconds each (all of them run by default and in CI).
LONG = ("slow", "fuzz", "distributed", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the workers of ``pytest -n``: the long tests first, so that the workers end together
    instead of one of them running a long test alone at the end. A single-process run keeps
    the order of the files."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: not any(item.get_closest_marker(name) for name in LONG))


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``pytest -n auto``: one worker more than there are cores. Many tests spend seconds
    waiting for a process they started (the app in a terminal, a sweep's workers, a recording
    in real time); the extra worker keeps the cores busy meanwhile."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores + 1
