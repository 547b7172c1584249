"""The live run behind the app: chunks, live changes, bounded recording, export payload."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hhtui.model import Experiment, Membrane, ParameterError, Pulse, Ramp, Solver, Step, VoltageClamp
from hhtui.model.stimulus import NoStimulus
from hhtui.tui.session import LiveRun, nudge_stimulus


def run_in_chunks(live: LiveRun, total_ms: float, chunk_ms: float) -> None:
    while live.t < total_ms - 1e-9:
        live.advance(live.chunk_for(min(chunk_ms, total_ms - live.t)))


def test_chunked_live_run_equals_a_single_experiment_run() -> None:
    experiment = Experiment(stimulus=Step(amplitude=10.0, start=5.0), t_stop=40.0)
    live = LiveRun(experiment)
    run_in_chunks(live, 40.0, 1.37)
    recorded = live.recording.samples()
    reference = experiment.run()
    assert recorded.t.shape == reference.t.shape
    np.testing.assert_allclose(recorded.t, reference.t, rtol=0, atol=1e-9)
    np.testing.assert_allclose(recorded.V, reference.V, rtol=0, atol=1e-9)
    assert live.spike_count == int(np.count_nonzero((reference.V[0, :-1] < 0) & (reference.V[0, 1:] >= 0)))


def test_plan_follows_the_speed_and_stays_on_the_grid() -> None:
    live = LiveRun(Experiment())
    duration = live.plan(0.1, speed=50.0, budget_s=1.0)  # 0.1 s at 50 ms/s = 5 ms
    assert duration == pytest.approx(5.0, abs=0.011)
    assert abs(duration / live.sim.dt - round(duration / live.sim.dt)) < 1e-6
    live.cost_per_ms = 1e-3  # 1 ms of compute per simulated ms
    capped = live.plan(1.0, speed=1000.0, budget_s=0.01)
    assert capped == pytest.approx(10.0, abs=0.011)


def test_plan_forgives_lag_instead_of_catching_up_forever() -> None:
    live = LiveRun(Experiment())
    live.cost_per_ms = 1e-9
    duration = live.plan(100.0, speed=50.0, budget_s=10.0)  # the app was stalled for 100 s
    assert duration < 50.0 * 0.5


def test_current_change_applies_from_the_current_state_on() -> None:
    live = LiveRun(Experiment(stimulus=Step(amplitude=3.0, start=0.0)))
    run_in_chunks(live, 100.0, 5.0)
    assert live.spike_count <= 1  # 3 uA/cm^2 is below repetitive firing
    v_before = float(live.sim.V[0])
    live.nudge_current(+12.0)
    assert float(live.sim.V[0]) == v_before  # the state is untouched
    assert live.current == pytest.approx(15.0)
    run_in_chunks(live, 300.0, 5.0)
    assert live.spike_count >= 10
    assert live.firing_rate() > 50.0
    assert [c.parameter for c in live.changes] == ["stimulus"]
    assert live.changes[0].t == pytest.approx(100.0)
    assert live.changes[0].value.amplitude == pytest.approx(15.0)


def test_changes_while_a_chunk_is_computed_are_queued() -> None:
    live = LiveRun(Experiment())
    live.advance(live.chunk_for(10.0))
    live.busy = True
    live.set_membrane(Membrane(g_na=0.0))
    assert live.sim.membrane.g_na == 120.0  # not yet: the integrator may be running
    assert live.experiment.membrane.g_na == 0.0  # but the panel's view of it is new
    result = live.compute(live.chunk_for(1.0))
    live.accept(result)
    assert live.sim.membrane.g_na == 0.0
    assert not live.busy


def test_a_change_before_any_time_restarts_from_the_new_rest() -> None:
    live = LiveRun(Experiment(stimulus=NoStimulus()))
    rest_default = float(live.sim.V[0])
    live.set_membrane(Membrane(g_k=20.0))
    assert live.t == 0.0
    assert float(live.sim.V[0]) != pytest.approx(rest_default, abs=0.1)
    assert live.changes == []
    assert live.initial.membrane.g_k == 20.0
    assert len(live.recording) == 1


def test_blow_up_is_reported_and_halts_the_run() -> None:
    live = LiveRun(Experiment(stimulus=Step(amplitude=10.0, start=1.0), solver=Solver(method="euler", dt=0.2)))
    result = live.advance(live.chunk_for(60.0))
    assert result.error is not None and "blow-up" in result.error
    assert live.warning == result.error
    assert live.sim.halted
    samples = live.recording.samples()
    assert np.all(np.isfinite(samples.V))
    # A fix (smaller dt) lifts the halt.
    live.set_solver(Solver(method="euler", dt=0.01))
    assert not live.sim.halted
    assert live.warning is None


def test_recording_is_bounded_and_the_drop_is_announced_once() -> None:
    live = LiveRun(Experiment(), max_samples=2000)
    run_in_chunks(live, 50.0, 5.0)  # 5000 samples at dt = 0.01
    assert len(live.recording) == 2000
    assert live.recording.dropped > 0
    assert live.dropped_notice
    live.dropped_notice = False
    run_in_chunks(live, 60.0, 5.0)
    assert not live.dropped_notice


def test_reset_returns_to_rest_and_clears_the_recording() -> None:
    live = LiveRun(Experiment())
    run_in_chunks(live, 30.0, 5.0)
    live.set_membrane(Membrane(g_na=60.0))
    live.reset()
    assert live.t == 0.0 and live.spike_count == 0
    assert len(live.recording) == 1 and live.changes == []
    assert live.initial.membrane.g_na == 60.0


def test_export_payload_reproduces_an_unchanged_run() -> None:
    experiment = Experiment(stimulus=Pulse(amplitude=20.0, start=2.0, duration=1.0))
    live = LiveRun(experiment)
    run_in_chunks(live, 25.0, 3.0)
    columns, exp_dict, extra = live.export_payload()
    assert list(columns)[:5] == ["t_ms", "V_mV", "m", "h", "n"]
    assert extra["reproducible"] is True
    rerun = Experiment.from_dict(exp_dict).run()
    np.testing.assert_allclose(rerun.V[0], columns["V_mV"], atol=1e-9)


def test_export_payload_schedules_live_changes() -> None:
    live = LiveRun(Experiment())
    run_in_chunks(live, 10.0, 5.0)
    live.set_membrane(Membrane(g_na=0.0))
    run_in_chunks(live, 20.0, 5.0)
    _, exp_dict, extra = live.export_payload()
    assert exp_dict["membrane"]["g_na"] == 120.0  # the run started with it
    assert exp_dict["schedule"] == [{"t_ms": pytest.approx(10.0), "parameter": "g_na", "value": 0.0}]
    assert extra["reproducible"] is True and "replay_note" not in extra
    assert extra["final_experiment"]["membrane"]["g_na"] == 0.0


def test_nothing_to_export_at_t_zero() -> None:
    with pytest.raises(ParameterError):
        LiveRun(Experiment()).export_payload()


def test_nudging_each_kind_of_stimulus() -> None:
    assert nudge_stimulus(NoStimulus(), 1.0).amplitude == 1.0
    assert nudge_stimulus(Step(amplitude=10.0, start=3.0), -1.0).start == 3.0
    assert nudge_stimulus(VoltageClamp(level=-10.0), 5.0).level == -5.0
    with pytest.raises(ParameterError):
        nudge_stimulus(Step(amplitude=9999.5), 1.0)
    assert math.isclose(nudge_stimulus(Step(amplitude=0.1), 0.2).amplitude, 0.3)


def test_export_works_past_the_longest_t_stop_an_experiment_takes() -> None:
    """A live run goes on for ever; the sidecar's experiment stops at the limit and says so."""
    from hhtui.model.experiment import MAX_T_STOP

    live = LiveRun(Experiment())
    run_in_chunks(live, 2.0, 1.0)
    live.sim.t = 1.0329e7  # as after about 8.5 minutes at top speed
    live.advance(live.chunk_for(1.0))
    columns, exp_dict, extra = live.export_payload()
    assert exp_dict["t_stop"] == MAX_T_STOP
    assert extra["simulated_to_ms"] == pytest.approx(1.0329e7 + 1.0)
    assert extra["reproducible"] is False and "t_stop_note" in extra
    assert columns["t_ms"][-1] == pytest.approx(1.0329e7 + 1.0)
    Experiment.from_dict(exp_dict)  # the sidecar opens again
    Experiment.from_dict(extra["final_experiment"])


def test_a_population_is_run_for_its_first_neuron() -> None:
    """The sidecar of a sweep has one amplitude per neuron: the live run follows the first."""
    from hhtui.model import Combined

    sweep = Experiment(stimulus=Step(amplitude=np.linspace(0.0, 50.0, 100_000), start=0.0))
    live = LiveRun(sweep, max_samples=5000)
    assert live.sim.population == 1
    assert live.recording.max_samples == 5000  # values of one neuron
    assert "100,000 neurons" in live.population_note and "0 uA/cm2" in live.population_note
    run_in_chunks(live, 1.0, 1.0)
    live.nudge_current(1.0)  # Up in the app
    run_in_chunks(live, 2.0, 1.0)
    assert live.current == 1.0
    columns, exp_dict, _ = live.export_payload()
    assert exp_dict["stimulus"]["amplitude"] == 0.0
    combined = Experiment(
        stimulus=Combined(
            parts=(
                Step(amplitude=np.array([2.0, 3.0])),
                Ramp(amplitude=np.array([1.0, 1.0]), amplitude_end=np.array([4.0, 5.0])),
            )
        )
    )
    live = LiveRun(combined)
    assert live.sim.population == 1 and live.experiment.stimulus.parts[1].amplitude_end == 4.0
    assert LiveRun(Experiment()).population_note is None


# --- the schedule of a live run ------------------------------------------------------------------


def test_a_change_before_any_time_sets_the_run_up_instead() -> None:
    live = LiveRun(Experiment())
    live.set_membrane(Membrane(g_na=60.0))
    assert live.changes == [] and live.initial.membrane.g_na == 60.0
    assert live.sim.V[0] == pytest.approx(live.sim.initial_voltage())  # at the new rest


def test_an_experiment_with_a_schedule_plays_it_and_shows_it() -> None:
    from hhtui.model.schedule import Change

    experiment = Experiment(t_stop=30.0, schedule=(Change(10.0, "g_na", 0.0), Change(20.0, "dt", 0.02)))
    live = LiveRun(experiment)
    run_in_chunks(live, 15.0, 4.0)  # a chunk ends exactly at 10 ms: the chunks stop at changes
    assert live.experiment.membrane.g_na == 0.0 and live.schedule_applied
    assert [c.t for c in live.changes] == [10.0]
    assert any(abs(t - 10.0) < 1e-9 for t in live.recording.samples().t)
    run_in_chunks(live, 30.0, 4.0)
    assert live.sim.dt == 0.02 and live.experiment.solver.dt == 0.02
    _, exp_dict, extra = live.export_payload()
    assert extra["reproducible"] is True
    assert Experiment.from_dict(exp_dict).schedule == experiment.schedule
    np.testing.assert_array_equal(Experiment.from_dict(exp_dict).run().V, live.recording.samples().V)
    # A reset plays the schedule again from the start ...
    live.reset()
    assert live.initial.schedule == experiment.schedule and live.sim.membrane.g_na == 120.0
    assert live.experiment.membrane.g_na == 120.0 and live.changes == []
    run_in_chunks(live, 12.0, 4.0)
    assert live.sim.membrane.g_na == 0.0
    # ... unless a change was made live: then it starts from the parameters now, without it.
    live.set_membrane(Membrane(g_na=0.0, g_k=20.0))
    live.reset()
    assert live.initial.schedule == () and live.sim.membrane.g_k == 20.0 and live.sim.membrane.g_na == 0.0


@pytest.mark.parametrize(
    ("experiment", "what", "note"),
    [
        (Experiment(solver=Solver(method="scipy")), None, "adaptive 'scipy' method"),
        (Experiment(), "scipy", "adaptive 'scipy' method"),
        (Experiment(solver=Solver(method="euler", dt=0.2)), None, "blew up at t = "),
    ],
)
def test_what_a_replay_cannot_match_is_said_in_one_line(experiment: Experiment, what: str | None, note: str) -> None:
    live = LiveRun(experiment)
    run_in_chunks(live, 2.0, 1.0)
    if what == "scipy":
        live.set_solver(Solver(method="scipy"))
    live.set_stimulus(Step(amplitude=30.0, start=0.0))
    while live.t < 6.0 and not live.sim.halted:
        live.advance(live.chunk_for(1.0))
    _, _, extra = live.export_payload()
    assert extra["reproducible"] is False
    assert note in extra["replay_note"] and "\n" not in extra["replay_note"]
