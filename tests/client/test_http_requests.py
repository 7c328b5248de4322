"""The requests ``HttpChannel`` writes, as a raw server receives them, byte for byte: the
request line (the base URL's path before the call's), the headers the API expects (Host,
Authorization, Accept, Accept-Encoding, User-Agent, and for a body its Content-Type and
Content-Length) and the body, compact UTF-8 JSON. No cookie is kept or sent back: a
``Set-Cookie`` changes nothing in the next request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers_wire import WireServer, wire_server

from reconciler.edges.http import HttpChannel, _Call
from reconciler.edges.retrying import RetryPolicy


def _channel(url: str) -> HttpChannel:
    return HttpChannel(
        url,
        "Token t0k3n",
        max_connections=2,
        timeout=5.0,
        policy=RetryPolicy(0, 0.01, 0.01),
        user_agent="reconciler/test",
    )


@pytest.fixture
def server() -> Iterator[WireServer]:
    with wire_server() as running:
        yield running


def _head(method: str, target: str, port: int, *extra: str) -> bytes:
    lines = [
        f"{method} {target} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Authorization: Token t0k3n",
        "Accept: application/json",
        "Accept-Encoding: gzip",
        "User-Agent: reconciler/test",
        *extra,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


CASES = [
    (_Call("GET", "/application/a1", None, False), b""),
    (
        _Call("PUT", "/application/a1", {"name": "api", "description": "café ✓", "cpu": 5}, False),
        '{"name":"api","description":"café ✓","cpu":5}'.encode(),
    ),
    (_Call("GET", "/variable?parent_id=e1&scope=ENVIRONMENT", None, False), b""),
    (_Call("POST", "/application/a1/stop", None, True), b""),
    (
        _Call("POST", "/variable", {"key": "K", "value": "v", "is_secret": False}, False),
        b'{"key":"K","value":"v","is_secret":false}',
    ),
]


@pytest.mark.parametrize(("call", "body"), CASES, ids=lambda c: getattr(c, "path", ""))
def test_a_request_is_written_as_the_api_expects(
    server: WireServer, call: _Call, body: bytes
) -> None:
    channel = _channel(server.url + "/api")
    try:
        reply = channel.send(call.method, call.path, call.body)
    finally:
        channel.close()
    assert reply.status == 200
    extra = ("Content-Type: application/json", f"Content-Length: {len(body)}") if body else ()
    assert server.requests == [_head(call.method, "/api" + call.path, server.port, *extra) + body]


def test_requests_share_one_kept_alive_connection(server: WireServer) -> None:
    channel = _channel(server.url)
    try:
        for _ in range(3):
            channel.send("GET", "/organization")
    finally:
        channel.close()
    assert len(server.requests) == 3
    assert server.connections == 1


def test_a_cookie_set_by_the_api_is_not_sent_back() -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\nSet-Cookie: session=s1; Path=/\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    with wire_server(answer) as server:
        channel = _channel(server.url)
        try:
            channel.send("GET", "/organization")
            channel.send("GET", "/organization")
        finally:
            channel.close()
    assert server.requests[1] == server.requests[0] == _head("GET", "/organization", server.port)
