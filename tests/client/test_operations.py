"""The client has a method for every REST operation of the server, and each method calls the operation it says."""

from __future__ import annotations

import inspect
import json
import urllib.request
from typing import Any

from descent import (
    AsyncAttempt,
    AsyncChallenge,
    AsyncClient,
    AsyncRun,
    AsyncWatched,
    Attempt,
    Challenge,
    Client,
    Run,
    Watched,
)
from descent.base import ClientOps, RunOps
from descent.classroom import AttemptOps, ChallengeOps, WatchedOps
from descent.ops import BY_CALLER, OPERATIONS
from tests.client.conftest import LiveServer

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
CLASSES: dict[str, tuple[Any, ...]] = {"Client": (Client, AsyncClient), "Run": (Run, AsyncRun),
                                       "Watched": (Watched, AsyncWatched), "Challenge": (Challenge, AsyncChallenge),
                                       "Attempt": (Attempt, AsyncAttempt)}
BASES = {"Client": ClientOps, "Run": RunOps, "Watched": WatchedOps, "Challenge": ChallengeOps, "Attempt": AttemptOps}
NOT_OPERATIONS = {"Client.lesson", "Client.run", "Client.watch", "Client.challenge", "Client.close",
                  "Client.auth_headers", "Run.stream", "Run.show", "Watched.stream", "Attempt.stream"}


def server_operations(live: LiveServer) -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, path) of every operation in the live server's /openapi.json."""
    with urllib.request.urlopen(live.url + "/openapi.json") as res:
        spec = json.load(res)
    return {op["operationId"]: (method.upper(), path) for path, ops in spec["paths"].items()
            for method, op in ops.items() if method in HTTP_METHODS}


def test_every_server_operation_has_a_client_method(live: LiveServer) -> None:
    ops = server_operations(live)
    assert len(ops) >= 35
    missing = sorted(set(ops) - set(OPERATIONS))
    assert missing == [], f"operations the client lacks: {missing}"
    for op_id, (method, path) in ops.items():
        assert (OPERATIONS[op_id].method, OPERATIONS[op_id].path) == (method, path), op_id
        owner, name = OPERATIONS[op_id].caller.split(".")
        for cls in CLASSES[owner]:
            assert callable(getattr(cls, name, None)), f"{cls.__name__}.{name} ({op_id})"


def test_every_client_operation_is_a_server_operation(live: LiveServer) -> None:
    stale = sorted(set(OPERATIONS) - set(server_operations(live)))
    assert stale == [], f"client operations the server no longer has: {stale}"
    assert len(BY_CALLER) == len(OPERATIONS)  # one method per operation


def test_each_public_method_calls_the_operation_mapped_to_it() -> None:
    for owner, base in BASES.items():
        for name, fn in vars(base).items():
            caller = f"{owner}.{name}"
            if name.startswith("_") or not callable(fn) or caller in NOT_OPERATIONS:
                continue
            assert caller in BY_CALLER, f"{caller} calls no operation of descent/ops.py"
            source = inspect.getsource(fn)
            named = [op_id for op_id in OPERATIONS if f'"{op_id}"' in source]
            assert named == [BY_CALLER[caller]], (caller, named)
    for owner, (cls, _) in CLASSES.items():
        public = {f"{owner}.{n}" for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}
        unmapped = public - set(BY_CALLER) - NOT_OPERATIONS
        assert unmapped == set(), unmapped
