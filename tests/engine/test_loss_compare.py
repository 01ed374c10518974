"""Cross-entropy vs quadratic surfaces over two weights: against direct evaluation, and their descent paths."""

import json

import numpy as np
import pytest

from engine.build import build_problem, build_run
from engine.loss_compare import DEFAULT_SPEC, START_OFFSET, default_problem, loss_compare
from engine.network import NetworkProblem
from engine.settings import SettingsError


def twin(loss: str, spec: dict = DEFAULT_SPEC) -> NetworkProblem:
    """The same network and data with another loss: an independent way to evaluate each cost."""
    p = build_problem({**spec, "loss": loss})
    assert isinstance(p, NetworkProblem)
    return p


def test_surfaces_at_grid_points_equal_direct_evaluation() -> None:
    p = default_problem()
    theta = p.default_start()
    R = loss_compare(p, theta, w1=3, w2=1, n=11, span=3.0)
    json.dumps(R, allow_nan=False)
    i1, i2 = R["indices"]["w1"]["param"], R["indices"]["w2"]["param"]
    assert R["indices"]["w1"]["name"] == "W1[1,1]" and R["indices"]["w2"]["name"] == "W2[1,0]"
    assert R["centre"] == [theta[i1], theta[i2]]
    ce, quad = twin("bce"), twin("quadratic")
    for i, j in [(0, 0), (10, 0), (3, 7), (5, 5), (10, 10)]:
        th = theta.copy()
        th[i1], th[i2] = R["w1"][i], R["w2"][j]
        assert R["ce"][j][i] == pytest.approx(ce.loss(th[None])[0], rel=1e-12)
        assert R["quadratic"][j][i] == pytest.approx(quad.loss(th[None])[0], rel=1e-12)
    assert R["ce"][5][5] == pytest.approx(ce.loss(theta[None])[0], rel=1e-12)  # the centre is θ itself


def test_first_step_of_each_path_is_one_gd_step_on_the_two_weights() -> None:
    p = default_problem()
    theta = p.default_start()
    lr = 0.7
    R = loss_compare(p, theta, n=5, steps=30, lr=lr)
    i1, i2 = R["indices"]["w1"]["param"], R["indices"]["w2"]["param"]
    start = theta.copy()
    start[[i1, i2]] = np.asarray(R["centre"]) - START_OFFSET * 8.0  # the default start
    assert R["start"] == pytest.approx(start[[i1, i2]].tolist(), rel=1e-15)
    for key, loss in (("ce", "bce"), ("quadratic", "quadratic")):
        path = np.asarray(R["paths"][key])
        assert path.shape == (31, 3)
        J, g = twin(loss).loss_grad(start[None])
        assert path[0].tolist() == pytest.approx([*start[[i1, i2]], J[0]], rel=1e-12)
        assert path[1, :2] == pytest.approx(start[[i1, i2]] - lr * g[0, [i1, i2]], rel=1e-12)
        later = start.copy()
        later[[i1, i2]] = path[30, :2]
        assert path[30, 2] == pytest.approx(twin(loss).loss(later[None])[0], rel=1e-10)  # J along the path


def test_the_quadratic_path_stalls_on_its_plateau_where_cross_entropy_descends() -> None:
    R = loss_compare(steps=60)
    ce, quad = np.asarray(R["paths"]["ce"]), np.asarray(R["paths"]["quadratic"])
    moved = [float(np.linalg.norm(P[-1, :2] - P[0, :2])) for P in (ce, quad)]
    assert moved[0] > 4 * moved[1]
    assert ce[-1, 2] < 0.5 * ce[0, 2] and quad[-1, 2] > 0.9 * quad[0, 2]


def test_runs_network_softmax_head_and_refusals() -> None:
    run = build_run({"problem": {"kind": "network", "layers": [2, 4, 3], "activation": "tanh", "head": "softmax",
                                 "loss": "ce", "data": {"name": "blobs", "n": 40, "classes": 3}},
                     "optimizer": {"name": "gd", "lr": 0.5}})
    run.step(5)
    assert isinstance(run.problem, NetworkProblem)
    R = loss_compare(run.problem, run.theta[0], w1=7, w2=11, n=7, span=2.0, steps=3)
    assert R["losses"] == {"ce": "ce", "quadratic": "quadratic"}
    assert R["ce"][3][3] == pytest.approx(float(run.loss[0]), rel=1e-12)  # the run's own loss at its weights
    with pytest.raises(SettingsError):
        loss_compare(run.problem, run.theta[0], w1=8)  # the first layer has 2 × 4 weights
    with pytest.raises(SettingsError):
        loss_compare(run.problem, run.theta[0], n=500)
    identity = build_problem({"kind": "network", "layers": [1, 3, 1], "data": {"name": "sine", "n": 20}})
    assert isinstance(identity, NetworkProblem)
    with pytest.raises(SettingsError):
        loss_compare(identity)
    perceptron = build_problem({"kind": "network", "layers": [2, 1], "data": {"name": "linear", "n": 20}})
    assert isinstance(perceptron, NetworkProblem)
    with pytest.raises(SettingsError):
        loss_compare(perceptron)
    with pytest.raises(SettingsError):
        loss_compare(start=[1.0])
