"""Settings from the environment, generated schemas against the engine's tables, store expiry."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from app.errors import dumps
from app.schemas import OPTIMIZER_SPECS, OptimizerPatch, StopSpec
from app.settings import Settings
from engine.optimizers import OPTIMIZERS
from engine.run import STOP_SETTINGS
from tests.app.conftest import StrictClient, new_run, recv, strict_loads


def test_settings_from_env() -> None:
    s = Settings.from_env({"DESCENT_MAX_RUNS": "7", "DESCENT_MAX_SPEED": "1_000", "DESCENT_API_TOKEN": "t",
                           "DESCENT_IDLE_SECONDS": "", "OTHER": "x"})
    assert s.max_runs == 7 and s.max_speed == 1000.0 and s.api_token == "t" and s.idle_seconds == 3600.0
    with pytest.raises(ValueError, match="DESCENT_MAX_GRID"):
        Settings.from_env({"DESCENT_MAX_GRID": "lots"})
    assert "api_token" not in Settings(api_token="t").limits()
    with pytest.raises(ValueError, match="DESCENT_FRAME_HZ"):
        Settings(frame_hz=0)


def test_optimizer_schemas_follow_the_engine_tables() -> None:
    for name, opt in OPTIMIZERS.items():
        fields = OPTIMIZER_SPECS[name].model_fields
        for s in opt.settings:
            assert s.name in fields and fields[s.name].default == s.default, (name, s.name)
            assert s.name in OptimizerPatch.model_fields
    assert {s.name for s in STOP_SETTINGS} == set(StopSpec.model_fields)


def test_idle_runs_expire_but_watched_ones_do_not(client: StrictClient, settings: Settings) -> None:
    store: Any = client.app.state.store  # type: ignore[attr-defined]
    idle, watched = new_run(client), new_run(client)
    with client.websocket_connect(f"/api/runs/{watched['id']}/stream") as ws:
        recv(ws)
        gone = store.expire(now=time.monotonic() + settings.idle_seconds + 1)
        assert gone == [idle["id"]]
    assert client.get(f"/api/runs/{idle['id']}").status_code == 404
    assert client.get(f"/api/runs/{watched['id']}").status_code == 200


def test_json_never_carries_nan() -> None:
    text = dumps({"a": float("nan"), "b": [float("inf"), -float("inf"), 1e-6], "c": np.float64(np.nan),
                  "d": np.array([1.0, np.nan]), "e": np.int64(3), "f": 0.1 + 0.2})
    assert strict_loads(text) == {"a": None, "b": [None, None, 1e-6], "c": None, "d": [1.0, None], "e": 3,
                                  "f": 0.1 + 0.2}
