"""What a guest may send on a run's websocket: a watcher looks, a student drives within the challenge's rules.

A guest's session is the owner's (app/live/socket_loop.py) with one of these roles: its messages never carry
the run id, and each message it sends is first put to the role's rule. Watchers may only `subscribe` and
`ping`; students in a challenge may also play, pause, step and reset their own run (to the challenge's start),
never change what the challenge locks. What a guest may not send is refused with an `error` message naming
it (the connection stays open), by the server, whatever the page does.
"""

from __future__ import annotations

from typing import Any

from app.live.socket_loop import Role

DRIVE = ("play", "pause", "step", "subscribe", "ping")


def without_id(msg: dict[str, Any]) -> dict[str, Any]:
    """The message with its `state` stripped of the run id (a shallow copy; the player's cache is untouched)."""
    state = msg.get("state")
    if isinstance(state, dict) and "id" in state:
        return {**msg, "state": {k: v for k, v in state.items() if k != "id"}}
    return msg


def watcher_rule(msg: Any) -> str | None:
    """Watchers look, never touch."""
    if msg.type in ("subscribe", "ping"):
        return None
    return (f"a watch link cannot {msg.type} the run: only its owner can change it (fork it to get a run "
            f"of your own: POST /api/watch/{{token}}/fork)")


WATCHER = Role("watcher", show_id=False, rule=watcher_rule)


def student_role(allowed: list[str]) -> Role:
    """The role of a challenge's attempts, which let students choose the `allowed` settings when they start."""
    choose = ", ".join(allowed) if allowed else "nothing"

    def rule(msg: Any) -> str | None:
        if msg.type in DRIVE:
            return None
        if msg.type == "reset":
            return None if msg.params is None else "an attempt starts where the challenge starts: reset without params"
        if msg.type == "set":
            return (f"settings are chosen when an attempt starts (this challenge lets you choose {choose}): "
                    f"start a new attempt to try others")
        return f"an attempt is one optimizer: {msg.type} is not allowed in a challenge"

    return Role("student", show_id=False, rule=rule)
