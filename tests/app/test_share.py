"""A run as a document: its replay config, the JSON export that parses back, and imports that replay it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.schemas import PROBLEM_SPECS
from tests.app.conftest import StrictClient, new_run, strict_loads

SPECS: dict[str, dict[str, Any]] = {
    "line": {"optimizer": {"name": "gd", "lr": 0.05, "batch_size": 5}, "seed": 4},
    "race on a surface": {"problem": {"kind": "surface", "name": "rosenbrock"}, "seed": 2,
                          "racers": [{"name": "adam", "lr": 0.01}, {"name": "random_search"}]},
    "network": {"problem": {"kind": "network", "layers": [2, 3, 1], "data": {"name": "xor", "n": 40}},
                "optimizer": {"name": "gd", "lr": 0.5, "momentum": 0.9}, "seed": 1},
}


def played(client: StrictClient, spec: dict[str, Any]) -> dict[str, Any]:
    """A run with steps and live changes of every kind."""
    run = new_run(client, spec)
    url = f"/api/runs/{run['id']}"
    client.post(f"{url}/step", json={"n": 15})
    assert client.patch(url, json={"optimizer": {"lr": 0.02}}).status_code == 200
    assert client.post(f"{url}/racers", json={"name": "rmsprop", "lr": 0.01}).status_code == 201
    client.post(f"{url}/step", json={"n": 6})
    assert client.patch(url, json={"stop": {"max_steps": 400}, "racer": 1}).status_code == 200
    assert client.delete(f"{url}/racers/0").status_code == 200
    client.post(f"{url}/step", json={"n": 9})
    return run


def history(client: StrictClient, run_id: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = client.get(f"/api/runs/{run_id}/history").json()["steps"]
    return steps


def state_of(client: StrictClient, run_id: str) -> dict[str, Any]:
    return {k: v for k, v in client.get(f"/api/runs/{run_id}").json().items() if k != "id"}


@pytest.mark.parametrize("kind", list(SPECS))
def test_export_parses_back_and_import_replays_the_same_history(client: StrictClient, kind: str) -> None:
    spec = SPECS[kind]
    if (spec.get("problem") or {}).get("kind", "linear_regression") not in PROBLEM_SPECS:
        pytest.skip("problem kind not served yet")
    run = played(client, spec)
    r = client.get(f"/api/runs/{run['id']}/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.headers["content-disposition"] == f'attachment; filename="descent-{run["id"][:8]}.json"'
    doc = strict_loads(r.text)
    assert doc["format"] == "descent-run" and doc["version"] == 1
    assert {k: v for k, v in doc["state"].items() if k != "id"} == state_of(client, run["id"])
    assert doc["history"]["steps"] == history(client, run["id"])
    assert [e["type"] for e in doc["events"]] == ["set", "add_racer", "stop", "remove_racer"]

    imported = client.post("/api/runs/import", json=doc)
    assert imported.status_code == 201, imported.text
    new = imported.json()
    assert new["id"] != run["id"] and history(client, new["id"]) == doc["history"]["steps"]
    assert state_of(client, new["id"]) == state_of(client, run["id"])

    # A share link carries only {config, events, clock}: the same numbers again.
    shared = client.get(f"/api/runs/{run['id']}/config").json()
    assert shared == {k: doc[k] for k in ("config", "events", "clock")}
    again = client.post("/api/runs/import", content=json.dumps(shared), headers={"content-type": "application/json"})
    assert again.status_code == 201 and history(client, again.json()["id"]) == doc["history"]["steps"]


def test_export_without_history_and_after_a_reset(client: StrictClient) -> None:
    run = new_run(client)
    url = f"/api/runs/{run['id']}"
    client.post(f"{url}/step", json={"n": 5})
    client.patch(url, json={"optimizer": {"lr": 0.3}})
    client.post(f"{url}/reset", json={"params": [1.0, -1.0]})
    client.post(f"{url}/step", json={"n": 3})
    doc = client.get(f"{url}/export", params={"history": "false"}).json()
    assert doc["history"] == {"steps": []} and doc["state"]["t"] == 3
    assert doc["events"] == [] and doc["clock"] == 3  # a reset is a new beginning: its config has the new lr
    assert doc["config"]["start"] == [1.0, -1.0] and doc["config"]["optimizer"]["lr"] == 0.3
    new = client.post("/api/runs/import", json=doc).json()
    assert history(client, new["id"]) == history(client, run["id"])


def test_an_import_with_only_a_config_is_a_fresh_run(client: StrictClient) -> None:
    r = client.post("/api/runs/import", json={"config": {"optimizer": {"name": "adam", "lr": 0.1}}})
    assert r.status_code == 201 and r.json()["t"] == 0 and r.json()["racers"][0]["optimizer"]["name"] == "adam"


BAD: list[tuple[Any, list[Any]]] = [
    ({"config": {}, "format": "csv"}, ["body", "format"]),
    ({"config": {}, "version": 2}, ["body", "version"]),
    ({"events": []}, ["body", "config"]),
    ({"config": {"optimizer": {"lr": -1}}}, ["body", "config", "optimizer", "lr"]),
    ({"config": {"optimizer": {"name": "sgd"}}}, ["body", "config", "optimizer", "name"]),
    ({"config": {"start": [1, 2, 3]}}, ["body", "config", "start"]),
    ({"config": {"stop": {"max_steps": 10**8}}}, ["body", "config", "stop", "max_steps"]),
    ({"config": {"problem": {"data": {"n": 10**7}}}}, ["body", "config", "problem", "data", "n"]),
    ({"config": {}, "clock": -1}, ["body", "clock"]),
    ({"config": {}, "clock": "3"}, ["body", "clock"]),
    ({"config": {}, "events": {}}, ["body", "events"]),
    ({"config": {}, "clock": 5, "events": [{"clock": 1, "type": "explode"}]}, ["body", "events", 0, "type"]),
    ({"config": {}, "clock": 5, "events": [{"type": "stop", "stop": {}}]}, ["body", "events", 0, "clock"]),
    ({"config": {}, "clock": 5, "events": [{"clock": 3, "type": "stop", "stop": {}},
                                           {"clock": 2, "type": "stop", "stop": {}}]}, ["body", "events", 1, "clock"]),
    ({"config": {}, "clock": 2, "events": [{"clock": 3, "type": "stop", "stop": {}}]}, ["body", "events", 0, "clock"]),
    ({"config": {}, "clock": 5, "events": [{"clock": 1, "type": "set", "optimizer": {"lr": "fast"}}]},
     ["body", "events", 0, "optimizer", "lr"]),
    ({"config": {}, "clock": 5, "events": [{"clock": 1, "type": "set", "racer": 1, "optimizer": {"lr": 0.1}}]},
     ["body", "events", 0, "racer"]),
    ({"config": {}, "clock": 5, "events": [{"clock": 1, "type": "remove_racer", "racer": 0}]},
     ["body", "events", 0, "racer"]),
    ({"config": {}, "clock": 5, "events": [{"clock": 1, "type": "stop", "stop": {"max_steps": 10**9}}]},
     ["body", "events", 0, "stop", "max_steps"]),
    ({"config": {}, "clock": 5, "events": [{"clock": 1, "type": "add_racer", "racer": {"name": "adam", "lr": 0}}]},
     ["body", "events", 0, "racer", "lr"]),
    ({"config": {}, "clock": 5,
      "events": [{"clock": 1, "type": "set", "optimizer": {"name": "adam", "momentum": 0.5}}]}, ["body", "events"]),
    ({"config": {}, "surprise": 1}, ["body", "surprise"]),
    ([1, 2], ["body"]),
]


@pytest.mark.parametrize(("doc", "loc"), BAD, ids=[".".join(map(str, loc)) for _, loc in BAD])
def test_bad_documents_are_422_naming_the_field(client: StrictClient, doc: Any, loc: list[Any]) -> None:
    r = client.post("/api/runs/import", json=doc)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail[0]["loc"] == loc, detail
    assert detail[0]["msg"].startswith(".".join(map(str, loc[1:])) or "body"), detail
    assert client.get("/api/runs").json() == []  # nothing was made


def test_import_limits(make_client: Any) -> None:
    c = make_client(max_events=2, max_racers=2, max_runs_per_client=1)
    adds = [{"clock": 0, "type": "add_racer", "racer": {"name": "adam"}}] * 2
    r = c.post("/api/runs/import", json={"config": {}, "events": adds})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "events", 1, "racer"], r.text
    sets = [{"clock": 0, "type": "set", "optimizer": {"lr": 0.1}}] * 3
    r = c.post("/api/runs/import", json={"config": {}, "events": sets})
    assert r.status_code == 422 and "max_events" in r.json()["detail"][0]["msg"]
    assert c.post("/api/runs/import", json={"config": {}}).status_code == 201
    r = c.post("/api/runs/import", json={"config": {}})
    assert r.status_code == 429 and "max_runs_per_client" in r.json()["detail"]
    run = c.get("/api/runs").json()[0]
    for lr in (0.1, 0.2, 0.3):
        c.patch(f"/api/runs/{run['id']}", json={"optimizer": {"lr": lr}})
    for what in ("export", "config"):
        r = c.get(f"/api/runs/{run['id']}/{what}")
        assert r.status_code == 409 and "max_events" in r.json()["detail"]
