"""The compiled CSV number formatter writes exactly what Python's ``"%.10g"`` writes."""

from __future__ import annotations

import numpy as np
import pytest

from hhtui.numformat import COMPILED_FROM, format_rows


def _reference(block: np.ndarray) -> str:
    row = ",".join(["%.10g"] * block.shape[1]) + "\n"
    return (row * block.shape[0]) % tuple(block.ravel().tolist())


def _check(values: np.ndarray, columns: int = 4) -> None:
    values = values[: values.size - values.size % columns]
    block = values.reshape(-1, columns)
    assert block.size >= COMPILED_FROM  # the compiled path, not Python's own formatting
    assert format_rows(block) == _reference(block)


@pytest.mark.parametrize("seed", range(3))
def test_numbers_of_every_magnitude_and_sign(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mantissa = rng.uniform(1.0, 10.0, 60_000) * rng.choice([-1.0, 1.0], 60_000)
    exponent = rng.integers(-16, 34, 60_000)
    _check(mantissa * 10.0**exponent)


def test_powers_of_ten_and_two_and_their_neighbours() -> None:
    base = np.concatenate([10.0 ** np.arange(-15, 33), 2.0 ** np.arange(-50, 100)])
    values = np.concatenate([base, np.nextafter(base, 0.0), np.nextafter(base, np.inf), -base])
    _check(np.tile(values, 1 + COMPILED_FROM // values.size))


def test_ties_at_the_tenth_digit_and_round_trips() -> None:
    rng = np.random.default_rng(7)
    digits = rng.integers(10**10, 10**11, 30_000)
    ties = (digits * 10 + 5) / 10.0 ** rng.integers(2, 20, 30_000)  # ...d5 at the 11th digit
    short = rng.integers(0, 10**6, 30_000) / 1000.0  # few digits, trailing zeros to strip
    _check(np.concatenate([ties, short, np.zeros(16), -short]))


def test_a_recorded_run() -> None:
    from hhtui.model import Experiment

    samples = Experiment(t_stop=30.0).run()
    block = np.column_stack([samples.t] + [column for name, column in samples.columns().items() if name != "t_ms"])
    assert format_rows(block) == _reference(block)
