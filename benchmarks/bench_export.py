"""How fast a recording is written to and read from CSV.

Writes 100,000 rows x 12 columns (the shape of a long single-neuron recording with its currents)
with :func:`hhtui.export.write_csv`, atomically to a temporary directory, and reads it back with
:func:`hhtui.export.read_csv`. Prints the best of a few repeats.

    python benchmarks/bench_export.py [--rows N] [--columns K] [--repeat R]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from hhtui.export import read_csv, write_csv


def make_columns(rows: int, columns: int) -> dict[str, np.ndarray]:
    """Columns with full-precision values: the slow case for formatting."""
    rng = np.random.default_rng(1952)
    t = np.arange(rows) * 0.01
    data = {"t_ms": t, "V_mV": -65.0 + 100.0 * np.sin(t)}
    for j in range(columns - len(data)):
        data[f"x{j}"] = rng.standard_normal(rows) * 10.0 ** (j - 4)
    return dict(list(data.items())[:columns])


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    columns = make_columns(args.rows, args.columns)
    with tempfile.TemporaryDirectory(prefix="hhtui-bench-") as tmp:
        path = Path(tmp) / "run.csv"
        write_s = best_of(args.repeat, lambda: write_csv(path, columns))
        size_mb = path.stat().st_size / 1e6
        read_s = best_of(args.repeat, lambda: read_csv(path))

    shape = f"{args.rows:,} rows x {args.columns} columns ({size_mb:.1f} MB)"
    print(f"write_csv: {shape}: {write_s:.3f} s, {args.rows / write_s:,.0f} rows/s")
    print(f"read_csv:  {shape}: {read_s:.3f} s, {args.rows / read_s:,.0f} rows/s")


if __name__ == "__main__":
    main()
