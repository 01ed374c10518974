"""Assemble the app: settings, store, routers, static files, templates, middleware."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import docs, errors
from app.bounds import publish_openapi
from app.classroom.room import Classroom
from app.classroom.views import GuestViews
from app.errors import SafeJSONResponse
from app.live.pacing import Pacer
from app.middleware import BodyLimit, SecurityHeaders, TokenAuth
from app.routes import (
    challenges,
    classroom_pages,
    landscape,
    lecture,
    network,
    pages,
    registry,
    runs,
    saved,
    share,
    stream,
    watch,
)
from app.saved import open_saved
from app.schemas import error_responses
from app.settings import Settings
from app.socket_schema import publish_socket
from app.store import Store
from engine.warm import warm

DESCRIPTION = """Descent: watch gradient descent work. Create runs, drive them over REST, and watch them live over
the websocket `/api/runs/{id}/stream` (its messages below, and under Schemas). Every error names its field; JSON
never carries NaN or Infinity."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app with its own store; settings default to the `DESCENT_*` environment variables."""
    settings = settings or Settings.from_env()
    pacer = Pacer(settings.frame_hz)
    store = Store(settings, pacer)
    saved_runs = open_saved(settings)  # opened on first use

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything made so far (modules, schemas, tables) lives as long as the server: out of the collector's
        # way, so its full collections (pauses of the event loop) have less to walk.
        if not gc.get_freeze_count():  # once a process (tests start many apps)
            gc.collect()
            gc.freeze()
        # The compiled network step (engine/kernels.py) loads from its on-disk cache in a worker thread, so that
        # the first network run does not wait for it (a run that comes sooner waits, it does not change path).
        asyncio.get_running_loop().run_in_executor(None, warm)
        sweeper = asyncio.create_task(store.sweep_forever(), name="expire idle runs")
        pacing = asyncio.create_task(pacer.watch(), name="pace under load")
        figures = asyncio.create_task(app.state.classroom.write_back_forever(), name="attempts' figures")
        try:
            yield
        finally:
            sweeper.cancel()
            pacing.cancel()
            figures.cancel()
            await store.aclose()  # play loops stopped, sockets closed (1001); saved runs are already on disk
            saved_runs.close()

    # Every operation may answer 400 (a body that is not JSON text), 401 (the token) and 413 (the body limit).
    # The docs pages are app/docs.py's: Swagger UI and ReDoc from installed files, not from a CDN.
    app = FastAPI(title="Descent", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  default_response_class=SafeJSONResponse, responses=error_responses(400, 401, 413),
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.store = store
    app.state.pacer = pacer
    app.state.saved = saved_runs
    app.state.classroom = Classroom(store, settings)
    errors.install(app)
    for module in (runs, share, saved, watch, challenges, landscape, network, lecture, stream, registry, pages,
                   classroom_pages, docs):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR, check_dir=False), name="static")
    # Outermost last: headers on every answer, then the token, then the body limit; innermost, guests' views.
    app.add_middleware(GuestViews)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(TokenAuth, token=settings.api_token)
    app.add_middleware(SecurityHeaders)
    publish = app.openapi

    def openapi() -> dict[str, Any]:  # the server's limits written into its schema, once (FastAPI caches it)
        if app.openapi_schema is None:
            app.openapi_schema = publish_openapi(publish_socket(publish()), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
