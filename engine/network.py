"""A network problem: an MLP, a loss and train/test data, as a `Problem` over flat parameter vectors.

Spec (`problem` of a run; every key but "kind" optional):
  {"kind": "network", "layers": [2, 4, 4, 1], "activation": "tanh" | ["tanh", "relu"], "head": "sigmoid",
   "loss": "bce", "init": "xavier", "init_sigma": 0.1, "seed": 0,
   "data": {"name": "xor", "n": 400, "noise": 0.1, "test_ratio": 0.5, "seed": 0}
         | {"points": [[x1, x2, label], ...] or [[x, y], ...], "test_ratio"?, "seed"?} | {"csv": "x1,x2,label\\n..."}}
Defaults follow the data: head sigmoid (2 classes), softmax (K > 2) or identity (regression); loss bce,
ce or quadratic to match; layers [inputs, 4, 4, outputs]. `seed` seeds the initial weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets2d import DATASETS2D, MAX_CLASSES, MAX_POINTS, USER_SETTINGS, NetData, make_data
from engine.losses import LOSSES, check_pairing, objective, objective_value
from engine.nn import ACTIVATIONS, HEADS, INITS, MLP, Trace
from engine.problems import Problem
from engine.settings import Setting, SettingsError, check_settings

MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 64  # neurons per hidden layer
FULL_EVAL_LIMIT = 1000  # above this many training examples a mini-batch step reports its batch loss
MAX_GRID = 500  # predict_grid and hidden_grids: at most 500 × 500 points
GRID_CHUNK = 1 << 16  # floats per layer per block over many parameter vectors: 512 kB, cache-sized

NETWORK_SETTINGS = (
    Setting("init_sigma", "float", 0.1, "σ of the normal initialisation", low=0.0, high=100.0),
    Setting("seed", "int", 0, "seed of the initial weights", low=0, high=2**32 - 1),
)
SPEC_KEYS = ("kind", "layers", "activation", "head", "loss", "init", "data") + tuple(s.name for s in NETWORK_SETTINGS)


@dataclass
class Backprop:
    """Every quantity of one forward and backward pass over a few examples (n of them), layer by layer.

    J is the mean loss over the n examples; every gradient is of that J. Per layer l (hidden layers, then
    the output): pre[l] = post[l−1] W_l + b_l and post[l] = f_l(pre[l]) (n, units); grad_pre[l] = ∂J/∂pre[l];
    grad_post[l] = ∂J/∂post[l] for the hidden layers; grads[l] = (∂J/∂W_l, ∂J/∂b_l).
    """

    x: np.ndarray  # (n, inputs)
    t: np.ndarray  # (n, outputs) targets
    loss: float
    pre: list[np.ndarray]
    post: list[np.ndarray]
    grad_y: np.ndarray  # ∂J/∂y (n, outputs), through the loss alone (the lecture's g_y)
    grad_pre: list[np.ndarray]
    grad_post: list[np.ndarray]
    grad_x: np.ndarray  # (n, inputs)
    params: list[tuple[np.ndarray, np.ndarray]]
    grads: list[tuple[np.ndarray, np.ndarray]]


Box = tuple[np.ndarray, np.ndarray] | tuple[list[float], list[float]]


def _grid(box: Box, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs (n,), ys (n,) and the n² points (x, y) with point j·n + i = (xs[i], ys[j])."""
    if not 2 <= n <= MAX_GRID:
        raise SettingsError("n", f"grid size must be between 2 and {MAX_GRID}, got {n}")
    low, high = np.asarray(box[0], dtype=np.float64), np.asarray(box[1], dtype=np.float64)
    xs, ys = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    P = np.empty((n * n, 2))
    P[:, 0] = np.tile(xs, n)
    P[:, 1] = np.repeat(ys, n)
    return xs, ys, P


class NetworkProblem(Problem):
    """J(θ) = mean over the training examples of ℓ(MLP(x; θ), t), for K parameter vectors θ at once."""

    kind = "network"

    def __init__(self, mlp: MLP, loss: str, data: NetData, init: str = "xavier", init_sigma: float = 0.1,
                 seed: int = 0):
        check_pairing(loss, mlp.head.name, mlp.outputs)
        self.mlp, self.data = mlp, data
        self.loss_fn, self.head = LOSSES[loss], mlp.head
        self.init_name, self.init_sigma, self.seed = init, init_sigma, seed
        self.dim = mlp.dim
        self.param_names = tuple(mlp.param_names())
        self.X, self.T = data.train.X, self.targets(data.train.y)  # (n, inputs), (n, outputs)
        self._Xc = np.ascontiguousarray(self.X.T)  # (inputs, n): the network takes examples as columns
        self.X_test, self.T_test = data.test.X, self.targets(data.test.y)
        self.n_train, self.n_test = data.train.n, data.test.n
        self.cheap_full_eval = self.n_train <= FULL_EVAL_LIMIT
        self._start = mlp.init(init, seed, init_sigma)
        self._inspect = mlp.clone()  # traces and backprop tables never disturb the training MLP's buffers

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Targets (n, outputs) of labels or values y (n,): one-hot when there is one output per class."""
        if self.data.task == "classification" and self.mlp.outputs > 1:
            return np.eye(self.mlp.outputs)[y.astype(int)]
        return y[:, None].astype(np.float64)

    # ----- the Problem contract -----------------------------------------------------------------
    def loss_grad(self, theta: np.ndarray, batch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """J and ∇J at each row of theta (K, d) over all training examples or the examples `batch`."""
        X, T = (self._Xc, self.T) if batch is None else (self._Xc[:, batch], self.T[batch])
        K = theta.shape[0]
        loss, grad = np.empty(K), np.empty((K, self.dim))
        mlp, loss_fn, head = self.mlp, self.loss_fn, self.head
        for k in range(K):  # K is the number of racers (a handful): the work inside is vectorised
            mlp.bind(theta[k], grad[k])
            loss[k], g = objective(loss_fn, head, mlp.logits(X).T, T)
            mlp.backward(g.T, input_grad=False)
        return loss, grad

    def loss(self, theta: np.ndarray) -> np.ndarray:
        """J at each row of theta (K, d), vectorised over K (for landscapes over many parameter vectors)."""
        return self._loss_on(theta, self.X, self.T)

    def _loss_on(self, theta: np.ndarray, X: np.ndarray, T: np.ndarray) -> np.ndarray:
        K = theta.shape[0]
        out = np.empty(K)
        step = max(1, GRID_CHUNK // (X.shape[0] * max(self.mlp.sizes)))
        for s in range(0, K, step):
            z = self.mlp.forward_many(theta[s : s + step], X, head=False)  # (k, n, outputs)
            out[s : s + step] = objective_value(self.loss_fn, self.head, z, T)
        return out

    def default_start(self) -> np.ndarray:
        """The seeded initial weights, flattened (d,)."""
        return self._start.copy()

    def info(self) -> dict[str, Any]:
        """Architecture, loss, counts and data facts (JSON-ready)."""
        low, high = self.data.box()
        out: dict[str, Any] = {
            "kind": self.kind,
            "dim": self.dim,
            "layers": list(self.mlp.sizes),
            "activation": list(self.mlp.activations),
            "head": self.head.name,
            "loss": self.loss_fn.name,
            "init": self.init_name,
            "init_sigma": self.init_sigma,
            "seed": self.seed,
            "counts": self.mlp.counts(),
            "task": self.data.task,
            "classes": self.data.classes,
            "inputs": self.mlp.inputs,
            "outputs": self.mlp.outputs,
            "data": self.data.name,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "input_box": [low, high],
        }
        if self.dim <= 64:
            out["param_names"] = list(self.param_names)
        return out

    # ----- what the page shows ------------------------------------------------------------------
    def trace(self, theta: np.ndarray, X: np.ndarray) -> Trace:
        """Forward pass at one theta (d,) over X (m, inputs): every layer's pre-activation and activation."""
        return self._inspect.forward(np.asarray(X, dtype=np.float64), np.asarray(theta, dtype=np.float64))

    def backprop(self, theta: np.ndarray, batch: np.ndarray | list[int]) -> Backprop:
        """Forward and backward pass at one theta (d,) over training examples `batch`, every quantity kept."""
        idx = np.asarray(batch, dtype=np.int64).reshape(-1)
        n = self.data.train.n
        if not len(idx) or idx.min() < 0 or idx.max() >= n:
            raise SettingsError("example", f"training examples are numbered 0 to {n - 1}")
        theta = np.asarray(theta, dtype=np.float64)
        grad = np.empty(self.dim)
        mlp = self.mlp.clone()  # its own buffers: tables may be built in several threads, beside the run's steps
        mlp.bind(theta, grad)
        X, T = self.X[idx], self.T[idx]
        z = mlp.logits(np.ascontiguousarray(X.T))
        J, g = objective(self.loss_fn, self.head, z.T, T)
        grad_x = mlp.backward(g.T)
        y = self.head.f(z.T)
        return Backprop(
            x=X, t=T, loss=J,
            pre=[a.z.T.copy() for a in mlp.acts] + [z.T.copy()],
            post=[a.a.T.copy() for a in mlp.acts] + [y],
            grad_y=self.loss_fn.grad(y, T) / len(idx),
            grad_pre=[d.grad_out.T.copy() for d in mlp.dense],
            grad_post=[a.grad_out.T.copy() for a in mlp.acts],
            grad_x=grad_x.T.copy(),
            params=[(W.copy(), b.copy()) for W, b in mlp.unpack(theta)],
            grads=[(W.copy(), b.copy()) for W, b in mlp.unpack(grad)],
        )

    def predict(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Outputs at one theta (d,) for points X (m, inputs) -> (m, outputs) (probabilities for softmax)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and self.mlp.inputs == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.mlp.inputs or not np.all(np.isfinite(X)):
            raise SettingsError("points", f"must be rows of {self.mlp.inputs} finite number(s)")
        return self.mlp.forward_many(np.asarray(theta, dtype=np.float64)[None], X)[0]

    def classify(self, y: np.ndarray) -> np.ndarray:
        """Predicted class (m,) of outputs y (m, outputs): threshold 0.5 for one output, else argmax."""
        return (y[:, 0] > 0.5).astype(int) if y.shape[1] == 1 else y.argmax(axis=1)

    def metrics(self, theta: np.ndarray) -> dict[str, float | None]:
        """Train and test loss and accuracy at one theta (d,); accuracy None for regression, None without test set."""
        theta = np.asarray(theta, dtype=np.float64)
        out: dict[str, float | None] = {}
        for part, X, T, y in (("train", self.X, self.T, self.data.train.y),
                              ("test", self.X_test, self.T_test, self.data.test.y)):
            if X.shape[0] == 0:
                out[f"{part}_loss"] = out[f"{part}_accuracy"] = None
                continue
            z = self.mlp.forward_many(theta[None], X, head=False)
            out[f"{part}_loss"] = float(objective_value(self.loss_fn, self.head, z, T)[0])
            acc = None
            if self.data.task == "classification":
                acc = float(np.mean(self.classify(self.head.f(z[0])) == y))
            out[f"{part}_accuracy"] = acc
        return out

    def predict_grid(self, theta: np.ndarray, box: Box | None = None, n: int = 100
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Outputs over an n × n grid of the input plane: (xs, ys, Y) with Y[j, i] the output at (xs[i], ys[j]).

        Y is (n, n) for one output and (n, n, K) (class probabilities) for softmax.
        """
        if self.mlp.inputs != 2:
            raise SettingsError("problem.layers", "a grid over the input plane needs 2 inputs; use predict_curve")
        xs, ys, P = _grid(box if box is not None else self.data.box(), n)
        Y = self.predict(theta, P)
        return xs, ys, (Y[:, 0].reshape(n, n) if Y.shape[1] == 1 else Y.reshape(n, n, Y.shape[1]))

    def predict_curve(self, theta: np.ndarray, x_range: tuple[float, float] | None = None, n: int = 200
                      ) -> tuple[np.ndarray, np.ndarray]:
        """For one input: (xs (n,), outputs (n, outputs)) along x, the fitted curve over the data."""
        if self.mlp.inputs != 1:
            raise SettingsError("problem.layers", "a curve needs 1 input; use predict_grid")
        low, high = x_range if x_range is not None else (self.data.box()[0][0], self.data.box()[1][0])
        xs = np.linspace(low, high, n)
        return xs, self.predict(theta, xs[:, None])

    def hidden_grids(self, theta: np.ndarray, box: Box | None = None, n: int = 32) -> list[np.ndarray]:
        """Each hidden layer's activations over an n × n grid: per layer (units, n, n), [u, j, i] at (xs[i], ys[j])."""
        if self.mlp.inputs != 2:
            raise SettingsError("problem.layers", "hidden-unit grids need 2 inputs")
        _, _, P = _grid(box if box is not None else self.data.box(), n)
        tr = self.trace(theta, P)
        return [a.T.reshape(a.shape[1], n, n) for a in tr.post[:-1]]

    def layers(self, theta: np.ndarray) -> list[dict[str, Any]]:
        """Each layer's weights as JSON: [{"W": (inputs × outputs), "b": (outputs)}, ...]."""
        return [{"W": W.tolist(), "b": b.tolist()} for W, b in self.mlp.unpack(np.asarray(theta, dtype=np.float64))]


# ----- building from a spec ---------------------------------------------------------------------
def _check_layers(layers: Any, data: NetData, head: str) -> list[int]:
    if not isinstance(layers, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in layers):
        raise SettingsError("problem.layers", f"must be a list of whole numbers such as [2, 4, 4, 1], got {layers!r}")
    if len(layers) < 2:
        raise SettingsError("problem.layers", "needs at least the inputs and the outputs, e.g. [2, 1]")
    if len(layers) - 2 > MAX_HIDDEN_LAYERS:
        raise SettingsError("problem.layers", f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(layers) - 2}")
    for i, s in enumerate(layers[1:-1], start=1):
        if not 1 <= s <= MAX_WIDTH:
            raise SettingsError("problem.layers", f"hidden layer {i} has {s} neurons (1 to {MAX_WIDTH} allowed)")
    if layers[0] != data.inputs:
        raise SettingsError("problem.layers", f"the data has {data.inputs} input(s), so layers must start with "
                                              f"{data.inputs}, not {layers[0]}")
    want = _outputs(data, head, layers[-1])
    if layers[-1] != want:
        raise SettingsError("problem.layers", f"a {head} head on this data needs {want} output(s), not {layers[-1]}")
    return layers


def _outputs(data: NetData, head: str, asked: int | None = None) -> int:
    """The number of outputs a head needs on this data (refusing heads that make no sense for it)."""
    k = data.classes
    if head == "softmax":
        if k is None:
            raise SettingsError("problem.head", "a softmax head needs class labels; this data is regression")
        return k
    if head == "sigmoid":
        if k is None:
            raise SettingsError("problem.head", "a sigmoid head needs labels 0/1; use identity for regression")
        if k > 2:
            raise SettingsError("problem.head", f"a sigmoid head has one output for 2 classes; this data has {k}: "
                                                "use softmax")
        return 1
    if k is not None and k > 2:
        return k  # identity on K classes: one output per class, regressed on one-hot targets
    if k is not None and asked == 2:
        return 2
    return 1


def _name(spec: dict[str, Any], key: str, table: Any, default: str) -> str:
    """spec[key] if it names an entry of `table` (default when absent), else a SettingsError naming the field."""
    value = spec.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or value not in table:
        raise SettingsError(f"problem.{key}", f"unknown {key} {value!r} (known: {', '.join(table)})")
    return value


def build_network(spec: dict[str, Any]) -> NetworkProblem:
    """A NetworkProblem from a `problem` spec (see the module docstring)."""
    unknown = [k for k in spec if k not in SPEC_KEYS]
    if unknown:
        raise SettingsError(f"problem.{unknown[0]}", f"unknown setting (known: {', '.join(SPEC_KEYS[1:])})")
    data_spec = spec.get("data")
    if data_spec is not None and not isinstance(data_spec, dict):
        raise SettingsError("problem.data", "must be an object: {\"name\": ...}, {\"points\": [...]} or {\"csv\": ...}")
    data = make_data(data_spec)
    classes = data.classes
    head = _name(spec, "head", HEADS, "identity" if classes is None else "sigmoid" if classes == 2 else "softmax")
    loss = _name(spec, "loss", LOSSES, {"sigmoid": "bce", "softmax": "ce", "identity": "quadratic"}[head])
    layers = spec.get("layers")
    if layers is None:
        layers = [data.inputs, 4, 4, _outputs(data, head)]
    layers = _check_layers(layers, data, head)
    init = _name(spec, "init", INITS, "xavier")
    activation = spec.get("activation") or "tanh"
    if not isinstance(activation, str) and not (
            isinstance(activation, list) and all(isinstance(a, str) for a in activation)):
        raise SettingsError("problem.activation", f"must be a name or a list of names, got {activation!r}")
    s = check_settings(NETWORK_SETTINGS, {k: spec[k] for k in ("init_sigma", "seed") if spec.get(k) is not None},
                       prefix="problem.")
    mlp = MLP(layers, activation, head)
    return NetworkProblem(mlp, loss, data, init=init, init_sigma=s["init_sigma"], seed=s["seed"])


def describe() -> dict[str, Any]:
    """The network tables as JSON, for schemas, menus and docs: names, titles, formulas, settings and limits."""
    return {
        "activations": {a.name: {"title": a.title, "formula": a.formula} for a in ACTIVATIONS.values()},
        "heads": {h.name: {"title": h.title, "formula": h.formula} for h in HEADS.values()},
        "losses": {loss.name: {"title": loss.title, "formula": loss.formula, "heads": list(loss.heads)}
                   for loss in LOSSES.values()},
        "inits": {i.name: {"title": i.title} for i in INITS.values()},
        "datasets": {g.name: {"title": g.title, "task": g.task, "inputs": g.inputs,
                              "settings": [f.describe() for f in g.settings]} for g in DATASETS2D.values()},
        "user_data": [f.describe() for f in USER_SETTINGS],
        "settings": [f.describe() for f in NETWORK_SETTINGS],
        "limits": {"hidden_layers": MAX_HIDDEN_LAYERS, "width": MAX_WIDTH, "points": MAX_POINTS,
                   "classes": MAX_CLASSES},
    }
