"""Runs of linear regression: stopping tests, divergence, batches, random search, reproducibility."""

import math

import numpy as np
import pytest

from app.views import records, run_state
from engine.build import build_run
from engine.run import Run
from engine.settings import SettingsError


def make(**kw) -> Run:
    return build_run(kw)


def all_finite(obj) -> bool:
    """True when no float anywhere in a JSON-like object is NaN or infinite."""
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(all_finite(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return all(all_finite(v) for v in obj)
    return True


def test_empty_spec_is_generated_data_gd_lr_0_1() -> None:
    run = make()
    s = run_state(run, False)
    assert s["racers"][0]["optimizer"]["name"] == "gd" and s["racers"][0]["optimizer"]["lr"] == 0.1
    assert s["status"] == "ready" and s["t"] == 0 and s["racers"][0]["params"] == [0.0, 0.0]
    assert s["problem"]["n"] == 100


def test_gd_step_is_theta_minus_lr_grad() -> None:
    run = make(optimizer={"name": "gd", "lr": 0.05}, start=[0.5, -1.0])
    theta, grad = run.theta[0].copy(), run.grad[0].copy()
    run.step(1)
    np.testing.assert_allclose(run.theta[0], theta - 0.05 * grad)
    rec = records(run)[0][-1]
    assert rec["t"] == 1 and rec["lr"] == 0.05 and rec["params"] == pytest.approx(run.theta[0].tolist())


def test_converges_just_below_two_over_lambda_max_and_diverges_just_above() -> None:
    probe = make()
    msl = probe.problem.max_stable_lr()
    below = make(optimizer={"name": "gd", "lr": 0.98 * msl}, stop={"grad_norm": 1e-6, "max_steps": 100_000})
    below.step(100_000)
    assert below.status == "converged"
    np.testing.assert_allclose(below.theta[0], below.problem.minima()[0], atol=1e-5)
    above = make(optimizer={"name": "gd", "lr": 1.02 * msl}, stop={"max_steps": 100_000})
    above.step(100_000)
    s = run_state(above, False)
    assert s["status"] == "diverged"
    assert "is above 2/λmax" in s["message"] and s["racers"][0]["stop_reason"]["test"] == "diverged"
    assert all_finite(s) and all_finite(records(above)[0])


def test_non_finite_divergence_keeps_history_up_to_that_step() -> None:
    run = make(optimizer={"name": "gd", "lr": 1e4}, stop={"max_steps": 10_000})
    run.step(10_000)
    assert run.status == "diverged"
    recs = records(run)[0]
    assert recs[-1]["t"] <= run.t and all_finite(recs) and all_finite(run_state(run, False))


def test_convergence_message_names_the_test_and_step() -> None:
    run = make(stop={"grad_norm": 1e-6, "max_steps": 10_000})
    run.step(10_000)
    s = run_state(run, False)
    assert s["status"] == "converged" and s["racers"][0]["stop_reason"]["test"] == "grad_norm"
    assert s["message"] == f"converged: ‖∇J‖ ≤ 1e-6 at t = {s['t']}"
    assert s["racers"][0]["grad_norm"] <= 1e-6


def test_delta_loss_test_and_max_steps() -> None:
    run = make(stop={"grad_norm": None, "delta_loss": 1e-9, "max_steps": 10_000})
    run.step(10_000)
    s = run_state(run, False)
    assert s["racers"][0]["stop_reason"]["test"] == "delta_loss"
    J = [r["loss"] for r in records(run)[0]]
    assert abs(J[-1] - J[-2]) <= 1e-9 < abs(J[-3] - J[-2])
    run = make(stop={"grad_norm": None, "max_steps": 25})
    assert run.step(100) == 25
    assert run.status == "stopped" and run_state(run, False)["racers"][0]["stop_reason"]["test"] == "max_steps"


def test_raising_max_steps_resumes_a_stopped_run() -> None:
    run = make(stop={"max_steps": 10})
    run.step(50)
    assert run.status == "stopped"
    run.set_stop({"max_steps": 20})
    assert run.status == "paused"
    assert run.step(50) == 10 and run.t == 20


def test_live_lr_change_applies_to_next_step() -> None:
    run = make()
    run.step(3)
    run.set_optimizer({"lr": 0.5})
    run.step(2)
    lrs = [r["lr"] for r in records(run)[0]]
    assert lrs == [None, 0.1, 0.1, 0.1, 0.5, 0.5]


@pytest.mark.parametrize("batch", [1, 10])
def test_per_example_and_mini_batch_runs_approach_the_minimum(batch: int) -> None:
    run = make(optimizer={"name": "gd", "lr": 0.05, "batch_size": batch}, stop={"grad_norm": None, "max_steps": 4000})
    run.step(4000)
    star = run.problem.minima()[0]
    assert np.linalg.norm(run.theta[0] - star) < 0.2
    # The J reported is J over all the data: it is the full loss at θ, not the batch loss.
    assert run.loss[0] == pytest.approx(run.problem.loss(run.theta)[0])


def test_epoch_visits_every_example_once() -> None:
    run = make(optimizer={"name": "gd", "lr": 0.01, "batch_size": 7})
    seen = np.concatenate([run.peek_batch(0, k) for k in range(1, 16)])  # 15 × 7 ≥ 100: first epoch is 100 indices
    assert sorted(seen[:100].tolist()) == list(range(100))


def test_random_search_keeps_the_best_and_records_every_guess() -> None:
    run = make(optimizer={"name": "random_search", "low": [-1, -1], "high": [5, 5]}, seed=3)
    run.step(200)
    recs = records(run)[0]
    guesses = [r for r in recs if "guess" in r]
    assert len(guesses) == 200
    J = [r["loss"] for r in recs]
    assert all(b <= a for a, b in zip(J, J[1:], strict=False))  # best so far never gets worse
    best = min([recs[0]["loss"]] + [g["guess_loss"] for g in guesses])
    assert J[-1] == best
    g = np.array([r["guess"] for r in guesses])
    assert (g >= -1).all() and (g <= 5).all()
    assert run_state(run, False)["racers"][0]["loss"] == best


def test_random_search_box_does_not_know_the_minimum() -> None:
    """The default box is around θ⁽⁰⁾, the same whatever the data (and so wherever θ* lies)."""
    boxes = []
    for slope, intercept in [(3, 2), (-7, 9)]:
        run = build_run({"optimizer": {"name": "random_search"}, "problem": {"kind": "linear_regression", "data": {
            "n": 50, "slope": slope, "intercept": intercept, "noise": 0.1, "x_min": 0, "x_max": 1, "seed": 0}},
            "start": [1.0, -1.0]})
        spec = run.racers[0].spec
        boxes.append((spec["low"], spec["high"]))
    assert boxes[0] == boxes[1] == ([-3.0, -5.0], [5.0, 3.0])
    assert boxes[1][1][0] < 9  # the second run's θ* = (9, −7) lies outside its box: the box is not built around it


@pytest.mark.parametrize("opt", [{"name": "gd", "lr": 0.1}, {"name": "gd", "lr": 0.05, "batch_size": 3},
                                 {"name": "random_search"}])
def test_same_configuration_and_seed_give_the_same_history_bit_for_bit(opt: dict) -> None:
    spec = {"optimizer": opt, "seed": 11, "stop": {"grad_norm": None, "max_steps": 500}}
    a, b = build_run(spec), build_run(spec)
    a.step(500)
    b.step(250)
    b.step(250)
    assert records(a)[0] == records(b)[0]
    c = build_run({**spec, "seed": 12})
    c.step(500)
    if opt.get("batch_size") or opt["name"] == "random_search":
        assert records(c)[0] != records(a)[0]


def test_reset_from_clicked_point_and_back_to_start() -> None:
    run = make()
    run.step(10)
    run.reset([4.0, -2.0])
    assert run.t == 0 and run_state(run, False)["racers"][0]["params"] == [4.0, -2.0] and run.status == "ready"
    assert len(records(run)[0]) == 1
    with pytest.raises(SettingsError, match="params"):
        run.reset([1.0])
    with pytest.raises(SettingsError, match="params"):
        run.reset([float("nan"), 1.0])


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"optimizer": {"name": "gd", "lr": -1}}, "optimizer.lr"),
        ({"optimizer": {"name": "gd", "lr": float("nan")}}, "optimizer.lr"),
        ({"optimizer": {"name": "nope"}}, "optimizer.name"),
        ({"optimizer": {"name": "gd", "batch_size": 0}}, "optimizer.batch_size"),
        ({"optimizer": {"name": "gd", "bogus": 1}}, "optimizer.bogus"),
        ({"stop": {"grad_norm": -1}}, "stop.grad_norm"),
        ({"problem": {"kind": "linear_regression", "data": {"points": [[1, 1], [1, 2]]}}}, "problem.data"),
        ({"start": [1, 2, 3]}, "start"),
    ],
)
def test_bad_settings_name_the_field(spec: dict, field: str) -> None:
    with pytest.raises(SettingsError) as info:
        build_run(spec)
    assert info.value.field == field


def test_grad_norm_is_reported_at_the_current_parameters_on_big_mini_batched_networks() -> None:
    # Above 1,000 training examples a mini-batch step does not evaluate the full J: J and ∇J are mini-batch
    # figures, but ∇J is taken at θₜ (on the batch the next update uses), never left over from an earlier θ.
    run = build_run({"problem": {"kind": "network", "layers": [2, 4, 1], "data": {"name": "xor", "n": 3000}},
                     "optimizer": {"name": "gd", "lr": 0.5, "batch_size": 32}, "stop": {"grad_norm": None}})
    assert not run.problem.cheap_full_eval
    norms = []
    for _ in range(5):
        run.step(1)
        batch = run.peek_batch(0)
        _, g = run.problem.loss_grad(run.theta[:1], batch)
        assert np.array_equal(run.grad[0], g[0])
        norms.append(run.racers[0].history.grad_norm[run.racers[0].history.n - 1])
        assert norms[-1] == pytest.approx(float(np.linalg.norm(g[0])), rel=1e-12)
    assert len(set(norms)) == 5  # a new θ each step, so a new gradient each step


@pytest.mark.parametrize("kernels_on", [True, False])
@pytest.mark.parametrize("racers", [
    [{"name": "gd", "lr": 0.05, "batch_size": 16}],
    [{"name": "gd", "lr": 0.05, "momentum": 0.5, "batch_size": 1}],
    [{"name": "gd", "lr": 0.05, "batch_size": 8}, {"name": "adam", "lr": 0.01, "batch_size": 8}],
])
def test_grad_norm_is_the_full_gradient_at_the_current_parameters_on_mini_batched_networks(
        monkeypatch: pytest.MonkeyPatch, kernels_on: bool, racers: list[dict]) -> None:
    # Up to 1,000 training examples the run evaluates the full J after each mini-batch step: the ‖∇J‖ it reports
    # (in the state and in the step record) is that of the whole training set at θₜ, not the batch's nor θₜ₋₁'s.
    from engine import kernels
    from engine.build import build_problem

    monkeypatch.setattr(kernels, "ENABLED", kernels_on)
    problem = {"kind": "network", "layers": [2, 5, 1], "data": {"name": "xor", "n": 200, "seed": 2}, "seed": 1}
    run = build_run({"problem": problem, "racers": racers, "stop": {"grad_norm": None}})
    assert run.problem.cheap_full_eval
    fresh = build_problem(problem)  # computed independently of the run's buffers
    for _ in range(4):
        run.step(3)
        J, G = fresh.loss_grad(run.theta)
        norms = np.linalg.norm(G, axis=1)
        state = run_state(run, False)["racers"]
        for i, r in enumerate(run.racers):
            assert r.history.grad_norm[r.history.n - 1] == pytest.approx(norms[i], rel=1e-9)
            assert state[i]["grad_norm"] == pytest.approx(norms[i], rel=1e-9)
            assert state[i]["loss"] == pytest.approx(J[i], rel=1e-9)
