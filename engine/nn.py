"""Layers, activations, output heads and multi-layer perceptrons over a flat parameter vector.

Naming: `pre` is a layer's pre-activation Wᵀx + b and `post` its activation f(pre). The lecture
writes these as a_j (pre) and z_j (post) for hidden layers, and b (pre) and y (post) for the output.

Flat order of the parameters, layer after layer: W (inputs × outputs, row-major) then b. A layer's
[W; b] is therefore one contiguous (inputs + 1, outputs) block, so Wᵀx + b is the single product
[W; b]ᵀ [x; 1] and the gradients dW, db come out of the single product [x; 1] grad_outᵀ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.settings import SettingsError

Array = np.ndarray


# ----- activations: value / derivative pairs -----------------------------------------------------
@dataclass(frozen=True)
class Activation:
    """An elementwise f (written into `out` when given) and its derivative f'(z), given z and a = f(z)."""

    name: str
    title: str
    formula: str
    f: Callable[..., Array]  # f(z, out=None) -> a
    df: Callable[[Array, Array], Array]  # (z, a) -> f'(z), from whichever is cheaper


def sigmoid(z: Array, out: Array | None = None) -> Array:
    """σ(z) = 1 / (1 + e^−z) = ½ + ½ tanh(z / 2): no exp to overflow at any z."""
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def _tanh(z: Array, out: Array | None = None) -> Array:
    return np.tanh(z, out=out)


def _relu(z: Array, out: Array | None = None) -> Array:
    return np.maximum(z, 0.0, out=out)


def _identity(z: Array, out: Array | None = None) -> Array:
    if out is None:
        return z
    np.copyto(out, z)
    return out


def _tanh_df(z: Array, a: Array) -> Array:
    d = a * a
    np.subtract(1.0, d, out=d)
    return d


def _sigmoid_df(z: Array, a: Array) -> Array:
    d = 1.0 - a
    d *= a
    return d


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", "sigmoid", "σ(a) = 1 / (1 + e⁻ᵃ)", sigmoid, _sigmoid_df),
        Activation("tanh", "tanh", "tanh(a)", _tanh, _tanh_df),
        Activation("relu", "ReLU", "max(0, a)", _relu, lambda z, a: (z > 0).astype(z.dtype)),
        Activation("identity", "identity", "a", _identity, lambda z, a: np.ones_like(z)),
    )
}


# ----- output heads -----------------------------------------------------------------------------
def softmax(z: Array) -> Array:
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Head:
    """The output layer's function y = f(z) and its vector-Jacobian product gᵀ ∂y/∂z."""

    name: str
    title: str
    formula: str
    f: Callable[[Array], Array]
    vjp: Callable[[Array, Array, Array], Array]  # (z, y, g = ∂J/∂y) -> ∂J/∂z, all (n, outputs)


def _softmax_vjp(z: Array, y: Array, g: Array) -> Array:
    # ∂y_k/∂z_l = y_k (δ_kl − y_l), so (gᵀJ)_l = y_l (g_l − Σ_k g_k y_k).
    return y * (g - np.einsum("nk,nk->n", g, y)[:, None])


HEADS: dict[str, Head] = {
    h.name: h
    for h in (
        Head("sigmoid", "sigmoid (binary)", "y = σ(b)", sigmoid, lambda z, y, g: g * y * (1.0 - y)),
        Head("softmax", "softmax (K classes)", "y_k = exp(b_k) / Σ_l exp(b_l)", softmax, _softmax_vjp),
        Head("identity", "identity (regression)", "y = b", lambda z: z, lambda z, y, g: g),
    )
}


# ----- initialisation ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Init:
    """A seeded way to draw one layer's W (inputs, outputs) and b (outputs,)."""

    name: str
    title: str
    draw: Callable[[np.random.Generator, int, int, float], tuple[Array, Array]]


def _xavier(rng: np.random.Generator, n_in: int, n_out: int, sigma: float) -> tuple[Array, Array]:
    a = np.sqrt(6.0 / (n_in + n_out))  # Glorot & Bengio (2010): Var W = 2 / (fan_in + fan_out)
    return rng.uniform(-a, a, (n_in, n_out)), np.zeros(n_out)


def _normal(rng: np.random.Generator, n_in: int, n_out: int, sigma: float) -> tuple[Array, Array]:
    return sigma * rng.standard_normal((n_in, n_out)), np.zeros(n_out)


def _zeros(rng: np.random.Generator, n_in: int, n_out: int, sigma: float) -> tuple[Array, Array]:
    return np.zeros((n_in, n_out)), np.zeros(n_out)


INITS: dict[str, Init] = {
    i.name: i
    for i in (
        Init("xavier", "Glorot/Xavier uniform: W ~ U(±√(6 / (fan_in + fan_out))), b = 0", _xavier),
        Init("normal", "normal: W ~ N(0, σ²), b = 0", _normal),
        Init("zeros", "zeros: every weight and bias 0 (hidden units stay identical)", _zeros),
    )
}


# ----- layers -----------------------------------------------------------------------------------
# Inside the network a batch is (units, n): one column per example, as the lecture writes a = αᵀx + b.
# Rows are then contiguous, a layer's input carries a row of ones below it for the bias, and each
# activation writes straight into the next layer's input buffer.
class Layer:
    """A layer owns `params` and `grads` under the same keys; backward fills grads, never updates params."""

    params: dict[str, Array]
    grads: dict[str, Array]

    def forward(self, x: Array) -> Array:
        """Output (outputs, n) for input x (inputs, n), caching what backward needs."""
        raise NotImplementedError

    def backward(self, grad_out: Array) -> Array:
        """Fill `grads` from ∂J/∂output (outputs, n) and return ∂J/∂input (inputs, n)."""
        raise NotImplementedError


class Dense(Layer):
    """Fully connected: pre = Wᵀx + b with W (inputs, outputs), b (outputs,), both views of one [W; b] block."""

    def __init__(self, n_in: int, n_out: int):
        self.n_in, self.n_out = n_in, n_out
        self._bufs: dict[int, tuple[Array, Array]] = {}  # n -> ([x; 1] (inputs + 1, n), its x rows)
        self.x: Array = np.ones((n_in + 1, 0))  # the last forward's [x; 1]
        self.grad_out: Array = np.zeros((n_out, 0))  # the last backward's ∂J/∂pre
        self.bind(np.zeros((n_in + 1, n_out)), np.zeros((n_in + 1, n_out)))

    def bind(self, block: Array, gblock: Array) -> None:
        """Use `block` (inputs + 1, outputs) as [W; b] and write [dW; db] into `gblock` (views, no copies)."""
        self.block, self.gblock = block, gblock

    @property
    def params(self) -> dict[str, Array]:  # type: ignore[override]
        """W (inputs, outputs) and b (outputs,), views of the bound block."""
        return {"W": self.block[:-1], "b": self.block[-1]}

    @property
    def grads(self) -> dict[str, Array]:  # type: ignore[override]
        """dW and db, views of the bound gradient block."""
        return {"W": self.gblock[:-1], "b": self.gblock[-1]}

    def input(self, n: int) -> Array:
        """The (inputs, n) rows of this layer's [x; 1] buffer: a producer writing here saves a copy."""
        buf = self._bufs.get(n)
        if buf is None:
            if len(self._bufs) > 4:  # full batch, mini-batch, the epoch's short last batch, grids: a few sizes
                self._bufs.clear()
            full = np.ones((self.n_in + 1, n))
            buf = self._bufs[n] = (full, full[:-1])
        return buf[1]

    def forward(self, x: Array) -> Array:
        """pre = [W; b]ᵀ [x; 1]: the bias rides on the row of ones."""
        n = x.shape[1]
        rows = self.input(n)
        if x is not rows:
            rows[...] = x
        self.x = self._bufs[n][0]
        return self.block.T @ self.x

    def backward(self, grad_out: Array, input_grad: bool = True) -> Array:
        """[dW; db] = [x; 1] grad_outᵀ in one product; returns W grad_out (skipped if not `input_grad`)."""
        self.grad_out = grad_out  # ∂J/∂pre, kept for inspection
        np.matmul(self.x, grad_out.T, out=self.gblock)
        return self.block[:-1] @ grad_out if input_grad else grad_out


class ActivationLayer(Layer):
    """An elementwise activation: no parameters."""

    def __init__(self, fn: Activation):
        self.fn = fn
        self.params, self.grads = {}, {}
        self.z: Array = np.zeros(0)
        self.a: Array = np.zeros(0)
        self.grad_out: Array = np.zeros(0)  # the last backward's ∂J/∂a

    def forward(self, x: Array, out: Array | None = None) -> Array:
        """a = f(z) (into `out` if given), keeping z and a for the derivative."""
        self.z, self.a = x, self.fn.f(x, out=out)
        return self.a

    def backward(self, grad_out: Array) -> Array:
        """∂J/∂z = ∂J/∂a · f'(z)."""
        self.grad_out = grad_out  # ∂J/∂a, kept for inspection
        d = self.fn.df(self.z, self.a)
        d *= grad_out
        return d


# ----- counting ---------------------------------------------------------------------------------
def counts(sizes: Sequence[int]) -> dict[str, int]:
    """As the lecture counts: neurons (hidden + output), weights (edges), biases (one per neuron), parameters."""
    neurons = int(sum(sizes[1:]))
    weights = int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False)))
    return {"neurons": neurons, "weights": weights, "biases": neurons, "params": weights + neurons}


# ----- the network ------------------------------------------------------------------------------
@dataclass
class Trace:
    """One forward pass, layer by layer: the input, and each layer's pre-activation and activation."""

    x: Array  # (n, inputs)
    pre: list[Array]  # per layer (n, outputs_l): xW + b (the lecture's a_j, then b)
    post: list[Array]  # per layer (n, outputs_l): f(pre) (the lecture's z_j, then y, the head's output)

    @property
    def out(self) -> Array:
        """The network's output y."""
        return self.post[-1]


class MLP:
    """A multi-layer perceptron from sizes [inputs, hidden..., outputs], hidden activations and a head.

    The parameters live outside, in a flat vector theta (d,): `bind(theta, grad)` points every Dense
    layer's params at theta and its grads at grad, so forward/backward read and write them in place.
    """

    def __init__(self, sizes: Sequence[int], activation: str | Sequence[str] = "tanh", head: str = "sigmoid"):
        self.sizes = [int(s) for s in sizes]
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise SettingsError("problem.layers", "needs at least an input and an output size, each ≥ 1")
        n_hidden = len(self.sizes) - 2
        names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(names) != n_hidden:
            raise SettingsError("problem.activation", f"give one activation or one per hidden layer ({n_hidden})")
        for name in names:
            if name not in ACTIVATIONS:
                known = ", ".join(ACTIVATIONS)
                raise SettingsError("problem.activation", f"unknown activation {name!r} (known: {known})")
        if head not in HEADS:
            raise SettingsError("problem.head", f"unknown head {head!r} (known: {', '.join(HEADS)})")
        self.activations = names
        self.head = HEADS[head]
        self.dense = [Dense(i, o) for i, o in zip(self.sizes[:-1], self.sizes[1:], strict=False)]
        self.acts = [ActivationLayer(ACTIVATIONS[a]) for a in names]
        self.slices: list[slice] = []
        start = 0
        for layer in self.dense:
            size = (layer.n_in + 1) * layer.n_out
            self.slices.append(slice(start, start + size))
            start += size
        self.dim = start
        self._shapes = [(layer.n_in + 1, layer.n_out) for layer in self.dense]

    def clone(self) -> MLP:
        """The same architecture with its own layers and buffers (for use beside a busy one)."""
        return MLP(self.sizes, self.activations, self.head.name)

    @property
    def inputs(self) -> int:
        """Number of inputs."""
        return self.sizes[0]

    @property
    def outputs(self) -> int:
        """Number of outputs."""
        return self.sizes[-1]

    def counts(self) -> dict[str, int]:
        """Neurons, weights, biases and parameters of this network."""
        return counts(self.sizes)

    def param_names(self) -> list[str]:
        """Names in flat order: W1[i,j] then b1[j], layer after layer (1-based layers, 0-based units)."""
        out: list[str] = []
        for l, layer in enumerate(self.dense, start=1):
            out += [f"W{l}[{i},{j}]" for i in range(layer.n_in) for j in range(layer.n_out)]
            out += [f"b{l}[{j}]" for j in range(layer.n_out)]
        return out

    # ----- parameters ---------------------------------------------------------------------------
    def init(self, name: str = "xavier", seed: int = 0, sigma: float = 0.1) -> Array:
        """Seeded initial parameters (d,) drawn by INITS[name], layer by layer."""
        if name not in INITS:
            raise SettingsError("problem.init", f"unknown init {name!r} (known: {', '.join(INITS)})")
        rng = np.random.default_rng(seed)
        return self.pack([INITS[name].draw(rng, layer.n_in, layer.n_out, sigma) for layer in self.dense])

    def blocks(self, theta: Array) -> list[Array]:
        """Each layer's [W; b] block (inputs + 1, outputs) as a view of theta (d,)."""
        return [theta[s].reshape(layer.n_in + 1, layer.n_out) for s, layer in zip(self.slices, self.dense, strict=True)]

    def unpack(self, theta: Array) -> list[tuple[Array, Array]]:
        """[(W (inputs, outputs), b (outputs,)), ...] as views of theta (d,)."""
        return [(blk[:-1], blk[-1]) for blk in self.blocks(theta)]

    def pack(self, params: Sequence[tuple[Array, Array]]) -> Array:
        """The flat vector (d,) of [(W, b), ...]."""
        return np.concatenate([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in params]).astype(np.float64)

    def bind(self, theta: Array, grad: Array | None = None) -> None:
        """Point the layers' params at theta (d,) and their grads at grad (d,) (a scratch vector if None)."""
        if grad is None:
            grad = np.empty(self.dim)
        for layer, s, shape in zip(self.dense, self.slices, self._shapes, strict=True):
            layer.bind(theta[s].reshape(shape), grad[s].reshape(shape))

    # ----- forward / backward (on the bound parameters, batches as columns) -----------------------
    def logits(self, x: Array) -> Array:
        """The output layer's pre-activation (outputs, n) for x (inputs, n), caching every layer for backward."""
        n = x.shape[1]
        h = x
        for dense, act, after in zip(self.dense, self.acts, self.dense[1:], strict=False):
            h = act.forward(dense.forward(h), out=after.input(n))
        return self.dense[-1].forward(h)

    def backward(self, grad_logits: Array, input_grad: bool = True) -> Array:
        """Backpropagate ∂J/∂logits (outputs, n): fills every layer's grads, returns ∂J/∂x (inputs, n).

        Training needs no ∂J/∂x: `input_grad=False` skips that last product (and returns ∂J/∂pre of layer 1).
        """
        dense, acts = self.dense, self.acts
        g = grad_logits
        for l in range(len(dense) - 1, 0, -1):
            g = acts[l - 1].backward(dense[l].backward(g))
        return dense[0].backward(g, input_grad)

    def forward(self, x: Array, theta: Array | None = None) -> Trace:
        """The whole forward pass over x (n, inputs), binding theta first if given: every layer as (n, units)."""
        if theta is not None:
            self.bind(theta)
        z = self.logits(np.ascontiguousarray(x.T))
        pre = [act.z.T.copy() for act in self.acts] + [z.T.copy()]
        post = [act.a.T.copy() for act in self.acts] + [self.head.f(pre[-1])]
        return Trace(x=x, pre=pre, post=post)

    def forward_many(self, thetas: Array, x: Array, head: bool = True) -> Array:
        """Outputs for K parameter vectors at once: thetas (K, d), x (n, inputs) -> (K, n, outputs).

        Memory is K · n · (widest layer) floats: callers chunk K for large grids.
        """
        K = thetas.shape[0]
        h = x[None]  # (1, n, inputs), broadcast over K
        z = h
        for l, (s, layer) in enumerate(zip(self.slices, self.dense, strict=True)):
            P = thetas[:, s].reshape(K, layer.n_in + 1, layer.n_out)
            z = h @ P[:, :-1]  # (K, n, outputs_l)
            z += P[:, -1:]
            h = self.acts[l].fn.f(z, out=z) if l < len(self.acts) else z
        return self.head.f(z) if head else z
