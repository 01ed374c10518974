"""Racers: one optimiser's place in a run (settings, position, status, history) and its mini-batch sampler.

A run (engine/run.py) holds a list of them; their θ, J and ∇J live stacked in the run's (K, d) arrays so
one computation steps them all.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.history import History
from engine.landscape import guess_box
from engine.optimizers import OPTIMIZERS, check_optimizer
from engine.problems import Problem
from engine.schedules import check_schedule
from engine.settings import SettingsError, check_settings
from engine.stopping import TERMINAL


def check_racer(spec: dict[str, Any], prefix: str = "optimizer.") -> dict[str, Any]:
    """Validate one optimiser spec {"name", settings..., "schedule"?, "label"?} into a full settings dict."""
    spec = dict(spec)
    name = spec.pop("name", "gd")
    if name not in OPTIMIZERS:
        raise SettingsError(prefix + "name", f"unknown optimizer {name!r} (known: {', '.join(OPTIMIZERS)})")
    label = spec.pop("label", None)
    schedule = check_schedule(spec.pop("schedule", None), prefix + "schedule.")
    settings = check_settings(OPTIMIZERS[name].settings, spec, prefix=prefix)
    check_optimizer(name, settings)
    return {"name": name, "label": label or name, "schedule": schedule, **settings}


def racer_index(racers: Sequence[Any], i: int) -> int:
    """i, checked against a run's racers: a SettingsError naming `racer` when there is no racer i (the engine's
    one check of a racer index: Run.racer and the views of engine/slices.py use it)."""
    if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(racers):
        raise SettingsError("racer", f"no racer {i} (this run has {len(racers)})")
    return i


@dataclass
class Racer:
    """One optimiser's place in a run: settings, position, status and history."""

    spec: dict[str, Any]  # validated: name, label, schedule and the optimiser's settings
    history: History
    rng: np.random.Generator
    t: int = 0
    examples: int = 0  # training examples its updates have used (the batches drawn: mini-batch k may change)
    status: str = "ready"  # ready, paused, converged, diverged, stopped
    stop_reason: dict[str, Any] | None = None
    perm: np.ndarray | None = None  # this epoch's shuffled example order
    pos: int = 0  # next example in perm
    extra: dict[str, Any] = field(default_factory=dict)
    lr_used: float = math.nan  # learning rate of the racer's next update (after its schedule)
    # A mini-batch gradient computed ahead, at the racer's current θ: (batch indices, loss, gradient (1, d)).
    ahead: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def active(self) -> bool:
        """Still taking steps."""
        return self.status not in TERMINAL


def resolve_box(spec: dict[str, Any], problem: Problem, start: np.ndarray) -> None:
    """Random search: fill in a missing box (landscape.guess_box: it never looks at the minimum) and check it."""
    if spec["name"] != "random_search":
        return
    if spec.get("low") is None or spec.get("high") is None:
        low, high = guess_box(problem, start)
        spec["low"] = spec.get("low") or low.tolist()
        spec["high"] = spec.get("high") or high.tolist()
    for key in ("low", "high"):
        if len(spec[key]) != problem.dim:
            raise SettingsError(f"optimizer.{key}", f"must have {problem.dim} numbers")
    if any(h <= lo for lo, h in zip(spec["low"], spec["high"], strict=True)):
        raise SettingsError("optimizer.high", "every high must be greater than its low")


def uses_batches(r: Racer, n_train: int | None) -> bool:
    """The racer steps on mini-batches (a batch size below the number of training examples)."""
    b = r.spec.get("batch_size")
    return b is not None and n_train is not None and b < n_train


def next_batch(r: Racer, n_train: int | None) -> np.ndarray | None:
    """The next mini-batch of example indices for racer r, reshuffled each epoch; None for full."""
    b = r.spec.get("batch_size")
    if b is None or n_train is None or b >= n_train:
        return None
    if r.perm is None or r.pos >= n_train:
        r.perm, r.pos = r.rng.permutation(n_train), 0
    idx = r.perm[r.pos : r.pos + b]
    r.pos += b
    return idx


def peek_batches(r: Racer, n_train: int | None, k: int = 1) -> list[np.ndarray | None]:
    """The next k mini-batches racer r would use, without drawing them (its generator is copied)."""
    shadow = copy.copy(r)
    shadow.rng = copy.deepcopy(r.rng)
    return [next_batch(shadow, n_train) for _ in range(k)]


def changed_spec(spec: dict[str, Any], changes: dict[str, Any], prefix: str = "optimizer.") -> dict[str, Any]:
    """A racer's validated settings `spec` with `changes` applied and checked (a new spec; `spec` is untouched).

    Another optimiser (`name`) starts from its own defaults, keeping lr and batch_size where it has them."""
    changes = dict(changes)
    name = changes.pop("name", spec["name"])
    label = changes.pop("label", None) or spec["label"]
    schedule = changes.pop("schedule", spec["schedule"])
    if name != spec["name"]:
        keep: dict[str, Any] = {k: spec[k] for k in ("lr", "batch_size") if k in spec and k not in changes}
        if name in OPTIMIZERS:
            keep = {k: v for k, v in keep.items() if any(f.name == k for f in OPTIMIZERS[name].settings)}
        out = check_racer({"name": name, "schedule": schedule, **keep, **changes}, prefix)
        out["label"] = label if label != spec["name"] else name
        return out
    base = {k: v for k, v in spec.items() if k not in ("name", "label", "schedule")}
    settings = check_settings(OPTIMIZERS[name].settings, changes, base=base, prefix=prefix)
    check_optimizer(name, settings)
    if schedule is not spec["schedule"]:
        schedule = check_schedule(schedule, prefix + "schedule.")
    return {"name": name, "label": label, "schedule": schedule, **settings}
