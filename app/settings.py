"""Server settings and limits in one object, read from `DESCENT_*` environment variables."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ENV_PREFIX = "DESCENT_"


def worker_name_ok(name: str) -> bool:
    """A process name: 1-16 ASCII letters and digits (it starts run ids; deploy/nginx_conf.py routes on it)."""
    return 1 <= len(name) <= 16 and name.isascii() and name.isalnum()


@dataclass(frozen=True)
class Settings:
    """Every limit the server enforces, each refused with a clear message when passed."""

    max_runs: int = 500  # runs held at once (all clients together)
    max_runs_per_client: int = 50  # runs one client (IP address) holds at once; loopback clients are exempt
    max_racers: int = 16  # racers (optimisers) in one run
    max_grid: int = 300  # n of the n × n loss surface
    max_field: int = 60  # n of the n × n −∇J arrow field
    max_flow_starts: int = 16  # gradient-flow starts per side of the box (4 sides)
    max_steps_per_request: int = 100_000  # n of one POST /step or websocket step message
    max_run_steps: int = 1_000_000  # a run's max_steps is at most this ("null: no limit but the server's")
    max_points: int = 100_000  # data points of one problem (generated, given or CSV rows)
    max_body_bytes: int = 16 * 1024 * 1024  # size of one HTTP request body
    max_message_bytes: int = 64 * 1024  # size of one websocket message from a client
    max_speed: float = 20_000.0  # play speed, steps per second per racer
    frame_hz: int = 30  # websocket frames per second at most (and the play loop's tick rate)
    hello_steps: int = 20_000  # step records sent in a websocket hello (the latest ones)
    max_history_rows: int = 20_000_000  # step records all runs hold together (~50-100 bytes each): past it, no steps
    max_pending_steps: int = 50_000  # step records waiting for one slow client; older ones are dropped
    idle_seconds: float = 3600.0  # runs nobody touched (and nobody watches) for this long expire
    sweep_seconds: float = 60.0  # how often idle runs are looked for
    max_messages_per_second: float = 200.0  # websocket messages read per connection per second (more wait)
    max_events: int = 10_000  # live changes since the last reset that a run can be saved, exported or imported with
    max_record_bytes: int = 8 * 1024 * 1024  # one saved run (config + event log) as JSON
    max_saved: int = 10_000  # saved runs kept (all clients together)
    max_saved_per_client: int = 200  # saved runs of one client (IP address); loopback clients are exempt
    max_watchers: int = 500  # sockets watching one broadcast run (a watch link)
    max_challenges: int = 1_000  # class challenges kept (all teachers together)
    max_students: int = 200  # students (names) in one challenge
    max_attempts: int = 5  # attempts of one student at one challenge
    max_board: int = 1_000  # attempts on one challenge's board (all students together)
    data_dir: str = "./data"  # where the SQLite file of saved runs lives (descent.sqlite3)
    store_url: str | None = None  # postgresql://... keeps saved runs in PostgreSQL instead (needs psycopg)
    api_token: str | None = None  # when set, /api/* and the websocket need `Authorization: Bearer <token>`
    worker: str | None = None  # this process's name behind a proxy (deploy/): its run ids start with "<worker>."

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not value > 0:
                raise ValueError(f"{f.name} ({ENV_PREFIX}{f.name.upper()}) must be > 0, got {value}")
        if self.api_token is not None and not self.api_token.strip():
            raise ValueError(f"api_token ({ENV_PREFIX}API_TOKEN) must not be blank")
        if self.worker is not None and not worker_name_ok(self.worker):
            raise ValueError(f"worker ({ENV_PREFIX}WORKER) must be 1-16 letters and digits (it starts run ids, "
                             f"and the proxy routes on it), got {self.worker!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings with each field overridden by `DESCENT_<FIELD>` when that variable is set."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            kind = type(f.default) if f.default is not None else str
            try:
                values[f.name] = kind(raw.replace("_", "")) if kind in (int, float) else raw
            except ValueError:
                raise ValueError(f"{ENV_PREFIX}{f.name.upper()} must be a {kind.__name__}, got {raw!r}") from None
        return cls(**values)

    def limits(self) -> dict[str, Any]:
        """The limits a client may want to know (everything but the token)."""
        out = dataclasses.asdict(self)
        for private in ("api_token", "data_dir", "store_url", "worker"):  # secrets and server paths stay on the server
            out.pop(private)
        out["auth"] = self.api_token is not None
        return out
