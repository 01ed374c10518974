"""The stream over the websocket: its steps are the run's history, blocking and asyncio alike."""

from __future__ import annotations

from typing import Any

from descent import AsyncClient, Client
from tests.client.conftest import LiveServer, run_async

LINE = {"kind": "linear_regression", "data": {"n": 50, "slope": 3, "intercept": 2, "noise": 0.5, "seed": 0}}
FIELDS = ("racer", "t", "loss", "grad_norm", "lr", "params")


def rows(records: list[Any]) -> list[tuple[Any, ...]]:
    """Step records (dicts from frames, or StepRecord models) as comparable tuples."""
    dicts = [r if isinstance(r, dict) else r.model_dump() for r in records]
    return [tuple(d.get(k, 0 if k == "racer" else None) for k in FIELDS) for d in dicts]


def streamed(frames: list[dict[str, Any]]) -> list[Any]:
    """Every step the frames carried, in order."""
    assert frames[0]["type"] == "hello" and all(f["type"] == "frame" for f in frames[1:])
    return [s for f in frames for s in f["steps"]]


def test_the_streamed_steps_are_the_history(client: Client) -> None:
    run = client.create(problem=LINE, optimizer={"name": "gd", "lr": 0.05}, stop={"max_steps": 600})
    run.step(10)  # steps taken before the stream come in its hello
    frames = list(run.stream(speed=5000))
    steps = streamed(frames)
    assert len(frames) > 2 and len(steps) == 601
    assert rows(steps) == rows(run.history())
    assert run.last_state.status == "stopped" and run.last_state.t == 600 == run.state.t


def test_a_race_streams_every_racer(client: Client) -> None:
    racers = [{"name": "gd", "lr": 0.001}, {"name": "adam", "lr": 0.05}, {"name": "gd", "lr": 0.0005, "momentum": 0.9}]
    run = client.create(problem={"kind": "surface", "name": "rosenbrock"}, racers=racers, stop={"max_steps": 300})
    steps = streamed(list(run.stream(speed=5000)))
    for i in range(3):
        mine = [s for s in steps if s["racer"] == i]
        assert len(mine) == 301 and rows(mine) == rows(run.history(racer=i))


def test_settings_changed_on_the_stream_apply_to_the_next_steps(client: Client) -> None:
    run = client.create(problem=LINE, optimizer={"name": "gd", "lr": 0.01}, stop={"max_steps": 400})
    stream = run.stream(speed=400)
    steps: list[dict[str, Any]] = []
    for frame in stream:
        steps += frame["steps"]
        if frame["type"] == "frame" and len(steps) > 1 and steps[-1]["lr"] == 0.01:
            stream.set(lr=0.02)
    lrs = [s["lr"] for s in steps[1:]]
    assert lrs[0] == 0.01 and lrs[-1] == 0.02 and sorted(set(lrs)) == [0.01, 0.02]
    assert lrs == sorted(lrs)  # the change took effect once, at one step, and stayed
    assert rows(steps) == rows(run.history())


def test_the_async_client_and_stream(live: LiveServer) -> None:
    async def main() -> tuple[list[Any], list[Any], Any]:
        async with AsyncClient(live.url) as c:
            run = await c.create(problem=LINE, optimizer={"name": "adam", "lr": 0.1}, stop={"max_steps": 300})
            result = await run.step(5)
            assert [s.t for s in result.steps] == [1, 2, 3, 4, 5] and run.state.t == 5
            assert (await run.set(lr=0.2)).racers[0].optimizer["lr"] == 0.2
            frames = [f async for f in run.stream(speed=5000)]
            history = await run.history()
            lesson = await c.lesson("lr-too-small")
            assert lesson.lesson.id == "lr-too-small" and (await lesson.refresh()).t == 0
            frame = await run.history(as_="pandas")
            assert len(frame) == 301
            return streamed(frames), history, run.state

    steps, history, state = run_async(main)
    assert len(steps) == 301 and rows(steps) == rows(history)
    assert state.status == "stopped" and state.t == 300
