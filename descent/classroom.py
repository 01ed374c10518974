"""The classroom from Python: a watched run (a watch token), a challenge (its id) and an attempt (a student's run).

    info = run.watch(name="lr 0.5")          # the owner broadcasts; info.token is the link
    w = c.watch(info.token)                  # a watcher: read-only; w.state, w.stream(), w.fork()
    ch = run.challenge(goal={"kind": "fewest_steps", "target": 0.01}, limit=500)
    a = c.challenge(ch.id).join(name="Ada", lr=0.3)   # an attempt: a.stream(speed=500) drives it
    ch.board().rows                          # every attempt, ranked; ch.paths(ids=[...]) with the teacher's key

The operations are written once here (as descent/base.py's) for the blocking and the asyncio client; a guest's
state (Watched, Attempt) is plain JSON without the run id, as the server sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from descent.base import Then, body_of
from descent.stream import AsyncStream, Stream


class _Guest:
    """Something reached by a token instead of a run id: calls go through `client`, the state is kept."""

    client: Any
    _state: Any = None

    def _call(self, op_id: str, path: dict[str, Any], then: Then = None, json: Any = None,
              params: dict[str, Any] | None = None) -> Any:
        return self.client._call(op_id, path=path, json=json, params=params, then=then)

    @property
    def last_state(self) -> Any:
        """The state as of the last answer or frame (no request)."""
        return self._state


class WatchedOps(_Guest):
    """A broadcast run seen through its watch token: read it, stream it, fork it; never change it."""

    def __init__(self, client: Any, token: str):
        self.client = client
        self.token = token
        self.info: Any = None

    @property
    def stream_path(self) -> str:
        return f"/api/watch/{self.token}/stream"

    def _keep(self, info: Any) -> Any:
        self.info, self._state = info, info.state
        return info

    def refresh(self) -> Any:
        """The broadcast's name, how many watch and the run's state (without its id)."""
        return self._call("watched_api_watch__token__get", {"token": self.token}, self._keep)

    def fork(self) -> Any:
        """A run of your own in the watched run's exact state (played on, it gives what the original would)."""
        return self._call("fork_watched_api_watch__token__fork_post", {"token": self.token}, self.client._run)


class ChallengeOps(_Guest):
    """A class challenge by its id (the join link); `key` is the teacher's, known to whoever made it."""

    def __init__(self, client: Any, cid: str, key: str | None = None):
        self.client = client
        self.id = cid
        self.key = key
        self.info: Any = None

    def _keep(self, info: Any) -> Any:
        self.info = info
        return info

    def refresh(self) -> Any:
        """Its title, goal, limit, the settings students may choose (with the teacher's values) and counts."""
        return self._call("read_challenge_api_challenges__cid__get", {"cid": self.id}, self._keep)

    def board(self) -> Any:
        """Every attempt (name, settings, status, t, J, accuracy, score, rank), sorted by the goal."""
        return self._call("board_api_challenges__cid__board_get", {"cid": self.id})

    def paths(self, ids: Sequence[str], key: str | None = None) -> Any:
        """The teacher's overlay: each asked attempt's path (t, J, θ), by public id (`[r.id for r in
        ch.board().rows]`, at most 50); `key`: the teacher's, when this Challenge was not made by run.challenge."""
        teacher = key or self.key
        if teacher is None:
            raise ValueError("paths() needs the teacher's key (made with run.challenge(...), or key=...)")
        return self._call("paths_api_challenges__cid__paths_get", {"cid": self.id},
                          params={"key": teacher, "ids": ",".join(ids)})

    def join(self, name: str, settings: dict[str, Any] | None = None, **setting_values: Any) -> Any:
        """Start an attempt under `name` with the allowed settings (`join(name="Ada", lr=0.3)`): a run of the
        student's own from the challenge's start, driven by its stream."""
        body = {"name": name, "settings": body_of(settings, setting_values)}
        return self._call("start_attempt_api_challenges__cid__attempts_post", {"cid": self.id},
                          lambda a: self.client._attempt(a["id"], a), json=body)


class AttemptOps(_Guest):
    """A student's attempt by its id (their capability to the run): its figures and state; its stream drives it."""

    def __init__(self, client: Any, aid: str, info: dict[str, Any] | None = None):
        self.client = client
        self.id = aid
        self.info = info
        self._state = (info or {}).get("state")

    @property
    def stream_path(self) -> str:
        return f"/api/attempts/{self.id}/stream"

    def _keep(self, info: Any) -> Any:
        self.info, self._state = info, info.get("state")
        return info

    def refresh(self) -> Any:
        """The attempt's name, settings, public id and, while the server holds its run, its state."""
        return self._call("read_attempt_api_attempts__aid__get", {"aid": self.id}, self._keep)


# ----- the blocking and the asyncio classes ----------------------------------------------------------------
class Watched(WatchedOps):
    """A watched run (blocking): `w.state` asks the server; `for frame in w.stream(): ...` follows it."""

    @property
    def state(self) -> Any:
        """The run's state now, without its id (a GET)."""
        return self.refresh().state

    def stream(self, subscribe: dict[str, Any] | None = None) -> Stream:
        """The broadcast's websocket: every frame, reset and racers message; it ends when the run stops playing
        (or the broadcast ends). Control messages are refused by the server."""
        return Stream(self, None, subscribe, watch=True)

    def __repr__(self) -> str:
        return f"<Watched {self.token[:8]} {getattr(self.info, 'name', '?')!r}>"


class Attempt(AttemptOps):
    """A student's attempt (blocking): `a.state` asks the server; `a.stream(speed=500)` plays it."""

    @property
    def state(self) -> Any:
        """The run's state now, without its id (None once the server no longer holds the run)."""
        return self.refresh().get("state")

    def stream(self, speed: float | None = None, subscribe: dict[str, Any] | None = None) -> Stream:
        """The attempt's websocket, as Run.stream (play, pause, step, reset; settings are locked)."""
        return Stream(self, speed, subscribe)

    def __repr__(self) -> str:
        return f"<Attempt {self.id[:8]} {(self.info or {}).get('name')!r}>"


class Challenge(ChallengeOps):
    """A class challenge (blocking)."""

    def __repr__(self) -> str:
        return f"<Challenge {self.id} {getattr(self.info, 'title', '?')!r}>"


class AsyncWatched(WatchedOps):
    """A watched run for asyncio code: `await w.refresh()`; `async for frame in w.stream()`."""

    @property
    def state(self) -> Any:
        """The state as of the last answer or frame (no request)."""
        return self._state

    def stream(self, subscribe: dict[str, Any] | None = None) -> AsyncStream:
        """The broadcast's websocket (see Watched.stream)."""
        return AsyncStream(self, None, subscribe, watch=True)


class AsyncAttempt(AttemptOps):
    """A student's attempt for asyncio code."""

    @property
    def state(self) -> Any:
        """The state as of the last answer or frame (no request)."""
        return self._state

    def stream(self, speed: float | None = None, subscribe: dict[str, Any] | None = None) -> AsyncStream:
        """The attempt's websocket (see Attempt.stream)."""
        return AsyncStream(self, speed, subscribe)


class AsyncChallenge(ChallengeOps):
    """A class challenge for asyncio code (every operation is awaited)."""
