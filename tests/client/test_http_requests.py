"""``HttpChannel`` builds each request itself (the URL parsed once, the client's headers):
the request it sends is the one httpx's ``Client.build_request`` would build, byte for byte,
for a read, a write with a non-ASCII body, a path with a query and a POST with no body; a
client holding a cookie builds its requests the client's way, which sends it back."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.edges.http import HttpChannel, _Call
from reconciler.edges.retrying import RetryPolicy

CALLS = [
    _Call("GET", "/application/a1", None, False),
    _Call("PUT", "/application/a1", {"name": "api", "description": "café ✓", "cpu": 250}, False),
    _Call("GET", "/variable?parent_id=e1&scope=ENVIRONMENT", None, False),
    _Call("POST", "/application/a1/stop", None, True),
    _Call("POST", "/variable", {"key": "K", "value": "v", "is_secret": False}, False),
]


def _channel(url: str = "http://127.0.0.1:9/api") -> HttpChannel:
    return HttpChannel(
        url,
        "Token t0k3n",
        max_connections=2,
        timeout=5.0,
        policy=RetryPolicy(0, 0.01, 0.01),
        user_agent="reconciler/test",
    )


def _as_sent(request: Any) -> tuple[Any, ...]:
    return (
        request.method,
        str(request.url),
        sorted((k.lower(), v) for k, v in request.headers.raw),
        request.read(),
        request.extensions,
    )


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method} {c.path}")
def test_a_request_is_the_one_the_client_would_build(call: _Call) -> None:
    channel = _channel()
    try:
        expected = channel._http.build_request(call.method, call.path, json=call.body)
        assert _as_sent(channel._request(call)) == _as_sent(expected)
    finally:
        channel.close()


def test_a_client_holding_a_cookie_sends_it_back() -> None:
    channel = _channel()
    try:
        channel._http.cookies.set("session", "s1", domain="127.0.0.1")
        request = channel._request(CALLS[0])
        assert request.headers.get("cookie") == "session=s1"
    finally:
        channel.close()
