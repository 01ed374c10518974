"""Every bound the server enforces from a setting is the bound its OpenAPI schema and registry publish.

With limits other than the defaults (so a bound copied from a default would fail), each entry of app.bounds.BOUNDS
is read back from /openapi.json, then sent at the bound (accepted) and one past it (422 naming the field). A bound
added to BOUNDS without a probe here fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.bounds import BOUNDS, Bound, network_points, place
from app.settings import Settings
from tests.app.conftest import StrictClient, new_run, recv, recv_until

LIMITS = {"max_run_steps": 777, "max_steps_per_request": 33, "max_racers": 3, "max_points": 40, "max_events": 4,
          "max_grid": 21, "max_field": 9, "max_flow_starts": 5, "max_speed": 250.0}
Probe = Callable[[StrictClient, int, tuple[str, str, str]], Any]


def _stop(c: StrictClient, v: int, where: tuple[str, str, str]) -> Any:
    if where[1] == "StopSpec":
        return c.post("/api/runs", json={"stop": {"max_steps": v}})
    return c.patch(f"/api/runs/{new_run(c)['id']}", json={"stop": {"max_steps": v}})


def _points(kind: str) -> Probe:
    def probe(c: StrictClient, v: int, where: tuple[str, str, str]) -> Any:
        if kind == "line":
            return c.post("/api/runs", json={"problem": {"data": {"points": [[i, 2 * i] for i in range(v)]}}})
        rows = [[i, -i, i % 2] for i in range(v)]
        return c.post("/api/runs", json={"problem": {"kind": "network", "data": {"points": rows}}})
    return probe


def _generated_n(c: StrictClient, v: int, where: tuple[str, str, str]) -> Any:
    if where[1] == "GeneratedLine":
        return c.post("/api/runs", json={"problem": {"data": {"n": v}}})
    name = {"Xor": "xor"}.get(where[1][: -len("Dataset")], None) or where[1][: -len("Dataset")].lower()
    return c.post("/api/runs", json={"problem": {"kind": "network", "data": {"name": name, "n": v}}})


def _events(c: StrictClient, v: int, where: tuple[str, str, str]) -> Any:
    events = [{"type": "stop", "clock": 0, "stop": {"grad_norm": None}} for _ in range(v)]
    return c.post("/api/runs/import", json={"config": {}, "events": events, "clock": 0})


class Answer:
    """A websocket message's outcome as a probe's answer: 200, or 422 with the error's field as its loc."""

    def __init__(self, error: dict[str, Any] | None):
        self.status_code = 200 if error is None else 422
        self.text = str(error)
        self._detail = [] if error is None else [{"loc": [error["field"]], "msg": error["message"]}]

    def json(self) -> dict[str, Any]:
        return {"detail": self._detail}


def _socket(message: Callable[[Any], dict[str, Any]]) -> Probe:
    """Send message(v) on a new run's websocket; its answer is the error it got (up to a ping's pong), if any."""
    def probe(c: StrictClient, v: Any, where: tuple[str, str, str]) -> Any:
        with c.websocket_connect(f"/api/runs/{new_run(c)['id']}/stream") as ws:
            recv(ws)
            ws.send_json(message(v))
            ws.send_json({"type": "pause"})
            ws.send_json({"type": "ping"})
            _, seen = recv_until(ws, "pong")
        errors = [m for m in seen if m["type"] == "error"]
        return Answer(errors[0] if errors else None)
    return probe


def _step(c: StrictClient, v: int, where: tuple[str, str, str]) -> Any:
    if where[1] == "StepMsg":
        return _socket(lambda n: {"type": "step", "n": n})(c, v, where)
    return c.post(f"/api/runs/{new_run(c)['id']}/step", json={"n": v})


def _query(name: str, param: str) -> Probe:
    def probe(c: StrictClient, v: int, where: tuple[str, str, str]) -> Any:
        run = new_run(c, {"problem": {"kind": "surface", "name": "booth"}})
        return c.get(f"/api/runs/{run['id']}/{name}", params={param: v})
    return probe


PROBES: dict[str, Probe] = {
    "stop.max_steps": _stop,
    "n": _step,
    "speed": _socket(lambda speed: {"type": "play", "speed": speed}),
    "racers": lambda c, v, w: c.post("/api/runs", json={"racers": [{"name": "gd"}] * v}),
    "problem.data.points": _points("line"),
    "problem.data.n": _generated_n,
    "problem.data.points (network)": _points("network"),
    "problem.data.n (network)": _generated_n,
    "events": _events,
    "surface n": _query("surface", "n"),
    "field n": _query("field", "n"),
    "flow per_side": _query("flow", "per_side"),
}


def test_every_bound_has_a_probe() -> None:
    assert {b.field for b in BOUNDS} == set(PROBES)


@pytest.mark.parametrize("bound", BOUNDS, ids=[b.field for b in BOUNDS])
def test_published_bound_is_the_enforced_one(make_client: Callable[..., StrictClient], bound: Bound) -> None:
    client = make_client(**LIMITS)
    settings = Settings(**LIMITS)  # type: ignore[arg-type]
    schema = client.get("/openapi.json").json()
    cap = bound.value(settings)
    for where in bound.places:
        assert place(schema, where, bound.keyword)[bound.keyword] == cap, where
        ok = PROBES[bound.field](client, cap, where)
        assert ok.status_code in (200, 201), (where, ok.text)
        over = PROBES[bound.field](client, cap + 1, where)
        assert over.status_code == 422, (where, over.text)
        assert over.json()["detail"][0]["loc"], over.text


def test_registry_publishes_the_same_bounds(make_client: Callable[..., StrictClient]) -> None:
    client = make_client(**LIMITS)
    reg = client.get("/api/registry").json()
    assert [s["high"] for s in reg["stop"] if s["name"] == "max_steps"] == [LIMITS["max_run_steps"]]
    nets = reg["networks"]
    assert nets["limits"]["points"] == network_points(Settings(**LIMITS))  # type: ignore[arg-type]
    highs = {f["high"] for g in nets["datasets"].values() for f in g["settings"] if f["name"] == "n"}
    assert highs == {LIMITS["max_points"]}
    assert reg["limits"]["max_run_steps"] == LIMITS["max_run_steps"]


def test_whole_numbers_written_as_floats_are_integers(client: StrictClient) -> None:
    """JSON Schema's "integer" includes 5.0: the server takes it as 5, and refuses 5.5."""
    run = new_run(client, {"seed": 3.0, "stop": {"max_steps": 100.0}})
    assert run["seed"] == 3 and run["stop"]["max_steps"] == 100
    r = client.post(f"/api/runs/{run['id']}/step", json={"n": 5.0})
    assert r.status_code == 200 and r.json()["state"]["t"] == 5
    bad = client.post(f"/api/runs/{run['id']}/step", json={"n": 5.5})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "n"]
    net = new_run(client, {"problem": {"kind": "network", "layers": [2.0, 3.0, 1.0], "data": {"name": "xor",
                                                                                                "n": 40.0}}})
    assert net["problem"]["layers"] == [2, 3, 1] and net["problem"]["n_train"] == 32
