"""Pydantic models of every REST request and response (the websocket messages: app/schemas_socket_in.py, _out.py).

Optimiser, schedule and stopping fields are generated from the engine's `Setting` tables
(`engine.optimizers.OPTIMIZERS`, `engine.schedules.SCHEDULES`, `engine.stopping.STOP_SETTINGS`), so the
schemas, the page's controls and the engine's own validation never drift. The engine checks every
value again; these models give early, field-named errors and the OpenAPI docs.

Problem specs (linear regression, networks, test surfaces) are in app/schemas_problems.py; to add a kind,
write its spec model there and add it to `PROBLEM_SPECS` below (one place). The bases `Req` and `Resp`
live in app/schema_tools.py and are imported from here by the other schema modules.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from app.schema_tools import (
    INTEGRAL,
    MAX_SEED,
    NonNegative,
    Positive,
    Req,
    Resp,
    fields_of,
    literal,
    named_models,
    tagged,
    union_settings,
)
from app.schemas_problems import LinearRegressionSpec, NetworkSpec, SurfaceSpec
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES
from engine.stopping import STOP_SETTINGS

Status = Literal["ready", "running", "paused", "converged", "diverged", "stopped"]


# ----- generated from the engine's Setting tables --------------------------------------------------
SCHEDULE_SPECS = named_models(SCHEDULES, "Schedule", "constant", lambda sch: f"{sch.title}: {sch.formula}")
ScheduleSpec: Any = tagged(SCHEDULE_SPECS, "name", "constant")

_COMMON: dict[str, Any] = {
    "label": (str | None, Field(None, max_length=80, description="name shown on the page (default: the optimizer's)")),
    "schedule": (ScheduleSpec | None, Field(None, description="learning-rate schedule (default: constant)")),
}

OPTIMIZER_SPECS = named_models(OPTIMIZERS, "Optimizer", "gd", lambda opt: f"{opt.title}: {opt.formula}", after=_COMMON)
OptimizerSpec: Any = tagged(OPTIMIZER_SPECS, "name", "gd")

OptimizerPatch = create_model(
    "OptimizerPatch",
    __base__=Req,
    __doc__="Changes to a racer's optimiser: only the fields given change; a new `name` switches optimiser.",
    # Not nullable: null is no optimizer (the engine would fail on it); leave `name` out to keep the optimizer.
    name=(literal(*OPTIMIZERS), Field(None, description="switch to this optimizer (absent: keep it)")),
    **_COMMON,
    **fields_of(union_settings(OPTIMIZERS), partial=True),
)
StopSpec = create_model(
    "StopSpec", __base__=Req, __doc__="Stopping tests (null turns a test off).", **fields_of(STOP_SETTINGS)
)
StopPatch = create_model(
    "StopPatch", __base__=Req, __doc__="Changes to the stopping tests (null turns a test off).",
    **fields_of(STOP_SETTINGS, partial=True),
)

# ----- problems (the models are in app/schemas_problems.py) ---------------------------------------------
# The one place problem kinds are listed: add a spec model here (and a builder in engine.build.PROBLEMS).
# A new kind's model declares `kind: Literal["<kind>"]` with no default: only linear_regression is the
# default (a spec without "kind"), so the OpenAPI oneOf reads specs exactly as the server does.
PROBLEM_SPECS: dict[str, Any] = {
    "linear_regression": LinearRegressionSpec,
    "network": NetworkSpec,
    "surface": SurfaceSpec,  # itself a union: one model per surface, chosen by "name"
}
ProblemSpec: Any = tagged(PROBLEM_SPECS, "kind", "linear_regression")


# ----- REST requests --------------------------------------------------------------------------------
Params = Annotated[list[float], Field(min_length=1, max_length=100_000)]


class CreateRun(Req):
    """A new run: problem, one optimizer (or racers), stopping tests, start and seed; all optional."""

    problem: ProblemSpec | None = None
    optimizer: OptimizerSpec | None = None
    racers: Annotated[list[OptimizerSpec], Field(min_length=1)] | None = Field(
        None, description="a race: several optimizers on the same problem from the same start (instead of optimizer)")
    stop: StopSpec | None = None  # type: ignore[valid-type]
    start: Params | None = Field(None, description="θ at t = 0 (default: the problem's start)")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED), INTEGRAL] = Field(0, description="seeds shuffling and random search")


class PatchRun(Req):
    """Live changes: the next step uses them."""

    optimizer: OptimizerPatch | None = None  # type: ignore[valid-type]
    stop: StopPatch | None = None  # type: ignore[valid-type]
    racer: NonNegative = Field(0, description="which racer the optimizer changes apply to")


class StepRequest(Req):
    """Take n steps now."""

    n: Positive = Field(1, description="steps per racer (at most the server's max_steps_per_request)")


class ResetRequest(Req):
    """Start again from `params` (which become the run's start) or from the run's start."""

    params: Params | None = None


# ----- REST responses -------------------------------------------------------------------------------
class StepRecord(Resp):
    """One step of one racer: the loss, gradient norm and learning rate of the update that led here."""

    racer: int = 0
    t: int
    examples: int | None = Field(None, description="training examples the racer's updates used up to this step "
                                                   "(the batches drawn); left out for problems without data")
    loss: float | None
    grad_norm: float | None
    lr: float | None = Field(description="learning rate of the update that led to this step (null at t = 0)")
    params: list[float | None] | None = None
    guess: list[float | None] | None = Field(None, description="random search: this step's guess")
    guess_loss: float | None = None


class StopReason(Resp):
    """Which test ended a racer, when, and in words."""

    test: str
    t: int
    message: str


class RacerState(Resp):
    """One racer's state: where it is, how it is doing and its optimiser's settings."""

    t: int
    examples: int | None = Field(description="training examples its updates used (null: a problem without data)")
    loss: float | None
    grad_norm: float | None
    status: Status
    stop_reason: StopReason | None
    optimizer: dict[str, Any]
    lr: float | None
    params: list[float | None] | None = Field(None, description="θ; left out above 16 parameters")
    grad: list[float | None] | None = Field(None, description="∇J(θ); left out above 16 parameters")
    opt_state: dict[str, list[float | None]] | None = Field(
        None, description="the optimiser's state worth drawing (momentum buffers, first moments); up to 16 parameters")
    last_guess: list[float | None] | None = Field(None, description="random search: the latest guess θ̃")
    train_loss: float | None = Field(None, description="networks: J over the training examples")
    test_loss: float | None = Field(None, description="networks: J over the test examples (null: none)")
    train_accuracy: float | None = Field(None, description="networks (classification): accuracy on training examples")
    test_accuracy: float | None = Field(None, description="networks (classification): accuracy on test examples")


class RunState(Resp):
    """A run's state: run-level fields, and `racers` with one state per racer (a single run is a race of one)."""

    id: str
    t: int = Field(description="steps taken by the racer that has taken the most")
    status: Status
    message: str
    race: bool
    seed: int
    start: list[float | None] | None = Field(description="θ at t = 0; null above 16 parameters (a network's "
                                                         "initial weights are in its export)")
    stop: dict[str, Any]
    problem: dict[str, Any]
    minimum: list[float | None] | None = None
    max_stable_lr: float | None = None
    racers: list[RacerState] = Field(min_length=1)


class RunSummary(Resp):
    """One line of the run list."""

    id: str
    kind: str
    status: Status
    t: int
    loss: float | None
    created: str = Field(description="ISO 8601 time (UTC)")
    clients: int = Field(0, description="websocket clients watching")


class StepResult(Resp):
    """The steps just taken (every racer's) and the new state."""

    steps: list[StepRecord]
    state: RunState


class History(Resp):
    """Every step record (JSON form of the history)."""

    steps: list[StepRecord]


class DataPoints(Resp):
    """The run's data, one list per column."""

    x: list[float]
    y: list[float]
    columns: list[str]


class Box(Resp):
    """A view box in θ space."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float


class Surface(Resp):
    """J on a grid: z[j][i] = J(x[i], y[j]) (Plotly's convention); null where J is not finite."""

    x: list[float]
    y: list[float]
    z: list[list[float | None]]
    box: Box


class GradField(Resp):
    """−∇J on a coarser grid: (u[j][i], v[j][i]) at (x[i], y[j])."""

    x: list[float]
    y: list[float]
    u: list[list[float | None]]
    v: list[list[float | None]]
    box: Box


class Flow(Resp):
    """Gradient-flow paths dθ/dt = −∇J, each a list of [θ1, θ2]."""

    paths: list[list[list[float | None]]]
    box: Box


class ErrorMessage(Resp):
    """A 4xx other than 422: what went wrong, in words."""

    detail: str


ERROR_TEXT = {
    400: "the body could not be read as JSON text (e.g. not UTF-8)",
    401: "missing or wrong API token (only when the server is started with one)",
    404: "no run with this id (it may have expired)",
    409: "not available for this kind of problem (e.g. one with more than 2 parameters)",
    413: "request body too large",
    503: "the server already holds its maximum number of runs",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these 4xx/5xx codes."""
    return {c: {"model": ErrorMessage, "description": ERROR_TEXT[c]} for c in codes}


class Health(Resp):
    """The server is up, and how busy it is."""

    ok: bool
    runs: int = Field(description="runs held")
    playing: int = Field(description="runs playing now")
    frame_hz: float = Field(description="the server's pace: play ticks and frames per second at most, lowered "
                            "while it is busy (never below 12, or the server's frame_hz if that is lower)")
    cpu: float = Field(description="share of one core the server used lately (0 to 1)")
    lag_ms: float = Field(description="the event loop's worst lateness lately: how long any request or frame "
                          "may have waited for the server to get round to it")
    tick_ms: float = Field(description="the longest play tick lately: how long stepping a run held the event loop")
    history_rows: int = Field(description="step records held by all runs (at most max_history_rows)")
    history_mb: float = Field(description="memory of those records' buffers, MiB")


def dump(model: BaseModel | None) -> dict[str, Any] | None:
    """The fields a client actually gave (the engine fills the rest with the same defaults)."""
    return None if model is None else model.model_dump(exclude_unset=True)

