"""A network problem: an MLP, a loss and train/test data, as a `Problem` over flat parameter vectors.

Spec (`problem` of a run; every key but "kind" optional):
  {"kind": "network", "layers": [2, 4, 4, 1], "activation": "tanh" | ["tanh", "relu"], "head": "sigmoid",
   "loss": "bce", "init": "xavier", "init_sigma": 0.1, "seed": 0,
   "data": {"name": "xor", "n": 400, "noise": 0.1, "test_ratio": 0.5, "seed": 0}
         | {"points": [[x1, x2, label], ...] or [[x, y], ...], "test_ratio"?, "seed"?} | {"csv": "x1,x2,label\\n..."}}
Data with any number of features (engine/netdata.py). engine/network_build.py builds a problem from a spec:
defaults follow the data (head sigmoid for 2 classes, softmax for K > 2, identity for regression; the loss to
match; layers [inputs, 4, 4, outputs]); `seed` seeds the initial weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.losses import LOSSES, check_pairing, objective, objective_value
from engine.netdata import NetData
from engine.nn import MLP, Trace
from engine.planes import Plane, make_plane, plane_grid
from engine.problems import Problem
from engine.settings import SettingsError

FULL_EVAL_LIMIT = 1000  # above this many training examples a mini-batch step reports its batch loss
MAX_GRID = 500  # predict_grid and hidden_grids: at most 500 × 500 points
GRID_CHUNK = 1 << 16  # floats per layer per block over many parameter vectors: 512 kB, cache-sized

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


def _check_n(n: int) -> None:
    if not 2 <= n <= MAX_GRID:
        raise SettingsError("n", f"grid size must be between 2 and {MAX_GRID}, got {n}")


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
            "raw_features": self.data.raw_width,
            **self.data.info(),
        }
        if self.data.raw_width >= 2:  # the default plane, in words (grids carry their own plane in full)
            plane = make_plane(self.data).describe()
            out["plane"] = {k: plane[k] for k in ("mode", "axes", "features", "text")}
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

    def plane(self, plane: Plane | None = None) -> Plane:
        """The plane grids are drawn over: `plane`, or the slice through the first two features."""
        if self.data.raw_width < 2:
            raise SettingsError("problem.layers", "a grid over the input plane needs 2 or more features; use "
                                                  "predict_curve")
        return plane if plane is not None else make_plane(self.data)

    def predict_grid(self, theta: np.ndarray, box: Box | None = None, n: int = 100, plane: Plane | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Outputs over an n × n grid of a plane (default: the first two features; engine/planes.py):
        (xs, ys, Y) with Y[j, i] the output at (xs[i], ys[j]).

        Y is (n, n) for one output and (n, n, K) (class probabilities) for softmax.
        """
        plane = self.plane(plane)
        _check_n(n)
        xs, ys, R = plane_grid(plane, box if box is not None else plane.box(self.data), n)
        Y = self.predict(theta, self.data.to_inputs(R))
        return xs, ys, (Y[:, 0].reshape(n, n) if Y.shape[1] == 1 else Y.reshape(n, n, Y.shape[1]))

    def predict_curve(self, theta: np.ndarray, x_range: tuple[float, float] | None = None, n: int = 200
                      ) -> tuple[np.ndarray, np.ndarray]:
        """For one feature: (xs (n,), outputs (n, outputs)) along x, the fitted curve over the data."""
        if self.data.raw_width != 1:
            raise SettingsError("problem.layers", "a curve needs 1 feature; use predict_grid")
        low, high = x_range if x_range is not None else (self.data.box()[0][0], self.data.box()[1][0])
        xs = np.linspace(low, high, n)
        return xs, self.predict(theta, self.data.to_inputs(xs[:, None]))

    def hidden_grids(self, theta: np.ndarray, box: Box | None = None, n: int = 32, plane: Plane | None = None
                     ) -> list[np.ndarray]:
        """Each hidden layer's activations over an n × n grid of a plane: per layer (units, n, n), [u, j, i] at
        (xs[i], ys[j])."""
        plane = self.plane(plane)
        _check_n(n)
        _, _, R = plane_grid(plane, box if box is not None else plane.box(self.data), n)
        tr = self.trace(theta, self.data.to_inputs(R))
        return [a.T.reshape(a.shape[1], n, n) for a in tr.post[:-1]]

    def layers(self, theta: np.ndarray) -> list[dict[str, Any]]:
        """Each layer's weights as JSON: [{"W": (inputs × outputs), "b": (outputs)}, ...]."""
        return [{"W": W.tolist(), "b": b.tolist()} for W, b in self.mlp.unpack(np.asarray(theta, dtype=np.float64))]
