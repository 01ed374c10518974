"""Class challenges: attempts from one start with locked settings, a board sorted by the goal, limits, paths,
and a board that survives a restart; 30 students as websocket clients."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from tests.app.conftest import StrictClient, new_run, recv, recv_until

pytestmark = pytest.mark.timeout(120)
LINE = {"problem": {"kind": "linear_regression", "data": {"n": 60, "seed": 4}},
        "optimizer": {"name": "gd", "lr": 0.1, "batch_size": 20}, "stop": {"grad_norm": None, "max_steps": 5000},
        "start": [-1.0, 4.0], "seed": 3}
TARGET = 0.35
LIMIT = 300


def make_challenge(client: StrictClient, body: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    run = new_run(client, body or LINE)
    spec = {"title": "Reach J ≤ 0.35", "goal": {"kind": "fewest_steps", "target": TARGET}, "limit": LIMIT,
            "allowed": ["lr", "batch_size"], **extra}
    r = client.post(f"/api/runs/{run['id']}/challenge", json=spec)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    assert out["key"] and out["id"] != run["id"] and out["settings"]["lr"] == 0.1
    return out


def attempt(client: StrictClient, cid: str, name: str, **settings: Any) -> Any:
    return client.post(f"/api/challenges/{cid}/attempts", json={"name": name, "settings": settings})


def expected_score(client: StrictClient, lr: float, batch: int | None) -> int | None:
    """What a plain run from the same start with these settings scores (the first t with J ≤ target)."""
    run = new_run(client, {**LINE, "optimizer": {"name": "gd", "lr": lr, "batch_size": batch},
                           "stop": {"grad_norm": None, "max_steps": LIMIT}})
    steps = client.post(f"/api/runs/{run['id']}/step", json={"n": LIMIT}).json()["steps"]
    hits = [s["t"] for s in steps if s["loss"] is not None and s["loss"] <= TARGET]
    client.delete(f"/api/runs/{run['id']}")
    return hits[0] if hits else None


def test_thirty_students_on_one_board(make_client: Any, tmp_path: Any) -> None:
    client = make_client()
    c = make_challenge(client)
    lrs = [0.02 + 0.03 * i for i in range(30)]  # some too small to reach the target within the limit
    batches = [None if i % 3 == 0 else 10 + i for i in range(30)]
    students = []
    for i, (lr, b) in enumerate(zip(lrs, batches, strict=True)):
        r = attempt(client, c["id"], f"Student {i:02d}", lr=lr, batch_size=b)
        assert r.status_code == 201, r.text
        a = r.json()
        assert "id" not in a["state"] and a["settings"] == {"lr": lr, "batch_size": b}
        students.append(a)
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(client.websocket_connect(f"/api/attempts/{a['id']}/stream")) for a in students]
        for ws in sockets:
            hello = recv(ws)
            assert hello["type"] == "hello" and "id" not in hello["state"] and hello["state"]["t"] == 0
        locked = sockets[0]
        for msg in ({"type": "set", "optimizer": {"lr": 5.0}}, {"type": "set", "stop": {"max_steps": 10**6}},
                    {"type": "add_racer", "racer": {"name": "adam"}}, {"type": "reset", "params": [0.0, 0.0]}):
            locked.send_json(msg)
            err, _ = recv_until(locked, "error")
            assert err["to"] == msg["type"]
        for ws in sockets:  # every student drives their own run
            ws.send_json({"type": "step", "n": LIMIT + 50})  # more than the limit: the attempt stops at it
        for ws in sockets:
            ws.send_json({"type": "ping"})
            recv_until(ws, "pong")
        board = client.get(f"/api/challenges/{c['id']}/board").json()
    rows = board["rows"]
    assert len(rows) == 30 and board["challenge"]["students"] == 30
    assert all((r["t"] == LIMIT and r["status"] == "stopped") or r["status"] == "diverged" for r in rows)
    assert rows[-1]["status"] == "diverged" and rows[-1]["score"] is None  # lr 0.89 is too large
    by_name = {r["name"]: r for r in rows}
    for i in (0, 1, 5, 12, 29):  # the scores are those of plain runs with the same settings
        assert by_name[f"Student {i:02d}"]["score"] == expected_score(client, lrs[i], batches[i])
    scores = [r["score"] for r in rows]
    scored = [s for s in scores if s is not None]
    assert scored and scored == sorted(scored) and scores[: len(scored)] == scored  # best first, unscored last
    assert [r["rank"] for r in rows[: len(scored)]] == list(range(1, len(scored) + 1))
    # the teacher overlays three attempts' paths
    ids = ",".join(r["id"] for r in rows[:3])
    got = client.get(f"/api/challenges/{c['id']}/paths", params={"key": c["key"], "ids": ids}).json()["attempts"]
    assert [a["id"] for a in got] == [r["id"] for r in rows[:3]]
    assert all(a["path"][0]["params"] == [-1.0, 4.0] and a["path"][-1]["t"] == LIMIT for a in got)
    assert all(len(a["path"]) == LIMIT + 1 for a in got)  # live: every step (up to 2,000)
    wrong = client.get(f"/api/challenges/{c['id']}/paths", params={"key": "nope", "ids": ids})
    assert wrong.status_code == 403 and "teacher key" in wrong.json()["detail"]
    # a restart: the board and the paths come from the store
    again = make_client()
    after = again.get(f"/api/challenges/{c['id']}/board").json()["rows"]
    assert [(r["id"], r["t"], r["score"], r["status"]) for r in after] == [
        (r["id"], r["t"], r["score"], r["status"]) for r in rows]
    assert not any(r["live"] for r in after)
    kept = again.get(f"/api/challenges/{c['id']}/paths", params={"key": c["key"], "ids": ids}).json()["attempts"]
    assert all(len(a["path"]) > 10 and a["path"][-1]["t"] == LIMIT for a in kept)
    assert attempt(again, c["id"], "Student 30", lr=0.3).status_code == 201  # the challenge goes on


def test_locked_settings_and_bad_challenges_are_refused(client: StrictClient) -> None:
    c = make_challenge(client)
    r = attempt(client, c["id"], "Ada", lr=0.2, momentum=0.9)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "settings", "momentum"]
    assert "locked by this challenge" in r.json()["detail"][0]["msg"]
    r = attempt(client, c["id"], "Ada", lr=-1.0)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "settings", "lr"]
    assert attempt(client, c["id"], "   ").status_code == 422
    assert client.post("/api/challenges/nope/attempts", json={"name": "Ada"}).status_code == 404
    run = new_run(client, {"racers": [{"name": "gd"}, {"name": "adam"}]})
    goal = {"kind": "fewest_steps", "target": 0.3}
    assert client.post(f"/api/runs/{run['id']}/challenge", json={"goal": goal}).status_code == 409
    run = new_run(client)
    for body, loc in (({"goal": {"kind": "fewest_steps"}}, ["body", "goal", "target"]),
                      ({"goal": goal, "allowed": ["lr", "warp"]}, ["body", "allowed", 1]),
                      ({"goal": goal, "limit": 10**9}, ["body", "limit"]),
                      ({"goal": {"kind": "largest_lr"}, "allowed": ["batch_size"]}, ["body", "allowed"])):
        r = client.post(f"/api/runs/{run['id']}/challenge", json=body)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, r.text
    r = client.post(f"/api/runs/{run['id']}/challenge", json={"goal": {"kind": "best_accuracy"}})
    assert r.status_code == 409 and "classification network" in r.json()["detail"]


def test_a_classification_network_makes_a_best_accuracy_challenge(client: StrictClient) -> None:
    net = {"problem": {"kind": "network", "layers": [2, 4, 1], "data": {"name": "xor", "n": 60, "seed": 1}},
           "optimizer": {"name": "gd", "lr": 0.5}, "stop": {"grad_norm": None}}
    run = new_run(client, net)
    r = client.post(f"/api/runs/{run['id']}/challenge", json={"goal": {"kind": "best_accuracy"}, "limit": 20})
    assert r.status_code == 201, r.text
    a = attempt(client, r.json()["id"], "Ada", lr=1.0)
    assert a.status_code == 201, a.text
    with client.websocket_connect(f"/api/attempts/{a.json()['id']}/stream") as ws:
        recv(ws)
        ws.send_json({"type": "step", "n": 20})
        ws.send_json({"type": "ping"})
        recv_until(ws, "pong")
    row = client.get(f"/api/challenges/{r.json()['id']}/board").json()["rows"][0]
    assert row["t"] == 20 and 0.0 <= row["accuracy"] <= 1.0 and row["score"] == row["accuracy"]


def test_limits_on_students_attempts_and_the_board(make_client: Any) -> None:
    client = make_client(max_students=2, max_attempts=2, max_board=3)
    c = make_challenge(client)
    assert attempt(client, c["id"], "Ada", lr=0.1).status_code == 201
    assert attempt(client, c["id"], " ada ", lr=0.2).status_code == 201  # the same student
    r = attempt(client, c["id"], "ADA", lr=0.3)
    assert r.status_code == 429 and "maximum of 2 attempts" in r.json()["detail"]
    assert attempt(client, c["id"], "Grace", lr=0.1).status_code == 201
    r = attempt(client, c["id"], "Grace", lr=0.2)
    assert r.status_code == 429 and "board is full" in r.json()["detail"]
    c2 = make_challenge(client)
    attempt(client, c2["id"], "Ada")
    attempt(client, c2["id"], "Grace")
    r = attempt(client, c2["id"], "Alan")
    assert r.status_code == 429 and "maximum of 2 students" in r.json()["detail"]


def test_an_attempt_is_reached_only_through_its_id(client: StrictClient) -> None:
    c = make_challenge(client)
    a = attempt(client, c["id"], "Ada", lr=0.3).json()
    assert client.get(f"/api/runs/{a['id']}").status_code == 404
    assert client.post(f"/api/runs/{a['id']}/step", json={"n": 1}).status_code == 404
    assert client.get(f"/api/attempts/{a['id']}/surface", params={"n": 10}).status_code == 200
    info = client.get(f"/api/attempts/{a['id']}").json()
    assert info["live"] and "id" not in info["state"] and info["settings"]["lr"] == 0.3
    with client.websocket_connect(f"/api/attempts/{a['id']}/stream") as ws:
        recv(ws)
        ws.send_json({"type": "reset"})  # allowed: the same start
        assert recv_until(ws, "reset")[0]["state"]["racers"][0]["params"] == [-1.0, 4.0]
        ws.send_json({"type": "play", "speed": 2000})
        recv_until(ws, "status", where=lambda m: m["status"] == "stopped")
    assert client.get(f"/api/challenges/{c['id']}/board").json()["rows"][0]["t"] == LIMIT


def test_largest_learning_rate_that_converges(client: StrictClient) -> None:
    body = {**LINE, "optimizer": {"name": "gd", "lr": 0.1}, "stop": {"grad_norm": 1e-4, "max_steps": 5000}}
    c = make_challenge(client, body, goal={"kind": "largest_lr"}, allowed=["lr"], limit=3000)
    for name, lr in (("slow", 0.05), ("fast", 0.5), ("too fast", 5.0)):
        a = attempt(client, c["id"], name, lr=lr).json()
        with client.websocket_connect(f"/api/attempts/{a['id']}/stream") as ws:
            recv(ws)
            ws.send_json({"type": "step", "n": 3000})
            ws.send_json({"type": "ping"})
            recv_until(ws, "pong")
    rows = client.get(f"/api/challenges/{c['id']}/board").json()["rows"]
    assert [(r["name"], r["status"], r["score"]) for r in rows] == [
        ("fast", "converged", 0.5), ("slow", "converged", 0.05), ("too fast", "diverged", None)]


def test_behind_a_proxy_tokens_and_attempt_ids_name_their_process(make_client: Any) -> None:
    client = make_client(worker="w7")
    run = new_run(client, LINE)
    token = client.post(f"/api/runs/{run['id']}/watch", json={"name": "x"}).json()["token"]
    assert token.startswith("w7.") and run["id"].startswith("w7.")
    assert client.get(f"/api/watch/{token}/surface", params={"n": 5}).status_code == 200  # dotted tokens' views
    c = make_challenge(client)
    a = attempt(client, c["id"], "Ada", lr=0.2).json()
    assert a["id"].startswith("w7.") and client.get(f"/api/attempts/{a['id']}/history").status_code == 200
    with client.websocket_connect(f"/api/attempts/{a['id']}/stream") as ws:
        assert recv(ws)["type"] == "hello"
        ws.send_json({"type": "step", "n": 7})
        ws.send_json({"type": "ping"})
        recv_until(ws, "pong")
    classroom = client.app.state.classroom
    live = classroom.attempts[a["id"]]
    live.saved_at -= 60  # as if SAVE_EVERY had passed: the write-back loop's next look writes t = 7
    assert client.portal.call(classroom.write_back) == 1  # with no board read
    assert classroom.records.attempt(a["id"])["t"] == 7
    assert client.portal.call(classroom.write_back) == 0  # nothing new
