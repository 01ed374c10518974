"""Optimisers as pure steps over a batch of K parameter vectors, simplest first.

`step(theta, g, state, s, ctx) -> (theta, state)`: theta and g are (K, d); `state` maps a state
name to a (K, d) array; `s` maps each setting to a (K, 1) array (one row per racer, so racers with
different settings step together); ctx carries the per-racer step count, the loss (for random
search) and the racers' generators. The updates follow PyTorch's `torch.optim` documentation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.settings import Setting

State = dict[str, np.ndarray]
Settings = dict[str, np.ndarray]


@dataclass
class Context:
    """What a step may need beyond params and grads."""

    loss_fn: Callable[[np.ndarray], np.ndarray]  # J over (K, d) -> (K,)
    rngs: list[np.random.Generator]  # one per racer
    record: dict[str, np.ndarray] = field(default_factory=dict)  # extra per-step values (random guesses)


@dataclass(frozen=True)
class Optimizer:
    """A named update rule with its settings, its formula and its step function."""

    name: str
    title: str
    settings: tuple[Setting, ...]
    formula: str  # plain-text update, shown on the page and in the docs
    init: Callable[[np.ndarray, np.ndarray], State]  # (theta (K, d), loss (K,)) -> state
    step: Callable[[np.ndarray, np.ndarray, State, Settings, Context], tuple[np.ndarray, State]]
    uses_gradient: bool = True
    state_arrows: tuple[str, ...] = ()  # state entries worth drawing as arrows (momentum buffers)


LR = Setting("lr", "float", 0.1, "learning rate γ", low=0.0, high=1e4, low_open=True, log=True)
BATCH = Setting(
    "batch_size", "int", None, "examples per update: null = all (full batch), 1 = per-example", low=1, nullable=True
)
WD = Setting("weight_decay", "float", 0.0, "L2 weight decay λ added to the gradient", low=0.0, high=1e3)
EPS = Setting("eps", "float", 1e-8, "ε added to the denominator", low=0.0, high=1.0, low_open=True, log=True)


def _zeros(*names: str) -> Callable[[np.ndarray, np.ndarray], State]:
    # "step" is (K, 1): the optimiser's own update count, like torch's state["step"], so a racer that
    # switches optimiser mid-run starts its bias correction, lr decay and first momentum step afresh.
    return lambda theta, loss: {n: np.zeros((len(theta), 1)) if n == "step" else np.zeros_like(theta) for n in names}


def _best_loss(theta: np.ndarray, loss: np.ndarray) -> State:
    return {"best_loss": np.repeat(np.asarray(loss, dtype=np.float64)[:, None], theta.shape[1], axis=1)}


def _is(s: Settings, name: str) -> np.ndarray:
    return s[name] != 0.0


def gd_step(theta: np.ndarray, g: np.ndarray, state: State, s: Settings, ctx: Context) -> tuple[np.ndarray, State]:
    """SGD as torch.optim.SGD: weight decay, momentum with dampening, optional Nesterov."""
    nonzero = s.get("nonzero", ("momentum", "weight_decay"))
    if "momentum" not in nonzero and "weight_decay" not in nonzero:
        return theta - s["lr"] * g, state  # plain θ ← θ − γ∇J, the lecture's update, kept lean
    mu = s["momentum"]
    g = g + s["weight_decay"] * theta
    t = state["step"] + 1.0  # momentum updates made, this one included (b = g on the first)
    b = np.where(t == 1, g, mu * state["momentum_buffer"] + (1.0 - s["dampening"]) * g)
    b = np.where(mu != 0.0, b, 0.0)
    direction = np.where(mu != 0.0, np.where(_is(s, "nesterov"), g + mu * b, b), g)
    return theta - s["lr"] * direction, {"momentum_buffer": b, "step": np.where(mu != 0.0, t, state["step"])}


def random_search_step(
    theta: np.ndarray, g: np.ndarray, state: State, s: Settings, ctx: Context
) -> tuple[np.ndarray, State]:
    """The lecture's Method #0: draw θ uniformly in [low, high], evaluate J, keep the best."""
    low, high = s["low"], s["high"]  # (K, d)
    K, d = theta.shape
    rngs = ctx.rngs
    u = rngs[0].random((1, d)) if K == 1 else np.array([rng.random(d) for rng in rngs])  # (K, d), the same draws
    guess = low + (high - low) * u
    J = ctx.loss_fn(guess)  # (K,)
    best = state["best_loss"][:, 0]
    better = np.isfinite(J) & (J < best)
    ctx.record["guess"] = guess
    ctx.record["guess_loss"] = J
    theta = np.where(better[:, None], guess, theta)
    out = np.empty((K, d))
    out[:] = np.where(better, J, best)[:, None]
    return theta, {"best_loss": out}


def adagrad_step(theta: np.ndarray, g: np.ndarray, state: State, s: Settings, ctx: Context) -> tuple[np.ndarray, State]:
    """torch.optim.Adagrad: γ̃ = γ/(1+(t−1)η), G += g², θ −= γ̃ g/(√G + ε)."""
    g = g + s["weight_decay"] * theta
    t = state["step"] + 1.0
    lr = s["lr"] / (1.0 + (t - 1) * s["lr_decay"])
    acc = np.where(t == 1, s["initial_accumulator_value"], state["sum"]) + g * g
    return theta - lr * g / (np.sqrt(acc) + s["eps"]), {"sum": acc, "step": t}


def rmsprop_step(theta: np.ndarray, g: np.ndarray, state: State, s: Settings, ctx: Context) -> tuple[np.ndarray, State]:
    """torch.optim.RMSprop: v = αv + (1−α)g², optional centring and momentum."""
    g = g + s["weight_decay"] * theta
    a = s["alpha"]
    v = a * state["square_avg"] + (1.0 - a) * g * g
    g_avg = a * state["grad_avg"] + (1.0 - a) * g
    v_tilde = np.where(_is(s, "centered"), v - g_avg * g_avg, v)
    scaled = g / (np.sqrt(np.maximum(v_tilde, 0.0)) + s["eps"])
    mu = s["momentum"]
    buf = mu * state["momentum_buffer"] + scaled
    direction = np.where(mu > 0.0, buf, scaled)
    new = {"square_avg": v, "grad_avg": g_avg, "momentum_buffer": np.where(mu > 0.0, buf, 0.0)}
    return theta - s["lr"] * direction, new


def _adam(theta: np.ndarray, g: np.ndarray, state: State, s: Settings, ctx: Context) -> tuple[np.ndarray, State]:
    b1, b2 = s["beta1"], s["beta2"]
    t = state["step"] + 1.0
    m = b1 * state["exp_avg"] + (1.0 - b1) * g
    v = b2 * state["exp_avg_sq"] + (1.0 - b2) * g * g
    correct = _is(s, "bias_correction")
    m_hat = np.where(correct, m / (1.0 - b1**t), m)
    # AMSGrad as torch.optim.Adam computes it: the running maximum of the raw second moment v, bias-corrected
    # after the maximum (not the maximum of the corrected v̂, which differs while 1 − β2ᵗ is growing).
    v_max = np.where(_is(s, "amsgrad"), np.maximum(state["max_exp_avg_sq"], v), v)
    v_hat = np.where(correct, v_max / (1.0 - b2**t), v_max)
    step = m_hat / (np.sqrt(v_hat) + s["eps"])
    return theta - s["lr"] * step, {"exp_avg": m, "exp_avg_sq": v, "max_exp_avg_sq": v_max, "step": t}


def adam_step(theta: np.ndarray, g: np.ndarray, state: State, s: Settings, ctx: Context) -> tuple[np.ndarray, State]:
    """torch.optim.Adam: L2 weight decay in the gradient, bias-corrected moments, optional AMSGrad."""
    return _adam(theta, g + s["weight_decay"] * theta, state, s, ctx)


def adamw_step(theta: np.ndarray, g: np.ndarray, state: State, s: Settings, ctx: Context) -> tuple[np.ndarray, State]:
    """torch.optim.AdamW: decoupled decay θ ← θ − γλθ, then the Adam step."""
    return _adam(theta - s["lr"] * s["weight_decay"] * theta, g, state, s, ctx)


MOMENTUM = Setting("momentum", "float", 0.0, "momentum μ (0 = none)", low=0.0, high=0.9999)
_ADAM_SETTINGS = (
    Setting("lr", "float", 0.001, "learning rate γ", low=0.0, high=1e4, low_open=True, log=True),
    Setting("betas", "floats", [0.9, 0.999], "β1, β2: decay of the first and second moments", low=0.0, high=0.99999,
            length=2),
    EPS,
    Setting("amsgrad", "bool", False, "AMSGrad: divide by the running maximum of v (bias-corrected after it)"),
    Setting("bias_correction", "bool", True, "divide the moments by 1 − βᵗ"),
)
_ADAM_FORMULA = (
    "m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ);  "
    "θ ← θ − γ·m̂/(√v̂ + ε)  (AMSGrad: vmax ← max(vmax, v), v̂ = vmax/(1−β2ᵗ))"
)

OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer(
            "gd",
            "Gradient descent (SGD, momentum, Nesterov)",
            (LR, MOMENTUM,
             Setting("dampening", "float", 0.0, "dampening τ of the momentum", low=0.0, high=1.0),
             Setting("nesterov", "bool", False, "Nesterov momentum (needs momentum > 0 and dampening 0)"),
             WD, BATCH),
            "g ← ∇J(θ) + λθ;  b ← μ·b + (1−τ)·g (b = g at t = 1);  θ ← θ − γ·(g + μ·b if Nesterov, b if μ > 0, else g)",
            _zeros("momentum_buffer", "step"),
            gd_step,
            state_arrows=("momentum_buffer",),
        ),
        Optimizer(
            "random_search",
            "Random guessing (Method #0)",
            (Setting("low", "floats", None, "lower corner of the box guesses are drawn from (null: the problem's own "
                     "box, else θ⁽⁰⁾ ± max(4, 2·max|θ⁽⁰⁾|); never the minimum)", nullable=True),
             Setting("high", "floats", None, "upper corner of the box (null: as for low)", nullable=True)),
            "θ̃ ~ Uniform[low, high];  if J(θ̃) < J(θ): θ ← θ̃",
            _best_loss,
            random_search_step,
            uses_gradient=False,
        ),
        Optimizer(
            "adagrad",
            "AdaGrad",
            (Setting("lr", "float", 0.01, "learning rate γ", low=0.0, high=1e4, low_open=True, log=True),
             Setting("lr_decay", "float", 0.0, "η: γ̃ = γ / (1 + (t−1)η)", low=0.0, high=1e3),
             WD,
             Setting("initial_accumulator_value", "float", 0.0, "starting value of Σg²", low=0.0, high=1e6),
             Setting("eps", "float", 1e-10, "ε added to the denominator", low=0.0, high=1.0, low_open=True, log=True),
             BATCH),
            "γ̃ = γ/(1+(t−1)η);  G ← G + g²;  θ ← θ − γ̃·g/(√G + ε)",
            _zeros("sum", "step"),
            adagrad_step,
        ),
        Optimizer(
            "rmsprop",
            "RMSProp",
            (Setting("lr", "float", 0.01, "learning rate γ", low=0.0, high=1e4, low_open=True, log=True),
             Setting("alpha", "float", 0.99, "smoothing α of the squared-gradient average", low=0.0, high=0.99999),
             EPS, WD, MOMENTUM,
             Setting("centered", "bool", False, "divide by the variance (v − ḡ²) instead of v"),
             BATCH),
            "v ← α·v + (1−α)·g²;  ṽ = v − ḡ² if centred;  b ← μ·b + g/(√ṽ + ε);  θ ← θ − γ·b  "
            "(μ = 0: θ ← θ − γ·g/(√ṽ+ε))",
            _zeros("square_avg", "grad_avg", "momentum_buffer"),
            rmsprop_step,
            state_arrows=("momentum_buffer",),
        ),
        Optimizer(
            "adam",
            "Adam",
            (*_ADAM_SETTINGS, WD, BATCH),
            "g ← ∇J(θ) + λθ;  " + _ADAM_FORMULA,
            _zeros("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"),
            adam_step,
            state_arrows=("exp_avg",),
        ),
        Optimizer(
            "adamw",
            "AdamW (decoupled weight decay)",
            (*_ADAM_SETTINGS,
             Setting("weight_decay", "float", 0.01, "decoupled weight decay λ", low=0.0, high=1e3),
             BATCH),
            "θ ← θ − γλθ;  " + _ADAM_FORMULA,
            _zeros("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"),
            adamw_step,
            state_arrows=("exp_avg",),
        ),
    )
}


def check_optimizer(name: str, settings: dict[str, Any]) -> None:
    """Cross-field rules that a single Setting cannot state."""
    if name == "gd" and settings.get("nesterov") and (settings["momentum"] <= 0 or settings["dampening"] != 0):
        from engine.settings import SettingsError

        raise SettingsError("optimizer.nesterov", "Nesterov momentum needs momentum > 0 and dampening 0")
    if name == "random_search":
        low, high = settings.get("low"), settings.get("high")
        if low is not None and high is not None and any(h <= lo for lo, h in zip(low, high, strict=False)):
            from engine.settings import SettingsError

            raise SettingsError("optimizer.high", "every high must be greater than its low")


def stack_settings(opt: Optimizer, rows: list[dict[str, Any]], dim: int) -> Settings:
    """Stack per-racer settings into (K, 1) arrays ((K, d) for boxes) for one vectorised step.

    `out["nonzero"]` is the set of settings that are non-zero for some racer, so steps can skip
    terms (momentum, weight decay) that no racer uses without testing arrays every step.
    """
    out: Settings = {}
    nonzero: set[str] = set()
    for f in opt.settings:
        if f.name in ("batch_size",):
            continue
        values = [r[f.name] for r in rows]
        if f.name == "betas":
            arr = np.asarray(values, dtype=np.float64)
            out["beta1"], out["beta2"] = arr[:, :1], arr[:, 1:]
        elif f.type == "floats":
            out[f.name] = np.asarray(values, dtype=np.float64).reshape(len(rows), -1)
        else:
            out[f.name] = np.asarray(values, dtype=np.float64).reshape(-1, 1)
        if f.type != "floats" and any(v for v in values):
            nonzero.add(f.name)
    out["nonzero"] = nonzero  # type: ignore[assignment]
    return out
