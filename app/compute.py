"""Engine computations for a request: in a worker thread, with errors naming the field.

Lecture views (backprop tables, loss slices, loss comparisons, one update explained, hidden-unit grids) can take
100+ ms on a big network, so they run in a worker thread and are encoded there too; the event loop stays free.
`json_off_loop(fn, entry)` holds the run's lock (`Player.lock`, the one stepping takes) for the whole of fn: for
the quick views that read the run's live state (explain reads the optimiser state and the next mini-batch; hidden
grids use the problem's inspection network, whose buffers are not thread-safe). The long views (backprop table,
slices, the line, the loss comparison) hold the lock only to copy the weights they read and compute from that copy
without it (app/routes/lecture.py, `off_lock`), on buffers of their own, so the run's steps never wait on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from app.errors import RequestError, dumps_bytes
from app.store import Entry
from engine.network import NetworkProblem
from engine.settings import SettingsError


def query_error(exc: SettingsError) -> RequestError:
    """An engine error about a query parameter -> a 422 naming ("query", field)."""
    return RequestError(("query", *exc.field.split(".")), exc.message)


def json_bytes(fn: Callable[[], Any]) -> bytes:
    """fn()'s result as strict JSON; an engine SettingsError names its query parameter."""
    try:
        return dumps_bytes(fn())
    except SettingsError as exc:
        raise query_error(exc) from None


async def json_off_loop(fn: Callable[[], Any], entry: Entry | None = None) -> Response:
    """fn() computed and encoded in a worker thread (holding `entry`'s run lock when given), as a JSON response."""
    if entry is None:
        body = await run_in_threadpool(json_bytes, fn)
    else:
        async with entry.player.lock:
            body = await run_in_threadpool(json_bytes, fn)
    return Response(body, media_type="application/json")


def network_of(entry: Entry, what: str) -> NetworkProblem:
    """The run's network problem; 409 saying what needs one otherwise."""
    problem = entry.run.problem
    if not isinstance(problem, NetworkProblem):
        raise RequestError((), f"{what} needs a network run; this run's problem is a {problem.kind}", status_code=409)
    return problem

