"""The in-process runner of the command-line tests (:mod:`tests.in_process`) gives a command the
state of a new process and puts the test process back as it was."""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

import pytest

import tests.in_process as in_process
from tests.in_process import Hung, isolated, run_cli


def test_a_command_gets_its_own_folder_environment_and_arguments(tmp_path: Path) -> None:
    here = os.getcwd()
    os.environ["NO_COLOR"] = "1"
    try:
        with isolated(["run", "-o", "-"], tmp_path, env={"HHTUI_TEST_VALUE": "x"}):
            import sys

            assert os.getcwd() == str(tmp_path)
            assert "NO_COLOR" not in os.environ and os.environ["HHTUI_TEST_VALUE"] == "x"
            assert sys.argv == ["hhtui", "run", "-o", "-"]
            assert sys.stdin.read() == ""
        assert os.environ["NO_COLOR"] == "1" and "HHTUI_TEST_VALUE" not in os.environ
        assert os.getcwd() == here
    finally:
        del os.environ["NO_COLOR"]


def test_a_warning_reaches_standard_error_as_in_a_new_process(tmp_path: Path) -> None:
    with isolated([], tmp_path) as (_, err):
        warnings.warn("a warning of the command", stacklevel=1)
    err.seek(0)
    assert "UserWarning: a warning of the command" in err.read().decode()


def test_a_thread_left_running_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(in_process, "THREAD_END_S", 0.5)
    release = threading.Event()
    try:
        with pytest.raises(AssertionError, match="left threads running"), isolated([], tmp_path):
            threading.Thread(target=release.wait, name="left-running").start()
    finally:
        release.set()


def test_a_command_that_hangs_is_interrupted(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(Hung), isolated([], tmp_path, timeout=1):
        open(tmp_path / "fifo").close()  # blocks until a writer comes: none will


def test_status_and_output_as_a_process_gives_them(tmp_path: Path) -> None:
    done = run_cli("run", "--t-stop", "5", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("t_ms,V_mV,") and len(done.stdout.splitlines()) == 502
    assert "standard output" in done.stderr
    refused = run_cli("run", "--dt", "abc", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.startswith("hhtui run: error: argument --dt:")
    assert list(tmp_path.iterdir()) == []
