"""Descent from Python: a client of the server (blocking and asyncio), live charts in Jupyter (`run.show()`),
and `python -m descent serve`.

    from descent import Client
    c = Client("http://127.0.0.1:8000")
    run = c.lesson("lr-too-big")
    run.step(100)
"""

from descent.aclient import AsyncClient, AsyncRun
from descent.client import Client, Run
from descent.errors import DescentError
from descent.stream import AsyncStream, Stream

__all__ = ["AsyncClient", "AsyncRun", "AsyncStream", "Client", "DescentError", "Run", "Stream"]
