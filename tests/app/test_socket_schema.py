"""The websocket messages are documented: a model for each, published in /openapi.json and named in the README;
the handler table carries out every client message type; every $ref of the document resolves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.live.handlers import HANDLERS
from app.schemas import StepRecord
from app.schemas_socket_in import CLIENT_MESSAGES
from app.schemas_socket_out import SERVER_MESSAGES, ErrorMsg, Frame, StreamState, server_message, wire
from app.views import records, run_state
from engine.build import build_run
from tests.app.conftest import StrictClient

README = Path(__file__).resolve().parents[2] / "README.md"


def refs(node: Any) -> set[str]:
    """Every $ref anywhere in a JSON document."""
    if isinstance(node, dict):
        return {node["$ref"]} if isinstance(node.get("$ref"), str) else set().union(*map(refs, node.values()))
    if isinstance(node, list):
        return set().union(*map(refs, node)) if node else set()
    return set()


def test_every_message_is_in_the_openapi_components(client: StrictClient) -> None:
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for union, models in (("ClientMessage", CLIENT_MESSAGES), ("ServerMessage", SERVER_MESSAGES)):
        mapping = components[union]["discriminator"]["mapping"]
        assert set(mapping) == set(models), union
        for kind, model in models.items():
            assert mapping[kind] == f"#/components/schemas/{model.__name__}"
            assert components[model.__name__]["properties"]["type"]["const"] == kind
    missing = {r for r in refs(schema) if r.rsplit("/", 1)[1] not in components}
    assert not missing
    assert "## Websockets" in schema["info"]["description"]
    assert "/api/watch/{token}/stream" in schema["info"]["description"]


def test_the_handler_table_carries_out_every_client_message() -> None:
    assert set(HANDLERS) == set(CLIENT_MESSAGES)


def test_the_readme_names_every_message() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("**Websocket**"):text.index("```python", text.index("**Websocket**"))]
    for kind in (*CLIENT_MESSAGES, *SERVER_MESSAGES):
        assert re.search(rf"`{kind}`|\"type\": \"{kind}\"", section), kind
    for model in SERVER_MESSAGES.values():
        assert f"`{model.__name__}`" in section, model.__name__


def test_server_messages_are_checked_strictly() -> None:
    ok = wire(ErrorMsg(message="no", field="n", to="step"))
    assert ok == {"type": "error", "message": "no", "field": "n", "to": "step"}
    server_message.validate_python(ok)
    with pytest.raises(ValidationError):
        server_message.validate_python({**ok, "extra": 1})  # a misspelt field is caught
    with pytest.raises(ValidationError):
        server_message.validate_python({"type": "frame", "steps": [], "state": {"t": 0}})  # an incomplete state
    frame = wire(Frame.model_construct(steps=[], state={"t": 0}))
    assert list(frame) == ["type", "steps", "state"]  # only the fields it was built with


def test_states_and_step_records_declare_the_examples_seen(client: StrictClient) -> None:
    components = client.get("/openapi.json").json()["components"]["schemas"]
    assert "examples" in components["RacerState"]["required"] and "examples" in components["StepRecord"]["properties"]
    run = build_run({"problem": {"kind": "linear_regression"}, "optimizer": {"name": "gd", "batch_size": 30}})
    run.step(4)  # 30, 30, 30, then the epoch's last 10 of N = 100
    assert StreamState.model_validate(run_state(run, False)).racers[0].examples == 100
    assert [StepRecord.model_validate(s).examples for s in records(run)[0]] == [0, 30, 60, 90, 100]
    surface = build_run({"problem": {"kind": "surface", "name": "rosenbrock"}, "optimizer": {"lr": 1e-3}})
    surface.step(2)
    assert StreamState.model_validate(run_state(surface, False)).racers[0].examples is None
    assert all(StepRecord.model_validate(s).examples is None for s in records(surface)[0])
