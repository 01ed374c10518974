"""Losses as the lecture writes them, as value / derivative pairs, and their pairing with an output head.

Per example, summed over the outputs, then averaged over the batch:
  quadratic  ℓ = ½ Σ_k (y_k − t_k)²                      ∂ℓ/∂y = y − t
  bce        ℓ = −Σ_k (t_k log y_k + (1 − t_k) log(1 − y_k))  ∂ℓ/∂y = −(t/y + (1 − t)/(y − 1))
  ce         ℓ = −Σ_k t_k log y_k                         ∂ℓ/∂y = −t / y
Targets t are (n, outputs): 0/1 for a sigmoid head, one-hot rows for softmax, values for identity.

With sigmoid + bce and softmax + ce the value is computed from the logits b (softplus, log-sum-exp:
no exp overflow, no log(0)) and the gradient is taken with respect to the logits directly,
∂ℓ/∂b = y − t, instead of through ∂ℓ/∂y, which is 1/0 when the output saturates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.activations import Head, sigmoid
from engine.settings import SettingsError

Array = np.ndarray
CLIP = 1e-12  # probabilities are kept in [CLIP, 1 − CLIP] before a log or a division (plain, unfused path)

# (logits z, targets t) -> (ℓ per example (n,), ∂ℓ/∂z per example (n, outputs))
Fused = Callable[[Array, Array], tuple[Array, Array]]


@dataclass(frozen=True)
class Loss:
    """A per-example loss ℓ(y, t) and its derivative ∂ℓ/∂y, the heads it suits, and fused logit forms."""

    name: str
    title: str
    formula: str
    value: Callable[[Array, Array], Array]  # (y, t) (n, outputs) -> ℓ (n,)
    grad: Callable[[Array, Array], Array]  # (y, t) -> ∂ℓ/∂y (n, outputs)
    heads: tuple[str, ...]  # heads the loss makes sense with
    fused: dict[str, Fused] = field(default_factory=dict)  # head name -> value and gradient from the logits


def _quadratic(y: Array, t: Array) -> Array:
    r = y - t
    return 0.5 * np.einsum("nk,nk->n", r, r)


def _bce(y: Array, t: Array) -> Array:
    y = np.clip(y, CLIP, 1.0 - CLIP)
    return -(t * np.log(y) + (1.0 - t) * np.log1p(-y)).sum(axis=1)


def _bce_grad(y: Array, t: Array) -> Array:
    y = np.clip(y, CLIP, 1.0 - CLIP)
    return -(t / y + (1.0 - t) / (y - 1.0))


def _ce(y: Array, t: Array) -> Array:
    return -(t * np.log(np.clip(y, CLIP, None))).sum(axis=1)


def _ce_grad(y: Array, t: Array) -> Array:
    return -t / np.clip(y, CLIP, None)


def bce_logits(z: Array, t: Array) -> tuple[Array, Array]:
    """Sigmoid + BCE from the logits: ℓ = softplus(z) − t z = max(z, 0) − t z + log(1 + e^−|z|); ∂ℓ/∂z = σ(z) − t."""
    e = np.exp(-np.abs(z))
    ell = np.maximum(z, 0.0)
    ell -= t * z
    ell += np.log1p(e)
    y = sigmoid(z)
    y -= t
    return ell.sum(axis=1), y


def ce_logits(z: Array, t: Array) -> tuple[Array, Array]:
    """Softmax + CE from the logits: ℓ = logsumexp(z) − Σ t z (rows of t sum to 1); ∂ℓ/∂z = softmax(z) − t."""
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    lse = (m + np.log(s))[:, 0]
    return lse - np.einsum("nk,nk->n", t, z), e / s - t


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("quadratic", "quadratic ½(y − y⁽ⁱ⁾)²", "ℓ = ½ Σ_k (y_k − y_k⁽ⁱ⁾)²", _quadratic, lambda y, t: y - t,
             heads=("sigmoid", "softmax", "identity")),
        Loss("bce", "binary cross-entropy", "ℓ = −(y⁽ⁱ⁾ log y + (1 − y⁽ⁱ⁾) log(1 − y))", _bce, _bce_grad,
             heads=("sigmoid",), fused={"sigmoid": bce_logits}),
        Loss("ce", "softmax cross-entropy", "ℓ = −Σ_k y_k⁽ⁱ⁾ log y_k", _ce, _ce_grad,
             heads=("softmax",), fused={"softmax": ce_logits}),
    )
}


def check_pairing(loss: str, head: str, outputs: int) -> None:
    """Refuse a loss that makes no sense on a head (bce on identity, ce on one sigmoid output, ...)."""
    if loss not in LOSSES:
        raise SettingsError("problem.loss", f"unknown loss {loss!r} (known: {', '.join(LOSSES)})")
    spec = LOSSES[loss]
    if head not in spec.heads:
        why = {"bce": "binary cross-entropy needs probabilities in (0, 1) from a sigmoid head",
               "ce": "softmax cross-entropy needs a softmax head with K ≥ 2 outputs"}.get(loss, "")
        raise SettingsError("problem.loss", f"{loss} cannot be used with a {head} head: {why}")
    if loss == "ce" and outputs < 2:
        raise SettingsError("problem.loss", "softmax cross-entropy needs K ≥ 2 outputs")


def objective(loss: Loss, head: Head, z: Array, t: Array) -> tuple[float, Array]:
    """J = mean over the batch of ℓ(head(z), t), and ∂J/∂z (n, outputs): fused where the maths allows."""
    n = z.shape[0]
    fused = loss.fused.get(head.name)
    if fused is not None:
        ell, g = fused(z, t)
    else:
        y = head.f(z)
        ell, g = loss.value(y, t), head.vjp(z, y, loss.grad(y, t))
    g *= 1.0 / n
    return float(ell.sum()) / n, g


def objective_value(loss: Loss, head: Head, z: Array, t: Array) -> Array:
    """J over the last two axes for stacked logits z (..., n, outputs) -> (...): no gradient, for grids."""
    shape = z.shape
    z2, t2 = z.reshape(-1, shape[-1]), np.broadcast_to(t, shape).reshape(-1, shape[-1])
    fused = loss.fused.get(head.name)
    ell = fused(z2, t2)[0] if fused is not None else loss.value(head.f(z2), t2)
    return ell.reshape(shape[:-1]).mean(axis=-1)

