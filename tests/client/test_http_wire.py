"""The pool of ``edges/http_pool`` on the wire: kept-alive connections the server closed (or
wrote junk on) while they were idle are never used for a request, so that a POST is not
reported as a write of unknown outcome and reads cause no retries; waiting for a free
connection is bounded; gzip and deflate answers are inflated; a body cut short (before its
announced length, or a compressed stream that does not end) is a dropped connection, never a
short answer; answer headers are read whatever their case (the rate
limit, the Date) and an error body in the charset its content type names."""

from __future__ import annotations

import gzip
import time
import zlib

import pytest
from helpers_wire import wire_channel, wire_server

from reconciler.core.errors import AmbiguousWriteError, BadRequestError, TransportError
from reconciler.edges import http_pool
from reconciler.edges.http import HttpChannel


def _channel(url: str, *, retries: int = 5, timeout: float = 5.0, pool: int = 4) -> HttpChannel:
    return wire_channel(url, retries=retries, timeout=timeout, pool=pool)


def _answer(body: bytes, *headers: str) -> bytes:
    head = ["HTTP/1.1 200 OK", "Content-Type: application/json", *headers]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


def test_a_post_after_the_server_closed_the_idle_connection_is_sent_once_on_a_new_one() -> None:
    with wire_server(close_after=True) as server:
        channel = _channel(server.url)
        try:
            channel.send("GET", "/organization")
            time.sleep(0.05)  # the server's close has reached the client
            reply = channel.send("POST", "/application/a1/clone", {"name": "x"})
        finally:
            channel.close()
    assert reply.status == 200
    assert channel.request_count == 2  # not retried...
    assert len(server.requests) == 2  # ...and written once
    assert server.connections == 2


def test_a_server_closing_every_idle_connection_causes_no_retries() -> None:
    with wire_server(close_after=True) as server:
        channel = _channel(server.url)
        try:
            for _ in range(20):
                channel.send("GET", "/organization")
                time.sleep(0.005)
        finally:
            channel.close()
    assert channel.request_count == 20
    assert len(server.requests) == 20


def test_junk_on_an_idle_connection_retires_it() -> None:
    with wire_server(junk_after=b"HTTP/1.1 500 Junk\r\n\r\n") as server:
        channel = _channel(server.url)
        try:
            channel.send("GET", "/organization")
            time.sleep(0.05)
            assert channel.send("POST", "/variable", {"key": "K"}).status == 200
        finally:
            channel.close()
    assert channel.request_count == 2
    assert server.connections == 2


def test_without_the_staleness_check_a_post_would_be_an_ambiguous_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the check prevents (so that the tests above test something)."""
    monkeypatch.setattr(http_pool, "_still_open", lambda conn: conn.sock is not None)
    with wire_server(close_after=True) as server:
        channel = _channel(server.url)
        try:
            channel.send("GET", "/organization")
            time.sleep(0.05)
            with pytest.raises(AmbiguousWriteError):
                channel.send("POST", "/application/a1/clone", {"name": "x"})
        finally:
            channel.close()


def test_waiting_for_a_free_connection_is_bounded_and_not_sent() -> None:
    with wire_server() as server:
        channel = _channel(server.url, retries=0, timeout=0.2, pool=1)
        held = channel._pool._acquire(1.0)  # every connection busy
        started = time.monotonic()
        try:
            with pytest.raises(TransportError, match="waiting for a free connection") as caught:
                channel.send("POST", "/application/a1/clone", {"name": "x"})
        finally:
            channel._pool._release(held, reusable=False)
            channel.close()
    assert not isinstance(caught.value, AmbiguousWriteError)  # never sent
    assert time.monotonic() - started < 1.0
    assert server.requests == []


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("gzip", gzip.compress(b'{"results": []}')),
        ("deflate", zlib.compress(b'{"results": []}')),
        ("deflate", zlib.compress(b'{"results": []}')[2:-4]),  # raw deflate, no zlib wrapper
        ("gzip", gzip.compress(b'{"results": ') + gzip.compress(b"[]}")),  # two members
    ],
    ids=["gzip", "deflate", "raw-deflate", "gzip-members"],
)
def test_compressed_answers_are_inflated(encoding: str, packed: bytes) -> None:
    with wire_server(_answer(packed, f"Content-Encoding: {encoding}")) as server:
        channel = _channel(server.url)
        try:
            reply = channel.send("GET", "/organization")
        finally:
            channel.close()
    assert reply.content == b'{"results": []}'


@pytest.mark.parametrize("status", ["204 No Content", "200 OK"])
def test_an_empty_answer_sent_as_gzip_is_empty(status: str) -> None:
    """A server may name an encoding on an answer without a body (a DELETE's 204): there is
    nothing to inflate, and the answer is what it is."""
    answer = f"HTTP/1.1 {status}\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n"
    with wire_server(answer.encode("ascii")) as server:
        channel = _channel(server.url, retries=1)
        try:
            reply = channel.send("DELETE", "/application/a1")
        finally:
            channel.close()
    assert (reply.status, reply.content) == (int(status[:3]), b"")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("gzip", b"not gzip at all"),
        ("gzip", gzip.compress(b'{"results": []}') + b"junk after it"),
        ("deflate", zlib.compress(b'{"results": []}') + b"junk after it"),
    ],
    ids=["not-gzip", "gzip-then-junk", "deflate-then-junk"],
)
def test_an_undecodable_answer_is_a_transport_error(encoding: str, packed: bytes) -> None:
    with wire_server(_answer(packed, f"Content-Encoding: {encoding}")) as server:
        channel = _channel(server.url, retries=1)
        try:
            with pytest.raises(TransportError, match="could not be decoded"):
                channel.send("GET", "/organization")
        finally:
            channel.close()
    assert channel.request_count == 2  # a read: retried


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("gzip", gzip.compress(b'{"results": [' + b'{"id": "a"}, ' * 200 + b"{}]}")[:-30]),
        ("deflate", zlib.compress(b'{"results": [' + b'{"id": "a"}, ' * 200 + b"{}]}")[:-10]),
    ],
    ids=["gzip", "deflate"],
)
def test_a_compressed_body_cut_short_is_not_an_answer(encoding: str, packed: bytes) -> None:
    """Its length as announced, but its stream not ended: what came is a part of the answer,
    as a body shorter than announced is; a POST so answered is a write of unknown outcome
    (read back), a read is retried."""
    _unclear_to_a_write_retried_for_a_read(
        _answer(packed, f"Content-Encoding: {encoding}"), "cut short"
    )


def _unclear_to_a_write_retried_for_a_read(
    answer: bytes, failure: str, *, close_after: bool = False
) -> None:
    """``answer`` to every request: a POST is a write of unknown outcome, sent once; a GET
    is retried once, then fails saying ``failure``."""
    with wire_server(answer, close_after=close_after) as server:
        channel = _channel(server.url, retries=1)
        try:
            with pytest.raises(AmbiguousWriteError):
                channel.send("POST", "/application/a1/clone", {"name": "x"})
            with pytest.raises(TransportError, match=failure):
                channel.send("GET", "/organization")
        finally:
            channel.close()
    assert len(server.requests) == 3  # the POST once, the GET and its one retry


def test_a_body_shorter_than_announced_is_a_dropped_connection() -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"
    _unclear_to_a_write_retried_for_a_read(cut, "dropped", close_after=True)


def test_answer_headers_are_read_whatever_their_case() -> None:
    answer = _answer(
        b"{}",
        "x-RATELIMIT-limit: 100",
        "X-Ratelimit-Remaining: 7",
        "X-RateLimit-Reset: 1800000000",
        "DATE: Mon, 07 Dec 2026 11:00:00 GMT",
    )
    with wire_server(answer) as server:
        channel = _channel(server.url)
        try:
            reply = channel.send("GET", "/organization")
        finally:
            channel.close()
    assert reply.content_type == "application/json"
    rate = channel.ledger.rate_limit
    assert rate is not None
    assert (rate.limit, rate.remaining, rate.reset) == (100, 7, 1800000000.0)
    assert channel.server_time is not None
    assert channel.server_time.isoformat() == "2026-12-07T11:00:00+00:00"


def test_an_error_body_is_read_in_the_charset_its_content_type_names() -> None:
    body = "refusé: le nom est déjà pris".encode("iso-8859-1")
    answer = (
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    with wire_server(answer) as server:
        channel = _channel(server.url)
        try:
            with pytest.raises(BadRequestError) as caught:
                channel.send("GET", "/organization")
        finally:
            channel.close()
    assert caught.value.excerpt == "refusé: le nom est déjà pris"
