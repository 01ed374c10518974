"""Activations and output heads: the functions a network applies, each with its derivative.

An activation is a value/derivative pair (f, f'), applied elementwise to a hidden layer's pre-activation; an
output head is the output layer's function y = f(z) with its vector-Jacobian product. engine/nn.py builds
networks from them by name; the schemas, the page's menus and the docs list these tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

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
