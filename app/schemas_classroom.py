"""Schemas of the classroom: watch links, forks, challenges, attempts and the board (apart from app/schemas.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from app.schemas import ERROR_TEXT, ErrorMessage, Req, Resp, Status
from app.schemas_saved import MORE_ERROR_TEXT

CLASSROOM_ERROR_TEXT = {
    404: "no run, broadcast, challenge or attempt with this id or token",
    409: "not possible for this run or challenge (e.g. a race cannot be a challenge; a setting students may not "
         "change)",
    429: "a limit of the broadcast or challenge (max_watchers, max_students, max_attempts, max_board) or of this "
         "client (max_runs_per_client)",
    503: "the server holds its maximum of runs (max_runs) or challenges (max_challenges)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these codes, worded for the classroom."""
    text = {**ERROR_TEXT, **MORE_ERROR_TEXT, **CLASSROOM_ERROR_TEXT}
    return {c: {"model": ErrorMessage, "description": text[c]} for c in codes}


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


class WatchRequest(Req):
    """Broadcast a run under a name (the watchers see "watching <name>")."""

    name: str = Field("a run", min_length=1, max_length=80, description="1-80 characters shown to watchers")

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        return _name(v)


class WatchInfo(Resp):
    """The owner's view of a broadcast: its watch token (the link), name and watchers."""

    token: str = Field(description="the watch token: /watch/{token} on the page, /api/watch/{token} in the API")
    name: str
    created: str
    watchers: int = Field(description="sockets watching now")
    live: bool


class Watched(Resp):
    """A watcher's view: the name, how many watch, and the run's state (without its id)."""

    name: str
    watchers: int
    live: bool
    state: dict[str, Any] = Field(description="as GET /api/runs/{id}, without `id`")


class StateNoId(Resp):
    """A run's state without its id (what a guest sees)."""

    t: int
    status: Status
    message: str


GoalKind = Literal["fewest_steps", "largest_lr", "best_accuracy"]
