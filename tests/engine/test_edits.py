"""A weight edited by hand is in θ at once, the next step starts from it, and replays and forks reproduce it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.build import build_run, replay, run_config
from engine.edits import WEIGHT_MAX, set_weight, weight_index
from engine.fork import fork
from engine.settings import SettingsError

NETWORK = {"kind": "network", "layers": [2, 3, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
           "data": {"name": "xor", "n": 120, "noise": 0.1, "test_ratio": 0.25, "seed": 2}}
ENDLESS = {"grad_norm": None, "delta_loss": None, "max_steps": None}


def network_run(**optimizer):
    return build_run({"problem": NETWORK, "optimizer": {"name": "gd", "lr": 0.3, **optimizer}, "stop": ENDLESS,
                      "seed": 4})


def test_the_edited_weight_and_bias_are_in_theta_and_in_the_layers() -> None:
    run = network_run()
    run.step(20)
    set_weight(run, 0, 1, 2, 0.75)  # W1[1, 2]: from x2 to the third hidden unit
    set_weight(run, 1, None, 0, -1.5)  # b2[0]: the output's bias
    layers = run.problem.layers(run.theta[0])
    assert layers[0]["W"][1][2] == 0.75
    assert layers[1]["b"][0] == -1.5
    names = run.problem.mlp.param_names()
    assert names[weight_index(run, 0, 1, 2)] == "W1[1,2]"
    assert names[weight_index(run, 1, None, 0)] == "b2[0]"
    assert run.events[-2:] == [
        {"clock": 20, "type": "weight", "racer": 0, "layer": 0, "i": 1, "j": 2, "value": 0.75},
        {"clock": 20, "type": "weight", "racer": 0, "layer": 1, "i": None, "j": 0, "value": -1.5}]


def test_loss_and_gradient_follow_the_edit_and_the_next_step_starts_from_it() -> None:
    run = network_run()
    run.step(5)
    set_weight(run, 0, 0, 0, 3.0)
    loss, grad = run.problem.loss_grad(run.theta[:1].copy())
    assert run.loss[0] == loss[0] and np.array_equal(run.grad[0], grad[0])
    theta = run.theta[0].copy()
    run.step(1)
    assert np.array_equal(run.theta[0], theta - 0.3 * grad[0])  # plain GD from the edited weights


@pytest.mark.parametrize("n", [120, 3000])  # small data, and data big enough to step on batches computed ahead
def test_on_mini_batches_the_next_step_uses_the_batch_gradient_at_the_edited_weights(n: int) -> None:
    problem = {**NETWORK, "data": {**NETWORK["data"], "n": n}}
    run = build_run({"problem": problem, "optimizer": {"name": "gd", "lr": 0.3, "batch_size": 8},
                     "stop": ENDLESS, "seed": 4})
    run.step(7)
    set_weight(run, 0, 1, 1, -0.8)
    theta = run.theta[0].copy()
    batch = run.peek_batch(0)
    _, grad = run.problem.loss_grad(theta[None].copy(), batch)
    run.step(1)
    assert np.allclose(run.theta[0], theta - 0.3 * grad[0], rtol=0, atol=1e-12)


def test_replay_and_fork_reproduce_an_edited_run_bit_for_bit() -> None:
    run = network_run(momentum=0.9)
    run.step(30)
    set_weight(run, 0, 1, 0, -2.0)
    run.step(15)
    set_weight(run, 1, None, 0, 0.25)
    twin = fork(run)
    run.step(40)
    twin.step(40)
    again = replay(run_config(run), run.events, run.clock)
    for other in (twin, again):
        assert np.array_equal(other.theta, run.theta)
        assert np.array_equal(other.racers[0].history.column("loss"), run.racers[0].history.column("loss"))
    assert again.events == run.events


@pytest.mark.parametrize(("args", "field"), [
    ((2, 0, 0, 1.0), "layer"), ((-1, 0, 0, 1.0), "layer"), ((0, 2, 0, 1.0), "i"), ((0, 0, 3, 1.0), "j"),
    ((1, None, 1, 1.0), "j"), ((0, 0, 0, math.nan), "value"), ((0, 0, 0, math.inf), "value"),
    ((0, 0, 0, 2 * WEIGHT_MAX), "value"),
])
def test_bad_edits_name_their_field_and_change_nothing(args, field) -> None:
    run = network_run()
    before = run.theta.copy()
    with pytest.raises(SettingsError) as err:
        set_weight(run, *args)
    assert err.value.field == field
    assert np.array_equal(run.theta, before) and run.events == []


def test_a_problem_without_layers_refuses_and_a_missing_racer_is_named() -> None:
    line = build_run({})
    with pytest.raises(SettingsError) as err:
        set_weight(line, 0, 0, 0, 1.0)
    assert err.value.field == "layer"
    with pytest.raises(SettingsError) as err:
        set_weight(network_run(), 0, 0, 0, 1.0, racer=1)
    assert err.value.field == "racer"


def test_a_converged_racer_goes_on_after_an_edit_moves_it_off_the_minimum() -> None:
    g0 = float(np.linalg.norm(network_run().grad[0]))
    run = build_run({"problem": NETWORK, "optimizer": {"name": "gd", "lr": 0.3}, "seed": 4,
                     "stop": {"grad_norm": 1.5 * g0, "delta_loss": None, "max_steps": None}})
    assert run.status == "converged"
    set_weight(run, 1, None, 0, 50.0)  # the output saturates: P ≈ 1 for every example, a steep gradient
    assert np.linalg.norm(run.grad[0]) > 1.5 * g0
    assert run.status == "ready" and run.step(3) == 3
