"""The one writer of every output file, and the reader of every input file.

Only regular files are written (links, devices, FIFOs and directories at a name are refused, a
read-only file needs force), a CSV and its sidecar are one unit that a reader can check, also with
writers racing on the same name, and what a killed process leaves is recognised and removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hhtui import files
from hhtui.export import read_csv, read_json, verify_run, write_csv, write_run
from hhtui.files import (
    ExportError,
    check_target,
    clean_stale,
    read_input,
    write_atomic,
    write_atomic_path,
)
from tests.processes import kill, start_process, wait_until

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
REPO = Path(__file__).resolve().parents[1]


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".hhtui-"))


def columns(value: float, rows: int = 50) -> dict[str, np.ndarray]:
    return {"t_ms": np.arange(rows) * 0.01, "V_mV": np.full(rows, value)}


def wait_for(condition, timeout: float = 120.0, what: str = "condition") -> None:
    wait_until(condition, timeout, what, interval=0.02)


# ------------------------------------------------------------------------- what is at the name


def test_symlink_at_the_sidecar_name_is_refused_and_its_target_kept(tmp_path: Path) -> None:
    victim = tmp_path / "v" / "notes"
    victim.parent.mkdir()
    victim.write_text("DATA\n")
    out = tmp_path / "o"
    out.mkdir()
    (out / "out.json").symlink_to("../v/notes")
    with pytest.raises(ExportError, match=r"out\.json: it is a symbolic link \(to \.\./v/notes\)"):
        write_run(out / "out.csv", columns(1.0), {})
    assert victim.read_text() == "DATA\n"
    assert sorted(p.name for p in out.iterdir()) == ["out.json"]


def test_symlink_at_the_csv_name_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "notes"
    victim.write_text("DATA\n")
    (tmp_path / "out.csv").symlink_to(victim)
    with pytest.raises(ExportError, match=r"out\.csv: it is a symbolic link"):
        write_run(tmp_path / "out.csv", columns(1.0), {})
    assert victim.read_text() == "DATA\n"
    assert not (tmp_path / "out.json").exists()


def test_sidecar_linked_to_its_own_csv_is_refused(tmp_path: Path) -> None:
    write_run(tmp_path / "out.csv", columns(1.0), {"old": True})
    (tmp_path / "out.json").unlink()
    (tmp_path / "out.json").symlink_to("out.csv")
    before = (tmp_path / "out.csv").read_bytes()
    with pytest.raises(ExportError, match="symbolic link"):
        write_run(tmp_path / "out.csv", columns(2.0), {})
    assert (tmp_path / "out.csv").read_bytes() == before


def test_force_replaces_links_themselves_never_their_targets(tmp_path: Path) -> None:
    victim = tmp_path / "notes"
    victim.write_text("DATA\n")
    (tmp_path / "out.json").symlink_to(victim)
    (tmp_path / "out.csv").symlink_to(victim)
    write_run(tmp_path / "out.csv", columns(3.0), {}, force=True)
    assert victim.read_text() == "DATA\n"
    assert not (tmp_path / "out.csv").is_symlink() and not (tmp_path / "out.json").is_symlink()
    assert verify_run(tmp_path / "out.csv") is None


def test_fifo_at_either_name_is_refused_without_blocking(tmp_path: Path) -> None:
    for name in ("a.csv", "b.json"):
        os.mkfifo(tmp_path / name)
    with pytest.raises(ExportError, match=r"a\.csv: it is a FIFO \(named pipe\), not a regular file"):
        write_run(tmp_path / "a.csv", columns(1.0), {}, force=True)
    with pytest.raises(ExportError, match=r"b\.json: it is a FIFO"):
        write_run(tmp_path / "b.csv", columns(1.0), {}, force=True)
    assert stat.S_ISFIFO(os.lstat(tmp_path / "a.csv").st_mode)
    assert stat.S_ISFIFO(os.lstat(tmp_path / "b.json").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.json"]


def test_directory_at_the_sidecar_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "run.json").mkdir()
    with pytest.raises(ExportError, match=r"run\.json: it is a directory"):
        write_run(tmp_path / "run.csv", columns(1.0), {}, force=True)
    assert not (tmp_path / "run.csv").exists()


def test_character_device_is_never_replaced(tmp_path: Path) -> None:
    # A device node like /dev/null (1, 3), made in the test's own folder.
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("making a device node needs privileges")
    with pytest.raises(ExportError, match="null: it is a character device, not a regular file"):
        write_csv(node, columns(1.0), force=True)
    with pytest.raises(ExportError, match="character device"):
        write_run(node, columns(1.0), {}, force=True)
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert not (tmp_path / "null.json").exists()


def test_read_only_file_needs_force(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    write_csv(path, columns(1.0))
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(ExportError, match=r"run\.csv: the file is read-only; use --force"):
        write_csv(path, columns(2.0))
    assert path.read_bytes() == before
    write_csv(path, columns(2.0), force=True)
    assert read_csv(path)["V_mV"][0] == 2.0
    assert stat.S_IMODE(path.stat().st_mode) == 0o444, "a replaced file keeps its permissions"


def test_read_only_sidecar_stops_the_pair(tmp_path: Path) -> None:
    write_run(tmp_path / "run.csv", columns(1.0), {"old": True})
    (tmp_path / "run.json").chmod(0o444)
    with pytest.raises(ExportError, match=r"run\.json: the file is read-only"):
        write_run(tmp_path / "run.csv", columns(2.0), {"new": True})
    assert read_json(tmp_path / "run.json")["experiment"] == {"old": True}
    assert verify_run(tmp_path / "run.csv") is None


@pytest.mark.parametrize("name", [".csv", ".json", "..csv", ".gif"])
def test_a_name_that_is_only_an_extension_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ExportError, match="the name is only an extension"):
        check_target(tmp_path / name)


def test_hidden_names_with_a_stem_are_allowed(tmp_path: Path) -> None:
    write_run(tmp_path / ".hidden.csv", columns(1.0), {})
    assert verify_run(tmp_path / ".hidden.csv") is None


def test_too_long_name_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as caught:
        write_run(tmp_path / ("x" * 300 + ".csv"), columns(1.0), {})
    message = str(caught.value)
    assert "file name too long (304 bytes" in message and "\n" not in message and len(message) < 300
    assert list(tmp_path.iterdir()) == []


def test_generic_single_files_text_bytes_and_by_name(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a.txt", "é\n").read_bytes() == "é\n".encode()
    assert write_atomic(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    write_atomic(tmp_path / "c.bin", lambda fh: fh.write(b"GIF89a"), text=False)
    assert (tmp_path / "c.bin").read_bytes() == b"GIF89a"
    write_atomic_path(tmp_path / "d.h5", lambda name: Path(name).write_bytes(b"HDF"))
    assert (tmp_path / "d.h5").read_bytes() == b"HDF"
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "e.bin", lambda fh: fh.write("text"), text=False)
    assert not (tmp_path / "e.bin").exists()
    assert temp_files(tmp_path) == []


def test_a_failing_producer_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "d.h5").write_bytes(b"old")

    def broken(name: Path) -> None:
        Path(name).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match=r"d\.h5: disk full"):
        write_atomic_path(tmp_path / "d.h5", broken)
    assert (tmp_path / "d.h5").read_bytes() == b"old"
    assert temp_files(tmp_path) == []


# ------------------------------------------------------------------------------- the pair


def test_the_sidecar_records_its_csv(tmp_path: Path) -> None:
    csv_file, json_file = write_run(tmp_path / "run.csv", columns(1.0), {})
    record = read_json(json_file)["data_file"]
    data = csv_file.read_bytes()
    assert record == {"name": "run.csv", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert verify_run(csv_file) is None


def test_verify_tells_a_csv_of_another_run(tmp_path: Path) -> None:
    write_run(tmp_path / "a.csv", columns(1.0), {})
    write_run(tmp_path / "b.csv", columns(2.0), {})
    os.replace(tmp_path / "b.csv", tmp_path / "a.csv")
    assert "different runs" in (verify_run(tmp_path / "a.csv") or "")
    (tmp_path / "a.csv").write_text("t_ms\n1\n")
    assert "bytes" in (verify_run(tmp_path / "a.csv") or "")


def _delay_after_renames(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    real = os.replace

    def slow(src, dst):
        real(src, dst)
        time.sleep(seconds)

    monkeypatch.setattr(os, "replace", slow)


def test_interleaved_writers_in_threads_leave_one_whole_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A delay after each rename gives the other writers every chance to slip in between the two.
    _delay_after_renames(monkeypatch, 0.05)
    target = tmp_path / "out.csv"
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            write_run(target, columns(float(k)), {"k": k})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert verify_run(target) is None
    k = read_json(tmp_path / "out.json")["experiment"]["k"]
    assert read_csv(target)["V_mV"][0] == k
    assert temp_files(tmp_path) == []


WRITER_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import numpy as np
    from hhtui.export import write_run
    k = int(sys.argv[1]); delay = float(sys.argv[2])
    real = os.replace
    def slow(src, dst):
        real(src, dst)
        time.sleep(delay)
    os.replace = slow
    Path(f"ready-{k}").touch()
    while not Path("go").exists():
        time.sleep(0.005)
    rows = 2000 + 100 * k
    write_run("out.csv", {"t_ms": np.arange(rows) * 0.01, "V_mV": np.full(rows, float(k))}, {"k": k})
""")


def _python(*args: str, cwd: Path) -> subprocess.Popen:
    return start_process([sys.executable, *args], cwd=cwd, env={"PYTHONPATH": str(REPO)})


def test_concurrent_processes_with_a_delay_between_renames_leave_one_whole_pair(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER_SCRIPT)
    work = tmp_path / "work"
    work.mkdir()
    count = 6
    processes = [_python(str(script), str(k), "0.1", cwd=work) for k in range(count)]
    try:
        wait_for(lambda: all((work / f"ready-{k}").exists() for k in range(count)), what="writers ready")
        (work / "go").touch()
        for process in processes:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert verify_run(work / "out.csv") is None
    k = read_json(work / "out.json")["experiment"]["k"]
    data = read_csv(work / "out.csv")
    assert data["V_mV"][0] == k and data["t_ms"].size == 2000 + 100 * k
    assert temp_files(work) == []


# -------------------------------------------------------------------------- signals and kills

BLOCKING_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import numpy as np
    from hhtui import export, signals
    from hhtui.cli import main
    where = sys.argv[1]
    if where == "rows":  # stop while the CSV is being written
        real = export._format_block
        def blocked(block):
            Path("ready").touch()
            while True:
                time.sleep(0.05)
        export._format_block = blocked
    else:  # stop after the sidecar's rename, before the CSV's
        real = os.replace
        def between(src, dst):
            real(src, dst)
            if str(dst).endswith(".json"):
                Path("ready").touch()
                while not Path("go").exists():
                    if signals._state["pending"] is not None:
                        Path("held").touch()  # a signal arrived and is held back
                    time.sleep(0.01)
        os.replace = between
    sys.exit(main(["run", "--t-stop", "10", "-o", "out.csv"]))
""")


@pytest.fixture
def blocking(tmp_path: Path):
    script = tmp_path / "blocking.py"
    script.write_text(BLOCKING_SCRIPT)
    work = tmp_path / "work"
    work.mkdir()
    write_run(work / "out.csv", columns(7.0), {"old": True})
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    started: list[subprocess.Popen] = []

    def start(where: str) -> subprocess.Popen:
        process = _python(str(script), where, cwd=work)
        started.append(process)
        wait_for(lambda: (work / "ready").exists() or process.poll() is not None, what="the write to start")
        assert process.poll() is None, process.communicate()[1]
        (work / "ready").unlink()
        return process

    yield work, before, start
    for process in started:
        kill(process)


@pytest.mark.parametrize("signum, status", [(15, 143), (1, 129), (2, 130)])
def test_a_signal_mid_write_removes_the_temporary_files(blocking, signum: int, status: int) -> None:
    work, before, start = blocking
    process = start("rows")
    assert temp_files(work), "the temporary CSV exists while it is written"
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == status, err
    assert len(err.strip().splitlines()) == 1 and "no file written" in err
    assert ("interrupted" if signum == 2 else f"stopped by SIG{'TERM' if signum == 15 else 'HUP'}") in err
    assert {p.name: p.read_bytes() for p in work.iterdir()} == before


def test_sigterm_between_the_two_renames_waits_for_the_pair(blocking) -> None:
    work, _, start = blocking
    process = start("between")
    process.send_signal(15)
    # The signal is held back, not acted on, while the pair is being put in place.
    wait_for(lambda: (work / "held").exists() or process.poll() is not None, what="SIGTERM to be held")
    assert process.poll() is None
    (work / "go").touch()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert "stopped by SIGTERM after writing out.csv + out.json" in err
    assert verify_run(work / "out.csv") is None
    assert read_json(work / "out.json")["experiment"]["t_stop"] == 10
    assert temp_files(work) == []
    (work / "held").unlink()


def test_sigkill_leftovers_are_recognised_and_removed_by_the_next_write(blocking) -> None:
    work, _, start = blocking
    process = start("rows")
    process.kill()
    process.communicate(timeout=60)
    left = temp_files(work)
    assert left and all(f"-{process.pid}-" in name for name in left)
    assert verify_run(work / "out.csv") is None, "the old pair is whole"
    write_run(work / "other.csv", columns(1.0), {})
    assert temp_files(work) == []


def test_clean_stale_keeps_live_and_reports_unknown_leftovers(tmp_path: Path) -> None:
    live = tmp_path / f".hhtui-{files.HOST_TAG}-{os.getpid()}-abc.tmp"
    live.write_bytes(b"mine")
    other_host = tmp_path / ".hhtui-00000000-1-abc.tmp"
    if files.HOST_TAG == "00000000":  # pragma: no cover - astronomically unlikely
        other_host = tmp_path / ".hhtui-00000001-1-abc.tmp"
    other_host.write_bytes(b"x" * 10)
    old_format = tmp_path / ".hhtui-k3j4h5.tmp"
    old_format.write_bytes(b"y" * 5)
    found = clean_stale(tmp_path)
    assert found.removed == []
    assert sorted(found.others) == sorted([other_host, old_format]) and found.others_bytes == 15
    assert "2 leftover temporary files" in (found.describe() or "")
    assert live.exists()


# --------------------------------------------------------------------------------- reading


def test_read_input_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "in.json"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match=r"in\.json: it is a FIFO \(named pipe\), not a regular file"):
        read_input(fifo, limit=100)


def test_read_input_refuses_devices_and_directories(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="character device"):
        read_input("/dev/zero", limit=100)
    with pytest.raises(ExportError, match="directory"):
        read_input(tmp_path, limit=100)


def test_read_input_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(ExportError, match=r"big\.csv: it is 1 KB, more than the 1 KB limit for a CSV file"):
        read_input(path, limit=1000, what="CSV file")
    assert read_input(path, limit=1001) == b"x" * 1001


def test_read_input_follows_a_link_to_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to("real.json")
    assert read_input(tmp_path / "link.json", limit=10) == b"{}"


def test_json_and_csv_readers_use_the_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hhtui import export

    (tmp_path / "a.json").write_text(json.dumps({"k": "x" * 100}))
    monkeypatch.setattr(export, "JSON_READ_LIMIT", 50)
    with pytest.raises(ExportError, match="limit for a JSON file"):
        read_json(tmp_path / "a.json")
