"""Pydantic models of the messages a client sends on a websocket (play, pause, step, set, reset, add_racer,
remove_racer, subscribe, set_weight, ping); what the server sends is in app/schemas_socket_out.py.

`client_message` reads one by its `type`; app/live/handlers.py carries each type out.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from app.schema_tools import INTEGRAL, NonNegative, Positive, Req, tagged
from app.schemas import OptimizerPatch, OptimizerSpec, Params, StopPatch
from app.schemas_network import WeightEdit
from engine.tables import MAX_FEATURES


class PlayMsg(Req):
    """Play at `speed` steps per second (per racer)."""

    type: Literal["play"]
    speed: float = Field(30.0, gt=0, description="steps per second, at most the server's max_speed")


class PauseMsg(Req):
    """Pause."""

    type: Literal["pause"]


class StepMsg(Req):
    """Take n steps now."""

    type: Literal["step"]
    n: Positive = Field(1, description="steps per racer (at most the server's max_steps_per_request)")


class SetMsg(Req):
    """Live changes, as PATCH /api/runs/{id}; they apply from the next step."""

    type: Literal["set"]
    optimizer: OptimizerPatch | None = None  # type: ignore[valid-type]
    stop: StopPatch | None = None  # type: ignore[valid-type]
    racer: NonNegative = 0


class ResetMsg(Req):
    """Start again (from params, which become the start, or from the run's start)."""

    type: Literal["reset"]
    params: Params | None = None


class AddRacerMsg(Req):
    """Add a racer (an optimizer spec) at the run's start."""

    type: Literal["add_racer"]
    racer: OptimizerSpec


class RemoveRacerMsg(Req):
    """Remove racer i."""

    type: Literal["remove_racer"]
    racer: NonNegative


class SubscribeMsg(Req):
    """What this client wants in its frames (absent fields keep their value)."""

    type: Literal["subscribe"]
    frame_hz: float | None = Field(None, ge=1, le=30, description="frames per second at most")
    steps: bool | None = Field(None, description="false: frames carry no step records")
    weights: bool | None = Field(None, description="network runs: racer 0's weights in frames (`network`)")
    grid: bool | None = Field(None, description="network runs: the decision grid (one input: the curve) in frames")
    grid_hz: float | None = Field(None, gt=0, le=10, description="grids per second at most (default 5; the server "
                                                                 "sends fewer when its grid work would pass 20 % "
                                                                 "of its time)")
    grid_n: Annotated[int, Field(ge=10, le=100), INTEGRAL] | None = Field(
        None, description="decision-grid points per side (default 60)")
    hidden: bool | None = Field(None, description="network runs with 2 features or more: hidden-unit grids "
                                                  "(24 × 24) in frames, with the decision grid")
    plane: Literal["slice", "pca"] | None = Field(None, description="network runs: the plane of the features the "
                                                                    "grids cover: a slice through x_feature and "
                                                                    "y_feature, the others at their means (default), "
                                                                    "or the first two principal components")
    x_feature: Annotated[int, Field(ge=0, le=MAX_FEATURES - 1), INTEGRAL] | None = Field(
        None, description="a slice's first feature, numbered from 0 (default 0)")
    y_feature: Annotated[int, Field(ge=0, le=MAX_FEATURES - 1), INTEGRAL] | None = Field(
        None, description="a slice's second feature (default 1)")


class SetWeightMsg(WeightEdit):
    """Set one weight of a network live (as PATCH /api/runs/{id}/network)."""

    type: Literal["set_weight"]


class PingMsg(Req):
    """Answered with {"type": "pong"}."""

    type: Literal["ping"]


CLIENT_MESSAGES: dict[str, type[BaseModel]] = {
    "play": PlayMsg, "pause": PauseMsg, "step": StepMsg, "set": SetMsg, "reset": ResetMsg,
    "add_racer": AddRacerMsg, "remove_racer": RemoveRacerMsg, "subscribe": SubscribeMsg, "ping": PingMsg,
    "set_weight": SetWeightMsg,
}
ClientMessage: Any = tagged(CLIENT_MESSAGES, "type", None)
client_message: TypeAdapter[Any] = TypeAdapter(ClientMessage)
