"""The real app in a pseudo-terminal under a monkey with real timing (see pty_monkey.py): random
keys, bursts, pauses, resizes and pastes (of 5,000 characters too), weighted towards opening and
closing the palette, the preset picker, the help and the axon and network screens. Through it
all the app never prints a traceback nor exits but on a quit, and at the end it still answers a
key that changes the screen. The long soak of the same is benchmarks/soak_tui.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from .pty_monkey import PtyMonkey

#: Actions per seed, and the time after which a seed stops early on a slow machine (s): three
#: seeds take about a minute on a busy machine.
ACTIONS = 150
SECONDS_PER_SEED = 15.0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_the_app_survives_a_monkey_in_a_real_terminal(seed: int, tmp_path: Path) -> None:
    report = PtyMonkey(seed, tmp_path).run(ACTIONS, seconds=SECONDS_PER_SEED)
    assert report.survived, f"seed {seed}: {report.failure}\n{report.stack}\n{report.failure_output[-4000:]}"
    assert report.keys >= 20, "the monkey hardly ran"


@pytest.mark.slow
def test_a_long_paste_into_the_palette_leaves_the_app_answering(tmp_path: Path) -> None:
    """5,000 characters typed into the command palette at once (as tmux's paste-buffer sends
    them), three times: escape then closes it and ? opens the help."""
    monkey = PtyMonkey(0, tmp_path)
    monkey._start()
    try:
        assert monkey.app is not None
        assert monkey.app.wait_for(b"V (mV)", 90.0), "the app did not draw its plot"
        for bracketed in (False, True, False):
            start = len(monkey.app.output)
            monkey._send(b"\x10", "ctrl+p")
            assert monkey.app.wait_for(b"for commands", 30.0, start=start), "the palette did not open"
            monkey._paste(5000, bracketed=bracketed)
            assert monkey.answers(), monkey.report.failure  # escape closes the palette, ? opens the help
            assert monkey.report.restarts == 0
    finally:
        if monkey.app is not None:
            monkey.app.close()
