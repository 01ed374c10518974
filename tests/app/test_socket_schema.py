"""The websocket messages are documented: a model for each, published in /openapi.json and named in the README;
the handler table carries out every client message type; every $ref of the document resolves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.live.handlers import HANDLERS
from app.schemas_socket_in import CLIENT_MESSAGES
from app.schemas_socket_out import SERVER_MESSAGES, ErrorMsg, Frame, server_message, wire
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
