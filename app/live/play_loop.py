"""A run's play loop: it ticks at the server's pace and takes the steps due, within each tick's time budget.

Each tick (`frame_hz` a second, lower while the server is busy: app/live/pacing.py) takes the steps due
(speed × elapsed time, fractions carried over) in chunks bounded by the tick's budget, so the event loop is
never held for longer than about one frame and every playing run gets a fair share of stepping time; if the
engine cannot keep up, the run simply plays as fast as it can. The run plays while this task runs (the one
place that says so: the player's `playing`); the player (app/live/player.py) starts and stops it and hears of
every change through `changed`; `say` tells the watchers why it stopped, when it stopped on its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from app.live.pacing import Pacer
from app.live.stepping import step_slice
from engine.run import Run

log = logging.getLogger(__name__)

MAX_CATCH_UP = 0.25  # after a stall, make up at most this many seconds of steps


class PlayLoop:
    """The task that plays one run, and the seconds per step it has learned (REST steps share the measure)."""

    def __init__(self, name: str, run: Run, lock: asyncio.Lock, pacer: Pacer, full: Callable[[], str | None],
                 changed: Callable[[], None], say: Callable[[str], None]):
        self.name = name
        self.run = run
        self.lock = lock  # the run's lock: held while stepping
        self.pacer = pacer
        self.full = full  # why the server takes no more steps now, or None
        self.changed = changed
        self.say = say
        self.speed = 30.0
        self.task: asyncio.Task[None] | None = None
        self.per_step: float | None = None  # seconds per step, learned while stepping (None: not yet)

    @property
    def running(self) -> bool:
        """The task is running."""
        return self.task is not None and not self.task.done()

    async def slice(self, n: int, budget: float) -> int:
        """One time slice of up to n step rounds (call it holding the lock); returns the rounds done."""
        done, self.per_step = await step_slice(self.run, n, budget, self.per_step)
        return done

    def start(self) -> None:
        """Play (a loop already running keeps running)."""
        if not self.running:
            self.task = asyncio.create_task(self._loop(), name=f"play {self.name[:8]}")

    def stop(self) -> None:
        """Cancel the task, unless it is the one asking (it then ends by itself)."""
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        self.task = None

    def _halt(self, why: str) -> None:
        """Stop playing from inside the loop, and say why."""
        if self.task is asyncio.current_task():
            self.task = None
        self.say(why)
        self.changed()

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
                    self._halt(full)
                    break
                async with self.lock:
                    if self.task is not asyncio.current_task():
                        break
                    began = loop.time()
                    done = await self.slice(k, pacer.tick_budget())
                    pacer.ticked(loop.time() - began)
                if done < k:
                    carry = 0.0  # the engine cannot keep up: play as fast as it can
                if not any(r.active for r in self.run.racers):
                    self.task = None  # every racer has finished: the loop ends (and the status says so)
                self.changed()
        except Exception as exc:  # a bug in the engine: stop playing and say so, rather than die silently
            log.exception("play loop of run %s failed", self.name[:8])
            self._halt(f"the run stopped: internal error ({type(exc).__name__})")
        finally:
            pacer.playing -= 1
            if self.task is asyncio.current_task():
                self.task = None
