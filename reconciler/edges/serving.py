"""The HTTP endpoint of ``reconcile --listen HOST:PORT``: ``/metrics``, ``/healthz``, ``/``.

A stdlib ``ThreadingHTTPServer`` in a daemon thread, serving what its ``Pages`` give at the
moment of the request: the metrics in Prometheus text format, the health (200 ``ok`` or 503
with the reason) and the status page. It knows nothing of rounds: ``commands.watching`` hands
it the three callables. GET and HEAD only; anything else is 405, an unknown path 404.

Neighbours: ``metrics`` (the exposition), ``rendering.status_page`` (through the callable),
``commands.watching`` (starts and stops it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reconciler.core.errors import UsageError

METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Pages:
    """What the server answers with, computed at each request."""

    metrics: Callable[[], bytes]
    health: Callable[[], tuple[bool, str]]
    status: Callable[[], str]


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9090`` for IPv6; port 0 picks a free one)."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--listen expects HOST:PORT (such as 0.0.0.0:9090), got {text!r}")
    return host, int(port)


class StatusServer:
    """Serves ``pages`` on ``host:port`` in the background until ``close``."""

    def __init__(self, host: str, port: int, pages: Pages) -> None:
        handler = type("Handler", (_Handler,), {"pages": pages})
        try:
            self._server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise UsageError(
                f"--listen cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            daemon=True,
            name="status-server",
        )
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    pages: Pages
    server_version = "reconciler"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the log is the reconcile log."""

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_POST(self) -> None:
        self._answer(405, b"method not allowed\n", "text/plain; charset=utf-8", body=True)

    def _serve(self, *, body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._answer(200, self.pages.metrics(), METRICS_TYPE, body=body)
        elif path == "/healthz":
            healthy, reason = self.pages.health()
            status = 200 if healthy else 503
            self._answer(status, f"{reason}\n".encode(), "text/plain; charset=utf-8", body=body)
        elif path in ("/", "/index.html"):
            page = self.pages.status().encode("utf-8")
            self._answer(200, page, "text/html; charset=utf-8", body=body)
        else:
            self._answer(404, b"not found\n", "text/plain; charset=utf-8", body=body)

    def _answer(self, status: int, content: bytes, content_type: str, *, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(content)
