"""What a watching client sees of a run: counts, step records since its cursor, the state, the status, the views.

The player owns the run and hands each client this narrow feed (app/live/player.py makes one per run), so a
client (app/live/client.py) reads the run without being able to change it, and never sees the player. The
state is built once per change (`changed()` forgets it) and shared by every watcher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.live.netview import NetView
from app.live.pacing import Pacer
from app.settings import Settings
from app.views import message, racer_status, run_state, status
from engine.network import NetworkProblem
from engine.run import Run


def tail(cursor: list[int], counts: list[int], cap: int) -> tuple[list[int], int]:
    """Where to start reading each racer's history so at most `cap` records are read; and how many are skipped."""
    pending = [max(0, c - s) for s, c in zip(cursor, counts, strict=True)]
    total = sum(pending)
    if total <= cap:
        return [min(s, c) for s, c in zip(cursor, counts, strict=True)], 0
    keep = [cap * p // total for p in pending]  # in proportion to what each racer has pending, exactly cap
    for i in sorted(range(len(pending)), key=lambda i: pending[i] - keep[i], reverse=True)[: cap - sum(keep)]:
        keep[i] += 1
    return [c - k for c, k in zip(counts, keep, strict=True)], total - sum(keep)


class Feed:
    """A read-only window on one run for its watchers: what they are sent, and at what pace at most."""

    def __init__(self, run_id: str, run: Run, settings: Settings, pacer: Pacer, playing: Callable[[], bool]):
        self.id = run_id
        self._run = run
        self._pacer = pacer
        self._playing = playing  # the player's: the one place that knows whether the run plays
        self.frame_hz = float(settings.frame_hz)  # frames per second a client may ask for at most
        self.max_pending_steps = settings.max_pending_steps  # step records a frame carries at most
        self.net = NetView(run) if isinstance(run.problem, NetworkProblem) else None  # a network's shared views
        self._state: dict[str, Any] | None = None

    @property
    def hz(self) -> float:
        """The server's pace now: frames per second at most, lower while it is busy (app/live/pacing.py)."""
        return self._pacer.hz

    def changed(self) -> None:
        """The run changed: the next state is built afresh."""
        self._state = None

    def state(self) -> dict[str, Any]:
        """The run's state with its id (built once per change)."""
        if self._state is None:
            self._state = {"id": self.id, **run_state(self._run, self._playing())}
        return self._state

    def counts(self) -> list[int]:
        """Step records each racer's history holds."""
        return [r.history.n for r in self._run.racers]

    def records(self, cursor: list[int], cap: int) -> tuple[list[dict[str, Any]], list[int], int]:
        """(the step records since `cursor`, at most `cap` of them, the newest; the new cursor; how many were
        skipped). Synchronous and short (a frame's worth: call it between steps)."""
        counts = self.counts()
        cursor = (cursor + [0] * len(counts))[: len(counts)]
        starts, dropped = tail(cursor, counts, cap)
        steps: list[dict[str, Any]] = []
        for i, r in enumerate(self._run.racers):
            if starts[i] < counts[i]:
                steps.extend(r.history.records(starts[i], counts[i], racer=i))
        return steps, counts, dropped

    def signature(self) -> tuple[Any, ...]:
        """The run's and every racer's status: a status message is due when it changes."""
        run, playing = self._run, self._playing()
        return (status(run, playing), tuple(racer_status(run, i, playing) for i in range(len(run.racers))))

    def status(self) -> dict[str, Any]:
        """The fields of a status message: the run's status in words and each racer's."""
        run, playing = self._run, self._playing()
        racers = [{"status": racer_status(run, i, playing), "stop_reason": r.stop_reason}
                  for i, r in enumerate(run.racers)]
        return {"status": status(run, playing), "message": message(run, playing), "t": run.t, "racers": racers}
