"""PATCH /api/runs/{id}/network and the websocket's set_weight: one weight set live, refusals naming the field,
the edit in the export (an import replays it) and in the frames watchers get."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.app.conftest import StrictClient, new_run, recv, recv_until

pytestmark = pytest.mark.timeout(60)
XOR = {"kind": "network", "layers": [2, 3, 1], "activation": "tanh", "head": "sigmoid", "loss": "bce",
       "data": {"name": "xor", "n": 60, "noise": 0.1, "test_ratio": 0.5, "seed": 0}}
ENDLESS = {"grad_norm": None, "delta_loss": None, "max_steps": None}


def net_run(client: StrictClient) -> dict[str, Any]:
    return new_run(client, {"problem": XOR, "optimizer": {"name": "gd", "lr": 0.5, "momentum": 0.5}, "stop": ENDLESS})


def test_patch_sets_the_weight_and_the_next_step_starts_from_it(client: StrictClient) -> None:
    run = net_run(client)
    base = f"/api/runs/{run['id']}"
    client.post(f"{base}/step", json={"n": 10})
    r = client.patch(f"{base}/network", json={"layer": 0, "i": 1, "j": 2, "value": 0.625})
    assert r.status_code == 200, r.text
    assert r.json()["layers"][0]["W"][1][2] == 0.625
    got = client.patch(f"{base}/network", json={"layer": 1, "i": None, "j": 0, "value": -2}).json()
    assert got["layers"][1]["b"] == [-2.0]
    assert client.get(f"{base}/network").json() == got
    engine = client.app.state.store.entries[run["id"]].run  # type: ignore[attr-defined]
    loss, _ = engine.problem.loss_grad(engine.theta[:1].copy())
    state = client.get(base).json()
    assert state["racers"][0]["loss"] == float(loss[0])  # J of the edited weights, before any step
    steps = client.post(f"{base}/step", json={"n": 1}).json()["steps"]
    assert steps[0]["t"] == 11


@pytest.mark.parametrize(("body", "field"), [
    ({"layer": 2, "i": 0, "j": 0, "value": 1}, "layer"),
    ({"layer": 0, "i": 2, "j": 0, "value": 1}, "i"),
    ({"layer": 0, "i": 0, "j": 3, "value": 1}, "j"),
    ({"layer": 0, "i": 0, "j": 0, "value": 1, "racer": 1}, "racer"),
    ({"layer": -1, "i": 0, "j": 0, "value": 1}, "layer"),
    ({"layer": 0, "i": 0, "j": 0, "value": 1e9}, "value"),
    ({"layer": 0, "i": 0, "j": 0}, "value"),
])
def test_bad_edits_are_422_naming_the_field(client: StrictClient, body: dict[str, Any], field: str) -> None:
    run = net_run(client)
    before = client.get(f"/api/runs/{run['id']}/network").json()
    r = client.patch(f"/api/runs/{run['id']}/network", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", field]
    assert client.get(f"/api/runs/{run['id']}/network").json() == before


def test_nan_is_refused_and_a_line_fit_has_no_network(client: StrictClient) -> None:
    run = net_run(client)
    r = client.patch(f"/api/runs/{run['id']}/network", content='{"layer": 0, "i": 0, "j": 0, "value": NaN}',
                     headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "value"], r.text
    line = new_run(client)
    r = client.patch(f"/api/runs/{line['id']}/network", json={"layer": 0, "i": 0, "j": 0, "value": 1})
    assert r.status_code == 409 and "needs a network run" in r.json()["detail"]


def test_the_export_keeps_the_edit_and_an_import_replays_it_bit_for_bit(client: StrictClient) -> None:
    run = net_run(client)
    base = f"/api/runs/{run['id']}"
    client.post(f"{base}/step", json={"n": 25})
    client.patch(f"{base}/network", json={"layer": 0, "i": 0, "j": 1, "value": 1.75})
    client.post(f"{base}/step", json={"n": 25})
    doc = client.get(f"{base}/export").json()
    assert {"type": "weight", "clock": 25, "racer": 0, "layer": 0, "i": 0, "j": 1, "value": 1.75} in doc["events"]
    new = client.post("/api/runs/import", json=doc)
    assert new.status_code == 201, new.text
    mine = client.get(f"{base}/network").json()
    theirs = client.get(f"/api/runs/{new.json()['id']}/network").json()
    assert theirs == mine
    assert np.array_equal(np.array(mine["layers"][0]["W"]), np.array(theirs["layers"][0]["W"]))


def test_the_websocket_edit_reaches_watchers_and_a_bad_one_names_its_field(client: StrictClient) -> None:
    run = net_run(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        recv_until(ws, "hello")
        ws.send_json({"type": "set_weight", "layer": 1, "i": 2, "j": 0, "value": 3.5})
        frame, _ = recv_until(ws, "frame", where=lambda m: "network" in m)
        assert frame["network"]["layers"][1]["W"][2][0] == 3.5
        ws.send_json({"type": "set_weight", "layer": 0, "i": 0, "j": 9, "value": 1})
        err, _ = recv_until(ws, "error")
        assert err["field"] == "j" and err["to"] == "set_weight", err
        ws.send_json({"type": "set_weight", "layer": 0, "i": 0, "j": 0, "value": "big"})
        err = recv(ws)
        assert err["type"] == "error" and err["field"] == "value", err
        ws.send_json({"type": "ping"})
        assert recv_until(ws, "pong")[0]["type"] == "pong"  # the socket stays up
    assert client.get(f"/api/runs/{run['id']}/network").json()["layers"][1]["W"][2][0] == 3.5


def test_an_imported_weight_event_is_checked_naming_its_field(client: StrictClient) -> None:
    run = net_run(client)
    doc = client.get(f"/api/runs/{run['id']}/export").json()
    doc["clock"] = 2
    for event, loc in (({"racer": 1, "layer": 0, "i": 0, "j": 0, "value": 1.0}, ["body", "events", 0, "racer"]),
                       ({"layer": 0, "i": 0, "j": 0, "value": 1e9}, ["body", "events", 0, "value"]),
                       ({"layer": 5, "i": 0, "j": 0, "value": 1.0}, ["body", "events"])):
        doc["events"] = [{"clock": 1, "type": "weight", **event}]
        r = client.post("/api/runs/import", json=doc)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == loc, r.text
    doc["events"], doc["clock"] = [{"clock": 1, "type": "weight", "layer": 1, "i": None, "j": 0, "value": 0.5}], 1
    r = client.post("/api/runs/import", json=doc)
    assert r.status_code == 201, r.text
    assert client.get(f"/api/runs/{r.json()['id']}/network").json()["layers"][1]["b"] == [0.5]
