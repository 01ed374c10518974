"""The classroom from the client, against a live server: watch and fork, challenges, attempts and the board."""

from __future__ import annotations

from typing import Any

import pytest

from descent import AsyncClient, Attempt, Challenge, Client, DescentError, Run, Watched
from tests.client.conftest import LiveServer, run_async

LINE = {"kind": "linear_regression", "data": {"n": 30, "slope": 3, "intercept": 2, "noise": 0.1, "seed": 0}}


def new_run(c: Any, lr: float = 0.1, max_steps: int = 1000) -> Any:
    return c.create(problem=LINE, optimizer={"name": "gd", "lr": lr}, stop={"max_steps": max_steps}, seed=1)


def test_a_watcher_reads_streams_and_forks_a_broadcast(client: Client) -> None:
    run = new_run(client)
    info = run.watch(name="Ada's run")
    assert info.name == "Ada's run" and info.watchers == 0 and run.watching().token == info.token
    assert run.watch(name="renamed").token == info.token  # again: the same token, the new name

    w = client.watch(info.token)
    assert isinstance(w, Watched) and w.info.name == "renamed"
    assert w.state["t"] == 0 and "id" not in w.state
    run.step(7)
    assert w.state["t"] == 7 and w.last_state["t"] == 7

    fork = w.fork()
    assert isinstance(fork, Run) and fork.id != run.id and fork.last_state.t == 7
    assert fork.step(3).state.racers[0].params == run.step(3).state.racers[0].params  # the same next steps
    own = run.fork()
    assert own.id not in (run.id, fork.id) and own.last_state.t == 10

    with w.stream() as stream:
        frames = iter(stream)
        hello = next(frames)
        assert hello["type"] == "hello" and hello["state"]["t"] == 10 and "id" not in hello["state"]
        run.step(5)
        seen: list[int] = []
        while 15 not in seen:
            seen += [s["t"] for s in next(frames)["steps"]]
        assert seen == [11, 12, 13, 14, 15] and w.last_state["t"] == 15
        stream.send("play", speed=10)  # a watcher's control message: refused by the server
        with pytest.raises(DescentError) as refused:
            next(frames)
        assert "play" in refused.value.message

    with w.stream() as stream:
        frames = iter(stream)
        assert next(frames)["type"] == "hello"
        run.end_watch()
        assert list(frames) == []  # the broadcast's `closing` ends the loop
    with pytest.raises(DescentError) as gone:
        w.refresh()
    assert gone.value.status == 404 and "no broadcast" in gone.value.message
    with pytest.raises(DescentError) as not_broadcast:
        run.watching()
    assert not_broadcast.value.status == 404


def test_a_challenge_its_attempts_and_board(client: Client, live: LiveServer) -> None:
    teacher = new_run(client)
    ch = teacher.challenge({"kind": "fewest_steps", "target": 1.0}, title="Fit the line", limit=200)
    assert isinstance(ch, Challenge) and ch.key and ch.info.title == "Fit the line" and ch.info.allowed == ["lr"]

    with Client(live.url) as student:
        found = student.challenge(ch.id)
        assert found.key is None and found.info.goal_text.startswith("reach J ≤ 1.0")
        ada = found.join(name="Ada", lr=0.2)
        assert isinstance(ada, Attempt) and ada.info["settings"] == {"lr": 0.2} and ada.state["t"] == 0
        frames = list(ada.stream(speed=5000))
        assert frames[0]["type"] == "hello" and ada.last_state["t"] == 200
        assert ada.last_state["status"] != "running" and "id" not in ada.last_state
        with pytest.raises(DescentError) as locked:
            found.join(name="Bob", settings={"momentum": 0.9})
        assert locked.value.field == "settings.momentum" and "locked" in locked.value.message
        slow = found.join(name="Bob", lr=0.01)
        assert slow.refresh()["live"] is True and slow.info["name"] == "Bob"

        board = found.board()
        assert [r.name for r in board.rows] == ["Ada", "Bob"] and board.rows[0].rank == 1
        assert board.rows[0].t == 200 and board.rows[1].t == 0 and board.challenge.students == 2
        ids = [r.id for r in board.rows]
        with pytest.raises(ValueError, match="key"):
            found.paths(ids)
        with pytest.raises(DescentError) as wrong:
            found.paths(ids, key="not-the-key")
        assert wrong.value.status == 403
    paths = ch.paths(ids)["attempts"]
    assert [p["name"] for p in paths] == ["Ada", "Bob"] and paths[0]["path"][-1]["t"] == 200


def test_the_async_classroom(live: LiveServer) -> None:
    async def main() -> tuple[Any, ...]:
        async with AsyncClient(live.url) as c:
            run = await new_run(c)
            info = await run.watch(name="async")
            w = await c.watch(info.token)
            forked = await w.fork()
            ch = await run.challenge({"kind": "largest_lr"}, limit=50)
            a = await (await c.challenge(ch.id)).join(name="Cy", lr=0.3)
            frames = [f async for f in a.stream(speed=5000)]
            board = await ch.board()
            return w.state, forked.state, frames, a.state, board

    watched, forked, frames, attempt_state, board = run_async(main)
    assert watched["t"] == 0 and "id" not in watched and forked.t == 0
    assert frames[0]["type"] == "hello" and attempt_state["t"] > 0 and "id" not in attempt_state
    assert [r.name for r in board.rows] == ["Cy"] and board.rows[0].t == attempt_state["t"]
