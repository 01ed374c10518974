"""Networks on data with k features over the API: CSV and points, the state's columns and standardisation, the
slice / PCA views, refusals naming the field, and a 5-feature run through a share link and export/import."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.app.conftest import StrictClient, new_run
from tests.engine.test_planes import five_feature_csv

CSV5 = {"kind": "network", "layers": [5, 4, 1], "data": {"csv": five_feature_csv(80), "seed": 2}}


def test_csv_run_reports_columns_and_standardisation(client: StrictClient) -> None:
    run = new_run(client, {"problem": CSV5, "optimizer": {"name": "gd", "lr": 0.2}})
    p = run["problem"]
    assert p["columns"] == ["alpha", "beta", "gamma", "delta", "epsilon"] and p["input_names"] == p["columns"]
    assert p["target"] == "label" and p["raw_features"] == 5 and p["counts"]["params"] == 5 * 4 + 4 + 4 + 1
    std = p["standardize"]
    assert len(std["mean"]) == 5 and 8 < std["std"][3] < 12  # delta's deviation is about 10
    assert "held at their means" in p["plane"]["text"]
    data = client.get(f"/api/runs/{run['id']}/data").json()
    assert data["inputs"] == 5 and np.allclose(np.mean(data["train"]["X"], axis=0), 0, atol=1e-9)
    # POST /predict takes rows of the raw features; the server standardises them.
    row = list(std["mean"])
    out = client.post(f"/api/runs/{run['id']}/predict", json={"points": [row]})
    assert out.status_code == 200 and len(out.json()["outputs"][0]) == 1
    bad = client.post(f"/api/runs/{run['id']}/predict", json={"points": [[1.0, 2.0]]})
    assert bad.status_code == 422 and "5 numbers" in bad.json()["detail"][0]["msg"]


def test_slice_and_pca_views_say_which(client: StrictClient) -> None:
    run = new_run(client, {"problem": {"kind": "network", "layers": [4, 5, 3], "data": {"name": "iris"}}})
    url = f"/api/runs/{run['id']}"
    g = client.get(f"{url}/predict", params={"n": 9, "x_feature": 2, "y_feature": 3}).json()
    assert g["plane"]["axes"] == ["petal_length", "petal_width"] and np.array(g["probs"]).shape == (9, 9, 3)
    assert g["plane"]["held"].keys() == {"sepal_length", "sepal_width"}
    pca = client.get(f"{url}/predict", params={"n": 9, "plane": "pca"}).json()
    assert pca["plane"]["mode"] == "pca" and pca["plane"]["axes"] == ["PC1", "PC2"]
    h = client.get(f"{url}/hidden", params={"n": 6, "plane": "pca"}).json()
    assert np.array(h["layers"][0]).shape == (5, 6, 6) and h["plane"]["mode"] == "pca"
    for params, field in (({"x_feature": 4}, "x_feature"), ({"x_feature": 1, "y_feature": 1}, "y_feature"),
                          ({"plane": "pca", "x_feature": 0}, "x_feature"), ({"plane": "umap"}, "plane")):
        r = client.get(f"{url}/predict", params=params)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", field], (params, r.text)


def test_playground_features_over_the_api(client: StrictClient) -> None:
    data = {"name": "circles", "n": 80, "features": ["x1", "x2", "x1_sq", "x2_sq"]}
    run = new_run(client, {"problem": {"kind": "network", "layers": [4, 3, 1], "data": data}})
    assert run["problem"]["input_names"] == ["x1", "x2", "x1²", "x2²"] and run["problem"]["inputs"] == 4
    g = client.get(f"/api/runs/{run['id']}/predict", params={"n": 5}).json()
    assert g["plane"]["axes"] == ["x1", "x2"] and g["plane"]["held"] == {}
    r = client.post("/api/runs", json={"problem": {"kind": "network", "data": {"name": "circles",
                                                                                 "features": ["x9"]}}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:4] == ["body", "problem", "data", "features"]
    r = client.post("/api/runs", json={"problem": {"kind": "network", "data": {"name": "iris",
                                                                                 "features": ["x1"]}}})
    assert r.status_code == 422  # the Iris set has four features: no x1² of two


@pytest.mark.parametrize(("data", "message"), [
    ({"csv": "a,b,label\n0,1,0\n1,zz,1\n"}, "CSV row 2 (line 3), column b: 'zz' is not a number"),
    ({"csv": "a,b,label\n0,1,0\n1,2\n"}, "CSV row 2 (line 3) has 2 cells"),
    ({"csv": "a,b,label\n0,5,0\n1,5,1\n"}, "column b is constant"),
    ({"points": [[0, 1, 2, 1], [1, 2, 3, 1]]}, "every row has label 1"),
    ({"points": [[0, 1, 0], [1, 2, 3]]}, "no row has label 1"),
])
def test_bad_tables_are_422_naming_the_row_and_column(client: StrictClient, data: dict, message: str) -> None:
    r = client.post("/api/runs", json={"problem": {"kind": "network", "data": data}})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"][:3] == ["body", "problem", "data"] and message in detail["msg"]


def test_five_feature_run_round_trips_through_a_link_and_an_export(client: StrictClient) -> None:
    run = new_run(client, {"problem": CSV5, "optimizer": {"name": "adam", "lr": 0.02}, "seed": 5})
    url = f"/api/runs/{run['id']}"
    client.post(f"{url}/step", json={"n": 12})
    assert client.patch(url, json={"optimizer": {"lr": 0.05}}).status_code == 200
    client.post(f"{url}/step", json={"n": 9})
    steps = client.get(f"{url}/history").json()["steps"]
    state = {k: v for k, v in client.get(url).json().items() if k != "id"}

    link = client.get(f"{url}/config").json()  # what a share link carries
    assert link["config"]["problem"]["data"]["csv"] == CSV5["data"]["csv"]
    doc = client.get(f"{url}/export").json()
    for body in (link, doc):
        r = client.post("/api/runs/import", content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code == 201, r.text
        new = r.json()["id"]
        assert client.get(f"/api/runs/{new}/history").json()["steps"] == steps
        assert {k: v for k, v in client.get(f"/api/runs/{new}").json().items() if k != "id"} == state
        assert (client.get(f"/api/runs/{new}/network").json()["layers"]
                == client.get(f"{url}/network").json()["layers"])


def test_frames_carry_grids_over_the_plane_subscribed(client: StrictClient) -> None:
    from tests.app.conftest import recv_until

    run = new_run(client, {"problem": {"kind": "network", "layers": [4, 5, 3], "data": {"name": "iris"}}})
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        recv_until(ws, "hello")
        ws.send_json({"type": "subscribe", "grid": True, "hidden": True, "grid_n": 10, "plane": "slice",
                      "x_feature": 2, "y_feature": 3})
        sub, _ = recv_until(ws, "subscribed")
        assert (sub["plane"], sub["x_feature"], sub["y_feature"]) == ("slice", 2, 3)
        ws.send_json({"type": "step", "n": 2})
        frame, _ = recv_until(ws, "frame", where=lambda m: "grid" in m and "hidden" in m)
        assert frame["grid"]["plane"]["axes"] == ["petal_length", "petal_width"] and len(frame["grid"]["x"]) == 10
        assert frame["hidden"]["plane"]["features"] == [2, 3]
        ws.send_json({"type": "subscribe", "plane": "pca"})
        assert recv_until(ws, "subscribed")[0]["plane"] == "pca"
        ws.send_json({"type": "step", "n": 1})
        frame, _ = recv_until(ws, "frame", where=lambda m: "grid" in m)
        assert frame["grid"]["plane"]["mode"] == "pca"
        ws.send_json({"type": "subscribe", "plane": "slice", "x_feature": 7})
        err, _ = recv_until(ws, "error")
        assert err["field"] == "x_feature"
