"""Class challenges: a teacher makes one from a run; each student starts attempts (runs of their own, locked to
the challenge's rules); the board lists every attempt, sorted by the goal; the teacher fetches paths to overlay.

A challenge id is the join link (/challenge/{id}); the key returned when it is made is the teacher's (paths).
An attempt id is the student's capability to their run (its websocket /api/attempts/{id}/stream and read-only
views /api/attempts/{id}/surface ...); the board shows each attempt under a public id of its own.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, WebSocket
from fastapi.concurrency import run_in_threadpool

from app.classroom import challenges as ch
from app.classroom.records import Refused, now
from app.classroom.roles import student_role, without_id
from app.classroom.room import Classroom
from app.deps import EntryDep, SettingsDep, StoreDep
from app.errors import RequestError
from app.limits import OwnerDep
from app.live.socket_loop import serve
from app.routes.watch import ClassroomDep
from app.schemas_classroom import AttemptRequest, Board, ChallengeInfo, ChallengeRequest, error_responses
from app.settings import Settings

router = APIRouter(prefix="/api", tags=["classroom"], responses=error_responses(400, 401, 404, 413))
ChallengeId = Annotated[str, Path(max_length=100, description="the challenge id (from POST /api/runs/{id}/challenge)")]
AttemptId = Annotated[str, Path(max_length=100, description="the attempt id (from POST /api/challenges/{id}/attempts)")]
MAX_PATHS = 50  # attempts whose paths one request may ask for


async def challenge_of(classroom: Classroom, cid: str) -> dict[str, Any]:
    """The stored challenge; 404 naming the id."""
    found = await run_in_threadpool(classroom.records.challenge, cid)
    if found is None:
        raise RequestError(("path", "cid"), f"no challenge with id {cid[:80]!r}", 404)
    return found


def public(c: dict[str, Any], attempts: list[dict[str, Any]]) -> dict[str, Any]:
    """What students see of a challenge."""
    spec = c["config"]["optimizer"]
    return {"id": c["id"], "title": c["title"], "goal": c["goal"], "goal_text": ch.describe(c["goal"], c["limit"]),
            "limit": c["limit"], "allowed": c["allowed"], "settings": {k: spec.get(k) for k in c["allowed"]},
            "optimizer": spec["name"], "problem": c["config"]["problem"].get("kind", "linear_regression"),
            "students": len({ch.student_key(a["name"]) for a in attempts}), "attempts": len(attempts)}


@router.post("/runs/{run_id}/challenge", status_code=201, response_model=ChallengeInfo,
             summary="Make a class challenge from a run", responses=error_responses(409, 503))
async def create_challenge(entry: EntryDep, body: ChallengeRequest, classroom: ClassroomDep, settings: SettingsDep,
                           owner: OwnerDep) -> dict[str, Any]:
    """Every attempt starts from this run's start as it is set now; returns the challenge and the teacher's `key`."""
    if body.limit > settings.max_run_steps:
        raise RequestError(("body", "limit"), f"must be ≤ {settings.max_run_steps:,} (max_run_steps), got {body.limit}")
    goal = body.goal.model_dump()
    if goal["kind"] == "fewest_steps" and goal["target"] is None:
        raise RequestError(("body", "goal", "target"), "fewest_steps needs a target J to reach")
    allowed = list(dict.fromkeys(body.allowed))
    async with entry.player.lock:
        config = ch.challenge_config(entry.run, goal, body.limit, allowed)
    record = {"title": body.title, "goal": goal, "limit": body.limit, "allowed": allowed, "config": config,
              "created": now()}
    try:
        cid, key = await run_in_threadpool(classroom.records.create, record, owner)
    except Refused as exc:
        raise RequestError(exc.field, str(exc), exc.status) from None
    return {**public({"id": cid, **record}, []), "key": key}


@router.get("/challenges/{cid}", response_model=ChallengeInfo, summary="A challenge")
async def read_challenge(cid: ChallengeId, classroom: ClassroomDep) -> dict[str, Any]:
    """Its title, goal, limit, the settings students may choose (with the teacher's values) and counts."""
    c = await challenge_of(classroom, cid)
    return public(c, await run_in_threadpool(classroom.records.attempts, cid))


@router.post("/challenges/{cid}/attempts", status_code=201, summary="Start an attempt",
             responses=error_responses(409, 429, 503))
async def start_attempt(cid: ChallengeId, body: AttemptRequest, classroom: ClassroomDep,
                        store: StoreDep) -> dict[str, Any]:
    """A run of the student's own from the challenge's start with their settings; `id` drives it (websocket)."""
    c = await challenge_of(classroom, cid)
    store.check_room(None)  # the challenge's limits, not the client's, bound its students (a class shares one IP)
    run = ch.attempt_run(c["config"], c["allowed"], body.settings)
    record = {"name": body.name, "settings": ch.chosen(run, c["allowed"]), "created": now(),
              **ch.measure(run, c["goal"], c["limit"]), "path": ch.path(run, ch.PATH_POINTS)}
    try:
        aid, pub = await run_in_threadpool(classroom.records.add_attempt, cid, ch.student_key(body.name), body.name,
                                           record)
    except Refused as exc:
        raise RequestError(exc.field, str(exc), exc.status) from None
    entry = store.add(run, None)
    classroom.attempts[aid] = ch.LiveAttempt(aid, pub, cid, entry.id, record, (0, record["status"]), time.monotonic(),
                                             c["goal"], c["limit"])
    classroom.boards.pop(cid, None)  # the next board shows it
    return {"id": aid, "public": pub, "challenge": cid, "name": body.name, "settings": record["settings"],
            "goal_text": ch.describe(c["goal"], c["limit"]),
            "state": without_id({"state": entry.player.state()})["state"]}


@router.get("/attempts/{aid}", summary="An attempt")
async def read_attempt(aid: AttemptId, classroom: ClassroomDep) -> dict[str, Any]:
    """The attempt's name, settings, figures and, while its run is held, its state (without the run id)."""
    stored = await run_in_threadpool(classroom.records.attempt, aid)
    if stored is None:
        raise RequestError(("path", "aid"), f"no attempt with id {aid[:80]!r}", 404)
    found = classroom.attempt_entry(aid)
    state = without_id({"state": found[1].player.state()})["state"] if found else None
    return {k: stored[k] for k in ("challenge", "public", "name", "settings", "created")} | {
        "id": aid, "live": found is not None, "state": state}


async def rows_of(classroom: Classroom, c: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The board's rows (live figures where this process holds the run, stored ones otherwise), and the stored
    attempts. Live figures are written back (at once when the status changed, else at most every SAVE_EVERY
    seconds), here and by each process's Classroom.write_back_forever, so the board survives a restart and every
    process behind the proxy shows the others' attempts too."""
    stored = await run_in_threadpool(classroom.records.attempts, c["id"])
    live = classroom.live_of(c["id"])
    rows, changed = [], []
    now_s = time.monotonic()
    for a in stored:
        found = live.get(a["public"])
        figures = {k: a.get(k) for k in ("status", "t", "loss", "accuracy", "score")}
        if found is not None:
            la, entry = found
            figures, due = la.figures(entry.run, now_s, entry.player.playing)
            if due is not None:
                changed.append((la.aid, due))
        rows.append({"id": a["public"], "name": a["name"], "settings": a["settings"], "created": a["created"],
                     "live": found is not None, **figures})
    if changed:
        await run_in_threadpool(classroom.records.update_attempts, changed)
    return ch.ranked(rows, c["goal"]), stored


@router.get("/challenges/{cid}/board", response_model=Board, summary="The challenge's board")
async def board(cid: ChallengeId, classroom: ClassroomDep) -> dict[str, Any]:
    """Every attempt (name, settings, status, t, J, accuracy, score, rank), sorted by the goal (at most
    BOARD_TTL = 0.5 s old: every student's page polls it)."""
    cached = classroom.boards.get(cid)
    if cached is not None and time.monotonic() - cached[0] < ch.BOARD_TTL:
        out: dict[str, Any] = cached[1]
        return out
    c = await challenge_of(classroom, cid)
    rows, stored = await rows_of(classroom, c)
    result = {"challenge": public(c, stored), "rows": rows}
    classroom.boards[cid] = (time.monotonic(), result)
    return result


@router.get("/challenges/{cid}/paths", summary="Attempts' paths to overlay (the teacher's)",
            responses=error_responses(403))
async def paths(cid: ChallengeId, classroom: ClassroomDep,
                key: Annotated[str, Query(max_length=100, description="the teacher's key (from making the challenge)")],
                ids: Annotated[str, Query(max_length=2000, description="public attempt ids, comma-separated")]
                ) -> dict[str, Any]:
    """Each asked attempt's path (t, J and θ when the problem has at most 16 parameters), thinned."""
    c = await challenge_of(classroom, cid)
    if key != c["key"]:
        raise RequestError(("query", "key"), "wrong teacher key for this challenge", 403)
    wanted = [i for i in ids.split(",") if i]
    if len(wanted) > MAX_PATHS:
        raise RequestError(("query", "ids"), f"at most {MAX_PATHS} attempts at once, got {len(wanted)}")
    stored = {a["public"]: a for a in await run_in_threadpool(classroom.records.attempts, cid)}
    live = classroom.live_of(cid)
    out = []
    for pub in wanted:
        if pub not in stored:
            raise RequestError(("query", "ids"), f"no attempt {pub[:40]!r} in this challenge", 404)
        a = stored[pub]
        found = live.get(pub)
        points = ch.path(found[1].run, ch.SERVED_PATH_POINTS) if found else a.get("path", [])
        out.append({"id": pub, "name": a["name"], "settings": a["settings"], "path": points})
    return {"attempts": out}


@router.websocket("/attempts/{aid}/stream")
async def attempt_stream(websocket: WebSocket, aid: str) -> None:
    """The student's own run: hello, frames, status...; play, pause, step, reset (no params); settings locked."""
    classroom: Classroom = websocket.app.state.classroom
    settings: Settings = websocket.app.state.settings
    await websocket.accept()
    found = classroom.attempt_entry(aid)
    if found is None:
        await websocket.close(1008, "no such attempt on this server (its run may have expired or the server "
                              "restarted): start a new one")
        return
    live, entry = found
    c = await challenge_of(classroom, live.challenge)
    entry.touch()
    await serve(websocket, entry, settings, student_role(c["allowed"]))
