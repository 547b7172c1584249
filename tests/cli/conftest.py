"""Fixtures of the command-line tests: run ``hhtui`` in a fresh process, as a user does.

The command is started as ``python -m hhtui`` with the interpreter running the tests, which is
the same entry point as the installed ``hhtui`` script (``hhtui.cli:main``) and works in any
virtual environment. Every run has its own working directory (``tmp_path``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

#: Generous: the first run in a fresh checkout compiles the numerical kernels.
TIMEOUT_S = 300


def child_environment(extra: dict[str, str] | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "COLUMNS", "LINES")}
    env.update(extra or {})
    return env


def _default_sigint() -> None:
    """Let the child react to Ctrl-C even if this process was started with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_hhtui(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``hhtui ARGS...`` in ``cwd``; returns the finished process with its text output."""
    return subprocess.run(
        [sys.executable, "-m", "hhtui", *args],
        cwd=cwd,
        env=child_environment(env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        preexec_fn=_default_sigint,
    )


def start_hhtui(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """``hhtui ARGS...`` started in the background (for the Ctrl-C test)."""
    return subprocess.Popen(
        [sys.executable, "-m", "hhtui", *args],
        cwd=cwd,
        env=child_environment(None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


@pytest.fixture
def hhtui(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``hhtui(*args, env=None)`` runs the command with ``tmp_path`` as working directory."""

    def call(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_hhtui(*args, cwd=tmp_path, env=env)

    return call


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``hhtui run -o run.csv`` with every default, made once: (CSV path, finished process)."""
    directory = tmp_path_factory.mktemp("default_run")
    done = run_hhtui("run", "-o", "run.csv", cwd=directory)
    assert done.returncode == 0, done.stderr
    return directory / "run.csv", done
