"""A live run as a replayable record, and a record replayed into a new live run (checked against the limits).

Replaying costs as much as the original steps did, so it steps in time slices that yield to the event loop
(app/live/stepping.py: a huge network's steps in a worker thread), at most REPLAYS at a time per app; what can be
replayed is bounded by the server's limits (every
racer stops by max_run_steps, at most max_racers racers, at most max_events changes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import State

from app.errors import RequestError, field_loc
from app.live.stepping import advance
from app.run_specs import engine_spec, server_stop
from app.schemas_saved import ImportRun, SetEvent, StopEvent
from app.settings import Settings
from app.store import Entry
from app.views import message
from engine.build import apply_event, build_run, check_event, run_config
from engine.run import Run
from engine.settings import SettingsError

REPLAYS = 2  # replays running at once (per app); more wait their turn


def event_cap(settings: Settings) -> int:
    """The live changes a run keeps for replays: one past the limit, enough to say it was passed."""
    return settings.max_events + 1


def summary(run: Run) -> dict[str, Any]:
    """{status, loss, message}: the run's status in words (loss: the best racer's)."""
    return {"status": run.status, "loss": float(min(run.loss)), "message": message(run, playing=False)}


def config_of(run: Run) -> dict[str, Any]:
    """{config, events, clock}: what rebuilds the run exactly (a consistent snapshot: call it between steps)."""
    return {"config": run_config(run), "events": [dict(e) for e in run.events], "clock": run.clock}


def record_of(entry: Entry, settings: Settings) -> dict[str, Any]:
    """The saved form of a live run: {kind, t, config, events, clock, summary}; 409 past max_events."""
    run = entry.run
    check_events(run.changes, settings, ())
    return {"kind": run.problem.kind, "t": run.t, **config_of(run), "summary": summary(run)}


def check_events(n: int, settings: Settings, loc: Sequence[str | int]) -> None:
    """409 (a live run) or 422 (a document, at `loc`) when a run has more live changes than max_events."""
    if n > settings.max_events:
        message = (f"too many live changes since the last reset: {n:,} (at most {settings.max_events:,}, "
                   f"max_events)")
        if loc:
            raise RequestError(loc, message)
        raise RequestError((), message + "; reset the run to start a new log", status_code=409)


def _moved(loc: Sequence[str | int], prefix: Sequence[str | int]) -> tuple[str | int, ...]:
    """("body", "problem", "n") -> ("body", *prefix, "problem", "n")."""
    head, rest = (loc[:1], loc[1:]) if loc and loc[0] == "body" else (("body",), loc)
    return (*head, *prefix, *rest)


def engine_document(doc: ImportRun, settings: Settings, where: Sequence[str | int] = ()) -> tuple[
        dict[str, Any], list[dict[str, Any]], int]:
    """(spec, events, clock) for the engine, with the server's limits checked; errors name the document's field."""
    try:
        spec = engine_spec(doc.config, settings)
    except RequestError as exc:
        raise RequestError(_moved(exc.loc, (*where, "config")), exc.message, exc.status_code) from None
    except SettingsError as exc:
        raise RequestError(_moved(field_loc(exc.field), (*where, "config")), exc.message) from None
    check_events(len(doc.events), settings, ("body", *where, "events"))
    last = 0
    events: list[dict[str, Any]] = []
    for i, ev in enumerate(doc.events):
        loc = ("body", *where, "events", i)
        if ev.clock < last or ev.clock > doc.clock:
            raise RequestError((*loc, "clock"), f"must be ≥ the clock before it ({last}) and ≤ clock ({doc.clock}), "
                                                f"got {ev.clock}")
        last = ev.clock
        out = ev.model_dump(exclude_unset=True)
        out["type"], out["clock"] = ev.type, ev.clock
        if isinstance(ev, SetEvent):
            out["racer"] = ev.racer
        if isinstance(ev, StopEvent):
            try:
                out["stop"] = server_stop(out["stop"], settings)
            except SettingsError as exc:
                raise RequestError((*loc, *field_loc(exc.field)[1:]), exc.message) from None
        events.append(out)
    return spec, events, doc.clock


def _gate(state: State) -> asyncio.Semaphore:
    gate: asyncio.Semaphore | None = getattr(state, "replay_gate", None)
    if gate is None:
        gate = state.replay_gate = asyncio.Semaphore(REPLAYS)
    return gate


async def _replay(spec: dict[str, Any], events: list[dict[str, Any]], clock: int,
                  where: Sequence[str | int], settings: Settings) -> Run:
    """engine.build.replay in time slices that yield to the event loop, with its errors named as fields of the
    document (the engine checks the racer indices; the server's max_racers is checked here, on the run)."""
    try:
        run = build_run(spec, event_cap(settings))
    except SettingsError as exc:  # the config itself is wrong
        raise RequestError(_moved(field_loc(exc.field), (*where, "config")), exc.message) from None
    per_step: float | None = None
    try:
        for i, ev in enumerate(events):
            per_step = await advance(run, check_event(run, ev, i, clock) - run.clock, per_step=per_step)
            if ev["type"] == "add_racer" and len(run.racers) >= settings.max_racers:
                raise RequestError(("body", *where, "events", i, "racer"),
                                   f"a run holds at most {settings.max_racers} racers")
            apply_event(run, ev, i)
        await advance(run, clock - run.clock, per_step=per_step)
    except SettingsError as exc:
        if exc.field.split(".")[0] == "events":  # replay names the event
            raise RequestError(("body", *where, *field_loc(exc.field)[1:]), exc.message) from None
        raise RequestError(("body", *where, "events"), f"an event cannot be replayed: {exc}") from None
    return run


async def replay_document(state: State, doc: ImportRun, settings: Settings,
                          where: Sequence[str | int] = ()) -> Run:
    """A new engine run replayed from the document (in time slices); 422 naming the field when it cannot be."""
    spec, events, clock = engine_document(doc, settings, where)
    async with _gate(state):
        return await _replay(spec, events, clock, where, settings)
