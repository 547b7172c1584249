"""Ctrl-C on a sweep: how long from SIGINT to the end of the process, and what is left.

    python benchmarks/bench_interrupt.py                   # --workers 2, 3 trials
    python benchmarks/bench_interrupt.py --workers 1 --trials 5
    python benchmarks/bench_interrupt.py --in-process

Each trial starts ``hhtui sweep --amp 0:60:0.05 --g-k 20:50:1 --t-stop 2000 --workers N -o
grid.csv`` in a fresh folder, waits until the first chunk is in ``grid.csv.chunks/`` (the cluster
is up and computing), sends SIGINT to the command (as Ctrl-C does) and prints:

- the seconds from the signal to the end of the command;
- its exit status (130 expected) and the chunks kept for ``--resume``;
- how many of the processes it had started (the cluster's workers) were still alive 5 s after
  it ended (0 expected).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

GRID = ("--amp", "0:60:0.05", "--g-k", "20:50:1", "--t-stop", "2000", "--transient", "100")


def _default_sigint() -> None:
    """Let the command hear SIGINT even when this script runs in the background of a shell
    (which starts it with SIGINT ignored, and the command would keep it so)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def trial(folder: Path, workers: int | None, wait_s: float) -> tuple[float, int, int, int]:
    where = ["--workers", str(workers)] if workers else []
    process = subprocess.Popen(
        [sys.executable, "-m", "hhtui", "sweep", *GRID, *where, "-o", "grid.csv"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    journal = folder / "grid.csv.chunks"
    deadline = time.monotonic() + wait_s
    while not list(journal.glob("chunk-*.npz")):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"no chunk within {wait_s:g} s: {process.communicate()[1]}")
        time.sleep(0.05)
    children = psutil.Process(process.pid).children(recursive=True)
    sent = time.perf_counter()
    process.send_signal(signal.SIGINT)
    process.wait()
    took = time.perf_counter() - sent
    process.communicate()
    # What the command started ends with it (the resource tracker once its pipe closes): give
    # it up to 5 s before counting what is left.
    _, still = psutil.wait_procs(children, timeout=5)
    alive = 0
    for child in still:
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive += 1
                print(f"  left: {child.pid} {' '.join(child.cmdline())[:100]}")
                child.kill()
        except psutil.NoSuchProcess:
            pass
    return took, process.returncode, len(list(journal.glob("chunk-*.npz"))), alive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="local cluster size (default 2)")
    parser.add_argument("--in-process", action="store_true", help="no cluster: the default executor")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--wait", type=float, default=300.0, help="most seconds to wait for the first chunk")
    args = parser.parse_args()
    workers = None if args.in_process else args.workers
    times = []
    for number in range(args.trials):
        folder = Path(tempfile.mkdtemp(prefix="hhtui-interrupt-"))
        try:
            took, status, kept, alive = trial(folder, workers, args.wait)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        times.append(took)
        print(
            f"trial {number + 1}: exit {status} after {took:.3f} s; {kept} chunks kept; {alive} processes left",
            flush=True,
        )
    label = "in process" if workers is None else f"--workers {workers}"
    print(f"{label}: SIGINT to exit, median {statistics.median(times):.3f} s, worst {max(times):.3f} s")


if __name__ == "__main__":
    main()
