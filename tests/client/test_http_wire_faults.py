"""``edges/http_pool`` against faulty servers and settings: the whole-exchange deadline holds
while the answer's headers trickle in or a TLS handshake stalls; interim (1xx) answers are
skipped, never taken for the final one (a POST answered 103 then 201 was carried out); a host
no connection can be opened to, or certificates that cannot be loaded, are configuration errors
(no internal error, no pooled slot lost); a slot is given back whatever interrupts taking a
connection; an answer too large to read is, for a POST, a write of unknown outcome; a
connection switched to another protocol (101) is not used again."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from helpers_wire import wire_channel, wire_server

from reconciler.core.errors import (
    AmbiguousWriteError,
    BadResponseError,
    ConfigError,
    TransportError,
)
from reconciler.edges import http as http_module
from reconciler.edges.http import HttpChannel


def _channel(url: str, *, retries: int = 0, timeout: float = 5.0, pool: int = 1) -> HttpChannel:
    return wire_channel(url, retries=retries, timeout=timeout, pool=pool)


@contextmanager
def _raw_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A server on 127.0.0.1 that reads one request's head on each connection and lets
    ``answer`` write whatever it likes."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        with conn, suppress(OSError):
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536) or b"\r\n\r\n"
            answer(conn)

    def accept() -> None:
        with suppress(OSError):
            while True:
                conn, _ = listener.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        with suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()


def test_trickled_answer_headers_are_cut_at_the_whole_exchange_deadline() -> None:
    def trickle(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(40):  # a header every 0.1 s: each read is quick, the whole is not
            time.sleep(0.1)
            conn.sendall(b"X-Slow: 1\r\n")
        conn.sendall(b"Content-Length: 2\r\n\r\n{}")

    with _raw_server(trickle) as url:
        channel = _channel(url, timeout=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(TransportError):
                channel.send("GET", "/organization")
        finally:
            channel.close()
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("interim", [b"102 Processing", b"103 Early Hints"])
def test_interim_answers_are_skipped_for_the_final_one(interim: bytes) -> None:
    answer = (
        b"HTTP/1.1 " + interim + b"\r\nLink: </style.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
        b'{"id":"c1"}'
    )
    with wire_server(answer) as server:
        channel = _channel(server.url)
        try:
            reply = channel.send("POST", "/application/a1/clone", {"name": "x"})
            again = channel.send("GET", "/organization")  # the connection is still in step
        finally:
            channel.close()
    assert (reply.status, reply.content) == (201, b'{"id":"c1"}')
    assert again.status == 201
    assert len(server.requests) == 2
    assert server.connections == 1


@pytest.mark.parametrize(
    "url", ["https://exa mple.com", "https://" + "a" * 64 + ".example.com"], ids=["space", "label"]
)
def test_an_api_host_no_connection_can_be_opened_to_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="not valid"):
        _channel(url)


def test_a_proxy_host_no_connection_can_be_opened_to_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:s3cret@pro xy:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(ConfigError, match="proxy") as caught:
        _channel("https://api.example.com")
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("content", [None, b"not a certificate\n"], ids=["missing", "not-pem"])
def test_certificates_that_cannot_be_loaded_are_a_config_error(
    content: bytes | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "bundle.pem"
    if content is not None:
        bundle.write_bytes(content)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(ConfigError, match="SSL_CERT_FILE"):
        _channel("https://api.example.com")


def test_a_slot_is_given_back_whatever_interrupts_taking_a_connection() -> None:
    with wire_server() as server:
        channel = _channel(server.url, timeout=0.5)
        pool = channel._pool
        opened = pool._new

        def interrupted() -> None:
            raise KeyboardInterrupt

        try:
            pool._new = interrupted  # type: ignore[assignment,method-assign]
            with pytest.raises(KeyboardInterrupt):
                channel.send("GET", "/organization")
            pool._new = opened  # type: ignore[method-assign]
            assert channel.send("GET", "/organization").status == 200  # the one slot is free
        finally:
            channel.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 201 Created\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000,
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + b"x" * 2048,
    ],
    ids=["announced", "chunked"],
)
def test_an_oversized_answer_to_a_post_is_an_ambiguous_write(
    answer: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server answered: the clone may have been made, so its outcome must be read back."""
    monkeypatch.setattr(http_module, "MAX_BODY_BYTES", 1024)
    with wire_server(answer) as server:
        channel = _channel(server.url, retries=3)
        try:
            with pytest.raises(AmbiguousWriteError, match="larger than"):
                channel.send("POST", "/application/a1/clone", {"name": "x"})
            with pytest.raises(TransportError, match="larger than") as caught:
                channel.send("GET", "/organization")  # a read: refused at once, not retried
        finally:
            channel.close()
    assert not isinstance(caught.value, AmbiguousWriteError)
    assert len(server.requests) == 2


def test_a_tls_handshake_that_never_ends_is_cut_at_the_exchange_deadline() -> None:
    """The connection is opened within what is left of the deadline, not a fixed 10 s."""
    with _raw_server(lambda conn: time.sleep(5)) as url:  # reads the ClientHello, says nothing
        channel = _channel(url.replace("http://", "https://"), timeout=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(TransportError, match="connecting") as caught:
                channel.send("POST", "/application/a1/clone", {"name": "x"})
        finally:
            channel.close()
    assert not isinstance(caught.value, AmbiguousWriteError)  # nothing was sent
    assert time.monotonic() - started < 2.0


def test_a_connection_switched_to_another_protocol_is_not_used_again() -> None:
    switched = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
    with wire_server(switched) as server:
        channel = _channel(server.url, pool=2)
        try:
            for _ in range(2):
                with pytest.raises(BadResponseError, match="101"):
                    channel.send("GET", "/organization")
        finally:
            channel.close()
    assert server.connections == 2  # what follows a 101 is no longer HTTP/1.1
