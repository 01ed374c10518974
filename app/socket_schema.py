"""The websockets in the OpenAPI document: every message's model in its components, the protocol in words.

OpenAPI has no operations for websockets, so FastAPI publishes none of their messages. `publish_socket` adds
the JSON schema of every client message (app/schemas_socket_in.py) and every server message
(app/schemas_socket_out.py) to `components/schemas` (the models they use come along; a model the REST
operations already publish keeps its entry), with two unions, `ClientMessage` and `ServerMessage`, chosen by
`type`, and says in the document's description which socket sends what: /docs lists every schema under
"Schemas", and ReDoc draws the two unions in the description (its `<SchemaDefinition>` tags).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from app.schemas_socket_in import CLIENT_MESSAGES
from app.schemas_socket_out import SERVER_MESSAGES

Json = dict[str, Any]
REF = "#/components/schemas/{model}"

SOCKETS = """Three websockets share one protocol:

- `/api/runs/{id}/stream`: the owner's, who may send every client message;
- `/api/watch/{token}/stream`: a watcher's (a watch link), who may only `subscribe` and `ping`;
- `/api/attempts/{id}/stream`: a student's attempt at a challenge, who may drive the run
  (`play`, `pause`, `step`, `reset` without params, `subscribe`, `ping`) but not change its settings.

Every message is a JSON text object with a `type`. The server first sends `hello` (the state and the latest
steps), then `frame`s (at most 30 a second, each with every step since the last one), `status` when a status
changes, `reset`, `racers`, `subscribed`, `pong`, `watchers` and `closing` (watch links), and `error` for a
message it cannot carry out (naming the field and the message type in `to`; the connection stays open). On a
watch link or an attempt the state comes without the run's `id`. A socket that cannot be served (no such run,
a wrong token) is closed with 1008.

Client messages (`ClientMessage`, by `type`):

<SchemaDefinition schemaRef="#/components/schemas/ClientMessage" />

Server messages (`ServerMessage`, by `type`):

<SchemaDefinition schemaRef="#/components/schemas/ServerMessage" />
"""


def _schemas(models: dict[str, type[BaseModel]], mode: JsonSchemaMode) -> tuple[Json, dict[str, str]]:
    """(definitions of the models and of every model they use, {message type: its definition's name})."""
    keyed, defs = models_json_schema([(m, mode) for m in models.values()], ref_template=REF)
    names = {kind: keyed[(m, mode)]["$ref"].rsplit("/", 1)[1] for kind, m in models.items()}
    return defs.get("$defs", {}), names


def _union(names: dict[str, str]) -> Json:
    """A oneOf of the named definitions, with `type` as the discriminator."""
    refs = {kind: REF.format(model=name) for kind, name in names.items()}
    return {"oneOf": [{"$ref": r} for r in refs.values()],
            "discriminator": {"propertyName": "type", "mapping": refs}}


def publish_socket(schema: Json) -> Json:
    """Add the websocket messages to an OpenAPI document (in place; returns it)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    client_defs, client_names = _schemas(CLIENT_MESSAGES, "validation")
    server_defs, server_names = _schemas(SERVER_MESSAGES, "serialization")
    for name, definition in {**server_defs, **client_defs}.items():
        components.setdefault(name, definition)
    components["ClientMessage"] = _union(client_names)
    components["ServerMessage"] = _union(server_names)
    info = schema.setdefault("info", {})
    info["description"] = (info.get("description", "") + "\n\n## Websockets\n\n" + SOCKETS).strip()
    return schema
