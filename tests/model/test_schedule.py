"""Timed changes: a run changed between chunks is replayed by its schedule sample for sample."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hhtui.model import Experiment, Membrane, ParameterError, Samples, Solver, Step, VoltageClamp
from hhtui.model.schedule import Change, schedule_from_list

COLUMNS = ("t", "V", "m", "h", "n", "I_stim", "I_Na", "I_K", "I_L", "g_Na", "g_K")


def assert_identical(a: Samples, b: Samples) -> None:
    assert len(a) == len(b)
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.spike_time, b.spike_time)


def run_changed_between_chunks(experiment: Experiment, script: list[tuple[float, list[Change]]], t_end: float):
    """Advance in uneven chunks of whole steps, making ``changes`` once t reaches each scripted
    time (as a live run does at the end of a chunk); return the samples and the simulation's log."""
    sim = experiment.simulation()
    parts = [sim.snapshot()]
    steps = 37
    for when, changes in [*script, (t_end, [])]:
        while sim.t < when - 1e-9:
            parts.append(sim.advance(min(steps * sim.dt, when - sim.t)))
            steps = 191 if steps < 100 else 37  # uneven, as the app's frame-sized chunks are
        for change in changes:
            sim.change(change)
    return Samples.concatenate(parts), list(sim.log)


def test_a_run_changed_between_chunks_is_replayed_by_its_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    start = Experiment(stimulus=Step(amplitude=4.0, start=5.0), t_stop=120.0)
    script = [
        (20.0, [Change(0.0, "stimulus", Step(amplitude=12.0, start=5.0))]),
        (41.3, [Change(0.0, "g_k", 24.0), Change(0.0, "temperature", 9.5)]),
        (60.0, [Change(0.0, "solver", Solver(method="expeuler", dt=0.025, sample_every=0.05))]),
        (80.05, [Change(0.0, "g_na", 0.0)]),
        (95.0, [Change(0.0, "dt", 0.01), Change(0.0, "sample_every", None), Change(0.0, "g_na", 120.0)]),
    ]
    live, log = run_changed_between_chunks(start, script, 120.0)
    assert [c.parameter for c in log] == [
        "stimulus",
        "g_k",
        "temperature",
        "solver",
        "g_na",
        "dt",
        "sample_every",
        "g_na",
    ]
    replay = start.replace(schedule=tuple(log))
    assert_identical(replay.run(), live)
    # ... through a JSON file too, and in the chunks of a headless run (many, across the changes).
    from hhtui import headless
    from hhtui.headless import run_experiment

    monkeypatch.setattr(headless, "CHUNK_STEPS", 777)
    again = Experiment.from_dict(json.loads(json.dumps(replay.to_dict())))
    assert again == replay
    samples, spikes = run_experiment(again)
    assert_identical(samples, live)
    assert spikes == live.spike_time.size > 5


def test_a_change_acts_from_its_time_on_even_between_grid_points() -> None:
    base = Experiment(stimulus=Step(amplitude=10.0, start=1.0), t_stop=20.0)
    plain = base.run()
    changed = base.replace(schedule=(Change(12.345, "g_na", 0.0),)).run()
    before = plain.t <= 12.345
    # Up to the change (the sample at the grid point before it included) nothing differs.
    np.testing.assert_array_equal(changed.V[:, before], plain.V[:, before])
    np.testing.assert_array_equal(changed.I_Na[:, before], plain.I_Na[:, before])
    assert np.all(changed.I_Na[:, ~before] == 0.0)
    assert np.abs(changed.V[:, ~before] - plain.V[:, ~before]).max() > 1.0
    # Grid times are kept: the step onto 12.345 is an extra step, not a recorded sample.
    np.testing.assert_array_equal(changed.t, plain.t)


def test_a_voltage_clamp_level_set_later_holds_from_its_time() -> None:
    clamp = VoltageClamp(hold=-65.0, level=0.0, start=2.0, duration=20.0)
    run = Experiment(
        stimulus=clamp, t_stop=10.0, schedule=(Change(5.0, "stimulus", VoltageClamp(-65.0, 20.0, 2.0, 20.0)),)
    ).run()
    assert np.all(run.V[0, (run.t > 2.0) & (run.t <= 5.0)] == 0.0)
    assert np.all(run.V[0, run.t > 5.0 + 1e-9] == 20.0)


def test_reset_plays_the_schedule_again_from_the_start() -> None:
    experiment = Experiment(t_stop=30.0, schedule=(Change(10.0, "g_na", 0.0),))
    first = experiment.run()
    sim = experiment.simulation()
    sim.advance(30.0)
    assert sim.membrane.g_na == 0.0 and [c.t for c in sim.log] == [10.0]
    sim.reset()
    assert sim.membrane.g_na == 120.0 and sim.log == []
    again = Samples.concatenate([sim.snapshot(), sim.advance(30.0)])
    assert_identical(again, first)


def test_changes_at_the_same_time_apply_in_the_order_given() -> None:
    schedule = (Change(5.0, "g_k", 10.0), Change(5.0, "g_k", 50.0), Change(2.0, "g_l", 0.1))
    sim = Experiment(t_stop=10.0, schedule=schedule).simulation()
    sim.advance(10.0)
    assert sim.membrane.g_k == 50.0 and sim.membrane.g_l == 0.1
    assert [(c.t, c.parameter) for c in sim.log] == [(2.0, "g_l"), (5.0, "g_k"), (5.0, "g_k")]


def test_to_dict_writes_the_schedule_only_when_there_is_one() -> None:
    assert "schedule" not in Experiment().to_dict()
    data = Experiment(schedule=(Change(3.0, "inactivation", False),)).to_dict()
    assert data["schedule"] == [{"t_ms": 3.0, "parameter": "inactivation", "value": False}]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (
            [{"t_ms": 5, "parameter": "g_nax", "value": 0}],
            "schedule[0]: unknown parameter 'g_nax' (did you mean g_na?)",
        ),
        ([{"t_ms": 5, "parameter": "amp", "value": 3}], "schedule[0]: unknown parameter 'amp'"),
        ([{"t_ms": -1, "parameter": "g_na", "value": 0}], "schedule[0]: t_ms = -1 ms is out of range"),
        ([{"t_ms": 60, "parameter": "g_na", "value": 0}], "allowed [0, 50] ms (the run's t_stop)"),
        ([{"t_ms": "5", "parameter": "g_na", "value": 0}], "schedule[0]: t_ms must be a number of ms, got '5'"),
        ([{"t_ms": True, "parameter": "g_na", "value": 0}], "t_ms must be a number of ms, got True"),
        ([{"t_ms": float("nan"), "parameter": "g_na", "value": 0}], "t_ms = nan ms is out of range"),
        ([{"t_ms": 5, "parameter": "g_na", "value": "zero"}], "schedule[0]: g_na must be a number in mS/cm^2"),
        ([{"t_ms": 5, "parameter": "g_na", "value": -3}], "g_na = -3 mS/cm^2 is out of range"),
        ([{"t_ms": 5, "parameter": "g_na", "value": None}], "g_na must be a number in mS/cm^2, got None"),
        ([{"t_ms": 5, "parameter": "method", "value": "rk5"}], "method 'rk5' is unknown"),
        ([{"t_ms": 5, "parameter": "stimulus", "value": {"type": "stepp"}}], "unknown stimulus type 'stepp'"),
        ([{"t_ms": 5, "parameter": "g_na"}], "schedule[0]: missing value"),
        ([{"t_ms": 5, "parameter": "g_na", "value": 0, "unit": "mS"}], "schedule[0]: unknown key(s) unit"),
        ([5, 0], "schedule[0]: a change must be an object"),
        ({"t_ms": 5}, "schedule must be a list of changes, got dict"),
        (
            [{"t_ms": 1, "parameter": "g_na", "value": 1}, {"t_ms": 9, "parameter": "dt", "value": 0.03}],
            "schedule[1] (dt at 9 ms): sample_every",
        ),
    ],
)
def test_a_bad_schedule_in_a_file_is_refused_with_its_place(schedule: object, message: str) -> None:
    data = {"t_stop": 50.0, "solver": {"method": "rk4", "dt": 0.01, "sample_every": 0.1}, "schedule": schedule}
    with pytest.raises(ParameterError) as caught:
        Experiment.from_dict(data)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_changes_after_a_shorter_t_stop_are_kept_but_not_reached() -> None:
    experiment = Experiment(t_stop=50.0, schedule=schedule_from_list([{"t_ms": 40, "parameter": "g_na", "value": 0}]))
    short = experiment.replace(t_stop=20.0)
    sim = short.simulation()
    sim.advance(short.t_stop)
    assert sim.membrane.g_na == 120.0 and sim.next_change_time == 40.0


def test_a_membrane_the_schedule_does_not_fit_is_refused() -> None:
    experiment = Experiment(solver=Solver(dt=0.01, sample_every=0.1), schedule=(Change(5.0, "dt", 0.025),))
    assert experiment.solver.dt == 0.01
    with pytest.raises(ParameterError, match=r"schedule\[0\] \(dt at 5 ms\)"):
        experiment.replace(solver=Solver(dt=0.01, sample_every=0.01)).replace(
            schedule=(Change(5.0, "sample_every", 0.015),)
        )
    assert Membrane(g_na=0.0)  # membrane values never conflict with one another
