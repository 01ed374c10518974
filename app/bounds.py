"""The server's limits as published bounds: each limit the server enforces from a setting is written into the
OpenAPI schema and the registry from that same setting, so a client that follows the schema is never refused.

The request models are built once at import, with the engine's own bounds; a server's limits are settings
(`DESCENT_*`), read when the app is made. `BOUNDS` lists every place a setting narrows a schema bound, and
`publish_openapi` / `publish_registry` write them in for one app's settings. tests/app/test_bounds.py sends each
bound (accepted) and one past it (refused with 422 naming the field), for settings other than the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.settings import Settings
from engine.datasets2d import DATASETS2D
from engine.datasets2d import MAX_POINTS as NETWORK_MAX_POINTS

Json = dict[str, Any]


def network_points(s: Settings) -> int:
    """Points of a network's data: the server's max_points, never more than the engine's 10,000."""
    return min(s.max_points, NETWORK_MAX_POINTS)


@dataclass(frozen=True)
class Bound:
    """One enforced limit: the field a client names, its value from the settings, and where the schema says it.

    `places` are schema objects: ("schema", Model, property) in components/schemas, or ("query", path, parameter)
    for a GET operation's query parameter; `keyword` is the JSON Schema keyword (maximum or maxItems).
    """

    field: str
    value: Callable[[Settings], int | float]
    places: tuple[tuple[str, str, str], ...]
    keyword: str = "maximum"


_GENERATED_N = tuple(("schema", f"{''.join(p.capitalize() for p in name.split('_'))}Dataset", "n")
                     for name, g in DATASETS2D.items() if any(f.name == "n" for f in g.settings))
BOUNDS: tuple[Bound, ...] = (
    Bound("stop.max_steps", lambda s: s.max_run_steps, (("schema", "StopSpec", "max_steps"),
                                                        ("schema", "StopPatch", "max_steps"))),
    Bound("n", lambda s: s.max_steps_per_request, (("schema", "StepRequest", "n"), ("schema", "StepMsg", "n"))),
    Bound("speed", lambda s: s.max_speed, (("schema", "PlayMsg", "speed"),)),
    Bound("racers", lambda s: s.max_racers, (("schema", "CreateRun", "racers"),), "maxItems"),
    Bound("problem.data.points", lambda s: s.max_points, (("schema", "PointsData", "points"),), "maxItems"),
    Bound("problem.data.n", lambda s: s.max_points, (("schema", "GeneratedLine", "n"),)),
    Bound("problem.data.points (network)", network_points, (("schema", "NetworkPoints", "points"),), "maxItems"),
    Bound("problem.data.n (network)", network_points, _GENERATED_N),
    Bound("events", lambda s: s.max_events, (("schema", "ImportRun", "events"),), "maxItems"),
    Bound("surface n", lambda s: s.max_grid, (("query", "/api/runs/{run_id}/surface", "n"),)),
    Bound("field n", lambda s: s.max_field, (("query", "/api/runs/{run_id}/field", "n"),)),
    Bound("flow per_side", lambda s: s.max_flow_starts, (("query", "/api/runs/{run_id}/flow", "per_side"),)),
)


def _branch(node: Json, keyword: str) -> Json:
    """The branch of a (possibly nullable) schema that carries `keyword`: the number or array one."""
    want = ("array",) if keyword == "maxItems" else ("integer", "number")
    for option in node.get("anyOf", [node]):
        if option.get("type") in want:
            return option
    raise KeyError(f"no {want} schema in {node}")


def place(schema: Json, where: tuple[str, str, str], keyword: str) -> Json:
    """The schema object at one of a Bound's places."""
    kind, name, prop = where
    if kind == "schema":
        return _branch(schema["components"]["schemas"][name]["properties"][prop], keyword)
    params = schema["paths"][name]["get"]["parameters"]
    return _branch(next(p["schema"] for p in params if p["name"] == prop), keyword)


def publish_openapi(schema: Json, settings: Settings) -> Json:
    """Write each Bound's value into the OpenAPI schema (the tighter of it and the model's own bound)."""
    for b in BOUNDS:
        for where in b.places:
            node = place(schema, where, b.keyword)
            node[b.keyword] = min(node.get(b.keyword, b.value(settings)), b.value(settings))
    return schema


def publish_registry(payload: Json, settings: Settings) -> Json:
    """The same bounds in /api/registry: the stop tests, the network data sets and the network limits."""
    for s in payload["stop"]:
        if s["name"] == "max_steps":
            s["high"] = min(s["high"], settings.max_run_steps)
    nets = payload["networks"]
    for g in nets["datasets"].values():
        for f in g["settings"]:
            if f["name"] == "n":
                f["high"] = min(f["high"], network_points(settings))
    nets["limits"]["points"] = network_points(settings)
    return payload
