"""Several app processes behind nginx, saved runs in PostgreSQL: each run lives on the process that made it,
and everything about it goes there; saved runs are seen by every process; a killed process's runs answer 410
while the other's keep playing; a restarted process takes new runs again."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.deploy.stack import Stack, strict

RECV_TIMEOUT = 20.0  # seconds: a missing message fails the test instead of hanging it
KILLED: list[str] = []  # runs of the process the kill test killed (the restart test asks for them again)


def new_run(http: httpx.Client, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = http.post("/api/runs", json=body or {})
    assert r.status_code == 201, r.text
    state: dict[str, Any] = strict(r.text)
    return state


def runs_on(http: httpx.Client, names: tuple[str, ...], each: int = 2) -> dict[str, list[str]]:
    """Create runs through the proxy until every process in `names` owns `each` of them (ids say the owner)."""
    owned: dict[str, list[str]] = {n: [] for n in names}
    for _ in range(40):
        if all(len(v) >= each for v in owned.values()):
            return owned
        run_id = new_run(http)["id"]
        owner, dot, _ = run_id.partition(".")
        assert dot and owner in ("w1", "w2"), run_id
        if owner in owned:
            owned[owner].append(run_id)
    raise AssertionError(f"40 new runs were not spread over {names}: {owned}")


def stream(stack: Stack, run_id: str) -> ClientConnection:
    return connect(f"ws://127.0.0.1:{stack.port}/api/runs/{run_id}/stream", open_timeout=RECV_TIMEOUT,
                   max_size=None)


def recv(ws: ClientConnection) -> dict[str, Any]:
    msg: dict[str, Any] = strict(str(ws.recv(timeout=RECV_TIMEOUT)))
    return msg


def frame_where(ws: ClientConnection, ok: Any, limit: int = 2000) -> dict[str, Any]:
    """The first frame whose state satisfies ok(state)."""
    for _ in range(limit):
        msg = recv(ws)
        if msg["type"] == "frame" and ok(msg["state"]):
            return msg
    raise AssertionError(f"no such frame in {limit} messages")


def history(http: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    r = http.get(f"/api/runs/{run_id}/history")
    assert r.status_code == 200, r.text
    steps: list[dict[str, Any]] = strict(r.text)["steps"]
    return steps


def test_new_runs_are_spread_and_each_is_driven_on_its_owner(stack: Stack) -> None:
    with stack.client() as http:
        owned = runs_on(http, ("w1", "w2"))
        for name, ids in owned.items():
            run_id = ids[0]
            r = http.post(f"/api/runs/{run_id}/step", json={"n": 7})
            assert r.status_code == 200, r.text
            assert http.get(f"/api/runs/{run_id}").json()["t"] == 7
            # The other process does not hold it: only the proxy's routing makes this work.
            other = stack.ports["w2" if name == "w1" else "w1"]
            assert httpx.get(f"http://127.0.0.1:{other}/api/runs/{run_id}").status_code == 404
            with stream(stack, run_id) as ws:
                hello = recv(ws)
                assert hello["type"] == "hello" and hello["state"]["id"] == run_id and hello["state"]["t"] == 7
                ws.send('{"type": "step", "n": 5}')
                frame_where(ws, lambda s: s["t"] == 12)
                ws.send('{"type": "ping"}')
                while recv(ws)["type"] != "pong":
                    pass
            assert http.get(f"/api/runs/{run_id}").json()["t"] == 12
            assert http.delete(f"/api/runs/{run_id}").status_code == 204


def test_a_run_saved_on_one_process_opens_on_the_other(stack: Stack) -> None:
    with stack.client() as http:
        run_id = runs_on(http, ("w1",), each=1)["w1"][0]
        url = f"/api/runs/{run_id}"
        http.post(f"{url}/step", json={"n": 25})
        assert http.patch(url, json={"optimizer": {"lr": 0.2}}).status_code == 200
        http.post(f"{url}/step", json={"n": 10})
        saved = http.post(f"{url}/save", json={"name": "saved on w1"})
        assert saved.status_code == 201, saved.text
        sid = saved.json()["id"]
        for name, port in stack.ports.items():  # every process sees it, in the one shared database
            direct = httpx.get(f"http://127.0.0.1:{port}/api/saved/{sid}")
            assert direct.status_code == 200 and direct.json()["name"] == "saved on w1", name
            assert sid in [s["id"] for s in httpx.get(f"http://127.0.0.1:{port}/api/saved").json()]
        opened: dict[str, str] = {}
        for _ in range(20):
            r = http.post(f"/api/saved/{sid}/open")
            assert r.status_code == 201, r.text
            opened.setdefault(r.json()["id"].partition(".")[0], r.json()["id"])
            if len(opened) == 2:
                break
        assert set(opened) == {"w1", "w2"}, opened
        assert history(http, opened["w2"]) == history(http, run_id)  # the same numbers, on the other process


def test_a_killed_process_answers_410_and_the_other_keeps_playing(stack: Stack) -> None:
    with stack.client() as http:
        owned = runs_on(http, ("w1", "w2"), each=1)
        dying, living = owned["w1"][0], owned["w2"][0]
        KILLED.append(dying)
        sid = http.post(f"/api/runs/{dying}/save", json={"name": "before the crash"}).json()["id"]
        with stream(stack, dying) as ws_dying, stream(stack, living) as ws_living:
            for ws in (ws_dying, ws_living):
                assert recv(ws)["type"] == "hello"
                ws.send('{"type": "play", "speed": 200}')
                frame_where(ws, lambda s: s["t"] > 0)
            stack.kill("w1")
            with pytest.raises(ConnectionClosed):  # the dead process's socket ends ...
                for _ in range(10_000):
                    ws_dying.recv(timeout=RECV_TIMEOUT)
            t0 = frame_where(ws_living, lambda s: True)["state"]["t"]  # ... the living one plays on
            frame_where(ws_living, lambda s: s["t"] > t0 + 20)

        for method, path in (("GET", ""), ("POST", "/step"), ("GET", "/history")):
            r = http.request(method, f"/api/runs/{dying}{path}", json={"n": 1} if method == "POST" else None)
            assert r.status_code == 410, (path, r.status_code, r.text)
            body = strict(r.text)
            assert body["reason"] == "process_gone" and body["worker"] == "w1"
            assert "(w1) is not answering" in body["detail"] and "reopen it" in body["detail"]
        with pytest.raises(InvalidStatus) as refused:
            stream(stack, dying)
        assert refused.value.response.status_code == 410
        assert http.get(f"/api/runs/{living}").status_code == 200

        made = [new_run(http)["id"] for _ in range(6)]  # the proxy sends no new run to the dead process
        assert all(i.startswith("w2.") for i in made), made
        assert http.get(f"/api/saved/{sid}").status_code == 200  # nothing saved is lost
        reopened = http.post(f"/api/saved/{sid}/open")
        assert reopened.status_code == 201 and reopened.json()["id"].startswith("w2.")


def test_a_restarted_process_takes_new_runs_again(stack: Stack) -> None:
    with stack.client() as http:
        if stack.apps["w1"].poll() is None:  # run alone: kill it first
            KILLED.append(runs_on(http, ("w1",), each=1)["w1"][0])
            stack.kill("w1")
        stack.spawn("w1")
        stack.wait("w1")
        deadline = time.monotonic() + 60  # nginx tries a failed process again after fail_timeout (2 s here)
        while True:
            run_id = new_run(http)["id"]
            if run_id.startswith("w1."):
                break
            assert time.monotonic() < deadline, "the restarted process got no new run"
            time.sleep(0.2)
        assert http.post(f"/api/runs/{run_id}/step", json={"n": 3}).status_code == 200
        assert http.get(f"/api/runs/{run_id}").json()["t"] == 3
        r = http.get(f"/api/runs/{KILLED[-1]}")  # the run the process held before: gone, and the answer says why
        assert r.status_code == 404 and "restarted" in r.json()["detail"], r.text
