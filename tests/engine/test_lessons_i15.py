"""Issue 15's lessons in the engine: the lecture's order, the stopping-tests lesson (each test ends one racer), the
examples each racer has used (from the batch sizes actually drawn, also after k changes mid-run and on the compiled
path), the lecture's symbols in captions, formulas and the step-by-step update, and no ε test for random guessing."""

from __future__ import annotations

import numpy as np
import pytest

from app.views import records, run_state
from engine import kernels
from engine.build import build_run
from engine.explain import explain_step, update_formula
from engine.lessons import LESSONS, LR_FAST, LR_SMALL, STOP_DELTA, STOP_EPS, STOPS
from engine.losses import LOSSES
from engine.network_build import describe as network_tables
from engine.stopping import check_stop

LINE = {"kind": "linear_regression"}
NET = {"kind": "network", "layers": [2, 3, 1], "head": "sigmoid", "loss": "bce",
       "data": {"name": "xor", "n": 100, "seed": 0}}


def test_per_example_updates_come_before_learning_rates_as_in_the_lecture() -> None:
    ids = list(LESSONS)
    assert ids.index("gradient-descent") < ids.index("stopping-tests") < ids.index("per-example")
    assert ids.index("per-example") < ids.index("lr-too-small") < ids.index("lr-too-big") < ids.index("perceptron")


def test_the_stopping_lesson_ends_one_racer_by_each_test() -> None:
    les = LESSONS["stopping-tests"]
    run = build_run(les.spec)
    assert run.stop["grad_norm"] == STOP_EPS and run.stop["delta_loss"] == STOP_DELTA
    assert [r.spec["lr"] for r in run.racers] == [LR_FAST, LR_SMALL]
    run.step(run.stop["max_steps"])
    fast, slow = (r.stop_reason for r in run.racers)
    assert fast is not None and slow is not None
    assert fast["test"] == "grad_norm" and slow["test"] == "delta_loss"
    assert [fast["t"], slow["t"]] == [s["t"] for s in STOPS]
    # The decrease test fired far from the minimum: the gradient is still several times ε, J above J*.
    assert np.linalg.norm(run.grad[1]) > 3 * STOP_EPS and run.loss[1] > run.loss[0] > run.problem.J_star  # type: ignore[attr-defined]
    assert f"t = {fast['t']}" in les.caption and f"t = {slow['t']}" in les.caption
    assert les.view["marks"] is True


@pytest.mark.parametrize("kernel", [True, False])
def test_examples_count_the_batches_drawn_even_when_k_changes(kernel: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "ENABLED", kernel and kernels.ENABLED)
    run = build_run({"problem": NET, "optimizer": {"name": "gd", "lr": 0.5, "batch_size": 30}})
    n = run.problem.n_train
    assert n == 80
    run.step(4)  # 30, 30, 20 (the epoch's last batch is short), 30
    assert run.racers[0].history.column("examples").tolist() == [0, 30, 60, 80, 110]
    run.set_optimizer({"batch_size": 7})  # mid-epoch: the rest of this epoch in 7s (50 left: 7 × 7, then 1)
    run.step(8)
    ex = run.racers[0].history.column("examples").tolist()
    assert np.diff(ex[4:]).tolist() == [7] * 7 + [1]
    run.set_optimizer({"batch_size": None})
    run.step(2)
    state = run_state(run, False)["racers"][0]
    assert state["examples"] == ex[-1] + 2 * n == run.racers[0].history.column("examples")[-1]
    recs = records(run)[0]
    assert [r["examples"] for r in recs] == run.racers[0].history.column("examples").tolist()


def test_examples_of_a_race_and_of_a_surface() -> None:
    race = build_run({"problem": LINE, "racers": [{"name": "gd", "batch_size": 1}, {"name": "gd"},
                                                 {"name": "random_search"}]})
    race.step(5)
    assert [r["examples"] for r in run_state(race, False)["racers"]] == [5, 500, 500]  # a guess's J uses all N = 100
    race.reset()
    assert [r["examples"] for r in run_state(race, False)["racers"]] == [0, 0, 0]
    surface = build_run({"problem": {"kind": "surface", "name": "rosenbrock"}, "optimizer": {"lr": 1e-3}})
    surface.step(3)
    assert run_state(surface, False)["racers"][0]["examples"] is None
    assert all("examples" not in r for r in records(surface)[0])


def test_random_guessing_has_no_convergence_test() -> None:
    stop = {"grad_norm": 1e9, "delta_loss": 1e9, "max_steps": None}
    assert check_stop(stop, 3, 1.0, 1.0, 0.5, uses_gradient=False) is None
    assert check_stop(stop, 3, 1.0, 1.0, 0.5, uses_gradient=True)["test"] == "grad_norm"  # type: ignore[index]
    run = build_run({"problem": LINE, "optimizer": {"name": "random_search"}, "stop": {"grad_norm": 1e9}})
    run.step(5)
    assert run.racers[0].status == "paused" and run.racers[0].t == 5
    words = " ".join(explain_step(run)["sentences"])
    assert "ε" not in words
    les = LESSONS["random-guessing"]
    assert les.view["arrows"] is False and les.view["step_arrows"] is False
    assert "no gradient" in les.caption and "ε test" in les.caption


def test_the_step_by_step_view_shows_each_optimisers_own_update() -> None:
    assert update_formula({"name": "gd"}) == "θ ← θ − γ∇J(θ)"  # the lecture's line 4 of Algorithm 1
    run = build_run({"problem": LINE, "optimizer": {"name": "gd", "lr": 0.1}})
    out = explain_step(run)
    assert out["formula"] == "θ ← θ − γ∇J(θ)" and "μ" in out["formula_general"]
    assert update_formula({"name": "gd", "batch_size": 1}).startswith("θ ← θ − γ∇J_i(θ)")
    mom = update_formula({"name": "gd", "momentum": 0.9})
    assert "μ·b" in mom and "τ" not in mom and "Nesterov" not in mom
    assert "(∇J(θ) + μ·b)" in update_formula({"name": "gd", "momentum": 0.9, "nesterov": True})
    assert "λθ" in update_formula({"name": "gd", "weight_decay": 0.1})
    adam = update_formula({"name": "adam"})
    assert "m̂" in adam and "AMSGrad" not in adam and "λθ" not in adam
    assert "v_max" in update_formula({"name": "adam", "amsgrad": True})
    assert "m̂" not in update_formula({"name": "adam", "bias_correction": False})


def test_captions_and_formulas_use_the_lectures_symbols() -> None:
    cap = LESSONS["perceptron"].caption
    assert "y = σ(b)" in cap and "β_0" in cap and "y⁽ⁱ⁾" in cap and "wᵀx + b" not in cap
    for name, loss in LOSSES.items():
        assert "t_k" not in loss.formula and " t " not in loss.formula and "(t " not in loss.formula, name
    assert "y⁽ⁱ⁾" in LOSSES["bce"].formula
    tables = network_tables()
    assert tables["heads"]["sigmoid"]["formula"] == "y = σ(b)"
    assert tables["activations"]["sigmoid"]["formula"].startswith("σ(a)")  # z_j = σ(a_j), as the lecture's table
    mlp = LESSONS["mlp"].caption
    assert "(3 × 4) + (4 × 2) = 20" in mlp and "20 + 4 + 2 = 26" in mlp  # the slide's 20 weights, 26 parameters
