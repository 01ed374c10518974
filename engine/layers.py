"""Layers and their initial weights: a layer owns `params` and `grads` under the same keys.

`forward(x)` caches what `backward` needs; `backward(grad_out)` fills `grads` and returns the gradient for
the input; nothing updates weights inside `backward`. A Dense layer's W and b are views of one [W; b]
block of the network's flat parameter vector (engine/nn.py), so Wᵀx + b is the single product [W; b]ᵀ [x; 1].
`INITS` draws one layer's W and b, seeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.activations import Activation

Array = np.ndarray


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
