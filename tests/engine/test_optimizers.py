"""Every optimiser against steps worked by hand and against plain re-implementations of torch.optim's documented rules.

The references below are written from the PyTorch docs' pseudo-code (SGD, Adagrad, RMSprop, Adam, AdamW), one
racer at a time, on (d,) vectors, and share no code with engine/optimizers.py. Runs go through the whole engine
(`build_run` on a test surface) so that settings stacking, grouping and state handling are tested too.
"""

import math
from collections.abc import Callable

import numpy as np
import pytest

from app.views import racer_state, records
from engine.build import build_run
from engine.run import Run

NO_STOP = {"grad_norm": None, "delta_loss": None, "max_steps": None}
BOWL = {"kind": "surface", "name": "quadratic", "condition": 4.0, "rotation": 0.0}  # J = ½(x² + 4y²)
TILTED = {"kind": "surface", "name": "quadratic", "condition": 4.0, "rotation": 30.0}
ROSENBROCK = {"kind": "surface", "name": "rosenbrock"}
Grad = Callable[[np.ndarray], np.ndarray]


def _tilted_grad(th: np.ndarray) -> np.ndarray:
    c, s = math.cos(math.radians(30.0)), math.sin(math.radians(30.0))
    R = np.array([[c, -s], [s, c]])
    return R @ np.diag([1.0, 4.0]) @ R.T @ th


def _rosenbrock_grad(th: np.ndarray) -> np.ndarray:
    x, y = th
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])


SURFACE_GRADS: dict[str, tuple[dict, Grad, list[float]]] = {
    "tilted": (TILTED, _tilted_grad, [-2.0, 1.5]),
    "rosenbrock": (ROSENBROCK, _rosenbrock_grad, [-1.2, 1.0]),
}


# ----- references, from the torch.optim docs --------------------------------------------------------------
def ref_sgd(grad: Grad, th: np.ndarray, n: int, lr: float, momentum: float = 0.0, dampening: float = 0.0,
            nesterov: bool = False, weight_decay: float = 0.0) -> np.ndarray:
    out, b = [th.copy()], None
    for _ in range(n):
        g = grad(th) + weight_decay * th
        if momentum != 0:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        th = th - lr * g
        out.append(th.copy())
    return np.array(out)


def ref_adagrad(grad: Grad, th: np.ndarray, n: int, lr: float = 0.01, lr_decay: float = 0.0,
                weight_decay: float = 0.0, initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> np.ndarray:
    out, state_sum = [th.copy()], np.full_like(th, initial_accumulator_value)
    for t in range(1, n + 1):
        g = grad(th) + weight_decay * th
        clr = lr / (1 + (t - 1) * lr_decay)
        state_sum = state_sum + g * g
        th = th - clr * g / (np.sqrt(state_sum) + eps)
        out.append(th.copy())
    return np.array(out)


def ref_rmsprop(grad: Grad, th: np.ndarray, n: int, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> np.ndarray:
    out, v, g_ave, b = [th.copy()], np.zeros_like(th), np.zeros_like(th), np.zeros_like(th)
    for _ in range(n):
        g = grad(th) + weight_decay * th
        v = alpha * v + (1 - alpha) * g * g
        v_tilde = v
        if centered:
            g_ave = alpha * g_ave + (1 - alpha) * g
            v_tilde = v_tilde - g_ave * g_ave
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            th = th - lr * b
        else:
            th = th - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(th.copy())
    return np.array(out)


def ref_adam(grad: Grad, th: np.ndarray, n: int, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
             weight_decay: float = 0.0, amsgrad: bool = False, bias_correction: bool = True,
             decoupled: bool = False) -> np.ndarray:
    """Adam, or AdamW with decoupled=True."""
    b1, b2 = betas
    out, m, v, v_max = [th.copy()], np.zeros_like(th), np.zeros_like(th), np.zeros_like(th)
    for t in range(1, n + 1):
        g = grad(th)
        if decoupled:
            th = th - lr * weight_decay * th
        else:
            g = g + weight_decay * th
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t) if bias_correction else m
        if amsgrad:
            v_max = np.maximum(v_max, v)  # torch.optim.Adam: the maximum of the raw v, then the correction
            v_hat = v_max / (1 - b2**t) if bias_correction else v_max
        else:
            v_hat = v / (1 - b2**t) if bias_correction else v
        th = th - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(th.copy())
    return np.array(out)


def reference(spec: dict, grad: Grad, start: list[float], n: int) -> np.ndarray:
    """The reference path (n + 1, 2) of one racer spec."""
    kw = {k: v for k, v in spec.items() if k != "name"}
    th = np.array(start, dtype=float)
    if spec["name"] == "gd":
        return ref_sgd(grad, th, n, **kw)
    if spec["name"] == "adagrad":
        return ref_adagrad(grad, th, n, **kw)
    if spec["name"] == "rmsprop":
        return ref_rmsprop(grad, th, n, **kw)
    if spec["name"] == "adamw":
        return ref_adam(grad, th, n, decoupled=True, **{"weight_decay": 0.01, **kw})
    return ref_adam(grad, th, n, **kw)


# ----- engine helpers -------------------------------------------------------------------------------------
def race(problem: dict, racers: list[dict], start: list[float], n: int) -> Run:
    run = build_run({"problem": problem, "racers": racers, "start": start, "stop": NO_STOP})
    run.step(n)
    return run


def path(run: Run, i: int = 0) -> np.ndarray:
    """Racer i's θ at t = 0, 1, ..., (t + 1, d)."""
    return run.racers[i].history.column("params")


SPECS = [
    {"name": "gd", "lr": 0.05},
    {"name": "gd", "lr": 0.05, "momentum": 0.9},
    {"name": "gd", "lr": 0.05, "momentum": 0.9, "dampening": 0.5},
    {"name": "gd", "lr": 0.03, "momentum": 0.8, "nesterov": True},
    {"name": "gd", "lr": 0.05, "weight_decay": 0.1},
    {"name": "gd", "lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    {"name": "adagrad", "lr": 0.5},
    {"name": "adagrad", "lr": 0.5, "lr_decay": 0.1},
    {"name": "adagrad", "lr": 0.3, "initial_accumulator_value": 0.5, "weight_decay": 0.05, "eps": 1e-3},
    {"name": "rmsprop", "lr": 0.01},
    {"name": "rmsprop", "lr": 0.01, "centered": True},
    {"name": "rmsprop", "lr": 0.005, "momentum": 0.9},
    {"name": "rmsprop", "lr": 0.005, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.1},
    {"name": "adam", "lr": 0.05},
    {"name": "adam", "lr": 0.05, "bias_correction": False},
    {"name": "adam", "lr": 0.05, "amsgrad": True},
    {"name": "adam", "lr": 0.05, "amsgrad": True, "bias_correction": False, "betas": [0.5, 0.9]},
    {"name": "adam", "lr": 0.05, "weight_decay": 0.1, "eps": 1e-3},
    {"name": "adamw", "lr": 0.05},
    {"name": "adamw", "lr": 0.05, "weight_decay": 0.5, "amsgrad": True},
]
SPEC_IDS = ["-".join(f"{k}={v}" for k, v in s.items()) for s in SPECS]


# ----- steps worked by hand on J = ½(x² + 4y²), ∇J = (x, 4y), from (1, 1) ---------------------------------
def test_gd_steps_by_hand() -> None:
    # θ1 = (1, 1) − 0.1·(1, 4) = (0.9, 0.6);  θ2 = (0.9, 0.6) − 0.1·(0.9, 2.4) = (0.81, 0.36)
    np.testing.assert_allclose(path(race(BOWL, [{"name": "gd", "lr": 0.1}], [1, 1], 2)),
                               [[1, 1], [0.9, 0.6], [0.81, 0.36]], rtol=1e-15)


def test_heavy_ball_steps_by_hand() -> None:
    # b1 = g0 = (1, 4): θ1 = (0.9, 0.6).  g1 = (0.9, 2.4), b2 = 0.9·(1, 4) + (0.9, 2.4) = (1.8, 6): θ2 = (0.72, 0).
    # g2 = (0.72, 0), b3 = 0.9·(1.8, 6) + (0.72, 0) = (2.34, 5.4): θ3 = (0.72 − 0.234, 0 − 0.54) = (0.486, −0.54).
    run = race(BOWL, [{"name": "gd", "lr": 0.1, "momentum": 0.9}], [1, 1], 3)
    np.testing.assert_allclose(path(run), [[1, 1], [0.9, 0.6], [0.72, 0.0], [0.486, -0.54]], atol=1e-15)
    np.testing.assert_allclose(racer_state(run, 0, False)["opt_state"]["momentum_buffer"], [2.34, 5.4], rtol=1e-14)


def test_nesterov_steps_by_hand() -> None:
    # b1 = g0 = (1, 4); step g0 + 0.9·b1 = (1.9, 7.6): θ1 = (0.81, 0.24).
    # g1 = (0.81, 0.96); b2 = 0.9·(1, 4) + g1 = (1.71, 4.56); step g1 + 0.9·b2 = (2.349, 5.064): θ2 = (0.5751, −0.2664)
    run = race(BOWL, [{"name": "gd", "lr": 0.1, "momentum": 0.9, "nesterov": True}], [1, 1], 2)
    np.testing.assert_allclose(path(run), [[1, 1], [0.81, 0.24], [0.5751, -0.2664]], atol=1e-15)


def test_dampening_and_weight_decay_by_hand() -> None:
    # λ = 0.5: g0 = (1, 4) + 0.5·(1, 1) = (1.5, 4.5) = b1: θ1 = (1, 1) − 0.1·(1.5, 4.5) = (0.85, 0.55).
    # g1 = (0.85, 2.2) + 0.5·(0.85, 0.55) = (1.275, 2.475); b2 = 0.9·(1.5, 4.5) + (1 − 0.5)·g1 = (1.9875, 5.2875)
    # θ2 = (0.85 − 0.19875, 0.55 − 0.52875) = (0.65125, 0.02125)
    run = race(BOWL, [{"name": "gd", "lr": 0.1, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.5}], [1, 1], 2)
    np.testing.assert_allclose(path(run), [[1, 1], [0.85, 0.55], [0.65125, 0.02125]], atol=1e-15)


def test_adagrad_steps_by_hand() -> None:
    # G1 = g0² = (1, 16): θ1 = (1, 1) − 0.5·(1/1, 4/4) = (0.5, 0.5)  (ε = 1e-10 is below the tolerance).
    # η = 1: γ̃2 = 0.5/2 = 0.25; g1 = (0.5, 2); G2 = (1.25, 20): θ2 = (0.5 − 0.25·0.5/√1.25, 0.5 − 0.25·2/√20)
    run = race(BOWL, [{"name": "adagrad", "lr": 0.5, "lr_decay": 1.0}], [1, 1], 2)
    th2 = [0.5 - 0.125 / math.sqrt(1.25), 0.5 - 0.5 / math.sqrt(20)]
    np.testing.assert_allclose(path(run), [[1, 1], [0.5, 0.5], th2], rtol=1e-9)


def test_rmsprop_steps_by_hand() -> None:  # (ε = 1e-12 here and below: negligible)
    # α = 0.5: v1 = 0.5·g0² = (0.5, 8): θ1 = (1, 1) − 0.1·(1/√0.5, 4/√8) = (1 − 0.1√2, 1 − 0.1√2)
    run = race(BOWL, [{"name": "rmsprop", "lr": 0.1, "alpha": 0.5, "eps": 1e-12}], [1, 1], 1)
    np.testing.assert_allclose(path(run)[1], [1 - 0.1 * math.sqrt(2)] * 2, rtol=1e-9)
    # Centred: ḡ1 = 0.5·g0 = (0.5, 2); ṽ = v1 − ḡ1² = (0.25, 4): θ1 = (1, 1) − 0.1·(1/0.5, 4/2) = (0.8, 0.8)
    run = race(BOWL, [{"name": "rmsprop", "lr": 0.1, "alpha": 0.5, "centered": True, "eps": 1e-12}], [1, 1], 1)
    np.testing.assert_allclose(path(run)[1], [0.8, 0.8], rtol=1e-9)


def test_adam_steps_by_hand() -> None:
    # t = 1: m̂ = g0, v̂ = g0², so the step is γ·sign(g): θ1 = (0.9, 0.9).
    # t = 2: g1 = (0.9, 3.6); m2 = 0.9·0.1·g0 + 0.1·g1 = (0.18, 0.72), m̂ = m2/0.19;
    #        v2 = 0.999·0.001·g0² + 0.001·g1² = (0.001809, 0.028944), v̂ = v2/0.001999: θ2 = θ1 − 0.1·m̂/√v̂
    run = race(BOWL, [{"name": "adam", "lr": 0.1, "eps": 1e-12}], [1, 1], 2)
    m_hat = np.array([0.18, 0.72]) / 0.19
    v_hat = np.array([0.001809, 0.028944]) / (1 - 0.999**2)
    np.testing.assert_allclose(path(run), [[1, 1], [0.9, 0.9], 0.9 - 0.1 * m_hat / np.sqrt(v_hat)], rtol=1e-9)
    # Without bias correction the first step is γ·0.1·g/√(0.001·g²) = γ·√10·sign(g).
    run = race(BOWL, [{"name": "adam", "lr": 0.1, "bias_correction": False, "eps": 1e-12}], [1, 1], 1)
    np.testing.assert_allclose(path(run)[1], [1 - 0.1 * math.sqrt(10)] * 2, rtol=1e-9)


def test_adamw_decays_theta_before_the_adam_step() -> None:
    # θ ← θ − γλθ = (1, 1)·(1 − 0.1·0.5) = (0.95, 0.95); then the Adam step γ·sign(g0): θ1 = (0.85, 0.85).
    # Adam's L2 decay instead adds λθ to g, which at t = 1 leaves the step γ·sign(g + λθ): θ1 = (0.9, 0.9).
    decay = {"lr": 0.1, "weight_decay": 0.5, "eps": 1e-12}
    run = race(BOWL, [{"name": "adamw", **decay}, {"name": "adam", **decay}], [1, 1], 1)
    np.testing.assert_allclose(path(run, 0)[1], [0.85, 0.85], rtol=1e-9)
    np.testing.assert_allclose(path(run, 1)[1], [0.9, 0.9], rtol=1e-9)


# ----- against the references, many steps, coupled and nonlinear surfaces ---------------------------------
@pytest.mark.parametrize("surface", list(SURFACE_GRADS))
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_optimizer_follows_the_torch_update_rule(spec: dict, surface: str) -> None:
    problem, grad, start = SURFACE_GRADS[surface]
    if surface == "rosenbrock":  # keep the steps stable on the steep valley walls
        spec = {**spec, "lr": spec["lr"] * (0.02 if spec["name"] == "gd" else 0.2)}
    n = 40
    np.testing.assert_allclose(path(race(problem, [spec], start, n)), reference(spec, grad, start, n),
                               rtol=1e-10, atol=1e-12)


def test_the_switches_change_the_path() -> None:
    """amsgrad, centred, nesterov and bias correction each make a difference here, so the tests above bite."""
    _, grad, start = SURFACE_GRADS["tilted"]
    pairs = [({"name": "adam", "lr": 0.05}, {"amsgrad": True}), ({"name": "adam", "lr": 0.05},
             {"bias_correction": False}), ({"name": "rmsprop", "lr": 0.01}, {"centered": True}),
             ({"name": "gd", "lr": 0.03, "momentum": 0.8}, {"nesterov": True})]
    for base, switch in pairs:
        a = reference(base, grad, start, 60)
        b = reference({**base, **switch}, grad, start, 60)
        assert np.abs(a - b).max() > 1e-6, (base, switch)


def test_racers_with_different_settings_step_together_exactly_as_alone() -> None:
    """Vectorisation: one race of every spec (and random search) equals each racer run on its own."""
    problem, _, start = SURFACE_GRADS["tilted"]
    racers = [{"name": "random_search"}, *SPECS]  # random search first: it draws from racer 0's generator
    n = 30
    together = race(problem, racers, start, n)
    for i, spec in enumerate(racers):
        alone = race(problem, [spec], start, n)
        np.testing.assert_allclose(path(together, i), path(alone), rtol=1e-14, atol=1e-15, err_msg=str(spec))
        np.testing.assert_allclose(together.racers[i].history.column("loss"), alone.racers[0].history.column("loss"),
                                   rtol=1e-14, atol=1e-15)


def test_retuning_keeps_the_optimizer_state_as_torch_does() -> None:
    """Changing lr mid-run is torch's param_group["lr"] = ...: the momentum buffer carries on."""
    _, grad, start = SURFACE_GRADS["tilted"]
    run = race(TILTED, [{"name": "gd", "lr": 0.05, "momentum": 0.9}], start, 5)
    run.set_optimizer({"lr": 0.01})
    run.step(5)
    th, b = np.array(start), None
    expected = [th.copy()]
    for k in range(10):
        g = grad(th)
        b = g if b is None else 0.9 * b + g
        th = th - (0.05 if k < 5 else 0.01) * b
        expected.append(th.copy())
    np.testing.assert_allclose(path(run), expected, rtol=1e-12)
    assert [r["lr"] for r in records(run)[0]] == [None] + [0.05] * 5 + [0.01] * 5


@pytest.mark.parametrize("new", [
    {"name": "adam", "lr": 0.05},
    {"name": "adamw", "lr": 0.05, "weight_decay": 0.1},
    {"name": "adagrad", "lr": 0.3, "lr_decay": 0.5, "initial_accumulator_value": 1.0},
    {"name": "gd", "lr": 0.05, "momentum": 0.9, "dampening": 0.5},
], ids=["adam", "adamw", "adagrad", "gd-dampening"])
def test_switching_optimizer_mid_run_starts_it_afresh(new: dict) -> None:
    """A racer switched to a new optimiser at t = 20 steps as that optimiser started fresh from its θ (torch's
    new optimiser: step count, bias correction, lr decay, initial accumulator and first momentum step restart)."""
    _, grad, start = SURFACE_GRADS["tilted"]
    run = race(TILTED, [{"name": "rmsprop", "lr": 0.01}], start, 20)
    here = path(run)[-1].tolist()
    run.set_optimizer(new)
    run.step(10)
    np.testing.assert_allclose(path(run)[20:], reference(new, grad, here, 10), rtol=1e-10, atol=1e-12)
