"""The classroom's pages: a watch link (/watch/{token}) and a challenge link (/challenge/{id}) open the playground
page, which sees the path and becomes a watcher's or a student's page (static/js/classroom/)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.deps import SettingsDep
from app.routes.pages import index

router = APIRouter(include_in_schema=False)


@router.get("/watch/{token}", response_class=HTMLResponse)
async def watch_page(request: Request, settings: SettingsDep, token: str) -> Response:
    """The page of a watch link: "watching <name>", controls disabled, a Fork button."""
    return await index(request, settings)


@router.get("/challenge/{cid}", response_class=HTMLResponse)
async def challenge_page(request: Request, settings: SettingsDep, cid: str) -> Response:
    """The page of a challenge link: a student types a name and starts an attempt; the board beside it."""
    return await index(request, settings)
