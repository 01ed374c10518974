"""The classroom of one app: its broadcasts (watch links) and challenges, and how a guest token finds its run."""

from __future__ import annotations

from app.classroom.broadcasts import Broadcasts
from app.settings import Settings
from app.store import Store


class Classroom:
    """Broadcasts and challenges of one app (app.state.classroom)."""

    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self.broadcasts = Broadcasts(store, settings)

    def run_of(self, kind: str, token: str) -> str | None:
        """The run a guest token reaches: `watch` tokens, `attempts` ids; None when there is none."""
        if kind == "watch":
            return self.broadcasts.run_id(token)
        return None
