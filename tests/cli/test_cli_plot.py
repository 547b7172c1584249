"""``hhtui plot``: ASCII plots of a run and an F-I curve, sized to the terminal (a real process on a
pipe and on a pseudo-terminal; the rest in the test process)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import termios
from pathlib import Path

import pytest

from tests.processes import TIMEOUT_S, start_hhtui, started

TICK = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*┤")


def y_ticks(text: str) -> list[float]:
    return [float(m.group(1)) for m in (TICK.match(line) for line in text.splitlines()) if m]


def write_fi(path: Path) -> None:
    rows = ["amp_uA_cm2,spike_count,rate_Hz"] + [f"{a},{max(0, a - 6) * 10},{max(0, a - 6) * 20}" for a in range(0, 21)]
    path.write_text("\n".join(rows) + "\n")


def test_run_plot_without_a_terminal_is_80x24(hhtui_process, default_run: tuple[Path, object]) -> None:
    done = hhtui_process("plot", str(default_run[0]))  # a real process, its output a pipe
    assert done.returncode == 0, done.stderr
    lines = done.stdout.rstrip("\n").splitlines()
    assert len(lines) == 24
    assert max(len(line) for line in lines) == 80
    assert "\x1b" not in done.stdout  # no colours in a pipe
    assert "V (mV)" in done.stdout and "t (ms)" in done.stdout and "run.csv" in done.stdout
    ticks = y_ticks(done.stdout)
    # the spikes peak near +40 mV and the membrane rests near -65 mV: decimation keeps both
    assert max(ticks) > 30.0 and min(ticks) < -60.0


def test_gates_and_explicit_size(hhtui, default_run: tuple[Path, object]) -> None:
    done = hhtui("plot", str(default_run[0]), "--gates", "--width", "100", "--height", "30")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.rstrip("\n").splitlines()
    assert len(lines) == 30 and max(len(line) for line in lines) == 100
    assert "gating variables m, h, n" in done.stdout and "gates (0-1)" in done.stdout
    plot_area = "".join(line.split("┤", 1)[-1] for line in lines if "┤" in line)
    assert all(letter in plot_area for letter in "mhn")  # without colours each gate has its letter


def test_fi_plot(hhtui, tmp_path: Path) -> None:
    write_fi(tmp_path / "fi.csv")
    done = hhtui("plot", "fi.csv")
    assert done.returncode == 0, done.stderr
    assert "rate (Hz)" in done.stdout and "I (uA/cm^2)" in done.stdout and "F-I" in done.stdout
    assert max(y_ticks(done.stdout)) >= 200.0


def read_pty(master: int) -> str:
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8", errors="replace")


@pytest.mark.parametrize("no_color", [False, True])
def test_on_a_terminal_sized_and_coloured_unless_no_color(
    default_run: tuple[Path, object], tmp_path: Path, no_color: bool
) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # 30 lines, 100 columns
    env = {"NO_COLOR": "1"} if no_color else {"TERM": "xterm-256color"}
    with started(start_hhtui("plot", str(default_run[0]), cwd=tmp_path, env=env, stdin=slave, stdout=slave)) as process:
        os.close(slave)
        try:
            text = read_pty(master)
            process.wait(timeout=TIMEOUT_S)
        finally:
            os.close(master)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert ("\x1b[" in text) is not no_color
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r\n", "\n")
    lines = plain.rstrip("\n").splitlines()
    assert len(lines) == 29  # the terminal's height less a line for the prompt
    assert max(len(line) for line in lines) == 100


@pytest.mark.parametrize(
    "args, needle",
    [
        (["plot", "missing.csv"], "does not exist"),
        (["plot", "other.csv"], "FILE.csv"),
        (["plot", "fi.csv", "--gates"], "--gates"),
        (["plot", "fi.csv", "--width", "5"], "--width"),
        (["plot", "fi.csv", "--height", "x"], "--height"),
    ],
)
def test_bad_plot_input(hhtui, tmp_path: Path, args: list[str], needle: str) -> None:
    write_fi(tmp_path / "fi.csv")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    done = hhtui(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in done.stderr
    assert done.stdout == ""
