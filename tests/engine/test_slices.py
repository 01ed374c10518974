"""A network's loss landscape: slices through the current weights, directions, projection, and the 1-D line."""

import json

import numpy as np
import pytest

from engine.build import build_run
from engine.network import NetworkProblem
from engine.run import Run
from engine.settings import SettingsError
from engine.slices import (
    filter_directions,
    loss_slice,
    pca_directions,
    racer_path,
    random_directions,
    run_line,
    run_slice,
)

NET = {"problem": {"kind": "network", "layers": [2, 6, 5, 1], "activation": "tanh", "head": "sigmoid",
                   "loss": "bce", "data": {"name": "xor", "n": 120, "seed": 0}},
       "optimizer": {"name": "gd", "lr": 0.5}, "stop": {"max_steps": 1000}}


@pytest.fixture(scope="module")
def run() -> Run:
    r = build_run(NET)
    r.step(150)
    return r


@pytest.mark.parametrize("directions", ["random", "filter", "pca"])
def test_the_slice_centre_is_the_runs_loss(run: Run, directions: str) -> None:
    S = run_slice(run, 0, directions, n=21)
    json.dumps(S, allow_nan=False)
    assert len(S["alpha"]) == len(S["beta"]) == 21 and len(S["loss"]) == 21
    assert S["alpha"][10] == 0.0 and S["beta"][10] == 0.0
    assert S["loss"][10][10] == pytest.approx(float(run.loss[0]), rel=1e-12)
    assert S["centre_loss"] == pytest.approx(float(run.loss[0]), rel=1e-12)
    assert S["t"] == 150 and S["trajectory"]["t"][0] == 0 and S["trajectory"]["t"][-1] == 150


def test_grid_points_equal_direct_evaluation(run: Run) -> None:
    p = run.problem
    theta = run.theta[0]
    S = loss_slice(p, theta, "filter", n=9, span=0.5, seed=3)
    d1, d2 = filter_directions(p, theta, 3)  # type: ignore[arg-type]
    for i, j in [(0, 0), (8, 2), (5, 7)]:
        th = theta + S["alpha"][i] * d1 + S["beta"][j] * d2
        assert S["loss"][j][i] == pytest.approx(p.loss(th[None])[0], rel=1e-12)


def test_pca_directions_are_orthonormal_and_the_centred_trajectory_ends_at_the_origin(run: Run) -> None:
    ts, path = racer_path(run, 0)
    theta = run.theta[0]
    d1, d2, shares = pca_directions(theta, path)
    D = np.stack([d1, d2])
    assert D @ D.T == pytest.approx(np.eye(2), abs=1e-12)
    assert shares[0] >= shares[1] > 0 and sum(shares) <= 1 + 1e-12
    S = run_slice(run, 0, "pca", n=11)
    tr = S["trajectory"]
    assert (tr["alpha"][-1], tr["beta"][-1]) == pytest.approx((0.0, 0.0), abs=1e-12)
    assert tr["off_plane"][-1] == pytest.approx(0.0, abs=1e-12)
    assert tr["alpha"][0] <= 0 and tr["beta"][0] <= 0  # oriented: the run arrives from the lower left
    assert S["span"] >= max(abs(a) for a in tr["alpha"] + tr["beta"])  # the whole path fits in the box
    assert tr["loss"][0] == pytest.approx(float(run.racers[0].history.loss[0]), rel=1e-12)
    assert S["explained_variance"] == pytest.approx(shares)


def test_filter_normalisation_matches_each_units_norm(run: Run) -> None:
    p = run.problem
    assert isinstance(p, NetworkProblem)
    theta = run.theta[0]
    for biases in ("zero", "filter"):
        d1, d2 = filter_directions(p, theta, 7, biases)
        for d in (d1, d2):
            for D, P in zip(p.mlp.blocks(d), p.mlp.blocks(theta), strict=True):
                rows = slice(None) if biases == "filter" else slice(0, -1)
                assert np.linalg.norm(D[rows], axis=0) == pytest.approx(np.linalg.norm(P[rows], axis=0), rel=1e-12)
                if biases == "zero":
                    assert np.all(D[-1] == 0)


def test_random_directions_are_orthogonal_and_scaled() -> None:
    d1, d2 = random_directions(50, 4, scale=3.0)
    assert np.linalg.norm(d1) == pytest.approx(3.0) and np.linalg.norm(d2) == pytest.approx(3.0)
    assert abs(d1 @ d2) < 1e-12
    e1, _ = random_directions(50, 4, scale=3.0)
    assert np.array_equal(d1, e1)  # seeded


def test_the_line_from_initial_to_current_weights(run: Run) -> None:
    L = run_line(run, 0, n=41)
    json.dumps(L, allow_nan=False)
    a = L["alpha"]
    assert a[0] == -0.5 and a[-1] == 1.5 and 0.0 in a and 1.0 in a and a == sorted(a)
    assert L["loss"][a.index(0.0)] == pytest.approx(float(run.racers[0].history.loss[0]), rel=1e-12)
    assert L["loss"][a.index(1.0)] == pytest.approx(float(run.loss[0]), rel=1e-12)
    assert L["start_loss"] == L["loss"][a.index(0.0)] and L["end_loss"] == L["loss"][a.index(1.0)]
    assert L["distance"] == pytest.approx(float(np.linalg.norm(run.theta[0] - run.start)))


def test_other_problems_and_refusals() -> None:
    r = build_run({"optimizer": {"name": "gd", "lr": 0.1}})
    r.step(20)
    S = run_slice(r, 0, "pca", n=5)
    assert S["loss"][2][2] == pytest.approx(float(r.loss[0]), rel=1e-12)
    assert run_slice(r, 0, "random", n=5)["loss"][2][2] == pytest.approx(float(r.loss[0]), rel=1e-12)
    with pytest.raises(SettingsError):
        run_slice(r, 0, "filter")
    with pytest.raises(SettingsError):
        run_slice(r, 0, "random", n=102)
    with pytest.raises(SettingsError):
        run_slice(r, 0, "sideways")
    with pytest.raises(SettingsError):
        run_slice(r, 3)
    fresh = build_run({"optimizer": {"name": "gd", "lr": 0.1}})
    S = run_slice(fresh, 0, "pca", n=5)  # no movement yet: seeded random directions fill in
    assert S["explained_variance"] == [0.0, 0.0] and S["span"] == 1.0
    assert S["loss"][2][2] == pytest.approx(float(fresh.loss[0]), rel=1e-12)
