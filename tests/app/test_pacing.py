"""The server's pace under load (app/live/pacing.py): fewer frames a second while busy, never below 10; a fair share
of stepping time per playing run; and the load reported by /api/health."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.live.feed import tail
from app.live.pacing import BUSY, IDLE, MIN_HZ, MIN_SHARE, STEP_SHARE, Pacer
from app.live.stepping import TICK_BUDGET
from app.main import create_app
from app.settings import Settings
from tests.app.clock import VirtualTimeLoop, loop_factory
from tests.app.conftest import StrictClient, new_run, recv, recv_until, wait_for


def test_a_busy_server_sends_fewer_frames_then_steps_less_and_an_idle_one_gives_both_back() -> None:
    pacer = Pacer(30)
    assert pacer.hz == 30 and pacer.share == STEP_SHARE
    rates = [pacer.update(1.0)]
    while pacer.hz > MIN_HZ and len(rates) < 50:
        rates.append(pacer.update(1.0))
    assert rates == sorted(rates, reverse=True) and rates[0] < 30  # the frame rate goes down first
    assert pacer.hz == MIN_HZ and pacer.share == STEP_SHARE  # to the floor, and never below it
    shares = []
    for _ in range(500):
        pacer.update(1.0)
        shares.append(pacer.share)
    assert shares == sorted(shares, reverse=True) and shares[-1] == MIN_SHARE  # then the stepping time
    assert pacer.hz == MIN_HZ
    held = (pacer.hz, pacer.share)
    pacer.update((BUSY + IDLE) / 2)  # between IDLE and BUSY: held
    assert (pacer.hz, pacer.share) == held
    pacer.update(0.1)
    assert pacer.hz == MIN_HZ and pacer.share > MIN_SHARE  # idle: the runs' speed comes back first
    for _ in range(500):
        pacer.update(0.1)
    assert pacer.hz == 30 and pacer.share == STEP_SHARE  # then the frame rate, never above frame_hz
    assert Pacer(5).update(1.0) == 5  # a server set to 5 frames a second stays there


@pytest.mark.parametrize("playing", [0, 1, 2, 10, 100, 500])
@pytest.mark.parametrize("hz", [MIN_HZ, 20.0, 30.0])
@pytest.mark.parametrize("share", [MIN_SHARE, STEP_SHARE])
def test_playing_runs_share_the_stepping_time(playing: int, hz: float, share: float) -> None:
    pacer = Pacer(30)
    pacer.hz, pacer.playing, pacer.share = hz, playing, share
    budget = pacer.tick_budget()
    assert 0 < budget <= TICK_BUDGET
    assert playing * hz * budget <= share + 1e-12  # together, at most their share of wall time
    if playing <= 1:
        assert budget == min(TICK_BUDGET, share / hz)  # one run alone: its whole share, a tick at most


def test_health_counts_the_runs_playing(client: StrictClient) -> None:
    run = new_run(client, {"stop": {"grad_norm": None, "max_steps": None}})
    health = client.get("/api/health").json()
    assert health["runs"] == 1 and health["history_rows"] == 1 and health["history_mb"] > 0  # the t = 0 record
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        recv(ws)  # hello
        ws.send_json({"type": "play", "speed": 100})
        wait_for(lambda: client.get("/api/health").json()["playing"] == 1)
        ws.send_json({"type": "pause"})
        wait_for(lambda: client.get("/api/health").json()["playing"] == 0)


@pytest.mark.parametrize("cursor,counts,cap", [
    ([0, 0], [5, 5], 1), ([0, 0, 0], [7, 3, 1], 5), ([2, 0], [9, 100], 0), ([0] * 16, [1000] * 16, 15),
    ([0, 0], [3, 4], 10), ([5], [5], 0),
])
def test_a_frame_carries_at_most_cap_records_shared_in_proportion(cursor: list[int], counts: list[int],
                                                                    cap: int) -> None:
    starts, dropped = tail(cursor, counts, cap)
    kept = [c - s for s, c in zip(starts, counts, strict=True)]
    pending = [c - s for s, c in zip(cursor, counts, strict=True)]
    assert all(0 <= k <= p for k, p in zip(kept, pending, strict=True))
    assert sum(kept) == min(cap, sum(pending)) and dropped == sum(pending) - sum(kept)


@pytest.fixture
def timed() -> Iterator[tuple[StrictClient, VirtualTimeLoop]]:
    """A client of an app whose event loop runs on virtual time (tests/app/clock.py), and that loop."""
    made: list[VirtualTimeLoop] = []
    with StrictClient(create_app(Settings()), backend_options={"loop_factory": loop_factory(made)}) as c:
        yield c, made[0]


def held_pace(client: StrictClient, hz: float, share: float | None = None) -> Pacer:
    """The app's pacer, held at `hz` (and `share`) whatever it measures."""
    pacer: Pacer = client.app.state.pacer  # type: ignore[attr-defined]
    pacer.hz = hz
    if share is not None:
        pacer.share = share
    pacer.update = lambda busy: pacer.hz  # type: ignore[method-assign]
    return pacer


def play_for(ws: Any, loop: VirtualTimeLoop, speed: float, frames: int) -> tuple[list[dict[str, Any]], int, float]:
    """Play until `frames` frames with steps came, then pause: (those frames, the run's t when it paused, the
    virtual seconds from play to pause, a little more)."""
    start = loop.now
    ws.send_json({"type": "play", "speed": speed})
    got: list[dict[str, Any]] = []
    while len(got) < frames:
        frame, _ = recv_until(ws, "frame", where=lambda m: bool(m["steps"]))
        got.append(frame)
    ws.send_json({"type": "pause"})
    paused, _ = recv_until(ws, "status", where=lambda m: m["status"] == "paused")
    return got, paused["t"], loop.now - start


def test_a_busy_servers_pace_caps_every_clients_frames_and_each_frame_carries_every_step(
        timed: tuple[StrictClient, VirtualTimeLoop]) -> None:
    client, loop = timed
    held_pace(client, MIN_HZ)
    run = new_run(client, {"stop": {"grad_norm": None, "max_steps": None}})
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        recv(ws)
        frames, t, seconds = play_for(ws, loop, 600, 36)  # 3 s at 12 frames a second; at 30, 1.2 s
    assert len(frames) <= seconds * MIN_HZ + 2  # the server's pace, not the client's 30
    ts = [s["t"] for f in frames for s in f["steps"]]
    assert ts == list(range(1, len(ts) + 1)) and ts[-1] <= t  # fuller frames, none missing
    assert len(ts) / len(frames) > 600 / 30  # more steps a frame than at 30 frames a second


def test_a_playing_run_steps_within_its_share(timed: tuple[StrictClient, VirtualTimeLoop]) -> None:
    """With a stepping share of 0.1 % of wall time, a run asking 20,000 steps a second gets only what fits."""
    client, loop = timed
    held_pace(client, 30.0, share=0.001)  # 33 µs a tick: a step or a few
    run = new_run(client, {"stop": {"grad_norm": None, "max_steps": None}})
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        recv(ws)
        _, t, seconds = play_for(ws, loop, 20_000, 60)  # 2 s at 30 ticks a second
    assert seconds >= 60 / 30
    assert t < 0.1 * 20_000 * seconds  # unchecked, a tick would take its 667 steps
