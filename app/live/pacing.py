"""The server's pace under load: a tick rate for every play loop and frame-rate cap for every websocket, lowered
while the process is busy, and a fair share of stepping time for each playing run.

The server is one Python process: one core at most (its threads share one GIL). Every PERIOD seconds the pacer
measures the share of wall time the process spent on the CPU. Above BUSY it first lowers the rate (× DOWN, down
to MIN_HZ frames a second), then, at that floor, the share of time runs may spend stepping (likewise, down to
MIN_SHARE): a busy server sends fewer, fuller frames (a frame costs about the same whatever it carries) and
then plays runs more slowly than asked, so every watcher still gets at least MIN_HZ frames a second, each with
every step. Below IDLE it gives the stepping share back first (up to STEP_SHARE), then the rate (up to the
server's frame_hz).

Stepping is shared fairly: one play tick steps for at most min(TICK_BUDGET, share / (runs playing × rate))
seconds, so all playing runs together step for at most `share` of wall time and the rest stays free for frames
and REST requests: a run alone on an idle server steps half the time (16 ms of each 33 ms frame), and TICK_BUDGET
bounds a tick however slow the rate. A run that asks more than its share plays more slowly than asked (as fast
as it can): its steps are all there, only fewer a second.
"""

from __future__ import annotations

import asyncio
import time

from app.live.stepping import TICK_BUDGET

PERIOD = 0.5  # seconds between measurements
PROBE = 0.02  # seconds between looks at the event loop's lag
BUSY = 0.92  # CPU share above which the rate goes down
IDLE = 0.8  # CPU share below which it goes up again
DOWN, UP = 0.8, 1.05  # factors of one adjustment: down fast, up slowly (no long spells of overload)
MIN_HZ = 12.0  # frames (and play ticks) per second, at least (10 a second is promised: some headroom)
STEP_SHARE = 0.5  # of wall time, all playing runs' stepping together (at most)
MIN_SHARE = 0.1  # ... and at least, however busy the server


class Pacer:
    """The server's current rate (ticks and frames per second) and each play tick's stepping budget."""

    def __init__(self, max_hz: float):
        self.max_hz = float(max_hz)
        self.min_hz = min(MIN_HZ, self.max_hz)
        self.hz = self.max_hz
        self.share = STEP_SHARE  # of wall time, all playing runs' stepping together
        self.playing = 0  # play loops running now
        self.busy = 0.0  # the last measured CPU share
        self.lag = 0.0  # the event loop's worst lateness over the last period, seconds
        self.tick = 0.0  # the longest play tick (stepping, holding the loop) over the last period, seconds
        self._tick = 0.0  # ... over the period under way

    def ticked(self, seconds: float) -> None:
        """A play tick held the event loop this long."""
        self._tick = max(self._tick, seconds)

    def tick_budget(self) -> float:
        """Seconds of stepping one play tick may take now."""
        return min(TICK_BUDGET, self.share / (max(1, self.playing) * self.hz))

    def update(self, busy: float) -> float:
        """Adjust the rate, then the stepping share, to a measured CPU share (0 to 1); returns the new rate."""
        self.busy = busy
        if busy > BUSY:
            if self.hz > self.min_hz:
                self.hz = max(self.min_hz, self.hz * DOWN)
            else:
                self.share = max(MIN_SHARE, self.share * DOWN)
        elif busy < IDLE:
            if self.share < STEP_SHARE:
                self.share = min(STEP_SHARE, self.share * UP)
            else:
                self.hz = min(self.max_hz, self.hz * UP)
        return self.hz

    async def watch(self) -> None:
        """Measure the process's CPU share every PERIOD seconds and adjust (the app's lifespan runs this);
        meanwhile wake every PROBE seconds to see how late the event loop lets a timer fire (`lag`: the worst of
        the last period, what any waiting request or frame may have waited on top of its own work)."""
        loop = asyncio.get_running_loop()
        # The whole process, not only the loop's thread: work FastAPI hands to worker threads takes the same GIL.
        wall, cpu = time.monotonic(), time.process_time()
        worst = 0.0
        while True:
            due = loop.time() + PROBE
            await asyncio.sleep(PROBE)
            worst = max(worst, loop.time() - due)
            wall1 = time.monotonic()
            if wall1 - wall < PERIOD:
                continue
            cpu1 = time.process_time()
            self.update((cpu1 - cpu) / max(wall1 - wall, 1e-6))
            self.lag, worst = worst, 0.0
            self.tick, self._tick = self._tick, 0.0
            wall, cpu = wall1, cpu1
