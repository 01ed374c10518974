"""Schemathesis against the app's own OpenAPI schema: every operation, no 5xx, every response as documented.

The app runs with small limits (so generated requests stay cheap) and a temporary data directory. Every id in a
path is a real one, of every kind there is (a run of each problem and optimiser kind: linear regression, a 2-D
function, a network, a race, random search; a saved run, a watch token, a challenge, an attempt), and a 404 fails
the case (the id exists). Each fuzzed case is sent once per kind; the coverage phase's boundary cases (a hundred
for some operations) take the kinds in turn. Operations that delete get fresh ids of their own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from app.main import create_app
from app.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

LIMITS = {
    "max_runs": 100_000, "max_runs_per_client": 100_000, "max_steps_per_request": 200, "max_run_steps": 2_000,
    "max_grid": 20, "max_field": 10, "max_flow_starts": 3, "max_points": 300, "max_racers": 4,
    "hello_steps": 100, "max_events": 50, "max_saved_per_client": 100_000,
}
ENDLESS = {"grad_norm": None, "max_steps": 500}
RUNS = {  # a run of each kind
    "linear regression": {"optimizer": {"name": "gd", "lr": 0.1}, "stop": ENDLESS},
    "2-D function": {"problem": {"kind": "surface", "name": "rosenbrock"}, "optimizer": {"name": "adam", "lr": 0.01},
                     "stop": ENDLESS},
    "network": {"problem": {"kind": "network", "layers": [2, 4, 1], "activation": "tanh", "head": "sigmoid",
                            "loss": "bce", "data": {"name": "xor", "n": 40, "seed": 1}}, "stop": ENDLESS},
    "race": {"racers": [{"name": "gd", "lr": 0.1}, {"name": "adam", "lr": 0.05}], "stop": ENDLESS},
    "random search": {"optimizer": {"name": "random_search"}, "stop": ENDLESS},
}


DATA_DIR = os.path.join(tempfile.gettempdir(), f"descent-schemathesis-{os.getpid()}")  # made on the first save
APP = create_app(Settings(data_dir=DATA_DIR, **LIMITS))  # type: ignore[arg-type]
# A schema cannot say everything: θ has as many numbers as the problem has parameters, a racer index must
# exist, the server's limits are settings. Such schema-valid requests get the documented 422 naming the field.
# The coverage phase (boundary values of every field, every unsupported method) runs thousands of cases for the
# big request bodies (a run spec, a run document): there, only the bounded fuzzing phase runs.
CONFIG = SchemathesisConfig.from_dict({
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "409", "422", "429", "503"]}},
    "operations": [{"include-method-regex": "^(POST|PATCH|PUT)$", "phases": {"coverage": {"enabled": False}}}],
})
# Loaded at import time: schemathesis.pytest.from_fixture does not work with pytest 9.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


def make_run(client: Any, kind: str) -> str:
    """A run of this kind that has taken a few steps."""
    r = client.post("/api/runs", json=RUNS[kind])
    assert r.status_code == 201, r.text
    run_id: str = r.json()["id"]
    assert client.post(f"/api/runs/{run_id}/step", json={"n": 5}).status_code == 200
    return run_id


def make_ids(client: Any, run_kind: str = "linear regression") -> dict[str, str]:
    """A real id of every kind a path takes, around a run of `run_kind`: the run, a saved run, a watch token, a
    challenge (of a run of one gradient optimiser) and an attempt at it."""
    run_id = make_run(client, run_kind)
    ids = {"run_id": run_id, "racer": "1" if run_kind == "race" else "0"}
    r = client.post(f"/api/runs/{run_id}/save", json={"name": "fuzz"})
    assert r.status_code == 201, r.text
    ids["sid"] = r.json()["id"]
    r = client.post(f"/api/runs/{run_id}/watch", json={"name": "fuzz"})
    assert r.status_code == 201, r.text
    ids["token"] = r.json()["token"]
    solo = run_id if run_kind in ("linear regression", "2-D function") else make_run(client, "linear regression")
    r = client.post(f"/api/runs/{solo}/challenge", json={"goal": {"kind": "fewest_steps", "target": 0.5}, "limit": 50})
    assert r.status_code == 201, r.text
    ids["cid"], ids["key"] = r.json()["id"], r.json()["key"]
    r = client.post(f"/api/challenges/{ids['cid']}/attempts", json={"name": "fuzz"})
    assert r.status_code == 201, r.text
    ids["aid"], ids["public"] = r.json()["id"], r.json()["public"]
    return ids


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    """A client of the app under test, to make real ids with (no lifespan: each request as schemathesis sends it)."""
    yield TestClient(APP)
    shutil.rmtree(DATA_DIR, ignore_errors=True)


@pytest.fixture(scope="module")
def ids(api: TestClient) -> dict[str, dict[str, str]]:
    """Real ids around a run of each kind (shared by the cases that do not delete)."""
    return {kind: make_ids(api, kind) for kind in RUNS}


COVERAGE_TURNS: dict[tuple[str, str], int] = {}  # coverage-phase cases sent so far, per operation


@pytest.mark.timeout(120)
@schema.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_operation_answers_as_documented(case: Any, api: TestClient, ids: dict[str, dict[str, str]]) -> None:
    params = case.path_parameters
    if not params or case.meta.is_negative_at(ParameterLocation.PATH):  # a malformed id: refused as it is
        case.call_and_validate()
        return
    kinds = list(RUNS)
    if case.meta.phase.name == "coverage":  # a hundred boundary cases for some operations: each kind in turn
        turn = COVERAGE_TURNS[(case.method, case.path)] = COVERAGE_TURNS.get((case.method, case.path), -1) + 1
        kinds = [kinds[turn % len(kinds)]]
    for kind in kinds:
        real = make_ids(api, kind) if case.method.upper() == "DELETE" else ids[kind]
        params.update({name: real[name] for name in params})
        if "cid" in params and case.query and "key" in case.query:  # the teacher's key, an attempt's public id
            case.query.update(key=real["key"], ids=real["public"])
        response = case.call_and_validate()
        assert response.status_code != 404, (kind, case.method, case.formatted_path, params, response.text)
