"""Races on test surfaces: known minima reached, divergence per racer, racers retuned, added and removed mid-run."""

import json

import numpy as np
import pytest

from app.views import message, records, run_state
from engine.build import build_run
from engine.run import Run
from engine.settings import SettingsError
from engine.surfaces import SURFACES

NO_STOP = {"grad_norm": None, "delta_loss": None, "max_steps": None}


def make(name: str, racers: list[dict], start: list[float] | None = None, stop: dict | None = None,
         seed: int = 0, **settings: float) -> Run:
    spec: dict = {"problem": {"kind": "surface", "name": name, **settings}, "racers": racers, "seed": seed}
    if start is not None:
        spec["start"] = start
    if stop is not None:
        spec["stop"] = stop
    return build_run(spec)


def path(run: Run, i: int) -> np.ndarray:
    """Racer i's θ at every step, (t + 1, 2)."""
    return run.racers[i].history.column("params")


def test_rosenbrock_from_the_standard_start_with_momentum_and_with_adam() -> None:
    run = make("rosenbrock", [{"name": "gd", "lr": 0.002, "momentum": 0.9}, {"name": "adam", "lr": 0.1}],
               stop={"max_steps": 3000})
    np.testing.assert_array_equal(run.start, [-1.2, 1.0])
    run.step(3000)
    for r, theta in zip(run.racers, run.theta, strict=True):
        assert r.status == "converged" and r.t <= 2000, (r.spec["name"], r.t)
        assert np.abs(theta - 1.0).max() < 1e-3
    assert run.status == "converged"


def test_himmelblaus_four_minima_from_four_starts() -> None:
    reached = []
    for start in ([4, 4], [-4, 4], [-4, -4], [4, -4]):
        run = make("himmelblau", [{"name": "gd", "lr": 0.01}, {"name": "adam", "lr": 0.1}], start=start)
        run.step(2000)
        assert all(r.status == "converged" for r in run.racers)
        np.testing.assert_allclose(run.theta[0], run.theta[1], atol=1e-5)  # both find the same one
        reached.append(run.theta[0])
    for m in run.problem.minima():
        assert min(np.abs(m - p).max() for p in reached) < 1e-5
    assert len({tuple(np.round(p, 3)) for p in reached}) == 4


def test_booth_and_the_quadratic_by_plain_gd() -> None:
    run = make("booth", [{"name": "gd", "lr": 0.1}])
    run.step(1000)
    assert run.racers[0].status == "converged"
    np.testing.assert_allclose(run.theta[0], [1.0, 3.0], atol=1e-6)
    # The quadratic at its best fixed step 2/(λmin + λmax) shrinks the error by (κ−1)/(κ+1) per step.
    run = make("quadratic", [{"name": "gd", "lr": 1.0}], condition=10.0, rotation=30.0)
    info = run.problem.info()
    run.set_optimizer({"lr": info["best_lr"]})
    run.step(1000)
    r = run.racers[0]
    assert r.status == "converged" and np.abs(run.theta[0]).max() < 1e-6
    bound = np.log(1e-6 / np.linalg.norm(run.racers[0].history.column("grad_norm")[0])) / np.log(info["best_rate"])
    assert r.t <= bound + 2


def test_divergence_is_detected_and_reported_per_racer() -> None:
    racers = [{"name": "gd", "lr": 0.1}, {"name": "gd", "lr": 0.25}, {"name": "adam", "lr": 0.1},
              {"name": "gd", "lr": 0.19}]
    run = make("quadratic", racers, stop={"max_steps": 3000})  # κ = 10: 2/λmax = 0.2
    run.step(3000)
    bad = run.racers[1]
    assert bad.status == "diverged"
    assert "learning rate 0.25 is above 2/λmax = 0.2" in bad.stop_reason["message"]
    assert bad.t < 100 and bad.history.n == bad.t + 1  # it stopped; its history ends where it diverged
    for i in (0, 2, 3):
        r = run.racers[i]
        assert r.status == "converged" and r.t > bad.t, r.spec
    alone = make("quadratic", [racers[0]], stop={"max_steps": 3000})
    alone.step(3000)
    np.testing.assert_array_equal(path(run, 0), path(alone, 0))  # the others never noticed
    state = json.loads(json.dumps(run_state(run, False), allow_nan=False))
    assert [r["status"] for r in state["racers"]] == ["converged", "diverged", "converged", "converged"]
    assert state["racers"][1]["stop_reason"]["test"] == "diverged"
    assert message(run, False) == "stopped: 4 of 4 racers finished"


def test_a_racer_blowing_up_on_rosenbrock_while_the_others_go_on() -> None:
    run = make("rosenbrock", [{"name": "adam", "lr": 0.1}, {"name": "gd", "lr": 0.01}], stop={"max_steps": 500})
    run.step(500)
    assert run.racers[1].status == "diverged" and run.racers[1].t < 20
    assert run.racers[0].t == 500 and run.racers[0].status == "stopped"
    assert np.isfinite(run.theta).all() and np.isfinite(run.racers[1].history.column("loss")).all()


def test_a_racer_retuned_mid_run_uses_the_new_lr_from_the_next_step() -> None:
    run = make("quadratic", [{"name": "gd", "lr": 0.05}, {"name": "gd", "lr": 0.05, "momentum": 0.5}],
               stop=NO_STOP)
    run.step(3)
    _, cursor = records(run)
    theta1 = run.theta[1].copy()
    run.set_optimizer({"lr": 0.1}, racer=1)
    run.step(1)
    new, _ = records(run, cursor)
    assert {r["racer"]: r["lr"] for r in new} == {0: 0.05, 1: 0.1}
    second = run_state(run, False)["racers"][1]
    assert second["optimizer"]["lr"] == 0.1 and second["lr"] == 0.1
    with pytest.raises(SettingsError) as exc:
        run.set_optimizer({"lr": -1.0}, racer=1)
    assert exc.value.field == "racers.1.lr"
    assert run.racers[1].spec["lr"] == 0.1 and not np.array_equal(run.theta[1], theta1)


def test_racers_added_and_removed_mid_run() -> None:
    racers = [{"name": "gd", "lr": 0.001, "momentum": 0.9}, {"name": "rmsprop", "lr": 0.01},
              {"name": "adagrad", "lr": 0.5}]
    run = make("rosenbrock", racers, stop=NO_STOP)
    run.step(50)
    i = run.add_racer({"name": "adam", "lr": 0.05, "label": "late adam"})
    assert i == 3 and run.racers[3].t == 0 and run.racers[3].spec["label"] == "late adam"
    np.testing.assert_array_equal(run.theta[3], run.start)
    run.step(30)
    run.remove_racer(1)
    run.step(20)
    assert [r.t for r in run.racers] == [100, 100, 50]
    for j, (spec, n) in enumerate([(racers[0], 100), (racers[2], 100), ({"name": "adam", "lr": 0.05}, 50)]):
        alone = make("rosenbrock", [spec], stop=NO_STOP)
        alone.step(n)
        np.testing.assert_allclose(path(run, j), path(alone, 0), rtol=1e-14, atol=1e-15, err_msg=str(spec))
    with pytest.raises(SettingsError):
        make("rosenbrock", [racers[0]]).remove_racer(0)  # a run keeps at least one racer


def test_random_search_races_gradient_methods() -> None:
    run = make("rastrigin", [{"name": "random_search"}, {"name": "gd", "lr": 0.002}], seed=5, stop=NO_STOP)
    run.step(400)
    recs = records(run)[0]
    rs = [r for r in recs if r["racer"] == 0]
    J = [r["loss"] for r in rs]
    assert all(b <= a for a, b in zip(J, J[1:], strict=False))  # the best so far never gets worse
    guesses = np.array([r["guess"] for r in rs[1:]])
    low, high = run.racers[0].spec["low"], run.racers[0].spec["high"]
    assert len(guesses) == 400 and (guesses >= low).all() and (guesses <= high).all()
    assert not any("guess" in r for r in recs if r["racer"] == 1)
    assert J[-1] < run.loss[1]  # on Rastrigin, guessing beats gd trapped in its first ripple
    again = make("rastrigin", [{"name": "random_search"}, {"name": "gd", "lr": 0.002}], seed=5, stop=NO_STOP)
    again.step(400)
    assert records(again)[0] == recs
    run.set_optimizer({"name": "random_search"}, racer=1)  # a gradient racer can turn into a guesser
    run.step(10)
    assert run.racers[1].spec["low"] == low and "guess" in records(run)[0][-1]


@pytest.mark.parametrize("name", list(SURFACES))
def test_a_mixed_race_runs_on_every_surface(name: str) -> None:
    racers = [{"name": "gd", "lr": 1e-4, "momentum": 0.9}, {"name": "adam", "lr": 0.01},
              {"name": "rmsprop", "lr": 0.01, "centered": True}, {"name": "random_search"}]
    run = make(name, racers, stop={"max_steps": 300})
    run.step(300)
    state = json.loads(json.dumps(run_state(run, False), allow_nan=False))
    assert state["problem"]["name"] == name and len(state["racers"]) == 4
    assert all(r["t"] > 0 for r in state["racers"])
    assert state["racers"][0]["opt_state"]["momentum_buffer"]
