"""Fuzz the command line for longer than the test suite does, and report what breaks.

Random command lines of every subcommand (run, sweep, plot, axon, network, and the app's
--config/--preset), with random config files and CSV files, are run in process (fast) and as real
processes; each is checked for the promises every command keeps (exit status 0, 1 or 2, no
traceback, one error line, nothing left or changed on failure, the earlier good output intact:
see tests/cli/fuzzing.py). Prints the inputs tried, each new finding once with a reproduction,
the slowest inputs and a summary.

    python benchmarks/fuzz_cli.py [--cases 10000] [--subprocess 100] [--seed 1]

Exit status 1 if anything was found.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.cli.fuzzing import fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="inputs run in process (default 10000)")
    parser.add_argument("--subprocess", type=int, default=100, help="inputs run as real processes (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--every", type=int, default=1000, help="print a progress line every N inputs")
    args = parser.parse_args()

    started = time.perf_counter()
    print(
        f"fuzzing: {args.cases} inputs in process (seed {args.seed}), "
        f"{args.subprocess} as real processes (seed {args.seed + 1})",
        flush=True,
    )
    found, tried, slowest = fuzz(args.cases, args.seed, "process", log=sys.stdout, every=args.every)
    in_process = time.perf_counter() - started
    found_sub, tried_sub, slowest_sub = fuzz(
        args.subprocess, args.seed + 1, "subprocess", log=sys.stdout, every=max(1, args.every // 20)
    )
    total = time.perf_counter() - started
    print()
    print(
        f"inputs tried: {tried} in process ({in_process:.0f} s, {1000 * in_process / max(tried, 1):.0f} ms each), "
        f"{tried_sub} as real processes ({total - in_process:.0f} s)"
    )
    print("slowest inputs:")
    for seconds, case in sorted(slowest + slowest_sub, key=lambda item: -item[0])[:8]:
        print(f"  {seconds:6.2f} s  hhtui {' '.join(case.argv)!r}")
    findings = {**found, **found_sub}
    print(f"findings: {len(findings)}")
    for key in findings:
        print(f"  {key}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
