"""The challenge tables on SQLite and on PostgreSQL (tests/conftest.py's server): limits counted in the write's
transaction, records kept across store objects (a restart)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.classroom.records import ChallengeRecords, Refused, now
from app.settings import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return Settings(data_dir=str(tmp_path), store_url=url, max_challenges=50, max_students=2, max_attempts=2,
                    max_board=3)


def test_challenges_and_attempts_are_kept_with_their_limits(settings: Settings) -> None:
    db = ChallengeRecords(settings)
    cid, key = db.create({"title": "t", "created": now(), "goal": {"kind": "largest_lr"}}, owner="local")
    assert db.challenge(cid) == {"id": cid, "key": key, "owner": "local", "title": "t",
                                 "created": db.challenge(cid)["created"], "goal": {"kind": "largest_lr"}}
    assert db.challenge("nope") is None
    a1, p1 = db.add_attempt(cid, "ada", "Ada", {"name": "Ada", "created": now(), "t": 0})
    db.add_attempt(cid, "ada", "ADA", {"name": "ADA", "created": now(), "t": 0})
    with pytest.raises(Refused) as refused:
        db.add_attempt(cid, "ada", "Ada", {"name": "Ada", "created": now()})
    assert refused.value.status == 429 and "max_attempts" in str(refused.value)
    db.add_attempt(cid, "grace", "Grace", {"name": "Grace", "created": now(), "t": 0})
    with pytest.raises(Refused, match="max_board"):
        db.add_attempt(cid, "alan", "Alan", {"name": "Alan", "created": now()})
    db.update_attempts([(a1, {"name": "Ada", "created": "x", "t": 42, "path": [{"t": 0, "loss": 0.1}]})])
    again = ChallengeRecords(settings)  # another process, or after a restart
    rows = again.attempts(cid)
    assert [r["name"] for r in rows] == ["Ada", "ADA", "Grace"] and rows[0]["t"] == 42 and rows[0]["public"] == p1
    assert again.attempt(a1)["challenge"] == cid and again.attempt("nope") is None
    cid2, _ = again.create({"title": "u", "created": now()}, owner=None)
    again.add_attempt(cid2, "a", "A", {"name": "A", "created": now()})
    again.add_attempt(cid2, "b", "B", {"name": "B", "created": now()})
    with pytest.raises(Refused, match="max_students"):
        again.add_attempt(cid2, "c", "C", {"name": "C", "created": now()})


def test_challenges_live_in_the_saved_runs_database(settings: Settings) -> None:
    from app.saved import open_saved

    records, saved = ChallengeRecords(settings), open_saved(settings)
    assert type(records.db) is type(saved.db)  # type: ignore[attr-defined]
    if settings.store_url:
        assert records.db.url == saved.db.url == settings.store_url  # type: ignore[attr-defined,union-attr]
    else:
        assert records.db.path == saved.db.path == Path(settings.data_dir) / "descent.sqlite3"  # type: ignore
    cid, _ = records.create({"title": "t", "created": now()}, owner=None)
    assert ChallengeRecords(settings).challenge(cid)["title"] == "t"
