"""A mixed race keeps its optimisers' state in one store (engine/groups.py): every racer moves exactly as it would
alone on the NumPy reference, and the compiled fused update agrees with that reference to 1e-12."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from engine import kernels
from engine.build import build_run
from engine.groups import regroup
from engine.run import Run

NO_STOP = {"grad_norm": None, "delta_loss": None, "max_steps": None}
# Groups that are not contiguous (gd, adam and rmsprop each appear twice, apart), a scheduled racer, random search
# in the middle, and settings that switch on every branch of the updates.
RACERS: list[dict[str, Any]] = [
    {"name": "gd", "lr": 1e-3},
    {"name": "adam", "lr": 0.05, "amsgrad": True},
    {"name": "gd", "lr": 0.01},  # diverges at t = 3: stopped racers keep their θ and state from then on
    {"name": "rmsprop", "lr": 0.01, "momentum": 0.5},
    {"name": "random_search"},
    {"name": "gd", "lr": 5e-4, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
    {"name": "adagrad", "lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
    {"name": "adam", "lr": 0.02, "schedule": {"name": "exponential", "gamma": 0.999}},
    {"name": "adamw", "lr": 0.05, "weight_decay": 0.05},
    {"name": "rmsprop", "lr": 0.005, "centered": True},
    {"name": "gd", "lr": 1e-3, "momentum": 0.8, "dampening": 0.1},
]


def race(racers: list[dict[str, Any]], stop: dict[str, Any] | None = None) -> Run:
    return build_run({"problem": {"kind": "surface", "name": "rosenbrock"}, "racers": copy.deepcopy(racers),
                      "stop": stop or NO_STOP})


def reference(fn: Any) -> Any:
    kernels.ENABLED = False
    try:
        return fn()
    finally:
        kernels.ENABLED = True


def columns(run: Run, i: int) -> tuple[np.ndarray, ...]:
    h = run.racers[i].history
    return h.column("loss"), h.column("grad_norm"), h.column("lr"), h.column("params")


def groups_of(run: Run) -> list[Any]:
    """The run's racers grouped as the run groups them (engine.groups.regroup, from its public racers and states)."""
    return regroup(run.racers, run.racer_states(), run.problem)


def test_the_state_lives_in_one_store_only_for_a_mixed_race() -> None:
    mixed = groups_of(race(RACERS))
    stores = {id(g.store) for g in mixed if g.opt.name != "random_search"}
    assert len(stores) == 1 and None not in stores
    assert all(g.store is None for g in mixed if g.opt.name == "random_search")
    same = groups_of(race([{"name": "gd", "lr": 1e-3}, {"name": "gd", "lr": 5e-4, "momentum": 0.9}]))
    assert all(g.store is None for g in same)


def test_each_racer_of_the_reference_race_moves_exactly_as_it_would_alone() -> None:
    mixed = race(RACERS)
    reference(lambda: mixed.step(300))
    for i, spec in enumerate(RACERS):
        if spec["name"] == "random_search":  # its guesses come from the racer's own generator (its place in the run)
            continue
        alone = race([spec])
        alone.step(300)
        for a, b in zip(columns(mixed, i), columns(alone, 0), strict=True):
            np.testing.assert_array_equal(a, b, err_msg=spec["name"])
        for key, value in alone.racer_states()[0].items():
            np.testing.assert_array_equal(mixed.racer_states()[i][key], value, err_msg=key)


@pytest.mark.skipif(kernels.kernel() is None, reason="Numba is not installed")
def test_the_fused_update_matches_the_reference_through_stops_and_changes() -> None:
    stop = {"grad_norm": 1e-2, "delta_loss": None, "max_steps": None}
    fast, ref = race(RACERS, stop), race(RACERS, stop)
    for n, change in ((120, {"racer": 3, "optimizer": {"name": "adam", "lr": 0.01}}),
                      (80, {"racer": 7, "optimizer": {"lr": 0.005}}),
                      (60, None), (500, None)):
        fast.step(n)
        reference(lambda n=n: ref.step(n))
        if change is not None:
            for run in (fast, ref):
                run.set_optimizer(change["optimizer"], racer=change["racer"])
    fast.remove_racer(0)
    ref.remove_racer(0)
    fast.step(50)
    reference(lambda: ref.step(50))
    for i in range(len(ref.racers)):
        assert (fast.racers[i].t, fast.racers[i].status) == (ref.racers[i].t, ref.racers[i].status)
        for a, b in zip(columns(fast, i), columns(ref, i), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        for key, value in ref.racer_states()[i].items():
            np.testing.assert_allclose(fast.racer_states()[i][key], value, rtol=1e-12, atol=1e-12, err_msg=key)
    assert any(not r.active for r in ref.racers) and any(r.active for r in ref.racers)
