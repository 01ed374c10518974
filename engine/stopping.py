"""When a racer stops: the stopping tests ‖∇J‖ ≤ ε, |ΔJ| ≤ δ and max steps, and divergence in words.

Pure functions of numbers: the run (engine/run.py) calls them after each step that may have ended a racer,
and the explanation of one update (engine/explain.py) calls them to say which test would fire.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.settings import Setting

STOP_SETTINGS = (
    Setting("grad_norm", "float", 1e-6, "converged when ‖∇J(θ)‖₂ ≤ ε (null: off; not for random guessing)",
            low=0.0, nullable=True, log=True),
    Setting("delta_loss", "float", None, "converged when |J(θₜ) − J(θₜ₋₁)| ≤ δ (null: off; not for random "
            "guessing)", low=0.0, nullable=True, log=True),
    Setting("max_steps", "int", 10_000, "stop after this many steps (null: no limit but the server's)", low=0,
            high=10_000_000, nullable=True),
)
DIVERGENCE_FACTOR = 1e6  # a run diverges when |J| grows past this many times its starting value
TERMINAL = ("converged", "diverged", "stopped")

Reason = dict[str, Any]  # {"test", "t", "message"}


def fmt(v: float) -> str:
    """A short human form of a number: 1e-6, 0.756, 12."""
    s = f"{v:.3g}"
    if "e" in s:
        mant, exp = s.split("e")
        s = f"{mant}e{int(exp)}"
    return s


def blowup(loss0: float) -> float:
    """|J| past which a racer that started at J = loss0 has diverged."""
    return DIVERGENCE_FACTOR * max(abs(loss0), 1e-12)


def divergence(t: int, why: str, lr: float | None, optimizer: str, max_stable_lr: float | None) -> Reason:
    """The stop reason of a racer that diverged at step t; plain gradient descent above 2/λmax is told so."""
    if max_stable_lr is not None and optimizer == "gd" and lr is not None and lr > max_stable_lr:
        why = f"learning rate {fmt(lr)} is above 2/λmax = {fmt(max_stable_lr)}"
    return {"test": "diverged", "t": t, "message": f"diverged at t = {t}: {why}"}


def diverged(t: int, loss: float, grad_norm: float, theta_sum: float, loss0: float, lr: float | None,
             optimizer: str, max_stable_lr: float | None) -> Reason | None:
    """The divergence reason if J, ‖∇J‖ or θ (its sum) is non-finite or |J| is past 10⁶ × |J₀|, else None."""
    if not (math.isfinite(loss) and math.isfinite(grad_norm) and math.isfinite(theta_sum)):
        return divergence(t, "J or θ became non-finite", lr, optimizer, max_stable_lr)
    if abs(loss) > blowup(loss0):
        return divergence(t, f"J grew past 10⁶ × its starting value ({fmt(loss0)})", lr, optimizer, max_stable_lr)
    return None


def check_stop(stop: dict[str, Any], t: int, loss: float, prev_loss: float, grad_norm: float,
               uses_gradient: bool) -> Reason | None:
    """The first stopping test that fires at step t (grad_norm, then delta_loss, then max_steps), or None.

    An optimiser that uses no gradient (random guessing) has neither convergence test: it does not follow ∇J, and
    J stands still whenever a guess is no better."""
    eps, delta, max_steps = stop["grad_norm"], stop["delta_loss"], stop["max_steps"]
    if eps is not None and uses_gradient and grad_norm <= eps:
        return {"test": "grad_norm", "t": t, "message": f"converged: ‖∇J‖ ≤ {fmt(eps)} at t = {t}"}
    if delta is not None and uses_gradient and t > 0 and abs(loss - prev_loss) <= delta:
        return {"test": "delta_loss", "t": t, "message": f"converged: |ΔJ| ≤ {fmt(delta)} at t = {t}"}
    if max_steps is not None and t >= max_steps:
        return {"test": "max_steps", "t": t, "message": f"stopped: reached max_steps = {max_steps} at t = {t}"}
    return None


def status_after(reason: Reason | None, t: int) -> str:
    """A racer's status given the test that fired (None: none did, so it is ready at t = 0 or paused)."""
    if reason is None:
        return "paused" if t else "ready"
    return "stopped" if reason["test"] == "max_steps" else "diverged" if reason["test"] == "diverged" else "converged"


def settle(status: str, reason: Reason | None, fired: Reason | None, t: int) -> tuple[str, Reason | None]:
    """A racer's new (status, stop reason) from its current ones once the stopping tests at step t gave `fired`
    (None: none did). A diverged racer stays diverged; one that had converged or stopped on a test that no
    longer fires (the tests were changed) is paused again; a ready or paused racer stays as it is."""
    if status == "diverged":
        return status, reason
    if fired is not None:
        return status_after(fired, t), fired
    if status in ("converged", "stopped"):
        return status_after(None, t), None
    return status, reason


def grad_norm(g: np.ndarray) -> float:
    """‖∇J‖₂, the figure the ‖∇J‖ ≤ ε test reads, without an overflow warning (a huge gradient is reported)."""
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(g))
