"""The client against a live server: every REST operation, errors as DescentError, the token."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.schemas import RunState, StepResult
from descent import Client, DescentError
from descent.ops import OPERATIONS
from tests.client.conftest import LiveServer

LINE = {"kind": "linear_regression", "data": {"n": 30, "slope": 3, "intercept": 2, "noise": 0.1, "seed": 0}}
NET = {"kind": "network", "layers": [2, 3, 1], "data": {"name": "xor", "n": 40, "seed": 0}}


def operation_of(method: str, path: str) -> str | None:
    """The operationId a request is for (static paths win over templated ones, as on the server)."""
    found = []
    for op_id, op in OPERATIONS.items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))
        if op.method == method and re.fullmatch(pattern, path):
            found.append((op.path.count("{"), op_id))
    return min(found)[1] if found else None


def test_the_client_calls_every_operation(live: LiveServer) -> None:
    seen: dict[str, int] = {}

    def record(response: httpx.Response) -> None:
        op_id = operation_of(response.request.method, response.request.url.path)
        assert op_id is not None, response.request.url
        seen[op_id] = response.status_code

    c = Client(live.url, event_hooks={"response": [record]})
    assert c.health().ok and "optimizers" in c.registry()
    assert [lesson.id for lesson in c.lessons()][:2] == ["random-guessing", "gradient-arrows"]
    assert len(c.loss_compare(n=5, steps=3).model_dump()) > 0

    run = c.create(problem=LINE, optimizer={"name": "gd", "lr": 0.1}, stop={"max_steps": 100}, seed=1)
    assert isinstance(run.last_state, RunState) and run.last_state.t == 0
    result = run.step(5)
    assert isinstance(result, StepResult) and [s.t for s in result.steps] == [1, 2, 3, 4, 5]
    assert run.set(lr=0.2).racers[0].optimizer["lr"] == 0.2
    assert run.state.t == 5 and run.last_state.t == 5
    assert run.reset(params=[1, 2]).racers[0].params == [1.0, 2.0]
    assert len(run.add_racer(name="adam", lr=0.1).racers) == 2
    assert len(run.remove_racer(1).racers) == 1
    assert len(run.data().x) == 30
    run.step(3)
    assert [s.t for s in run.history()] == [0, 1, 2, 3]
    assert run.history(as_="csv").splitlines()[0].startswith("racer,t,theta1,theta2,loss")
    frame = run.history(as_="pandas")
    assert list(frame["t"]) == [0, 1, 2, 3] and list(frame.loc[0, ["theta1", "theta2"]]) == [1.0, 2.0]
    surface = run.surface(n=10)
    assert len(surface.x) == 10 and len(surface.z) == 10
    assert len(run.field(n=5).u) == 5 and len(run.flow(per_side=1).paths) == 4
    assert run.explain().model_dump()

    assert run.config().clock == 3
    doc = run.export()
    copy = c.import_run(doc)
    assert copy.id != run.id and copy.last_state.racers[0].params == run.state.racers[0].params
    saved = run.save("from the client")
    assert saved.name == "from the client" and saved.id in [s.id for s in c.saved()]
    assert c.saved_run(saved.id).clock == 3
    reopened = c.open_saved(saved.id)
    assert reopened.last_state.racers[0].loss == run.state.racers[0].loss
    c.delete_saved(saved.id)
    assert saved.id not in [s.id for s in c.saved()]

    net = c.create(problem=NET, optimizer={"name": "adam", "lr": 0.05})
    net.step(3)
    assert [layer.W for layer in net.network().layers][0] is not None
    assert len(net.predict(n=5).x) == 5
    assert len(net.predict_points([[0, 0], [1, 1]]).outputs) == 2
    assert len(net.hidden(n=4).layers[0]) == 3
    assert net.set_weight(0, 1, 2, 0.5).layers[0].W[1][2] == 0.5  # one weight set live
    assert net.set_weight(1, None, 0, -1.0).layers[1].b[0] == -1.0  # a bias
    table = net.backprop(example=0)
    assert table.model_dump()
    assert net.loss_compare(n=5, steps=2).model_dump()
    assert len(net.slice(n=5).model_dump()) > 0 and len(net.line(n=5).loss) == 5
    token = run.watch(name="walked").token
    assert run.watching().token == token
    watched = c.watch(token)
    forks = [watched.fork(), run.fork()]
    run.end_watch()
    ch = run.challenge({"kind": "fewest_steps", "target": 1.0}, limit=20)
    attempt = c.challenge(ch.id).join(name="Ada", lr=0.2)
    assert attempt.refresh()["name"] == "Ada"
    assert ch.paths([r.id for r in ch.board().rows])["attempts"][0]["name"] == "Ada"
    assert {r.id for r in c.runs()} >= {run.id, copy.id, reopened.id, net.id}
    for r in (run, copy, reopened, net, *forks):
        r.delete()
    assert run.id not in {r.id for r in c.runs()}
    c.close()

    missing = sorted(set(OPERATIONS) - set(seen))
    assert missing == [], f"operations the walk did not call: {missing}"
    failed = {op_id: status for op_id, status in seen.items() if status >= 400}
    assert failed == {}


def test_server_errors_carry_their_field(client: Client) -> None:
    run = client.create(problem=LINE)
    with pytest.raises(DescentError) as bad:
        run.set(lr=-1)
    assert (bad.value.status, bad.value.field) == (422, "optimizer.lr")
    assert "greater than 0" in bad.value.message and str(bad.value).startswith("optimizer.lr: ")
    with pytest.raises(DescentError) as bad:
        client.create(problem={"kind": "surface", "name": "no-such-surface"})
    assert bad.value.status == 422 and bad.value.field == "problem.name" and "no-such-surface" in bad.value.message
    with pytest.raises(DescentError) as bad:
        run.step(0)
    assert bad.value.field == "n"
    with pytest.raises(DescentError) as bad:
        run.surface(n=10_000)
    assert bad.value.field == "n" and "300" in bad.value.message
    with pytest.raises(DescentError) as bad:
        run.network()
    assert bad.value.status == 409 and bad.value.field is None
    with pytest.raises(DescentError) as bad:
        list(run.stream(speed=10**9))  # the websocket's error names the field too
    assert bad.value.status is None and bad.value.field == "speed"
    run.delete()
    with pytest.raises(DescentError) as bad:
        run.refresh()
    assert bad.value.status == 404
    with pytest.raises(KeyError, match="lr-too-big"):
        client.lesson("no-such-lesson")


def test_the_token_is_sent_over_rest_and_the_websocket() -> None:
    server = LiveServer(env={"DESCENT_API_TOKEN": "s3cret"})
    try:
        with Client(server.url) as anonymous, pytest.raises(DescentError) as bad:
            anonymous.create()
        assert bad.value.status == 401
        with Client(server.url, token="s3cret") as c:
            run = c.lesson("lr-too-big")
            assert run.lesson.id == "lr-too-big" and run.last_state.t == 0
            frames = list(run.stream(speed=5000))
            assert frames[0]["type"] == "hello" and frames[-1]["state"]["t"] == run.state.t > 0
    finally:
        server.stop()


def test_a_run_read_by_its_id(client: Client) -> None:
    run = client.create(problem=LINE)
    run.step(4)
    same: Any = client.run(run.id)
    assert same.last_state.t == 4 and same.id == run.id
    run.delete()
