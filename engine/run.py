"""A run: one problem and one or more racers, stepped together; live changes, logged for replays.

A plain run is a race of one. Every step round is one vectorised computation over the K racers (engine/rounds.py,
or engine/fastpath.py compiled): the problem evaluates J and ∇J at all K points at once (engine/batches.py: which
gradient each racer steps on, which J and ∇J are recorded), and racers sharing an optimiser step together
(engine/groups.py). Racers, their settings and their mini-batches: engine/racers.py; when a racer stops:
engine/stopping.py. Every live change is logged with the step round (`clock`) it was made at, so a run can be
replayed exactly (engine/build.py). The page-shaped views of a run are the app's (app/views.py).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from engine.fastpath import stepper
from engine.groups import Group, State, opt_state, racer_states, regroup, restack
from engine.history import TRAJECTORY_SNAPSHOTS, History
from engine.optimizers import OPTIMIZERS
from engine.problems import Problem
from engine.racers import Racer, changed_spec, check_racer, peek_batches, racer_index, resolve_box, uses_batches
from engine.rounds import step_round
from engine.settings import SettingsError, check_settings
from engine.stopping import DIVERGENCE_FACTOR, STOP_SETTINGS, check_stop, grad_norm, settle


class Run:
    """Problem + racers + stopping tests; `step(n)` advances every active racer n times."""

    def __init__(self, problem: Problem, racers: list[dict[str, Any]], stop: dict[str, Any] | None = None,
                 seed: int = 0, start: np.ndarray | None = None, race: bool = False,
                 problem_spec: dict[str, Any] | None = None, event_cap: int | None = None):
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
        self._seeds = np.random.SeedSequence(seed)
        self.racers: list[Racer] = []
        for i, spec in enumerate(racers):
            self._new_racer(check_racer(spec, self._prefix(i)))
        self.reset()

    def _prefix(self, i: int) -> str:
        return f"racers.{i}." if self.race else "optimizer."

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
        # A reset is a new beginning for replays: `base` (engine.build.run_config) describes it, the log restarts.
        self.clock = 0  # step rounds taken since the last reset (racers that have stopped do not count)
        self.events: list[dict[str, Any]] = []  # live changes, each with the clock at which it was made
        self.events_dropped = 0  # live changes past event_cap: counted, not kept (no exact replay then)
        self.base: dict[str, Any] = {"specs": copy.deepcopy([r.spec for r in self.racers]), "stop": dict(self.stop),
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
        self.prev_loss = np.full(K, np.nan)
        self._blowup = DIVERGENCE_FACTOR * np.maximum(np.abs(self.loss0), 1e-12)
        self.trajectory: list[tuple[int, np.ndarray]] = []
        self._stride = 1
        self._regroup([OPTIMIZERS[r.spec["name"]].init(self.theta[i : i + 1], self.loss[i : i + 1])
                       for i, r in enumerate(self.racers)])
        for i, r in enumerate(self.racers):
            r.history.append(0, float(self.loss[i]), grad_norm(self.grad[i]), np.nan, self.theta[i])
            self.apply_stop_tests(i)
        self.update_active()
        self._snapshot(0)

    def _history(self) -> History:
        """An empty history; it counts examples used when the problem has training data."""
        return History(self.problem.dim, counts_examples=self.problem.n_train is not None)

    def _regroup(self, states: list[State]) -> None:
        self._groups: list[Group] = regroup(self.racers, states, self.problem)
        self._restacked()

    def _restacked(self) -> None:
        self._minibatch = any(uses_batches(r, self.problem.n_train) for r in self.racers)
        self.update_active()

    def _evaluate(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):
            return self.problem.loss_grad(theta)

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
        """One step round of every active racer (the NumPy reference: engine/rounds.py)."""
        return step_round(self)

    def update_active(self) -> None:
        """Note which racers still step (after their status changed)."""
        self._active = [r.active for r in self.racers]
        self._all_active = all(self._active)

    def apply_stop_tests(self, i: int) -> None:
        """Apply the stopping tests to racer i at its current step."""
        r = self.racers[i]
        fired = check_stop(self.stop, r.t, float(self.loss[i]), float(self.prev_loss[i]), grad_norm(self.grad[i]),
                           OPTIMIZERS[r.spec["name"]].uses_gradient)
        r.status, r.stop_reason = settle(r.status, r.stop_reason, fired, r.t)

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

    def change(self, optimizer: dict[str, Any] | None = None, stop: dict[str, Any] | None = None,
               racer: int = 0) -> None:
        """Change racer `racer`'s settings (or its optimiser, `name`, whose state then starts afresh) and/or the
        stopping tests. Both are checked before either applies; the next step uses them from the current θ."""
        r = self.racer(racer)
        new_stop = None if stop is None else check_settings(STOP_SETTINGS, stop, base=self.stop, prefix="stop.")
        spec = None if optimizer is None else changed_spec(r.spec, optimizer, self._prefix(racer))
        if spec is not None:
            resolve_box(spec, self.problem, self.start)
            self._log("set", racer=racer, optimizer=optimizer)
            if spec["name"] != r.spec["name"]:
                states = self.racer_states()
                states[racer] = OPTIMIZERS[spec["name"]].init(self.theta[racer : racer + 1],
                                                               self.loss[racer : racer + 1])
                r.spec = spec
                self._regroup(states)
            else:
                r.spec = spec
                restack(self._groups, self.racers, self.problem)
                self._restacked()
        if new_stop is not None:
            self.stop = new_stop
            self._log("stop", stop=stop)
            for i, q in enumerate(self.racers):  # racers that stopped on a test that no longer holds resume
                if q.status in ("converged", "stopped"):
                    self.apply_stop_tests(i)
            self.update_active()

    def set_optimizer(self, changes: dict[str, Any], racer: int = 0) -> None:
        """Change a racer's settings, or its optimiser (which starts that racer's optimiser state afresh)."""
        self.change(optimizer=changes, racer=racer)

    def set_stop(self, changes: dict[str, Any]) -> None:
        """Change the stopping tests; racers that had stopped on a test that no longer holds resume."""
        self.change(stop=changes)

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
        r.history.append(0, float(l0[0]), grad_norm(g0[0]), np.nan, self.start)
        self.apply_stop_tests(i)
        self._regroup(states)
        return i

    def remove_racer(self, racer: int) -> None:
        """Remove a racer (a run keeps at least one)."""
        self.racer(racer)
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
    def racer(self, i: int) -> Racer:
        """Racer i; a SettingsError naming `racer` when the run has none (engine.racers.racer_index)."""
        return self.racers[racer_index(self.racers, i)]

    def params(self, i: int) -> np.ndarray:
        """Racer i's θ (a copy)."""
        self.racer(i)
        return self.theta[i].copy()

    def racer_states(self) -> list[State]:
        """Each racer's optimiser state (copies)."""
        return racer_states(self._groups, len(self.racers))

    def opt_state(self, i: int) -> dict[str, list[float]]:
        """Racer i's optimiser state entries worth drawing (momentum buffers, first moments)."""
        return opt_state(self._groups, i)

    def peek_batch(self, racer: int, k: int = 1) -> np.ndarray | None:
        """The k-th mini-batch racer `racer` would use from now (1: the next), without drawing it."""
        return peek_batches(self.racer(racer), self.problem.n_train, k)[k - 1]

    @property
    def t(self) -> int:
        """Steps taken by the racer that has taken the most."""
        return max(r.t for r in self.racers)

    @property
    def status(self) -> str:
        """ready, paused, or (all racers done) converged / diverged / stopped (the app adds running: app/views.py)."""
        if any(r.active for r in self.racers):
            return "ready" if all(r.status == "ready" for r in self.racers) else "paused"
        done = {r.status for r in self.racers}
        return done.pop() if len(done) == 1 else "stopped"

    @property
    def info(self) -> dict[str, Any]:
        """The problem's facts (eigenvalues, minimum, ...): computed once, as a problem never changes once built."""
        if self._info is None:
            self._info = self.problem.info()
        return self._info
