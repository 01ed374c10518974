"""nginx is the server's front line: a request head or body sent too slowly is cut off, one address may hold
only so many connections, an idle websocket is closed; none of it reaches an app process. The limits are
those of tests/deploy/conftest.py (FRONT): short, so each test takes seconds."""

from __future__ import annotations

import socket
from contextlib import ExitStack

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.settings import worker_name_ok
from deploy import nginx_conf
from tests.deploy.stack import FRONT, Stack
from tests.deploy.test_proxy import new_run, recv, stream


def trickle(stack: Stack, head: bytes, tail: bytes, gap: float) -> tuple[int, bytes]:
    """Send `head` at once, then `tail` one byte every `gap` seconds; returns (bytes of tail sent, what came
    back) once the proxy answers or closes the connection (or the whole tail is sent)."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=30) as s:
        s.sendall(head)
        for sent in range(len(tail)):
            s.settimeout(gap)
            try:
                answer = s.recv(65536)
                return sent, answer  # an answer (or b"": closed) before the request was complete
            except TimeoutError:
                pass
            except ConnectionResetError:
                return sent, b""
            try:
                s.sendall(tail[sent:sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                return sent, b""
        s.settimeout(30)
        return len(tail), s.recv(65536)


def test_a_request_head_sent_one_byte_at_a_time_is_cut_off(stack: Stack) -> None:
    """client_header_timeout (2 s here) bounds the whole head, however steadily it trickles in."""
    header = b"X-Slow: " + b"a" * 60 + b"\r\n\r\n"
    sent, answer = trickle(stack, b"GET /api/health HTTP/1.1\r\nHost: t\r\n", header, gap=0.25)
    assert sent < len(header) and b"200 OK" not in answer, (sent, answer[:100])


def test_a_request_body_sent_one_byte_a_second_is_cut_off(stack: Stack) -> None:
    """client_body_timeout (500 ms here) is the longest pause between two reads of a body."""
    body = b'{"optimizer": {"name": "gd", "lr": 0.1}, "seed": 1}'
    head = (b"POST /api/runs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    sent, answer = trickle(stack, head, body, gap=1.0)
    assert sent < len(body), "the whole body trickled in"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:100]
    # The same body sent at once makes a run.
    with stack.client() as http:
        assert http.post("/api/runs", content=body, headers={"content-type": "application/json"}).status_code == 201


def test_one_address_holds_at_most_conn_per_address_connections(stack: Stack) -> None:
    with stack.client() as http:
        run_id = new_run(http)["id"]
        with ExitStack() as held:
            for _ in range(FRONT.conn_per_address):
                ws = held.enter_context(stream(stack, run_id))
                assert recv(ws)["type"] == "hello"
            with pytest.raises(InvalidStatus) as refused:  # one more websocket ...
                stream(stack, run_id)
            assert refused.value.response.status_code == 429
            with stack.client() as other:
                assert other.get("/api/health").status_code == 429  # ... or any request
        assert http.get("/api/health").status_code == 200  # closed: room again


def test_an_idle_websocket_is_closed_and_a_playing_one_is_not(stack: Stack) -> None:
    """proxy_read_timeout on the stream route (3 s here): nothing from the app for that long closes it."""
    with stack.client() as http:
        idle, playing = new_run(http)["id"], new_run(http)["id"]
    with stream(stack, idle) as ws, stream(stack, playing) as live:
        assert recv(ws)["type"] == "hello" and recv(live)["type"] == "hello"
        live.send('{"type": "play", "speed": 50}')
        with pytest.raises(ConnectionClosed):
            for _ in range(100):
                ws.recv(timeout=30)  # nothing comes, until the proxy closes it
        # Opened with the idle one, the playing socket has outlived the idle timeout: it still delivers.
        live.send('{"type": "ping"}')
        while recv(live)["type"] != "pong":
            pass


def test_the_config_names_every_process() -> None:
    workers = [nginx_conf.Worker(f"w{i}", f"10.0.0.{i}:8001") for i in range(1, 4)]
    text = nginx_conf.render(workers, "0.0.0.0:80", "/var/lib/descent-nginx")
    for w in workers:
        assert f"~^/api/(?:runs|watch|attempts)/{w.name}\\. descent_{w.name};" in text  # ids, tokens, attempts
        assert f"server {w.address} max_fails=1" in text
    for bad in ("w.1=h:1", "w1=nohost", "=h:1", "w1"):
        with pytest.raises(ValueError):
            nginx_conf.Worker.parse(bad)
    with pytest.raises(ValueError, match="differ"):
        nginx_conf.render([workers[0], workers[0]], "80", "/tmp")
    for name in ("w1", "W", "a" * 16, "a" * 17, "", "w-1", "w.1", "wé", "w 1", "w_1"):  # the proxy routes on
        assert bool(nginx_conf.WORKER_NAME.fullmatch(name)) == worker_name_ok(name), name  # what the app writes



def test_the_app_sees_the_address_nginx_saw_never_one_the_client_claims(stack: Stack) -> None:
    """nginx sets X-Forwarded-For to the peer's address, and the app (trusting nginx alone) counts clients by it."""
    claimed = {"x-forwarded-for": "203.0.113.9"}
    with stack.client() as http:
        run_id = new_run(http)["id"]
        sid = http.post(f"/api/runs/{run_id}/save", json={"name": "spoofed"}, headers=claimed).json()["id"]
        assert sid in [s["id"] for s in http.get("/api/saved").json()]  # saved as loopback's, not 203.0.113.9's
        assert sid in [s["id"] for s in http.get("/api/saved", headers=claimed).json()]  # the claim is dropped
    port = stack.ports[run_id.partition(".")[0]]
    direct = httpx.get(f"http://127.0.0.1:{port}/api/saved", headers=claimed)  # from the trusted proxy address
    assert sid not in [s["id"] for s in direct.json()]  # the app does read the header nginx sends
