"""A run: one problem, one or more racers (optimiser + settings), stopping tests, history and live changes.

A plain run is a race of one. Every step is one vectorised computation over the K racers: the
problem evaluates J and ∇J at all K points at once, and racers sharing an optimiser step together
(engine/groups.py). Racers and their mini-batches: engine/racers.py; when a racer stops: engine/stopping.py.
Every live change is logged with the step round (`clock`) it was made at, so a run can be replayed exactly
(engine/build.py).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from engine.fastpath import stepper
from engine.groups import Group, State, opt_state, racer_states, regroup, restack, step_groups
from engine.history import History
from engine.optimizers import OPTIMIZERS, check_optimizer
from engine.problems import Problem
from engine.racers import Racer, check_racer, next_batch, peek_batches, resolve_box, uses_batches
from engine.schedules import check_schedule, scheduled_lr
from engine.settings import SettingsError, check_settings
from engine.stopping import DIVERGENCE_FACTOR, STOP_SETTINGS, check_stop, divergence, fmt, status_after

__all__ = ["STOP_SETTINGS", "Run", "fmt"]
TRAJECTORY_SNAPSHOTS = 400  # parameter snapshots kept for trajectory views (thinned as the run grows)


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
        problem_spec: dict[str, Any] | None = None,
        event_cap: int | None = None,
    ):
        if not racers:
            raise SettingsError("racers", "a run needs at least one optimizer")
        self.problem = problem
        self.problem_spec = dict(problem_spec or {})  # how the problem was built (engine.build), for replays
        # Live changes kept for replays (None: all). Past it the run still takes every change, but only counts it,
        # so a run changed without end holds bounded memory (and can no longer be replayed exactly).
        self.event_cap = event_cap
        self._info: dict[str, Any] | None = None  # problem.info(), computed on first use
        self.seed = seed
        self.race = race or len(racers) > 1
        self.stop = check_settings(STOP_SETTINGS, stop or {}, prefix="stop.")
        start = problem.default_start() if start is None else np.asarray(start, dtype=np.float64)
        if start.shape != (problem.dim,) or not np.all(np.isfinite(start)):
            raise SettingsError("start", f"must be {problem.dim} finite numbers")
        self.start = start.copy()
        self.playing = False
        self._seeds = np.random.SeedSequence(seed)
        self.racers: list[Racer] = []
        for i, spec in enumerate(racers):
            self._new_racer(check_racer(spec, f"racers.{i}." if self.race else "optimizer."))
        self.reset()

    def _new_racer(self, spec: dict[str, Any]) -> Racer:
        rng = np.random.default_rng(self._seeds.spawn(1)[0])
        r = Racer(spec=spec, history=self._history(), rng=rng)
        resolve_box(r.spec, self.problem, self.start)
        self.racers.append(r)
        return r

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
            r.t, r.status, r.stop_reason, r.perm, r.pos, r.extra, r.ahead = 0, "ready", None, None, 0, {}, None
            r.examples = 0
            r.rng = np.random.default_rng(self._seeds.spawn(1)[0])
            r.history = self._history()
        self.theta = np.repeat(self.start[None], K, axis=0)  # (K, d)
        self.loss, self.grad = self._evaluate(self.theta)
        self.loss0 = self.loss.copy()
        self._blowup = DIVERGENCE_FACTOR * np.maximum(np.abs(self.loss0), 1e-12)
        self.prev_loss = np.full(K, np.nan)
        self.trajectory: list[tuple[int, np.ndarray]] = []
        self._stride = 1
        self._regroup([OPTIMIZERS[r.spec["name"]].init(self.theta[i : i + 1], self.loss[i : i + 1])
                       for i, r in enumerate(self.racers)])
        for i, r in enumerate(self.racers):
            r.history.append(0, float(self.loss[i]), _norm(self.grad[i]), np.nan, self.theta[i])
            self._check_stop(i)
        self._set_active()
        self._snapshot(0)

    def _history(self) -> History:
        """An empty history; it counts examples used when the problem has training data."""
        return History(self.problem.dim, counts_examples=self.problem.n_train is not None)

    def _regroup(self, states: list[State]) -> None:
        self._groups: list[Group] = regroup(self.racers, states, self.problem)
        self._restacked()

    def _restack(self) -> None:
        restack(self._groups, self.racers, self.problem)
        self._restacked()

    def _restacked(self) -> None:
        n = self.problem.n_train
        self._minibatch = any(uses_batches(r, n) for r in self.racers)
        self._set_active()

    def racer_states(self) -> list[State]:
        """Each racer's optimiser state (copies)."""
        return racer_states(self._groups, len(self.racers))

    _racer_states = racer_states

    def opt_state(self, i: int) -> dict[str, list[float]]:
        """Racer i's optimiser state entries worth drawing (momentum buffers, first moments)."""
        return opt_state(self._groups, i)

    def _evaluate(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):
            return self.problem.loss_grad(theta)

    def _batch(self, r: Racer) -> np.ndarray | None:
        """The next mini-batch of example indices for racer r (drawn), None for the full batch."""
        return next_batch(r, self.problem.n_train)

    def peek_batch(self, racer: int, k: int = 1) -> np.ndarray | None:
        """The k-th mini-batch racer `racer` would use from now (1: the next), without drawing it."""
        return peek_batches(self.racers[racer], self.problem.n_train, k)[k - 1]

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

    def _gradients(self, theta: np.ndarray, active: list[bool]) -> tuple[np.ndarray, dict[int, float], dict[int, int]]:
        """The gradient each racer steps on (its mini-batch's where it has one), those batches' J and sizes."""
        g = self.grad
        batch_loss: dict[int, float] = {}
        sizes: dict[int, int] = {}
        if not self._minibatch:
            return g, batch_loss, sizes
        g = g.copy()
        n = self.problem.n_train
        for i, r in enumerate(self.racers):
            idx = next_batch(r, n) if active[i] else None
            ahead, r.ahead = r.ahead, None
            if idx is None:
                continue
            if ahead is not None and np.array_equal(ahead[0], idx):  # computed at this θ by the last step
                bl, bg = ahead[1], ahead[2]
            else:
                bl, bg = self.problem.loss_grad(theta[i : i + 1], idx)
            g[i] = bg[0]
            batch_loss[i] = float(bl[0])
            sizes[i] = len(idx)
        return g, batch_loss, sizes

    def _evaluate_at(self, theta: np.ndarray, batch_loss: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
        """J and ∇J to record at the new θ: the full ones, unless every racer steps on mini-batches of a problem
        whose full J is costly: then J is each batch's and ∇J the next batch's, at the new θ (and the next step
        uses that gradient, so nothing is computed twice)."""
        if self.problem.cheap_full_eval or len(batch_loss) < len(self.racers):
            loss, grad = self.problem.loss_grad(theta)
            for i, value in ([] if self.problem.cheap_full_eval else batch_loss.items()):
                loss[i] = value
            return loss, grad
        loss = np.array([batch_loss[i] for i in range(len(self.racers))], dtype=np.float64)
        grad = np.empty_like(theta)
        for i, r in enumerate(self.racers):
            idx = peek_batches(r, self.problem.n_train)[0]
            assert idx is not None
            bl, bg = self.problem.loss_grad(theta[i : i + 1], idx)
            r.ahead = (idx, bl, bg)
            grad[i] = bg[0]
        return loss, grad

    def _step_once(self) -> int:
        self.clock += 1
        active = self._active
        all_active = self._all_active
        racers = self.racers
        theta = self.theta
        g, batch_loss, sizes = self._gradients(theta, active)
        n_train = self.problem.n_train
        new_theta, records = step_groups(self._groups, racers, theta, g, active, all_active)
        loss, grad = (self.problem.loss_grad(new_theta) if not batch_loss else self._evaluate_at(new_theta, batch_loss))
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
            if n_train is not None:  # a full-batch update (and a guess, J over all of them) uses every example
                r.examples += sizes.get(i, n_train)
            if r.status == "ready":
                r.status = "paused"
            li, gi = L[i], GN[i]
            if not (math.isfinite(li) and math.isfinite(gi) and math.isfinite(S[i])):
                self._diverge(i, "J or θ became non-finite")
                kept, changed = False, True
                continue
            r.history.append(r.t, li, gi, r.lr_used, T[i],
                             None if guess is None else guess[i],
                             None if guess is None else float(records["guess_loss"][i]), r.examples)
            # A quick look first (this loop is hot); check_stop decides.
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
                        self._diverge(i, f"J grew past 10⁶ × its starting value ({fmt(self.loss0[i])})")
                    else:
                        self._check_stop(i)
            self._set_active()
        t = racers[0].t if len(racers) == 1 else max(r.t for r in racers)
        if t % self._stride == 0:
            self._snapshot(t)
        return taken

    def _set_active(self) -> None:
        self._active = [r.active for r in self.racers]
        self._all_active = all(self._active)

    def _diverge(self, i: int, why: str) -> None:
        r = self.racers[i]
        r.status = "diverged"
        r.stop_reason = divergence(r.t, why, r.lr_used, r.spec["name"], self.problem.max_stable_lr())

    def _check_stop(self, i: int) -> None:
        """Apply the stopping tests to racer i at its current step."""
        r = self.racers[i]
        if r.status == "diverged":
            return
        uses_grad = OPTIMIZERS[r.spec["name"]].uses_gradient
        reason = check_stop(self.stop, r.t, float(self.loss[i]), float(self.prev_loss[i]), _norm(self.grad[i]),
                            uses_grad)
        if reason is not None:
            r.status, r.stop_reason = status_after(reason, r.t), reason
        elif r.status in ("converged", "stopped"):
            r.status, r.stop_reason = status_after(None, r.t), None

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
            states = self.racer_states()
            r.spec = spec
            resolve_box(r.spec, self.problem, self.start)
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
            resolve_box(r.spec, self.problem, self.start)
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
        states = self.racer_states()
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
        states = self.racer_states()
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
            "examples": r.examples if self.problem.n_train is not None else None,  # training examples used so far
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
            out["opt_state"] = self.opt_state(i)
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
        """The whole run as JSON-ready types: run-level fields and `racers`, one state per racer (a single run too)."""
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
        return out

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
