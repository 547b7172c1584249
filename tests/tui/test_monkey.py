"""Monkey test: thousands of random key presses, pastes and resizes (seeded, reproducible).

The keys are drawn from a seeded generator: function keys, Tab/Shift+Tab, Escape, Enter, Space,
arrows, letters (every bound one too: run, step, reset, view, export, presets, help, axon and
network screens), digits, punctuation, control keys of the inputs, the command palette
(Ctrl+P, a few letters, then Escape), long pastes into a focused input, terminal resizes (from
20x8 to 300x100) and short real-time pauses while the simulation runs. Only the keys that quit
(q, Ctrl+Q) and suspend the process (Ctrl+Z) are left out.

Each key is delivered as a terminal would deliver it (a Key event to the app) and fully
processed before the next. Throughout, the app must not raise (``run_test`` re-raises any
exception of the app) and must keep running; at the end the simulation's state, the recording
and every exported file hold only finite numbers.
"""

from __future__ import annotations

import asyncio
import random
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pytest
from textual import events
from textual.command import CommandPalette
from textual.keys import _get_unicode_name_from_key
from textual.widgets import Input

from hhtui.export import read_csv
from hhtui.tui.app import HHApp
from hhtui.tui.widgets import parameter_panel

from .conftest import wait_ready

FUNCTION_KEYS = [f"f{n}" for n in range(1, 13)]
NAVIGATION = [
    "tab",
    "shift+tab",
    "escape",
    "enter",
    "space",
    "backspace",
    "delete",
    "home",
    "end",
    "up",
    "down",
    "left",
    "right",
    "pageup",
    "pagedown",
]
LETTERS = [c for c in "abcdefghijklmnoprstuvwxyz"] + [c for c in "ABCDEFGHIJKLMNOPRSTUVWXYZ"]  # no q, Q
DIGITS = list("0123456789")
PUNCTUATION = [
    "minus",
    "plus",
    "equals_sign",
    "full_stop",
    "comma",
    "left_square_bracket",
    "right_square_bracket",
    "less_than_sign",
    "greater_than_sign",
    "question_mark",
    "underscore",
    "slash",
    "asterisk",
]
CONTROL = ["ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "ctrl+x", "ctrl+v", "ctrl+c", "ctrl+f", "ctrl+d"]
#: The pool of keys with their weights (letters and digits most often, as people type).
POOL: list[tuple[list[str], float]] = [
    (FUNCTION_KEYS, 0.06),
    (NAVIGATION, 0.20),
    (LETTERS, 0.30),
    (DIGITS, 0.20),
    (PUNCTUATION, 0.12),
    (CONTROL, 0.05),
    (["ctrl+p"], 0.01),
    (["escape"], 0.04),
    (["p", "question_mark", "e", "space"], 0.02),
]
#: Keys typed while the command palette is open (never Enter: a random command could quit).
PALETTE_KEYS = LETTERS + DIGITS + ["backspace", "space"]
#: Terminal sizes the monkey resizes to: below the minimum, around 80x24 and very large.
SIZES = [(20, 8), (45, 12), (59, 15), (60, 16), (80, 24), (100, 30), (132, 43), (200, 60), (300, 100)]
#: Left out, with the reason: they end the session on purpose.
LEFT_OUT = {"q": "quits", "ctrl+q": "quits", "ctrl+z": "suspends the process"}


def key_event(key: str) -> events.Key:
    """The Key event a terminal gives for ``key`` (as textual's own Pilot builds it)."""
    try:
        character = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        character = key if len(key) == 1 else None
    special = {"space": " ", "enter": "\r", "tab": "\t", "escape": "\x1b", "backspace": "\x7f"}
    return events.Key(key, special.get(key, character))


@dataclass
class Monkey:
    """A seeded stream of actions and what happened."""

    seed: int
    rng: random.Random = field(init=False)
    keys: int = 0
    pastes: int = 0
    resizes: int = 0
    pauses: int = 0
    history: list[str] = field(default_factory=list)
    palette_keys: int = 0
    screens: set[str] = field(default_factory=set)
    focused: set[str] = field(default_factory=set)
    t_end: float = 0.0
    exports: int = 0
    halted: bool = False
    stack_depth: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def key(self, in_palette: bool) -> str:
        if in_palette:
            self.palette_keys += 1
            if self.palette_keys > 6 or self.rng.random() < 0.2:
                self.palette_keys = 0
                return "escape"
            return self.rng.choice(PALETTE_KEYS)
        groups, weights = zip(*POOL)
        return self.rng.choice(self.rng.choices(groups, weights)[0])

    def paste_text(self) -> str:
        length = self.rng.choice([50, 1000, 20000])
        alphabet = "0123456789.e-+ abcxyz,_\t" + "١٢" + "∞"
        return "".join(self.rng.choice(alphabet) for _ in range(length)) + self.rng.choice(["", "\n12", "\r\n"])


async def quiet(app: HHApp, turns: int = 2) -> None:
    """Until no widget, screen or the app has a message waiting, ``turns`` times in a row."""
    calm = 0
    for _ in range(2000):
        await asyncio.sleep(0)
        nodes = [app, *app.screen.walk_children(with_self=True)]
        if all(node._message_queue.empty() for node in nodes):
            calm += 1
            if calm >= turns:
                return
        else:
            calm = 0


def paste_target(app: HHApp, rng: random.Random) -> Input | None:
    """The focused input, or a random input of the main screen (focused for the paste)."""
    if isinstance(app.focused, Input):
        return app.focused
    if app.screen is not app.screen_stack[0]:
        return None
    inputs = [w for w in app.main.panel.query(Input) if w.display and not w.disabled]
    if not inputs:
        return None
    target = rng.choice(inputs)
    target.focus()
    return target


def check_finite(app: HHApp) -> None:
    session = app.session
    assert session is not None
    assert np.isfinite(session.sim.state).all(), session.sim.state
    assert np.isfinite(session.sim.t)
    recorded = session.recording.samples()
    for name in ("t", "V", "m", "h", "n", "I_stim", "I_Na", "I_K", "I_L", "g_Na", "g_K"):
        values = getattr(recorded, name)
        assert np.isfinite(values).all(), f"{name} has NaN or inf in the recording"
    assert np.all(np.diff(recorded.t) > 0), "recorded times must increase"


async def run_monkey(seed: int, steps: int, tmp_path, presets_monkeypatch=None) -> Monkey:
    monkey = Monkey(seed)
    app = HHApp(export_dir=tmp_path)
    size = (80, 24)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("space")  # running from the start
        for step in range(steps):
            roll = monkey.rng.random()
            if roll < 0.015:
                size = monkey.rng.choice(SIZES)
                action = f"resize {size[0]}x{size[1]}"
                await pilot.resize_terminal(*size)
                monkey.resizes += 1
            elif roll < 0.03:
                text = monkey.paste_text()
                target = paste_target(app, monkey.rng)
                action = f"paste {len(text)} chars into {target.id if target is not None else app.focused}"
                app.post_message(events.Paste(text))
                monkey.pastes += 1
            elif roll < 0.05:
                action = "pause 30 ms"
                await asyncio.sleep(0.03)
                monkey.pauses += 1
            else:
                key = monkey.key(isinstance(app.screen, CommandPalette))
                assert key not in LEFT_OUT
                action = key
                app.post_message(key_event(key))
                monkey.keys += 1
            monkey.history.append(action)
            await quiet(app)
            monkey.screens.add(type(app.screen).__name__)
            monkey.focused.add(str(getattr(app.focused, "id", None)))
            assert app.is_running and app._exception is None, (
                f"seed {seed}, step {step} ({action}): the app stopped: {app._exception!r}; "
                f"last actions: {monkey.history[-25:]}"
            )
            if step % 200 == 199:
                check_finite(app)
        # Back to a known state: close whatever is open, let the workers finish, check everything.
        monkey.stack_depth = len(app.screen_stack)
        for _ in range(60):
            if app.screen is app.screen_stack[0] and not isinstance(app.screen, CommandPalette):
                break
            app.post_message(key_event("escape"))
            await quiet(app)
        app.main.running = False
        await app.workers.wait_for_complete()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        check_finite(app)
        assert "nan" not in app.main.plot.render().plain.lower()
        # And the app still works: a step advances the run (or says why it cannot).
        app.main.plot.focus()
        t_before = app.session.t
        if not app.session.sim.halted:
            await pilot.press("s")
            assert app.session.t > t_before
        for path in tmp_path.glob("hhtui-*.csv"):
            data = read_csv(path)
            assert all(np.isfinite(column).all() for column in data.values()), path.name
        assert not list(tmp_path.glob(".hhtui-*")), "temporary files left behind"
        monkey.t_end = app.session.t
        monkey.exports = len(list(tmp_path.glob("hhtui-*.csv")))
        monkey.halted = app.session.sim.halted
    return monkey


def report(monkey: Monkey) -> str:
    return (
        f"seed {monkey.seed}: survived {monkey.keys} key presses, {monkey.pastes} pastes, {monkey.resizes} resizes, "
        f"{monkey.pauses} pauses; t = {monkey.t_end:.1f} ms, {monkey.exports} exports, halted {monkey.halted}; "
        f"screens {sorted(monkey.screens)} (stack {monkey.stack_depth} deep at the end); "
        f"{len(monkey.focused)} widgets focused"
    )


@pytest.fixture
def presets_the_panel_can_show():
    """Every preset: the panel has a type for each protocol, combined stimuli included."""
    from hhtui import experiments

    assert all(e.stimulus.kind in parameter_panel.STIMULUS_TYPES for e in experiments.PRESETS.values())
    return experiments.PRESETS


@pytest.fixture
def fewer_frames(monkeypatch):
    """Screens repaint at most 12 times a second instead of 60: every key is still processed and
    every frame still drawn in full, but a thousand keys cost a third of the time."""
    import textual.screen

    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 1 / 12)


#: The seed of the suite; more seeds, and longer runs, are soaked by
#: ``python benchmarks/soak_tui.py --in-process --seeds 2-3``.
SEEDS = [1]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
async def test_monkey_1000_keys(seed: int, tmp_path, presets_the_panel_can_show, fewer_frames) -> None:
    monkey = await run_monkey(seed, 1000, tmp_path)
    print(report(monkey))
    assert monkey.keys > 800


def test_the_monkey_is_reproducible() -> None:
    """The same seed gives the same stream of keys (the app's answers may differ in timing)."""
    first, second = Monkey(7), Monkey(7)
    assert [first.key(False) for _ in range(500)] == [second.key(False) for _ in range(500)]
    assert Monkey(7).paste_text() == Monkey(7).paste_text()
    drawn = {Monkey(seed).key(False) for seed in range(2000)}
    assert not drawn & set(LEFT_OUT)
    assert {"f1", "tab", "escape", "ctrl+p", "A", "e"} <= drawn | {
        k for s in range(200) for k in [Monkey(s).key(False) for _ in range(50)]
    }


async def test_axon_and_network_keys_do_not_stack_screens(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        for key in ["A", "A", "A", "W", "W", "A"]:
            await pilot.press(key)
            await pilot.pause()
        names = [type(screen).__name__ for screen in app.screen_stack]
        await app.workers.wait_for_complete()
        assert names.count("AxonScreen") <= 1 and names.count("NetworkScreen") <= 1, names
