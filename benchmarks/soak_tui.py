"""Soak the real app with a monkey in a pseudo-terminal: keys survived per seed. Asserts nothing.

    python benchmarks/soak_tui.py [--seeds 0-9] [--actions 1000] [--max-pause 0.25]
    python benchmarks/soak_tui.py --in-process [--seeds 2-3] [--actions 1000]

Each seed drives a fresh copy of the app (see tests/tui/pty_monkey.py: keys as a terminal sends
them, bursts, random pauses, resizes between 45x12 and 200x60 with 80x24 and 120x40 most often,
pastes of up to 300 and of 5,000 characters, weighted towards opening and closing the command
palette, the preset picker, the help and the axon and network screens). A quit is followed by a
restart. The app survives a seed if it never printed a traceback nor exited with another status
than 0, and at the end still answered ``?`` by showing its help.

With ``--in-process`` the seeds drive the in-process monkey of tests/tui/test_monkey.py instead
(keys delivered as Key events through Textual's test driver, each fully processed before the
next, the app's state, recording and exports checked for finite numbers; screens repaint at most
12 times a second, as in the test); the suite runs its seed 1.

Prints one line per seed (keys, pastes, resizes, restarts, seconds, survived or the failure) and
the totals.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tui.pty_monkey import PtyMonkey  # noqa: E402 (after the path is set)


def soak_in_process(seeds: list[int], actions: int) -> int:
    """The in-process monkey for each seed; the number of seeds that failed."""
    import asyncio
    import traceback

    import textual.screen

    from tests.tui.test_monkey import report, run_monkey

    textual.screen.UPDATE_PERIOD = 1 / 12  # as the test's fewer_frames fixture
    failures = 0
    for seed in seeds:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="hhtui-soak-") as cwd:
            try:
                monkey = asyncio.run(run_monkey(seed, actions, Path(cwd)))
            except Exception:  # an assertion of the monkey or an error of the app: report it
                failures += 1
                print(f"seed {seed}: FAILED after {time.monotonic() - started:.0f} s:\n{traceback.format_exc()}")
                continue
        print(f"{report(monkey)}; {time.monotonic() - started:.0f} s: survived", flush=True)
    return failures


def seed_range(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-", 1)
        return list(range(int(low), int(high) + 1))
    return [int(part) for part in text.split(",")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-9", help="seeds, e.g. 0-9 or 1,5,7 (default 0-9)")
    parser.add_argument("--actions", type=int, default=1000, help="actions per seed (default 1000)")
    parser.add_argument("--max-pause", type=float, default=0.25, help="longest pause between actions, s")
    parser.add_argument("--save", metavar="DIR", help="write the output of each failed seed into DIR")
    parser.add_argument("--in-process", action="store_true", help="the in-process monkey of tests/tui/test_monkey.py")
    args = parser.parse_args()
    if args.in_process:
        failures = soak_in_process(seed_range(args.seeds), args.actions)
        print(f"total: {len(seed_range(args.seeds))} seeds, {failures} failed")
        return 0
    total_keys = failures = 0
    started = time.monotonic()
    for seed in seed_range(args.seeds):
        with tempfile.TemporaryDirectory(prefix="hhtui-soak-") as cwd:
            report = PtyMonkey(seed, cwd, max_pause=args.max_pause).run(args.actions)
        total_keys += report.keys
        failures += not report.survived
        outcome = "survived" if report.survived else f"FAILED: {report.failure}"
        if not report.survived and args.save:
            path = Path(args.save) / f"soak-seed-{seed}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{report.failure}\n\n{report.stack}\n\n{report.failure_output[-20000:]}")
            outcome += f" (output in {path})"
        print(
            f"seed {seed}: {report.keys} keys, {report.pastes} pastes ({report.long_pastes} of 5,000 chars), "
            f"{report.resizes} resizes, {report.restarts} restarts after a quit, {report.seconds:.0f} s: {outcome}",
            flush=True,
        )
    print(
        f"total: {total_keys} keys over {len(seed_range(args.seeds))} seeds, {failures} failed, "
        f"{time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
