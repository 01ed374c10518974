"""The grid task of a network run (app/live/grids.py) keeps its times on the event loop's clock: run on the
virtual-time loop of tests/app/clock.py, it waits for a watcher's next frame and for its own time budget in
virtual seconds."""

from __future__ import annotations

import asyncio
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor

from app.live.grids import GridKeeper
from app.live.netview import GRID_SHARE, View
from tests.app.clock import VirtualTimeLoop

VIEW: View = ("grid", 10, ("pca",))


class Views:
    """A network's shared views as the grid task sees them: stale until computed, each computation `cost` s."""

    def __init__(self, loop: VirtualTimeLoop, cost: float):
        self.loop, self.cost = loop, cost
        self.fresh = False
        self.computed_at: list[float] = []  # the loop's time at each computation

    def stale(self, wanted: AbstractSet[View]) -> set[View]:
        return set() if self.fresh else set(wanted)

    def compute(self, wanted: AbstractSet[View], keep: AbstractSet[View]) -> float:
        self.computed_at.append(self.loop.now)
        self.fresh = True
        return self.cost


class Watcher:
    def __init__(self, next_frame: float):
        self.next_grid = 0.0
        self.next_frame = next_frame
        self.wake = asyncio.Event()

    def views_wanted(self) -> list[View]:
        return [VIEW]


def run_keeper(next_frame: float, cost: float, computations: int) -> list[float]:
    """The loop times of the first `computations` grid computations for one watcher whose next frame is at
    `next_frame`, each new one asked for (weights moved) as soon as the last is done."""
    loop = VirtualTimeLoop()
    views = Views(loop, cost)

    async def main() -> None:
        keeper = GridKeeper("test", views, asyncio.Lock(), [Watcher(next_frame)])  # type: ignore[arg-type,list-item]
        keeper.start()
        keeper.poke()
        while len(views.computed_at) < computations:
            await asyncio.sleep(0.01)
            if views.fresh:
                views.fresh = False  # the weights moved: the grid is stale again
                keeper.poke()
        keeper.stop()

    def run() -> None:  # in a thread of its own: this thread may hold a running loop (another test's Playwright)
        try:
            loop.run_until_complete(main())
        finally:
            loop.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result(timeout=60)
    return views.computed_at


def test_the_grid_task_waits_for_the_watchers_next_frame_on_the_loops_clock() -> None:
    first = run_keeper(next_frame=5.0, cost=0.0, computations=1)[0]
    assert first >= 5.0 - 1e-6  # not before the frame that will carry it (a frame time is the loop's time)


def test_the_grid_task_keeps_its_time_budget_on_the_loops_clock() -> None:
    cost = 0.5
    times = run_keeper(next_frame=0.0, cost=cost, computations=4)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= cost * (1.0 / GRID_SHARE - 1.0) - 1e-6, gaps
