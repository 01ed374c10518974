"""Descent from Python: a client of the server (blocking and asyncio), live charts in Jupyter (`run.show()`),
and `python -m descent serve`.

    from descent import Client
    c = Client("http://127.0.0.1:8000")
    run = c.lesson("lr-too-big")
    run.step(100)
"""

from descent.aclient import AsyncClient, AsyncRun
from descent.classroom import AsyncAttempt, AsyncChallenge, AsyncWatched, Attempt, Challenge, Watched
from descent.client import Client, Run
from descent.errors import DescentError
from descent.stream import AsyncStream, Stream

__all__ = ["AsyncAttempt", "AsyncChallenge", "AsyncClient", "AsyncRun", "AsyncStream", "AsyncWatched", "Attempt",
           "Challenge", "Client", "DescentError", "Run", "Stream", "Watched"]
