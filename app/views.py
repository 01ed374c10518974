"""The page-shaped views of a run: its state, each racer's, its status in words and its step records (JSON types).

The engine's Run holds numbers (θ, J, ∇J, racers, histories); these functions turn them into the messages the
API and the page read. Whether a run is playing is the app's to know (app/live/player.py `Player.playing`), so
every view that says "running" takes it as an argument.
"""

from __future__ import annotations

from typing import Any

from engine.run import Run
from engine.schedules import scheduled_lr
from engine.stopping import grad_norm


def status(run: Run, playing: bool) -> str:
    """ready, running, paused, or (all racers done) converged / diverged / stopped."""
    if playing and any(r.active for r in run.racers):
        return "running"
    return run.status


def racer_status(run: Run, i: int, playing: bool) -> str:
    """Racer i's status: running while the run plays and the racer still steps, else its own."""
    r = run.racers[i]
    return "running" if playing and r.active else r.status


def message(run: Run, playing: bool) -> str:
    """The run's status in words, e.g. "converged: ‖∇J‖ ≤ 1e-6 at t = 87"."""
    if not run.race:
        r = run.racers[0]
        if r.stop_reason:
            return str(r.stop_reason["message"])
        if playing:
            return f"running, t = {r.t}"
        return {"ready": "ready", "paused": f"paused at t = {r.t}"}.get(r.status, r.status)
    done = sum(not r.active for r in run.racers)
    return f"{status(run, playing)}: {done} of {len(run.racers)} racers finished"


def metrics(run: Run, i: int) -> dict[str, Any]:
    """A network racer's train/test loss and accuracy at its θ ({} for other problems): one forward pass over
    the data, cached on the racer until it steps or is reset."""
    figures = getattr(run.problem, "metrics", None)
    if figures is None:
        return {}
    r = run.racers[i]
    key = (i, r.t, id(r.history))
    if r.extra.get("metrics_key") != key:
        r.extra["metrics"], r.extra["metrics_key"] = figures(run.theta[i]), key
    return dict(r.extra["metrics"])


def racer_state(run: Run, i: int, playing: bool) -> dict[str, Any]:
    """One racer's state: t, the training examples its updates used (None without data), J, ‖∇J‖, status,
    optimiser, the γ of its next update; θ, ∇J and the optimiser state on problems of up to 16 parameters; a
    network's train/test figures."""
    r = run.racers[i]
    grad = run.grad[i]
    out: dict[str, Any] = {
        "t": r.t,
        "examples": r.examples if run.problem.n_train is not None else None,  # training examples used so far
        "loss": float(run.loss[i]),
        "grad_norm": grad_norm(grad),
        "status": racer_status(run, i, playing),
        "stop_reason": r.stop_reason,
        "optimizer": dict(r.spec),
        "lr": scheduled_lr(r.spec.get("lr", 0.0), r.t, r.spec["schedule"]) if "lr" in r.spec else None,
    }
    out.update(metrics(run, i))
    if run.problem.dim <= 16:
        out["params"] = run.theta[i].tolist()
        out["grad"] = grad.tolist()
        out["opt_state"] = run.opt_state(i)
    if r.spec["name"] == "random_search" and r.history.guess is not None and r.history.n > 1:
        out["last_guess"] = r.history.guess[r.history.n - 1].tolist()
    return out


def run_state(run: Run, playing: bool) -> dict[str, Any]:
    """The whole run: run-level fields and `racers`, one state per racer (a single run too)."""
    info = run.info
    return {
        "t": run.t,
        "status": status(run, playing),
        "message": message(run, playing),
        "race": run.race,
        "seed": run.seed,
        # A network's start is every initial weight: too big for each frame (GET /network, /export have it).
        "start": run.start.tolist() if run.problem.dim <= 16 else None,
        "stop": dict(run.stop),
        "problem": info,
        "minimum": info.get("minimum"),
        "max_stable_lr": info.get("max_stable_lr"),
        "racers": [racer_state(run, i, playing) for i in range(len(run.racers))],
    }


def records(run: Run, cursor: list[int] | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """Step records since `cursor` (rows per racer) and the new cursor."""
    cursor = cursor or [0] * len(run.racers)
    out: list[dict[str, Any]] = []
    new = []
    for i, r in enumerate(run.racers):
        start = cursor[i] if i < len(cursor) else 0
        out.extend(r.history.records(start, racer=i))
        new.append(r.history.n)
    return out, new
