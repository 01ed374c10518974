"""Property-based fuzzing: no body or message, however odd, gets a 5xx or breaks a websocket."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app.conftest import StrictClient, new_run, recv_until

KEYS = ["problem", "optimizer", "racers", "stop", "start", "seed", "kind", "data", "name", "lr", "momentum",
        "batch_size", "points", "csv", "n", "x_min", "x_max", "noise", "grad_norm", "max_steps", "delta_loss",
        "schedule", "betas", "low", "high", "racer", "params", "speed", "type", "frame_hz", "steps", "label"]
NAMES = ["gd", "adam", "adamw", "rmsprop", "adagrad", "random_search", "linear_regression", "step", "cosine",
         "play", "pause", "set", "reset", "ping", "subscribe", "add_racer", "remove_racer", "x", ""]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.integers(-3, 20),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(NAMES), st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
    max_leaves=12,
)
bodies = st.dictionaries(st.sampled_from(KEYS), values, max_size=5)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def send(client: StrictClient, method: str, url: str, body: Any) -> int:
    r = client.request(method, url, content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code < 500, (url, body, r.text)
    if r.status_code == 422:
        for d in r.json()["detail"]:
            assert d["loc"] and d["msg"], d
    return r.status_code


@pytest.mark.timeout(60)
def test_rest_bodies_never_5xx(client: StrictClient) -> None:
    run = new_run(client)

    @FUZZ
    @given(body=bodies)
    def check(body: dict[str, Any]) -> None:
        code = send(client, "POST", "/api/runs", body)
        if code == 201:
            client.delete(f"/api/runs/{client.get('/api/runs').json()[-1]['id']}")
        send(client, "PATCH", f"/api/runs/{run['id']}", body)
        send(client, "POST", f"/api/runs/{run['id']}/reset", body)
        send(client, "POST", f"/api/runs/{run['id']}/racers", body)

    check()


@pytest.mark.timeout(60)
def test_websocket_messages_never_break_the_socket(client: StrictClient) -> None:
    run = new_run(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        recv_until(ws, "hello")

        @FUZZ
        @given(msg=bodies)
        def check(msg: dict[str, Any]) -> None:
            ws.send_text(json.dumps(msg))
            ws.send_text('{"type": "pause"}')
            ws.send_text('{"type": "ping"}')
            recv_until(ws, "pong")

        check()
    assert client.get("/api/health").status_code == 200
