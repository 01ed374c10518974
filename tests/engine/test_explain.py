"""One update, step by step: explain_step predicts run.step(1) exactly and leaves the run untouched."""

import json

import numpy as np
import pytest

from engine.build import build_run
from engine.explain import explain_step
from engine.run import Run
from engine.settings import SettingsError

PROBLEMS = {
    "surface": {"kind": "surface", "name": "rosenbrock"},
    "linear_regression": {"kind": "linear_regression"},
}
OPTIMIZERS = {
    "gd": {"name": "gd", "lr": 0.001},
    "momentum": {"name": "gd", "lr": 0.001, "momentum": 0.9},
    "adam": {"name": "adam", "lr": 0.05},
}


def snapshot(run: Run) -> dict:
    """Everything explain_step must not touch."""
    return {
        "theta": run.theta.copy(), "loss": run.loss.copy(), "grad": run.grad.copy(),
        "history": [r.history.n for r in run.racers], "t": [r.t for r in run.racers],
        "status": [r.status for r in run.racers],
        "rng": [json.dumps(r.rng.bit_generator.state, default=str) for r in run.racers],
        "perm": [None if r.perm is None else r.perm.copy() for r in run.racers], "pos": [r.pos for r in run.racers],
        "state": run.racer_states(), "trajectory": len(run.trajectory),
    }


def assert_same(a: dict, b: dict) -> None:
    for k in a:
        if k == "state":
            for sa, sb in zip(a[k], b[k], strict=True):
                assert sa.keys() == sb.keys()
                for name in sa:
                    assert np.array_equal(sa[name], sb[name]), name
        elif k == "perm":
            for pa, pb in zip(a[k], b[k], strict=True):
                assert (pa is None and pb is None) or np.array_equal(pa, pb)
        elif isinstance(a[k], np.ndarray):
            assert np.array_equal(a[k], b[k]), k
        else:
            assert a[k] == b[k], k


def check_steps(run: Run, steps: int, racer: int = 0) -> None:
    """Explain, check the run is unchanged, step, check the prediction; `steps` times."""
    for _ in range(steps):
        before = snapshot(run)
        E = explain_step(run, racer)
        json.dumps(E, allow_nan=False)
        assert_same(before, snapshot(run))
        if not E["active"]:
            return
        run.step(1)
        # Equal to the last ulp but for mini-batch networks, whose batch gradient the compiled step (engine/kernels.py)
        # rounds its own way.
        np.testing.assert_allclose(E["theta_next"]["values"], run.theta[racer], rtol=1e-12, atol=1e-15)
        assert E["recorded"]["loss"] == pytest.approx(float(run.loss[racer]), rel=1e-12)
        assert E["recorded"]["grad_norm"] == pytest.approx(float(np.linalg.norm(run.grad[racer])), rel=1e-12)
        if run.problem.cheap_full_eval:
            assert E["loss_next"] == E["recorded"]["loss"]
        reason = run.racers[racer].stop_reason
        assert E["stop"]["test"] == (reason["test"] if reason else None)


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_explain_predicts_the_next_step_and_changes_nothing(problem: str, opt: str) -> None:
    run = build_run({"problem": PROBLEMS[problem], "optimizer": OPTIMIZERS[opt]})
    run.step(3)
    check_steps(run, 5)
    E = explain_step(run)
    assert E["lr"] == OPTIMIZERS[opt]["lr"] and E["gradient"]["source"] == "full"
    assert E["lr_grad"]["values"] == pytest.approx((E["lr"] * np.asarray(E["grad"]["values"])).tolist())
    step = np.asarray(E["theta_next"]["values"]) - np.asarray(E["theta"]["values"])
    assert E["step"]["values"] == pytest.approx(step.tolist(), rel=1e-12)
    assert E["sentences"] and all(isinstance(s, str) and s for s in E["sentences"])
    if opt == "gd":
        assert E["step"]["values"] == pytest.approx((-np.asarray(E["lr_grad"]["values"])).tolist(), rel=1e-12)
        assert any("against the gradient" in s for s in E["sentences"])
    if opt == "momentum":
        b = np.asarray(E["state_after"]["momentum_buffer"]["values"])
        b0 = np.asarray(E["state_before"]["momentum_buffer"]["values"])
        assert b == pytest.approx(0.9 * b0 + np.asarray(E["grad"]["values"]), rel=1e-12)
    if opt == "adam":
        assert E["state_after"]["step"] == E["state_before"]["step"] + 1 == 9  # 3 + 5 updates made


def test_mini_batches_across_epochs_schedules_and_weight_decay() -> None:
    run = build_run({"optimizer": {"name": "gd", "lr": 0.05, "batch_size": 30, "weight_decay": 0.01,
                                   "schedule": {"name": "step", "step_size": 3, "gamma": 0.5}}})
    E = explain_step(run)
    assert E["gradient"]["source"] == "mini-batch" and E["gradient"]["batch_size"] == 30
    check_steps(run, 12)  # 100 examples in batches of 30: four epochs' reshuffles on the way
    E = explain_step(run)
    assert E["lr"] == pytest.approx(0.05 * 0.5**4)


def test_mini_batches_on_big_data_record_what_the_run_records() -> None:
    # Above 1,000 training examples a mini-batch step records its batch's J (at θₜ), not the full J(θₜ₊₁).
    run = build_run({"problem": {"kind": "network", "layers": [2, 3, 1],
                                 "data": {"name": "xor", "n": 1500, "test_ratio": 0.1}},
                     "optimizer": {"name": "gd", "lr": 0.5, "batch_size": 64}})
    assert not run.problem.cheap_full_eval
    check_steps(run, 3)
    E = explain_step(run)
    assert E["recorded"]["loss"] == E["gradient"]["batch_loss"] != E["loss_next"]


def test_random_search_and_a_race() -> None:
    run = build_run({"racers": [{"name": "random_search"}, {"name": "adam", "lr": 0.1, "batch_size": 8},
                                {"name": "gd", "lr": 0.1}]})
    for _ in range(4):
        preds = [explain_step(run, i) for i in range(3)]
        run.step(1)
        for i, E in enumerate(preds):
            assert E["theta_next"]["values"] == run.theta[i].tolist()
    E = explain_step(run, 0)
    assert "guess" in E and E["lr"] is None and any("random guess" in s for s in E["sentences"])


@pytest.mark.parametrize("spec", [
    {"optimizer": {"name": "gd", "lr": 1.5}},  # above 2/λmax: diverges
    {"optimizer": {"name": "gd", "lr": 0.3}, "stop": {"grad_norm": 1e-3}},
    {"optimizer": {"name": "gd", "lr": 0.3}, "stop": {"grad_norm": None, "delta_loss": 1e-6}},
    {"optimizer": {"name": "adam", "lr": 0.1}, "stop": {"max_steps": 7}},
])
def test_the_stopping_test_it_names_is_the_one_that_fires(spec: dict) -> None:
    run = build_run(spec)
    check_steps(run, 400)
    assert not run.racers[0].active
    E = explain_step(run)
    assert E["active"] is False and "finished" in E["sentences"][0]


def test_too_big_a_learning_rate_is_explained() -> None:
    run = build_run({"optimizer": {"name": "gd", "lr": 1.5}})
    assert any("2/λmax" in s for s in explain_step(run)["sentences"])


def test_networks_show_norms_and_the_first_entries() -> None:
    run = build_run({"problem": {"kind": "network", "layers": [2, 5, 1], "data": {"name": "xor", "n": 50}},
                     "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 8}})
    run.step(2)
    E = explain_step(run)
    assert E["dim"] == 21 and E["shown"] == 6 and len(E["theta_next"]["values"]) == 6
    assert len(E["param_names"]) == 6 and E["param_names"][0] == "W1[0,0]"
    run_theta = run.theta[0].copy()
    run.step(1)
    assert E["theta_next"]["values"] == run.theta[0][:6].tolist()
    assert E["theta_next"]["norm"] == pytest.approx(float(np.linalg.norm(run.theta[0])), rel=1e-12)
    assert E["theta"]["norm"] == pytest.approx(float(np.linalg.norm(run_theta)), rel=1e-12)
    assert len(explain_step(run, full=True)["theta"]["values"]) == 21
    with pytest.raises(SettingsError):
        explain_step(run, 1)
