"""A stand-in HTTP server on 127.0.0.1 that answers as a test tells it to: for the answers
a real server does not give (401, 403, wrong JSON, slowness, a huge body)."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Callable
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


Answer = Callable[[http.server.BaseHTTPRequestHandler], None]


class FakeServer(http.server.ThreadingHTTPServer):
    """Answers every GET with :attr:`answer`; remembers the requests' headers."""

    daemon_threads = True
    answer: Answer
    seen: list[dict[str, str]]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FakeServer

    def do_GET(self) -> None:
        self.server.seen.append(dict(self.headers.items()))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.server.answer(self)  # the client may give up, as it should

    def log_message(self, format: str, *args: Any) -> None:
        pass


def send(
    handler: http.server.BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    """One whole answer."""
    handler.send_response(status)
    for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
        handler.send_header(key, value)
    if "Content-Length" not in (headers or {}):
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def start() -> FakeServer:
    """A stand-in server answering ``{}`` until told otherwise; ``stop`` it."""
    server = FakeServer(("127.0.0.1", 0), _Handler)
    server.seen = []
    server.answer = lambda handler: send(handler, 200, b"{}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(server: FakeServer) -> None:
    server.shutdown()
    server.server_close()
