"""The interactive API docs, /docs (Swagger UI 5) and /redoc, from assets installed with the package.

Swagger UI and ReDoc come from the `fastapi-offline` package (FastAPI publishes OpenAPI 3.1, which Swagger UI 4
cannot render), served under /docs/assets/, so the docs work on a network without the internet. The pages get
the same Content-Security-Policy as the playground: everything from 'self', and Swagger UI's one inline start-up
script allowed by its hash only.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

from app.errors import RequestError

router = APIRouter(include_in_schema=False)
ASSETS = "/docs/assets"
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
INLINE_SCRIPT = r"<script>(.*?)</script>"  # Swagger UI's start-up script


@cache
def assets_dir() -> Path | None:
    """The static folder of the installed `fastapi_offline` package (found without importing it)."""
    spec = importlib.util.find_spec("fastapi_offline")
    for base in (spec.submodule_search_locations or []) if spec else []:
        path = Path(base) / "static"
        if path.is_dir():
            return path
    return None


def docs_csp(html: str) -> str:
    """The page's policy (app/middleware.py) with the page's inline scripts allowed by their SHA-256."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in re.findall(INLINE_SCRIPT, html, re.DOTALL)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    )


def with_csp(page: HTMLResponse) -> HTMLResponse:
    """The response with its own Content-Security-Policy (the middleware keeps a policy already set)."""
    page.headers["content-security-policy"] = docs_csp(bytes(page.body).decode("utf-8"))
    return page


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI, every operation of /openapi.json, with "Try it out"."""
    root = _root(request)
    return with_csp(get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - Swagger UI",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from the validator's site
    ))


@router.get("/docs/oauth2-redirect", response_class=HTMLResponse)
async def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 redirect page (as FastAPI serves it by default)."""
    return with_csp(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc: the same operations as a reference page, without Google's fonts."""
    root = _root(request)
    return with_csp(get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
        with_google_fonts=False,
    ))


@router.get(ASSETS + "/{name}")
async def asset(name: str) -> FileResponse:
    """One of Swagger UI's and ReDoc's files, from the installed `fastapi-offline` package."""
    folder = assets_dir()
    if name not in ASSET_TYPES or folder is None or not (folder / name).is_file():
        raise RequestError(("path", "name"), f"no docs asset {name[:80]!r}", status_code=404)
    return FileResponse(folder / name, media_type=ASSET_TYPES[name],
                        headers={"cache-control": "public, max-age=86400"})
