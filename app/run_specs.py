"""A request's run for the engine: the spec of a new run, and stopping tests, with the server's limits applied.

The engine checks every value against its own bounds; these are the server's settings on top (points of data,
racers, a run's max_steps), refused with a 422 naming the field. Creating a run (app/routes/runs.py), a live
change (app/live/player.py) and an imported or reopened document (app/live/replays.py) all go through here.
"""

from __future__ import annotations

from typing import Any

from app.errors import RequestError
from app.schemas import CreateRun
from app.settings import Settings
from engine.datasets2d import MAX_POINTS as NETWORK_MAX_POINTS
from engine.settings import SettingsError


def engine_spec(body: CreateRun, settings: Settings) -> dict[str, Any]:
    """The engine's spec of a new run, with the server's limits checked (the engine checks the rest)."""
    spec = body.model_dump(exclude_unset=True)
    problem = spec.get("problem") or {}
    data = problem.get("data") or {}
    where = ("body", "problem", "data")
    cap = settings.max_points
    if problem.get("kind") == "network":
        cap = min(cap, NETWORK_MAX_POINTS)
    if len(data.get("points", ())) > cap:
        raise RequestError((*where, "points"), f"too many points: {len(data['points']):,} (at most {cap:,})")
    if isinstance(data.get("n"), int) and data["n"] > cap:
        raise RequestError((*where, "n"), f"too many points: {data['n']:,} (at most {cap:,})")
    if "csv" in data and sum(1 for line in data["csv"].splitlines()[1:] if line.strip()) > cap:
        raise RequestError((*where, "csv"), f"too many rows (at most {cap:,})")
    if len(spec.get("racers") or ()) > settings.max_racers:
        raise RequestError(("body", "racers"), f"a run holds at most {settings.max_racers} racers")
    if "stop" in spec:
        spec["stop"] = server_stop(spec["stop"], settings)
    return spec


def server_stop(stop: dict[str, Any] | None, settings: Settings) -> dict[str, Any] | None:
    """Stopping tests with the server's step limit applied: max_steps null means the server's maximum."""
    if stop is None or "max_steps" not in stop:
        return stop
    out = dict(stop)
    cap = settings.max_run_steps
    if out["max_steps"] is None:
        out["max_steps"] = cap
    elif isinstance(out["max_steps"], int) and out["max_steps"] > cap:
        raise SettingsError("stop.max_steps",
                            f"must be ≤ {cap:,} on this server (null: {cap:,}), got {out['max_steps']}")
    return out
