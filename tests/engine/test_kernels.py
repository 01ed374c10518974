"""The compiled fast path (engine/kernels.py via engine/fastpath.py) against the NumPy reference, to 1e-12."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from engine import fastpath, kernels
from engine.build import build_run
from engine.run import Run

pytestmark = pytest.mark.skipif(kernels.kernel() is None, reason="Numba is not installed")

TOL = 1e-12
XOR = {"name": "xor", "n": 120, "noise": 0.1, "test_ratio": 0.25, "seed": 1}


def net(layers: list[int], activation: Any = "tanh", head: str = "sigmoid", loss: str = "bce",
        data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"kind": "network", "layers": layers, "activation": activation, "head": head, "loss": loss,
            "data": data or XOR, "seed": 3}


SPIRAL = {"name": "spiral", "n": 150, "classes": 3, "noise": 0.1, "seed": 2}
SINE = {"name": "sine", "n": 80, "noise": 0.1, "seed": 0}
# (problem, optimiser): every activation, head/loss pairing, optimiser and its switches, batch size and a schedule.
# The two paths round differently (a few ulp a step); some set-ups amplify that exponentially, whichever path is
# "right": centred RMSProp on full batches (v − ḡ² cancels) and Adam without bias correction through dead ReLUs
# (near-zero gradients divided by √v). Those are left out: the point here is the kernel's maths, not chaos.
CASES = [
    (net([2, 8, 8, 1]), {"name": "gd", "lr": 0.05, "batch_size": 1}),
    (net([2, 6, 1], "sigmoid"), {"name": "gd", "lr": 0.3, "momentum": 0.9, "nesterov": True, "batch_size": 7}),
    (net([2, 5, 4, 1], ["relu", "identity"]), {"name": "gd", "lr": 0.05, "momentum": 0.5, "dampening": 0.2,
                                               "weight_decay": 1e-3}),
    (net([2, 6, 3], "tanh", "softmax", "ce", SPIRAL), {"name": "adam", "lr": 0.01, "batch_size": 16}),
    (net([2, 6, 3], "sigmoid", "softmax", "quadratic", SPIRAL), {"name": "adam", "lr": 0.01, "amsgrad": True,
                                                              "bias_correction": False, "weight_decay": 0.01}),
    (net([2, 4, 1], "tanh", "sigmoid", "quadratic"), {"name": "adamw", "lr": 0.02, "batch_size": 1,
                                                      "schedule": {"name": "cosine", "t_max": 200}}),
    (net([1, 8, 1], "tanh", "identity", "quadratic", SINE), {"name": "rmsprop", "lr": 0.01, "centered": True,
                                                              "momentum": 0.5, "weight_decay": 1e-4, "batch_size": 4}),
    (net([1, 8, 1], "sigmoid", "identity", "quadratic", SINE), {"name": "rmsprop", "lr": 0.005, "batch_size": 5}),
    (net([2, 8, 1], "relu"), {"name": "adagrad", "lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1,
                              "batch_size": 3}),
    (net([2, 3, 3, 3, 1], "tanh"), {"name": "gd", "lr": 0.5, "weight_decay": 1e-2,
                                    "schedule": {"name": "step", "step_size": 50, "gamma": 0.5}}),
]
NO_STOP = {"grad_norm": None, "delta_loss": None, "max_steps": None}


def pair(spec: dict[str, Any]) -> tuple[Run, Run]:
    """The same run built twice: stepped by the kernel, and by the reference."""
    return build_run(copy.deepcopy(spec)), build_run(copy.deepcopy(spec))


def step_both(fast: Run, ref: Run, n: int) -> None:
    fast.step(n)
    kernels.ENABLED = False
    try:
        ref.step(n)
    finally:
        kernels.ENABLED = True


def assert_same(fast: Run, ref: Run) -> None:
    """Histories (examples seen exactly), weights, gradients, optimiser state, statuses, trajectories agree to TOL."""
    for a, b in zip(fast.racers, ref.racers, strict=True):
        assert (a.t, a.examples, a.status, a.stop_reason, a.pos) == (b.t, b.examples, b.status, b.stop_reason, b.pos)
        ha, hb = a.history, b.history
        assert ha.n == hb.n
        assert np.array_equal(ha.column("t"), hb.column("t"))
        assert np.array_equal(ha.column("examples"), hb.column("examples"))  # the batches drawn, counted alike
        for col in ("loss", "grad_norm", "lr"):
            np.testing.assert_allclose(ha.column(col), hb.column(col), rtol=TOL, atol=TOL, err_msg=col)
        if ha.keep_params:
            np.testing.assert_allclose(ha.column("params"), hb.column("params"), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(fast.theta, ref.theta, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(fast.grad, ref.grad, rtol=TOL, atol=TOL)
    for sa, sb in zip(fast.racer_states(), ref.racer_states(), strict=True):
        assert sa.keys() == sb.keys()
        for key in sa:
            np.testing.assert_allclose(sa[key], sb[key], rtol=TOL, atol=TOL, err_msg=key)
    assert [t for t, _ in fast.trajectory] == [t for t, _ in ref.trajectory]
    for (_, x), (_, y) in zip(fast.trajectory, ref.trajectory, strict=True):
        np.testing.assert_allclose(x, y, rtol=TOL, atol=TOL)
    assert fast.clock == ref.clock


@pytest.mark.parametrize(("problem", "optimizer"), CASES, ids=[f"{c[1]['name']}-{i}" for i, c in enumerate(CASES)])
def test_fast_path_matches_the_reference(problem: dict[str, Any], optimizer: dict[str, Any]) -> None:
    fast, ref = pair({"problem": problem, "optimizer": optimizer, "stop": NO_STOP})
    assert fastpath.stepper(fast) is not None  # the kernel really takes these steps
    step_both(fast, ref, 500)
    assert_same(fast, ref)


def test_chunking_does_not_change_a_single_bit() -> None:
    spec = {"problem": net([2, 8, 8, 1]), "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 1},
            "stop": NO_STOP}
    one, many = pair(spec)
    one.step(1000)
    for n in (1, 2, 3, 500, 7, 487):
        many.step(n)
    assert np.array_equal(one.theta, many.theta)
    assert np.array_equal(one.racers[0].history.column("loss"), many.racers[0].history.column("loss"))


@pytest.mark.parametrize("stop", [{"grad_norm": 0.05}, {"grad_norm": None, "delta_loss": 1e-4},
                                  {"grad_norm": None, "max_steps": 137}])
def test_stopping_tests_fire_at_the_same_step(stop: dict[str, Any]) -> None:
    fast, ref = pair({"problem": net([2, 6, 1]), "optimizer": {"name": "gd", "lr": 0.5}, "stop": stop})
    step_both(fast, ref, 3000)
    assert fast.racers[0].stop_reason is not None
    assert_same(fast, ref)


def test_divergence_is_caught_and_worded_as_by_the_reference() -> None:
    fast, ref = pair({"problem": net([1, 8, 1], "relu", "identity", "quadratic", SINE),
                      "optimizer": {"name": "gd", "lr": 50.0, "momentum": 0.9}, "stop": NO_STOP})
    step_both(fast, ref, 500)
    assert fast.racers[0].status == "diverged"
    assert fast.racers[0].stop_reason == ref.racers[0].stop_reason
    assert_same(fast, ref)


def test_a_change_applies_to_the_very_next_step() -> None:
    spec = {"problem": net([2, 8, 1]), "optimizer": {"name": "gd", "lr": 0.1, "batch_size": 4}, "stop": NO_STOP}
    fast, ref = pair(spec)
    step_both(fast, ref, 57)
    for run in (fast, ref):
        run.set_optimizer({"name": "adam", "lr": 0.02})
    step_both(fast, ref, 1)
    assert fast.racers[0].history.lr[fast.racers[0].history.n - 1] == 0.02
    step_both(fast, ref, 100)
    for run in (fast, ref):
        run.set_optimizer({"lr": 0.005})
    step_both(fast, ref, 100)
    assert_same(fast, ref)


def test_races_and_random_search_take_the_reference_path() -> None:
    race = build_run({"problem": net([2, 4, 1]), "racers": [{"name": "gd"}, {"name": "adam"}]})
    guess = build_run({"problem": net([2, 4, 1]), "optimizer": {"name": "random_search"}})
    assert fastpath.stepper(race) is None and fastpath.stepper(guess) is None


def test_a_mixed_race_steps_as_one_fused_update_like_its_groups() -> None:
    from engine.groups import step_groups  # noqa: F401  (the fused path lives there)

    racers = [{"name": "gd", "lr": 1e-3}, {"name": "gd", "lr": 1e-3, "momentum": 0.9},
              {"name": "gd", "lr": 5e-4, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
              {"name": "adagrad", "lr": 0.1, "lr_decay": 0.01}, {"name": "rmsprop", "lr": 0.01, "centered": True},
              {"name": "adam", "lr": 0.05, "amsgrad": True}, {"name": "adamw", "lr": 0.05},
              {"name": "random_search"}, {"name": "adam", "lr": 0.02, "schedule": {"name": "exponential"}}]
    spec = {"problem": {"kind": "surface", "name": "rosenbrock"}, "racers": racers,
            "stop": {"grad_norm": 1e-3, "delta_loss": None, "max_steps": 400}}
    fast, ref = pair(spec)
    step_both(fast, ref, 150)
    for run in (fast, ref):
        run.set_optimizer({"name": "rmsprop", "lr": 0.001}, racer=0)
    step_both(fast, ref, 400)
    assert_same(fast, ref)


OPTIMIZERS = [{"name": "gd", "lr": 0.2}, {"name": "gd", "lr": 0.1, "momentum": 0.9},
              {"name": "adagrad", "lr": 0.1}, {"name": "rmsprop", "lr": 0.005},
              {"name": "adam", "lr": 0.01}, {"name": "adamw", "lr": 0.01, "weight_decay": 0.01}]


def between(values: np.ndarray) -> float:
    """A threshold between the two smallest values, far from both (the paths' J differ by ulps, not by 1e-4)."""
    a, b = np.sort(values)[:2]
    assert b > a * 1.001
    return float(np.sqrt(a * b))


@pytest.mark.parametrize("batch", [1, 5, None])
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=[f"{o['name']}-{i}" for i, o in enumerate(OPTIMIZERS)])
@pytest.mark.parametrize("test", ["grad_norm", "delta_loss", "max_steps"])
def test_every_stop_fires_at_the_references_step(test: str, optimizer: dict[str, Any], batch: int | None) -> None:
    """For each optimiser the kernel covers, per-example, mini-batch and full-batch: a threshold the reference run
    crosses first at a step t* (read from its own history) stops both paths at t*, worded alike."""
    opt = {**optimizer, **({} if batch is None else {"batch_size": batch})}
    spec = {"problem": net([2, 6, 1]), "optimizer": opt, "stop": NO_STOP}
    probe = build_run(copy.deepcopy(spec))
    assert fastpath.stepper(probe) is not None
    kernels.ENABLED = False
    try:
        probe.step(300)
    finally:
        kernels.ENABLED = True
    h = probe.racers[0].history
    loss, gn = h.column("loss"), h.column("grad_norm")
    if test == "grad_norm":
        stop = {"grad_norm": between(gn[40:])}
        t_star = int(np.flatnonzero(gn <= stop["grad_norm"])[0])
    elif test == "delta_loss":
        d = np.abs(np.diff(loss))
        stop = {"grad_norm": None, "delta_loss": between(d[39:])}
        t_star = int(np.flatnonzero(d <= stop["delta_loss"])[0]) + 1
    else:
        t_star, stop = 173, {"grad_norm": None, "max_steps": 173}
    fast, ref = pair({**spec, "stop": {**NO_STOP, **stop}})
    step_both(fast, ref, 400)
    assert ref.racers[0].t == t_star and ref.racers[0].stop_reason is not None
    assert_same(fast, ref)
