"""Multi-layer perceptrons over a flat parameter vector (layers: engine/layers.py; activations and heads:
engine/activations.py).

Naming: `pre` is a layer's pre-activation Wᵀx + b and `post` its activation f(pre). The lecture
writes these as a_j (pre) and z_j (post) for hidden layers, and b (pre) and y (post) for the output.

Flat order of the parameters, layer after layer: W (inputs × outputs, row-major) then b. A layer's
[W; b] is therefore one contiguous (inputs + 1, outputs) block, so Wᵀx + b is the single product
[W; b]ᵀ [x; 1] and the gradients dW, db come out of the single product [x; 1] grad_outᵀ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.activations import ACTIVATIONS, HEADS
from engine.layers import INITS, ActivationLayer, Dense
from engine.settings import SettingsError

Array = np.ndarray


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
