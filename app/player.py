"""One Player per run: every change to a run goes through it, and it streams the run to its watchers.

The play loop ticks at the server's pace (`frame_hz`, lower while the server is busy: app/pacing.py): each
tick takes the steps due (speed × elapsed time, fractions carried over) in chunks bounded by the tick's time
budget, so the event loop is never blocked for longer than about one frame and every playing run gets a fair
share of stepping time; if the engine cannot keep up, the run simply plays as fast as it can. Messages from
clients are handled between ticks (one asyncio thread), so a `set` takes effect on the next step.

Each watching websocket is a `Client` (app/client.py) with its own cursor into the history.

On a network run, `net` holds the latest weights and grids every watcher shares (app/netview.py) and
`grids` keeps them fresh, within a time budget (app/grids.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from app.client import Client
from app.errors import RequestError
from app.grids import GridKeeper
from app.netview import NetView
from app.pacing import Pacer
from app.settings import Settings
from app.stepping import TICK_BUDGET, records_between, server_stop, step_slice
from app.views import message, racer_status, records, run_state, status
from engine.network import NetworkProblem
from engine.run import Run
from engine.settings import SettingsError

log = logging.getLogger(__name__)

MAX_CATCH_UP = 0.25  # after a stall, make up at most this many seconds of steps


class Player:
    """The run's controller: steps, live changes, play/pause, and its watching clients."""

    def __init__(self, run_id: str, run: Run, settings: Settings, pacer: Pacer | None = None,
                 full: Callable[[], str | None] = lambda: None):
        self.id = run_id
        self.run = run
        self.settings = settings
        self.pacer = pacer or Pacer(settings.frame_hz)
        self.full = full  # why the server takes no more steps now (its memory for histories is spent), or None
        self.lock = asyncio.Lock()  # held while stepping, so REST steps and the play loop never interleave
        self.clients: list[Client] = []
        self.task: asyncio.Task[None] | None = None
        self.speed = 30.0
        self._per_step: float | None = None  # seconds per step, learned while stepping (None: not yet)
        self._state: dict[str, Any] | None = None
        self._sig = self._signature()
        self.status_count = 0  # status messages broadcast so far
        self.closed = False  # the run was deleted, expired or the server is going down: a long step ends early
        self.net = NetView(run) if isinstance(run.problem, NetworkProblem) else None
        self.grids = GridKeeper(self, self.net) if self.net is not None else None

    # ----- reading ----------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        """The play loop is running."""
        return self.task is not None and not self.task.done()

    def state(self) -> dict[str, Any]:
        """The run's state with its id (cached until the next change)."""
        if self._state is None:
            self._state = {"id": self.id, **run_state(self.run, self.playing)}
        return self._state

    def status_message(self) -> dict[str, Any]:
        """{"type": "status", ...}: the run's status in words and each racer's."""
        run = self.run
        racers = [{"status": racer_status(run, i, self.playing), "stop_reason": r.stop_reason}
                  for i, r in enumerate(run.racers)]
        return {
            "type": "status",
            "status": status(run, self.playing),
            "message": message(run, self.playing),
            "t": run.t,
            "racers": racers,
        }

    def _signature(self) -> tuple[Any, ...]:
        run, playing = self.run, self.playing
        return (status(run, playing), tuple(racer_status(run, i, playing) for i in range(len(run.racers))))

    @staticmethod
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

    # ----- notifying ---------------------------------------------------------------------------------
    def changed(self) -> None:
        """The run changed: frames are due, and a status message if any status changed."""
        self._state = None
        for c in self.clients:
            c.mark_dirty()
        if self.grids is not None:
            self.grids.poke()
        sig = self._signature()
        if sig != self._sig:
            self._sig = sig
            self.status_count += 1
            self.broadcast(self.status_message(), flush=True)

    def broadcast(self, msg: dict[str, Any], flush: bool = False) -> None:
        """Queue a message for every client."""
        for c in self.clients:
            c.push(msg, flush)

    async def attach(self, client: Client) -> None:
        """A new watcher: it gets a hello with the state and the latest steps (at most hello_steps)."""
        async with self.lock:
            run = self.run
            counts = [r.history.n for r in run.racers]
            starts, dropped = self.tail([0] * len(counts), counts, self.settings.hello_steps)
            steps = await records_between(run, starts, counts)
            client.cursor = counts
            hello: dict[str, Any] = {"type": "hello", "state": self.state(), "steps": steps}
            if dropped:
                hello["dropped"] = dropped
            if self.grids is not None:
                await self.grids.compute([client])
                client.add_views(hello, grids=True)
            self.clients.append(client)
            client.push(hello)
        if self.grids is not None:
            self.grids.start()

    def detach(self, client: Client) -> None:
        """A watcher left; the last one to leave a playing run stops it (synchronous: safe under cancellation)."""
        if client in self.clients:
            self.clients.remove(client)
        if not self.clients and self.playing:
            self.pause()
        if self.grids is not None:
            self.grids.poke()  # its task ends when nobody watches

    def close_all(self, code: int, reason: str) -> None:
        """Stop playing and close every watcher's socket after what is queued for it."""
        self._stop_task()
        self.closed = True
        if self.grids is not None:
            self.grids.stop()
        for c in self.clients:
            c.close(code, reason)

    # ----- play / pause -------------------------------------------------------------------------------
    def play(self, speed: float) -> bool:
        """Play at `speed` steps/s; False (nothing started) when every racer has finished."""
        if not 0 < speed <= self.settings.max_speed:
            raise SettingsError("speed", f"must be > 0 and ≤ {self.settings.max_speed:g} steps per second, got {speed}")
        self._check_room()
        self.speed = float(speed)
        if not any(r.active for r in self.run.racers):
            return False
        if not self.playing:
            self.task = asyncio.create_task(self._loop(), name=f"play {self.id[:8]}")
        self.changed()
        return True

    def _check_room(self) -> None:
        """503 when the server takes no more steps (its memory for step records is spent)."""
        full = self.full()
        if full is not None:
            raise RequestError((), full, status_code=503)

    def pause(self) -> None:
        """Stop playing (the steps already taken stay)."""
        self._stop_task()
        self.changed()

    def _stop_task(self) -> None:
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        self.task = None

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        last = next_tick = loop.time()
        carry = 0.0
        pacer = self.pacer
        pacer.playing += 1
        try:
            while self.task is asyncio.current_task():  # pause (or a new play loop) replaces it
                tick = 1.0 / pacer.hz
                next_tick = max(next_tick + tick, loop.time() + tick / 4)
                await asyncio.sleep(next_tick - loop.time())
                now = loop.time()
                due = min(self.speed * (now - last), self.speed * MAX_CATCH_UP) + carry
                last = now
                k = int(due)
                carry = due - k
                if not k:
                    continue
                full = self.full()
                if full is not None:  # the server's memory for histories is spent: stop, and say why
                    self.task = None
                    self.broadcast({"type": "error", "message": full, "field": None, "to": None}, flush=True)
                    self.changed()
                    break
                async with self.lock:
                    if self.task is not asyncio.current_task():
                        break
                    began = loop.time()
                    done, self._per_step = await step_slice(self.run, k, pacer.tick_budget(), self._per_step)
                    pacer.ticked(loop.time() - began)
                if done < k:
                    carry = 0.0  # the engine cannot keep up: play as fast as it can
                if not any(r.active for r in self.run.racers):
                    self.task = None  # every racer has finished: the loop ends (and the status says so)
                self.changed()
        except Exception as exc:  # a bug in the engine: stop playing and say so, rather than die silently
            log.exception("play loop of run %s failed", self.id[:8])
            if self.task is asyncio.current_task():
                self.task = None
            self.broadcast({"type": "error", "message": f"the run stopped: internal error ({type(exc).__name__})",
                            "field": None, "to": None}, flush=True)
            self.changed()
        finally:
            pacer.playing -= 1
            if self.task is asyncio.current_task():
                self.task = None

    # ----- changes (REST and websocket alike) ------------------------------------------------------------
    async def step(self, n: int) -> list[dict[str, Any]]:
        """Take n steps now (in time-bounded slices, yielding between them); returns the new step records.

        503 when the server holds max_history_rows step records; fewer than n steps when it fills meanwhile."""
        limit = self.settings.max_steps_per_request
        if not 1 <= n <= limit:
            raise SettingsError("n", f"must be between 1 and {limit:,}, got {n}")
        self._check_room()
        async with self.lock:
            cursor = [r.history.n for r in self.run.racers]
            left = n
            while left > 0:
                if self.full() is not None or self.closed:  # no memory left for step records, or the run is gone
                    break
                done, self._per_step = await step_slice(self.run, left, TICK_BUDGET, self._per_step)
                left -= done
                if not any(r.active for r in self.run.racers):
                    break
                if left > 0:
                    self.changed()
                    await asyncio.sleep(0)
            records = await records_between(self.run, cursor, [r.history.n for r in self.run.racers])
        self.changed()
        return records

    async def history(self, racers: list[int]) -> list[dict[str, Any]]:
        """Every step record of the given racers (built without blocking the event loop for long)."""
        async with self.lock:
            counts = [r.history.n if i in racers else 0 for i, r in enumerate(self.run.racers)]
            return await records_between(self.run, [0] * len(counts), counts)

    async def set(self, optimizer: dict[str, Any] | None, stop: dict[str, Any] | None, racer: int = 0) -> None:
        """Change a racer's optimiser settings and/or the stopping tests; both are checked before either applies."""
        async with self.lock:
            self.run.change(optimizer, server_stop(stop, self.settings), racer)
        self.changed()

    async def reset(self, params: list[float] | None) -> None:
        """Start again (and stop playing); watchers get a reset message with the t = 0 steps."""
        async with self.lock:
            self._stop_task()
            for c in self.clients:
                c.flush()
            self.run.reset(params)
            if self.net is not None and self.grids is not None:
                self.net.epoch += 1
                await self.grids.compute(self.clients)
        self._state = None
        steps, counts = records(self.run)
        for c in self.clients:
            c.cursor = list(counts)
            c.dirty = False
            msg = {"type": "reset", "state": self.state(), "steps": steps}
            c.add_views(msg, grids=True)
            c.push(msg)
        self.changed()

    async def add_racer(self, spec: dict[str, Any], field: str = "racer") -> int:
        """Add a racer at the run's start; returns its index. Errors name `field` (the request's own name)."""
        if len(self.run.racers) >= self.settings.max_racers:
            raise SettingsError(field or "racers", f"a run holds at most {self.settings.max_racers} racers")
        async with self.lock:
            for c in self.clients:
                c.flush()
            n = len(self.run.racers)
            try:
                i = self.run.add_racer(spec)
            except SettingsError as exc:
                raise _renamed(exc, f"racers.{n}", field) from None
        for c in self.clients:
            c.cursor.append(0)
        self._state = None
        self.broadcast({"type": "racers", "action": "added", "racer": i, "state": self.state()})
        self.changed()
        return i

    async def remove_racer(self, i: int) -> None:
        """Remove racer i (later racers move down one index)."""
        async with self.lock:
            for c in self.clients:
                c.flush()
            self.run.remove_racer(i)
            if self.net is not None:
                self.net.epoch += 1  # racer 0 may be another racer now
        for c in self.clients:
            if i < len(c.cursor):
                del c.cursor[i]
        self._state = None
        self.broadcast({"type": "racers", "action": "removed", "racer": i, "state": self.state()})
        self.changed()

    def subscribed(self, client: Client) -> None:
        """A client changed what it wants: its frames (and grids) follow its new choice at once."""
        client.mark_dirty()
        if self.grids is not None:
            self.grids.poke()


def _renamed(exc: SettingsError, old: str, new: str) -> SettingsError:
    """The same error with its field's prefix `old` replaced by `new`."""
    if not exc.field.startswith(old):
        return exc
    rest = exc.field[len(old):].lstrip(".")
    return SettingsError(".".join(p for p in (new, rest) if p) or "racers", exc.message)
