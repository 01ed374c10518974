"""Watch links: watchers see every message of the run, cannot change it (server-side), are counted; forks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from app.schemas_socket_out import server_message
from tests.app.conftest import StrictClient, new_run, recv, recv_until

pytestmark = pytest.mark.timeout(60)
ENDLESS = {"stop": {"grad_norm": None, "delta_loss": None, "max_steps": None}}
CONTROL = [
    {"type": "play", "speed": 100}, {"type": "pause"}, {"type": "step", "n": 5},
    {"type": "set", "optimizer": {"lr": 0.5}}, {"type": "set", "stop": {"max_steps": 3}},
    {"type": "reset"}, {"type": "reset", "params": [1.0, 1.0]},
    {"type": "add_racer", "racer": {"name": "adam", "lr": 0.1}}, {"type": "remove_racer", "racer": 0},
    {"type": "set_weight", "layer": 0, "i": 0, "j": 0, "value": 1.0},
]


def broadcast(client: StrictClient, run: dict[str, Any], name: str = "Ms Lovelace's run") -> str:
    r = client.post(f"/api/runs/{run['id']}/watch", json={"name": name})
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    assert token != run["id"] and run["id"] not in token
    return token


def until_pong(ws: Any) -> list[dict[str, Any]]:
    ws.send_json({"type": "ping"})
    return recv_until(ws, "pong")[1]


def test_watcher_sees_what_the_owner_sees_without_the_run_id(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    token = broadcast(client, run)
    info = client.get(f"/api/watch/{token}").json()
    assert info["name"] == "Ms Lovelace's run" and info["watchers"] == 0 and "id" not in info["state"]
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as owner, \
            client.websocket_connect(f"/api/watch/{token}/stream") as watcher:
        assert recv(owner)["type"] == "hello"
        texts: list[str] = []
        hello = recv(watcher)
        assert hello["type"] == "hello" and "id" not in hello["state"] and hello["state"]["t"] == 0
        owner.send_json({"type": "step", "n": 40})
        owner.send_json({"type": "set", "optimizer": {"lr": 0.05}})
        owner.send_json({"type": "step", "n": 10})
        owner.send_json({"type": "add_racer", "racer": {"name": "adam", "lr": 0.1}})
        owner.send_json({"type": "reset"})
        owner.send_json({"type": "step", "n": 3})
        owner.send_json({"type": "ping"})
        _, seen_by_owner = recv_until(owner, "pong")
        watcher.send_json({"type": "ping"})
        for _ in range(10_000):  # read the watcher's raw text too: the run id must never be in it
            text = watcher.receive_text()
            texts.append(text)
            if '"pong"' in text:
                break
        assert all(run["id"] not in t for t in texts)
        seen = [json.loads(t) for t in texts]
        for m in seen:
            server_message.validate_python(m)  # as recv does: every message has its model
        kinds = [m["type"] for m in seen]
        assert "watchers" in kinds and "racers" in kinds and "reset" in kinds
        reset_at = kinds.index("reset")
        before = [s["t"] for m in seen[:reset_at] if m["type"] == "frame" for s in m["steps"] if s["racer"] == 0]
        assert before == list(range(1, 51))  # every step, in order, as the owner took them
        lrs = {s["t"]: s["lr"] for m in seen[:reset_at] if m["type"] == "frame" for s in m["steps"]}
        assert lrs[40] == 0.1 and lrs[41] == 0.05
        after = [(s["racer"], s["t"]) for m in seen[reset_at + 1:] if m["type"] == "frame" for s in m["steps"]]
        assert after == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]
        owner_steps = [s["t"] for m in seen_by_owner if m["type"] == "frame" for s in m["steps"] if s["racer"] == 0]
        assert owner_steps[:50] == before


@pytest.mark.parametrize("msg", CONTROL, ids=lambda m: m["type"] + ("+" + "".join(k for k in m if k != "type")))
def test_the_server_refuses_a_watchers_control_messages(client: StrictClient, msg: dict[str, Any]) -> None:
    run = new_run(client, {**ENDLESS, "racers": [{"name": "gd", "lr": 0.1}, {"name": "adam", "lr": 0.1}]})
    client.post(f"/api/runs/{run['id']}/step", json={"n": 7})
    token = broadcast(client, run)
    with client.websocket_connect(f"/api/watch/{token}/stream") as watcher:
        recv(watcher)
        watcher.send_json(msg)
        err, _ = recv_until(watcher, "error")
        assert err["to"] == msg["type"] and err["field"] == "type"
        assert "watch link cannot" in err["message"] and "only its owner" in err["message"]
        watcher.send_json({"type": "subscribe", "frame_hz": 5})  # allowed, and the socket is still open
        assert recv_until(watcher, "subscribed")[0]["frame_hz"] == 5
    state = client.get(f"/api/runs/{run['id']}").json()
    assert state["t"] == 7 and state["status"] == "paused" and len(state["racers"]) == 2
    assert [r["optimizer"]["lr"] for r in state["racers"]] == [0.1, 0.1] and state["stop"]["max_steps"] is not None


def test_the_watch_token_reaches_no_control_route(client: StrictClient) -> None:
    run = new_run(client)
    token = broadcast(client, run)
    base = f"/api/runs/{token}"
    answers = [client.post(f"{base}/step", json={"n": 1}), client.patch(base, json={"optimizer": {"lr": 1.0}}),
               client.post(f"{base}/reset", json={}), client.delete(base), client.get(base),
               client.post(f"{base}/racers", json={"name": "adam"}), client.post(f"{base}/save", json={"name": "x"}),
               client.post(f"/api/watch/{token}/step", json={"n": 1}), client.get(f"/api/watch/{token}/export")]
    assert [a.status_code for a in answers[:7]] == [404] * 7
    assert answers[7].status_code in (404, 405) and answers[8].status_code == 404
    config = client.get(f"/api/watch/{token}/config")  # what the watcher's page sets itself up from
    assert config.status_code == 200 and run["id"] not in config.text
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(f"{base}/stream") as ws:
        recv(ws)
    assert closed.value.code == 1008
    assert client.get(f"/api/runs/{run['id']}").json()["t"] == 0
    # ...while the read-only views answer through the token, as through the run id
    via_token = client.get(f"/api/watch/{token}/surface", params={"n": 20})
    assert via_token.status_code == 200 and via_token.json() == client.get(
        f"/api/runs/{run['id']}/surface", params={"n": 20}).json()
    assert client.get(f"/api/watch/{token}/data").status_code == 200


def test_watchers_are_counted_and_the_owner_ends_the_broadcast(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    token = broadcast(client, run)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as owner:
        assert recv(owner)["type"] == "hello"
        assert recv_until(owner, "watchers")[0]["count"] == 0  # right after the hello: the run is broadcast
        with client.websocket_connect(f"/api/watch/{token}/stream") as w1:
            recv(w1)
            assert recv_until(owner, "watchers")[0]["count"] == 1
            with client.websocket_connect(f"/api/watch/{token}/stream") as w2:
                recv(w2)
                assert recv_until(owner, "watchers")[0]["count"] == 2
                assert recv_until(w2, "watchers")[0] == {"type": "watchers", "count": 2, "live": True,
                                                          "name": "Ms Lovelace's run"}
                assert client.get(f"/api/runs/{run['id']}/watch").json()["watchers"] == 2
            assert recv_until(owner, "watchers")[0]["count"] == 1
            assert client.delete(f"/api/runs/{run['id']}/watch").status_code == 204
            closing, _ = recv_until(w1, "closing")
            assert closing["reason"] == "the broadcast ended"
            with pytest.raises(WebSocketDisconnect) as closed:
                recv(w1)
            assert closed.value.code == 1000
            assert recv_until(owner, "watchers")[0] == {"type": "watchers", "count": 0, "live": False, "name": None}
        owner.send_json({"type": "step", "n": 2})  # the owner's run goes on
        assert recv_until(owner, "frame", where=lambda m: m["state"]["t"] == 2)
    assert client.get(f"/api/watch/{token}").status_code == 404
    assert client.get(f"/api/runs/{run['id']}/watch").status_code == 404
    assert client.delete(f"/api/runs/{run['id']}/watch").status_code == 404
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(f"/api/watch/{token}/stream") as ws:
        recv(ws)
    assert closed.value.code == 1008 and "no broadcast" in closed.value.reason


def test_a_broadcast_has_a_watcher_limit(make_client: Any) -> None:
    c = make_client(max_watchers=1)
    run = new_run(c)
    token = broadcast(c, run)
    with c.websocket_connect(f"/api/watch/{token}/stream") as w1:
        recv(w1)
        with pytest.raises(WebSocketDisconnect) as closed, c.websocket_connect(f"/api/watch/{token}/stream") as w2:
            recv(w2)
        assert closed.value.code == 1008 and "max_watchers" in closed.value.reason


def test_deleting_the_run_ends_its_broadcast(client: StrictClient) -> None:
    run = new_run(client)
    token = broadcast(client, run)
    assert client.delete(f"/api/runs/{run['id']}").status_code == 204
    assert client.get(f"/api/watch/{token}").status_code == 404
    assert client.post(f"/api/watch/{token}/fork").status_code == 404


NETWORK = {"kind": "network", "layers": [2, 5, 3], "activation": "tanh", "head": "softmax", "loss": "ce",
           "data": {"name": "spiral", "n": 240, "noise": 0.1, "test_ratio": 0.25, "seed": 2}}


@pytest.mark.parametrize("body", [
    {"problem": NETWORK, "optimizer": {"name": "adam", "lr": 0.02, "batch_size": 8}},
    {"problem": {"kind": "linear_regression", "data": {"n": 120}}, "optimizer": {"name": "gd", "lr": 0.05,
                                                                                  "momentum": 0.9, "batch_size": 5}},
], ids=["network-adam-batches", "line-momentum-batches"])
def test_a_fork_at_500_continues_as_the_original(client: StrictClient, body: dict[str, Any]) -> None:
    run = new_run(client, {**body, **ENDLESS})
    client.post(f"/api/runs/{run['id']}/step", json={"n": 500})
    token = broadcast(client, run)
    r = client.post(f"/api/watch/{token}/fork")
    assert r.status_code == 201, r.text
    twin = r.json()
    assert twin["id"] != run["id"] and twin["t"] == 500 and twin["status"] == "paused"
    assert any(s["id"] == twin["id"] for s in client.get("/api/runs").json())  # the caller's own run
    mine = client.post(f"/api/runs/{run['id']}/step", json={"n": 100}).json()["steps"]
    theirs = client.post(f"/api/runs/{twin['id']}/step", json={"n": 100}).json()["steps"]
    assert [s["t"] for s in mine] == list(range(501, 601)) and mine == theirs  # JSON floats: exact round trip
    h1 = client.get(f"/api/runs/{run['id']}/history").json()
    h2 = client.get(f"/api/runs/{twin['id']}/history").json()
    assert h1 == h2
    again = client.post(f"/api/runs/{run['id']}/fork").json()  # from a run id too
    assert again["t"] == 600
    assert again["racers"][0]["loss"] == client.get(f"/api/runs/{run['id']}").json()["racers"][0]["loss"]


def test_a_network_run_is_watched_with_its_views(client: StrictClient) -> None:
    run = new_run(client, {"problem": NETWORK, "optimizer": {"name": "adam", "lr": 0.02}})
    client.post(f"/api/runs/{run['id']}/step", json={"n": 5})
    token = broadcast(client, run)
    via = f"/api/watch/{token}"
    assert client.get(f"{via}/network").json() == client.get(f"/api/runs/{run['id']}/network").json()
    points = {"points": [[0.0, 0.0], [0.5, -0.5]]}
    assert client.post(f"{via}/predict", json=points).json() == client.post(
        f"/api/runs/{run['id']}/predict", json=points).json()
    assert client.post(f"{via}/data", json={}).status_code in (404, 405)  # only predict is a POST view
    with client.websocket_connect(f"{via}/stream") as watcher:
        hello = recv(watcher)
        assert hello["state"]["t"] == 5 and "network" in hello and "id" not in hello["state"]
