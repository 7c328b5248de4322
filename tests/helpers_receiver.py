"""Test helper: a webhook receiver on a loopback port, as a notification target.

``Receiver`` records every POST (its JSON body and raw text) and answers with the next of
``statuses`` (200 once they are used up); with ``hang`` set, it holds every request open
(without answering) until the receiver is closed. Used by test_watching.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """A real HTTP server in a thread; ``url`` is where to POST."""

    def __init__(self, statuses: tuple[int, ...] = (), *, hang: bool = False) -> None:
        self.bodies: list[Any] = []
        self.raw: list[str] = []
        self.answered: list[int] = []
        self._statuses = list(statuses)
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._hang = hang
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                text = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                status = receiver._record(text)
                if receiver._hang:
                    receiver._released.wait(30)
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def _record(self, text: str) -> int:
        with self._lock:
            self.raw.append(text)
            self.bodies.append(json.loads(text))
            status = self._statuses.pop(0) if self._statuses else 200
            self.answered.append(status)
            return status

    def events(self) -> list[dict[str, Any]]:
        """The bodies that were accepted (answered 2xx)."""
        with self._lock:
            return [b for b, s in zip(self.bodies, self.answered, strict=True) if s < 300]

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.bodies) >= count:
                    return
            time.sleep(0.02)
        raise AssertionError(f"{count} requests expected within {timeout}s; got {self.raw}")

    def close(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
