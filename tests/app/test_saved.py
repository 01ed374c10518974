"""Saved runs: save, list, reopen to the same numbers, delete; they survive a restart; a save is all or nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.saved import PostgresSaved, SavedFull, SavedStore, SQLiteSaved
from tests.app.conftest import StrictClient, new_run

ROOT = Path(__file__).resolve().parents[2]
RECORD = {"kind": "linear_regression", "t": 3, "config": {"seed": 1, "start": [0.1, 1e-300]},
          "events": [{"clock": 1, "type": "set", "racer": 0, "optimizer": {"lr": 0.3}}], "clock": 3,
          "summary": {"status": "paused", "loss": 0.1 + 0.2, "message": "paused at t = 3"}}


@pytest.fixture
def app_for(make_client: Callable[..., StrictClient]) -> Callable[..., StrictClient]:
    """Clients of apps keeping saved runs under one temporary data directory (closed after the test)."""
    return make_client


@pytest.fixture(params=["sqlite", "postgres"])
def on_both(request: pytest.FixtureRequest, make_client: Callable[..., StrictClient]) -> Callable[..., StrictClient]:
    """Clients of apps keeping saved runs in SQLite, or in an emptied table of a real PostgreSQL server."""
    if request.param == "sqlite":
        return make_client
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return lambda **overrides: make_client(store_url=url, **overrides)


def empty_postgres(url: str) -> None:
    """Empty the saved runs' table of the PostgreSQL server at `url`, if an app has made it there yet."""
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('descent_saved')").fetchone()[0] is not None:
            conn.execute("TRUNCATE descent_saved")


def played(client: StrictClient) -> dict[str, Any]:
    """A run with live changes: steps, a new lr, a second racer, more steps, a new stop test, more steps."""
    run = new_run(client, {"optimizer": {"name": "gd", "lr": 0.05, "momentum": 0.5}, "seed": 3})
    url = f"/api/runs/{run['id']}"
    client.post(f"{url}/step", json={"n": 25})
    assert client.patch(url, json={"optimizer": {"lr": 0.2}}).status_code == 200
    assert client.post(f"{url}/racers", json={"name": "adam", "lr": 0.1}).status_code == 201
    client.post(f"{url}/step", json={"n": 10})
    assert client.patch(url, json={"stop": {"max_steps": 30}}).status_code == 200
    client.post(f"{url}/step", json={"n": 50})
    return run


def history(client: StrictClient, run_id: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/runs/{run_id}/history")
    assert r.status_code == 200, r.text
    steps: list[dict[str, Any]] = r.json()["steps"]
    return steps


def without_id(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "id"}


# ----- the endpoints -------------------------------------------------------------------------------------
def test_save_list_get_open_delete(on_both: Callable[..., StrictClient]) -> None:
    c = on_both()
    run = played(c)
    r = c.post(f"/api/runs/{run['id']}/save", json={"name": "  lecture 3: momentum  "})
    assert r.status_code == 201, r.text
    saved = r.json()
    state = c.get(f"/api/runs/{run['id']}").json()
    assert saved["name"] == "lecture 3: momentum" and saved["kind"] == "linear_regression"
    assert saved["t"] == state["t"] and saved["created"].endswith("+00:00") and len(saved["id"]) >= 22
    assert c.get("/api/saved").json() == [saved]

    record = c.get(f"/api/saved/{saved['id']}").json()
    assert {k: record[k] for k in saved} == saved
    assert record["clock"] > 0 and [e["type"] for e in record["events"]] == ["set", "add_racer", "stop"]
    assert record["summary"] == {"status": state["status"], "loss": min(r["loss"] for r in state["racers"]),
                                 "message": state["message"]}

    opened = c.post(f"/api/saved/{saved['id']}/open")
    assert opened.status_code == 201, opened.text
    again = opened.json()
    assert again["id"] != run["id"] and without_id(again) == without_id(state)
    assert history(c, again["id"]) == history(c, run["id"])  # the same numbers, bit for bit
    # The reopened run goes on exactly as the original would.
    for rid in (run["id"], again["id"]):
        c.patch(f"/api/runs/{rid}", json={"stop": {"max_steps": 60}})
        c.post(f"/api/runs/{rid}/step", json={"n": 20})
    assert history(c, again["id"]) == history(c, run["id"])

    assert c.delete(f"/api/saved/{saved['id']}").status_code == 204
    assert c.get(f"/api/saved/{saved['id']}").status_code == 404
    assert c.post(f"/api/saved/{saved['id']}/open").status_code == 404
    assert c.delete(f"/api/saved/{saved['id']}").json()["detail"].startswith("no saved run")
    assert c.get("/api/saved").json() == []
    assert c.get(f"/api/runs/{again['id']}").status_code == 200  # the live run opened from it stays


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there", 7, None])
def test_bad_names_are_422_naming_the_field(app_for: Callable[..., StrictClient], name: Any) -> None:
    c = app_for()
    run = new_run(c)
    r = c.post(f"/api/runs/{run['id']}/save", json={"name": name})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "name"], r.text
    assert c.post(f"/api/runs/{run['id']}/save", json={}).json()["detail"][0]["loc"] == ["body", "name"]
    assert c.post(f"/api/runs/{run['id']}/save", json={"name": "ok", "x": 1}).status_code == 422


def test_names_of_100_characters_and_unicode_are_kept(on_both: Callable[..., StrictClient]) -> None:
    c = on_both()
    run = new_run(c)
    for name in ("é" * 100, "θ → θ − η∇J 🎓"):
        r = c.post(f"/api/runs/{run['id']}/save", json={"name": name})
        assert r.status_code == 201 and r.json()["name"] == name
    assert c.post("/api/runs/nope/save", json={"name": "x"}).status_code == 404


def test_saved_runs_survive_a_restart(app_for: Callable[..., StrictClient], tmp_path: Path) -> None:
    first = app_for()
    run = played(first)
    sid = first.post(f"/api/runs/{run['id']}/save", json={"name": "kept"}).json()["id"]
    before = history(first, run["id"])
    listed = first.get("/api/saved").json()
    first.__exit__(None, None, None)  # the server stops

    second = app_for()
    assert second.get("/api/saved").json() == listed
    assert second.get(f"/api/runs/{run['id']}").status_code == 404  # live runs are gone ...
    opened = second.post(f"/api/saved/{sid}/open").json()  # ... saved ones reopen to the same numbers
    assert history(second, opened["id"]) == before
    assert (tmp_path / "descent.sqlite3").is_file()


def test_a_saved_run_that_can_no_longer_be_opened_is_a_409(app_for: Callable[..., StrictClient],
                                                            tmp_path: Path) -> None:
    c = app_for()
    run = new_run(c)
    sid = c.post(f"/api/runs/{run['id']}/save", json={"name": "x"}).json()["id"]
    with sqlite3.connect(tmp_path / "descent.sqlite3") as db:  # e.g. saved by a server with other limits
        db.execute("UPDATE saved SET record = json_set(record, '$.config.optimizer.lr', -1.0) WHERE id = ?", (sid,))
    r = c.post(f"/api/saved/{sid}/open")
    assert r.status_code == 409 and "config.optimizer.lr" in r.json()["detail"], r.text


def test_the_list_shows_only_this_clients_runs(on_both: Callable[..., StrictClient]) -> None:
    c = on_both()
    run = new_run(c)
    sid = c.post(f"/api/runs/{run['id']}/save", json={"name": "mine"}).json()["id"]
    other = StrictClient(c.app, client=("203.0.113.9", 5000))
    assert other.get("/api/saved").json() == []
    assert other.get("/api/runs").json() == []
    assert other.get(f"/api/saved/{sid}").status_code == 200  # the id is the capability
    assert [s["id"] for s in c.get("/api/saved").json()] == [sid]


def test_limits_on_saving(app_for: Callable[..., StrictClient]) -> None:
    c = app_for(max_saved_per_client=2, max_events=3)
    run = new_run(c)
    url = f"/api/runs/{run['id']}"
    for name in ("a", "b"):
        assert c.post(f"{url}/save", json={"name": name}).status_code == 201
    r = c.post(f"{url}/save", json={"name": "c"})
    assert r.status_code == 429 and "max_saved_per_client" in r.json()["detail"]
    for lr in (0.1, 0.2, 0.3, 0.4):
        c.patch(url, json={"optimizer": {"lr": lr}})
    c.delete(f"/api/saved/{c.get('/api/saved').json()[0]['id']}")
    r = c.post(f"{url}/save", json={"name": "d"})
    assert r.status_code == 409 and "max_events" in r.json()["detail"] and "reset" in r.json()["detail"]
    c.post(f"{url}/reset")  # a reset starts a new log
    assert c.post(f"{url}/save", json={"name": "d"}).status_code == 201

    c = app_for(max_saved=1, data_dir=str(Path(c.app.state.settings.data_dir) / "other"))  # type: ignore[attr-defined]
    run = new_run(c)
    assert c.post(f"/api/runs/{run['id']}/save", json={"name": "a"}).status_code == 201
    r = c.post(f"/api/runs/{run['id']}/save", json={"name": "b"})
    assert r.status_code == 503 and "max_saved" in r.json()["detail"]


def test_changes_past_max_events_still_apply_but_are_only_counted(app_for: Callable[..., StrictClient]) -> None:
    """A run changed without end (a slider dragged all lesson long) holds a bounded log: every change still
    applies, the ones past the limit are counted, and saving says why it cannot."""
    c = app_for(max_events=3)
    run = new_run(c)
    url = f"/api/runs/{run['id']}"
    for k in range(50):
        assert c.patch(url, json={"optimizer": {"lr": 0.01 * (k + 1)}}).status_code == 200
    # (That the run keeps only max_events + 1 of them is the engine's event_cap: tests/engine/test_replay.py.)
    assert c.get(url).json()["racers"][0]["optimizer"]["lr"] == 0.5  # the last change is in force
    r = c.post(f"{url}/save", json={"name": "x"})
    assert r.status_code == 409 and "50" in r.json()["detail"] and "max_events" in r.json()["detail"]
    assert c.get(f"{url}/export").status_code == 409
    c.post(f"{url}/reset")
    assert c.post(f"{url}/save", json={"name": "x"}).status_code == 201  # a reset starts a new log
    assert c.get(f"{url}/export").json()["events"] == []


def test_record_size_limit(app_for: Callable[..., StrictClient]) -> None:
    c = app_for(max_record_bytes=2_000)
    small = new_run(c)
    assert c.post(f"/api/runs/{small['id']}/save", json={"name": "small"}).status_code == 201
    big = new_run(c, {"problem": {"data": {"points": [[i / 100, i / 50] for i in range(300)]}}})
    r = c.post(f"/api/runs/{big['id']}/save", json={"name": "big"})
    assert r.status_code == 409 and "max_record_bytes" in r.json()["detail"]


# ----- the store interface, on SQLite and on a real PostgreSQL server (tests/conftest.py) ---------------------
@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SavedStore]:
    if request.param == "sqlite":
        yield SQLiteSaved(tmp_path / "s.sqlite3", max_total=5, max_per_owner=3)
        return
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    yield PostgresSaved(url, max_total=5, max_per_owner=3)
    empty_postgres(url)


def test_store_contract(store: SavedStore) -> None:
    a = store.save("first", RECORD, owner="10.0.0.1")
    b = store.save("second", {**RECORD, "t": 4}, owner="10.0.0.1")
    c = store.save("theirs", RECORD, owner="10.0.0.2")
    assert len({a, b, c}) == 3 and all(len(i) >= 22 for i in (a, b, c))
    mine = store.list("10.0.0.1")
    assert {s["id"] for s in mine} == {a, b} and set(mine[0]) == {"id", "name", "created", "kind", "t"}
    got = store.get(b)
    assert got is not None and got["name"] == "second" and got["t"] == 4
    assert {k: got[k] for k in RECORD if k != "t"} == {k: v for k, v in RECORD.items() if k != "t"}  # floats exact
    assert store.get("nope") is None
    assert store.delete(a) and not store.delete(a)
    assert [s["id"] for s in store.list("10.0.0.1")] == [b]
    store.save("x", RECORD, owner="10.0.0.1")
    store.save("y", RECORD, owner="10.0.0.1")
    with pytest.raises(SavedFull) as full:
        store.save("z", RECORD, owner="10.0.0.1")
    assert full.value.status == 429 and "max_saved_per_client" in str(full.value)
    store.save("local", RECORD, owner="local")  # loopback: no per-client limit, but the total holds
    with pytest.raises(SavedFull) as full:
        store.save("too many", RECORD, owner="local")
    assert full.value.status == 503 and "max_saved" in str(full.value)
    store.close()


def fail_after_insert(path: Path, name: str, action: str) -> None:
    """A trigger in the saved-runs file: a row named `name` is written, then its statement runs `action` (SQL)."""
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TRIGGER midway AFTER INSERT ON saved WHEN NEW.name = '{name}' BEGIN {action}; END")


def test_a_save_that_fails_midway_leaves_earlier_saves_intact(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SQLiteSaved(path)
    kept = [store.save(f"run {i}", RECORD) for i in range(3)]
    # RAISE(FAIL) keeps the row the statement wrote and ends the statement with an error: only the save's own
    # rollback takes the row out again.
    fail_after_insert(path, "half", "SELECT RAISE(FAIL, 'disk on fire')")
    with pytest.raises(sqlite3.DatabaseError, match="disk on fire"):
        store.save("half", RECORD)
    assert [s["name"] for s in store.list()] == ["run 2", "run 1", "run 0"]
    assert all(store.get(i) is not None for i in kept)
    assert store.save("after", RECORD)


def test_a_crash_midway_through_a_save_loses_nothing_saved(tmp_path: Path) -> None:
    """A process killed inside the save transaction (no rollback, no close), after its row is written and before
    it commits: the file holds every earlier save and no more."""
    path = tmp_path / "s.sqlite3"
    script = textwrap.dedent(f"""
        import os
        import sqlite3
        from app.saved import SQLiteSaved
        store = SQLiteSaved({str(path)!r})
        for i in range(3):
            store.save(f"run {{i}}", {{"kind": "k", "t": i, "config": {{}}, "events": [], "clock": i}})
        connect = sqlite3.connect
        def crashing(*args, **kwargs):  # a connection of the store's that wrote a row dies as it would commit
            conn = connect(*args, **kwargs)
            wrote = []
            def trace(sql):
                if sql.startswith("INSERT"):
                    wrote.append(sql)
                elif wrote:
                    os._exit(3)
            conn.set_trace_callback(trace)
            return conn
        sqlite3.connect = crashing
        store.save("never", {{"kind": "k", "t": 9, "config": {{}}, "events": [], "clock": 9}})
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=60, capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    store = SQLiteSaved(path)
    assert [s["name"] for s in store.list()] == ["run 2", "run 1", "run 0"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
