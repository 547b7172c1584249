"""``hhtui animate``: GIFs of a run, an axon and a network, made as a user makes them (the default
one and the GIF on standard output in a subprocess, the others in the test process), then opened
and looked at with Pillow: size, frames, timing, and what the frames show."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hhtui.animation.canvas import OKABE_ITO

Run = Callable[..., subprocess.CompletedProcess[str]]

V_BLUE = OKABE_ITO["blue"]
GATE_M = OKABE_ITO["vermillion"]
FRESH = OKABE_ITO["vermillion"]


def frames_of(path: Path) -> tuple[list[np.ndarray], list[int], dict[str, object]]:
    """Every frame of a GIF as composited RGB arrays, the duration of each (ms) and the file's info."""
    with Image.open(path) as image:
        assert image.format == "GIF"
        info = dict(image.info)
        frames, durations = [], []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")))
            durations.append(int(image.info.get("duration", 0)))
    return frames, durations, info


def count(frame: np.ndarray, colour: tuple[int, int, int]) -> int:
    """Pixels of exactly ``colour``."""
    return int(np.all(frame == np.array(colour, dtype=np.uint8), axis=-1).sum())


def columns_of(frame: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return np.flatnonzero(np.all(frame == np.array(colour, dtype=np.uint8), axis=-1).any(axis=0))


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("hhtui animate: error:"), lines[0]
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]


#: The tests of the default GIF run in one pytest-xdist worker, which makes it once.
same_gif = pytest.mark.xdist_group("default-gif")


@pytest.fixture(scope="module")
def default_gif(default_run: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    """``hhtui animate run.csv -o ap.gif`` at every default, for the default 50 ms run."""
    from tests.processes import run_hhtui

    csv_path, _ = default_run
    done = run_hhtui("animate", "run.csv", "-o", "ap.gif", cwd=csv_path.parent)
    assert done.returncode == 0, done.stderr
    assert "-> ap.gif" in done.stderr
    return csv_path.parent / "ap.gif"


@same_gif
def test_a_default_run_animates_to_a_small_gif_of_the_default_size(default_gif: Path) -> None:
    frames, durations, info = frames_of(default_gif)
    assert frames[0].shape == (450, 800, 3)
    # 6 s at 20 fps: 120 frames (identical ones may be merged by the encoder, never many)
    assert 100 <= len(frames) <= 120
    assert info.get("loop") == 0  # loops forever
    # the animation lasts --seconds, then the last frame is held 2 s
    assert sum(durations) == pytest.approx(6000 + 2000, abs=100)
    assert durations[-1] >= 2000
    # well under 2 MB (a slide deck or a README carries it easily)
    assert default_gif.stat().st_size < 1_000_000


@same_gif
def test_the_voltage_trace_is_drawn_out_in_time(default_gif: Path) -> None:
    frames, _, _ = frames_of(default_gif)
    early, middle, last = frames[len(frames) // 5], frames[len(frames) // 2], frames[-1]
    reach = [columns_of(frame, V_BLUE).max() for frame in (early, middle, last)]
    assert reach[0] < reach[1] < reach[2]
    # by the end the trace spans most of the width
    assert reach[2] - columns_of(last, V_BLUE).min() > 0.7 * last.shape[1]
    # the frame has text and axes (dark pixels) and is mostly white
    assert count(last, (255, 255, 255)) > 0.6 * last.shape[0] * last.shape[1]


def test_gates_add_m_h_n_below_and_a_taller_default(
    hhtui: Run, default_run: tuple[Path, object], tmp_path: Path
) -> None:
    csv_path, _ = default_run
    done = hhtui("animate", str(csv_path), "--gates", "--fps", "5", "--seconds", "1", "-o", "g.gif")
    assert done.returncode == 0, done.stderr
    frames, _, _ = frames_of(tmp_path / "g.gif")
    assert frames[0].shape == (600, 800, 3)
    assert len(frames) == 5
    assert count(frames[-1], GATE_M) > 200
    rows_m = np.flatnonzero(np.all(frames[-1] == np.array(GATE_M, dtype=np.uint8), axis=-1).any(axis=1))
    rows_v = np.flatnonzero(np.all(frames[-1] == np.array(V_BLUE, dtype=np.uint8), axis=-1).any(axis=1))
    assert np.median(rows_m) > np.median(rows_v)  # the gates are drawn below V


@same_gif
def test_no_gates_without_the_flag(default_gif: Path) -> None:
    frames, _, _ = frames_of(default_gif)
    assert count(frames[-1], GATE_M) == 0


def test_size_fps_and_seconds_are_obeyed(hhtui: Run, default_run: tuple[Path, object], tmp_path: Path) -> None:
    csv_path, _ = default_run
    done = hhtui("animate", str(csv_path), "--size", "480x270", "--fps", "10", "--seconds", "2", "-o", "small.gif")
    assert done.returncode == 0, done.stderr
    frames, durations, _ = frames_of(tmp_path / "small.gif")
    assert frames[0].shape == (270, 480, 3)
    assert len(frames) == 20
    assert durations[0] == 100
    assert sum(durations) == pytest.approx(2000 + 2000, abs=50)


def test_a_preset_is_run_headless_and_animated(hhtui: Run, tmp_path: Path) -> None:
    done = hhtui("animate", "--preset", "voltage-clamp", "--fps", "4", "--seconds", "1")
    assert done.returncode == 0, done.stderr
    frames, _, _ = frames_of(tmp_path / "voltage-clamp.gif")  # named after the preset
    assert len(frames) == 4
    assert count(frames[-1], V_BLUE) > 100


def test_an_axon_recording_shows_the_profile_travelling(hhtui: Run, tmp_path: Path) -> None:
    done = hhtui("axon", "--nseg", "200", "--positions", "40", "-o", "v.csv")
    assert done.returncode == 0, done.stderr
    done = hhtui("animate", "v.csv", "--fps", "10", "--seconds", "2")
    assert done.returncode == 0, done.stderr
    frames, _, _ = frames_of(tmp_path / "v.gif")
    assert len(frames) >= 15

    def peak_column(frame: np.ndarray) -> float:
        mask = np.all(frame == np.array(V_BLUE, dtype=np.uint8), axis=-1)
        rows = np.flatnonzero(mask.any(axis=1))
        top = rows.min()  # the highest drawn point of the profile: its peak
        return float(np.flatnonzero(mask[top]).mean())

    # 5 ms at about 19 m/s: the wave crosses the 5 cm in the first half of the run
    positions = [
        peak_column(frames[index])
        for index in (len(frames) * 15 // 100, len(frames) * 30 // 100, len(frames) * 45 // 100)
    ]
    assert positions[0] < positions[1] < positions[2]  # left to right along the axon


def test_network_spikes_appear_as_a_raster(hhtui: Run, tmp_path: Path) -> None:
    done = hhtui("network", "--topology", "ring", "--n", "10", "--t-stop", "60", "-o", "spikes.csv")
    assert done.returncode == 0, done.stderr
    done = hhtui("animate", "spikes.csv", "--fps", "10", "--seconds", "2", "-o", "ring.gif")
    assert done.returncode == 0, done.stderr
    frames, _, _ = frames_of(tmp_path / "ring.gif")
    black = [count(frame, (0, 0, 0)) for frame in (frames[5], frames[12], frames[-1])]
    assert black[0] < black[1] < black[2]
    assert count(frames[10], FRESH) > 0  # the newest spikes are highlighted
    assert count(frames[-1], FRESH) == 0  # and all settle to black at the end


def test_gif_to_standard_output(default_run: tuple[Path, object]) -> None:
    from tests.processes import run_hhtui

    csv_path, _ = default_run
    done = run_hhtui("animate", "run.csv", "--fps", "2", "--seconds", "1", "-o", "-", cwd=csv_path.parent, text=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout[:6] == b"GIF89a"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), ("RUN.csv", "--preset")),
        (("missing.csv",), ("missing.csv", "does not exist")),
        (("fi.csv",), ("F-I curve", "hhtui plot")),
        (("junk.csv",), ("junk.csv",)),
        (("one.csv",), ("one.csv", "two rows")),
        (("run.csv", "-o", "ap.png"), (".gif",)),
        (("run.csv", "--size", "80x45"), ("--size", "240")),
        (("run.csv", "--size", "big"), ("--size",)),
        (("run.csv", "--fps", "0"), ("--fps",)),
        (("run.csv", "--seconds", "-1"), ("--seconds",)),
        (("spikes.csv", "--gates"), ("--gates",)),
        (("--preset", "nope"), ("--preset", "nope")),
        (("run.csv", "--preset", "rest"), ("not both",)),
        (("run.json",), ("--config",)),
        (("run.csv", "-o", "nowhere/ap.gif"), ("nowhere", "does not exist")),
    ],
)
def test_bad_input_is_refused_in_one_line_and_writes_nothing(
    hhtui: Run, tmp_path: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    (tmp_path / "fi.csv").write_text("amp_uA_cm2,spike_count,rate_Hz\n0,0,0\n10,3,60\n")
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n")
    (tmp_path / "one.csv").write_text("t_ms,V_mV\n0,-65\n")
    (tmp_path / "run.csv").write_text("t_ms,V_mV\n0,-65\n1,-64\n")
    (tmp_path / "run.json").write_text("{}")
    (tmp_path / "spikes.csv").write_text("neuron,t_ms\n0,1.5\n")
    before = sorted(path.name for path in tmp_path.iterdir())
    done = hhtui("animate", *args)
    one_line_error(done, *words)
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_the_command_line_and_the_app_do_not_load_pillow_until_animate_runs() -> None:
    from tests.processes import run_python

    code = "import sys, hhtui.cli, hhtui.tui.app; hhtui.cli.build_parser(); print('PIL' in sys.modules)"
    done = run_python("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
