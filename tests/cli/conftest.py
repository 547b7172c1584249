"""Fixtures of the command-line tests: run ``hhtui`` in a fresh process, as a user does.

The processes are started by :mod:`tests.processes` (one runner for the whole suite); every run
has its own working directory (``tmp_path``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.processes import TIMEOUT_S, child_environment, run_hhtui, start_hhtui

__all__ = ["TIMEOUT_S", "child_environment", "default_run", "hhtui", "run_hhtui", "start_hhtui"]


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
