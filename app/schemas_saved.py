"""Schemas of saved runs, exports, imports and a run's replay config (kept apart from app/schemas.py).

A run is rebuilt exactly from `{config, events, clock}`: the spec of the run as at its last reset
(`engine.build.run_config`), the live changes made since with the step round (`clock`) of each
(`Run.events`), and the number of step rounds taken (`Run.clock`); see `engine.build.replay`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.schema_tools import INTEGRAL, NonNegative, tagged
from app.schemas import (
    ERROR_TEXT,
    CreateRun,
    ErrorMessage,
    History,
    OptimizerPatch,
    OptimizerSpec,
    Req,
    Resp,
    RunState,
    Status,
    StopPatch,
)
from app.schemas_network import WeightEdit

FORMAT: Literal["descent-run"] = "descent-run"
VERSION: Literal[1] = 1
MAX_CLOCK = 2**53 - 1  # exact in JavaScript numbers

MORE_ERROR_TEXT = {
    404: "no run or saved run with this id",
    409: "the run has more live changes than max_events since its last reset (reset it), or a saved run can no "
         "longer be opened on this server",
    429: "this client holds its maximum of runs (max_runs_per_client) or saved runs (max_saved_per_client)",
    503: "the server holds its maximum of runs (max_runs) or saved runs (max_saved)",
}


TOO_MANY_RUNS: dict[int | str, dict[str, Any]] = {429: {
    "model": ErrorMessage, "description": "this client holds its maximum of runs (max_runs_per_client)"}}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these codes, worded for saving and sharing."""
    return {c: {"model": ErrorMessage, "description": MORE_ERROR_TEXT.get(c) or ERROR_TEXT[c]} for c in codes}


# ----- the event log (Run.events) ------------------------------------------------------------------
class _Event(Req):
    clock: Annotated[int, Field(ge=0, le=MAX_CLOCK), INTEGRAL] = Field(
        description="step rounds taken when the change was made")


class SetEvent(_Event):
    """A racer's optimiser settings changed (as PATCH /api/runs/{id} `optimizer`)."""

    type: Literal["set"]
    racer: NonNegative = 0
    optimizer: OptimizerPatch  # type: ignore[valid-type]


class StopEvent(_Event):
    """The stopping tests changed."""

    type: Literal["stop"]
    stop: StopPatch  # type: ignore[valid-type]


class AddRacerEvent(_Event):
    """A racer was added at the run's start."""

    type: Literal["add_racer"]
    racer: OptimizerSpec


class RemoveRacerEvent(_Event):
    """Racer `racer` was removed (later racers moved down one)."""

    type: Literal["remove_racer"]
    racer: NonNegative


class WeightEvent(_Event, WeightEdit):
    """One weight set by hand (as PATCH /api/runs/{id}/network)."""

    type: Literal["weight"]


EVENTS: dict[str, type[_Event]] = {
    "set": SetEvent, "stop": StopEvent, "add_racer": AddRacerEvent, "remove_racer": RemoveRacerEvent,
    "weight": WeightEvent,
}


def _untagged(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validate an event, dropping the union's tag from the location of its errors: a stop event's own
    payload is also called "stop", so the tag cannot be told from a field by looking at the input."""
    try:
        return handler(value)
    except ValidationError as exc:
        errors = [InitErrorDetails(
            type=PydanticCustomError(e["type"], e["msg"], e.get("ctx")),
            loc=e["loc"] if e["type"] in ("union_tag_invalid", "union_tag_not_found") else e["loc"][1:],
            input=e["input"],
        ) for e in exc.errors(include_url=False)]
        raise ValidationError.from_exception_data(exc.title, errors) from None


Event: Any = Annotated[tagged(EVENTS, "type", None), WrapValidator(_untagged)]


# ----- requests -------------------------------------------------------------------------------------
class SaveRequest(Req):
    """Save a run under a name."""

    name: str = Field(min_length=1, max_length=100, description="1-100 characters (spaces around it are dropped)")

    @field_validator("name")
    @classmethod
    def _stripped(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be blank")
        if any(ord(c) < 32 or ord(c) == 127 for c in v):
            raise ValueError("must not contain control characters")
        return v


class ImportRun(Req):
    """A run document (GET /api/runs/{id}/export, or just {config, events, clock}); state and history are not
    read: the run is replayed from its config and events to the same numbers."""

    format: Literal["descent-run"] = FORMAT
    version: Literal[1] = VERSION
    config: CreateRun = Field(description="the run's spec as at its last reset (as POST /api/runs takes)")
    events: list[Event] = Field(  # type: ignore[valid-type]
        default_factory=list, description="live changes since, in clock order")
    clock: Annotated[int, Field(ge=0, le=MAX_CLOCK), INTEGRAL] = Field(0, description="step rounds to replay")
    state: dict[str, Any] | None = Field(None, description="ignored (the replay computes it)")
    history: dict[str, Any] | None = Field(None, description="ignored (the replay computes it)")
    page: dict[str, Any] | None = Field(None, description="ignored: the page's view toggles, which the page "
                                                          "restores itself when it imports the document")


# ----- responses -----------------------------------------------------------------------------------
class RunConfig(Resp):
    """What rebuilds a run exactly: `engine.build.replay(config, events, clock)`."""

    config: dict[str, Any] = Field(description="the run's spec as at its last reset")
    events: list[dict[str, Any]] = Field(description="live changes since, each with its clock")
    clock: int = Field(description="step rounds taken since the last reset")


class RunExport(RunConfig):
    """A run as a document: replayable config, events and clock, plus its state and history for reading."""

    format: Literal["descent-run"]
    version: Literal[1]
    state: RunState
    history: History


class SavedSummaryFields(Resp):
    """The run's status when it was saved."""

    status: Status
    loss: float | None
    message: str


class SavedRun(Resp):
    """One line of the saved-run list."""

    id: str
    name: str
    created: str = Field(description="ISO 8601 time (UTC) of the save")
    kind: str = Field(description="the problem's kind")
    t: int = Field(description="steps taken (the racer that took the most)")


class SavedRecord(SavedRun):
    """A saved run: what rebuilds it (config, events, clock) and its status when saved."""

    config: dict[str, Any]
    events: list[dict[str, Any]]
    clock: int
    summary: SavedSummaryFields
