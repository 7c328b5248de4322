"""The sandbox's HTTP server: routes, auth, faults, the request log, the admin API.

A stdlib ``ThreadingHTTPServer`` on 127.0.0.1 speaking HTTP/1.1 (keep-alive), one daemon
thread per connection. Every path needs ``Authorization: Token <t>`` or ``Bearer <t>`` with
the sandbox's token (401 otherwise). Qovery paths (``routes.ROUTES``) go through the faults, are
logged and counted in flight, then call the ``store`` (every kind of service: ``services``;
plain reads of the hierarchy: ``hierarchy``; variables: ``variables``, ``variable_writes``);
``/_sandbox/...`` paths are the admin API (request log, stats, faults, rate limit, clock,
state), neither faulted nor logged. With a rate limit set (``ratelimit``), Qovery paths answer
with ``X-RateLimit-*`` headers, and 429 past the budget.

Neighbours: ``store`` (the operations), ``faults`` (what to break), ``__init__`` (starts it).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reconciler.sandbox.answers import encode
from reconciler.sandbox.clock import SandboxClock
from reconciler.sandbox.faults import Decision, Faults, Rule
from reconciler.sandbox.problems import ApiProblem, bad_request
from reconciler.sandbox.ratelimit import RateLimit
from reconciler.sandbox.routes import route, template
from reconciler.sandbox.store import Store

Payload = Any
TRICKLE_CHUNK = 8


class Monitor:
    """The request log and the in-flight counters of Qovery paths."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._log: list[dict[str, Any]] = []
        self._in_flight = 0
        self._peak = 0

    def begin(self, method: str, path: str, started: float, query: str = "") -> dict[str, Any]:
        """Log a request as it arrives, so that it is in the log before its answer is sent:
        a client that got its answer always finds its request there (its status is set
        as the answer is sent, by ``answering``, and its duration by ``end``)."""
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query,
            "status": None,
            "started": started,
            "duration_ms": None,
        }
        with self._lock:
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            self._log.append(entry)
        return entry

    def answering(self, entry: dict[str, Any] | None, status: int) -> None:
        """The status of an answer about to be sent: a client that has its answer finds it
        in the log (``end`` has the last word: a truncated answer ends with ``None``)."""
        if entry is not None:
            with self._lock:
                entry["status"] = status

    def end(self, entry: dict[str, Any], status: int | None, clock: float) -> None:
        with self._lock:
            self._in_flight -= 1
            entry["status"] = status
            entry["duration_ms"] = round((time.perf_counter() - clock) * 1000, 3)

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._log]

    def clear(self) -> None:
        with self._lock:
            self._log.clear()
            self._peak = self._in_flight

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "requests": len(self._log),
                "peak_in_flight": self._peak,
                "in_flight": self._in_flight,
            }


class SandboxServer(ThreadingHTTPServer):
    """The listening server; knows its store, faults, token and monitor."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self, port: int, store: Store, faults: Faults, token: str, clock: SandboxClock | None = None
    ) -> None:
        self.store, self.faults, self.token = store, faults, token
        self.clock = clock or SandboxClock()  # the Date of every answer
        self.monitor = Monitor()
        self.rate_limit = RateLimit()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet when the client went away mid-answer (killed, timed out); else the default."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Cut the kept-alive connections, so that their threads end now."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    """One connection; each request is authenticated, then faulted, logged and served."""

    _log_entry: dict[str, Any] | None = None  # the log entry of the request being served
    _budget_headers: dict[str, str] = {}  # noqa: RUF012  (X-RateLimit-* of a Qovery answer)

    protocol_version = "HTTP/1.1"
    server_version = "reconciler-sandbox"
    timeout = 60
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is kept by ``Monitor``."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header, by the sandbox's clock (which tests move), as APIs send it."""
        return formatdate(self.server.clock.now() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    # -- the request
    def _handle(self) -> None:
        self._budget_headers = {}
        self._target = target = urlsplit(self.path)  # split once: its path, its query
        path = target.path
        if len(path) > 1:
            path = path.rstrip("/")
        raw = self._read_body()
        admin = path.startswith("/_sandbox/")
        if not self._authorized():
            self._log_around(path, admin, self._unauthorized)
            return
        if admin:
            self._admin(path, raw)
        else:
            self._log_around(path, False, lambda: self._qovery(path, raw))

    def _log_around(self, path: str, admin: bool, serve: Callable[[], int | None]) -> None:
        if admin:
            serve()
            return
        monitor, clock = self.server.monitor, time.perf_counter()
        query = self._target.query
        entry = self._log_entry = monitor.begin(self.command, path, time.time(), query)
        status = None
        try:
            status = serve()
        finally:
            self._log_entry = None
            monitor.end(entry, status, clock)

    def _unauthorized(self) -> int:
        problem = ApiProblem(401, "missing or invalid token (Authorization: Token <token>)")
        self._send_json(401, problem.body())
        return 401

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme not in ("Token", "Bearer") or not token:
            return False
        return secrets.compare_digest(token.strip().encode(), self.server.token.encode())

    def _qovery(self, path: str, raw: bytes) -> int | None:
        allowed, self._budget_headers = self.server.rate_limit.take()
        if not allowed:
            body = json.dumps({"status": 429, "detail": "rate limit exceeded"}).encode()
            self._send(429, body, "application/json", {})
            return 429
        decision = self.server.faults.decide(self.command, path, template(path))
        rule = decision.rule
        if rule is not None and rule.action in ("respond", "drop"):
            return self._before_acting(rule)
        pause = rule.seconds if rule is not None and rule.action == "delay" else decision.latency
        if pause > 0:
            time.sleep(pause)
        if decision.fail_status is not None:
            return self._fail(decision)
        status, payload = self._call(path, raw)
        return self._answer(status, payload, rule, lose=decision.lose_clone and status == 202)

    def _before_acting(self, rule: Rule) -> int | None:
        if rule.action == "drop":
            self._drop()
            return None
        self._send(rule.status, rule.body.encode(), rule.content_type, rule.headers)
        return rule.status

    def _fail(self, decision: Decision) -> int:
        status = decision.fail_status or 500
        headers = {}
        if status == 429:
            headers["Retry-After"] = f"{decision.retry_after:g}"
        detail = "rate limited" if status == 429 else HTTPStatus(status).phrase
        body = json.dumps({"status": status, "detail": detail}).encode()
        self._send(status, body, "application/json", headers)
        return status

    def _call(self, path: str, raw: bytes) -> tuple[int, Payload]:
        try:
            found = route(self.command, path)
            if found is None:
                raise ApiProblem(404, f"no such path: {path}")
            operation, ident = found
            body = _query(self._target.query) if self.command == "GET" else _parse(raw)
            return operation(self.server.store, ident, body)
        except ApiProblem as problem:
            return problem.status, problem.body()

    def _answer(
        self, status: int, payload: Payload, rule: Rule | None, *, lose: bool
    ) -> int | None:
        action = rule.action if rule is not None else None
        if lose or action == "drop_after":
            self._drop()
            return None
        if status == 204:
            self._send(204, b"", None, {})
            return 204
        body = encode(payload)
        if action == "truncate":
            self._send(status, body[: len(body) // 2], "application/json", {}, length=len(body))
            self.close_connection = True
        elif action == "trickle" and rule is not None:
            self._trickle(status, body, rule.seconds)
        else:
            self._send(status, body, "application/json", {})
        return status

    # -- the admin API
    def _admin(self, path: str, raw: bytes) -> None:
        try:
            status, payload = self._admin_call(self.command, path, _parse(raw))
        except ApiProblem as problem:
            status, payload = problem.status, problem.body()
        if status == 204:
            self._send(204, b"", None, {})
        else:
            self._send_json(status, payload)

    def _admin_call(self, method: str, path: str, body: Any) -> tuple[int, Payload]:
        server = self.server
        if path == "/_sandbox/requests" and method == "GET":
            return 200, server.monitor.requests()
        if path == "/_sandbox/requests" and method == "DELETE":
            server.monitor.clear()
            return 204, None
        if path == "/_sandbox/stats" and method == "GET":
            return 200, server.monitor.stats()
        if path == "/_sandbox/faults" and method in ("GET", "PUT", "DELETE"):
            return 200, self._admin_faults(method, body)
        if path == "/_sandbox/rate_limit" and method in ("GET", "PUT", "DELETE"):
            return 200, self._admin_rate_limit(method, body)
        if path == "/_sandbox/clock" and method in ("GET", "POST"):
            return 200, self._admin_clock(method, body)
        if path == "/_sandbox/state" and method == "GET":
            return 200, server.store.snapshot()
        if path == "/_sandbox/state" and method == "PUT":
            server.store.replace(body)
            return 204, None
        raise ApiProblem(404, f"no such admin path: {method} {path}")

    def _admin_clock(self, method: str, body: Any) -> dict[str, Any]:
        """``POST {"advance_seconds": N}`` moves the clock forward; both answer the time."""
        if method == "POST":
            seconds = body.get("advance_seconds") if isinstance(body, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                raise bad_request("advance_seconds must be a number of seconds, 0 or more")
            self.server.clock.advance(float(seconds))
        return self.server.clock.describe()

    def _admin_faults(self, method: str, body: Any) -> dict[str, Any]:
        faults = self.server.faults
        if method == "PUT":
            if not isinstance(body, dict):
                raise bad_request("the fault settings must be a JSON object")
            faults.set(**body)
        elif method == "DELETE":
            faults.clear()
        return faults.describe()

    def _admin_rate_limit(self, method: str, body: Any) -> dict[str, Any]:
        budget = self.server.rate_limit
        if method == "PUT":
            if not isinstance(body, dict) or set(body) - {"limit", "window"}:
                raise bad_request('the rate limit must be {"limit": N, "window": SECONDS}')
            budget.set(body.get("limit"), body.get("window", 3600.0))
        elif method == "DELETE":
            budget.set()
        return budget.describe()

    # -- writing
    def _send_json(self, status: int, payload: Payload) -> None:
        self._send(status, encode(payload), "application/json", {})

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str],
        *,
        length: int | None = None,
    ) -> None:
        self.server.monitor.answering(self._log_entry, status)
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in {**self._budget_headers, **headers}.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _trickle(self, status: int, body: bytes, seconds: float) -> None:
        self._send(status, b"", "application/json", {}, length=len(body))
        self.wfile.flush()
        chunks = [body[i : i + TRICKLE_CHUNK] for i in range(0, len(body), TRICKLE_CHUNK)]
        pause = seconds / max(len(chunks), 1)
        for chunk in chunks:
            self.wfile.write(chunk)
            self.wfile.flush()
            time.sleep(pause)

    def _drop(self) -> None:
        """Close the connection without a single byte of answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _query(query: str) -> dict[str, str]:
    """A GET's query parameters (the last of each name), its only input."""
    return dict(parse_qsl(query))


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request("the request body is not valid JSON") from None
