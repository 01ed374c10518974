"""Hardening: websocket floods, huge and odd messages, a stalled client, per-client limits, idle expiry, the
token on every operation, unguessable ids, nothing evaluated as code, and a clean shutdown.

(Bad single messages, binary messages, the slow-client drop count and 1008 closes are in test_stream.py;
property-based fuzzing is in test_fuzz.py and test_schemathesis.py.)
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from app.limits import Throttle, client_key
from app.live.client import OUTBOX_HIGH
from app.live.play_loop import MAX_CATCH_UP
from app.saved import new_saved_id
from app.store import new_id
from tests.app.conftest import StrictClient, new_run, recv, recv_until, steps_until, wait_for

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
ENDLESS = {"stop": {"grad_norm": None, "max_steps": None}}


def stream(run: dict[str, Any]) -> str:
    return f"/api/runs/{run['id']}/stream"


def watchers(c: StrictClient, run: dict[str, Any]) -> list[Any]:
    """The app's Client objects of the websockets watching this run (the store's find, as the app's routes use it,
    without marking the run used)."""
    entry = c.app.state.store.find(run["id"])  # type: ignore[attr-defined]
    assert entry is not None
    clients: list[Any] = entry.player.clients
    return clients


def server_client(c: StrictClient, run: dict[str, Any]) -> Any:
    """The app's Client object of the (only) websocket watching this run."""
    clients = watchers(c, run)
    assert len(clients) == 1
    return clients[0]


def run_t(c: StrictClient, run: dict[str, Any]) -> int:
    t: int = c.get(f"/api/runs/{run['id']}").json()["t"]
    return t


# ----- websocket floods and odd messages ----------------------------------------------------------------
NASTY = [
    "",
    " ",
    "null",
    '"play"',
    "1e400",
    '{"type": null}',
    '{"type": "play", "speed": 1e400}',
    '{"type": "step", "n": 2.5}',  # 1e3 is a whole number (JSON Schema's integer): accepted
    '{"type": "step", "n": 100000000000000000000000}',
    '{"type": "step", "n": true}',
    '{"type": "set", "optimizer": "gd"}',
    '{"type": "set", "optimizer": {"name": null}}',
    '{"type": "set", "optimizer": {"lr": [0.1]}}',
    '{"type": "set", "racer": -1, "optimizer": {"lr": 0.1}}',
    '{"type": "reset", "params": "1,2"}',
    '{"type": "reset", "params": [1e999, 0]}',
    '{"type": "add_racer", "racer": {"name": "__import__(\'os\').system(\'false\')"}}',
    '{"type": "add_racer", "racer": null}',
    '{"type": "remove_racer", "racer": "0"}',
    '{"type": "subscribe", "frame_hz": 0}',
    '{"type": "\\ud800"}',
    '{"type": "ping", "type": "play", "speed": -5}',
    '{"type": "set", "optimizer": {"lr": 0.1}' + "}" * 10,
    '{"type": "set", "optimizer": ' + '{"a": ' * 200 + "1" + "}" * 200 + "}",
    "\x00\x01\x02",
    '{"type": "explode"}',
    '{"type": "play", "speed": NaN}',
    '{"type": "play", "speed": Infinity}',
    '{"type": "step", "n": 1e308}',
    '{"type": "set", "racer": 5, "optimizer": {"lr": 0.1}}',
    '{"type": "set", "optimizer": {"lr": -1}}',
    '{"type": "remove_racer", "racer": 3}',
    '{"type": "reset", "params": [NaN, 0]}',
    '{"type": "subscribe", "grid_n": "big"}',
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_odd_messages_get_an_error_and_the_socket_goes_on(client: StrictClient, text: str) -> None:
    run = new_run(client)
    before = client.get(f"/api/runs/{run['id']}").json()
    with client.websocket_connect(stream(run)) as ws:
        recv(ws)
        ws.send_text(text)
        err, _ = recv_until(ws, "error")
        assert err["message"] and set(err) == {"type", "message", "field", "to"}
        if err["field"]:  # the error names what is wrong
            assert err["field"].split(".")[0] in err["message"] or err["field"] in text, err
        assert client.get(f"/api/runs/{run['id']}").json() == before  # the run is as it was
        ws.send_json({"type": "step", "n": 2})
        assert [s["t"] for s in steps_until(ws, 2)] == [1, 2]  # in one frame or two
    assert client.get("/api/health").json()["ok"] is True


def test_a_start_at_the_edge_of_float_range_is_not_a_warning(client: StrictClient) -> None:
    run = new_run(client)
    client.post(f"/api/runs/{run['id']}/reset", json={"params": [1e308, -1e308]})
    assert client.get(f"/api/runs/{run['id']}").status_code == 200


@pytest.mark.parametrize("size", [65 * 1024, 2 * 1024 * 1024])
def test_huge_text_and_binary_messages_are_refused_and_the_socket_goes_on(client: StrictClient, size: int) -> None:
    run = new_run(client)
    with client.websocket_connect(stream(run)) as ws:
        recv(ws)
        ws.send_text('{"type": "ping", "pad": "' + "é" * (size // 2) + '"}')
        err, _ = recv_until(ws, "error")
        assert "too large" in err["message"] and "65,536" in err["message"]
        ws.send_bytes(b"\xff" * size)
        err, _ = recv_until(ws, "error")
        assert "binary" in err["message"]
        ws.send_json({"type": "ping"})
        recv_until(ws, "pong")


def test_a_flood_is_answered_in_order_and_others_are_unaffected(make_client: Any) -> None:
    c = make_client(max_messages_per_second=400)
    flooded, other = new_run(c), new_run(c, ENDLESS)
    kinds = ['{"type": "ping"}', "{oops", '{"type": "explode"}', '{"type": "step", "n": "x"}', '{"type": "pause"}']
    with c.websocket_connect(stream(flooded)) as ws, c.websocket_connect(stream(other)) as watcher:
        recv(ws), recv(watcher)
        watcher.send_json({"type": "play", "speed": 300})
        recv_until(watcher, "frame", where=lambda m: bool(m["steps"]))
        for i in range(1000):
            ws.send_text(kinds[i % len(kinds)])
        ws.send_json({"type": "ping"})
        answers: list[dict[str, Any]] = []
        while len(answers) < 801:  # 200 pongs + 600 errors (pause answers with a status) + the last pong
            m = recv(ws)
            if m["type"] in ("pong", "error"):
                answers.append(m)
        assert [m["type"] for m in answers[:5]] == ["pong", "error", "error", "error", "pong"]
        assert sum(m["type"] == "pong" for m in answers) == 201
        # Meanwhile the other run played on and its watcher got frames with new steps.
        moving: list[dict[str, Any]] = []
        while len(moving) < 5:
            frame, _ = recv_until(watcher, "frame", where=lambda m: bool(m["steps"]))
            moving.append(frame)
        assert all(f["state"]["status"] == "running" for f in moving)
        watcher.send_json({"type": "pause"})
    assert c.get("/api/health").json()["ok"] is True


def test_a_flooding_client_is_read_at_the_message_rate() -> None:
    """The token bucket, on a fake clock: a burst of `rate` messages at once, then one every 1/rate seconds."""
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(400, clock=lambda: now[0], sleep=sleep)

    async def flood() -> None:
        for _ in range(1000):
            await throttle.wait()

    asyncio.run(flood())
    assert len(slept) == 600 and now[0] == pytest.approx((1000 - 400) / 400)
    assert slept == pytest.approx([1 / 400] * 600)
    now[0] += 10.0  # a quiet spell refills the bucket, up to `rate`
    slept.clear()
    asyncio.run(flood())
    assert len(slept) == 600


def stall(c: StrictClient, run: dict[str, Any], index: int | None = None) -> tuple[Any, dict[str, bool]]:
    """Make the app's socket to this run's (only, or `index`-th) watcher stop taking data until gate["stalled"]
    is False."""
    if index is None:
        srv = server_client(c, run)
    else:
        srv = watchers(c, run)[index]
    gate = {"stalled": True}
    real = srv.ws

    class Stalled:
        async def send_text(self, text: str) -> None:
            while gate["stalled"]:
                await asyncio.sleep(0.005)
            await real.send_text(text)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    srv.ws = Stalled()
    return srv, gate


def test_a_stalled_client_is_not_read_and_its_outbox_stays_bounded(make_client: Any) -> None:
    """The socket stops taking data (a client that reads nothing): its answers wait in a bounded outbox, its
    messages stop being read (TCP pushes back), the run plays on, and it catches up when it reads again."""
    c = make_client(max_messages_per_second=100_000)
    run = new_run(c, ENDLESS)
    with c.websocket_connect(stream(run)) as ws:
        recv(ws)
        srv, gate = stall(c, run)
        ws.send_json({"type": "play", "speed": 5000})
        for _ in range(2000):
            ws.send_json({"type": "ping"})  # each answered with a pong that cannot be sent
        wait_for(lambda: run_t(c, run) > 2000, timeout=20)
        assert len(srv.outbox) <= OUTBOX_HIGH + 1 and not srv.room.is_set()  # bounded; the reader waits
        assert c.get("/api/health").status_code == 200
        gate["stalled"] = False
        ws.send_json({"type": "pause"})
        pongs = 0
        while pongs < 2000:
            pongs += recv(ws)["type"] == "pong"
        ws.send_json({"type": "ping"})
        pong, before = recv_until(ws, "pong")
        frames = [m for m in before if m["type"] == "frame"]
        assert frames and frames[-1]["state"]["t"] == run_t(c, run)


@pytest.mark.parametrize("changes", ["play and pause", "steps, racers and resets"])
def test_a_stalled_client_holds_at_most_max_pending_steps(make_client: Any, changes: str) -> None:
    """Messages broadcast to a stalled watcher (another client playing and pausing, or adding and removing racers
    and resetting) must not each carry a frame of every step since the last: the steps waiting for it stay within
    max_pending_steps, the frames say how many they dropped, and it catches up when it reads again."""
    c = make_client(max_pending_steps=300, max_messages_per_second=100_000)
    run = new_run(c, ENDLESS)
    with c.websocket_connect(stream(run)) as stalled, c.websocket_connect(stream(run)) as other:
        recv(stalled), recv(other)
        srv, gate = stall(c, run, index=0)
        taken = 0  # steps the other client saw (the stalled one holds at most 300 of them)
        while taken < 2_000:
            if changes == "play and pause":
                other.send_json({"type": "play", "speed": 20_000})
                frame, _ = recv_until(other, "frame", where=lambda m: bool(m["steps"]))
                other.send_json({"type": "pause"})
                taken += len(frame["steps"])
            else:
                other.send_json({"type": "step", "n": 200})
                other.send_json({"type": "add_racer", "racer": {"name": "adam", "lr": 0.01}})
                other.send_json({"type": "step", "n": 200})
                other.send_json({"type": "remove_racer", "racer": 1})
                other.send_json({"type": "step", "n": 200})
                other.send_json({"type": "reset"})
                recv_until(other, "reset")
                taken += 600
        other.send_json({"type": "ping"})
        recv_until(other, "pong")
        queued = srv.outbox.copy()  # one C call: the app's thread cannot change it meanwhile
        held = sum(len(m.get("steps") or ()) for m in queued if m["type"] == "frame")
        assert held <= 300, f"{held} step records wait for a client that reads nothing"
        assert all(len(m["steps"]) <= 2 for m in queued if m["type"] == "reset")  # only the new t = 0 records
        assert srv.held == sum(len(m.get("steps") or ()) for m in queued)
        assert any(m.get("dropped") for m in queued)
        gate["stalled"] = False
        stalled.send_json({"type": "ping"})
        recv_until(stalled, "pong")  # it reads again: what was queued arrives, then the answer


# ----- per-client limits, listing, ids ------------------------------------------------------------------
def test_step_records_held_by_all_runs_are_limited(make_client: Any) -> None:
    """Past max_history_rows no run takes more steps (REST 503, websocket error, a playing run stops and says
    why); deleting or resetting runs frees room. The server and other requests go on."""
    c = make_client(max_history_rows=200)
    c.app.state.store.recount_every = 0  # count at every check (far from the cap, the server recounts every 0.25 s)
    a, b = new_run(c, ENDLESS), new_run(c, ENDLESS)
    assert c.post(f"/api/runs/{a['id']}/step", json={"n": 150}).status_code == 200
    assert c.post(f"/api/runs/{b['id']}/step", json={"n": 100}).status_code == 200  # 252 rows now
    r = c.post(f"/api/runs/{b['id']}/step", json={"n": 1})
    assert r.status_code == 503 and "max_history_rows" in r.json()["detail"]
    with c.websocket_connect(stream(b)) as ws:
        recv(ws)
        ws.send_json({"type": "play", "speed": 100})
        err, _ = recv_until(ws, "error")
        assert "max_history_rows" in err["message"] and err["to"] == "play"
        ws.send_json({"type": "step", "n": 1})
        err, _ = recv_until(ws, "error")
        assert err["to"] == "step"
        c.delete(f"/api/runs/{a['id']}")  # room again: b plays until the server is full again, then stops
        ws.send_json({"type": "play", "speed": 5_000})
        err, _ = recv_until(ws, "error")
        assert "max_history_rows" in err["message"] and err["to"] is None
        status, _ = recv_until(ws, "status", where=lambda m: m["status"] != "running")
        assert status["status"] == "paused"
    # Full at 200 records (t = 199); a playing run stops at most a tick past that.
    assert 199 <= c.get(f"/api/runs/{b['id']}").json()["t"] <= 200 + 5_000 * MAX_CATCH_UP
    c.post(f"/api/runs/{b['id']}/reset")
    assert c.post(f"/api/runs/{b['id']}/step", json={"n": 10}).status_code == 200
    assert c.get("/api/health").json()["ok"] is True


def test_runs_per_client_are_limited_and_loopback_is_exempt(make_client: Any) -> None:
    c = make_client(max_runs_per_client=2, max_runs=5)
    a = [new_run(c), new_run(c)]
    r = c.post("/api/runs", json={})
    assert r.status_code == 429 and "max_runs_per_client" in r.json()["detail"]
    assert c.post("/api/runs/import", json={"config": {}}).status_code == 429
    other = StrictClient(c.app, client=("198.51.100.7", 4000))
    assert other.post("/api/runs", json={}).status_code == 201  # another client has its own allowance
    c.delete(f"/api/runs/{a[0]['id']}")
    assert c.post("/api/runs", json={}).status_code == 201  # deleting frees a place
    local = StrictClient(c.app, client=("127.0.0.1", 4000))
    for _ in range(2):
        assert local.post("/api/runs", json={}).status_code == 201  # loopback: no per-client limit ...
    r = local.post("/api/runs", json={})
    assert r.status_code == 503 and "max_runs" in r.json()["detail"]  # ... but the server's holds


def test_the_run_list_shows_only_the_clients_own_runs(client: StrictClient) -> None:
    mine = new_run(client)
    other = StrictClient(client.app, client=("192.0.2.1", 1))
    theirs = new_run(other)
    assert [r["id"] for r in client.get("/api/runs").json()] == [mine["id"]]
    assert [r["id"] for r in other.get("/api/runs").json()] == [theirs["id"]]
    assert other.get(f"/api/runs/{mine['id']}").status_code == 200  # the id itself is the capability
    v4, v6 = StrictClient(client.app, client=("127.0.0.1", 1)), StrictClient(client.app, client=("::1", 1))
    local = new_run(v4)
    assert [r["id"] for r in v6.get("/api/runs").json()] == [local["id"]]  # loopback is one client


def test_client_keys() -> None:
    assert client_key("127.0.0.1") == client_key("127.8.9.1") == client_key("::1") == "local"
    assert client_key("::ffff:127.0.0.1") == "local"
    assert client_key("10.1.2.3") == "10.1.2.3" and client_key("2001:DB8::1") == "2001:db8::1"
    assert client_key(None) == "unknown" and client_key("testclient") == "testclient"


@pytest.mark.parametrize("make", [new_id, new_saved_id])
def test_ids_carry_128_random_bits(make: Any) -> None:
    ids = {make() for _ in range(20_000)}
    assert len(ids) == 20_000
    for i in list(ids)[:200]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", i) and len(base64.urlsafe_b64decode(i + "==")) == 16
    # Every bit position varies (no constant prefix, no counter).
    bits = [int.from_bytes(base64.urlsafe_b64decode(i + "=="), "big") for i in list(ids)[:2000]]
    ored, anded = 0, (1 << 128) - 1
    for b in bits:
        ored, anded = ored | b, anded & b
    assert ored == (1 << 128) - 1 and anded == 0


# ----- the token, idle expiry, nothing evaluated ---------------------------------------------------------
def test_the_token_guards_every_operation(make_client: Any) -> None:
    c = make_client(api_token="s3cret")
    auth = {"authorization": "Bearer s3cret"}
    spec = c.get("/openapi.json").json()
    run = c.post("/api/runs", json={}, headers=auth).json()
    checked = 0
    for path, operations in spec["paths"].items():
        url = re.sub(r"\{run_id\}", run["id"], path)
        url = re.sub(r"\{[^}]+\}", "0", url)
        for method in operations:
            for headers in ({}, {"authorization": "Bearer s3cre"}, {"authorization": "Basic s3cret"}):
                r = c.request(method.upper(), url, headers=headers, json={})
                assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (method, url, r.text)
            checked += 1
            assert c.request(method.upper(), url, headers=auth, json={}).status_code != 401, (method, url)
    assert checked >= 20 and all(p.startswith("/api/") for p in spec["paths"])
    with c.websocket_connect(stream(run)) as ws, pytest.raises(WebSocketDisconnect) as closed:
        recv(ws)
    assert closed.value.code == 1008 and "token" in closed.value.reason


def test_idle_runs_expire_watched_ones_do_not(make_client: Any) -> None:
    """The sweep's clock is given (Store.expire(now)), so how slow the machine is does not matter."""
    c = make_client(idle_seconds=60, sweep_seconds=3600)  # no sweep of its own during the test
    store = c.app.state.store  # type: ignore[attr-defined]
    watched = new_run(c)
    with c.websocket_connect(stream(watched)) as ws:
        recv(ws)
        idle = new_run(c)
        later = time.monotonic() + 120  # both runs idle for longer than idle_seconds by then, were it not watched
        assert store.expire(later) == [idle["id"]]
        assert c.get(f"/api/runs/{watched['id']}").status_code == 200
    wait_for(lambda: store.expire(time.monotonic() + 120) == [watched["id"]])  # nobody watches: it expires too
    assert c.get(f"/api/runs/{idle['id']}").status_code == 404
    assert c.get(f"/api/runs/{watched['id']}").status_code == 404


def test_nothing_a_user_sends_is_evaluated_as_code_by_the_page() -> None:
    """No eval, new Function or string timers in the page (the Python side: ruff's S rules, in `make test`)."""
    javascript = re.compile(r"\beval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*[\"'`]|setInterval\s*\(\s*[\"'`]|"
                            r"document\.write\s*\(")
    found = []
    for pattern, files in ((javascript, [p for p in ROOT.glob("static/js/**/*.js")]),):
        for path in files:
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#")[0] if path.suffix == ".py" else line.split("//")[0]
                if pattern.search(code):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


# ----- clean shutdown ------------------------------------------------------------------------------------
def test_shutdown_stops_running_runs_and_closes_their_sockets(client: StrictClient) -> None:
    run = new_run(client, ENDLESS)
    store: Any = client.app.state.store  # type: ignore[attr-defined]
    with client.websocket_connect(stream(run)) as ws:
        recv(ws)
        ws.send_json({"type": "play", "speed": 2000})
        recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        assert client.get("/api/health").json()["playing"] == 1
        portal: Any = client.portal
        portal.call(store.aclose)  # what the lifespan does on shutdown: it waits for the play loops to end
        assert client.get("/api/health").json()["playing"] == 0
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(10_000):
                recv(ws)
        assert closed.value.code == 1001 and closed.value.reason == "server shutting down"


def test_saved_runs_are_intact_after_a_shutdown_with_runs_playing(tmp_path: Path) -> None:
    from app.main import create_app
    from app.settings import Settings

    settings = Settings(data_dir=str(tmp_path))
    with StrictClient(create_app(settings)) as c:
        run = new_run(c, ENDLESS)
        c.post(f"/api/runs/{run['id']}/step", json={"n": 40})
        sid = c.post(f"/api/runs/{run['id']}/save", json={"name": "before the stop"}).json()["id"]
        steps = c.get(f"/api/runs/{run['id']}/history").json()["steps"]
        with c.websocket_connect(stream(run)) as ws:
            recv(ws)
            ws.send_json({"type": "play", "speed": 1000})
            recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
    with StrictClient(create_app(settings)) as c:
        assert [s["id"] for s in c.get("/api/saved").json()] == [sid]
        opened = c.post(f"/api/saved/{sid}/open").json()
        assert c.get(f"/api/runs/{opened['id']}/history").json()["steps"] == steps
    assert (tmp_path / "descent.sqlite3").is_file()
