"""Every input field of the parameter panel against everything a person may type.

The table below is tried in every field (membrane, the stimulus fields of each protocol, dt,
speed and window). Whether a text is a valid value is decided here from the model itself (a
``Membrane``, stimulus or ``Solver`` is built with the number the text means) and from the run
settings' documented ranges, never from what the app answers. Then, for each text:

- an invalid text is refused with a one-line message naming the parameter, and the simulation
  keeps the last valid value (checked on the simulation's own membrane, stimulus and solver,
  not on the text);
- a valid text gives exactly the number it means;
- afterwards the run goes on as if nothing had been typed: the recording equals a headless run
  of the same experiment.

Every text of the table meets every field's validator (the function the field and its commit
use to decide); in the running app, each field is also given texts of the table through the
whole path (typed text, commit by Enter or by leaving the field, the mark, the tooltip, the
simulation), every text in several fields, with both commits.
"""

from __future__ import annotations

import asyncio
import math
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pytest
from textual import events
from textual.widgets import Input

from hhtui.model import Experiment, ParameterError, Solver, Step, Train, VoltageClamp
from hhtui.model.stimulus import Noise, Ramp, stimulus_from_dict
from hhtui.tui.app import HHApp
from hhtui.tui.settings import SPEED_RANGE, WINDOW_RANGE

from .conftest import settle, wait_for, wait_ready

#: What students type. The first column is the text, the second what it is meant to show.
TEXTS: tuple[tuple[str, str], ...] = (
    ("", "empty"),
    ("   ", "spaces"),
    ("abc", "letters"),
    ("5 mV", "a number with its unit"),
    ("1,5", "a decimal comma"),
    ("1e400", "beyond the float range"),
    ("nan", "not a number"),
    ("inf", "infinity"),
    ("-inf", "minus infinity"),
    ("-5", "negative"),
    ("1e12", "huge"),
    ("3.14159265358979323846264338327950288", "many digits"),
    ("١٢", "Arabic-Indic digits (12)"),
    ("0x10", "hexadecimal"),
    ("1_000", "digit grouping with _"),
    ("--5", "double minus"),
)

#: Texts with two sensible readings (the number written in another notation, or a refusal):
#: either is right, provided an accepted text gives exactly that number.
EITHER = {"١٢", "1_000"}

#: The experiments the fields are tried on: one per stimulus protocol, plus the solver and run
#: fields on the default experiment. No description: a preset would stop at its t_stop.
EXPERIMENTS: dict[str, Experiment] = {
    "step": Experiment(stimulus=Step(amplitude=10.0, start=5.0)),
    "train": Experiment(stimulus=Train(amplitude=20.0, width=1.0, start=2.0, interval=20.0, count=5)),
    "ramp": Experiment(stimulus=Ramp(amplitude=0.0, amplitude_end=20.0, start=1.0, duration=100.0)),
    "noise": Experiment(stimulus=Noise(mean=5.0, std=5.0, start=1.0)),
    "clamp": Experiment(stimulus=VoltageClamp(hold=-65.0, level=0.0, start=5.0, duration=20.0)),
}

#: Every field, as (experiment key, input id). Stimulus fields are those each protocol shows;
#: the lists are checked against the app in ``test_the_table_covers_every_field``.
MEMBRANE_IDS = ("m-c_m", "m-g_na", "m-g_k", "m-g_l", "m-e_na", "m-e_k", "m-e_l", "m-temperature")
STIMULUS_IDS = {
    "step": ("s-amplitude", "s-start", "s-duration"),
    "train": ("s-amplitude", "s-width", "s-start", "s-interval", "s-count"),
    "ramp": ("s-amplitude", "s-amplitude_end", "s-start", "s-duration"),
    "noise": ("s-amplitude", "s-std", "s-start", "s-duration"),
    "clamp": ("s-hold", "s-level", "s-start", "s-duration"),
}
FIELDS: list[tuple[str, str]] = (
    [("step", field) for field in MEMBRANE_IDS]
    + [(kind, field) for kind, ids in STIMULUS_IDS.items() for field in ids]
    + [("step", "dt"), ("step", "speed"), ("step", "window")]
)

#: Simulated time before the fields are tried (ms): changes then act live, not as a restart.
T_BEFORE = 3.0
#: Simulated time after (ms), compared with a headless run.
T_AFTER = 10.0


# --- the oracle: what a text means and whether the model accepts it ---------------------------------
def meaning(text: str) -> Decimal | None:
    """The number a text writes (exact, without float overflow), or None if it is not one."""
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def as_float(number: Decimal) -> float | None:
    """The float of a number, or None when it lies beyond the float range (a finite number
    that would round to infinity is not infinity)."""
    if number.is_nan():
        return math.nan
    if number.is_infinite():
        return math.inf if number > 0 else -math.inf
    if abs(number) > Decimal("1e308"):
        return None
    return float(number)


def stimulus_name(stimulus: Any, field: str) -> str:
    """The model's name of a panel field (the panel's amplitude is the mean of noise)."""
    return "mean" if (field == "amplitude" and stimulus.kind == "noise") else field


def model_value(experiment: Experiment, field_id: str, value: float, speed: float, window: float) -> Any:
    """The model object the field gives with ``value``; ParameterError/ValueError if refused."""
    if field_id.startswith("m-"):
        return experiment.membrane.replace(**{field_id[2:]: value})
    if field_id.startswith("s-"):
        stimulus = experiment.stimulus
        data = stimulus.to_dict()
        name = stimulus_name(stimulus, field_id[2:])
        if name == "count":
            if not math.isfinite(value) or value != int(value):
                raise ParameterError("count must be a whole number")
            value = int(value)
        data[name] = value
        return stimulus_from_dict(data)
    if field_id == "dt":
        return Solver(method=experiment.solver.method, dt=value)
    low, high = SPEED_RANGE if field_id == "speed" else WINDOW_RANGE
    if not low <= value <= high:  # the documented range of the run settings
        raise ValueError(f"{field_id} out of range")
    return value


def expected(
    experiment: Experiment, field_id: str, text: str, speed: float, window: float
) -> tuple[bool, float | None]:
    """(valid, the float the text means) by the model's own rules."""
    number = meaning(text)
    if number is None:
        return False, None
    value = as_float(number)
    if value is None:
        return False, None
    try:
        model_value(experiment, field_id, value, speed, window)
    except (ParameterError, ValueError):
        return False, value
    return True, value


# --- reading the app -----------------------------------------------------------------------------------
def applied(app: HHApp, field_id: str) -> Any:
    """What the simulation itself uses for the field now."""
    sim = app.session.sim
    if field_id.startswith("m-"):
        return getattr(sim.membrane, field_id[2:])
    if field_id.startswith("s-"):
        return getattr(sim.stimulus, stimulus_name(sim.stimulus, field_id[2:]))
    if field_id == "dt":
        return sim.dt
    return app.main.speed if field_id == "speed" else app.main.window_ms


def state_of(app: HHApp) -> tuple[Any, ...]:
    """Everything a typed value may change: the simulation's objects and the run settings."""
    sim = app.session.sim
    return (
        sim.membrane,
        sim.stimulus,
        sim.dt,
        sim.method,
        app.main.speed,
        app.main.window_ms,
        app.session.experiment,
        sim.t,
    )


def message_of(app: HHApp, field_id: str) -> str:
    errors = app.query(f"#error-{field_id}")
    return str(errors.first().render()) if errors else ""


def field_names(app: HHApp, field_id: str) -> set[str]:
    """Names a clear message may use for the field: its own and the model's."""
    name = field_id[2:] if field_id[:2] in ("m-", "s-") else field_id
    return {name.lower(), stimulus_name(app.session.sim.stimulus, name).lower()}


async def enter(app: HHApp, pilot, field_id: str, text: str, commit: str = "enter") -> None:
    """Focus the field, replace its text and commit it: with Enter, or by leaving the field
    (focus moves to the plot, as Escape or Tab would). The messages are then processed; no key
    press is simulated, which keeps hundreds of cases fast (real keys: see the typed test)."""
    field = app.query_one(f"#{field_id}", Input)
    field.focus()
    field.value = text
    if commit == "enter":
        await field.action_submit()
    else:
        app.main.plot.focus()
    await processed(app, pilot)


async def processed(app: HHApp, pilot) -> None:
    """Let a commit travel (input -> panel -> app) to its end: until no widget, screen or the
    app has a message waiting, twice in a row."""
    quiet_turns = 0
    for _ in range(500):
        await asyncio.sleep(0)
        nodes = [app, *app.screen.walk_children(with_self=True)]
        if all(node._message_queue.empty() for node in nodes):
            quiet_turns += 1
            if quiet_turns >= 3:
                return
        else:
            quiet_turns = 0


def built_value(built: Any, field_id: str) -> Any:
    """The number a model object built by the panel's validator holds for the field."""
    if field_id.startswith("m-"):
        return getattr(built, field_id[2:])
    if field_id.startswith("s-"):
        return getattr(built, stimulus_name(built, field_id[2:]))
    if field_id == "dt":
        return built.dt
    return built


def check_every_text_at_the_validator(app: HHApp, field_id: str) -> list[str]:
    """Give each text of the table to the field's validator (what the field's mark and its commit
    use); the list of what went wrong. The validator must not change the simulation."""
    problems: list[str] = []
    start = state_of(app)
    for text, what in TEXTS:
        valid, value = expected(app.session.experiment, field_id, text, app.main.speed, app.main.window_ms)
        label = f"{field_id} <- {text!r} ({what}), validator"
        try:
            built, message = app.main.panel.build(field_id, text), ""
        except ValueError as error:
            built, message = None, str(error)
        accepted = not message
        if text in EITHER and not accepted:
            valid = False
        if valid:
            if not accepted:
                problems.append(f"{label}: a valid value was refused: {message!r}")
            elif built_value(built, field_id) != value:
                problems.append(f"{label}: gives {built_value(built, field_id)!r}, the text means {value!r}")
        elif accepted:
            problems.append(f"{label}: accepted (gives {built_value(built, field_id)!r}); should be refused")
        else:
            names = field_names(app, field_id)
            if not any(name in message.lower() for name in names):
                problems.append(f"{label}: the message does not name the field: {message!r}")
            if "\n" in message.strip() or len(message) > 200 or "Error" in message:
                problems.append(f"{label}: the message is not one clear line: {message!r}")
    if state_of(app) != start:
        problems.append(f"{field_id}: the validator changed the simulation: {start} -> {state_of(app)}")
    return problems


#: How many texts of the table each field is given through the whole app (each text goes to
#: about 31 x 3 / 16, i.e. 5 or 6, fields, with both commits).
TEXTS_PER_FIELD_IN_THE_APP = 3


def texts_through_the_app(field_index: int) -> list[tuple[str, tuple[str, str]]]:
    """The texts of the table the field with this index (in FIELDS) gets through the whole app,
    each with its commit ("enter" or "leave", alternating from field to field)."""
    step = len(TEXTS) // TEXTS_PER_FIELD_IN_THE_APP
    return [
        ("enter" if field_index % 2 == 0 else "leave", TEXTS[(field_index + k * step) % len(TEXTS)])
        for k in range(TEXTS_PER_FIELD_IN_THE_APP)
    ]


def test_every_text_goes_through_the_whole_app_in_several_fields_and_both_commits() -> None:
    uses: dict[str, set[str]] = {text: set() for text, _ in TEXTS}
    commits: dict[str, set[str]] = {text: set() for text, _ in TEXTS}
    for field_index, (_, field_id) in enumerate(FIELDS):
        for commit, (text, _) in texts_through_the_app(field_index):
            uses[text].add(field_id)
            commits[text].add(commit)
    assert all(len(fields) >= 4 for fields in uses.values()), uses
    assert all(how == {"enter", "leave"} for how in commits.values()), commits


async def try_texts(app: HHApp, pilot, field_id: str, texts: list[tuple[str, tuple[str, str]]]) -> list[str]:
    """Type the texts into the field, each committed as given (Enter, or leaving the field);
    the list of what went wrong."""
    problems: list[str] = []
    field = app.query_one(f"#{field_id}", Input)
    original = field.value
    start = state_of(app)
    for commit, (text, what) in texts:
        before = state_of(app)
        experiment = app.session.experiment
        valid, value = expected(experiment, field_id, text, app.main.speed, app.main.window_ms)
        await enter(app, pilot, field_id, text, commit)
        message = message_of(app, field_id)
        label = f"{field_id} <- {text!r} ({what})"
        accepted = not message and not field.has_class("-invalid")
        if text in EITHER and not accepted:
            valid = False
        if valid:
            if not accepted:
                problems.append(f"{label}: a valid value was refused: {message!r}")
            elif applied(app, field_id) != value:
                problems.append(f"{label}: applied {applied(app, field_id)!r}, the text means {value!r}")
        else:
            if accepted:
                problems.append(f"{label}: accepted (applied {applied(app, field_id)!r}); should be refused")
            else:
                names = field_names(app, field_id)
                if not any(name in message.lower() for name in names):
                    problems.append(f"{label}: the message does not name the field: {message!r}")
                if "\n" in message.strip() or len(message) > 200 or "Error" in message:
                    problems.append(f"{label}: the message is not one clear line: {message!r}")
                if str(field.tooltip or "") != message:
                    problems.append(f"{label}: the tooltip does not say the message: {field.tooltip!r}")
            if state_of(app) != before:
                problems.append(f"{label}: the simulation changed: {before} -> {state_of(app)}")
        if accepted:  # back to the last valid value, so that the next text starts from it
            await enter(app, pilot, field_id, original)
            if state_of(app) != before:
                problems.append(f"{label}: not back to the last valid value: {before} -> {state_of(app)}")
    # The original text is accepted again, clears the mark, and nothing has changed for the run.
    await enter(app, pilot, field_id, original)
    if message_of(app, field_id) or field.has_class("-invalid"):
        problems.append(f"{field_id}: the original {original!r} is refused afterwards: {message_of(app, field_id)!r}")
    if state_of(app) != start:
        problems.append(f"{field_id}: the simulation is not as before the table: {start} -> {state_of(app)}")
    return problems


def shown_inputs(app: HHApp) -> list[str]:
    """The ids of the panel's inputs a person can see and type into now."""
    ids = []
    for widget in app.main.panel.query(Input):
        node, shown = widget, True
        while node is not None and node is not app.main.panel:
            shown = shown and node.display
            node = node.parent
        if shown and not widget.disabled:
            ids.append(widget.id or "")
    return ids


#: The groups of fields tried in one app each: (experiment, which of the shown inputs).
GROUPS: dict[str, tuple[str, Any]] = {
    "membrane": ("step", lambda field_id: field_id.startswith("m-")),
    "step+solver+run": ("step", lambda field_id: not field_id.startswith("m-")),
    **{kind: (kind, lambda field_id: field_id.startswith("s-")) for kind in ("train", "ramp", "noise", "clamp")},
}


@pytest.mark.parametrize("group", list(GROUPS))
async def test_every_field_against_every_text(group: str, tmp_path) -> None:
    kind, wanted = GROUPS[group]
    experiment = EXPERIMENTS[kind]
    app = HHApp(experiment, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(T_BEFORE)
        await pilot.pause()
        fields = [field_id for field_id in shown_inputs(app) if wanted(field_id)]
        expected_ids = {field for k, field in FIELDS if k == kind and wanted(field)}
        assert set(fields) == expected_ids, "the panel shows other fields than the table covers"
        problems: list[str] = []
        for field_id in fields:
            problems += check_every_text_at_the_validator(app, field_id)
        for field_id in fields:
            field_index = FIELDS.index((kind, field_id))
            problems += await try_texts(app, pilot, field_id, texts_through_the_app(field_index))
        app.main.plot.focus()
        app.main.advance_by(T_AFTER)
        await pilot.pause()
        tried = len(fields) * (len(TEXTS) + TEXTS_PER_FIELD_IN_THE_APP)
        assert not problems, f"{len(problems)} problems in {tried} inputs:\n" + "\n".join(problems)
        # The run is unaffected: what it recorded is a headless run of the same experiment.
        assert app.session.experiment == experiment
        recorded = app.session.recording.samples()
        reference = experiment.replace(t_stop=round(app.session.t, 9)).run()
        assert recorded.t.shape == reference.t.shape
        assert np.isfinite(recorded.V).all() and np.isfinite(app.session.sim.state).all()
        np.testing.assert_allclose(recorded.V, reference.V, rtol=0, atol=1e-7)
        assert not app.session.sim.halted
        assert "nan" not in app.main.plot.render().plain.lower()


async def test_the_table_covers_every_input_of_the_panel(tmp_path) -> None:
    """Each protocol shows exactly the fields the table tries, and no input is left out."""
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        every = {widget.id for widget in app.main.panel.query(Input)}
        assert every == {field for _, field in FIELDS}
        for kind, ids in STIMULUS_IDS.items():
            app.query_one("#s-type").value = kind
            await wait_for(pilot, lambda kind=kind: app.session.sim.stimulus.kind == kind, what=f"the {kind} protocol")
            await pilot.pause()
            shown = {field_id for field_id in shown_inputs(app) if field_id.startswith("s-")}
            assert shown == set(ids), kind
            assert app.session.sim.stimulus.kind == kind


# --- real keys and pastes ------------------------------------------------------------------------------------
#: (field, text) typed key by key, then Enter: each is invalid by the model's rules.
TYPED = (("m-g_na", "1e400"), ("dt", "nan"), ("s-amplitude", "--5"), ("speed", "-inf"))


async def test_typed_and_pasted_texts_are_refused_like_set_ones(tmp_path) -> None:
    app = HHApp(EXPERIMENTS["step"], export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(T_BEFORE)
        before = state_of(app)
        for field_id, text in TYPED:
            valid, _ = expected(app.session.experiment, field_id, text, app.main.speed, app.main.window_ms)
            assert not valid
            field = app.query_one(f"#{field_id}", Input)
            field.focus()
            field.value = ""
            await pilot.press(*text, "enter")
            await processed(app, pilot)
            assert field.value == text
            assert field.has_class("-invalid") and message_of(app, field_id), field_id
            assert app.focused is field  # an invalid value keeps the focus, to be corrected
            assert state_of(app) == before
        # A long paste (a whole line of a spreadsheet, and then some) into a field.
        field = app.query_one("#m-g_k", Input)
        field.focus()
        field.value = ""
        await pilot.pause()
        app.post_message(events.Paste("36," * 4000 + "\nsecond line"))
        await processed(app, pilot)
        await field.action_submit()
        await processed(app, pilot)
        assert field.has_class("-invalid")
        assert "g_k" in message_of(app, "m-g_k")
        assert state_of(app) == before
        # A pasted valid number is applied.
        field.value = ""
        app.post_message(events.Paste("  18.5  "))
        await processed(app, pilot)
        await field.action_submit()
        await processed(app, pilot)
        assert app.session.sim.membrane.g_k == 18.5


async def test_a_long_paste_gives_a_short_message(tmp_path) -> None:
    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        field = app.query_one("#m-g_k", Input)
        field.focus()
        field.value = ""
        await pilot.pause()
        app.post_message(events.Paste("36," * 4000))
        await processed(app, pilot)
        await field.action_submit()
        await processed(app, pilot)
        message = message_of(app, "m-g_k")
        assert field.has_class("-invalid") and "g_k" in message
        assert len(message) < 200, f"{len(message)} characters"
        assert len(str(field.tooltip)) < 200
        # The box was only just mounted and its first layouts are partial (0 or 2 lines): wait until
        # it is as tall as its message needs at its width. At 80x24 the panel's text is 23 columns
        # wide, and the message (about 50 characters, whatever the length of the paste) takes 4 lines.
        box = app.query_one("#error-m-g_k")

        def laid_out() -> bool:
            width = box.size.width
            return width > 0 and box.size.height == box.get_content_height(box.size, app.size, width)

        await wait_for(pilot, laid_out, what="the message box to be laid out")
        assert box.size.height <= 4, (box.size, message)


# --- the solver: every method, and a time step far too large for forward Euler ---------------------------
async def test_every_method_of_the_select_is_applied(tmp_path) -> None:
    from hhtui.model.integrators import METHODS

    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(2.0)
        for method in METHODS:
            app.query_one("#method").value = method
            await processed(app, pilot)
            assert app.session.sim.method == method
            app.main.advance_by(0.5)
            assert np.isfinite(app.session.sim.state).all()
        assert app.session.sim.dt == 0.01  # the step was kept


async def test_euler_at_dt_half_a_millisecond_pauses_with_a_message_and_exports_no_nan(tmp_path) -> None:
    """Forward Euler is unstable far below dt = 0.5 ms for the HH equations (the sodium
    activation time constant is ~0.1-0.5 ms). The run must pause with the reason in the status
    line, show no NaN, and an export afterwards holds only finite numbers."""
    from hhtui.export import read_csv

    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(2.0)
        app.query_one("#method").value = "euler"
        await processed(app, pilot)
        await enter(app, pilot, "dt", "0.5")
        assert app.session.sim.method == "euler" and app.session.sim.dt == 0.5
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.main.running, what="the run to pause after the blow-up")
        await settle(app, pilot)
        assert app.session.sim.halted
        status = app.main.status_bar.render()
        status_text = getattr(status, "plain", str(status))
        assert "blow-up" in status_text
        assert "nan" not in status_text.split("!")[0].lower()  # the numbers (the reason may name NaN)
        assert "nan" not in app.main.plot.render().plain.lower()
        assert any("blow-up" in (n.title or "") + n.message for n in app._notifications)
        recorded = app.session.recording.samples()
        assert all(np.isfinite(getattr(recorded, name)).all() for name in ("t", "V", "m", "h", "n"))
        await pilot.press("e")
        await settle(app, pilot)
        files = list(tmp_path.glob("hhtui-*.csv"))
        assert len(files) == 1, [n.message for n in app._notifications]
        data = read_csv(files[0])
        assert all(np.isfinite(column).all() for column in data.values())
        assert data["t_ms"][-1] <= app.session.t + 1e-9
        assert "nan" not in files[0].with_suffix(".json").read_text().lower().replace("nan)", "")
        # Back to a sound method: the halt is lifted and the run goes on.
        app.query_one("#method").value = "expeuler"
        await processed(app, pilot)
        await enter(app, pilot, "dt", "0.01")
        await pilot.press("r")
        app.main.advance_by(5.0)
        assert not app.session.sim.halted and np.isfinite(app.session.sim.state).all()


# --- what the panel shows must be what runs ------------------------------------------------------------------
async def test_editing_a_noise_field_keeps_the_seed_and_bin_width(tmp_path) -> None:
    noise = Noise(mean=5.0, std=5.0, start=1.0, seed=7, bin_width=0.25)
    app = HHApp(Experiment(stimulus=noise), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        app.main.advance_by(T_BEFORE)
        await enter(app, pilot, "s-amplitude", "6")
        assert app.session.sim.stimulus.mean == 6.0
        assert app.session.sim.stimulus == noise.with_amplitude(6.0)


def combined_presets() -> list[str]:
    from hhtui.experiments import PRESETS

    return [name for name, experiment in PRESETS.items() if experiment.stimulus.kind == "sum"]


@pytest.mark.parametrize("how", ["picker", "start-up"])
async def test_presets_with_a_combined_stimulus_load(how: str, tmp_path) -> None:
    from hhtui.experiments import PRESETS

    names = combined_presets()
    assert names, "no preset has a combined stimulus any more: this test is moot"
    name = names[0]
    app = HHApp(PRESETS[name] if how == "start-up" else None, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        if how == "picker":
            await pilot.press("p")
            await pilot.pause()
            await pilot.press(*(["down"] * list(PRESETS).index(name)), "enter")
            await wait_for(pilot, lambda: app.session.experiment == PRESETS[name], what=f"the preset {name!r}")
            await settle(app, pilot)
        assert app.is_running and app._exception is None, repr(app._exception)
        assert app.session.experiment.stimulus == PRESETS[name].stimulus
        assert app.main.panel.experiment.stimulus == PRESETS[name].stimulus
        assert app.query_one("#s-type").value != "step"  # the panel does not claim a plain step
        app.main.advance_by(20.0)
        assert np.isfinite(app.session.sim.state).all()


async def test_every_other_preset_loads_with_no_field_marked_invalid(tmp_path) -> None:
    from hhtui.experiments import PRESETS

    app = HHApp(export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        for name, experiment in PRESETS.items():
            if name in combined_presets():
                continue
            app.main.load_preset(name)
            await processed(app, pilot)
            # Loading may wait for a chunk computed in a worker on a busy machine: wait for the
            # preset to be in place (two presets may share their stimulus: the membrane too).
            await wait_for(
                pilot,
                lambda experiment=experiment: (
                    app.session.sim.stimulus == experiment.stimulus and app.session.sim.membrane == experiment.membrane
                ),
                what=f"the {name} preset to load",
            )
            assert app.session.sim.stimulus == experiment.stimulus, name
            assert app.session.sim.membrane == experiment.membrane, name
            assert not app.query(".-invalid"), (name, [w.id for w in app.query(".-invalid")])
            for field_id in shown_inputs(app):
                if field_id.startswith("m-"):
                    assert float(app.query_one(f"#{field_id}", Input).value) == getattr(
                        experiment.membrane, field_id[2:]
                    )
