"""Inside the lecture over REST: backprop table, loss comparison, loss slices and lines, one update, lessons."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.errors import dumps
from engine.backprop import backprop_table
from engine.lessons import LESSONS
from tests.app.conftest import StrictClient, new_run, rebuilt, recv, recv_until, strict_loads

pytestmark = pytest.mark.timeout(60)
TWO_LAYER = {"kind": "network", "layers": [2, 3, 1], "activation": "sigmoid", "head": "sigmoid", "loss": "bce",
             "data": {"name": "xor", "n": 40, "seed": 0}}
DEEP = {"kind": "network", "layers": [2, 4, 4, 1], "data": {"name": "xor", "n": 40}}


def url(run: dict[str, Any], what: str) -> str:
    return f"/api/runs/{run['id']}/{what}"


def loc_of(r: Any) -> list[Any]:
    assert r.status_code == 422, r.text
    loc: list[Any] = r.json()["detail"][0]["loc"]
    return loc


@pytest.fixture
def net(client: StrictClient) -> dict[str, Any]:
    s = new_run(client, {"problem": TWO_LAYER, "optimizer": {"lr": 2.0}})
    client.post(url(s, "step"), json={"n": 25})
    return s


# ----- backpropagation -----------------------------------------------------------------------------------
def test_backprop_table_over_rest_is_the_engines(client: StrictClient, net: dict[str, Any]) -> None:
    table = client.get(url(net, "backprop"), params={"example": 4}).json()
    run = rebuilt(client, net)
    assert table == strict_loads(dumps(backprop_table(run.problem, run.theta[0], 4)))
    assert table["lecture"] is True and table["example"] == 4 and table["n_train"] == 32
    assert table["fd"]["checked"] == 13 + 2 and table["fd"]["max_rel_error"] < 1e-5
    rows = [row for stage in table["stages"] for row in stage["backward"]["rows"] if row["quantity"] == "grad_weight"]
    assert len(rows) == 9 and all("fd" in row for row in rows)
    off = client.get(url(net, "backprop"), params={"example": 4, "fd": False}).json()
    assert off["fd"] is None and off["J"] == table["J"]
    assert all("fd" not in row for stage in off["stages"] for row in stage["backward"]["rows"])


def test_backprop_bounds_and_big_networks(client: StrictClient, net: dict[str, Any], monkeypatch: Any) -> None:
    assert loc_of(client.get(url(net, "backprop"), params={"example": 32})) == ["query", "example"]
    assert "numbered 0 to 31" in client.get(url(net, "backprop"), params={"example": 32}).json()["detail"][0]["msg"]
    assert loc_of(client.get(url(net, "backprop"), params={"example": -1})) == ["query", "example"]
    assert loc_of(client.get(url(net, "backprop"), params={"racer": 1})) == ["query", "racer"]
    monkeypatch.setattr("app.routes.lecture.FD_PARAMS", 10)  # as if this network were a big one
    assert client.get(url(net, "backprop")).json()["fd"] is None  # no finite differences unless asked
    assert client.get(url(net, "backprop"), params={"fd": True}).json()["fd"]["checked"] == 15
    r = client.get(url(new_run(client), "backprop"))
    assert r.status_code == 409 and "needs a network run" in r.json()["detail"]


# ----- cross-entropy vs quadratic --------------------------------------------------------------------------
def test_loss_compare_of_a_run(client: StrictClient, net: dict[str, Any]) -> None:
    c = client.get(url(net, "loss-compare"), params={"n": 7, "steps": 12, "w1": 5, "w2": 2, "span": 2}).json()
    assert len(c["w1"]) == len(c["w2"]) == 7
    assert np.array(c["ce"]).shape == np.array(c["quadratic"]).shape == (7, 7)
    assert {k: np.array(v).shape for k, v in c["paths"].items()} == {"ce": (13, 3), "quadratic": (13, 3)}
    run = rebuilt(client, net)
    p1, p2 = c["indices"]["w1"]["param"], c["indices"]["w2"]["param"]
    assert c["centre"] == [run.theta[0][p1], run.theta[0][p2]] == [c["w1"][3], c["w2"][3]]
    state = client.get(f"/api/runs/{net['id']}").json()
    assert c["ce"][3][3] == pytest.approx(state["racers"][0]["loss"], rel=1e-12)  # the run's own BCE at its own weights
    assert c["paths"]["ce"][0][:2] == c["paths"]["quadratic"][0][:2] == c["start"]
    assert loc_of(client.get(url(net, "loss-compare"), params={"w1": 6})) == ["query", "w1"]
    for params in ({"n": 102}, {"steps": 2001}, {"lr": 0}, {"span": "inf"}):
        assert loc_of(client.get(url(net, "loss-compare"), params=params)) == ["query", next(iter(params))]
    deep = client.get(url(new_run(client, {"problem": DEEP}), "loss-compare"))
    assert deep.status_code == 409 and "exactly one hidden layer" in deep.json()["detail"]
    sine = {"kind": "network", "layers": [1, 3, 1], "data": {"name": "sine", "n": 20}}
    r = client.get(url(new_run(client, {"problem": sine}), "loss-compare"))
    assert r.status_code == 409 and "sigmoid or softmax" in r.json()["detail"]


def test_loss_compare_of_the_lectures_small_network(client: StrictClient) -> None:
    c = client.get("/api/loss-compare", params={"n": 5, "steps": 30}).json()
    assert c["layers"] == [2, 2, 1] and c["head"] == "sigmoid" and np.array(c["ce"]).shape == (5, 5)
    ce, quad = np.array(c["paths"]["ce"]), np.array(c["paths"]["quadratic"])
    assert ce[-1, 2] < ce[0, 2] and ce[0, 2] - ce[-1, 2] > quad[0, 2] - quad[-1, 2]  # quadratic stalls
    assert loc_of(client.get("/api/loss-compare", params={"w2": 2})) == ["query", "w2"]


# ----- loss landscapes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("directions", ["random", "filter", "pca"])
def test_slice_centre_is_the_runs_loss(client: StrictClient, net: dict[str, Any], directions: str) -> None:
    sl = client.get(url(net, "slice"), params={"directions": directions, "n": 9}).json()
    loss = client.get(f"/api/runs/{net['id']}").json()["racers"][0]["loss"]
    assert sl["directions"] == directions and len(sl["alpha"]) == len(sl["beta"]) == 9
    assert np.array(sl["loss"]).shape == (9, 9) and sl["alpha"][4] == sl["beta"][4] == 0.0
    assert sl["loss"][4][4] == pytest.approx(loss, rel=1e-12) and sl["centre_loss"] == pytest.approx(loss, rel=1e-12)
    traj = sl["trajectory"]
    assert traj["t"][0] == 0 and traj["t"][-1] == 25 == sl["t"] and traj["loss"][-1] == pytest.approx(loss)


def test_slice_and_line_bounds(client: StrictClient, net: dict[str, Any]) -> None:
    for params in ({"n": 102}, {"n": 1}, {"directions": "sideways"}, {"span": 0}, {"seed": -1}, {"racer": 3},
                   {"biases": "some"}):
        assert loc_of(client.get(url(net, "slice"), params=params)) == ["query", next(iter(params))], params
    assert loc_of(client.get(url(net, "line"), params={"n": 1002})) == ["query", "n"]
    assert loc_of(client.get(url(net, "line"), params={"racer": 3})) == ["query", "racer"]
    for what in ("slice", "line"):
        r = client.get(url(new_run(client, {"problem": {"kind": "surface"}}), what))
        assert r.status_code == 409 and "needs a network run" in r.json()["detail"]


def test_a_slice_too_big_for_the_network_says_how_big_it_may_be(client: StrictClient) -> None:
    big = new_run(client, {"problem": {"kind": "network", "layers": [2, 8, 8, 1],
                                       "data": {"name": "xor", "n": 10_000, "test_ratio": 0.2}}})
    r = client.get(url(big, "slice"), params={"n": 51})
    assert loc_of(r) == ["query", "n"] and "too much work" in r.json()["detail"][0]["msg"]
    most = int(r.json()["detail"][0]["msg"].rsplit("at most ", 1)[1].split()[0])
    assert most == int((1e9 / (8000 * 88)) ** 0.5)  # n² × examples × weights ≤ 10⁹
    assert client.get(url(big, "slice"), params={"n": 5}).status_code == 200


def test_line_from_the_start_to_the_weights(client: StrictClient, net: dict[str, Any]) -> None:
    line = client.get(url(net, "line"), params={"n": 11}).json()
    state = client.get(f"/api/runs/{net['id']}").json()
    first = client.get(url(net, "history")).json()["steps"][0]["loss"]
    alpha = line["alpha"]
    assert alpha[0] == -0.5 and alpha[-1] == 1.5 and 0.0 in alpha and 1.0 in alpha
    assert line["loss"][alpha.index(1.0)] == pytest.approx(state["racers"][0]["loss"]) == line["end_loss"]
    assert line["loss"][alpha.index(0.0)] == pytest.approx(first) == line["start_loss"]
    assert line["t"] == 25 and line["distance"] > 0


# ----- one update -----------------------------------------------------------------------------------------------
def test_explain_is_the_next_step_and_moves_nothing(client: StrictClient) -> None:
    s = new_run(client, {"racers": [{"name": "gd", "lr": 0.1}, {"name": "adam", "lr": 0.05, "batch_size": 10}]})
    client.post(url(s, "step"), json={"n": 3})
    ex = [client.get(url(s, "explain"), params={"racer": k}).json() for k in (0, 1)]
    assert ex[0]["optimizer"] == "gd" and ex[1]["optimizer"] == "adam" and ex[1]["gradient"]["source"] == "mini-batch"
    assert ex[0]["t"] == 3 and any("θ moves against the gradient" in line for line in ex[0]["sentences"])
    assert ex[0]["formula"] == "θ ← θ − γ∇J(θ)" and "μ" in ex[0]["formula_general"]  # each racer's own update
    assert "∇J_B(θ)" in ex[1]["formula"] and "mini-batch of 10" in ex[1]["formula"]
    assert client.get(f"/api/runs/{s['id']}").json()["t"] == 3  # explaining did not step
    after = client.post(url(s, "step"), json={"n": 1}).json()["state"]["racers"]
    for k in (0, 1):
        assert after[k]["params"] == pytest.approx(ex[k]["theta_next"]["values"], rel=1e-12)
    assert loc_of(client.get(url(s, "explain"), params={"racer": 2})) == ["query", "racer"]


def test_explain_a_network_and_a_surface(client: StrictClient, net: dict[str, Any]) -> None:
    ex = client.get(url(net, "explain")).json()
    assert ex["dim"] == 13 and len(ex["theta"]["values"]) == 13
    loss_next = client.post(url(net, "step"), json={"n": 1}).json()["state"]["racers"][0]["loss"]
    assert ex["loss_next"] == pytest.approx(loss_next, rel=1e-12)
    surface = new_run(client, {"problem": {"kind": "surface", "name": "booth"}, "optimizer": {"lr": 0.01}})
    ex = client.get(url(surface, "explain")).json()
    assert ex["param_names"] == ["x", "y"] and ex["stop"]["test"] is None


# ----- lessons ----------------------------------------------------------------------------------------------------
def test_lessons_are_listed_in_order(client: StrictClient) -> None:
    got = client.get("/api/lessons").json()
    assert [x["id"] for x in got] == list(LESSONS) and all(x["caption"] and x["view"]["panel"] for x in got)


def test_every_lesson_spec_creates_a_run(client: StrictClient) -> None:
    for lesson in client.get("/api/lessons").json():
        spec = lesson["spec"]
        s = new_run(client, spec)
        assert s["status"] == "ready" and s["problem"]["kind"] == spec["problem"].get("kind", "linear_regression")
        assert client.post(url(s, "step"), json={"n": 2}).status_code == 200, lesson["id"]


# ----- the run's lock -------------------------------------------------------------------------------------------
def test_lecture_views_while_the_run_plays(client: StrictClient) -> None:
    s = new_run(client, {"problem": {**DEEP, "data": {"name": "xor", "n": 200}}, "optimizer": {"lr": 0.3},
                         "stop": {"grad_norm": None, "max_steps": None}})
    with client.websocket_connect(url(s, "stream")) as ws:
        recv(ws)
        ws.send_json({"type": "play", "speed": 2000})
        recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        for _ in range(3):
            for what, params in (("backprop", {"example": 7}), ("slice", {"n": 7}), ("line", {"n": 9}),
                                 ("explain", {}), ("hidden", {"n": 6}), ("predict", {"n": 6})):
                r = client.get(url(s, what), params=params)
                assert r.status_code == 200, (what, r.text)
        ws.send_json({"type": "pause"})
        _, seen = recv_until(ws, "status", where=lambda m: m["status"] == "paused")
        assert not [m for m in seen if m["type"] == "error"]
    state = client.get(f"/api/runs/{s['id']}").json()
    assert state["t"] > 0 and state["status"] == "paused"
    table = client.get(url(s, "backprop"), params={"example": 7}).json()
    run = rebuilt(client, s)
    assert table == strict_loads(dumps(backprop_table(run.problem, run.theta[0], 7)))

