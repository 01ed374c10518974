"""Read-only views of a run for its guests: `GET /api/watch/{token}/surface` is `GET /api/runs/{id}/surface`.

A pure ASGI middleware rewrites a guest's GET of one of the run's read-only views (loss surface, arrows, flow,
data, history, the replay config, a network's weights and grids, the lecture's views) to the run's own route,
so watchers and students draw the same charts as the owner without ever holding the run id; anything else is
left alone (and so answers 404 or 405).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

VIEWS = ("config", "surface", "field", "flow", "data", "history", "network", "predict", "hidden", "backprop",
         "loss-compare", "slice", "line", "explain")
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")  # ".": "w2.…"


def guest_view(path: str) -> tuple[str, str, str] | None:
    """("watch" | "attempts", token, view) of a guest's view path, or None."""
    parts = path.split("/")
    if (len(parts) != 5 or parts[:2] != ["", "api"] or parts[2] not in ("watch", "attempts")
            or parts[4] not in VIEWS or not 0 < len(parts[3]) <= 100 or not TOKEN_CHARS.issuperset(parts[3])):
        return None
    return parts[2], parts[3], parts[4]


class GuestViews:
    """Rewrite a guest's GET of a read-only view to the run's route (the token resolved by app.state.classroom)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD", "POST"):
            m = guest_view(scope.get("path", ""))
            if m is not None and (scope["method"] != "POST" or m[2] == "predict"):  # POST predict: at given points
                classroom: Any = getattr(scope["app"].state, "classroom", None)
                run_id = classroom.run_of(m[0], m[1]) if classroom is not None else None
                if run_id is not None:
                    path = f"/api/runs/{run_id}/{m[2]}"
                    scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)
