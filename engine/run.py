"""A run: one problem, one or more racers (optimiser + settings), stopping tests and history.

A plain run is a race of one. Every step is one vectorised computation over the K racers: the
problem evaluates J and ∇J at all K points at once, and racers sharing an optimiser step together.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.fastpath import stepper
from engine.history import History
from engine.optimizers import OPTIMIZERS, Context, check_optimizer, stack_settings
from engine.problems import Problem
from engine.schedules import check_schedule, scheduled_lr
from engine.settings import Setting, SettingsError, check_settings

STOP_SETTINGS = (
    Setting("grad_norm", "float", 1e-6, "converged when ‖∇J(θ)‖₂ ≤ ε (null: off)", low=0.0, nullable=True, log=True),
    Setting("delta_loss", "float", None, "converged when |J(θₜ) − J(θₜ₋₁)| ≤ δ (null: off)", low=0.0, nullable=True,
            log=True),
    Setting("max_steps", "int", 10_000, "stop after this many steps (null: no limit but the server's)", low=0,
            high=10_000_000, nullable=True),
)
DIVERGENCE_FACTOR = 1e6  # a run diverges when |J| grows past this many times its starting value
TERMINAL = ("converged", "diverged", "stopped")
TRAJECTORY_SNAPSHOTS = 400  # parameter snapshots kept for trajectory views (thinned as the run grows)


def fmt(v: float) -> str:
    """A short human form of a number: 1e-6, 0.756, 12."""
    s = f"{v:.3g}"
    if "e" in s:
        mant, exp = s.split("e")
        s = f"{mant}e{int(exp)}"
    return s


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


@dataclass
class Racer:
    """One optimiser's place in a run: settings, position, status and history."""

    spec: dict[str, Any]  # validated: name, label, schedule and the optimiser's settings
    history: History
    rng: np.random.Generator
    t: int = 0
    status: str = "ready"  # ready, paused, converged, diverged, stopped
    stop_reason: dict[str, Any] | None = None
    perm: np.ndarray | None = None  # this epoch's shuffled example order
    pos: int = 0  # next example in perm
    extra: dict[str, Any] = field(default_factory=dict)
    lr_used: float = math.nan  # learning rate of the racer's next update (after its schedule)

    @property
    def active(self) -> bool:
        """Still taking steps."""
        return self.status not in TERMINAL


class Run:
    """Problem + racers + stopping tests; `step(n)` advances every active racer n times."""

    def __init__(
        self,
        problem: Problem,
        racers: list[dict[str, Any]],
        stop: dict[str, Any] | None = None,
        seed: int = 0,
        start: np.ndarray | None = None,
        race: bool = False,
    ):
        if not racers:
            raise SettingsError("racers", "a run needs at least one optimizer")
        self.problem = problem
        # Live changes kept for replays (None: all). Past it the run still takes every change, but only counts it,
        # so a run changed without end holds bounded memory (and can no longer be replayed exactly).
        self.event_cap: int | None = None
        self._info: dict[str, Any] | None = None  # problem.info(), computed on first use
        self.seed = seed
        self.race = race or len(racers) > 1
        self.stop = check_settings(STOP_SETTINGS, stop or {}, prefix="stop.")
        start = problem.default_start() if start is None else np.asarray(start, dtype=np.float64)
        if start.shape != (problem.dim,) or not np.all(np.isfinite(start)):
            raise SettingsError("start", f"must be {problem.dim} finite numbers")
        self.start = start.copy()
        self.playing = False
        self.problem_spec: dict[str, Any] = {}  # how the problem was built (set by engine.build), for replays
        self._seeds = np.random.SeedSequence(seed)
        self.racers: list[Racer] = []
        for i, spec in enumerate(racers):
            self._new_racer(check_racer(spec, f"racers.{i}." if self.race else "optimizer."))
        self.reset()

    # ----- set-up -------------------------------------------------------------------------------
    def _new_racer(self, spec: dict[str, Any]) -> Racer:
        rng = np.random.default_rng(self._seeds.spawn(1)[0])
        r = Racer(spec=spec, history=History(self.problem.dim), rng=rng)
        self._resolve_box(r)
        self.racers.append(r)
        return r

    def _resolve_box(self, r: Racer) -> None:
        if r.spec["name"] != "random_search":
            return
        if r.spec.get("low") is None or r.spec.get("high") is None:
            from engine.landscape import default_box

            low, high = default_box(self.problem, self.start[None])
            r.spec["low"] = r.spec.get("low") or low.tolist()
            r.spec["high"] = r.spec.get("high") or high.tolist()
        for key in ("low", "high"):
            if len(r.spec[key]) != self.problem.dim:
                raise SettingsError(f"optimizer.{key}", f"must have {self.problem.dim} numbers")
        if any(h <= lo for lo, h in zip(r.spec["low"], r.spec["high"], strict=True)):
            raise SettingsError("optimizer.high", "every high must be greater than its low")

    def reset(self, params: np.ndarray | list[float] | None = None) -> None:
        """Start every racer again from `params` (or the run's start); history is cleared."""
        if params is not None:
            p = np.asarray(params, dtype=np.float64)
            if p.shape != (self.problem.dim,) or not np.all(np.isfinite(p)):
                raise SettingsError("params", f"must be {self.problem.dim} finite numbers")
            self.start = p.copy()
        self.playing = False
        # A reset is a new beginning for replays: config() now describes it, and the event log restarts.
        self.clock = 0  # step rounds taken since the last reset (racers that have stopped do not count)
        self.events: list[dict[str, Any]] = []  # live changes, each with the clock at which it was made
        self.events_dropped = 0  # live changes past event_cap: counted, not kept (no exact replay then)
        self._base: dict[str, Any] = {"specs": copy.deepcopy([r.spec for r in self.racers]), "stop": dict(self.stop),
                      "race": self.race}
        self._seeds = np.random.SeedSequence(self.seed)
        K = len(self.racers)
        for r in self.racers:
            r.t, r.status, r.stop_reason, r.perm, r.pos, r.extra = 0, "ready", None, None, 0, {}
            r.rng = np.random.default_rng(self._seeds.spawn(1)[0])
            r.history = History(self.problem.dim)
        self.theta = np.repeat(self.start[None], K, axis=0)  # (K, d)
        self.loss, self.grad = self._evaluate(self.theta)
        self.loss0 = self.loss.copy()
        self._blowup = DIVERGENCE_FACTOR * np.maximum(np.abs(self.loss0), 1e-12)
        self.prev_loss = np.full(K, np.nan)
        self.trajectory: list[tuple[int, np.ndarray]] = []
        self._stride = 1
        self._init_state()
        for i, r in enumerate(self.racers):
            r.history.append(0, float(self.loss[i]), _norm(self.grad[i]), np.nan, self.theta[i])
            self._check_stop(i)
        self._set_active()
        self._snapshot(0)

    def _init_state(self) -> None:
        """Optimiser state per racer, rebuilt from scratch (on reset)."""
        self._regroup([
            OPTIMIZERS[r.spec["name"]].init(self.theta[i : i + 1], self.loss[i : i + 1])
            for i, r in enumerate(self.racers)
        ])

    def _racer_states(self) -> list[dict[str, np.ndarray]]:
        """Each racer's optimiser state, cut out of its group."""
        out: list[dict[str, np.ndarray]] = [{} for _ in self.racers]
        for grp in self._groups:
            for j, i in enumerate(grp.members):
                out[i] = {k: v[j : j + 1].copy() for k, v in grp.state.items()}
        return out

    def _regroup(self, states: list[dict[str, np.ndarray]]) -> None:
        """Group racers by optimiser, stacking their states; racers sharing an optimiser step as one."""
        by_name: dict[str, list[int]] = {}
        for i, r in enumerate(self.racers):
            by_name.setdefault(r.spec["name"], []).append(i)
        self._groups = []
        for name, members in by_name.items():
            contiguous = members == list(range(members[0], members[-1] + 1))
            sel: slice | np.ndarray = slice(members[0], members[-1] + 1) if contiguous else np.array(members)
            state = {k: np.concatenate([states[i][k] for i in members]) for k in states[members[0]]}
            self._groups.append(_Group(OPTIMIZERS[name], members, sel, state))
        self._restack()

    def _restack(self) -> None:
        """Re-stack settings after a change; cheap, and kept out of the step loop."""
        for grp in self._groups:
            specs = [self.racers[i].spec for i in grp.members]
            grp.settings = stack_settings(grp.opt, specs, self.problem.dim)
            grp.scheduled = any(sp["schedule"]["name"] != "constant" for sp in specs)
            grp.ctx = Context(loss_fn=self.problem.loss,
                              rngs=[self.racers[i].rng for i in grp.members])
            grp.whole = len(grp.members) == len(self.racers)
            for i in grp.members:
                r = self.racers[i]
                r.lr_used = (scheduled_lr(r.spec["lr"], r.t, r.spec["schedule"]) if "lr" in r.spec else math.nan)
        self._minibatch = self.problem.n_train is not None and any(
            r.spec.get("batch_size") is not None and r.spec["batch_size"] < self.problem.n_train for r in self.racers)
        self._set_active()

    # ----- evaluation ---------------------------------------------------------------------------
    def _evaluate(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):
            return self.problem.loss_grad(theta)

    def _batch(self, r: Racer) -> np.ndarray | None:
        """The next mini-batch of example indices for racer r, reshuffled each epoch; None for full."""
        b = r.spec.get("batch_size")
        n = self.problem.n_train
        if b is None or n is None or b >= n:
            return None
        if r.perm is None or r.pos >= n:
            r.perm, r.pos = r.rng.permutation(n), 0
        idx = r.perm[r.pos : r.pos + b]
        r.pos += b
        return idx

    def peek_batch(self, racer: int) -> np.ndarray | None:
        """The mini-batch racer `racer` would use next, without drawing it (its generator is copied)."""
        shadow = copy.copy(self.racers[racer])
        shadow.rng = copy.deepcopy(shadow.rng)
        return self._batch(shadow)

    # ----- stepping -----------------------------------------------------------------------------
    def step(self, n: int = 1) -> int:
        """Advance every active racer up to n times; return the number of racer-steps taken."""
        taken = 0
        with np.errstate(all="ignore"):  # divergence is detected and reported, not warned about
            fast = stepper(self)  # the compiled kernel, when it covers this run (engine/fastpath.py)
            if fast is not None:
                return fast(n)
            for _ in range(n):
                if not any(self._active):
                    break
                taken += self._step_once()
        return taken

    def _step_once(self) -> int:
        self.clock += 1
        active = self._active
        all_active = self._all_active
        racers = self.racers
        theta = self.theta
        g = self.grad
        batch_loss: dict[int, float] = {}
        if True:
            if self._minibatch:
                g = g.copy()
                for i, r in enumerate(racers):
                    idx = self._batch(r) if active[i] else None
                    if idx is not None:
                        bl, bg = self.problem.loss_grad(theta[i : i + 1], idx)
                        g[i] = bg[0]
                        batch_loss[i] = float(bl[0])
            records: dict[str, np.ndarray] = {}
            if len(self._groups) == 1:
                new_theta = self._step_group(self._groups[0], theta, g, active, all_active, records)
            else:
                new_theta = np.empty_like(theta)
                for grp in self._groups:
                    new_theta[grp.sel] = self._step_group(grp, theta, g, active, all_active, records)
            if self.problem.cheap_full_eval or not batch_loss:
                loss, grad = self.problem.loss_grad(new_theta)
            else:
                loss, grad = self._evaluate_cheaply(new_theta, batch_loss)
            # One pass to Python floats: the per-racer bookkeeping below is cheaper on floats than
            # on many tiny numpy operations (it is the hot loop of every run).
            L = loss.tolist()
            if self.problem.dim <= 16:
                T = new_theta.tolist()
                GN = [math.sqrt(sum(v * v for v in row)) for row in grad.tolist()]
                S = [sum(row) for row in T]
            else:
                T = new_theta
                GN = np.sqrt(np.einsum("kd,kd->k", grad, grad)).tolist()
                S = new_theta.sum(axis=1).tolist()
        eps, delta, max_steps = self.stop["grad_norm"], self.stop["delta_loss"], self.stop["max_steps"]
        guess = records.get("guess")
        prev = self.loss.tolist()
        kept = all_active
        changed = False
        taken = 0
        for i, r in enumerate(racers):
            if not active[i]:
                continue
            taken += 1
            r.t += 1
            if r.status == "ready":
                r.status = "paused"
            li, gi = L[i], GN[i]
            if not (math.isfinite(li) and math.isfinite(gi) and math.isfinite(S[i])):
                self._diverge(i, r.lr_used, "J or θ became non-finite")
                kept, changed = False, True
                continue
            r.history.append(r.t, li, gi, r.lr_used, T[i],
                             None if guess is None else guess[i],
                             None if guess is None else float(records["guess_loss"][i]))
            if (abs(li) > self._blowup[i] or (eps is not None and gi <= eps)
                    or (delta is not None and abs(li - prev[i]) <= delta)
                    or (max_steps is not None and r.t >= max_steps)):
                changed = True
        if kept:
            self.prev_loss, self.theta, self.loss, self.grad = self.loss, new_theta, loss, grad
        else:
            keep = np.array([active[i] and r.status != "diverged" for i, r in enumerate(racers)])
            self.prev_loss = np.where(keep, self.loss, self.prev_loss)
            self.theta = np.where(keep[:, None], new_theta, theta)
            self.loss = np.where(keep, loss, self.loss)
            self.grad = np.where(keep[:, None], grad, self.grad)
        if changed:
            for i, r in enumerate(racers):
                if active[i] and r.status != "diverged":
                    if abs(L[i]) > self._blowup[i]:
                        self._diverge(i, r.lr_used, f"J grew past 10⁶ × its starting value ({fmt(self.loss0[i])})")
                    else:
                        self._check_stop(i)
            self._set_active()
        t = racers[0].t if len(racers) == 1 else max(r.t for r in racers)
        if t % self._stride == 0:
            self._snapshot(t)
        return taken

    def _step_group(
        self, grp: _Group, theta: np.ndarray, g: np.ndarray, active: list[bool], all_active: bool,
        records: dict[str, np.ndarray],
    ) -> np.ndarray:
        """One update of a group's racers; racers that have stopped keep their θ and state."""
        sel = grp.sel
        s = grp.settings
        if grp.scheduled:
            lrs = [scheduled_lr(self.racers[i].spec["lr"], self.racers[i].t, self.racers[i].spec["schedule"])
                   for i in grp.members]
            s = {**s, "lr": np.array(lrs)[:, None]}
            for i, v in zip(grp.members, lrs, strict=True):
                self.racers[i].lr_used = v
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
            records.setdefault(key, np.full((len(self.racers), *val.shape[1:]), np.nan))[sel] = val
        return th

    def _set_active(self) -> None:
        self._active = [r.active for r in self.racers]
        self._all_active = all(self._active)

    def _evaluate_cheaply(self, theta: np.ndarray, batch_loss: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
        """For problems whose full J is costly: J at racers stepping on batches is their batch J (gradient kept)."""
        loss, grad = self.problem.loss_grad(theta) if len(batch_loss) < len(self.racers) else (
            np.array(self.loss, dtype=np.float64), np.array(self.grad, dtype=np.float64))
        for i, bl in batch_loss.items():
            loss[i] = bl
        return loss, grad

    def _diverge(self, i: int, lr: float, why: str) -> None:
        r = self.racers[i]
        r.status = "diverged"
        msg = f"diverged at t = {r.t}: "
        msl = self.problem.max_stable_lr()
        if msl is not None and r.spec["name"] == "gd" and lr > msl:
            msg += f"learning rate {fmt(lr)} is above 2/λmax = {fmt(msl)}"
        else:
            msg += why
        r.stop_reason = {"test": "diverged", "t": r.t, "message": msg}

    def _check_stop(self, i: int) -> None:
        """Apply the stopping tests to racer i at its current step."""
        r = self.racers[i]
        if r.status == "diverged":
            return
        eps, delta, max_steps = self.stop["grad_norm"], self.stop["delta_loss"], self.stop["max_steps"]
        gn = _norm(self.grad[i])
        uses_grad = OPTIMIZERS[r.spec["name"]].uses_gradient
        if eps is not None and gn <= eps:
            self._finish(r, "converged", "grad_norm", f"converged: ‖∇J‖ ≤ {fmt(eps)} at t = {r.t}")
        elif (delta is not None and uses_grad and r.t > 0
              and abs(float(self.loss[i]) - float(self.prev_loss[i])) <= delta):
            self._finish(r, "converged", "delta_loss", f"converged: |ΔJ| ≤ {fmt(delta)} at t = {r.t}")
        elif max_steps is not None and r.t >= max_steps:
            self._finish(r, "stopped", "max_steps", f"stopped: reached max_steps = {max_steps} at t = {r.t}")
        elif r.status in ("converged", "stopped"):
            r.status, r.stop_reason = ("paused" if r.t else "ready"), None

    @staticmethod
    def _finish(r: Racer, status: str, test: str, message: str) -> None:
        r.status = status
        r.stop_reason = {"test": test, "t": r.t, "message": message}

    def _snapshot(self, t: int) -> None:
        """Keep θ every `stride` steps for trajectory views, thinning to stay under the cap."""
        if t % self._stride:
            return
        self.trajectory.append((t, self.theta.copy()))
        if len(self.trajectory) > TRAJECTORY_SNAPSHOTS:
            self.trajectory = self.trajectory[::2]
            self._stride *= 2

    # ----- live changes -------------------------------------------------------------------------
    def _log(self, kind: str, **payload: Any) -> None:
        if self.event_cap is not None and len(self.events) >= self.event_cap:
            self.events_dropped += 1
            return
        self.events.append({"clock": self.clock, "type": kind, **copy.deepcopy(payload)})

    @property
    def changes(self) -> int:
        """Live changes since the last reset, kept or not."""
        return len(self.events) + self.events_dropped

    def set_optimizer(self, changes: dict[str, Any], racer: int = 0) -> None:
        """Change a racer's settings, or its optimiser (which starts that racer's optimiser state afresh).

        Nothing else is touched: the next step uses the new settings from the racer's current θ.
        """
        self._set_optimizer(changes, racer)
        self._log("set", racer=racer, optimizer=changes)

    def _set_optimizer(self, changes: dict[str, Any], racer: int) -> None:
        if not 0 <= racer < len(self.racers):
            raise SettingsError("racer", f"no racer {racer} (this run has {len(self.racers)})")
        r = self.racers[racer]
        changes = dict(changes)
        prefix = f"racers.{racer}." if self.race else "optimizer."
        name = changes.pop("name", r.spec["name"])
        label = changes.pop("label", None) or r.spec["label"]
        schedule = changes.pop("schedule", r.spec["schedule"])
        if name != r.spec["name"]:
            keep: dict[str, Any] = {k: r.spec[k] for k in ("lr", "batch_size") if k in r.spec and k not in changes}
            keep = {k: v for k, v in keep.items() if any(f.name == k for f in OPTIMIZERS[name].settings)}
            spec = check_racer({"name": name, "schedule": schedule, **keep, **changes}, prefix)
            spec["label"] = label if label != r.spec["name"] else name
            states = self._racer_states()
            r.spec = spec
            self._resolve_box(r)
            states[racer] = OPTIMIZERS[name].init(self.theta[racer : racer + 1], self.loss[racer : racer + 1])
            self._regroup(states)
            return
        base = {k: v for k, v in r.spec.items() if k not in ("name", "label", "schedule")}
        settings = check_settings(OPTIMIZERS[name].settings, changes, base=base, prefix=prefix)
        check_optimizer(name, settings)
        if schedule is not r.spec["schedule"]:
            schedule = check_schedule(schedule, prefix + "schedule.")
        spec = {"name": name, "label": label, "schedule": schedule, **settings}
        old, r.spec = r.spec, spec
        try:
            self._resolve_box(r)
        except SettingsError:
            r.spec = old
            raise
        self._restack()

    def set_stop(self, changes: dict[str, Any]) -> None:
        """Change the stopping tests; racers that had stopped on a test that no longer holds resume."""
        self.stop = check_settings(STOP_SETTINGS, changes, base=self.stop, prefix="stop.")
        self._log("stop", stop=changes)
        for i, r in enumerate(self.racers):
            if r.status in ("converged", "stopped"):
                r.status, r.stop_reason = ("paused" if r.t else "ready"), None
                self._check_stop(i)
        self._set_active()

    def add_racer(self, spec: dict[str, Any]) -> int:
        """Add a racer at the run's start (its own t = 0); returns its index."""
        checked = check_racer(spec, f"racers.{len(self.racers)}.")
        self._log("add_racer", racer=spec)
        states = self._racer_states()
        r = self._new_racer(checked)
        self.race = True
        i = len(self.racers) - 1
        l0, g0 = self._evaluate(self.start[None])
        self.theta = np.vstack([self.theta, self.start[None]])
        self.loss, self.grad = np.append(self.loss, l0), np.vstack([self.grad, g0])
        self.loss0, self.prev_loss = np.append(self.loss0, l0), np.append(self.prev_loss, np.nan)
        self._blowup = DIVERGENCE_FACTOR * np.maximum(np.abs(self.loss0), 1e-12)
        states.append(OPTIMIZERS[r.spec["name"]].init(self.start[None], l0))
        self.trajectory = []
        r.history.append(0, float(l0[0]), _norm(g0[0]), np.nan, self.start)
        self._check_stop(i)
        self._regroup(states)
        return i

    def remove_racer(self, racer: int) -> None:
        """Remove a racer (a run keeps at least one)."""
        if not 0 <= racer < len(self.racers):
            raise SettingsError("racer", f"no racer {racer} (this run has {len(self.racers)})")
        if len(self.racers) == 1:
            raise SettingsError("racer", "a run keeps at least one racer")
        keep = [i for i in range(len(self.racers)) if i != racer]
        self._log("remove_racer", racer=racer)
        states = self._racer_states()
        del states[racer]
        del self.racers[racer]
        self.theta, self.loss, self.grad = self.theta[keep], self.loss[keep], self.grad[keep]
        self.loss0, self.prev_loss = self.loss0[keep], self.prev_loss[keep]
        self._blowup = self._blowup[keep]
        self.trajectory = []
        self._regroup(states)

    # ----- reading ------------------------------------------------------------------------------
    @property
    def t(self) -> int:
        """Steps taken by the racer that has taken the most."""
        return max(r.t for r in self.racers)

    @property
    def status(self) -> str:
        """ready, running, paused, or (all racers done) converged / diverged / stopped."""
        if any(r.active for r in self.racers):
            if self.playing:
                return "running"
            return "ready" if all(r.status == "ready" for r in self.racers) else "paused"
        done = {r.status for r in self.racers}
        return done.pop() if len(done) == 1 else "stopped"

    def racer_state(self, i: int) -> dict[str, Any]:
        """One racer's state (JSON-ready)."""
        r = self.racers[i]
        status = "running" if (self.playing and r.active) else r.status
        grad = self.grad[i]
        out: dict[str, Any] = {
            "t": r.t,
            "loss": float(self.loss[i]),
            "grad_norm": _norm(grad),
            "status": status,
            "stop_reason": r.stop_reason,
            "optimizer": dict(r.spec),
            "lr": scheduled_lr(r.spec.get("lr", 0.0), r.t, r.spec["schedule"]) if "lr" in r.spec else None,
        }
        metrics = getattr(self.problem, "metrics", None)
        if metrics is not None:  # networks: train/test loss and accuracy (one forward pass, cached per step)
            key = (i, r.t, id(r.history))
            if r.extra.get("metrics_key") != key:
                r.extra["metrics"], r.extra["metrics_key"] = metrics(self.theta[i]), key
            out.update(r.extra["metrics"])
        if self.problem.dim <= 16:
            out["params"] = self.theta[i].tolist()
            out["grad"] = grad.tolist()
            out["opt_state"] = self._opt_state(i)
        if r.spec["name"] == "random_search" and r.history.guess is not None and r.history.n > 1:
            out["last_guess"] = r.history.guess[r.history.n - 1].tolist()
        return out

    def config(self) -> dict[str, Any]:
        """The spec that builds this run as it was at its last reset (JSON types).

        Built, then given `events` at their clocks, it replays the run exactly: see engine.build.replay.
        """
        racers = copy.deepcopy(self._base["specs"])
        out: dict[str, Any] = {"problem": copy.deepcopy(self.problem_spec), "stop": dict(self._base["stop"]),
                               "start": self.start.tolist(), "seed": self.seed}
        if self._base["race"]:
            out["racers"] = racers
        else:
            out["optimizer"] = racers[0]
        return out

    def message(self) -> str:
        """The run's status in words, e.g. "converged: ‖∇J‖ ≤ 1e-6 at t = 87"."""
        if not self.race:
            r = self.racers[0]
            if r.stop_reason:
                return str(r.stop_reason["message"])
            if self.playing:
                return f"running, t = {r.t}"
            return {"ready": "ready", "paused": f"paused at t = {r.t}"}.get(r.status, r.status)
        done = sum(not r.active for r in self.racers)
        head = "running" if self.playing and done < len(self.racers) else self.status
        return f"{head}: {done} of {len(self.racers)} racers finished"

    def state(self) -> dict[str, Any]:
        """The whole run as JSON-ready types: a single run's racer fields are also at the top level."""
        info = self._info
        if info is None:  # a problem never changes once built: its facts (eigenvalues...) are computed once
            info = self._info = self.problem.info()
        out: dict[str, Any] = {
            "t": self.t,
            "status": self.status,
            "message": self.message(),
            "race": self.race,
            "seed": self.seed,
            # A network's start is every initial weight: too big for each frame (GET /network, /export have it).
            "start": self.start.tolist() if self.problem.dim <= 16 else None,
            "stop": dict(self.stop),
            "problem": info,
            "minimum": info.get("minimum"),
            "max_stable_lr": info.get("max_stable_lr"),
            "racers": [self.racer_state(i) for i in range(len(self.racers))],
        }
        if not self.race:
            out.update({k: v for k, v in out["racers"][0].items() if k not in ("t", "status")})
        elif "train_loss" in out["racers"][0]:
            out.update({k: out["racers"][0][k] for k in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")})
        return out

    def _opt_state(self, i: int) -> dict[str, list[float]]:
        """The racer's optimiser state entries worth drawing (momentum buffers, first moments)."""
        for grp in self._groups:
            if i in grp.members:
                j = grp.members.index(i)
                return {k: grp.state[k][j].tolist() for k in grp.opt.state_arrows if k in grp.state}
        return {}

    def records(self, cursor: list[int] | None = None) -> tuple[list[dict[str, Any]], list[int]]:
        """Step records since `cursor` (rows per racer) and the new cursor."""
        cursor = cursor or [0] * len(self.racers)
        out: list[dict[str, Any]] = []
        new = []
        for i, r in enumerate(self.racers):
            start = cursor[i] if i < len(cursor) else 0
            out.extend(r.history.records(start, racer=i))
            new.append(r.history.n)
        return out, new


def _norm(v: np.ndarray) -> float:
    """‖v‖₂ without an overflow warning (a huge gradient is reported, not warned about)."""
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(v))


@dataclass
class _Group:
    """Racers sharing an optimiser: their indices, stacked settings and stacked state."""

    opt: Any
    members: list[int]
    sel: slice | np.ndarray  # how to cut the group's rows out of (K, d) arrays
    state: dict[str, np.ndarray]
    settings: dict[str, np.ndarray] = field(default_factory=dict)
    scheduled: bool = False
    ctx: Any = None
    whole: bool = True  # the group is every racer: no cutting needed
