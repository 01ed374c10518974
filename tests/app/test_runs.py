"""REST for runs: every endpoint with good and bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.app.conftest import StrictClient, new_run

LINE = {"kind": "linear_regression", "data": {"n": 50, "slope": 3, "intercept": 2, "noise": 0.5, "x_min": 0,
                                               "x_max": 1, "seed": 0}}


def detail(r: Any) -> tuple[list[Any], str]:
    """(loc, msg) of the first 422 detail entry."""
    assert r.status_code == 422, r.text
    first = r.json()["detail"][0]
    return first["loc"], first["msg"]


def raw_post(client: StrictClient, url: str, text: str) -> Any:
    return client.post(url, content=text, headers={"content-type": "application/json"})


# ----- create -------------------------------------------------------------------------------------------
def test_empty_body_is_generated_data_gd_lr_01(client: StrictClient) -> None:
    s = new_run(client)
    assert len(s["id"]) >= 22  # 128 random bits, URL-safe
    assert s["status"] == "ready" and s["t"] == 0
    assert s["racers"][0]["optimizer"]["name"] == "gd" and s["racers"][0]["optimizer"]["lr"] == 0.1
    assert s["problem"]["kind"] == "linear_regression" and s["problem"]["n"] == 100
    for key in ("stop", "minimum", "max_stable_lr"):
        assert key in s
    for key in ("params", "loss", "grad", "grad_norm", "stop_reason"):
        assert key in s["racers"][0] and key not in s  # one shape: racer fields live in racers
    r = client.post("/api/runs")  # no body at all
    assert r.status_code == 201


def test_full_spec_from_the_issue(client: StrictClient) -> None:
    s = new_run(client, {"problem": LINE, "optimizer": {"name": "gd", "lr": 0.2, "batch_size": None},
                         "stop": {"grad_norm": 1e-6, "delta_loss": None, "max_steps": 500},
                         "start": [1.0, -1.0], "seed": 3})
    assert s["racers"][0]["params"] == [1.0, -1.0] and s["start"] == [1.0, -1.0]
    assert s["stop"] == {"grad_norm": 1e-6, "delta_loss": None, "max_steps": 500}
    assert s["racers"][0]["optimizer"]["lr"] == 0.2 and s["seed"] == 3
    assert s["max_stable_lr"] == pytest.approx(2 / max(np.linalg.eigvalsh(np.array(s["problem"]["hessian"]))))


def test_points_csv_random_search_and_races(client: StrictClient) -> None:
    pts = [[0.0, 1.0], [1.0, 3.1], [2.0, 4.9], [3.0, 7.2]]
    s = new_run(client, {"problem": {"data": {"points": pts}}})
    assert s["problem"]["n"] == 4
    s = new_run(client, {"problem": {"kind": "linear_regression", "data": {"csv": "x,y\n0,1\n1,3\n\n2,5\n"}}})
    assert s["problem"]["n"] == 3
    s = new_run(client, {"optimizer": {"name": "random_search", "low": [-5, -5], "high": [5, 5]}})
    assert s["racers"][0]["optimizer"]["name"] == "random_search"
    s = new_run(client, {"racers": [{"name": "gd", "lr": 0.1}, {"name": "adam", "lr": 0.05}]})
    assert s["race"] is True and len(s["racers"]) == 2


@pytest.mark.parametrize(
    ("text", "loc", "words"),
    [
        ('{"optimizer": {"lr": NaN}}', ["body", "optimizer", "lr"], "finite"),
        ('{"optimizer": {"lr": Infinity}}', ["body", "optimizer", "lr"], "finite"),
        ('{"start": [0, -Infinity]}', ["body", "start", 1], "finite"),
        ('{"problem": {"data": {"points": [[0, 1], [NaN, 2]]}}}', ["body", "problem", "data", "points", 1, 0],
         "finite"),
        ('{"optimizer": {"lr": -0.5}}', ["body", "optimizer", "lr"], "greater than 0"),
        ('{"optimizer": {"lr": 0}}', ["body", "optimizer", "lr"], "greater than 0"),
        ('{"optimizer": {"name": "sgdx"}}', ["body", "optimizer", "name"], "unknown name 'sgdx'"),
        ('{"optimizer": {"name": "adam", "lr": "fast"}}', ["body", "optimizer", "lr"], "number"),
        ('{"optimizer": {"name": "gd", "betas": [0.9, 0.99]}}', ["body", "optimizer", "betas"], "unknown field"),
        ('{"optimizer": 5}', ["body", "optimizer"], "object"),
        ('{"lr": 0.1}', ["body", "lr"], "unknown field"),
        ('{"seed": -1}', ["body", "seed"], "greater than or equal"),
        ('{"seed": 1.5}', ["body", "seed"], "integer"),
        ('{"problem": {"kind": "banana"}}', ["body", "problem", "kind"], "unknown kind 'banana'"),
        ('{"problem": {"data": {"n": 1}}}', ["body", "problem", "data", "n"], "greater than or equal to 2"),
        ('{"problem": {"data": {"points": [[1, 2], [1, 3]]}}}', ["body", "problem", "data"], "all x values are equal"),
        ('{"problem": {"data": {"points": [[1, 2]]}}}', ["body", "problem", "data"], "at least 2 points"),
        ('{"problem": {"data": {"points": [[1, 2, 3], [2, 3, 4]]}}}', ["body", "problem", "data", "points", 0],
         "at most 2"),
        ('{"problem": {"data": {"csv": "x,y\\n0,1\\n1,oops\\n"}}}', ["body", "problem", "data"], "CSV line 3"),
        ('{"problem": {"data": {"csv": "a,b\\n0,1\\n"}}}', ["body", "problem", "data"], "header"),
        ('{"problem": {"data": {"x_min": 1, "x_max": 0}}}', ["body", "problem", "data"], "x_max"),
        ('{"stop": {"max_steps": -3}}', ["body", "stop", "max_steps"], "greater than or equal"),
        ('{"stop": {"max_steps": 99999999999}}', ["body", "stop", "max_steps"], "less than or equal"),
        ('{"stop": {"max_steps": 5000000}}', ["body", "stop", "max_steps"], "≤ 1,000,000 on this server"),
        ('{"start": [0, 0, 0]}', ["body", "start"], "2 finite numbers"),
        ('{"optimizer": {"name": "gd", "nesterov": true}}', ["body", "optimizer", "nesterov"], "momentum > 0"),
        ('{"optimizer": {"lr": 0.1}, "racers": [{"lr": 0.2}]}', ["body", "racers"], "either"),
        ('{"optimizer": {"name": "gd", "schedule": {"name": "step", "gamma": 2}}}',
         ["body", "optimizer", "schedule", "gamma"], "less than or equal"),
        ('{"optimizer": {"name": "random_search", "low": [1, 1], "high": [0, 5]}}', ["body", "optimizer", "high"],
         "greater than its low"),
    ],
)
def test_bad_create_names_the_field(client: StrictClient, text: str, loc: list[Any], words: str) -> None:
    got_loc, msg = detail(raw_post(client, "/api/runs", text))
    assert got_loc == loc
    assert words in msg
    assert msg.startswith(".".join(str(p) for p in loc[1:]))


def test_malformed_json_body_is_4xx(client: StrictClient) -> None:
    r = raw_post(client, "/api/runs", '{"optimizer": ')
    assert 400 <= r.status_code < 500
    r = raw_post(client, "/api/runs", "[1, 2]")
    assert r.status_code == 422


def test_max_steps_null_is_the_servers_cap(client: StrictClient, settings: Any) -> None:
    s = new_run(client, {"stop": {"max_steps": None}})
    assert s["stop"]["max_steps"] == settings.max_run_steps


def test_too_many_points_runs_and_racers(make_client: Any) -> None:
    c = make_client(max_points=10, max_runs=2, max_racers=2)
    loc, msg = detail(c.post("/api/runs", json={"problem": {"data": {"n": 11}}}))
    assert loc == ["body", "problem", "data", "n"] and "at most 10" in msg
    loc, msg = detail(c.post("/api/runs", json={"problem": {"data": {"points": [[i, i] for i in range(11)]}}}))
    assert loc == ["body", "problem", "data", "points"]
    csv = "x,y\n" + "".join(f"{i},{i}\n" for i in range(11))
    loc, msg = detail(c.post("/api/runs", json={"problem": {"data": {"csv": csv}}}))
    assert loc == ["body", "problem", "data", "csv"]
    loc, msg = detail(c.post("/api/runs", json={"racers": [{}, {}, {}]}))
    assert loc == ["body", "racers"]
    new_run(c)
    s = new_run(c)
    r = c.post("/api/runs", json={})
    assert r.status_code == 503 and "maximum of 2 runs" in r.json()["detail"]
    r = c.post(f"/api/runs/{s['id']}/racers", json={"name": "adam"})
    assert r.status_code == 201
    r = c.post(f"/api/runs/{s['id']}/racers", json={"name": "adam"})
    loc, msg = detail(r)
    assert "at most 2 racers" in msg


def test_body_too_large_is_413(make_client: Any) -> None:
    c = make_client(max_body_bytes=1000)
    r = c.post("/api/runs", json={"problem": {"data": {"points": [[i, i] for i in range(200)]}}})
    assert r.status_code == 413 and "too large" in r.json()["detail"]

    def chunks() -> Any:  # no Content-Length: counted as it streams
        yield b'{"problem": {"data": {"points": ['
        for i in range(200):
            yield f"[{i}, {i}],".encode()
        yield b"[0, 1]]}}}"

    r = c.post("/api/runs", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


# ----- read, list, delete ----------------------------------------------------------------------------------
def test_get_list_delete_and_404s(client: StrictClient) -> None:
    a, b = new_run(client), new_run(client)
    assert client.get(f"/api/runs/{a['id']}").json()["id"] == a["id"]
    listed = client.get("/api/runs").json()
    assert [x["id"] for x in listed] == [a["id"], b["id"]]
    assert set(listed[0]) >= {"id", "kind", "status", "t", "loss", "created"}
    assert client.delete(f"/api/runs/{a['id']}").status_code == 204
    for method, path in [("get", ""), ("patch", ""), ("delete", ""), ("get", "/data"), ("post", "/step"),
                         ("post", "/reset"), ("post", "/racers"), ("delete", "/racers/0"), ("get", "/history"),
                         ("get", "/surface"), ("get", "/field"), ("get", "/flow")]:
        kwargs: dict[str, Any] = {"json": {}} if method in ("post", "patch") else {}
        r = getattr(client, method)(f"/api/runs/{a['id']}{path}", **kwargs)
        assert r.status_code == 404, (method, path, r.text)
        assert a["id"] in r.json()["detail"]
    assert [x["id"] for x in client.get("/api/runs").json()] == [b["id"]]


# ----- change, step, reset -----------------------------------------------------------------------------------
def test_patch_lr_then_step_uses_it(client: StrictClient) -> None:
    s = new_run(client)
    first = client.post(f"/api/runs/{s['id']}/step", json={"n": 3}).json()
    assert [x["lr"] for x in first["steps"]] == [0.1, 0.1, 0.1]
    r = client.patch(f"/api/runs/{s['id']}", json={"optimizer": {"lr": 0.5}})
    assert r.status_code == 200 and r.json()["racers"][0]["optimizer"]["lr"] == 0.5 and r.json()["t"] == 3
    steps = client.post(f"/api/runs/{s['id']}/step", json={"n": 2}).json()["steps"]
    assert [(x["t"], x["lr"]) for x in steps] == [(4, 0.5), (5, 0.5)]
    # the update rule with the new rate: θ5 = θ4 − 0.5 ∇J(θ4), checked against the data
    data = client.get(f"/api/runs/{s['id']}/data").json()
    x, y = np.array(data["x"]), np.array(data["y"])
    th4 = np.array(steps[0]["params"])
    grad = -2 * np.array([np.mean(y - th4[0] - th4[1] * x), np.mean((y - th4[0] - th4[1] * x) * x)])
    assert np.allclose(steps[1]["params"], th4 - 0.5 * grad)


def test_patch_switches_optimizer_and_stop(client: StrictClient) -> None:
    s = new_run(client)
    r = client.patch(f"/api/runs/{s['id']}", json={"optimizer": {"name": "adam", "lr": 0.05}, "stop": {"max_steps": 7}})
    assert r.status_code == 200
    st = r.json()
    assert st["racers"][0]["optimizer"]["name"] == "adam"
    assert st["racers"][0]["optimizer"]["lr"] == 0.05 and st["stop"]["max_steps"] == 7
    st = client.post(f"/api/runs/{s['id']}/step", json={"n": 50}).json()["state"]
    assert st["t"] == 7 and st["status"] == "stopped" and "max_steps" in st["message"]


@pytest.mark.parametrize(
    ("text", "loc"),
    [
        ('{"optimizer": {"lr": -1}}', ["body", "optimizer", "lr"]),
        ('{"optimizer": {"lr": NaN}}', ["body", "optimizer", "lr"]),
        ('{"optimizer": {"lr": null}}', ["body", "optimizer", "lr"]),
        ('{"optimizer": {"name": "nope"}}', ["body", "optimizer", "name"]),
        ('{"optimizer": {"betas": [0.9, 0.9]}}', ["body", "optimizer", "betas"]),
        ('{"optimizer": {"bogus": 1}}', ["body", "optimizer", "bogus"]),
        ('{"stop": {"grad_norm": -1}}', ["body", "stop", "grad_norm"]),
        ('{"stop": {"max_steps": 99999999999}}', ["body", "stop", "max_steps"]),
        ('{"stop": {"max_steps": 5000000}}', ["body", "stop", "max_steps"]),
        ('{"racer": 3, "optimizer": {"lr": 0.2}}', ["body", "racer"]),
        ('{"racer": -1}', ["body", "racer"]),
    ],
)
def test_bad_patch_names_the_field_and_changes_nothing(client: StrictClient, text: str, loc: list[Any]) -> None:
    s = new_run(client)
    got, _ = detail(client.patch(f"/api/runs/{s['id']}", content=text, headers={"content-type": "application/json"}))
    assert got == loc
    after = client.get(f"/api/runs/{s['id']}").json()
    assert after["racers"][0]["optimizer"] == s["racers"][0]["optimizer"] and after["stop"] == s["stop"]


def test_patch_is_atomic_when_stop_is_bad(client: StrictClient) -> None:
    s = new_run(client)
    r = client.patch(f"/api/runs/{s['id']}", json={"optimizer": {"lr": 0.3}, "stop": {"delta_loss": -1}})
    assert r.status_code == 422
    assert client.get(f"/api/runs/{s['id']}").json()["racers"][0]["optimizer"]["lr"] == 0.1


def test_step_bounds(client: StrictClient, settings: Any) -> None:
    s = new_run(client)
    for n in (0, -1, settings.max_steps_per_request + 1):
        loc, msg = detail(client.post(f"/api/runs/{s['id']}/step", json={"n": n}))
        assert loc == ["body", "n"]
    loc, _ = detail(client.post(f"/api/runs/{s['id']}/step", json={"n": "3"}))
    assert loc == ["body", "n"]
    r = client.post(f"/api/runs/{s['id']}/step")  # no body: one step
    assert [x["t"] for x in r.json()["steps"]] == [1]


def test_converges_over_rest(client: StrictClient) -> None:
    s = new_run(client)
    res = client.post(f"/api/runs/{s['id']}/step", json={"n": 5000}).json()
    st = res["state"]
    assert st["status"] == "converged" and st["racers"][0]["stop_reason"]["test"] == "grad_norm"
    assert st["message"].startswith("converged: ‖∇J‖ ≤ 1e-6 at t = ")
    assert res["steps"][-1]["t"] == st["t"] < 5000
    assert np.allclose(st["racers"][0]["params"], st["minimum"], atol=1e-5)
    again = client.post(f"/api/runs/{s['id']}/step", json={"n": 10}).json()
    assert again["steps"] == [] and again["state"]["t"] == st["t"]


def test_diverging_run_says_why_and_sends_no_nan(client: StrictClient) -> None:
    s = new_run(client, {"optimizer": {"lr": 1.0}})
    assert s["max_stable_lr"] < 1.0
    res = client.post(f"/api/runs/{s['id']}/step", json={"n": 2000}).json()  # strict parsing: no NaN
    st = res["state"]
    assert st["status"] == "diverged"
    assert "2/λmax" in st["message"] and "learning rate 1 " in st["message"]
    assert st["racers"][0]["stop_reason"]["test"] == "diverged"
    assert all(np.isfinite(x["loss"]) for x in res["steps"])
    hist = client.get(f"/api/runs/{s['id']}/history").json()["steps"]
    assert hist[-1]["t"] == st["t"] - 1 or hist[-1]["t"] == st["t"]
    client.get(f"/api/runs/{s['id']}/surface")
    client.get(f"/api/runs/{s['id']}/flow")


def test_reset(client: StrictClient) -> None:
    s = new_run(client)
    client.post(f"/api/runs/{s['id']}/step", json={"n": 5})
    st = client.post(f"/api/runs/{s['id']}/reset").json()
    assert st["t"] == 0 and st["racers"][0]["params"] == [0.0, 0.0] and st["status"] == "ready"
    st = client.post(f"/api/runs/{s['id']}/reset", json={"params": [1.5, -2.0]}).json()
    assert st["racers"][0]["params"] == [1.5, -2.0] and st["start"] == [1.5, -2.0]
    st = client.post(f"/api/runs/{s['id']}/reset", json={}).json()
    assert st["racers"][0]["params"] == [1.5, -2.0]  # given params became the start
    hist = client.get(f"/api/runs/{s['id']}/history").json()["steps"]
    assert [h["t"] for h in hist] == [0]
    for body, loc in [('{"params": [1]}', ["body", "params"]), ('{"params": [1, NaN]}', ["body", "params", 1]),
                      ('{"params": "x"}', ["body", "params"]), ('{"parms": [1, 2]}', ["body", "parms"])]:
        got, _ = detail(client.post(f"/api/runs/{s['id']}/reset", content=body,
                                    headers={"content-type": "application/json"}))
        assert got == loc


def test_racers_add_and_remove(client: StrictClient) -> None:
    s = new_run(client)
    r = client.post(f"/api/runs/{s['id']}/racers", json={"name": "adam", "lr": 0.05, "label": "Adam"})
    assert r.status_code == 201
    st = r.json()
    assert st["race"] and [x["optimizer"]["name"] for x in st["racers"]] == ["gd", "adam"]
    res = client.post(f"/api/runs/{s['id']}/step", json={"n": 2}).json()
    assert sorted((x["racer"], x["t"]) for x in res["steps"]) == [(0, 1), (0, 2), (1, 1), (1, 2)]
    r = client.patch(f"/api/runs/{s['id']}", json={"racer": 1, "optimizer": {"lr": 0.01}})
    assert r.json()["racers"][1]["optimizer"]["lr"] == 0.01
    loc, msg = detail(client.post(f"/api/runs/{s['id']}/racers", json={"name": "adam", "lr": -1}))
    assert loc == ["body", "lr"]
    loc, msg = detail(client.post(f"/api/runs/{s['id']}/racers", json={"name": "rmsprop", "alpha": 7}))
    assert loc == ["body", "alpha"]
    st = client.delete(f"/api/runs/{s['id']}/racers/0").json()
    assert [x["optimizer"]["name"] for x in st["racers"]] == ["adam"]
    loc, msg = detail(client.delete(f"/api/runs/{s['id']}/racers/5"))
    assert loc == ["path", "racer"] and "no racer 5" in msg
    loc, msg = detail(client.delete(f"/api/runs/{s['id']}/racers/0"))
    assert "at least one" in msg


def test_data(client: StrictClient) -> None:
    pts = [[0.0, 1.0], [1.0, 3.0], [2.5, 5.5]]
    s = new_run(client, {"problem": {"data": {"points": pts}}})
    d = client.get(f"/api/runs/{s['id']}/data").json()
    assert d == {"x": [0.0, 1.0, 2.5], "y": [1.0, 3.0, 5.5], "columns": ["x", "y"]}


def test_token_guards_the_api(make_client: Any) -> None:
    c = make_client(api_token="s3cret")
    r = c.post("/api/runs", json={})
    assert r.status_code == 401 and "token" in r.json()["detail"]
    assert c.get("/api/health").status_code == 401
    assert c.get("/api/runs", headers={"authorization": "Bearer wrong"}).status_code == 401
    r = c.post("/api/runs", json={}, headers={"authorization": "Bearer s3cret"})
    assert r.status_code == 201
    assert c.get(f"/api/runs/{r.json()['id']}?token=s3cret").status_code == 200
    assert c.get("/").status_code == 200  # the page itself is public
    assert c.get("/api/registry").status_code == 401
    assert c.get("/api/registry", headers={"authorization": "Bearer s3cret"}).json()["limits"]["auth"] is True
