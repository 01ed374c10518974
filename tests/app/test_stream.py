"""The websocket protocol: hello, play, frames, live changes, bad messages, several clients, clean-up."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.app.conftest import StrictClient, new_run, recv, recv_until, steps_until, wait_for

pytestmark = pytest.mark.timeout(30)
ENDLESS = {"stop": {"grad_norm": None, "max_steps": None}}  # plays until paused


def url(run: dict[str, Any]) -> str:
    return f"/api/runs/{run['id']}/stream"


def play_loops(client: StrictClient) -> int:
    """Play loops running in the app now (its /api/health)."""
    n: int = client.get("/api/health").json()["playing"]
    return n


def frames_steps(msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for m in msgs if m["type"] == "frame" for s in m["steps"]]


def quiet(ws: Any) -> list[dict[str, Any]]:
    """What the server sends before answering a ping (a barrier: every step taken before it comes first)."""
    ws.send_json({"type": "ping"})
    _, before = recv_until(ws, "pong")
    return before


def test_hello_has_state_and_history(client: StrictClient) -> None:
    run = new_run(client)
    client.post(f"/api/runs/{run['id']}/step", json={"n": 4})
    with client.websocket_connect(url(run)) as ws:
        hello = recv(ws)
        assert hello["type"] == "hello" and hello["state"]["id"] == run["id"] and hello["state"]["t"] == 4
        assert [s["t"] for s in hello["steps"]] == [0, 1, 2, 3, 4]


def test_hello_is_capped(make_client: Any) -> None:
    c = make_client(hello_steps=10)
    run = new_run(c)
    c.post(f"/api/runs/{run['id']}/step", json={"n": 30})
    with c.websocket_connect(url(run)) as ws:
        hello = recv(ws)
        assert [s["t"] for s in hello["steps"]] == list(range(21, 31)) and hello["dropped"] == 21


def test_play_streams_every_step_then_pause_stops_frames(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        ws.send_json({"type": "play", "speed": 3000})
        status, _ = recv_until(ws, "status")
        assert status["status"] == "running" and status["racers"][0]["status"] == "running"
        got: list[dict[str, Any]] = []
        while len(got) < 6:
            m = recv(ws)
            if m["type"] == "frame" and m["steps"]:
                got.append(m)
        ts = [s["t"] for s in frames_steps(got)]
        assert ts == list(range(ts[0], ts[0] + len(ts)))  # every step, in order, none twice
        assert got[-1]["state"]["status"] == "running" and got[-1]["state"]["t"] >= ts[-1]
        ws.send_json({"type": "pause"})
        paused, before = recv_until(ws, "status")
        assert paused["status"] == "paused"
        ts += [s["t"] for s in frames_steps(before)]
        assert ts == list(range(ts[0], ts[0] + len(ts)))
        assert frames_steps(quiet(ws)) == []  # paused: no more steps ...
        wait_for(lambda: play_loops(client) == 0)  # ... and no play loop to take any
        assert client.get(f"/api/runs/{run['id']}").json()["t"] == ts[-1]


def test_set_lr_mid_run_is_seen_in_the_next_frames(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        ws.send_json({"type": "play", "speed": 600})
        recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        ws.send_json({"type": "set", "optimizer": {"lr": 0.05}})
        ws.send_json({"type": "ping"})
        _, before = recv_until(ws, "pong")
        after: list[dict[str, Any]] = []
        while len(frames_steps(after)) < 20:
            after.append(recv(ws))
        ws.send_json({"type": "pause"})
        lrs = [s["lr"] for s in frames_steps(before + after)]
        assert lrs[0] == 0.1 or lrs[0] == 0.05
        switch = lrs.index(0.05)
        assert set(lrs[:switch]) <= {0.1} and set(lrs[switch:]) == {0.05}  # changes once, never back
        assert all(s["lr"] == 0.05 for s in frames_steps(after))  # every frame after the answer: new lr
        assert [m for m in after if m["type"] == "frame"][0]["state"]["racers"][0]["optimizer"]["lr"] == 0.05


@pytest.mark.parametrize(
    ("send", "words", "field"),
    [
        ("{not json", "malformed JSON", None),
        ("[1, 2]", "JSON object", "type"),
        ('{"speed": 3}', "type: missing", "type"),
        ('{"type": "jump"}', "unknown type 'jump'", "type"),
        ('{"type": ["play"]}', "must be a string", "type"),
        ('{"type": "play", "speed": "fast"}', "speed", "speed"),
        ('{"type": "play", "speed": NaN}', "finite", "speed"),
        ('{"type": "play", "speed": 1e9}', "speed", "speed"),
        ('{"type": "play", "speed": -1}', "speed", "speed"),
        ('{"type": "step", "n": 0}', "n:", "n"),
        ('{"type": "step", "n": 100000000}', "n:", "n"),
        ('{"type": "set", "optimizer": {"lr": -1}}', "optimizer.lr", "optimizer.lr"),
        ('{"type": "set", "optimizer": {"lr": Infinity}}', "optimizer.lr", "optimizer.lr"),
        ('{"type": "set", "stop": {"max_steps": "x"}}', "stop.max_steps", "stop.max_steps"),
        ('{"type": "set", "racer": 4, "optimizer": {"lr": 0.2}}', "no racer 4", "racer"),
        ('{"type": "set", "optimizer": {"name": "adam", "momentum": 0.5}}', "optimizer.momentum",
         "optimizer.momentum"),
        ('{"type": "reset", "params": [1]}', "params", "params"),
        ('{"type": "add_racer", "racer": {"name": "adam", "lr": 0}}', "racer.lr", "racer.lr"),
        ('{"type": "remove_racer", "racer": 0}', "at least one", "racer"),
        ('{"type": "subscribe", "frame_hz": 500}', "frame_hz", "frame_hz"),
        ('{"type": "ping", "extra": 1}', "extra", "extra"),
        ("[" * 5000 + "]" * 5000, "malformed JSON", None),
        ('{"type": "ping", "pad": "' + "x" * 70_000 + '"}', "too large", None),
    ],
)
def test_bad_message_gets_an_error_and_the_socket_works_after(
    client: StrictClient, send: str, words: str, field: str | None
) -> None:
    run = new_run(client)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        ws.send_text(send)
        err, _ = recv_until(ws, "error")
        assert words in err["message"], err
        assert err["field"] == field, err
        ws.send_json({"type": "step", "n": 2})
        assert [s["t"] for s in steps_until(ws, 2)] == [1, 2]  # in one frame or two
    assert client.get("/api/health").json()["ok"] is True


def test_binary_message_is_an_error(client: StrictClient) -> None:
    run = new_run(client)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        ws.send_bytes(json.dumps({"type": "ping"}).encode())
        err, _ = recv_until(ws, "error")
        assert "binary" in err["message"]
        ws.send_json({"type": "ping"})
        recv_until(ws, "pong")


def test_status_on_convergence_and_play_when_finished(client: StrictClient) -> None:
    run = new_run(client)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        ws.send_json({"type": "play", "speed": 20000})
        done, before = recv_until(ws, "status", where=lambda m: m["status"] != "running")
        assert done["status"] == "converged" and done["racers"][0]["stop_reason"]["test"] == "grad_norm"
        assert done["message"].startswith("converged: ‖∇J‖ ≤ 1e-6 at t = ")
        assert [r["status"] for r in done["racers"]] == ["converged"] and "stop_reason" not in done
        last = frames_steps(before)[-1]["t"]
        assert last == done["t"] == done["racers"][0]["stop_reason"]["t"]  # the last steps came before the status
        wait_for(lambda: play_loops(client) == 0)
        ws.send_json({"type": "play", "speed": 100})
        again, _ = recv_until(ws, "status")
        assert again["status"] == "converged"


def test_step_reset_and_racers_messages(client: StrictClient) -> None:
    run = new_run(client)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        ws.send_json({"type": "step", "n": 3})
        status, before = recv_until(ws, "status")  # ready -> paused, after the frame with the steps
        assert status["status"] == "paused" and [s["t"] for s in frames_steps(before)] == [1, 2, 3]
        ws.send_json({"type": "reset", "params": [2.0, 1.0]})
        reset, _ = recv_until(ws, "reset")
        assert reset["state"]["racers"][0]["params"] == [2.0, 1.0] and reset["state"]["t"] == 0
        assert [(s["t"], s["params"]) for s in reset["steps"]] == [(0, [2.0, 1.0])]
        ws.send_json({"type": "add_racer", "racer": {"name": "adam", "lr": 0.1}})
        added, _ = recv_until(ws, "racers")
        assert added["action"] == "added" and added["racer"] == 1 and len(added["state"]["racers"]) == 2
        ws.send_json({"type": "step", "n": 1})
        steps = frames_steps(quiet(ws))
        assert sorted((s["racer"], s["t"]) for s in steps) == [(0, 1), (1, 0), (1, 1)]
        ws.send_json({"type": "remove_racer", "racer": 0})
        removed, _ = recv_until(ws, "racers")
        assert removed["action"] == "removed" and [r["optimizer"]["name"] for r in removed["state"]["racers"]] == [
            "adam"]
        ws.send_json({"type": "subscribe", "frame_hz": 10, "steps": False, "grid_hz": 2})
        sub, _ = recv_until(ws, "subscribed")
        assert sub == {"type": "subscribed", "frame_hz": 10.0, "steps": False, "weights": True, "grid": True,
                       "grid_hz": 2.0, "grid_n": 60, "hidden": True, "plane": "slice", "x_feature": 0, "y_feature": 1}
        ws.send_json({"type": "step", "n": 2})
        frame, _ = recv_until(ws, "frame", where=lambda m: m["state"]["t"] == 3)
        assert frame["steps"] == []


def test_rest_changes_reach_watchers(client: StrictClient) -> None:
    run = new_run(client)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        client.post(f"/api/runs/{run['id']}/step", json={"n": 2})
        frame, _ = recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        assert [s["t"] for s in frame["steps"]] == [1, 2]
        client.patch(f"/api/runs/{run['id']}", json={"optimizer": {"lr": 0.3}})
        frame, _ = recv_until(ws, "frame", where=lambda m: m["state"]["racers"][0]["optimizer"]["lr"] == 0.3)
        client.post(f"/api/runs/{run['id']}/reset")
        reset, _ = recv_until(ws, "reset")
        assert reset["state"]["t"] == 0


def test_two_clients_both_get_every_step(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    with client.websocket_connect(url(run)) as a, client.websocket_connect(url(run)) as b:
        recv(a), recv(b)
        a.send_json({"type": "play", "speed": 2000})
        first, seen = recv_until(b, "frame", where=lambda m: m["state"]["t"] > 200)
        a.send_json({"type": "pause"})
        sa = frames_steps(quiet(a))
        sb = frames_steps([*seen, first, *quiet(b)])
        ta, tb = [s["t"] for s in sa], [s["t"] for s in sb]
        assert ta == list(range(1, len(ta) + 1)) and tb == list(range(1, len(tb) + 1))
        assert ta == tb and ta[-1] == client.get(f"/api/runs/{run['id']}").json()["t"]


def test_last_client_leaving_stops_the_play_loop(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        ws.send_json({"type": "play", "speed": 1000})
        recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        assert play_loops(client) == 1
    wait_for(lambda: play_loops(client) == 0)
    state = client.get(f"/api/runs/{run['id']}").json()
    assert state["status"] == "paused"  # no play loop: no more steps
    assert client.get(f"/api/runs/{run['id']}").json()["t"] == state["t"]


def test_one_of_two_clients_leaving_keeps_playing(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    with client.websocket_connect(url(run)) as a:
        recv(a)
        with client.websocket_connect(url(run)) as b:
            recv(b)
            b.send_json({"type": "play", "speed": 1000})
            recv_until(b, "frame", where=lambda m: bool(m["steps"]))
        t0 = recv_until(a, "frame", where=lambda m: bool(m["steps"]))[0]["steps"][-1]["t"]
        t1 = recv_until(a, "frame", where=lambda m: m["steps"] and m["steps"][-1]["t"] > t0 + 50)[0]
        assert t1["state"]["status"] == "running"
        a.send_json({"type": "pause"})
        recv_until(a, "status", where=lambda m: m["status"] == "paused")


def test_deleting_the_run_closes_the_socket(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    with client.websocket_connect(url(run)) as ws:
        recv(ws)
        ws.send_json({"type": "play", "speed": 500})
        recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        assert client.delete(f"/api/runs/{run['id']}").status_code == 204
        with pytest.raises(WebSocketDisconnect) as info:
            for _ in range(1000):
                recv(ws)
        assert info.value.code == 1000 and info.value.reason == "run deleted"


def test_unknown_run_and_bad_token_close_with_1008(client: StrictClient, make_client: Any) -> None:
    with client.websocket_connect("/api/runs/nope/stream") as ws, pytest.raises(WebSocketDisconnect) as info:
        recv(ws)
    assert info.value.code == 1008 and "nope" in info.value.reason
    c = make_client(api_token="tok")
    run = c.post("/api/runs", json={}, headers={"authorization": "Bearer tok"}).json()
    with c.websocket_connect(url(run)) as ws, pytest.raises(WebSocketDisconnect) as info:
        recv(ws)
    assert info.value.code == 1008 and "token" in info.value.reason
    with c.websocket_connect(url(run) + "?token=tok") as ws:
        assert recv(ws)["type"] == "hello"


def test_slow_client_gets_the_newest_steps_and_a_drop_count(make_client: Any) -> None:
    c = make_client(max_pending_steps=100)
    run = new_run(c)
    with c.websocket_connect(url(run)) as ws:
        recv(ws)
        c.post(f"/api/runs/{run['id']}/step", json={"n": 500})
        frames = [m for m in quiet(ws) if m["type"] == "frame" and m["steps"]]
        ts = [s["t"] for s in frames_steps(frames)]
        dropped = sum(f.get("dropped", 0) for f in frames)
        assert ts[-1] == 500 and len(ts) + dropped == 500 and len(ts) <= 100 * len(frames)
