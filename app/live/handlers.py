"""What each client message does: a table from message type to its handler (app/schemas_socket_in.py has the
messages, app/live/socket_loop.py reads them and calls the handler of their type).

A handler gets the validated message, the client that sent it and the run's player; what it answers goes to
that client only, what changes the run reaches every watcher through the player.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.live.client import Client
from app.live.player import Player
from app.schemas import dump
from app.schemas_socket_in import (
    CLIENT_MESSAGES,
    AddRacerMsg,
    PauseMsg,
    PingMsg,
    PlayMsg,
    RemoveRacerMsg,
    ResetMsg,
    SetMsg,
    SetWeightMsg,
    StepMsg,
    SubscribeMsg,
)
from app.schemas_socket_out import Pong

Handler = Callable[[Any, Client, Player], Awaitable[None]]


def _where_it_is(client: Client, player: Player, before: int) -> None:
    """Play or pause changed nothing (already paused, or finished): the client is told where the run is."""
    if player.status_count == before:
        client.push(player.status_message(), flush=True)


async def play(msg: PlayMsg, client: Client, player: Player) -> None:
    before = player.status_count
    player.play(msg.speed)
    _where_it_is(client, player, before)


async def pause(msg: PauseMsg, client: Client, player: Player) -> None:
    before = player.status_count
    player.pause()
    _where_it_is(client, player, before)


async def step(msg: StepMsg, client: Client, player: Player) -> None:
    await player.step(msg.n)


async def set_settings(msg: SetMsg, client: Client, player: Player) -> None:
    await player.set(dump(msg.optimizer), dump(msg.stop), msg.racer)


async def reset(msg: ResetMsg, client: Client, player: Player) -> None:
    await player.reset(msg.params)


async def add_racer(msg: AddRacerMsg, client: Client, player: Player) -> None:
    await player.add_racer(msg.racer.model_dump(exclude_unset=True), field="racer")


async def remove_racer(msg: RemoveRacerMsg, client: Client, player: Player) -> None:
    await player.remove_racer(msg.racer)


async def subscribe(msg: SubscribeMsg, client: Client, player: Player) -> None:
    client.push(client.subscribe(msg))
    player.subscribed(client)


async def set_weight(msg: SetWeightMsg, client: Client, player: Player) -> None:
    await player.set_weight(msg.layer, msg.i, msg.j, msg.value, msg.racer)


async def ping(msg: PingMsg, client: Client, player: Player) -> None:
    client.push(Pong(), flush=True)  # a barrier: every step taken before the ping precedes it


HANDLERS: dict[str, Handler] = {
    "play": play, "pause": pause, "step": step, "set": set_settings, "reset": reset, "add_racer": add_racer,
    "remove_racer": remove_racer, "subscribe": subscribe, "set_weight": set_weight, "ping": ping,
}
assert HANDLERS.keys() == CLIENT_MESSAGES.keys(), "every client message type has exactly one handler"


async def handle(msg: Any, client: Client, player: Player) -> None:
    """Carry out one valid client message."""
    await HANDLERS[msg.type](msg, client, player)
