"""Lessons: every preset builds and steps, and the numbers in the captions are the data's and networks'."""

import json
import re

import pytest

from app.views import run_state
from engine.build import build_run
from engine.lessons import LESSONS, LR_BIG, LR_OK, LR_SMALL, MAX_LR, describe, lesson
from engine.network import NetworkProblem
from engine.settings import SettingsError

PANELS = {"regression", "landscape", "race", "network", "loss_compare", "backprop"}
# The lecture's order: guessing, gradients, descent and its convergence tests, per-example updates, then learning rates.
ORDER = ["random-guessing", "gradient-arrows", "gradient-descent", "stopping-tests", "per-example", "lr-too-small",
         "lr-too-big", "perceptron", "mlp", "quadratic-vs-cross-entropy", "backpropagation", "softmax"]


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_every_lesson_builds_and_steps(lesson_id: str) -> None:
    les = LESSONS[lesson_id]
    assert les.id == lesson_id and les.title
    assert 1 <= len(re.findall(r"[.!?](\s|$)", les.caption)) <= 3  # one to three sentences
    assert les.view["panel"] in PANELS
    run = build_run(les.json()["spec"])
    assert run.step(5) > 0
    json.dumps(run_state(run, False), allow_nan=False)


def test_the_walk_follows_the_lecture_and_is_json() -> None:
    assert list(LESSONS) == ORDER
    out = describe()
    json.dumps(out, allow_nan=False)
    assert [d["id"] for d in out] == ORDER
    d = lesson("perceptron").json()
    d["spec"]["optimizer"]["lr"] = 99.0  # a teacher editing a preset edits a copy
    assert LESSONS["perceptron"].spec["optimizer"]["lr"] != 99.0
    with pytest.raises(SettingsError):
        lesson("nope")


def test_learning_rates_come_from_two_over_lambda_max() -> None:
    run = build_run(LESSONS["lr-too-small"].spec)
    assert run.problem.max_stable_lr() == pytest.approx(MAX_LR)
    assert LR_SMALL < 0.05 * MAX_LR and LR_OK < MAX_LR < LR_BIG
    race = build_run(LESSONS["lr-too-big"].spec)
    race.step(200)
    assert [r.status for r in race.racers] == ["converged", "diverged"]
    assert f"{MAX_LR:.3g}" in LESSONS["lr-too-big"].caption


def test_the_multilayer_lesson_counts_its_own_network() -> None:
    les = LESSONS["mlp"]
    p = build_run(les.spec).problem
    assert isinstance(p, NetworkProblem)
    c = p.mlp.counts()
    assert c["params"] == p.dim
    for phrase in (f"= {c['neurons']} neurons", f"= {c['weights']} weights", f"= {c['params']} learnable parameters"):
        assert phrase in les.caption


def test_the_multilayer_lesson_is_the_slides_3_4_2_network_and_trains() -> None:
    les = LESSONS["mlp"]
    run = build_run(les.spec)
    p = run.problem
    assert isinstance(p, NetworkProblem) and p.mlp.sizes == [3, 4, 2] and p.data.inputs == 3
    assert p.mlp.counts() == {"neurons": 6, "weights": 20, "biases": 6, "params": 26}
    assert les.view["counting"] == {"neurons": "4 + 2 = 6", "weights": "(3 × 4) + (4 × 2) = 20",
                                    "params": "20 + 4 + 2 = 26"}
    assert "(3 × 4) + (4 × 2) = 20" in les.caption and "20 + 4 + 2 = 26" in les.caption
    run.step(600)
    assert p.metrics(run.theta[0])["train_accuracy"] > 0.9  # type: ignore[operator]


def test_the_backprop_lesson_is_the_lectures_two_layer_sigmoid_network() -> None:
    p = build_run(LESSONS["backpropagation"].spec).problem
    assert isinstance(p, NetworkProblem)
    assert len(p.mlp.sizes) == 3 and p.mlp.activations == ["sigmoid"]
    assert p.head.name == "sigmoid" and p.loss_fn.name == "bce"
