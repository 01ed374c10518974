"""The page: index.html with the registry and limits, the static files, and Plotly served locally."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from app.deps import SettingsDep
from app.errors import RequestError, dumps
from app.routes.registry import registry_payload

APP_DIR = Path(__file__).resolve().parents[1]


def page_dir(name: str) -> Path:
    """templates/ or static/: installed beside the code (a wheel's app/<name>), else the source tree's."""
    installed = APP_DIR / name
    return installed if installed.is_dir() else APP_DIR.parent / name


TEMPLATES_DIR = page_dir("templates")
STATIC_DIR = page_dir("static")

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


@cache
def plotly_js() -> Path | None:
    """The plotly.min.js bundled with the installed `plotly` package (found without importing it)."""
    spec = importlib.util.find_spec("plotly")
    for base in (spec.submodule_search_locations or []) if spec else []:
        path = Path(base) / "package_data" / "plotly.min.js"
        if path.is_file():
            return path
    return None


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def index(request: Request, settings: SettingsDep) -> Response:
    """The playground page; `registry` and `limits` are given as dicts and as JSON text (`*_json`)."""
    registry = registry_payload(settings)
    limits = settings.limits()
    context = {"registry": registry, "limits": limits, "registry_json": dumps(registry), "limits_json": dumps(limits)}
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/vendor/plotly.min.js")
async def plotly() -> FileResponse:
    """Plotly from the installed package: the page works offline, with no CDN."""
    path = plotly_js()
    if path is None:
        raise RequestError((), "plotly.min.js not found: install the 'plotly' package", status_code=404)
    return FileResponse(path, media_type="text/javascript", headers={"cache-control": "public, max-age=86400"})
