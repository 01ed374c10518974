"""Surface, field, flow and history: shapes, values, bounds."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pytest

from engine.problems import Problem
from engine.run import Run
from tests.app.conftest import StrictClient, new_run, recv


def loss_and_grad(data: dict[str, Any], t1: float, t2: float) -> tuple[float, np.ndarray]:
    """J(θ) = 1/N Σ (y − θ1 − θ2 x)² and its gradient, straight from the data."""
    x, y = np.array(data["x"]), np.array(data["y"])
    r = y - t1 - t2 * x
    return float(np.mean(r * r)), -2 * np.array([np.mean(r), np.mean(r * x)])


@pytest.fixture
def run(client: StrictClient) -> dict[str, Any]:
    s = new_run(client, {"problem": {"data": {"n": 40, "seed": 2}}, "start": [-1.0, 5.0]})
    client.post(f"/api/runs/{s['id']}/step", json={"n": 20})
    s["data"] = client.get(f"/api/runs/{s['id']}/data").json()
    return s


def test_surface_grid_is_plotly_shaped_and_right(client: StrictClient, run: dict[str, Any]) -> None:
    r = client.get(f"/api/runs/{run['id']}/surface", params={"n": 30})
    assert r.status_code == 200
    s = r.json()
    assert len(s["x"]) == len(s["y"]) == 30 and len(s["z"]) == 30 and all(len(row) == 30 for row in s["z"])
    box = s["box"]
    assert box["x_min"] <= -1.0 <= box["x_max"] and box["y_min"] <= 5.0 <= box["y_max"]  # holds the start
    m = run["minimum"]
    assert box["x_min"] <= m[0] <= box["x_max"] and box["y_min"] <= m[1] <= box["y_max"]  # and the minimum
    for i, j in [(0, 0), (3, 17), (29, 5), (12, 29)]:  # z[j][i] = J(x[i], y[j])
        assert s["z"][j][i] == pytest.approx(loss_and_grad(run["data"], s["x"][i], s["y"][j])[0], rel=1e-9)


def test_surface_box_and_bounds(client: StrictClient, run: dict[str, Any], settings: Any) -> None:
    url = f"/api/runs/{run['id']}/surface"
    s = client.get(url, params={"n": 3, "x_min": 0, "x_max": 2, "y_min": -1, "y_max": 1}).json()
    assert s["x"] == [0.0, 1.0, 2.0] and s["y"] == [-1.0, 0.0, 1.0]
    assert s["box"] == {"x_min": 0.0, "x_max": 2.0, "y_min": -1.0, "y_max": 1.0}
    cases = [
        ({"n": settings.max_grid + 1}, ["query", "n"], f"≤ {settings.max_grid}"),
        ({"n": 1}, ["query", "n"], "greater than or equal to 2"),
        ({"n": "ten"}, ["query", "n"], "integer"),
        ({"x_min": 0, "x_max": 1}, ["query", "y_min"], "missing y_min, y_max"),
        ({"x_min": 1, "x_max": 1, "y_min": 0, "y_max": 1}, ["query", "x_max"], "greater than x_min"),
        ({"x_min": 0, "x_max": 1, "y_min": 2, "y_max": 1}, ["query", "y_max"], "greater than y_min"),
        ({"x_min": "nan", "x_max": 1, "y_min": 0, "y_max": 1}, ["query", "x_min"], "finite"),
        ({"x_min": 0, "x_max": "inf", "y_min": 0, "y_max": 1}, ["query", "x_max"], "finite"),
        ({"x_min": -1e308, "x_max": 1e308, "y_min": 0, "y_max": 1}, ["query", "x_max"], "too large"),
    ]
    for params, loc, words in cases:
        r = client.get(url, params=params)
        assert r.status_code == 422, (params, r.text)
        d = r.json()["detail"][0]
        assert d["loc"] == loc and words in d["msg"], (params, d)


def test_huge_box_sends_null_not_nan(client: StrictClient, run: dict[str, Any]) -> None:
    s = client.get(f"/api/runs/{run['id']}/surface",
                   params={"n": 5, "x_min": -1e300, "x_max": 1e300, "y_min": -1e300, "y_max": 1e300}).json()
    flat = [v for row in s["z"] for v in row]
    assert None in flat  # J overflows there: sent as null (the strict client refuses NaN/Infinity)


def test_field_is_minus_gradient(client: StrictClient, run: dict[str, Any], settings: Any) -> None:
    f = client.get(f"/api/runs/{run['id']}/field", params={"n": 7}).json()
    assert len(f["x"]) == 7 and len(f["u"]) == 7 and len(f["v"][0]) == 7
    for i, j in [(0, 0), (6, 2), (3, 3)]:
        _, g = loss_and_grad(run["data"], f["x"][i], f["y"][j])
        assert f["u"][j][i] == pytest.approx(-g[0], rel=1e-9, abs=1e-9)
        assert f["v"][j][i] == pytest.approx(-g[1], rel=1e-9, abs=1e-9)
    r = client.get(f"/api/runs/{run['id']}/field", params={"n": settings.max_field + 1})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "n"]


def test_flow_paths_go_downhill(client: StrictClient, run: dict[str, Any], settings: Any) -> None:
    fl = client.get(f"/api/runs/{run['id']}/flow", params={"per_side": 2}).json()
    assert len(fl["paths"]) == 8
    for path in fl["paths"]:
        assert len(path) >= 2 and all(len(p) == 2 for p in path)
        J = [loss_and_grad(run["data"], *p)[0] for p in path]
        assert J[-1] < J[0]
    r = client.get(f"/api/runs/{run['id']}/flow", params={"per_side": settings.max_flow_starts + 1})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "per_side"]
    r = client.get(f"/api/runs/{run['id']}/flow", params={"per_side": 0})
    assert r.status_code == 422


def test_history_json_and_csv_agree(client: StrictClient, run: dict[str, Any]) -> None:
    js = client.get(f"/api/runs/{run['id']}/history").json()["steps"]
    assert [s["t"] for s in js] == list(range(21)) and js[0]["lr"] is None
    r = client.get(f"/api/runs/{run['id']}/history", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"] and ".csv" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == ["racer", "t", "theta1", "theta2", "loss", "grad_norm", "lr"]
    assert len(rows) == len(js)
    for row, s in zip(rows, js, strict=True):
        assert int(row["racer"]) == s["racer"] and int(row["t"]) == s["t"]
        assert [float(row["theta1"]), float(row["theta2"])] == s["params"]  # bit for bit
        assert float(row["loss"]) == s["loss"] and float(row["grad_norm"]) == s["grad_norm"]
        assert (row["lr"] == "" and s["lr"] is None) or float(row["lr"]) == s["lr"]


def test_history_of_a_race_and_random_search(client: StrictClient) -> None:
    s = new_run(client, {"racers": [{"name": "gd"}, {"name": "random_search"}]})
    client.post(f"/api/runs/{s['id']}/step", json={"n": 5})
    one = client.get(f"/api/runs/{s['id']}/history", params={"racer": 1}).json()["steps"]
    assert {x["racer"] for x in one} == {1} and len(one) == 6 and "guess" in one[1]
    text = client.get(f"/api/runs/{s['id']}/history", params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 12 and "guess1" in rows[0] and "guess_loss" in rows[0]
    assert rows[0]["guess1"] == "" and rows[7]["guess1"] != ""


def test_history_bad_input(client: StrictClient, run: dict[str, Any]) -> None:
    for params, loc in [({"format": "xml"}, ["query", "format"]), ({"racer": 3}, ["query", "racer"]),
                        ({"racer": -1}, ["query", "racer"])]:
        r = client.get(f"/api/runs/{run['id']}/history", params=params)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc


class Bowl3(Problem):
    """J(θ) = ‖θ − 1‖² in three dimensions: a stand-in for problems with more than 2 parameters."""

    kind = "bowl3"
    dim = 3
    param_names = ("a", "b", "c")

    def loss_grad(self, theta: np.ndarray, batch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        d = theta - 1.0
        return np.einsum("kd,kd->k", d, d), 2 * d


def test_problems_with_more_than_two_parameters(client: StrictClient) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    entry = store.add(Run(Bowl3(), [{"name": "gd", "lr": 0.1}]))
    base = f"/api/runs/{entry.id}"
    for path in ("/surface", "/field", "/flow", "/data"):
        r = client.get(base + path)
        assert r.status_code == 409 and "bowl3" in r.json()["detail"], path
    res = client.post(base + "/step", json={"n": 3}).json()
    assert len(res["steps"][0]["params"]) == 3
    rows = list(csv.DictReader(io.StringIO(client.get(base + "/history", params={"format": "csv"}).text)))
    assert list(rows[0])[:5] == ["racer", "t", "theta1", "theta2", "theta3"] and len(rows) == 4
    with client.websocket_connect(base + "/stream") as ws:
        assert len(recv(ws)["steps"]) == 4
