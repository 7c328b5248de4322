"""A raw HTTP/1.1 server on 127.0.0.1 for the wire tests of ``edges/http_pool``.

It records every request byte for byte (over TLS if asked) and answers each with the same
canned answer, keeping the connection open; or writing junk on it a moment later
(``junk_after``); or closing it after each answer without saying so (``close_after``): the
way a server or a load balancer drops an idle kept-alive connection. ``wire_channel`` is the
client's channel to it."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from reconciler.edges.http import HttpChannel
from reconciler.edges.retrying import RetryPolicy

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


@dataclass
class WireServer:
    """What the server received: each request's raw bytes, and how many connections."""

    port: int
    answer: bytes = OK
    close_after: bool = False
    junk_after: bytes = b""  # written a moment after each answer, unasked
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _read_request(conn: socket.socket, buffered: bytes) -> tuple[bytes, bytes] | None:
    """One request (head and Content-Length body) and what follows it; None at the end."""
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def _serve(server: WireServer, conn: socket.socket, tls: ssl.SSLContext | None) -> None:
    server.connections += 1
    try:
        if tls is not None:
            conn = tls.wrap_socket(conn, server_side=True)
        _answer_each(server, conn)
    except OSError:  # the client went away, or refused the certificate
        pass
    finally:
        conn.close()


def _answer_each(server: WireServer, conn: socket.socket) -> None:
    buffered = b""
    while True:
        got = _read_request(conn, buffered)
        if got is None:
            return
        request, buffered = got
        server.requests.append(request)
        conn.sendall(server.answer)
        if server.junk_after:
            time.sleep(0.01)
            conn.sendall(server.junk_after)
        if server.close_after:
            conn.shutdown(socket.SHUT_RDWR)
            return


@contextmanager
def wire_server(
    answer: bytes = OK,
    *,
    close_after: bool = False,
    junk_after: bytes = b"",
    tls: ssl.SSLContext | None = None,
) -> Iterator[WireServer]:
    """A running ``WireServer`` (over TLS with ``tls``); stopped (its connections cut) on
    leaving."""
    server = WireServer(0, answer, close_after, junk_after)
    with accepting(lambda conn: _serve(server, conn, tls)) as server.port:
        yield server


@contextmanager
def accepting(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A listener on 127.0.0.1 whose every connection ``handle`` serves in a thread of its
    own; its port. On leaving, the listener and every connection are shut (their threads
    see the end of their streams)."""
    listener = socket.create_server(("127.0.0.1", 0))
    open_connections: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            open_connections.append(conn)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        with suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux)
        listener.close()
        for conn in open_connections:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        thread.join(timeout=5)


def wire_channel(url: str, *, retries: int, timeout: float, pool: int) -> HttpChannel:
    """The client's channel to a wire server: token ``t0k3n``, quick retries."""
    return HttpChannel(
        url,
        "Token t0k3n",
        max_connections=pool,
        timeout=timeout,
        policy=RetryPolicy(retries, 0.01, 0.02),
        user_agent="reconciler/test",
    )
