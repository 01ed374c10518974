"""Network runs over REST and the websocket: create, step, weights, predictions, hidden units, data, frames."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from tests.app.conftest import StrictClient, new_run, rebuilt, recv, recv_until

pytestmark = pytest.mark.timeout(60)
XOR = {"kind": "network", "layers": [2, 4, 4, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
       "init": "xavier", "data": {"name": "xor", "n": 80, "noise": 0.1, "test_ratio": 0.5, "seed": 0}}
SPIRAL = {"kind": "network", "layers": [2, 6, 3], "head": "softmax", "data": {"name": "spiral", "n": 60, "seed": 1}}
SINE = {"kind": "network", "layers": [1, 5, 1], "data": {"name": "sine", "n": 40}}
ENDLESS = {"grad_norm": None, "max_steps": None}


def detail(r: Any) -> tuple[list[Any], str]:
    assert r.status_code == 422, r.text
    first = r.json()["detail"][0]
    return first["loc"], first["msg"]


def url(run: dict[str, Any], what: str) -> str:
    return f"/api/runs/{run['id']}/{what}"


# ----- create, step, weights, reset ----------------------------------------------------------------------
def test_network_run_from_the_issue_spec(client: StrictClient) -> None:
    s = new_run(client, {"problem": XOR, "optimizer": {"name": "gd", "lr": 0.5, "batch_size": 10}, "seed": 0})
    p = s["problem"]
    assert p["kind"] == "network" and p["layers"] == [2, 4, 4, 1] and p["head"] == "sigmoid" and p["loss"] == "bce"
    assert p["counts"] == {"neurons": 9, "weights": 28, "biases": 9, "params": 37} and p["dim"] == 37
    assert p["n_train"] == 40 and p["n_test"] == 40 and p["task"] == "classification"
    for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert isinstance(s["racers"][0][key], float)
    r = client.post(url(s, "step"), json={"n": 30})
    assert r.status_code == 200 and r.json()["state"]["t"] == 30
    net = client.get(url(s, "network")).json()
    assert net["counts"] == p["counts"] and net["sizes"] == [2, 4, 4, 1] and net["activation"] == ["tanh", "tanh"]
    assert net["head"] == "sigmoid" and net["loss"] == "bce"
    shapes = [(len(layer["W"]), len(layer["W"][0]), len(layer["b"])) for layer in net["layers"]]
    assert shapes == [(2, 4, 4), (4, 4, 4), (4, 1, 1)]  # W is inputs × outputs
    run = rebuilt(client, s)  # the run at t = 30, from its export
    flat = np.concatenate([np.concatenate([np.ravel(layer["W"]), layer["b"]]) for layer in net["layers"]])
    assert np.array_equal(flat, run.theta[0])
    start = client.post(url(s, "reset")).json()
    assert start["t"] == 0
    again = client.get(url(s, "network")).json()
    assert np.array_equal(np.concatenate([np.concatenate([np.ravel(la["W"]), la["b"]]) for la in again["layers"]]),
                          run.start)


def test_same_seed_same_weights_and_a_race_of_networks(client: StrictClient) -> None:
    a = new_run(client, {"problem": XOR, "seed": 3})
    b = new_run(client, {"problem": XOR, "seed": 3})
    c = new_run(client, {"problem": {**XOR, "seed": 4}, "seed": 3})  # the problem's own seed wins
    assert client.get(url(a, "network")).json() == client.get(url(b, "network")).json()
    assert client.get(url(a, "network")).json() != client.get(url(c, "network")).json()
    race = new_run(client, {"problem": XOR, "racers": [{"name": "gd", "lr": 0.5}, {"name": "adam", "lr": 0.05}]})
    r = client.post(url(race, "step"), json={"n": 20}).json()
    assert [x["t"] for x in r["state"]["racers"]] == [20, 20]
    assert all("train_loss" in x and x["train_loss"] < x["loss"] + 1 for x in r["state"]["racers"])
    w0 = client.get(url(race, "network"), params={"racer": 0}).json()
    w1 = client.get(url(race, "network"), params={"racer": 1}).json()
    assert w0["layers"] != w1["layers"]
    loc, msg = detail(client.get(url(race, "network"), params={"racer": 2}))
    assert loc == ["query", "racer"] and "no racer 2" in msg


BAD_NETWORKS: list[tuple[dict[str, Any], list[str], str]] = [
    ({"layers": [2] + [4] * 9 + [1]}, ["layers"], "at most 8 hidden layers, got 9"),
    ({"layers": [2, 65, 1]}, ["layers"], "65 neurons (1 to 64 allowed)"),
    ({"data": {"points": [[i / 10000, (i % 7) / 7, i % 2] for i in range(10_001)]}}, ["data", "points"],
     "too many points: 10,001 (at most 10,000)"),
    ({"data": {"name": "xor", "n": 10_001}}, ["data", "n"], "less than or equal to 10000"),
    ({"layers": [2, 4, 1], "head": "softmax"}, ["layers"], "softmax head on this data needs 2 output(s), not 1"),
    ({"activation": "banana"}, ["activation"], "unknown activation 'banana'"),
    ({"activation": ["tanh", "swish"]}, ["activation"], "unknown activation 'swish'"),
    ({"activation": ["tanh"]}, ["activation"], "one per hidden layer (2)"),
    ({"head": "sigmoid", "data": {"name": "blobs", "classes": 3}}, ["head"], "use softmax"),
    ({"layers": [3, 4, 1]}, ["layers"], "must start with 2"),
    ({"loss": "hinge"}, ["loss"], "'quadratic', 'bce' or 'ce'"),
    ({"data": {"name": "spiral", "classes": 11}}, ["data", "classes"], "less than or equal to 10"),
    ({"data": {"name": "moonz"}}, ["data", "name"], "unknown name 'moonz'"),
    ({"data": {"points": [[0, 0, 0.5], [1, 1, 1]]}}, ["data"], "whole numbers"),
    ({"data": {"points": [[0, 0, 0], [1, 1, 1]], "test_ratio": 0.99}}, ["data", "test_ratio"],
     "less than or equal to 0.95"),
    ({"data": {"csv": "a,b\n1,2\n"}}, ["data"], "target column label"),
    ({"init_sigma": -1}, ["init_sigma"], "greater than or equal to 0"),
    ({"depth": 3}, ["depth"], "unknown field"),
]


def test_bad_architectures_and_data_name_the_field(client: StrictClient) -> None:
    for problem, loc, words in BAD_NETWORKS:
        got, msg = detail(client.post("/api/runs", json={"problem": {"kind": "network", **problem}}))
        assert got == ["body", "problem", *loc], (problem, msg)
        assert words in msg and msg.startswith(".".join(["problem", *loc])), (problem, msg)


def test_user_points_and_csv(client: StrictClient) -> None:
    pts = [[-1, -1, 0], [-0.5, -1, 0], [1, 1, 1], [0.5, 1, 1], [1, -1, 2], [0.8, -0.6, 2]]
    s = new_run(client, {"problem": {"kind": "network", "data": {"points": pts, "test_ratio": 0}}})
    assert s["problem"]["head"] == "softmax" and s["problem"]["layers"] == [2, 4, 4, 3]
    assert s["problem"]["n_train"] == 6 and s["racers"][0]["test_loss"] is None
    csv = "x,y\n0,0\n1,0.8\n2,0.9\n3,0.1\n"
    s = new_run(client, {"problem": {"kind": "network", "data": {"csv": csv, "seed": 2}}})
    assert s["problem"]["task"] == "regression" and s["problem"]["layers"] == [1, 4, 4, 1]


# ----- predictions and hidden units -----------------------------------------------------------------------
def test_predict_grid_and_points_sigmoid(client: StrictClient) -> None:
    s = new_run(client, {"problem": XOR})
    client.post(url(s, "step"), json={"n": 10})
    g = client.get(url(s, "predict"), params={"n": 21}).json()
    assert set(g) == {"x", "y", "z", "plane"} and len(g["x"]) == len(g["y"]) == 21
    z = np.array(g["z"])
    assert z.shape == (21, 21) and np.all((z > 0) & (z < 1))
    low, high = s["problem"]["input_box"]
    assert g["x"][0] == pytest.approx(low[0]) and g["y"][-1] == pytest.approx(high[1])
    pts = [[g["x"][i], g["y"][j]] for i, j in ((0, 0), (3, 17), (20, 5))]
    out = client.post(url(s, "predict"), json={"points": pts}).json()["outputs"]
    assert [o[0] for o in out] == pytest.approx([z[0, 0], z[17, 3], z[5, 20]])
    boxed = client.get(url(s, "predict"), params={"n": 3, "x_min": -1, "x_max": 1, "y_min": 0, "y_max": 2}).json()
    assert boxed["x"] == [-1, 0, 1] and boxed["y"] == [0, 1, 2]


def test_predict_softmax_rows_sum_to_one(client: StrictClient) -> None:
    s = new_run(client, {"problem": SPIRAL})
    client.post(url(s, "step"), json={"n": 5})
    g = client.get(url(s, "predict"), params={"n": 12}).json()
    assert set(g) == {"x", "y", "z", "label", "confidence", "probs", "plane"}
    P = np.array(g["probs"])
    assert P.shape == (12, 12, 3) and np.allclose(P.sum(axis=2), 1.0)
    assert np.array_equal(np.array(g["label"]), P.argmax(axis=2))
    assert np.allclose(g["confidence"], P.max(axis=2)) and g["z"] == g["confidence"]
    out = np.array(client.post(url(s, "predict"), json={"points": [[0, 0], [0.3, -0.9], [5, 5]]}).json()["outputs"])
    assert out.shape == (3, 3) and np.allclose(out.sum(axis=1), 1.0)


def test_predict_bounds_name_the_field(client: StrictClient) -> None:
    s = new_run(client, {"problem": XOR})
    assert client.get(url(s, "predict"), params={"n": 200}).status_code == 200
    for params, loc in [({"n": 201}, ["query", "n"]), ({"n": 1}, ["query", "n"]), ({"racer": 1}, ["query", "racer"]),
                        ({"x_min": 0}, ["query", "x_max"]),
                        ({"x_min": 1, "x_max": 0, "y_min": 0, "y_max": 1}, ["query", "x_max"]),
                        ({"x_min": "nan", "x_max": 1, "y_min": 0, "y_max": 1}, ["query", "x_min"])]:
        assert detail(client.get(url(s, "predict"), params=params))[0] == loc, params
    post = url(s, "predict")
    assert detail(client.post(post, json={"points": [[0.0]]}))[0] == ["body", "points", 0]
    assert detail(client.post(post, json={"points": []}))[0] == ["body", "points"]
    assert detail(client.post(post, json={"points": [[0, 0]] * 10_001}))[0] == ["body", "points"]
    assert detail(client.post(post, json={"points": [[0, 0]], "racer": 4}))[0] == ["body", "racer"]
    r = client.post(post, content='{"points": [[0, NaN]]}', headers={"content-type": "application/json"})
    assert detail(r)[0] == ["body", "points", 0, 1]


def test_one_input_regression_predicts_a_curve(client: StrictClient) -> None:
    s = new_run(client, {"problem": SINE})
    assert s["problem"]["head"] == "identity" and s["racers"][0]["train_accuracy"] is None
    c = client.get(url(s, "predict"), params={"n": 7}).json()
    assert set(c) == {"x", "y"} and len(c["x"]) == len(c["y"]) == 7
    low, high = s["problem"]["input_box"]
    assert c["x"][0] == pytest.approx(low[0]) and c["x"][-1] == pytest.approx(high[0])
    assert client.get(url(s, "predict"), params={"n": 3, "x_min": 0, "x_max": 1}).json()["x"] == [0, 0.5, 1]
    out = client.post(url(s, "predict"), json={"points": [[c["x"][2]]]}).json()["outputs"]
    assert out[0][0] == pytest.approx(c["y"][2])
    r = client.get(url(s, "hidden"))
    assert r.status_code == 409 and "2 features" in r.json()["detail"]
    d = client.get(url(s, "data")).json()
    assert d["inputs"] == 1 and d["task"] == "regression" and d["classes"] is None
    assert len(d["train"]["X"]) == 32 and len(d["train"]["X"][0]) == 1 and len(d["test"]["y"]) == 8


def test_hidden_thumbnails_are_each_units_activation(client: StrictClient) -> None:
    s = new_run(client, {"problem": XOR})
    client.post(url(s, "step"), json={"n": 10})
    h = client.get(url(s, "hidden"), params={"n": 9}).json()
    assert len(h["layers"]) == 2 and [len(layer) for layer in h["layers"]] == [4, 4]
    assert all(np.array(unit).shape == (9, 9) for layer in h["layers"] for unit in layer)
    W, b = (np.array(v) for v in (lambda la: (la["W"], la["b"]))(client.get(url(s, "network")).json()["layers"][0]))
    j, i = 2, 7
    expect = np.tanh(np.array([h["x"][i], h["y"][j]]) @ W + b)
    assert [h["layers"][0][u][j][i] for u in range(4)] == pytest.approx(expect.tolist())
    assert detail(client.get(url(s, "hidden"), params={"n": 65}))[0] == ["query", "n"]
    perceptron = new_run(client, {"problem": {**XOR, "layers": [2, 1]}})
    assert client.get(url(perceptron, "hidden")).json()["layers"] == []


def test_data_of_a_network_run(client: StrictClient) -> None:
    s = new_run(client, {"problem": SPIRAL})
    d = client.get(url(s, "data")).json()
    assert set(d) == {"train", "test", "task", "classes", "inputs", "raw", "columns", "input_names"}
    assert d["task"] == "classification" and d["classes"] == 3 and d["inputs"] == 2
    assert len(d["train"]["X"]) == 48 and len(d["test"]["X"]) == 12 and len(d["train"]["y"]) == 48
    assert set(d["train"]["y"]) | set(d["test"]["y"]) == {0.0, 1.0, 2.0}
    line = client.get(url(new_run(client), "data")).json()
    assert set(line) == {"x", "y", "columns"}  # linear regression keeps its shape


def test_other_problems_answer_409(client: StrictClient) -> None:
    for spec in ({}, {"problem": {"kind": "surface", "name": "booth"}}):
        run = new_run(client, spec)
        for what in ("network", "predict", "hidden"):
            r = client.get(url(run, what))
            assert r.status_code == 409 and "needs a network run" in r.json()["detail"], r.text
    r = client.post(url(new_run(client), "predict"), json={"points": [[0, 0]]})
    assert r.status_code == 409


def test_openapi_documents_the_network_and_lecture_routes(client: StrictClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("network", "predict", "hidden", "backprop", "loss-compare", "slice", "line"):
        op = paths[f"/api/runs/{{run_id}}/{path}"]["get"]
        assert "$ref" in op["responses"]["200"]["content"]["application/json"]["schema"], path
        assert "409" in op["responses"] and "422" in op["responses"], path
    assert "$ref" in paths["/api/runs/{run_id}/predict"]["post"]["responses"]["200"]["content"]["application/json"][
        "schema"]
    for path in ("/api/runs/{run_id}/explain", "/api/loss-compare", "/api/lessons"):
        assert paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"], path
    schemas = spec["components"]["schemas"]
    assert {"NetworkSpec", "XorDataset", "SpiralDataset", "NetworkPoints", "RosenbrockSurface"} <= set(schemas)
    layers = schemas["NetworkSpec"]["properties"]["layers"]
    assert "at most 8 hidden layers" in layers["description"]


# ----- the websocket ----------------------------------------------------------------------------------------
def frames_until(ws: Any, done: Any) -> list[dict[str, Any]]:
    """Frames read until done(frames) holds (a run that never gets there hangs until the pytest timeout)."""
    got: list[dict[str, Any]] = []
    while not done(got):
        m = recv(ws)
        if m["type"] == "frame":
            got.append(m)
    return got


def test_stream_carries_weights_grids_and_hidden_units(client: StrictClient) -> None:
    s = new_run(client, {"problem": XOR, "optimizer": {"lr": 0.3}, "stop": ENDLESS})
    with client.websocket_connect(url(s, "stream")) as ws:
        hello = recv(ws)
        assert hello["type"] == "hello" and len(hello["network"]["layers"]) == 3
        assert np.array(hello["grid"]["z"]).shape == (60, 60) and len(hello["grid"]["x"]) == 60
        assert [len(layer) for layer in hello["hidden"]["layers"]] == [4, 4] and len(hello["hidden"]["x"]) == 24
        assert hello["grid"] == client.get(url(s, "predict"), params={"n": 60}).json()
        ws.send_json({"type": "play", "speed": 400})
        frames = frames_until(ws, lambda f: sum("grid" in m for m in f) >= 2 and len(f) >= 6)
        moving = [f for f in frames if f["steps"]]
        assert moving and all("network" in f for f in moving)  # weights at the frame rate
        with_grid = [f for f in frames if "grid" in f]
        assert len(with_grid) < len(frames)  # grids at a lower rate
        assert all("hidden" in f and np.array(f["grid"]["z"]).shape == (60, 60) for f in with_grid)
        assert all(f["grid_t"] <= f["state"]["t"] for f in with_grid)
        ws.send_json({"type": "pause"})
        _, seen = recv_until(ws, "status", where=lambda m: m["status"] == "paused")
        t = client.get(url(s, "")).json()["t"]
        final = [m for m in frames + seen if m.get("grid_t") == t]  # the final weights' grid: sent, or to come
        last = final[-1] if final else frames_until(ws, lambda f: bool(f) and f[-1].get("grid_t") == t)[-1]
        assert last["grid"] == client.get(url(s, "predict"), params={"n": 60}).json()
        assert last["hidden"] == client.get(url(s, "hidden"), params={"n": 24}).json()
        ws.send_json({"type": "reset"})
        reset, _ = recv_until(ws, "reset")
        assert {"network", "grid", "hidden"} <= set(reset)
        assert reset["network"]["layers"] == client.get(url(s, "network")).json()["layers"]


def test_subscribe_reduces_what_is_sent(client: StrictClient) -> None:
    s = new_run(client, {"problem": XOR, "optimizer": {"lr": 0.3}, "stop": ENDLESS})
    with client.websocket_connect(url(s, "stream")) as ws:
        recv(ws)
        ws.send_json({"type": "subscribe", "weights": False, "grid": False, "hidden": False, "steps": False})
        sub, _ = recv_until(ws, "subscribed")
        assert sub == {"type": "subscribed", "frame_hz": 30.0, "steps": False, "weights": False, "grid": False,
                       "grid_hz": 5.0, "grid_n": 60, "hidden": False, "plane": "slice", "x_feature": 0,
                       "y_feature": 1}
        ws.send_json({"type": "play", "speed": 300})
        recv_until(ws, "status", where=lambda m: m["status"] == "running")
        frames = frames_until(ws, lambda f: len(f) >= 5)
        assert all(set(f) == {"type", "steps", "state"} and f["steps"] == [] for f in frames)
        ws.send_json({"type": "subscribe", "grid": True, "grid_n": 12, "grid_hz": 10, "weights": True})
        sub, _ = recv_until(ws, "subscribed")
        assert sub["grid_n"] == 12 and sub["grid_hz"] == 10.0 and sub["hidden"] is False
        frames = frames_until(ws, lambda f: sum("grid" in m for m in f) >= 3)
        grids = [f["grid"] for f in frames if "grid" in f]
        assert all(len(g["x"]) == 12 and np.array(g["z"]).shape == (12, 12) for g in grids)
        assert not any("hidden" in f for f in frames) and any("network" in f for f in frames)
        ws.send_json({"type": "pause"})
        bad: dict[str, Any]
        for bad, field in (({"grid_n": 9}, "grid_n"), ({"grid_n": 101}, "grid_n"), ({"grid_hz": 0}, "grid_hz"),
                           ({"grid_hz": 11}, "grid_hz"), ({"weights": "yes"}, "weights")):
            ws.send_json({"type": "subscribe", **bad})
            err, _ = recv_until(ws, "error")
            assert err["field"] == field and err["to"] == "subscribe", err


def test_stream_of_a_one_input_network_sends_its_curve(client: StrictClient) -> None:
    s = new_run(client, {"problem": SINE})
    with client.websocket_connect(url(s, "stream")) as ws:
        hello = recv(ws)
        assert set(hello["grid"]) == {"x", "y"} and len(hello["grid"]["x"]) == 60 and "hidden" not in hello
        ws.send_json({"type": "subscribe", "grid_n": 10})
        ws.send_json({"type": "step", "n": 3})
        frame, _ = recv_until(ws, "frame", where=lambda m: m.get("grid_t") == 3)
        assert frame["grid"] == client.get(url(s, "predict"), params={"n": 10}).json()


def test_linear_regression_frames_have_no_network_views(client: StrictClient) -> None:
    s = new_run(client)
    with client.websocket_connect(url(s, "stream")) as ws:
        hello = recv(ws)
        assert not {"network", "grid", "hidden"} & set(hello)
        ws.send_json({"type": "step", "n": 2})
        frame, _ = recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        assert set(frame) == {"type", "steps", "state"}


def test_grids_are_computed_once_for_every_watcher_within_the_time_budget(client: StrictClient,
                                                                        monkeypatch: Any) -> None:
    s = new_run(client, {"problem": XOR, "optimizer": {"lr": 0.3}, "stop": ENDLESS})
    net = client.app.state.store.find(s["id"]).player.net  # type: ignore[attr-defined]  (the run's shared views)
    computed: list[tuple[Any, frozenset[int]]] = []
    spans: list[tuple[float, float]] = []  # when each computation began and ended
    compute = net.compute

    def slow_compute(views: Any, keep: Any) -> float:
        began = time.monotonic()
        computed.append((net.key(), frozenset(views)))
        cost = float(compute(views, keep))
        spans.append((began, time.monotonic()))
        return cost + 0.05  # as if the network were big: 50 ms per grid

    monkeypatch.setattr(net, "compute", slow_compute)
    with client.websocket_connect(url(s, "stream")) as a, client.websocket_connect(url(s, "stream")) as b:
        recv(a), recv(b)
        b.send_json({"type": "subscribe", "grid_hz": 10})
        recv_until(b, "subscribed")
        a.send_json({"type": "play", "speed": 500})
        got_a = frames_until(a, lambda f: sum("grid" in m for m in f) >= 3)
        got_b = frames_until(b, lambda f: sum("grid" in m for m in f) >= 3)
        a.send_json({"type": "pause"})
    assert len(computed) == len(set(computed))  # each grid once per state of the weights, whoever watches
    keys = {m["grid_t"]: m["grid"] for m in got_a + got_b if "grid" in m}
    assert len(keys) < len([m for m in got_a + got_b if "grid" in m])  # both watchers got the same grids
    # 50 ms of grid work waits 200 ms for the next: under 20 % of the time, however fast the clients ask.
    gaps = [later[0] - earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)]
    assert len(gaps) >= 2 and min(gaps) >= 0.2 - 1e-3, gaps
