"""Fixtures of the command-line tests: run ``hhtui`` as a user does.

``hhtui`` runs the command in the test process (:mod:`tests.in_process`): the same arguments,
working directory, environment and standard input as a new process, and the same exit status and
output, without the cost of starting an interpreter. ``hhtui_process`` runs it in a fresh process
(:mod:`tests.processes`), for what belongs to a process (signals, the standard streams themselves,
settings read at start) and so that every command is also run for real. Each run has its own
working directory (``tmp_path``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.in_process import run_cli
from tests.processes import TIMEOUT_S, child_environment, run_hhtui, start_hhtui

__all__ = ["TIMEOUT_S", "child_environment", "default_run", "hhtui", "hhtui_process", "run_hhtui", "start_hhtui"]


@pytest.fixture
def hhtui(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[Any]]:
    """``hhtui(*args, env=None, input=None, text=True)`` runs the command in this process with
    ``tmp_path`` as working directory; returns what the process would have."""

    def call(
        *args: str, env: dict[str, str | None] | None = None, input: str | bytes | None = None, text: bool = True
    ) -> subprocess.CompletedProcess[Any]:
        return run_cli(*args, cwd=tmp_path, env=env, input=input, text=text)

    return call


@pytest.fixture
def hhtui_process(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``hhtui_process(*args, env=None)`` runs the command in a new process with ``tmp_path`` as
    working directory."""

    def call(*args: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
        return run_hhtui(*args, cwd=tmp_path, env=env)

    return call


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``hhtui run -o run.csv`` with every default, made once in a new process: (CSV path,
    finished process)."""
    directory = tmp_path_factory.mktemp("default_run")
    done = run_hhtui("run", "-o", "run.csv", cwd=directory)
    assert done.returncode == 0, done.stderr
    return directory / "run.csv", done
