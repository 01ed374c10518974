"""Pydantic models of every message the server sends on a websocket (a run's stream, a watch link's, an
attempt's); the messages a client sends are in app/schemas_socket_in.py.

They are built where they are sent (app/live/player.py, client.py, handlers.py, socket_loop.py and
app/classroom/broadcasts.py) and turned into JSON by `wire` (app/live/client.py queues the result). The small ones
are validated when built; those that carry the run's state or its steps (hello, frame, reset, racers) are built
with `model_construct`, since their content is the engine's own and a frame is built up to 30 times a second
for every watcher: the tests validate every message they receive against `server_message`. On a watch link or
an attempt, `state` comes without the run's `id`. They are published in the OpenAPI schema's components
(app/docs.py) and listed in the README's websocket section.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.schema_tools import tagged
from app.schemas import RunState, Status, StepRecord, StopReason
from app.schemas_network import HiddenGrids, LayerWeights, Prediction


class Out(BaseModel):
    """Base of the server's messages: exactly these fields (inside `state`, more fields are welcome)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class StreamState(RunState):
    """The run's state, as GET /api/runs/{id}; without `id` on a watch link's or an attempt's socket."""

    # Optional here only (a guest's state has no id): wider than RunState's field, which mypy flags.
    id: str | None = Field(None, description="the run's id (left out for watchers and students)")  # type: ignore[assignment]


class FrameWeights(BaseModel):
    """Racer 0's weights (networks): one entry per layer."""

    layers: list[LayerWeights]


class Views(Out):
    """A network run's views in hello, frame and reset messages: each only when it changed since this client's
    last, and only what it subscribed to."""

    network: FrameWeights | None = Field(None, description="racer 0's weights")
    grid: Prediction | None = Field(None, description="the decision grid over the plane (one input: the curve), "
                                                      "as POST /api/runs/{id}/predict")
    hidden: HiddenGrids | None = Field(None, description="every hidden unit over the plane, as GET .../hidden")
    grid_t: int | None = Field(None, description="racer 0's step at the weights the grids were computed at")


class Hello(Views):
    """The first message: the state and the latest steps (at most hello_steps)."""

    type: Literal["hello"] = "hello"
    state: StreamState
    steps: list[StepRecord]
    dropped: int | None = Field(None, description="older steps left out (more than hello_steps)")


class Frame(Views):
    """Every step since this client's last frame (at most frame_hz a second) and the new state."""

    type: Literal["frame"] = "frame"
    steps: list[StepRecord]
    state: StreamState
    dropped: int | None = Field(None, description="pending steps dropped (this client fell max_pending_steps "
                                                  "behind)")


class Reset(Views):
    """The run started again: the new state and its t = 0 steps (the client's history starts afresh)."""

    type: Literal["reset"] = "reset"
    state: StreamState
    steps: list[StepRecord]


class RacerStatus(Out):
    """One racer's status."""

    status: Status
    stop_reason: StopReason | None


class StatusMsg(Out):
    """The run's status changed (or a play/pause changed nothing: where it is)."""

    type: Literal["status"] = "status"
    status: Status
    message: str = Field(description="the status in words, e.g. \"converged: ‖∇J‖ ≤ 1e-6 at t = 87\"")
    t: int
    racers: list[RacerStatus]


class RacersMsg(Out):
    """A racer was added or removed (later racers move down one index): the new state."""

    type: Literal["racers"] = "racers"
    action: Literal["added", "removed"]
    racer: int
    state: StreamState


class ErrorMsg(Out):
    """A message could not be carried out (the connection stays open), or a playing run stopped and says why."""

    type: Literal["error"] = "error"
    message: str
    field: str | None = Field(description="the field at fault, e.g. \"optimizer.lr\" (null: none)")
    to: str | None = Field(description="the type of the message this answers (null: none, or unreadable)")


class Pong(Out):
    """The answer to a ping: every step taken before the ping was sent before it."""

    type: Literal["pong"] = "pong"


class Subscribed(Out):
    """The answer to subscribe: every value now in force."""

    type: Literal["subscribed"] = "subscribed"
    frame_hz: float
    steps: bool
    weights: bool
    grid: bool
    grid_hz: float
    grid_n: int
    hidden: bool
    plane: Literal["slice", "pca"]
    x_feature: int | None
    y_feature: int | None


class Watchers(Out):
    """How many watch the run's broadcast (to the owner and every watcher, whenever it changes)."""

    type: Literal["watchers"] = "watchers"
    count: int
    live: bool = Field(description="the run is broadcast (false once the broadcast ended)")
    name: str | None


class Closing(Out):
    """The broadcast ended: the watcher's socket closes next (1000)."""

    type: Literal["closing"] = "closing"
    reason: str


SERVER_MESSAGES: dict[str, type[BaseModel]] = {
    "hello": Hello, "frame": Frame, "status": StatusMsg, "reset": Reset, "racers": RacersMsg, "error": ErrorMsg,
    "pong": Pong, "subscribed": Subscribed, "watchers": Watchers, "closing": Closing,
}
ServerMessage = Hello | Frame | Reset | StatusMsg | RacersMsg | ErrorMsg | Pong | Subscribed | Watchers | Closing
server_message: TypeAdapter[Any] = TypeAdapter(tagged(SERVER_MESSAGES, "type", None))


def wire(msg: ServerMessage) -> dict[str, Any]:
    """The message as JSON-ready types: its type and the fields it was built with, in order.

    Shallow for what `model_construct` built (the state and steps are the engine's dicts, network views `Raw`
    JSON text); models inside validated messages are dumped.
    """
    out: dict[str, Any] = {"type": msg.type}
    given = msg.model_fields_set
    for name in type(msg).model_fields:
        if name in given and name != "type":
            value = getattr(msg, name)
            if isinstance(value, BaseModel):
                value = value.model_dump(exclude_unset=True)
            elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
                value = [v.model_dump(exclude_unset=True) for v in value]
            out[name] = value
    return out
