"""Kill trials: SIGTERM and SIGKILL sent to ``hhtui run`` in the middle of a large write.

    python benchmarks/kill_trials.py                      # 20 SIGTERM + 20 SIGKILL trials
    python benchmarks/kill_trials.py --trials 5 --t-stop 5000 --dir /tmp/kt

All trials write to the same name (``big.csv`` + ``big.json``) in one folder, which first gets a
complete pair from an uninterrupted run. Each trial starts ``hhtui run --t-stop T -o big.csv``,
waits until its temporary CSV has grown to a random fraction (5-95 %) of the full size, and sends
the signal. It then records:

- the exit status (143 expected after SIGTERM, -9 after SIGKILL);
- the ``.hhtui-*`` files left in the folder right after the process ended (count and bytes);
- whether ``big.csv`` and ``big.json`` still form one complete pair (the sidecar's recorded size
  and SHA-256 match the CSV);

and, after the SIGKILL trials, whether the next run writing into the folder removed what the killed
runs left. Prints one line per trial and a summary; exits 1 if a SIGTERM trial left a file or any
trial broke the pair.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hhtui.export import verify_run


def leftovers(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(".hhtui-"))


def size_of(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def hhtui(*args: str, cwd: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hhtui", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def trial(folder: Path, t_stop: float, full_size: int, signum: int, rng: random.Random) -> dict:
    fraction = rng.uniform(0.05, 0.95)
    before = {p.name for p in leftovers(folder)}
    process = hhtui("run", "--t-stop", repr(t_stop), "-o", "big.csv", cwd=folder)
    tag = f"-{process.pid}-"
    sent = False
    grown = 0
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline:
        mine = [p for p in leftovers(folder) if tag in p.name and p.name.endswith(".tmp")]
        grown = max([0, *(p.stat().st_size for p in mine if p.exists())])
        if grown >= fraction * full_size:
            process.send_signal(signum)
            sent = True
            break
        time.sleep(0.005)
    _, err = process.communicate(timeout=600)
    after = leftovers(folder)
    new = [p for p in after if p.name not in before]
    return {
        "signal": signal.Signals(signum).name,
        "sent": sent,
        "at_bytes": grown,
        "status": process.returncode,
        "left": len(new),
        "previous_removed": not (before & {p.name for p in after}),
        "left_bytes": size_of(new),
        "pair": verify_run(folder / "big.csv"),
        "stderr": err.strip().splitlines()[-1] if err.strip() else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20, help="trials per signal (default 20)")
    parser.add_argument("--t-stop", type=float, default=19999.99, help="length of each run, ms (default 19999.99)")
    parser.add_argument("--dir", type=Path, default=None, help="folder to work in (default: a new temporary one)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    folder = options.dir or Path(tempfile.mkdtemp(prefix="hhtui-kill-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"folder {folder}; hhtui run --t-stop {options.t_stop!r} -o big.csv; {options.trials} trials per signal")

    start = time.monotonic()
    first = hhtui("run", "--t-stop", repr(options.t_stop), "-o", "big.csv", cwd=folder)
    _, err = first.communicate()
    if first.returncode != 0:
        print(f"the first, complete run failed: {err.strip()}")
        return 1
    full_size = (folder / "big.csv").stat().st_size
    print(f"complete run: {time.monotonic() - start:.1f} s, big.csv {full_size / 1e6:.1f} MB")

    results = []
    for signum in (signal.SIGTERM, signal.SIGKILL):
        for number in range(options.trials):
            result = trial(folder, options.t_stop, full_size, signum, rng)
            results.append(result)
            print(
                f"{result['signal']:7s} #{number + 1:2d}: sent={'yes' if result['sent'] else 'no (run ended)'} "
                f"at {result['at_bytes'] / 1e6:6.1f} MB, exit {result['status']}, left {result['left']} "
                f"({result['left_bytes'] / 1e6:.1f} MB), earlier leftovers "
                f"{'removed' if result['previous_removed'] else 'STILL THERE'}, "
                f"pair {'complete' if result['pair'] is None else 'BROKEN: ' + result['pair']}"
                + (f" | {result['stderr']}" if result["signal"] == "SIGTERM" else ""),
                flush=True,
            )

    # The next run into the folder removes what the killed ones left.
    killed_left = leftovers(folder)
    killed_bytes = size_of(killed_left)
    next_run = hhtui("run", "--t-stop", "10", "-o", "next.csv", cwd=folder)
    next_run.communicate()
    after_next = leftovers(folder)

    failed = False
    print("\nsummary")
    for name in ("SIGTERM", "SIGKILL"):
        rows = [r for r in results if r["signal"] == name]
        sent = [r for r in rows if r["sent"]]
        with_left = [r for r in rows if r["left"]]
        broken = [r for r in rows if r["pair"] is not None]
        statuses = sorted({r["status"] for r in rows})
        print(
            f"  {name}: {len(rows)} trials, {len(sent)} signalled mid-write, exit statuses {statuses}, "
            f"{len(with_left)} left temporary files ({sum(r['left_bytes'] for r in rows) / 1e6:.1f} MB in all), "
            f"{len(broken)} broke the pair"
        )
        kept = [r for r in rows if not r["previous_removed"]]
        if kept:
            print(f"    {len(kept)} runs did not remove the leftovers of the run before them")
        failed |= bool(broken) or bool(kept) or (name == "SIGTERM" and bool(with_left))
    print(
        f"  after the SIGKILL trials: {len(killed_left)} leftover files ({killed_bytes / 1e6:.1f} MB); "
        f"after the next run into the folder (exit {next_run.returncode}): {len(after_next)}"
    )
    failed |= bool(after_next) or next_run.returncode != 0
    final = verify_run(folder / "big.csv")
    print(f"  final big.csv + big.json: {'one complete pair' if final is None else final}")
    failed |= final is not None
    if options.dir is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
