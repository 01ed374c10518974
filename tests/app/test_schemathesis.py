"""Schemathesis against the app's own OpenAPI schema: every operation, no 5xx, every response as documented.

The app runs with small limits (so generated requests stay cheap) and a temporary data directory. Path ids
are mostly swapped for real ones (a fresh run, a fresh saved run), so operations get past their 404s.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

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
RUN = {"optimizer": {"name": "gd", "lr": 0.1}, "stop": {"max_steps": 500}}


DATA_DIR = os.path.join(tempfile.gettempdir(), f"descent-schemathesis-{os.getpid()}")  # made on the first save
APP = create_app(Settings(data_dir=DATA_DIR, **LIMITS))  # type: ignore[arg-type]
# A schema cannot say everything: θ has as many numbers as the problem has parameters, a racer index must
# exist, the server's limits are settings. Such schema-valid requests get the documented 422 naming the field.
# The coverage phase (boundary values of every field, every unsupported method) runs thousands of cases for the
# big request bodies (a run spec, a run document): there, only the bounded fuzzing phase runs.
CONFIG = SchemathesisConfig.from_dict({
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "404", "409", "422", "429", "503"]}},
    "operations": [{"include-method-regex": "^(POST|PATCH|PUT)$", "phases": {"coverage": {"enabled": False}}}],
})
# Loaded at import time: schemathesis.pytest.from_fixture does not work with pytest 9.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    """A client of the app under test, to make real ids with (no lifespan: each request as schemathesis sends it)."""
    yield TestClient(APP)
    shutil.rmtree(DATA_DIR, ignore_errors=True)


def real_ids(client: Any, case: Any, rng: random.Random) -> None:
    """Most of the time, point the case's path at a run (and saved run) that exists."""
    params = case.path_parameters or {}
    if rng.random() < 0.15:
        return  # keep the generated (unknown) ids: the 404 paths get tried too
    if "run_id" in params:
        r = client.post("/api/runs", json=RUN)
        assert r.status_code == 201, r.text
        run_id = r.json()["id"]
        client.post(f"/api/runs/{run_id}/step", json={"n": rng.randint(1, 30)})
        params["run_id"] = run_id
    if "sid" in params:
        run_id = client.post("/api/runs", json=RUN).json()["id"]
        r = client.post(f"/api/runs/{run_id}/save", json={"name": "fuzz"})
        assert r.status_code == 201, r.text
        params["sid"] = r.json()["id"]


@pytest.mark.timeout(180)
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_operation_answers_as_documented(case: Any, api: TestClient) -> None:
    real_ids(api, case, random.Random(repr(case.path_parameters) + repr(case.body)[:200]))
    case.call_and_validate()
