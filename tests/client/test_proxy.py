"""The token never goes through a proxy over plain http: the loopback API is reached directly.

A tiny recording "proxy" on 127.0.0.1 stands where HTTP_PROXY, http_proxy and ALL_PROXY
point; a plan against the sandbox (``http://127.0.0.1``) must succeed without it ever
receiving a byte, let alone the Authorization header.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import demo_manifest, write_manifest


class _Recorder(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        assert isinstance(self.server, _Proxy)
        self.server.received.append(self.request.recv(65536))
        self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")


class _Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.received: list[bytes] = []


@pytest.fixture
def proxy() -> Iterator[_Proxy]:
    """A recording proxy on 127.0.0.1; ``received``: what it got, one entry per connection."""
    server = _Proxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_loopback_api_is_reached_directly_whatever_the_proxy_variables(
    cli: Callable[..., Any],
    sandbox: Any,
    proxy: _Proxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, f"http://127.0.0.1:{proxy.server_address[1]}")
    result = cli("plan", write_manifest(tmp_path, demo_manifest()))
    assert result.code == 0, result
    assert proxy.received == []  # not a byte, so no Authorization header either
    assert sandbox.requests()  # the API itself was asked
