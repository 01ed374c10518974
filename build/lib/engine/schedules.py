"""Learning-rate schedules: γₜ as a function of the base γ and the number k of updates already made."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.settings import Setting, SettingsError, check_settings


@dataclass(frozen=True)
class Schedule:
    """A named schedule γₖ = rate(γ, k, settings)."""

    name: str
    title: str
    settings: tuple[Setting, ...]
    formula: str
    rate: Callable[[float, int, dict[str, Any]], float]


GAMMA = Setting("gamma", "float", 0.5, "multiplicative factor γ_decay", low=0.0, high=1.0, low_open=True)

SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        Schedule("constant", "Constant", (), "γₖ = γ", lambda lr, k, p: lr),
        Schedule(
            "step",
            "Step decay",
            (Setting("step_size", "int", 100, "updates between decays", low=1, high=10**9), GAMMA),
            "γₖ = γ · decay^⌊k / step_size⌋",
            lambda lr, k, p: lr * p["gamma"] ** (k // p["step_size"]),
        ),
        Schedule(
            "exponential",
            "Exponential",
            (Setting("gamma", "float", 0.99, "factor per update", low=0.0, high=1.0, low_open=True),),
            "γₖ = γ · decayᵏ",
            lambda lr, k, p: lr * p["gamma"] ** k,
        ),
        Schedule(
            "inverse_time",
            "1/t decay",
            (Setting("decay", "float", 0.01, "decay rate d", low=0.0, high=1e6),),
            "γₖ = γ / (1 + d·k)",
            lambda lr, k, p: lr / (1.0 + p["decay"] * k),
        ),
        Schedule(
            "cosine",
            "Cosine annealing",
            (Setting("t_max", "int", 1000, "updates of one half cosine", low=1, high=10**9),
             Setting("eta_min", "float", 0.0, "smallest learning rate", low=0.0, high=1e4)),
            "γₖ = η_min + (γ − η_min)·(1 + cos(π·min(k, T)/T))/2",
            lambda lr, k, p: p["eta_min"]
            + (lr - p["eta_min"]) * (1 + math.cos(math.pi * min(k, p["t_max"]) / p["t_max"])) / 2,
        ),
    )
}


def check_schedule(value: dict[str, Any] | None, prefix: str = "optimizer.schedule.") -> dict[str, Any]:
    """Validate a schedule {"name": ..., settings...}; None is the constant schedule."""
    if value is None:
        return {"name": "constant"}
    value = dict(value)
    name = value.pop("name", "constant")
    if name not in SCHEDULES:
        raise SettingsError(prefix + "name", f"unknown schedule {name!r} (known: {', '.join(SCHEDULES)})")
    return {"name": name, **check_settings(SCHEDULES[name].settings, value, prefix=prefix)}


def scheduled_lr(lr: float, k: int, schedule: dict[str, Any]) -> float:
    """γ for the update that follows k updates."""
    return SCHEDULES[schedule["name"]].rate(lr, k, schedule)
