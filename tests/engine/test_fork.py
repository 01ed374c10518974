"""A fork continues exactly as the original would have: the same records, bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.build import build_run, replay, run_config
from engine.fork import fork
from engine.run import Run

NETWORK = {"kind": "network", "layers": [2, 6, 3], "activation": "tanh", "head": "softmax", "loss": "ce",
           "data": {"name": "spiral", "n": 300, "noise": 0.1, "test_ratio": 0.2, "seed": 1}}
LINE = {"kind": "linear_regression", "data": {"n": 200, "seed": 3}}
ENDLESS = {"grad_norm": None, "delta_loss": None, "max_steps": None}
CASES = {
    "network, adam, batches of 16": {"problem": NETWORK, "optimizer": {"name": "adam", "lr": 0.01, "batch_size": 16}},
    "line, momentum, batches of 7": {"problem": LINE, "optimizer": {"name": "gd", "lr": 0.05, "momentum": 0.9,
                                                                     "batch_size": 7}},
    "race: rmsprop and nesterov on batches": {"problem": LINE, "racers": [
        {"name": "rmsprop", "lr": 0.01, "batch_size": 5}, {"name": "gd", "lr": 0.02, "momentum": 0.8,
                                                           "nesterov": True, "batch_size": 11}]},
    "rosenbrock, adamw": {"problem": {"kind": "surface", "name": "rosenbrock"},
                          "optimizer": {"name": "adamw", "lr": 0.01}},
    "random search": {"problem": LINE, "optimizer": {"name": "random_search"}},
}


def columns(run: Run, start_t: int) -> list[dict[str, np.ndarray]]:
    """Each racer's history rows from t = start_t on, column by column."""
    out = []
    for r in run.racers:
        h = r.history
        keep = h.column("t") > start_t
        cols = {name: h.column(name)[keep] for name in ("t", "loss", "grad_norm", "lr", "params")}
        if h.guess is not None:
            cols["guess"] = h.column("guess")[keep]
        out.append(cols)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_fork_at_500_continues_bit_for_bit(name: str) -> None:
    spec: dict[str, Any] = {**CASES[name], "stop": ENDLESS, "seed": 7}
    run = build_run(spec)
    run.step(300)
    run.set_optimizer({"lr": run.racers[0].spec.get("lr", 0.0) * 0.5} if "lr" in run.racers[0].spec else {})
    run.step(200)
    assert run.t == 500
    twin = fork(run)
    assert twin is not run and twin.t == 500
    run.step(100)
    twin.step(100)
    assert twin.t == run.t == 600
    for a, b in zip(columns(run, 500), columns(twin, 500), strict=True):
        assert a["t"].tolist() == list(range(501, 601))
        for key in a:
            assert a[key].tobytes() == b[key].tobytes(), key  # bit for bit, NaNs included
    assert twin.theta.tobytes() == run.theta.tobytes()


def test_fork_is_independent_and_replays() -> None:
    run = build_run({**CASES["line, momentum, batches of 7"], "stop": ENDLESS})
    run.step(50)
    twin = fork(run)
    twin.set_optimizer({"lr": 0.01})
    twin.step(10)
    assert run.t == 50 and run.racers[0].spec["lr"] == 0.05  # the original is untouched
    again = replay(run_config(twin), twin.events, twin.clock)  # the fork's own log rebuilds it
    assert again.theta.tobytes() == twin.theta.tobytes()


def test_a_fork_that_changes_nothing_differs_from_a_fresh_run() -> None:
    """The RNG state is carried over: a fresh run with the same seed would draw other mini-batches from t = 500."""
    run = build_run({**CASES["line, momentum, batches of 7"], "stop": ENDLESS})
    run.step(500)
    twin = fork(run)
    fresh = build_run({**CASES["line, momentum, batches of 7"], "stop": ENDLESS})
    fresh.theta = run.theta.copy()
    assert twin.peek_batch(0).tolist() == run.peek_batch(0).tolist()
    assert fresh.peek_batch(0).tolist() != run.peek_batch(0).tolist()
