"""What the commands write and read, as a user meets it: links, FIFOs, devices and read-only files
at an output name, --force, odd names, a full or closed standard output, inputs that are not
regular files, a stop by SIGTERM in the middle of a large write, and plots of extreme values."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from hhtui.export import read_json, verify_run
from tests.in_process import run_cli
from tests.processes import finish, run_hhtui, run_python, start_hhtui, started, wait_until


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            out[key] = "-> " + os.readlink(path)
        elif stat.S_ISFIFO(path.lstat().st_mode):
            out[key] = "fifo"
        elif path.is_file():
            out[key] = path.read_bytes()
        else:
            out[key] = "dir"
    return out


# ------------------------------------------------------------------------- what is at the name


def test_a_link_planted_at_the_sidecar_name_redirects_nothing(hhtui, tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "o").mkdir()
    (tmp_path / "v" / "notes").write_text("DATA\n")
    (tmp_path / "o" / "out.json").symlink_to("../v/notes")
    before = snapshot(tmp_path)
    done = hhtui("run", "--t-stop", "10", "-o", "o/out.csv")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "o/out.json" in line and "symbolic link" in line and "--force" in line
    assert snapshot(tmp_path) == before


def test_force_replaces_the_link_itself(hhtui, tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("DATA\n")
    (tmp_path / "out.json").symlink_to("notes")
    (tmp_path / "out.csv").symlink_to("notes")
    done = hhtui("run", "--t-stop", "10", "-o", "out.csv", "--force")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "notes").read_text() == "DATA\n"
    assert not (tmp_path / "out.json").is_symlink() and not (tmp_path / "out.csv").is_symlink()
    assert verify_run(tmp_path / "out.csv") is None


def test_a_sidecar_linked_to_the_csv_is_refused(hhtui, tmp_path: Path) -> None:
    assert hhtui("run", "--t-stop", "10", "-o", "out.csv").returncode == 0
    (tmp_path / "out.json").unlink()
    (tmp_path / "out.json").symlink_to("out.csv")
    before = snapshot(tmp_path)
    done = hhtui("run", "--t-stop", "12", "-o", "out.csv")
    assert done.returncode == 2 and "symbolic link" in one_line(done.stderr)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("fifo_name", ["out.csv", "out.json"])
def test_a_fifo_at_either_name_is_refused_at_once(hhtui, tmp_path: Path, fifo_name: str) -> None:
    os.mkfifo(tmp_path / fifo_name)
    done = hhtui("run", "--t-stop", "10", "-o", "out.csv", "--force")  # would block if it opened the FIFO
    assert done.returncode == 2
    assert f"{fifo_name}: it is a FIFO (named pipe), not a regular file" in one_line(done.stderr)
    assert [p.name for p in tmp_path.iterdir()] == [fifo_name]


def test_a_device_node_is_not_replaced(hhtui, tmp_path: Path) -> None:
    node = tmp_path / "null"  # the same device as /dev/null (1, 3), made in the test's own folder
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError:
        pytest.skip("making a device node needs privileges")
    done = hhtui("run", "--t-stop", "10", "-o", str(node), "--force")
    assert done.returncode == 2
    assert "null: it is a character device, not a regular file" in one_line(done.stderr)
    assert stat.S_ISCHR(node.lstat().st_mode) and not (tmp_path / "null.json").exists()


def test_a_read_only_file_needs_force(hhtui, tmp_path: Path) -> None:
    assert hhtui("run", "--t-stop", "10", "-o", "out.csv").returncode == 0
    (tmp_path / "out.csv").chmod(0o444)
    before = snapshot(tmp_path)
    done = hhtui("run", "--t-stop", "12", "-o", "out.csv")
    assert done.returncode == 2
    assert "out.csv: the file is read-only; use --force to replace it" in one_line(done.stderr)
    assert snapshot(tmp_path) == before
    done = hhtui("run", "--t-stop", "12", "-o", "out.csv", "--force")
    assert done.returncode == 0, done.stderr
    assert read_json(tmp_path / "out.json")["experiment"]["t_stop"] == 12
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o444
    assert verify_run(tmp_path / "out.csv") is None


@pytest.mark.parametrize(
    "command",
    [
        ["sweep", "--amp", "0:10:5", "--t-stop", "20", "--transient", "5"],
        ["network", "--n", "3", "--t-stop", "10"],
        ["axon", "--nseg", "20", "--t-stop", "1"],
    ],
)
def test_every_writing_command_refuses_links_and_knows_force(hhtui, tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "notes").write_text("DATA\n")
    (tmp_path / "out.json").symlink_to("notes")
    done = hhtui(*command, "-o", "out.csv")
    assert done.returncode == 2 and "symbolic link" in one_line(done.stderr)
    done = hhtui(*command, "-o", "out.csv", "--force")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "notes").read_text() == "DATA\n" and verify_run(tmp_path / "out.csv") is None


def test_a_name_that_is_only_an_extension(hhtui, tmp_path: Path) -> None:
    done = hhtui("run", "--t-stop", "12", "-o", ".csv")
    assert done.returncode == 2
    assert "the name is only an extension" in one_line(done.stderr)
    assert list(tmp_path.iterdir()) == []


def test_a_300_character_name(hhtui, tmp_path: Path) -> None:
    done = hhtui("run", "--t-stop", "12", "-o", "x" * 300)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "file name too long" in line and len(line) < 400
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------ standard output

STDOUT_COMMANDS = {
    "run -o -": ["run", "--t-stop", "10", "-o", "-"],
    "sweep -o -": ["sweep", "--amp", "0:10:5", "--t-stop", "20", "--transient", "5", "-o", "-"],
    "plot": ["plot", "run.csv"],
    "axon --json": ["axon", "--nseg", "20", "--t-stop", "1", "--json"],
    "network -o -": ["network", "--n", "3", "--t-stop", "10", "-o", "-"],
    "run --list-presets": ["run", "--list-presets"],
    "--help": ["--help"],
    "run --help": ["run", "--help"],
}


@pytest.fixture(scope="module")
def with_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stdout")
    assert run_cli("run", "--t-stop", "10", "-o", "run.csv", cwd=folder).returncode == 0
    return folder


def _run_with_stdout(args: list[str], cwd: Path, how: str) -> subprocess.CompletedProcess[str]:
    kwargs: dict = {}
    if how == "full":
        kwargs["stdout"] = open("/dev/full", "w")  # noqa: SIM115 - closed below
    else:
        kwargs["stdout"] = subprocess.DEVNULL
        kwargs["preexec_fn"] = lambda: os.close(1)  # started with standard output closed (>&-)
    try:
        return run_hhtui(*args, cwd=cwd, **kwargs)
    finally:
        if how == "full":
            kwargs["stdout"].close()


@pytest.mark.parametrize("how", ["full", "closed"])
@pytest.mark.parametrize("name", list(STDOUT_COMMANDS))
def test_a_full_or_closed_standard_output_is_one_line_and_status_1(with_run: Path, name: str, how: str) -> None:
    done = _run_with_stdout(STDOUT_COMMANDS[name], with_run, how)
    assert done.returncode == 1, done.stderr
    line = one_line(done.stderr)
    assert "cannot write to standard output" in line
    assert ("closed" if how == "closed" else "no space left") in line


@pytest.mark.parametrize("name", ["run -o -", "--help", "axon --json"])
def test_a_closed_pipe_ends_quietly(with_run: Path, name: str) -> None:
    with started(start_hhtui(*STDOUT_COMMANDS[name], cwd=with_run, text=False)) as process:
        assert process.stdout is not None
        process.stdout.read(1)  # like `head -c 1`
        process.stdout.close()
        _, err = finish(process)
    assert process.returncode in (0, 141)
    assert b"Traceback" not in err and b"Exception ignored" not in err


# ---------------------------------------------------------------------------------- inputs


@pytest.mark.parametrize("command", [["run", "--config"], ["plot"]])
def test_inputs_must_be_regular_files(hhtui, tmp_path: Path, command: list[str]) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    with open(tmp_path / "huge", "wb") as fh:  # sparse: no disk used
        fh.truncate(600 * 1024 * 1024)
    for name, words in (
        ("fifo", "FIFO (named pipe)"),
        ("folder", "directory"),
        ("/dev/zero", "character device"),
        ("huge", "more than the"),
    ):
        done = hhtui(*command, name)  # a FIFO would block for ever if it were opened
        assert done.returncode == 2, (name, done.stderr)
        assert words in one_line(done.stderr)


# ------------------------------------------------------------------------------------- signals


def test_sigterm_during_a_large_write_leaves_the_old_pair_and_nothing_else(tmp_path: Path) -> None:
    assert run_cli("run", "--t-stop", "10", "-o", "big.csv", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    # 500,000 rows (about 64 MB): the write takes a while, so it can be caught in the middle.

    def writing(process: subprocess.Popen[str]) -> bool:
        temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        return process.poll() is not None or any(_size(p) > 1_000_000 for p in temps)

    with started(start_hhtui("run", "--t-stop", "5000", "-o", "big.csv", cwd=tmp_path)) as process:
        wait_until(lambda: writing(process), what="a temporary file of more than 1 MB", interval=0.01)
        assert process.poll() is None, "the run ended before it could be stopped"
        process.send_signal(signal.SIGTERM)
        _, err = finish(process)
    assert process.returncode == 143
    assert one_line(err) == "hhtui run: stopped by SIGTERM; no file written"
    assert snapshot(tmp_path) == before


def _size(path: Path) -> int:
    """The size of ``path`` in bytes, 0 once it is gone."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def test_leftovers_of_killed_runs_are_removed_and_unknown_ones_reported(hhtui, tmp_path: Path) -> None:
    from hhtui.files import HOST_TAG

    dead = run_python("-c", "import os; print(os.getpid())")
    dead_pid = int(dead.stdout)
    mine = tmp_path / f".hhtui-{HOST_TAG}-{dead_pid}-x1y2.tmp"
    mine.write_bytes(b"half a CSV")
    unknown = tmp_path / ".hhtui-q8w7e6.tmp"
    unknown.write_bytes(b"x" * 2000)
    done = hhtui("run", "--t-stop", "10", "-o", "out.csv")
    assert done.returncode == 0
    warning = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and "1 leftover temporary file" in warning[0] and "2 KB" in warning[0]
    assert not mine.exists() and unknown.exists()


# ---------------------------------------------------------------------------------------- plot

PLOTS = {
    "huge values": "t_ms,V_mV,m,h,n\n0,-1.7e308,0.1,0.2,0.3\n1,1.7e308,0.1,0.2,0.3\n2,0,0.5,0.5,0.5\n",
    "subnormal steps": "t_ms,V_mV,m,h,n\n0,-65,0.1,0.2,0.3\n4.9e-324,-60,0.1,0.2,0.3\n1e-323,-50,0.5,0.5,0.5\n",
    "gates outside 0-1": "t_ms,V_mV,m,h,n\n0,-65,-5,2,1e300\n1,-60,0.1,-1e300,0.3\n2,-50,0.5,0.5,0.5\n",
    "nearly equal times": "t_ms,V_mV,m,h,n\n1e15,-65,0.1,0.2,0.3\n1.000000000000001e15,-60,0.1,0.2,0.3\n",
    "one row": "t_ms,V_mV,m,h,n\n0,-65,0,0,0\n",
}


@pytest.mark.parametrize("gates", [False, True])
@pytest.mark.parametrize("name", list(PLOTS))
def test_plot_draws_extreme_values(hhtui, tmp_path: Path, name: str, gates: bool) -> None:
    (tmp_path / "x.csv").write_text(PLOTS[name])
    done = hhtui("plot", "x.csv", *(["--gates"] if gates else []), "--width", "60", "--height", "20")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "membrane potential" in done.stdout
    if name == "huge values":
        assert "V (mV) [x 1e+308]" in done.stdout
    if name == "subnormal steps":
        assert "t (ms) [x 1e-324]" in done.stdout
    if gates and name == "gates outside 0-1":
        assert "values outside 0-1" in done.stdout


def test_plot_warns_when_the_sidecar_belongs_to_another_run(hhtui, tmp_path: Path) -> None:
    assert hhtui("run", "--t-stop", "10", "-o", "a.csv").returncode == 0
    assert hhtui("run", "--t-stop", "12", "-o", "b.csv").returncode == 0
    done = hhtui("plot", "a.csv")
    assert done.returncode == 0 and done.stderr == ""
    os.replace(tmp_path / "b.csv", tmp_path / "a.csv")
    done = hhtui("plot", "a.csv")
    assert done.returncode == 0
    assert "warning" in one_line(done.stderr) and "a.csv" in done.stderr


def test_sigterm_stops_a_sweep_like_ctrl_c_with_status_143(tmp_path: Path) -> None:
    args = ("sweep", "--amp", "0:15:1", "--t-stop", "20000", "--transient", "100", "--chunk-size", "1")
    journal = tmp_path / "fi.csv.chunks"
    with started(start_hhtui(*args, "-o", "fi.csv", cwd=tmp_path)) as process:
        wait_until(lambda: list(journal.glob("chunk-*.npz")) or process.poll() is not None, what="a finished chunk")
        assert process.poll() is None, "the sweep ended before it could be stopped"
        process.send_signal(signal.SIGTERM)
        _, err = finish(process)
    assert process.returncode == 143, err
    assert "Traceback" not in err and not (tmp_path / "fi.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hhtui-")]
