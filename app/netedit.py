"""A weight of a network set by hand, live: the one place REST (PATCH /network) and the websocket
(`set_weight`) both go through, so both take the run's lock, log the edit and tell every watcher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.edits import set_weight

if TYPE_CHECKING:
    from app.player import Player
    from app.schemas_network import WeightEdit


async def edit_weight(player: Player, edit: WeightEdit) -> None:
    """Set the weight (between steps: the next one starts from it); watchers get the new weights in a frame."""
    async with player.lock:
        set_weight(player.run, edit.layer, edit.i, edit.j, edit.value, racer=edit.racer)
        if player.net is not None and edit.racer == 0:
            player.net.epoch += 1  # racer 0's weights jumped without a step: frames and grids carry them again
    player.changed()
