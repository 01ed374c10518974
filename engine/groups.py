"""Racers grouped by optimiser: stacked settings and state, so racers sharing an optimiser step as one.

A run (engine/run.py) keeps its racers' optimiser state only here, stacked per group; `racer_states`
cuts it back out per racer (to regroup after a change, or to explain one update).

A race of several optimisers the compiled kernel covers (gd, adagrad, rmsprop, adam, adamw) keeps their state in
one `Store` laid out as the kernel reads it: (K, 3, d) state rows, step counts, settings vectors. Each such group's
`state` is then cut out of (and written back into) the store, so the NumPy reference steps group by group from the
same numbers, while the compiled path updates every racer in one call with nothing stacked or cut per step.
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
class Store:
    """The optimiser state of a mixed race as engine/kernels.update_all reads it (one row per racer of the run)."""

    codes: np.ndarray  # (K,) OPT_CODES, −1 for racers the kernel does not cover (random search)
    S: np.ndarray  # (K, 3, d) state rows (kernels.STATE_ROWS)
    steps: np.ndarray  # (K,) the optimisers' own update counts
    P: np.ndarray  # (K, len(kernels.P_NAMES)) settings
    lrs: np.ndarray  # (K,) learning rates of the next update
    scheduled: list[int] = field(default_factory=list)  # racers whose lr follows a schedule


@dataclass
class Group:
    """Racers sharing an optimiser: their indices, stacked settings and stacked state."""

    opt: Optimizer
    members: list[int]
    sel: slice | np.ndarray  # how to cut the group's rows out of (K, d) arrays
    own: State  # the state, unless it lives in `store`
    settings: dict[str, np.ndarray] = field(default_factory=dict)
    scheduled: bool = False
    ctx: Any = None
    whole: bool = True  # the group is every racer: no cutting needed
    store: Store | None = None

    @property
    def state(self) -> State:
        """The group's state (K_g, d) per key; from the store, views or copies of its rows."""
        st = self.store
        if st is None:
            return self.own
        out = {key: st.S[self.sel, r] for r, key in enumerate(kernels.STATE_ROWS[self.opt.name])}
        if "step" in self.own:
            out["step"] = st.steps[self.sel][:, None]
        return out

    @state.setter
    def state(self, value: State) -> None:
        st = self.store
        if st is None:
            self.own = value
            return
        for r, key in enumerate(kernels.STATE_ROWS[self.opt.name]):
            st.S[self.sel, r] = value[key]
        if "step" in self.own:
            st.steps[self.sel] = value["step"][:, 0]


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
    if sum(grp.opt.name in kernels.OPT_CODES for grp in groups) > 1:
        K, d = len(racers), problem.dim
        store = Store(np.full(K, -1, dtype=np.int64), np.zeros((K, 3, d)), np.zeros(K),
                      np.zeros((K, len(kernels.P_NAMES))), np.zeros(K))
        for grp in groups:
            if grp.opt.name in kernels.OPT_CODES:
                store.codes[grp.sel] = kernels.OPT_CODES[grp.opt.name]
                grp.store, grp.state = store, grp.own  # the state moves into the store
                grp.own = {k: np.zeros(0) for k in grp.own}  # (only its keys are kept)
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
        if grp.store is not None:
            grp.store.P[grp.sel] = np.array([kernels.settings_row(sp) for sp in specs])
            grp.store.lrs[grp.sel] = grp.settings["lr"][:, 0]
        for i in grp.members:
            r = racers[i]
            r.lr_used = (scheduled_lr(r.spec["lr"], r.t, r.spec["schedule"]) if "lr" in r.spec else math.nan)
    store = next((grp.store for grp in groups if grp.store is not None), None)
    if store is not None:
        store.scheduled = [i for grp in groups if grp.store is not None for i in grp.members
                           if racers[i].spec["schedule"]["name"] != "constant"]


def racer_states(groups: list[Group], k: int) -> list[State]:
    """Each of the k racers' optimiser state, cut out of its group (copies)."""
    out: list[State] = [{} for _ in range(k)]
    for grp in groups:
        state = grp.state
        for j, i in enumerate(grp.members):
            out[i] = {key: v[j : j + 1].copy() for key, v in state.items()}
    return out


def opt_state(groups: list[Group], i: int) -> dict[str, list[float]]:
    """Racer i's optimiser state entries worth drawing (momentum buffers, first moments)."""
    for grp in groups:
        if i in grp.members:
            j = grp.members.index(i)
            state = grp.state
            return {k: state[k][j].tolist() for k in grp.opt.state_arrows if k in state}
    return {}


def step_groups(groups: list[Group], racers: list[Racer], theta: np.ndarray, g: np.ndarray, active: list[bool],
                all_active: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One update of every group: the new θ (K, d) and what the optimisers recorded (random search's guesses).

    A race of several optimisers steps every racer the compiled kernel covers in one fused update of its store
    (engine/kernels.update_all, the same maths as each optimiser's NumPy step); random search keeps its group."""
    records: dict[str, np.ndarray] = {}
    if len(groups) == 1:
        return step_group(groups[0], racers, theta, g, active, all_active, records), records
    store = next((grp.store for grp in groups if grp.store is not None), None)
    kernel: Any = kernels.fused_update() if store is not None else None
    if kernel is None or store is None:
        new_theta = np.empty_like(theta)
        for grp in groups:
            new_theta[grp.sel] = step_group(grp, racers, theta, g, active, all_active, records)
        return new_theta, records
    for i in store.scheduled:
        r = racers[i]
        r.lr_used = store.lrs[i] = scheduled_lr(r.spec["lr"], r.t, r.spec["schedule"])
    new_theta, S, steps = np.empty_like(theta), np.empty_like(store.S), np.empty_like(store.steps)
    kernel(store.codes, theta, g, store.S, store.steps, store.P, store.lrs, np.asarray(active), new_theta, S, steps)
    store.S, store.steps = S, steps
    for grp in groups:
        if grp.store is None:
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
    state = grp.state
    th, st = grp.opt.step(th0, g if grp.whole else g[sel], state, s, grp.ctx)
    if not all_active:
        m = np.asarray(active)[sel][:, None]
        th = np.where(m, th, th0)
        st = {k: np.where(m, v, state[k]) for k, v in st.items()}
    grp.state = st
    for key, val in grp.ctx.record.items():
        records.setdefault(key, np.full((len(racers), *val.shape[1:]), np.nan))[sel] = val
    return th
