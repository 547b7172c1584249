"""Export (``e``) from the app when the file system says no: a missing, read-only or full
directory, a name that is taken, a rename that fails. Each time: a clear notification, no
partial or temporary file, any file already there intact, and the app still running (and able
to export once the cause is gone). And a long run past a small recording limit: the export holds
exactly the last ``limit`` samples up to the final time, and the user was told.

Running as root ignores file permissions, so a read-only or full disk is simulated by making the
system calls fail (only for the test's own directory) with the error the kernel would give.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from hhtui import export
from hhtui.export import read_csv
from hhtui.model import Experiment, Step
from hhtui.tui import session as session_module
from hhtui.tui.app import HHApp

from .conftest import settle, wait_for, wait_ready

EXPERIMENT = Experiment(stimulus=Step(amplitude=10.0, start=2.0))


def notifications(app: HHApp) -> list[tuple[str, str, str]]:
    """(severity, title, message) of every notification shown so far."""
    return [(n.severity, n.title or "", n.message) for n in app._notifications]


def export_errors(app: HHApp) -> list[str]:
    return [message for severity, title, message in notifications(app) if severity == "error" and "export" in title]


def files_in(directory: Path) -> dict[str, bytes]:
    """Every file in the directory (hidden ones too) with its content."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".hhtui-")]


async def export_and_settle(app: HHApp, pilot) -> None:
    await pilot.press("e")
    await settle(app, pilot)


async def still_running(app: HHApp, pilot) -> None:
    """The app goes on: a single step advances the run."""
    assert app.is_running and app._exception is None
    t_before = app.session.t
    app.main.plot.focus()
    await pilot.press("s")
    assert app.session.t == pytest.approx(t_before + 1.0, abs=0.011)


# --- a missing directory -----------------------------------------------------------------------------------------
async def test_missing_directory_then_created(tmp_path) -> None:
    missing = tmp_path / "not" / "there"
    app = HHApp(EXPERIMENT, export_dir=missing)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(10.0)
        await export_and_settle(app, pilot)
        errors = export_errors(app)
        assert len(errors) == 1, notifications(app)
        assert "does not exist" in errors[0] and str(missing) in errors[0]
        assert not missing.exists(), "the export must not create directories on its own"
        assert app.main.last_export is None
        await still_running(app, pilot)
        # Once the directory is there, the same key exports.
        missing.mkdir(parents=True)
        await export_and_settle(app, pilot)
        assert len(list(missing.glob("hhtui-*.csv"))) == 1 and len(list(missing.glob("hhtui-*.json"))) == 1
        assert not leftovers(missing)


# --- a read-only directory, a full disk, a failing rename ----------------------------------------------------------
def fail_mkstemp(directory: Path, error: OSError):
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        where = kwargs.get("dir", args[2] if len(args) > 2 else None)
        if where is not None and Path(where).resolve() == directory.resolve():
            raise error
        return real(*args, **kwargs)

    return mkstemp


def fail_writes_after(directory: Path, limit: int, error: OSError):
    """os.fdopen whose files in ``directory`` raise ``error`` once ``limit`` characters are written."""
    real = os.fdopen

    class Full:
        def __init__(self, handle):
            self._handle, self._written = handle, 0

        def write(self, text: str) -> int:
            if self._written + len(text) > limit:
                raise error
            self._written += len(text)
            return self._handle.write(text)

        def __getattr__(self, name):
            return getattr(self._handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._handle.__exit__(*exc)

    def fdopen(fd, *args, **kwargs):
        handle = real(fd, *args, **kwargs)
        try:
            path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return handle
        return Full(handle) if path.parent == directory.resolve() else handle

    return fdopen


def fail_fsync(directory: Path, error: OSError):
    real = os.fsync

    def fsync(fd):
        try:
            path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return real(fd)
        if path.parent == directory.resolve() and path.name.startswith(".hhtui-"):
            raise error
        return real(fd)

    return fsync


def fail_replace(directory: Path, suffix: str, error: OSError):
    """os.replace that fails when it would put a ``suffix`` file in place in ``directory``."""
    real = os.replace

    def replace(source, target, *args, **kwargs):
        target = Path(target)
        if (
            target.parent.resolve() == directory.resolve()
            and target.suffix == suffix
            and Path(source).name.startswith(".hhtui-")
            and Path(source).suffix == ".tmp"
        ):
            raise error
        return real(source, target, *args, **kwargs)

    return replace


def deny_access(directory: Path):
    """os.access as for a read-only directory (what check_writable_dir asks first)."""
    real = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path).resolve() == directory.resolve() and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    return access


EACCES = PermissionError(errno.EACCES, "Permission denied")
ENOSPC = OSError(errno.ENOSPC, "No space left on device")
EROFS = OSError(errno.EROFS, "Read-only file system")

#: name -> (what to patch, how it fails given the directory, words the message must contain)
FAILURES = {
    "read-only (access)": ("os.access", lambda d: deny_access(d), ["permission denied"]),
    "read-only (mkstemp EACCES)": ("tempfile.mkstemp", lambda d: fail_mkstemp(d, EACCES), ["permission denied"]),
    "read-only file system": ("tempfile.mkstemp", lambda d: fail_mkstemp(d, EROFS), ["read-only"]),
    "disk full while writing": ("os.fdopen", lambda d: fail_writes_after(d, 64 * 1024, ENOSPC), ["disk full"]),
    "disk full at fsync": ("os.fsync", lambda d: fail_fsync(d, ENOSPC), ["disk full"]),
    "rename of the CSV refused": ("os.replace", lambda d: fail_replace(d, ".csv", EACCES), ["permission denied"]),
    "rename of the sidecar refused": ("os.replace", lambda d: fail_replace(d, ".json", EACCES), ["permission denied"]),
}


def patch(monkeypatch, target: str, replacement) -> None:
    module, name = target.split(".")
    monkeypatch.setattr({"os": os, "tempfile": tempfile}[module], name, replacement)


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_a_failing_file_system(failure: str, tmp_path, monkeypatch) -> None:
    target, make, words = FAILURES[failure]
    # A previous export is there, and an unrelated file.
    (tmp_path / "notes.txt").write_text("keep me\n")
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(300.0)  # 30,000 rows: more than the 64 kB a 'full disk' takes
        await export_and_settle(app, pilot)
        assert app.main.last_export is not None
        before = files_in(tmp_path)
        assert len(before) == 3
        app.main.advance_by(20.0)
        with monkeypatch.context() as patched:
            patch(patched, target, make(tmp_path))
            await export_and_settle(app, pilot)
        errors = export_errors(app)
        assert len(errors) == 1, notifications(app)
        assert all(word in errors[0].lower() for word in words), errors[0]
        assert str(tmp_path) in errors[0] or "hhtui-" in errors[0], "the message names the file"
        assert "Traceback" not in errors[0] and len(errors[0]) < 300
        assert files_in(tmp_path) == before, "a file appeared, vanished or changed"
        assert not leftovers(tmp_path)
        await still_running(app, pilot)
        # The cause gone, the next export works.
        await export_and_settle(app, pilot)
        assert len(list(tmp_path.glob("hhtui-*.csv"))) == 2
        assert not leftovers(tmp_path)


# --- the name is taken ------------------------------------------------------------------------------------------
async def test_a_taken_name_is_never_overwritten(tmp_path) -> None:
    """Files of the current and the next seconds' names are already there: the export picks a
    free name and leaves them as they were."""
    now = datetime.now()
    taken = {}
    for second in range(-1, 30):
        stem = f"hhtui-{now + timedelta(seconds=second):%Y%m%d-%H%M%S}"
        for suffix in (".csv", ".json"):
            path = tmp_path / f"{stem}{suffix}"
            path.write_text(f"someone else's {path.name}\n")
            taken[path.name] = path.read_bytes()
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(10.0)
        await export_and_settle(app, pilot)
        assert not export_errors(app), notifications(app)
        files = files_in(tmp_path)
        for name, content in taken.items():
            assert files[name] == content, name
        new = sorted(set(files) - set(taken))
        assert len(new) == 2 and new[0].endswith(".csv") and new[1].endswith(".json"), new
        assert read_csv(tmp_path / new[0])["t_ms"][-1] == pytest.approx(app.session.t)


async def test_rename_failure_onto_an_existing_pair_keeps_both_files(tmp_path, monkeypatch) -> None:
    """The name given is that of an earlier export; the CSV cannot be put in place after the
    sidecar was: the earlier sidecar is restored, the earlier CSV untouched."""
    old_csv, old_json = tmp_path / "run.csv", tmp_path / "run.json"
    old_csv.write_text("t_ms,V_mV\n0,-65\n")
    old_json.write_text('{"program": "hhtui", "experiment": {}}\n')
    before = files_in(tmp_path)
    monkeypatch.setattr(export, "timestamped_name", lambda now=None, directory=".": Path(directory) / "run.csv")
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(10.0)
        with monkeypatch.context() as patched:
            patched.setattr(os, "replace", fail_replace(tmp_path, ".csv", EACCES))
            await export_and_settle(app, pilot)
        errors = export_errors(app)
        assert len(errors) == 1 and "run.csv" in errors[0] and "permission denied" in errors[0], notifications(app)
        assert files_in(tmp_path) == before
        await still_running(app, pilot)
        # Without the failure the pair is replaced as a whole (the name was asked for).
        await export_and_settle(app, pilot)
        assert read_csv(old_csv)["t_ms"][-1] == pytest.approx(app.session.t)
        assert json.loads(old_json.read_text())["program"] == "hhtui"
        assert not leftovers(tmp_path)


# --- a long run past the recording limit --------------------------------------------------------------------------
LIMIT = 5000  # samples; 50 ms at dt = 0.01 ms


@pytest.fixture
def small_recording_limit(monkeypatch):
    """Live runs keep at most LIMIT samples (the app builds its LiveRun when the model loads)."""
    base = session_module.LiveRun

    class SmallLiveRun(base):
        def __init__(self, experiment, max_samples: int = LIMIT) -> None:
            super().__init__(experiment, max_samples=max_samples)

    monkeypatch.setattr(session_module, "LiveRun", SmallLiveRun)


async def test_export_after_a_run_past_the_recording_limit(tmp_path, small_recording_limit) -> None:
    app = HHApp(EXPERIMENT, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        assert app.session.recording.max_samples == LIMIT
        # Run at full speed on the app's own clock, then on to a round time with single chunks.
        app.main.speed = 2000.0
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.t >= 150.0, what="the run to reach 150 ms")
        await pilot.press("space")
        await settle(app, pilot)
        app.main.advance_by(200.0 - app.session.t)
        t_final = app.session.t
        dt = app.session.sim.dt
        total = int(round(t_final / dt)) + 1
        assert total > 3 * LIMIT
        notices = [m for severity, title, m in notifications(app) if title == "recording" and severity == "warning"]
        assert len(notices) == 1, notifications(app)  # told once, not at every chunk
        assert f"{LIMIT:,}" in notices[0] and "dropped" in notices[0]
        await export_and_settle(app, pilot)
        assert not export_errors(app), notifications(app)
        csv_path = next(tmp_path.glob("hhtui-*.csv"))
        data = read_csv(csv_path)
        t = data["t_ms"]
        assert len(t) == LIMIT  # complete up to the limit
        assert t[-1] == pytest.approx(t_final, abs=1e-9)  # up to the final time
        assert t[0] == pytest.approx(t_final - (LIMIT - 1) * dt, abs=1e-6)
        np.testing.assert_allclose(np.diff(t), dt, atol=1e-9)  # no gap, no repeat
        assert all(np.isfinite(column).all() for column in data.values())
        sidecar = json.loads(csv_path.with_suffix(".json").read_text())
        assert sidecar["dropped_samples"] == total - LIMIT
        assert sidecar["recorded_from_ms"] == pytest.approx(t[0])
        assert sidecar["recorded_to_ms"] == pytest.approx(t_final)
        assert sidecar["reproducible"] is False
        # The rows are those of a headless run of the same experiment, at the same times.
        reference = EXPERIMENT.replace(t_stop=t_final).run()
        np.testing.assert_allclose(reference.t[-LIMIT:], t, atol=1e-9)
        np.testing.assert_allclose(reference.V[0, -LIMIT:], data["V_mV"], atol=1e-6)
