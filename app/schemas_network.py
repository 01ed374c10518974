"""Schemas of the network views (weights, predictions, hidden units, data) and of the lecture views (backprop
table, loss comparison, loss-landscape slices, one update explained, lessons), kept apart from app/schemas.py.

The lecture views are built by the engine as JSON types (engine/backprop.py, loss_compare.py, slices.py,
explain.py, lessons.py, whose docstrings give every field); these models document their main fields.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from app.schema_tools import NonNegative, Req, Resp
from engine.datasets2d import MAX_POINTS
from engine.edits import WEIGHT_MAX
from engine.tables import MAX_FEATURES

Num = float | None  # null where a value is not finite
Grid = list[list[Num]]


# ----- networks -------------------------------------------------------------------------------------
class LayerWeights(Resp):
    """One layer: W (inputs × outputs), W[i][j] the weight from unit i below to unit j above; b (outputs)."""

    W: Grid
    b: list[Num]


class Counts(Resp):
    """As the lecture counts: neurons (hidden + output), weights (edges), biases, learnable parameters."""

    neurons: int
    weights: int
    biases: int
    params: int


class NetworkWeights(Resp):
    """A racer's weights with the architecture."""

    layers: list[LayerWeights]
    counts: Counts
    sizes: list[int] = Field(description="[inputs, hidden…, outputs]")
    activation: list[str] = Field(description="of each hidden layer")
    head: str
    loss: str


class WeightEdit(Req):
    """One weight set by hand, live (as a click on an edge of the page's diagram): W[i][j] of `layer`, the weight
    from unit i below to unit j above as GET /network's layers[layer].W gives it, or the bias b[j] when i is
    null. The next step starts from it; it is kept in the run's event log, so replays, exports and forks have it."""

    racer: NonNegative = Field(0, description="whose weights (0: the first racer)")
    layer: NonNegative = Field(description="the layer of weights, 0 for the one after the inputs")
    i: NonNegative | None = Field(None, description="the unit below (an input for layer 0); null: the bias")
    j: NonNegative = Field(description="the unit above")
    value: float = Field(ge=-WEIGHT_MAX, le=WEIGHT_MAX, allow_inf_nan=False, description="the new weight")


class Plane(Resp):
    """The plane of the features a grid covers (engine/planes.py): raw features = origin + x·directions[0] +
    y·directions[1]; a data row's coordinates on it are project · (row − origin); `text` says which it is."""

    mode: str = Field(description="slice (two features, the others held at their means) or pca")
    axes: list[str]
    features: list[int] | None
    held: dict[str, float]
    text: str


class Prediction(Resp):
    """2 features or more: the output over a grid of a plane (`plane`), z[j][i] at (x[i], y[j]). One output: z is it
    (P(class 1) for a sigmoid head). Several: z = confidence = the largest output, label its class (argmax),
    probs (softmax) or outputs (identity) every output [j][i][k]. One input: the fitted curve, y[i] at x[i]."""

    x: list[float]
    y: list[Num]
    plane: Plane | None = None
    z: Grid | None = None
    label: list[list[int]] | None = None
    confidence: Grid | None = None
    probs: list[Grid] | None = None
    outputs: list[Grid] | None = None


MAX_PREDICT_POINTS = MAX_POINTS  # points of one POST /predict


class PredictPoints(Req):
    """Points of the input space to run the network on."""

    points: list[Annotated[list[float], Field(min_length=1, max_length=MAX_FEATURES)]] = Field(
        min_length=1, max_length=MAX_PREDICT_POINTS,
        description=f"rows of the data's features [x1, …, xk] (before the input features and the "
                    f"standardisation, which the server applies); 1 to {MAX_PREDICT_POINTS:,} of them")
    racer: NonNegative = Field(0, description="whose weights")


class Outputs(Resp):
    """The network's outputs at each point, outputs[m][k] (probabilities for softmax)."""

    outputs: Grid


class HiddenGrids(Resp):
    """Each hidden unit's activation over an n × n grid of the input plane: layers[l][u][j][i] at (x[i], y[j])."""

    x: list[float]
    y: list[float]
    layers: list[list[Grid]]
    plane: Plane


class Split(Resp):
    """Inputs X (n × inputs) and labels (classification) or targets (regression) y."""

    X: list[list[float]]
    y: list[float]


class NetworkData(Resp):
    """A network run's data: the training and test sets, the task, the number of classes and of inputs."""

    train: Split
    test: Split
    task: str = Field(description="classification or regression")
    classes: int | None
    inputs: int
    raw: dict[str, list[list[float]]] = Field(description="{train, test}: the rows of raw features (before the "
                                                          "input features and the standardisation) of X")
    columns: list[str] = Field(description="the raw features' names")
    input_names: list[str] = Field(description="the network inputs' names")


# ----- the lecture ------------------------------------------------------------------------------------
class BackpropTable(Resp):
    """One training example's forward and backward pass as the lecture's table (engine/backprop.py): stages
    from the loss down to the input, each with forward and backward formulas and rows of current numbers; every
    gradient row has its finite-difference estimate `fd` and `rel_error` when fd is on."""

    example: int
    n_train: int
    layers: list[int]
    activation: list[str]
    head: str
    loss: str
    lecture: bool = Field(description="the lecture's own two-layer network with one output")
    x: list[float]
    target: list[float]
    y: list[Num]
    J: Num
    stages: list[dict[str, Any]]
    fd: dict[str, Any] | None = Field(description="{h, checked, max_rel_error}; null when fd is off")
    note: str


class LossCompare(Resp):
    """Cross-entropy and quadratic cost over a grid of two weights, W1 (first layer) and W2 (output layer), the
    others held: ce[j][i] and quadratic[j][i] at (w1[i], w2[j]); a gradient-descent path on each, rows [W1, W2, J]."""

    w1: list[float]
    w2: list[float]
    ce: Grid
    quadratic: Grid
    paths: dict[str, Grid]
    indices: dict[str, Any]
    start: list[float]
    centre: list[float]
    lr: float
    steps: int
    losses: dict[str, str]
    head: str
    layers: list[int]


class LossSlice(Resp):
    """J over a 2-D slice through a racer's weights, loss[j][i] at θ + alpha[i]·d1 + beta[j]·d2, and the
    trajectory projected onto it (engine/slices.py)."""

    directions: str
    n: int
    span: float
    seed: int
    alpha: list[float]
    beta: list[float]
    loss: Grid
    centre_loss: Num
    trajectory: dict[str, Any] | None
    racer: int
    t: int


class LossLine(Resp):
    """J((1 − α)·θ₀ + α·θ) from the run's initial weights θ₀ (α = 0) to a racer's current ones (α = 1)."""

    alpha: list[float]
    loss: list[Num]
    start_loss: Num
    end_loss: Num
    distance: float
    racer: int
    t: int


class Explanation(Resp):
    """A racer's next update in numbers and in sentences, computed without stepping (engine/explain.py)."""

    racer: int
    optimizer: str
    formula: str = Field(description="this racer's own update in the lecture's symbols (only the terms its settings "
                                     "use, e.g. θ ← θ − γ∇J(θ) for plain gradient descent)")
    formula_general: str = Field(description="the optimiser's update with every setting's term")
    t: int
    active: bool
    theta: dict[str, Any] = Field(description="{values (the first few for big problems), norm}")
    loss: Num
    sentences: list[str]


class Lesson(Resp):
    """A preset that walks the lecture: POST its `spec` to /api/runs; `view` tells the page what to show."""

    id: str
    title: str
    caption: str
    spec: dict[str, Any]
    view: dict[str, Any]
