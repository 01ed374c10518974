"""What a student may send on an attempt's websocket: drive the run, never change what the challenge locks."""

from __future__ import annotations

from typing import Any

DRIVE = ("play", "pause", "step", "subscribe", "ping")


def student_rule(allowed: list[str]) -> Any:
    """The rule of a challenge's attempts (app.classroom.guests.serve)."""
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

    return rule
