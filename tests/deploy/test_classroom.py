"""The classroom behind nginx: a watch token and an attempt id name the process that holds their run, so a
watcher and a student reach a run owned by each process; a challenge's board, read from any process, shows
every process's attempts (their figures are written back to the shared database)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.deploy.stack import Stack, strict
from tests.deploy.test_proxy import RECV_TIMEOUT, new_run, recv, runs_on

LIMIT = 30
LINE = {"problem": {"kind": "linear_regression", "data": {"n": 20, "seed": 0}}, "optimizer": {"name": "gd", "lr": 0.1}}


def ws(stack: Stack, path: str) -> ClientConnection:
    return connect(f"ws://127.0.0.1:{stack.port}{path}", open_timeout=RECV_TIMEOUT, max_size=None)


def until_stopped(sock: ClientConnection) -> None:
    """Until the run stops playing (at the limit, or converged before it)."""
    for _ in range(5000):
        msg = recv(sock)
        if msg["type"] == "status" and msg["status"] != "running":
            return
    raise AssertionError("the attempt never stopped")


def test_a_watcher_reaches_a_run_on_each_process(stack: Stack) -> None:
    with stack.client() as http:
        owned = runs_on(http, ("w1", "w2"), each=1)
        for owner, (run_id,) in owned.items():
            token = http.post(f"/api/runs/{run_id}/watch", json={"name": owner}).json()["token"]
            assert token.startswith(f"{owner}.") and token != run_id
            for _ in range(4):  # every request, not one in two, reaches the owner
                r = http.get(f"/api/watch/{token}")
                assert r.status_code == 200 and strict(r.text)["name"] == owner, r.text
            assert http.get(f"/api/watch/{token}/surface", params={"n": 5}).status_code == 200
            fork = http.post(f"/api/watch/{token}/fork")
            assert fork.status_code == 201 and fork.json()["id"].startswith(f"{owner}."), fork.text
            with ws(stack, f"/api/watch/{token}/stream") as watcher:
                hello = recv(watcher)
                assert hello["type"] == "hello" and "id" not in hello["state"]
                assert http.post(f"/api/runs/{run_id}/step", json={"n": 4}).status_code == 200
                seen: list[int] = []
                while 4 not in seen:
                    msg = recv(watcher)
                    seen += [s["t"] for s in msg.get("steps", [])]
                assert seen == [1, 2, 3, 4]


def board_of(port: int, cid: str) -> dict[str, Any]:
    r = httpx.get(f"http://127.0.0.1:{port}/api/challenges/{cid}/board", timeout=30)
    assert r.status_code == 200, r.text
    board: dict[str, Any] = strict(r.text)
    return board


def test_a_student_reaches_an_attempt_on_each_process_and_every_board_shows_both(stack: Stack) -> None:
    with stack.client() as http:
        teacher = new_run(http, {**LINE, "stop": {"max_steps": 1000}})["id"]
        made = http.post(f"/api/runs/{teacher}/challenge", json={"goal": {"kind": "fewest_steps", "target": 0.5},
                                                                 "limit": LIMIT})
        assert made.status_code == 201, made.text
        cid = made.json()["id"]
        attempts: dict[str, str] = {}
        for i in range(40):  # students join through the proxy until each process holds an attempt
            if len(attempts) == 2:
                break
            r = http.post(f"/api/challenges/{cid}/attempts", json={"name": f"student {i}", "settings": {"lr": 0.2}})
            assert r.status_code == 201, r.text
            aid = r.json()["id"]
            owner, dot, _ = aid.partition(".")
            assert dot and owner in ("w1", "w2"), aid
            attempts.setdefault(owner, aid)
        assert set(attempts) == {"w1", "w2"}, attempts
        final: dict[str, tuple[int, str]] = {}  # public id -> (t, status) where the attempt stopped
        for aid in attempts.values():
            for _ in range(4):
                r = http.get(f"/api/attempts/{aid}")
                assert r.status_code == 200 and r.json()["live"] is True, r.text
            assert http.get(f"/api/attempts/{aid}/history").status_code == 200
            with ws(stack, f"/api/attempts/{aid}/stream") as student:
                assert recv(student)["type"] == "hello"
                student.send(json.dumps({"type": "play", "speed": 1000}))
                until_stopped(student)
            got = http.get(f"/api/attempts/{aid}").json()
            assert 0 < got["state"]["t"] <= LIMIT and got["state"]["status"] != "running"
            final[got["public"]] = (got["state"]["t"], got["state"]["status"])
    for port in stack.ports.values():  # each process's own board (not the proxy's choice of one)
        deadline = time.monotonic() + 60  # the owner writes a changed status back within a second or so
        while True:
            rows = board_of(port, cid)["rows"]
            if {r["id"]: (r["t"], r["status"]) for r in rows} == final:
                break
            assert time.monotonic() < deadline, (port, rows, final)
            time.sleep(0.2)
        assert sum(r["live"] for r in rows) == 1  # each process holds one of the two runs
