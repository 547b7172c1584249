"""``hhtui record``: the real app recorded in a pseudo-terminal as asciicast v2.

Each file is checked against the asciicast v2 specification (docs.asciinema.org/manual/asciicast/v2:
a JSON header line with integer version 2, width and height, then one ``[time, code, data]`` JSON
array per line), and replayed through a terminal emulator (pyte) to see what a viewer sees.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hhtui.cast import KeyError_, parse_keys
from tests.processes import finish, run_hhtui, start_hhtui, started, wait_until

Run = Callable[..., subprocess.CompletedProcess[str]]


def read_cast(path: Path) -> tuple[dict[str, Any], list[list[Any]]]:
    """Header and events of an asciicast v2 file, checked against the specification."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # the file is UTF-8
    assert text.endswith("\n")
    lines = text.split("\n")[:-1]
    header = json.loads(lines[0])
    assert isinstance(header, dict)
    assert header["version"] == 2 and type(header["version"]) is int
    for key in ("width", "height", "timestamp"):
        assert type(header[key]) is int and header[key] > 0, key
    assert abs(header["timestamp"] - time.time()) < 3600
    assert isinstance(header["title"], str) and header["title"]
    assert isinstance(header["env"], dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in header["env"].items())
    assert header["env"]["TERM"] == "xterm-256color"
    events = [json.loads(line) for line in lines[1:]]
    previous = 0.0
    for event in events:
        assert isinstance(event, list) and len(event) == 3
        moment, code, data = event
        assert isinstance(moment, (int, float)) and not isinstance(moment, bool)
        assert previous <= moment <= header["duration"]
        previous = moment
        assert code == "o"
        assert isinstance(data, str) and data
        # non-printable characters are written as \\uXXXX escapes, never raw
    for line in lines[1:]:
        assert all(ch.isprintable() for ch in line), line[:80]
    return header, events


def screens(header: dict[str, Any], events: list[list[Any]], moments: list[float]) -> list[str]:
    """What the terminal shows just before each of ``moments`` (s) and at the end."""
    pyte = pytest.importorskip("pyte")
    screen = pyte.Screen(header["width"], header["height"])
    stream = pyte.Stream(screen)
    shots, pending = [], sorted(moments)
    for moment, _, data in events:
        while pending and moment >= pending[0]:
            shots.append("\n".join(screen.display))
            pending.pop(0)
        stream.feed(data)
    shots += ["\n".join(screen.display)] * (len(pending) + 1)
    return shots


def record(tmp_path: Path, *args: str, name: str = "demo.cast") -> tuple[subprocess.CompletedProcess[str], Path]:
    done = run_hhtui("record", "-o", name, *args, cwd=tmp_path, env={"TMPDIR": str(tmp_path)}, timeout=400)
    return done, tmp_path / name


def apps_under(directory: Path) -> list[int]:
    """Live app processes started by a recording whose scratch files are in ``directory`` (the
    recording runs with TMPDIR there, and tells the app where to announce it is ready)."""
    text = f"HHTUI_READY_FILE={directory}"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if text.encode() in (entry / "environ").read_bytes():
                state = (entry / "stat").read_text().split(")")[-1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as on Linux")
def test_a_recording_is_valid_asciicast_v2_and_the_keys_show(tmp_path: Path) -> None:
    done, cast = record(tmp_path, "--keys", "1:space,2.5:v", "--seconds", "4", "--size", "100x30")
    assert done.returncode == 0, done.stderr
    header, events = read_cast(cast)
    assert (header["width"], header["height"]) == (100, 30)
    assert header["duration"] == 4.0
    assert header["title"] == "hhtui"
    assert events[0][0] == 0.0
    before, running, _, last = screens(header, events, [1.0, 2.5, 4.0])
    assert "PAUSE" in before and "t 0.00 ms" in before  # the app, ready, waiting
    assert "membrane voltage" in before
    assert "RUN" in running and "t 0.00 ms" not in running  # space started the run
    assert "ionic currents" in last and "membrane voltage" not in last  # v changed the view
    assert apps_under(tmp_path) == []  # the app has gone
    assert sorted(path.name for path in tmp_path.iterdir()) == ["demo.cast"]  # no scratch files left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as on Linux")
def test_the_same_command_records_the_same_screens(tmp_path: Path) -> None:
    first, one = record(tmp_path, "--preset", "rest", "--seconds", "1.5", "--size", "80x24", name="one.cast")
    second, two = record(tmp_path, "--preset", "rest", "--seconds", "1.5", "--size", "80x24", name="two.cast")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    header_one, events_one = read_cast(one)
    header_two, events_two = read_cast(two)
    assert {k: v for k, v in header_one.items() if k != "timestamp"} == {
        k: v for k, v in header_two.items() if k != "timestamp"
    }
    assert header_one["title"].startswith("hhtui: ") and header_one["command"] == "hhtui --preset rest"
    assert screens(header_one, events_one, [])[-1] == screens(header_two, events_two, [])[-1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as on Linux")
def test_ctrl_c_stops_the_recording_and_the_app(tmp_path: Path) -> None:
    recording = start_hhtui(
        "record", "-o", "long.cast", "--seconds", "120", cwd=tmp_path, env={"TMPDIR": str(tmp_path)}
    )
    with started(recording) as process:
        wait_until(lambda: apps_under(tmp_path), what="the app to start", interval=0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = finish(process, timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not (tmp_path / "long.cast").exists()
    wait_until(lambda: apps_under(tmp_path) == [], timeout=30, what="the app to end", interval=0.1)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--keys", "spcae"), ("--keys", "spcae")),
        (("--keys", "space,,up"), ("--keys", "item 2")),
        (("--keys", "9:space", "--seconds", "5"), ("--keys", "[0, 5)")),
        (("--keys", "3:space,1:up"), ("--keys", "decrease")),
        (("--size", "20x5"), ("--size",)),
        (("--seconds", "0"), ("--seconds",)),
        (("--preset", "nope"), ("--preset", "nope")),
        (("--config", "missing.json"), ("--config", "missing.json")),
        (("-o", "demo.txt"), (".cast",)),
        (("-o", "no/such/dir/demo.cast"), ("does not exist",)),
    ],
)
def test_bad_input_is_refused_in_one_line_before_the_app_starts(
    hhtui: Run, tmp_path: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    output = [] if any(arg in ("-o",) for arg in args) else ["-o", "demo.cast"]
    done = hhtui("record", *output, *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hhtui record: error:"), done.stderr
    for word in words:
        assert word in lines[0]
    assert "starting the app" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_keys_without_times_are_spread_evenly() -> None:
    assert [(t, k) for t, k, _ in parse_keys("space,up,up", 8.0)] == [(2.0, b" "), (4.0, b"\x1b[A"), (6.0, b"\x1b[A")]


def test_timed_keys_anchor_the_untimed_ones_between_them() -> None:
    keys = parse_keys("1:space,up,up,5:v", 10.0)
    assert [t for t, _, _ in keys] == pytest.approx([1.0, 2.333, 3.667, 5.0], abs=1e-3)
    assert [k for _, k, _ in keys] == [b" ", b"\x1b[A", b"\x1b[A", b"v"]


def test_key_names_control_keys_and_single_characters() -> None:
    keys = parse_keys("enter,tab,shift+tab,escape,ctrl+p,comma,colon,?,],+", 11.0)
    assert [k for _, k, _ in keys] == [b"\r", b"\t", b"\x1b[Z", b"\x1b", b"\x10", b",", b":", b"?", b"]", b"+"]
    assert parse_keys("", 5.0) == []


@pytest.mark.parametrize("text", ["spcae", "ctrl+1", "1:", "-1:space", "x:space", "space,", "nan:space"])
def test_bad_key_lists_are_refused(text: str) -> None:
    with pytest.raises(KeyError_):
        parse_keys(text, 5.0)
