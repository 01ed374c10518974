"""Racers grouped by optimiser: stacked settings and state, so racers sharing an optimiser step as one.

A run (engine/run.py) keeps its racers' optimiser state only here, stacked per group; `racer_states`
cuts it back out per racer (to regroup after a change, or to explain one update).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import kernels
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
    fused: np.ndarray | None = None  # (members, len(kernels.P_NAMES)): the settings as the fused kernel reads them
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
        if grp.opt.name in kernels.OPT_CODES:
            grp.fused = np.array([kernels.settings_row(sp) for sp in specs])
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
    """One update of every group: the new θ (K, d) and what the optimisers recorded (random search's guesses).

    A race of several optimisers steps every racer the compiled kernel covers in one fused update
    (engine/kernels.update_all, the same maths as each optimiser's NumPy step); random search keeps its group."""
    records: dict[str, np.ndarray] = {}
    if len(groups) == 1:
        return step_group(groups[0], racers, theta, g, active, all_active, records), records
    fused = [grp for grp in groups if grp.opt.name in kernels.OPT_CODES]
    kernel = kernels.fused_update() if len(fused) > 1 else None
    new_theta = np.empty_like(theta)
    if kernel is not None:
        _step_fused(kernel, fused, racers, theta, g, active, new_theta)
    for grp in groups:
        if kernel is None or grp.opt.name not in kernels.OPT_CODES:
            new_theta[grp.sel] = step_group(grp, racers, theta, g, active, all_active, records)
    return new_theta, records


def _step_fused(kernel: Any, groups: list[Group], racers: list[Racer], theta: np.ndarray, g: np.ndarray,
                active: list[bool], new_theta: np.ndarray) -> None:
    """Every racer of `groups` updated by one kernel call; each group's state stacked in, and cut back out."""
    K, d = theta.shape
    codes = np.full(K, -1, dtype=np.int64)
    S, steps = np.zeros((K, 3, d)), np.zeros(K)
    P, lrs = np.zeros((K, len(kernels.P_NAMES))), np.zeros(K)
    for grp in groups:
        sel = grp.sel
        codes[sel] = kernels.OPT_CODES[grp.opt.name]
        for r, key in enumerate(kernels.STATE_ROWS[grp.opt.name]):
            S[sel, r] = grp.state[key]
        if "step" in grp.state:
            steps[sel] = grp.state["step"][:, 0]
        P[sel] = grp.fused
        if grp.scheduled:
            lr = [scheduled_lr(racers[i].spec["lr"], racers[i].t, racers[i].spec["schedule"]) for i in grp.members]
            for i, v in zip(grp.members, lr, strict=True):
                racers[i].lr_used = v
            lrs[sel] = lr
        else:
            lrs[sel] = grp.settings["lr"][:, 0]
    out, outS, new_steps = np.empty_like(theta), np.empty_like(S), np.empty(K)
    kernel(codes, theta, g, S, steps, P, lrs, np.asarray(active), out, outS, new_steps)
    for grp in groups:
        sel = grp.sel
        new_theta[sel] = out[sel]
        state = {key: outS[sel, r] for r, key in enumerate(kernels.STATE_ROWS[grp.opt.name])}
        if "step" in grp.state:
            state["step"] = new_steps[sel][:, None]
        grp.state = state


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
