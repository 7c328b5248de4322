"""https:// on ``edges/http_pool``'s connections, offline: a local TLS server with a
self-signed certificate (made by ``openssl``) and a tiny CONNECT proxy on 127.0.0.1.

The certificate is verified (certifi's bundle; ``SSL_CERT_FILE`` when set, as httpx did): an
unknown one is fatal at once, never retried. ``HTTPS_PROXY`` / ``ALL_PROXY`` route https://
through a CONNECT tunnel (credentials in the proxy URL sent as ``Proxy-Authorization``, the
API's token only inside TLS); ``NO_PROXY`` bypasses the proxy; a plain http:// API is never
proxied; a proxy the tunnel cannot use is a configuration error that names no credential."""

from __future__ import annotations

import base64
import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers_wire import OK, accepting, wire_server

from reconciler.core.errors import ConfigError, TransportError
from reconciler.edges.http import HttpChannel
from reconciler.edges.http_pool import Proxy, Target, proxy_for
from reconciler.edges.retrying import RetryPolicy

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE")


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1, and a server context presenting it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return cert, server


@dataclass
class ConnectProxy:
    """A CONNECT proxy: the head of each CONNECT, and every byte relayed to the server."""

    port: int
    refuse: bool = False
    heads: list[bytes] = field(default_factory=list)
    relayed: bytearray = field(default_factory=bytearray)


def _pipe(source: socket.socket, sink: socket.socket, seen: bytearray | None) -> None:
    try:
        while chunk := source.recv(65536):
            if seen is not None:
                seen.extend(chunk)
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def _tunnel(proxy: ConnectProxy, client: socket.socket) -> None:
    with client:
        head = b""
        while b"\r\n\r\n" not in head and (chunk := client.recv(65536)):
            head += chunk
        proxy.heads.append(head)
        if proxy.refuse:
            client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
            return
        host, _, port = head.split(b" ")[1].decode().rpartition(":")
        with socket.create_connection((host, int(port))) as upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            back = threading.Thread(target=_pipe, args=(upstream, client, None), daemon=True)
            back.start()
            _pipe(client, upstream, proxy.relayed)
            back.join(timeout=5)


@pytest.fixture
def connect_proxy() -> Iterator[ConnectProxy]:
    proxy = ConnectProxy(0)
    with accepting(lambda client: _tunnel(proxy, client)) as proxy.port:
        yield proxy


def _channel(url: str, *, retries: int = 3) -> HttpChannel:
    return HttpChannel(
        url,
        "Token t0k3n",
        max_connections=2,
        timeout=5.0,
        policy=RetryPolicy(retries, 0.01, 0.02),
        user_agent="reconciler/test",
    )


def _get(url: str, *, retries: int = 3) -> tuple[HttpChannel, int]:
    channel = _channel(url, retries=retries)
    try:
        return channel, channel.send("GET", "/organization").status
    finally:
        channel.close()


@pytest.fixture
def trusted(
    certificate: tuple[Path, ssl.SSLContext], monkeypatch: pytest.MonkeyPatch
) -> ssl.SSLContext:
    """The test certificate trusted through ``SSL_CERT_FILE``: a server's TLS context."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    return certificate[1]


def test_an_unknown_certificate_is_fatal_and_never_retried(
    certificate: tuple[Path, ssl.SSLContext],
) -> None:
    with wire_server(tls=certificate[1]) as server:
        channel = _channel(f"https://127.0.0.1:{server.port}")
        try:
            with pytest.raises(TransportError, match="certificate could not be verified"):
                channel.send("GET", "/organization")
        finally:
            channel.close()
    assert channel.request_count == 1
    assert server.requests == []


def test_ssl_cert_file_is_trusted_and_the_request_travels_inside_tls(
    trusted: ssl.SSLContext,
) -> None:
    with wire_server(tls=trusted) as server:
        channel, status = _get(f"https://127.0.0.1:{server.port}")
    assert status == 200
    assert channel.request_count == 1
    assert f"Host: 127.0.0.1:{server.port}\r\n".encode() in server.requests[0]


def test_junk_inside_tls_after_an_answer_retires_the_connection(
    trusted: ssl.SSLContext,
) -> None:
    """Junk in the answer's own TLS record waits decrypted in the TLS layer, not on the
    socket: the idle connection must still be seen as unusable (a POST on it: ambiguous)."""
    with wire_server(OK + b"HTTP/1.1 500 Junk\r\n" * 700, tls=trusted) as server:
        channel = _channel(f"https://127.0.0.1:{server.port}", retries=0)
        try:
            channel.send("GET", "/organization")
            assert channel.send("POST", "/variable", {"key": "K"}).status == 200
        finally:
            channel.close()
    assert server.connections == 2


def test_https_goes_through_the_proxys_tunnel(
    trusted: ssl.SSLContext, connect_proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://user:p%40ss@127.0.0.1:{connect_proxy.port}")
    with wire_server(tls=trusted) as server:
        _, status = _get(f"https://127.0.0.1:{server.port}")
    assert status == 200
    assert len(server.requests) == 1
    [head] = connect_proxy.heads
    assert head.startswith(f"CONNECT 127.0.0.1:{server.port} HTTP/1.".encode())  # 1.0 on 3.11
    assert b"Proxy-Authorization: Basic " + base64.b64encode(b"user:p@ss") in head
    assert connect_proxy.relayed  # the request went through the tunnel...
    assert b"t0k3n" not in bytes(connect_proxy.relayed)  # ...inside TLS


def test_no_proxy_bypasses_the_proxy(
    trusted: ssl.SSLContext, connect_proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{connect_proxy.port}")
    monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
    with wire_server(tls=trusted) as server:
        _, status = _get(f"https://127.0.0.1:{server.port}")
    assert status == 200
    assert connect_proxy.heads == []


def test_a_refused_tunnel_is_not_sent_and_retried(
    connect_proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect_proxy.refuse = True
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{connect_proxy.port}")
    with pytest.raises(TransportError, match=r"could not connect \(Tunnel connection failed: 407"):
        _get("https://api.example.com", retries=2)
    assert len(connect_proxy.heads) == 3


def test_an_international_host_is_tunnelled_under_its_ascii_name(
    connect_proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect_proxy.refuse = True
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{connect_proxy.port}")
    with pytest.raises(TransportError, match="Tunnel connection failed: 407"):
        _get("https://b\u00fccher.example", retries=0)
    [head] = connect_proxy.heads
    assert head.startswith(b"CONNECT xn--bcher-kva.example:443 HTTP/1.")


def test_which_proxy_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    api = Target.parse("https://api.qovery.com")
    assert proxy_for(api) is None
    monkeypatch.setenv("ALL_PROXY", "proxy.corp:3128")
    assert proxy_for(api) == Proxy("proxy.corp", 3128, {})
    monkeypatch.setenv("https_proxy", "http://tunnel.corp")
    assert proxy_for(api) == Proxy("tunnel.corp", 80, {})
    monkeypatch.setenv("no_proxy", ".qovery.com")
    assert proxy_for(api) is None
    monkeypatch.setenv("no_proxy", "*")
    assert proxy_for(api) is None
    monkeypatch.setenv("no_proxy", "other.com")
    assert proxy_for(api) == Proxy("tunnel.corp", 80, {})
    monkeypatch.setenv("HTTP_PROXY", "http://tunnel.corp")
    assert proxy_for(Target.parse("http://127.0.0.1:8000")) is None  # plain http: never


def test_a_proxy_that_cannot_tunnel_is_a_config_error_naming_no_credential(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://user:s3cr3tpw@proxy.corp:1080")
    with pytest.raises(ConfigError, match="not an http:// URL") as caught:
        _get("https://api.qovery.com")
    assert "s3cr3tpw" not in str(caught.value)
