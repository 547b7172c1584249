"""What each test costs: processor time (its own and that of the processes it started) and time.

Runs pytest with the arguments given (default: the whole suite with ``-n auto``) and a small
plugin that measures every test (set-up, call and tear-down together) in the process that runs
it, then prints the total processor time, the files and the tests that cost the most, and the
time each pytest-xdist worker spent. On a machine shared with other work the times (s) vary; the
processor times (CPU-s) vary less, and a sum over the suite tells what a change saved.

    python benchmarks/suite_costs.py [--top N] [-- PYTEST ARGS...]

e.g. ``python benchmarks/suite_costs.py --top 20 -- tests/tui -n auto``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

#: The plugin, written to a temporary directory and loaded by each pytest process (-p).
PLUGIN = """
import json, os, resource, time
import pytest

def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    own, children = _cpu()
    start = time.monotonic()
    yield
    own_after, children_after = _cpu()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(os.path.join(os.environ["SUITE_COSTS_DIR"], worker + ".jsonl"), "a") as out:
        out.write(json.dumps({"test": item.nodeid.split("@")[0], "worker": worker, "own": own_after - own,
                              "children": children_after - children, "seconds": time.monotonic() - start}) + "\\n")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=30, help="how many files and tests to list (default 30)")
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    options = parser.parse_args()
    arguments = options.pytest_args or ["-n", "auto"]
    with tempfile.TemporaryDirectory(prefix="suite-costs-") as directory:
        Path(directory, "suite_costs_plugin.py").write_text(PLUGIN)
        env = {**os.environ, "SUITE_COSTS_DIR": directory}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [directory, env.get("PYTHONPATH", "")]))
        import subprocess

        load = os.getloadavg()[0]
        started = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "suite_costs_plugin", "-p", "no:cacheprovider", *arguments],
            env=env,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = time.monotonic() - started
        rows = [json.loads(line) for path in Path(directory).glob("*.jsonl") for line in path.open()]
    total = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"\npytest {' '.join(arguments)}: exit {done.returncode}, {seconds:.0f} s, {total:.0f} CPU-s in all")
    print(f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end; {os.cpu_count()} cores")
    if not rows:
        return
    cost = {row["test"]: row["own"] + row["children"] for row in rows}
    print(f"{len(rows)} tests: {sum(cost.values()):.0f} CPU-s in the tests themselves")
    by_file: collections.Counter[str] = collections.Counter()
    for test, value in cost.items():
        by_file[test.split("::")[0]] += value
    print(f"\nthe {options.top} costliest files (CPU-s):")
    for name, value in by_file.most_common(options.top):
        print(f"{value:8.1f}  {name}")
    print(f"\nthe {options.top} costliest tests (CPU-s: own + its processes; s):")
    for row in sorted(rows, key=lambda row: -(row["own"] + row["children"]))[: options.top]:
        print(f"{row['own'] + row['children']:8.1f}  {row['children']:6.1f}  {row['seconds']:7.1f} s  {row['test']}")
    print("\neach worker: tests, s, CPU-s")
    for worker in sorted({row["worker"] for row in rows}):
        mine = [row for row in rows if row["worker"] == worker]
        print(
            f"{worker:>6}: {len(mine):5d} {sum(r['seconds'] for r in mine):8.0f} "
            f"{sum(r['own'] + r['children'] for r in mine):8.0f}"
        )


if __name__ == "__main__":
    main()
