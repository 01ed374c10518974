"""Learning-rate schedules: values at chosen k, validation, and the scheduled γ used and recorded by runs."""

import math

import numpy as np
import pytest

from app.views import records, run_state
from engine.build import build_run
from engine.schedules import SCHEDULES, check_schedule, scheduled_lr
from engine.settings import SettingsError

BOWL = {"kind": "surface", "name": "quadratic", "condition": 4.0, "rotation": 0.0}  # ∇J = (x, 4y)
NO_STOP = {"grad_norm": None, "delta_loss": None, "max_steps": None}


@pytest.mark.parametrize(
    ("schedule", "k", "expected"),
    [
        ({"name": "constant"}, 1234, 0.8),
        ({"name": "step", "step_size": 10, "gamma": 0.5}, 0, 0.8),
        ({"name": "step", "step_size": 10, "gamma": 0.5}, 9, 0.8),
        ({"name": "step", "step_size": 10, "gamma": 0.5}, 10, 0.4),
        ({"name": "step", "step_size": 10, "gamma": 0.5}, 25, 0.2),
        ({"name": "exponential", "gamma": 0.9}, 0, 0.8),
        ({"name": "exponential", "gamma": 0.9}, 3, 0.8 * 0.729),
        ({"name": "inverse_time", "decay": 0.5}, 4, 0.8 / 3),
        ({"name": "inverse_time", "decay": 0.5}, 0, 0.8),
        ({"name": "cosine", "t_max": 100, "eta_min": 0.1}, 0, 0.8),
        ({"name": "cosine", "t_max": 100, "eta_min": 0.1}, 50, 0.45),  # halfway: the mean of 0.8 and 0.1
        ({"name": "cosine", "t_max": 100, "eta_min": 0.1}, 25, 0.1 + 0.7 * (1 + math.sqrt(0.5)) / 2),
        ({"name": "cosine", "t_max": 100, "eta_min": 0.1}, 100, 0.1),
        ({"name": "cosine", "t_max": 100, "eta_min": 0.1}, 250, 0.1),  # stays at η_min after T
    ],
)
def test_schedule_values(schedule: dict, k: int, expected: float) -> None:
    assert scheduled_lr(0.8, k, check_schedule(schedule)) == pytest.approx(expected, rel=1e-12)


def test_defaults_and_validation() -> None:
    assert check_schedule(None) == {"name": "constant"}
    assert check_schedule({"name": "step"}) == {"name": "step", "step_size": 100, "gamma": 0.5}
    for name, s in SCHEDULES.items():
        assert s.title and s.formula.startswith("γₖ = "), name
    with pytest.raises(SettingsError, match="known: constant, step") as exc:
        check_schedule({"name": "linear"})
    assert exc.value.field == "optimizer.schedule.name"
    with pytest.raises(SettingsError) as exc:
        check_schedule({"name": "step", "step_size": 0})
    assert exc.value.field == "optimizer.schedule.step_size"
    with pytest.raises(SettingsError) as exc:
        build_run({"problem": BOWL, "racers": [{"name": "gd", "schedule": {"name": "cosine", "gamma": 0.5}}]})
    assert exc.value.field.startswith("racers.") and exc.value.field.endswith("schedule.gamma")


def test_a_scheduled_run_steps_with_and_records_the_scheduled_lr() -> None:
    run = build_run({"problem": BOWL, "optimizer": {"name": "gd", "lr": 0.2, "schedule": {
        "name": "step", "step_size": 2, "gamma": 0.5}}, "start": [1.0, 1.0], "stop": NO_STOP})
    run.step(5)
    recs, _ = records(run)
    assert [r["lr"] for r in recs] == [None, 0.2, 0.2, 0.1, 0.1, 0.05]
    th = np.array([1.0, 1.0])
    for rec in recs[1:]:  # θ ← θ − γₖ·∇J(θ) with the recorded γₖ
        th = th - rec["lr"] * np.array([th[0], 4 * th[1]])
        np.testing.assert_allclose(rec["params"], th, rtol=1e-14)
    assert run_state(run, False)["racers"][0]["lr"] == 0.05  # the γ of the next update (k = 5)


def test_racers_each_follow_their_own_schedule() -> None:
    racers = [
        {"name": "gd", "lr": 0.1},
        {"name": "gd", "lr": 0.1, "momentum": 0.5, "schedule": {"name": "exponential", "gamma": 0.5}},
        {"name": "adam", "lr": 0.1, "schedule": {"name": "inverse_time", "decay": 1.0}},
    ]
    run = build_run({"problem": BOWL, "racers": racers, "start": [1.0, 1.0], "stop": NO_STOP})
    run.step(3)
    by_racer: dict[int, list] = {}
    for rec in records(run)[0]:
        by_racer.setdefault(rec["racer"], []).append(rec["lr"])
    assert by_racer[0] == [None, 0.1, 0.1, 0.1]
    assert by_racer[1] == [None, 0.1, 0.05, 0.025]
    assert by_racer[2] == pytest.approx([None, 0.1, 0.05, 0.1 / 3])


def test_changing_the_schedule_mid_run_applies_at_the_current_step() -> None:
    run = build_run({"problem": BOWL, "optimizer": {"name": "gd", "lr": 0.2}, "stop": NO_STOP})
    run.step(4)
    run.set_optimizer({"schedule": {"name": "step", "step_size": 2, "gamma": 0.1}})
    run.step(2)
    lrs = [r["lr"] for r in records(run)[0]]
    assert lrs[:5] == [None, 0.2, 0.2, 0.2, 0.2]
    assert lrs[5:] == pytest.approx([0.2 * 0.01, 0.2 * 0.01])  # k = 4, 5: ⌊k/2⌋ = 2
