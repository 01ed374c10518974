"""Class challenges: a goal, a step limit and the settings students may change, made from a teacher's run.

Every attempt is a run of its own built from the challenge's configuration (the teacher's run as it is when the
challenge is made: problem, data, start, seed, optimiser, stopping tests with max_steps = the limit) with the
student's allowed settings, chosen when the attempt starts; everything else is locked by the server.

Goals, and an attempt's score:
- `fewest_steps`: the first t at which J ≤ target (fewer is better);
- `largest_lr`: the learning rate, once the attempt has converged (larger is better);
- `best_accuracy`: the test accuracy (train accuracy without a test set) at t = limit (higher is better).
The board lists scored attempts first, best first, then the others, furthest first.
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.errors import RequestError
from app.views import metrics, racer_status
from engine.build import build_run, run_config
from engine.optimizers import OPTIMIZERS
from engine.run import Run
from engine.settings import SettingsError

SAVE_EVERY = 5.0  # seconds: a live attempt's figures are written at most this often (at once when its status changes)
WRITE_BACK_EVERY = 1.0  # seconds between two looks at the live attempts' figures (Classroom.write_back_forever)
BOARD_TTL = 0.5  # seconds a board is served from memory (every student's page polls it)
PATH_POINTS = 200  # points of an attempt's path kept in its record (thinned evenly)
SERVED_PATH_POINTS = 2_000  # points of a live attempt's path served for an overlay
GOALS = {
    "fewest_steps": "reach J ≤ {target} in the fewest steps",
    "largest_lr": "converge with the largest learning rate",
    "best_accuracy": "the best test accuracy after {limit} steps",
}
LOWER_IS_BETTER = {"fewest_steps"}


def describe(goal: dict[str, Any], limit: int) -> str:
    """The goal in words."""
    return GOALS[goal["kind"]].format(target=goal.get("target"), limit=f"{limit:,}")


def student_key(name: str) -> str:
    """One student whatever the case, accents' encoding or spacing of the name typed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def challenge_config(run: Run, goal: dict[str, Any], limit: int, allowed: list[str]) -> dict[str, Any]:
    """The configuration every attempt starts from: the run's problem, start and seed, its optimiser as it is now,
    its stopping tests with max_steps = limit. 409 for a run that cannot be one; 422 naming a wrong `allowed`."""
    if len(run.racers) != 1:
        raise RequestError(("path", "run_id"), "a challenge is made from a run of one optimizer, not a race", 409)
    spec = copy.deepcopy(run.racers[0].spec)
    known = [s.name for s in OPTIMIZERS[spec["name"]].settings]
    for i, name in enumerate(allowed):
        if name not in known:
            raise RequestError(("body", "allowed", i), f"{name!r} is not a setting of {spec['name']} "
                               f"(its settings: {', '.join(known)})")
    if goal["kind"] == "largest_lr" and "lr" not in allowed:
        raise RequestError(("body", "allowed"), "the goal is the largest learning rate: students must be allowed "
                           "to change lr")
    if goal["kind"] == "best_accuracy" and metrics(run, 0).get("train_accuracy") is None:
        raise RequestError(("body", "goal", "kind"), "best_accuracy needs a classification network run", 409)
    config = run_config(run)
    config.pop("racers", None)
    config["optimizer"] = spec
    config["stop"] = {**run.stop, "max_steps": limit}
    return config


def attempt_run(config: dict[str, Any], allowed: list[str], settings: dict[str, Any]) -> Run:
    """An attempt's run: the challenge's configuration with the student's settings (only the allowed ones)."""
    for key in settings:
        if key not in allowed:
            locked = "no settings" if not allowed else ", ".join(allowed)
            raise RequestError(("body", "settings", key), f"{key} is locked by this challenge (students may "
                               f"change: {locked})")
    spec = copy.deepcopy(config)
    spec["optimizer"] = {**spec["optimizer"], **settings}
    try:
        return build_run(spec)
    except SettingsError as exc:
        key = exc.field.split(".")[-1]
        loc = ("body", "settings", key) if key in settings else ("body",)
        raise RequestError(loc, exc.message) from None


def chosen(run: Run, allowed: list[str]) -> dict[str, Any]:
    """The allowed settings' values in the attempt's run."""
    spec = run.racers[0].spec
    return {k: spec.get(k) for k in allowed}


def measure(run: Run, goal: dict[str, Any], limit: int, playing: bool = False) -> dict[str, Any]:
    """An attempt's live figures: status (running while `playing`), t, J, accuracy and score (None until it has
    one)."""
    r = run.racers[0]
    figures = metrics(run, 0)
    acc = figures.get("test_accuracy")
    if acc is None:
        acc = figures.get("train_accuracy")
    score: float | None = None
    kind = goal["kind"]
    if kind == "fewest_steps":
        hit = np.flatnonzero(r.history.column("loss") <= goal["target"])
        score = int(r.history.column("t")[hit[0]]) if hit.size else None
    elif kind == "largest_lr":
        score = float(r.spec["lr"]) if r.status == "converged" else None
    elif r.t >= limit and acc is not None:
        score = float(acc)
    loss = float(run.loss[0])
    return {"status": racer_status(run, 0, playing), "t": r.t, "loss": loss if np.isfinite(loss) else None,
            "accuracy": acc, "score": score}


def path(run: Run, points: int) -> list[dict[str, Any]]:
    """The attempt's path, thinned evenly to at most `points` records (the last always kept): t, J, θ."""
    h = run.racers[0].history
    n = h.n
    idx = np.unique(np.linspace(0, n - 1, min(points, n)).round().astype(int)) if n else np.zeros(0, int)
    out: list[dict[str, Any]] = []
    for i in idx.tolist():
        rec = h.records(i, i + 1)[0]
        out.append({k: rec[k] for k in ("t", "loss", "params") if k in rec})
    return out


def ranked(rows: list[dict[str, Any]], goal: dict[str, Any]) -> list[dict[str, Any]]:
    """Board order: scored attempts best first (ties: the earlier), then the rest, furthest first; with ranks."""
    sign = 1.0 if goal["kind"] in LOWER_IS_BETTER else -1.0
    scored = sorted((r for r in rows if r["score"] is not None), key=lambda r: (sign * r["score"], r["created"]))
    rest = sorted((r for r in rows if r["score"] is None), key=lambda r: (-r["t"], r["created"]))
    for i, r in enumerate(scored):
        r["rank"] = i + 1
    for r in rest:
        r["rank"] = None
    return scored + rest


@dataclass
class LiveAttempt:
    """An attempt whose run this server holds."""

    aid: str
    public: str
    challenge: str
    run_id: str
    record: dict[str, Any]  # as stored: name, settings, created and the last figures saved
    saved_sig: tuple[Any, ...] = ()  # (t, status) last written
    saved_at: float = 0.0  # monotonic time of that write
    goal: dict[str, Any] | None = None  # the challenge's (to measure the run by)
    limit: int = 0

    def figures(self, run: Run, now_s: float, playing: bool = False) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The run's figures now, and the record to write back when it is due (at once when the status changed,
        else at most every SAVE_EVERY seconds): None when nothing is to be written."""
        figures = measure(run, self.goal or {}, self.limit, playing)
        sig = (figures["t"], figures["status"])
        status_changed = not self.saved_sig or self.saved_sig[1] != sig[1]
        if sig == self.saved_sig or not (status_changed or now_s - self.saved_at >= SAVE_EVERY):
            return figures, None
        self.record = {**self.record, **figures, "path": path(run, PATH_POINTS)}
        self.saved_sig, self.saved_at = sig, now_s
        return figures, self.record
