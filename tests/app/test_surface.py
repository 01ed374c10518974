"""Test surfaces over REST and the websocket: specs, landscapes, minima, races, live retuning, divergence."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from engine.surfaces import SURFACES
from tests.app.conftest import StrictClient, new_run, recv, recv_until

pytestmark = pytest.mark.timeout(60)
ROSENBROCK = {"kind": "surface", "name": "rosenbrock"}
THREE = [{"name": "gd", "lr": 0.001, "momentum": 0.9}, {"name": "adam", "lr": 0.02}, {"name": "rmsprop", "lr": 0.001}]
ENDLESS = {"grad_norm": None, "max_steps": None}


def url(run: dict[str, Any], what: str = "") -> str:
    return f"/api/runs/{run['id']}/{what}".rstrip("/")


def rosenbrock(x: float, y: float) -> float:
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def test_every_surface_is_a_problem_with_its_start_and_minima(client: StrictClient) -> None:
    for name, surface in SURFACES.items():
        s = new_run(client, {"problem": {"kind": "surface", "name": name}, "optimizer": {"name": "gd", "lr": 1e-5}})
        p = s["problem"]
        assert p["kind"] == "surface" and p["name"] == name and p["dim"] == 2 and p["formula"] == surface.formula
        assert s["start"] == list(surface.start) and s["racers"][0]["params"] == list(surface.start)
        assert p["minima"] == [list(m) for m in surface.minima({x.name: x.default for x in surface.settings})]
        assert s["minimum"] == (p["minima"][0] if p["minima"] else None)
        r = client.post(url(s, "step"), json={"n": 3})
        assert r.status_code == 200 and r.json()["state"]["t"] == 3, name


def test_rosenbrock_state_settings_and_start(client: StrictClient) -> None:
    s = new_run(client, {"problem": {**ROSENBROCK, "a": 2, "b": 10}, "start": [0.5, -0.5]})
    assert s["problem"]["settings"] == {"a": 2.0, "b": 10.0} and s["problem"]["minima"] == [[2.0, 4.0]]
    assert s["minimum"] == [2.0, 4.0] and s["problem"]["minimum_loss"] == 0.0
    assert s["start"] == [0.5, -0.5]
    assert s["racers"][0]["loss"] == pytest.approx((2 - 0.5) ** 2 + 10 * (-0.5 - 0.25) ** 2)
    assert s["max_stable_lr"] is None
    q = new_run(client, {"problem": {"kind": "surface", "name": "quadratic", "condition": 4}})
    assert q["problem"]["eigenvalues"] == pytest.approx([1.0, 4.0]) and q["max_stable_lr"] == pytest.approx(0.5)
    assert q["problem"]["best_lr"] == pytest.approx(0.4)


BAD_SURFACES: list[tuple[dict[str, Any], list[str], str]] = [
    ({"name": "banana"}, ["name"], "unknown name 'banana'"),
    ({"name": "rosenbrock", "A": 3}, ["A"], "unknown field"),
    ({"a": 1, "b": 0}, ["b"], "greater than 0"),
    ({"name": "rastrigin", "A": "deep"}, ["A"], "number"),
    ({"name": "quadratic", "condition": 0.5}, ["condition"], "greater than or equal to 1"),
    ({"name": "saddle", "data": {"n": 3}}, ["data"], "unknown field"),
]


def test_bad_surface_specs_name_the_field(client: StrictClient) -> None:
    for problem, loc, words in BAD_SURFACES:
        r = client.post("/api/runs", json={"problem": {"kind": "surface", **problem}})
        assert r.status_code == 422, r.text
        first = r.json()["detail"][0]
        assert first["loc"] == ["body", "problem", *loc] and words in first["msg"], first
    r = client.post("/api/runs", json={"problem": ROSENBROCK, "start": [0, 0, 0]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "start"]


def test_rosenbrock_surface_field_and_flow(client: StrictClient) -> None:
    s = new_run(client, {"problem": ROSENBROCK})
    surf = client.get(url(s, "surface"), params={"n": 41}).json()
    box = surf["box"]
    assert box["x_min"] <= -1.2 and box["x_max"] >= 1.0 and box["y_min"] <= 1.0 <= box["y_max"]  # start, minimum
    i, j = 7, 31
    assert surf["z"][j][i] == pytest.approx(rosenbrock(surf["x"][i], surf["y"][j]))
    z = np.array(surf["z"])
    jm, im = np.unravel_index(np.argmin(z), z.shape)
    assert abs(surf["x"][im] - 1.0) < 0.3 and abs(surf["y"][jm] - 1.0) < 0.3  # the valley's floor near (1, 1)
    f = client.get(url(s, "field"), params={"n": 5, "x_min": -2, "x_max": 2, "y_min": -1, "y_max": 3}).json()
    x, y = f["x"][1], f["y"][3]
    assert [f["u"][3][1], f["v"][3][1]] == pytest.approx([2 * (1 - x) + 400 * x * (y - x * x), -200 * (y - x * x)])
    flow = client.get(url(s, "flow"), params={"per_side": 2}).json()
    assert len(flow["paths"]) == 8
    for path in flow["paths"]:
        J = [rosenbrock(*p) for p in path if None not in p]
        assert J[-1] <= J[0] + 1e-9


def test_race_of_three_over_rest(client: StrictClient) -> None:
    s = new_run(client, {"problem": ROSENBROCK, "racers": THREE, "stop": ENDLESS})
    assert s["race"] is True and [r["optimizer"]["name"] for r in s["racers"]] == ["gd", "adam", "rmsprop"]
    r = client.post(url(s, "step"), json={"n": 50}).json()
    steps = r["steps"]
    assert sorted({(x["racer"], x["t"]) for x in steps}) == [(k, t) for k in range(3) for t in range(1, 51)]
    state = r["state"]
    assert [x["t"] for x in state["racers"]] == [50, 50, 50]
    assert all(x["loss"] < 24.2 for x in state["racers"])  # each racer went downhill
    paths = {k: [x["params"] for x in steps if x["racer"] == k] for k in range(3)}
    assert paths[0] != paths[1] != paths[2]
    last = {x["racer"]: x for x in steps if x["t"] == 50}
    assert [state["racers"][k]["params"] for k in range(3)] == [last[k]["params"] for k in range(3)]
    h = client.get(url(s, "history"), params={"racer": 1}).json()["steps"]
    assert [x["t"] for x in h] == list(range(51)) and {x["racer"] for x in h} == {1}
    client.patch(url(s), json={"racer": 2, "optimizer": {"lr": 0.002}})
    r = client.post(url(s, "step"), json={"n": 1}).json()
    assert {x["racer"]: x["lr"] for x in r["steps"]} == {0: 0.001, 1: 0.02, 2: 0.002}


def test_race_of_three_over_the_websocket_with_a_racer_retuned(client: StrictClient) -> None:
    s = new_run(client, {"problem": ROSENBROCK, "racers": THREE, "stop": ENDLESS})
    with client.websocket_connect(url(s, "stream")) as ws:
        hello = recv(ws)
        assert len(hello["state"]["racers"]) == 3 and "network" not in hello
        ws.send_json({"type": "play", "speed": 600})
        recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        ws.send_json({"type": "set", "racer": 1, "optimizer": {"lr": 0.005}})
        ws.send_json({"type": "ping"})
        _, before = recv_until(ws, "pong")
        after: list[dict[str, Any]] = []
        while len([x for m in after if m["type"] == "frame" for x in m["steps"] if x["racer"] == 1]) < 15:
            after.append(recv(ws))
        ws.send_json({"type": "pause"})
        recv_until(ws, "status", where=lambda m: m["status"] == "paused")
    steps = [x for m in before + after if m["type"] == "frame" for x in m["steps"]]
    lrs = {k: [x["lr"] for x in steps if x["racer"] == k] for k in range(3)}
    switch = lrs[1].index(0.005)
    assert set(lrs[1][:switch]) <= {0.02} and set(lrs[1][switch:]) == {0.005}  # once, and never back
    after_steps = [x for m in after if m["type"] == "frame" for x in m["steps"]]
    assert {x["lr"] for x in after_steps if x["racer"] == 1} == {0.005}  # every step after the answer
    assert set(lrs[0]) == {0.001} and set(lrs[2]) == {0.001}  # the other racers untouched
    for k in range(3):  # every racer's steps in order, none twice
        ts = [x["t"] for x in steps if x["racer"] == k]
        assert ts == list(range(ts[0], ts[0] + len(ts)))
    state = client.get(url(s)).json()
    assert state["racers"][1]["optimizer"]["lr"] == 0.005 and state["racers"][0]["optimizer"]["lr"] == 0.001


def test_divergence_is_per_racer(client: StrictClient) -> None:
    s = new_run(client, {"problem": ROSENBROCK, "racers": [{"name": "gd", "lr": 0.5}, {"name": "gd", "lr": 0.0005}],
                         "stop": {"max_steps": 100}})
    with client.websocket_connect(url(s, "stream")) as ws:
        recv(ws)
        ws.send_json({"type": "step", "n": 10})
        status, _ = recv_until(ws, "status", where=lambda m: m["racers"][0]["status"] == "diverged")
        assert status["racers"][1]["status"] == "paused" and status["status"] == "paused"
        assert status["racers"][0]["stop_reason"]["test"] == "diverged"
    state = client.get(url(s)).json()  # strict JSON: no NaN or Infinity anywhere
    r0, r1 = state["racers"]
    assert r0["status"] == "diverged" and "diverged at t = 1" in r0["stop_reason"]["message"]
    assert r0["t"] == 1 and all(math.isfinite(v) for v in r0["params"])  # the last finite point is kept
    assert r1["t"] == 10 and r1["loss"] < 24.2 and state["message"] == "paused: 1 of 2 racers finished"
    r = client.post(url(s, "step"), json={"n": 90}).json()["state"]
    assert [x["status"] for x in r["racers"]] == ["diverged", "stopped"] and r["status"] == "stopped"
    assert r["racers"][0]["t"] == 1 and r["racers"][1]["t"] == 100
