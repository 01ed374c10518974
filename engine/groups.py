"""Racers grouped by optimiser: stacked settings and state, so racers sharing an optimiser step as one.

A run (engine/run.py) keeps its racers' optimiser state only here, stacked per group; `racer_states`
cuts it back out per racer (to regroup after a change, or to explain one update).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.optimizers import OPTIMIZERS, Context, Optimizer, stack_settings
from engine.problems import Problem
from engine.racers import Racer
from engine.schedules import scheduled_lr

State = dict[str, np.ndarray]


@dataclass
class Group:
    """Racers sharing an optimiser: their indices, stacked settings and stacked state."""

    opt: Optimizer
    members: list[int]
    sel: slice | np.ndarray  # how to cut the group's rows out of (K, d) arrays
    state: State
    settings: dict[str, np.ndarray] = field(default_factory=dict)
    scheduled: bool = False
    ctx: Any = None
    whole: bool = True  # the group is every racer: no cutting needed


def regroup(racers: list[Racer], states: list[State], problem: Problem) -> list[Group]:
    """Group racers by optimiser, stacking their states (one per racer) and settings."""
    by_name: dict[str, list[int]] = {}
    for i, r in enumerate(racers):
        by_name.setdefault(r.spec["name"], []).append(i)
    groups = []
    for name, members in by_name.items():
        contiguous = members == list(range(members[0], members[-1] + 1))
        sel: slice | np.ndarray = slice(members[0], members[-1] + 1) if contiguous else np.array(members)
        state = {k: np.concatenate([states[i][k] for i in members]) for k in states[members[0]]}
        groups.append(Group(OPTIMIZERS[name], members, sel, state))
    restack(groups, racers, problem)
    return groups


def restack(groups: list[Group], racers: list[Racer], problem: Problem) -> None:
    """Re-stack settings after a change; cheap, and kept out of the step loop."""
    for grp in groups:
        specs = [racers[i].spec for i in grp.members]
        grp.settings = stack_settings(grp.opt, specs, problem.dim)
        grp.scheduled = any(sp["schedule"]["name"] != "constant" for sp in specs)
        grp.ctx = Context(loss_fn=problem.loss, rngs=[racers[i].rng for i in grp.members])
        grp.whole = len(grp.members) == len(racers)
        for i in grp.members:
            r = racers[i]
            r.lr_used = (scheduled_lr(r.spec["lr"], r.t, r.spec["schedule"]) if "lr" in r.spec else math.nan)


def racer_states(groups: list[Group], k: int) -> list[State]:
    """Each of the k racers' optimiser state, cut out of its group (copies)."""
    out: list[State] = [{} for _ in range(k)]
    for grp in groups:
        for j, i in enumerate(grp.members):
            out[i] = {key: v[j : j + 1].copy() for key, v in grp.state.items()}
    return out


def opt_state(groups: list[Group], i: int) -> dict[str, list[float]]:
    """Racer i's optimiser state entries worth drawing (momentum buffers, first moments)."""
    for grp in groups:
        if i in grp.members:
            j = grp.members.index(i)
            return {k: grp.state[k][j].tolist() for k in grp.opt.state_arrows if k in grp.state}
    return {}


def step_groups(groups: list[Group], racers: list[Racer], theta: np.ndarray, g: np.ndarray, active: list[bool],
                all_active: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One update of every group: the new θ (K, d) and what the optimisers recorded (random search's guesses)."""
    records: dict[str, np.ndarray] = {}
    if len(groups) == 1:
        return step_group(groups[0], racers, theta, g, active, all_active, records), records
    new_theta = np.empty_like(theta)
    for grp in groups:
        new_theta[grp.sel] = step_group(grp, racers, theta, g, active, all_active, records)
    return new_theta, records


def step_group(grp: Group, racers: list[Racer], theta: np.ndarray, g: np.ndarray, active: list[bool],
               all_active: bool, records: dict[str, np.ndarray]) -> np.ndarray:
    """One update of a group's racers; racers that have stopped keep their θ and state."""
    sel = grp.sel
    s = grp.settings
    if grp.scheduled:
        lrs = [scheduled_lr(racers[i].spec["lr"], racers[i].t, racers[i].spec["schedule"]) for i in grp.members]
        s = {**s, "lr": np.array(lrs)[:, None]}
        for i, v in zip(grp.members, lrs, strict=True):
            racers[i].lr_used = v
    if grp.opt.name == "random_search":
        grp.ctx.record = {}
    th0 = theta if grp.whole else theta[sel]
    th, st = grp.opt.step(th0, g if grp.whole else g[sel], grp.state, s, grp.ctx)
    if not all_active:
        m = np.asarray(active)[sel][:, None]
        th = np.where(m, th, th0)
        st = {k: np.where(m, v, grp.state[k]) for k, v in st.items()}
    grp.state = st
    for key, val in grp.ctx.record.items():
        records.setdefault(key, np.full((len(racers), *val.shape[1:]), np.nan))[sel] = val
    return th
