"""Runs replay from their config and event log to the same numbers, bit for bit."""

import pytest

from app.views import records, run_state
from engine.build import build_run, replay, run_config
from engine.settings import SettingsError


@pytest.mark.parametrize("spec", [
    {"optimizer": {"name": "gd", "lr": 0.1, "batch_size": 4}, "seed": 5},
    {"problem": {"kind": "surface", "name": "rosenbrock"}, "racers": [{"name": "adam", "lr": 0.05},
                                                                     {"name": "random_search"}], "seed": 2},
    {"problem": {"kind": "network", "data": {"name": "xor", "n": 60}}, "optimizer": {"name": "gd", "lr": 0.5},
     "seed": 1},
])
def test_replay_reproduces_live_changes(spec: dict) -> None:
    run = build_run(spec)
    run.step(30)
    run.set_optimizer({"lr": 0.02})
    run.step(7)
    run.set_stop({"max_steps": 500})
    run.add_racer({"name": "gd", "lr": 0.01, "momentum": 0.9})
    run.step(11)
    run.remove_racer(0)
    run.step(5)
    again = replay(run_config(run), run.events, run.clock)
    assert again.clock == run.clock
    assert records(again)[0] == records(run)[0]
    assert run_state(again, False) == run_state(run, False)


def test_replay_starts_from_the_last_reset() -> None:
    run = build_run({"optimizer": {"name": "gd", "lr": 0.1}})
    run.step(10)
    run.set_optimizer({"lr": 0.3})
    run.reset([1.0, 1.0])
    run.step(4)
    again = replay(run_config(run), run.events, run.clock)
    assert records(again)[0] == records(run)[0]
    assert run_config(again)["optimizer"]["lr"] == 0.3


def test_changes_past_the_event_cap_apply_and_are_counted_not_kept() -> None:
    run = build_run({"optimizer": {"name": "gd", "lr": 0.1}}, event_cap=2)
    for k in range(5):
        run.set_optimizer({"lr": 0.1 + k})
        run.step(1)
    assert len(run.events) == 2 and run.events_dropped == 3 and run.changes == 5
    assert run.racers[0].spec["lr"] == 4.1  # every change applied
    run.reset()
    assert run.changes == 0
    run.set_optimizer({"lr": 0.2})
    assert len(run.events) == 1


def test_bad_events_name_the_field() -> None:
    run = build_run({})
    with pytest.raises(SettingsError, match="events.0.type"):
        replay(run_config(run), [{"clock": 0, "type": "explode"}], 3)
    with pytest.raises(SettingsError, match="events.1.clock"):
        replay(run_config(run), [{"clock": 2, "type": "stop", "stop": {}}, {"clock": 1, "type": "stop", "stop": {}}], 3)
