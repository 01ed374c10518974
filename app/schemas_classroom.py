"""Schemas of the classroom: watch links, forks, challenges, attempts and the board (apart from app/schemas.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from app.schemas import ERROR_TEXT, ErrorMessage, Req, Resp, Status
from app.schemas_saved import MORE_ERROR_TEXT

CLASSROOM_ERROR_TEXT = {
    403: "wrong teacher key for this challenge",
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


class Goal(Req):
    """What the class competes on."""

    kind: GoalKind = Field(description="fewest_steps: reach J ≤ target in the fewest steps; largest_lr: converge "
                           "with the largest learning rate; best_accuracy: the best test accuracy at t = limit")
    target: float | None = Field(None, description="fewest_steps: the J to reach")


class ChallengeRequest(Req):
    """Make a challenge from a run (of one optimizer): every attempt starts where the run starts, as it is set now."""

    title: str = Field("a class challenge", min_length=1, max_length=100, description="1-100 characters")
    goal: Goal
    limit: int = Field(2_000, ge=1, description="steps an attempt may take (its max_steps; at most the server's "
                       "max_run_steps)")
    allowed: list[str] = Field(default_factory=lambda: ["lr"], max_length=20,
                               description="the optimizer settings students may choose (e.g. lr, batch_size)")

    @field_validator("title")
    @classmethod
    def _strip(cls, v: str) -> str:
        return _name(v)


class AttemptRequest(Req):
    """Start an attempt: a name for the board and the allowed settings' values (the others are the challenge's)."""

    name: str = Field(min_length=1, max_length=40, description="1-40 characters shown on the board")
    settings: dict[str, float | int | bool | None] = Field(default_factory=dict, max_length=20,
                                                           description="values of the allowed settings")

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        return _name(v)


class ChallengeInfo(Resp):
    """A challenge as its students see it."""

    id: str = Field(description="the challenge id: /challenge/{id} on the page")
    title: str
    goal: dict[str, Any]
    goal_text: str
    limit: int
    allowed: list[str]
    settings: dict[str, Any] = Field(description="the allowed settings' values in the teacher's run")
    students: int
    attempts: int


class BoardRow(Resp):
    """One attempt on the board."""

    id: str = Field(description="the attempt's public id (for GET /api/challenges/{id}/paths)")
    name: str
    settings: dict[str, Any]
    status: str
    t: int
    loss: float | None
    accuracy: float | None
    score: float | None
    rank: int | None
    live: bool = Field(description="its run is held by the server (false after a restart)")


class Board(Resp):
    """Every attempt, sorted by the goal."""

    challenge: ChallengeInfo
    rows: list[BoardRow]
