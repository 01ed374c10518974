"""Problem specs (`problem` of POST /api/runs), one model per kind, generated from the engine's tables.

Surfaces come from `engine.surfaces.SURFACES` (one model per surface, with its settings), network data sets
from `engine.datasets2d.DATASETS2D`, activations, heads, losses and initialisations from `engine.activations`,
`engine.layers` and `engine.losses`, so the schemas, the page's menus and the engine's validation never drift. The
engine checks every value again (and what only it can know, e.g. that the layers fit the data); these models give
early, field-named errors and the OpenAPI docs. `PROBLEM_SPECS` in app/schemas.py lists the kinds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.schema_tools import INTEGRAL, MAX_SEED, Int, Req, fields_of, literal, named_models, tagged
from engine.activations import ACTIVATIONS, HEADS
from engine.datasets2d import DATASETS2D, MAX_POINTS, PLANE_SETS
from engine.layers import INITS
from engine.losses import LOSSES
from engine.netdata import FEATURES, USER_SETTINGS
from engine.network_build import MAX_HIDDEN_LAYERS, MAX_WIDTH, NETWORK_SETTINGS
from engine.surfaces import SURFACES
from engine.tables import MAX_FEATURES, TASKS


def _data_kind(v: Any) -> str:
    if isinstance(v, dict):
        return "points" if "points" in v else "csv" if "csv" in v else "generated"
    return "points" if hasattr(v, "points") else "csv" if hasattr(v, "csv") else "generated"


# ----- linear regression ------------------------------------------------------------------------------
Point2 = Annotated[list[float], Field(min_length=2, max_length=2)]


class GeneratedLine(Req):
    """Generated data y = intercept + slope·x + noise, x uniform on [x_min, x_max]."""

    n: Annotated[int, Field(ge=2), INTEGRAL] = Field(100, description="number of points")
    slope: float = Field(3.0, description="true θ2")
    intercept: float = Field(2.0, description="true θ1")
    noise: float = Field(0.5, ge=0, description="standard deviation of the Gaussian noise on y")
    x_min: float = 0.0
    x_max: float = 1.0
    seed: Annotated[int, Field(ge=0, le=MAX_SEED), INTEGRAL] = Field(0, description="same seed, same points")


class PointsData(Req):
    """User points as rows [x, y]."""

    points: list[Point2] = Field(description="rows [x, y]; at least 2, not all x equal")


class CsvData(Req):
    """CSV text with a header naming the columns x and y."""

    csv: str = Field(description='CSV text, e.g. "x,y\\n0.1,2.3\\n0.5,3.4"')


LineData = Annotated[
    Annotated[GeneratedLine, Tag("generated")] | Annotated[PointsData, Tag("points")] | Annotated[CsvData, Tag("csv")],
    Discriminator(_data_kind),
]


class LinearRegressionSpec(Req):
    """Linear regression h(x; θ) = θ1 + θ2·x with J(θ) = 1/N Σ (y − θᵀx)²."""

    kind: Literal["linear_regression"] = "linear_regression"
    data: LineData = Field(default_factory=GeneratedLine)  # type: ignore[arg-type]


# ----- test surfaces: one model per engine.surfaces.SURFACES entry ------------------------------------
SURFACE_SPECS: dict[str, Any] = named_models(
    SURFACES, "Surface", "rosenbrock",
    lambda s: f"{s.title}: {s.formula}. Default start {list(s.start)} (or the run's `start`).",
    before={"kind": (literal("surface"), Field(description="a classic 2-D test surface over θ = (x, y)"))})
SurfaceSpec: Any = tagged(SURFACE_SPECS, "name", "rosenbrock")

# ----- networks ------------------------------------------------------------------------------------------
FEATURES_DOC = ("the network's inputs, made of the two features x1, x2 as in TensorFlow Playground: "
                 f"{', '.join(FEATURES)} (default [\"x1\", \"x2\"])")
FeatureName: Any = literal(*FEATURES)
Features = Annotated[list[FeatureName], Field(min_length=1, max_length=len(FEATURES),
                                              json_schema_extra={"uniqueItems": True})]
_FEATURES: dict[str, Any] = {"features": (Features | None, Field(None, description=FEATURES_DOC))}


def _set_doc(g: Any) -> str:
    return f"Built-in data: {g.title} ({g.task}, {g.inputs} feature{'s' if g.inputs > 1 else ''})."


NET_DATA_SPECS: dict[str, Any] = {
    **named_models({k: g for k, g in DATASETS2D.items() if k in PLANE_SETS}, "Dataset", "xor", _set_doc,
                   after=_FEATURES),
    **named_models({k: g for k, g in DATASETS2D.items() if k not in PLANE_SETS}, "Dataset", "xor", _set_doc),
}
NET_DATA_SPECS = {k: NET_DATA_SPECS[k] for k in DATASETS2D}  # the engine's order
GeneratedNetData: Any = tagged(NET_DATA_SPECS, "name", "xor")
NetRow = Annotated[list[float], Field(min_length=2, max_length=MAX_FEATURES + 1)]
Task: Any = literal(*TASKS)
_USER: dict[str, Any] = {
    "task": (Task | None, Field(None, description="classification (labels 0..K−1) or regression (default: "
                                                  "regression for a target named y or rows [x, y], else "
                                                  "classification)")),
    **_FEATURES,
    **fields_of(USER_SETTINGS),
}

NetworkPoints: Any = create_model(
    "NetworkPoints",
    __base__=Req,
    __doc__="User points: rows [x1, …, xk, label] (classification, labels 0..K−1) or [x1, …, xk, y] (regression; "
            "rows [x, y] are regression unless task says otherwise).",
    points=(list[NetRow], Field(description=f"at least 2 rows, at most {MAX_POINTS:,}; all of one width, 1 to "
                                            f"{MAX_FEATURES} features and the label or target last")),
    columns=(Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=MAX_FEATURES)] | None,
             Field(None, description="the features' names (default x1, x2, …)")),
    standardize=(bool, Field(False, description="standardise each input to mean 0 and deviation 1 over the "
                                                "training set")),
    **_USER,
)
NetworkCsv: Any = create_model(
    "NetworkCsv",
    __base__=Req,
    __doc__="CSV text with a header row: the target column (named by `target`, else `label` for classes or `y` "
            f"for values) and 1 to {MAX_FEATURES} numeric feature columns, every other column.",
    csv=(str, Field(description='CSV text, e.g. "x1,x2,label\\n0.1,0.5,1\\n-0.3,0.2,0"')),
    target=(Annotated[str, Field(max_length=200)] | None,
            Field(None, description="the target column's name (default: label, else y)")),
    standardize=(bool, Field(True, description="standardise each input to mean 0 and deviation 1 over the "
                                               "training set (the means and deviations are in the run's state)")),
    **_USER,
)


def _net_data_kind(v: Any) -> str:
    # Tags that name no field: an error's location walks the input, and a "points" tag would walk into the points.
    return {"points": "given points", "csv": "csv text"}.get(_data_kind(v), "generated")


NetData = Annotated[
    Annotated[GeneratedNetData, Tag("generated")]
    | Annotated[NetworkPoints, Tag("given points")]  # type: ignore[valid-type]
    | Annotated[NetworkCsv, Tag("csv text")],  # type: ignore[valid-type]
    Discriminator(_net_data_kind),
]
Activation: Any = literal(*ACTIVATIONS)
LAYERS_DOC = (f"sizes [inputs, hidden…, outputs], e.g. [2, 4, 4, 1]: at most {MAX_HIDDEN_LAYERS} hidden layers of "
              f"1 to {MAX_WIDTH} neurons; inputs and outputs must fit the data and the head (default: "
              "[inputs, 4, 4, outputs])")


class NetworkSpec(Req):
    """A multi-layer perceptron trained on data of any number of features: every field but `kind` follows the data
    when absent (head sigmoid for 2 classes, softmax for more, identity for regression; the loss to match)."""

    kind: Literal["network"]
    layers: list[Int] | None = Field(None, description=LAYERS_DOC, json_schema_extra={
        "minItems": 2, "maxItems": MAX_HIDDEN_LAYERS + 2, "items": {"type": "integer", "minimum": 1,
                                                                   "maximum": MAX_WIDTH}})
    activation: Activation | Annotated[list[Activation], Field(max_length=MAX_HIDDEN_LAYERS)] | None = Field(  # type: ignore[valid-type]
        None, description="of the hidden layers: one name, or one per hidden layer (default tanh)")
    head: literal(*HEADS) | None = Field(None, description="output head (default: follows the data)")  # type: ignore[valid-type]
    loss: literal(*LOSSES) | None = Field(None, description="loss (default: follows the head)")  # type: ignore[valid-type]
    init: literal(*INITS) | None = Field(None, description="initialisation of the weights (default xavier)")  # type: ignore[valid-type]
    init_sigma: float | None = Field(None, ge=0.0, le=100.0, description=NETWORK_SETTINGS[0].doc + " (default 0.1)")
    seed: Annotated[int, Field(ge=0, le=2**32 - 1), INTEGRAL] | None = Field(None, description="seed of the initial "
                                                                                   "weights (default: the "
                                                                   "run's seed)")
    data: NetData | None = Field(None, description='a generated set {"name", ...}, {"points": [...]} or {"csv": '
                                                   '"..."} (default: XOR)')

    @field_validator("activation", mode="wrap")
    @classmethod
    def _activation(cls, v: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(v)
        except ValidationError:
            names = v if isinstance(v, list) else [v]
            bad = [a for a in names if not isinstance(a, str) or a not in ACTIVATIONS]
            if not bad:
                raise
            raise PydanticCustomError("literal_error", "unknown activation {bad} (known: {known})",
                                      {"bad": repr(bad[0])[:40], "known": ", ".join(ACTIVATIONS)}) from None

    @field_validator("layers")
    @classmethod
    def _layers(cls, v: list[int] | None) -> list[int] | None:
        if v is None:
            return v
        if len(v) < 2:
            raise PydanticCustomError("too_short", "needs at least the inputs and the outputs, e.g. [2, 1]")
        if len(v) - 2 > MAX_HIDDEN_LAYERS:
            raise PydanticCustomError("too_long", "at most {limit} hidden layers, got {n}",
                                      {"limit": MAX_HIDDEN_LAYERS, "n": len(v) - 2})
        for i, s in enumerate(v[1:-1], start=1):
            if not 1 <= s <= MAX_WIDTH:
                raise PydanticCustomError("less_than_equal", "hidden layer {i} has {s} neurons (1 to {limit} allowed)",
                                          {"i": i, "s": s, "limit": MAX_WIDTH})
        if min(v[0], v[-1]) < 1:
            raise PydanticCustomError("greater_than_equal", "the inputs and outputs must be at least 1")
        return v
