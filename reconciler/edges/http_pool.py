"""HTTP/1.1 to the Qovery API over the standard library's ``http.client``: the pool and the wire.

``ConnectionPool`` holds at most ``max_connections`` connections to the API's host, each an
``http.client.HTTPConnection`` (``HTTPSConnection`` for https://: TLS verified against
certifi's bundle, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, as httpx did), kept
alive and reused. A thread waits for a free connection no longer than the exchange's
deadline. An idle connection is checked before it is reused: if it is readable, the server
has closed it (or sent something nobody asked for), so it is discarded and a new one opened;
a request is never written onto a connection the server has already closed (a POST there
would look like a write whose outcome is unknown).

``ConnectionPool.exchange`` writes one request in one piece (its line, ``Host``, the caller's
headers, whose values the caller checked once, and the body: one system call where
``HTTPConnection.request`` makes two) and reads its answer with ``http.client.HTTPResponse``,
all under one deadline (waiting for a connection, opening it, sending, the headers and every
chunk of a trickled body: each read of the socket waits only what is left of it); interim (1xx)
answers are skipped for the final one; a body larger than ``max_body`` is refused, not
buffered. It asks for ``gzip`` (a listing compresses tenfold on the wire; zlib inflates it in
C) and inflates gzip and deflate answers (``inflating``; one cut short or undecodable is
``MAYBE_SENT``, as a body shorter than announced). Answer headers come back as a plain ``dict`` with
lower-case names (repeated ones joined by ", ").

Every failure is a ``WireFailure``: a ``retrying.Failure`` saying whether the server may have
seen the request, and a short description. Connecting (refused, unreachable, timed out, the
proxy's tunnel refused) and waiting for a free connection are ``NOT_SENT``; sending and
reading (a write or read error, a dropped connection, a malformed or cut answer, a timeout)
are ``MAYBE_SENT``; a certificate that cannot be verified or a request that cannot be
written (a path that is not printable ASCII) is ``FATAL``, and so is an answer larger than
``max_body`` (one the server gave: ``answered``). No ``http.client``, ``socket`` or ``ssl``
exception leaves this module, and no description holds a request header.

Proxies: a plain http:// API (loopback only) is never proxied, whatever the environment
says; an https:// one honours ``HTTPS_PROXY`` / ``ALL_PROXY`` and ``NO_PROXY`` (an http://
proxy, credentials in its URL sent as ``Proxy-Authorization``) through a CONNECT tunnel.

Neighbours: ``http`` (the only user: calls, retries, errors), ``retrying`` (``Failure``).
"""

from __future__ import annotations

import base64
import http.client
import io
import os
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlsplit

from reconciler.edges.inflating import BadBody, TooLarge, inflate
from reconciler.edges.retrying import Failure

if TYPE_CHECKING:
    import ssl

Header = tuple[str, str]

READ_SIZE = 64 << 10
_REQUEST_TARGET = re.compile(r"/[!-~]*")  # printable ASCII, no space: a path and its query
_NOT_IN_A_HOST = re.compile(r"[\x00-\x20\x7f]")  # what http.client refuses in a host
_DROPPED = "the connection was dropped before a complete response"
_TIMED_OUT = "timed out waiting for the response"
_NOT_YET_SENT = "timed out before the request could be sent"


class WireFailure(Exception):
    """An exchange that brought no usable answer: whether the server may have seen it, a
    short description (never a request header), and whether the server answered it (a
    write it may have carried out, even when retrying cannot help)."""

    def __init__(self, failure: Failure, description: str, *, answered: bool = False) -> None:
        super().__init__(description)
        self.failure, self.description, self.answered = failure, description, answered


@dataclass(frozen=True)
class Answer:
    """An answer read whole: its status, its headers (lower-case names) and its body."""

    status: int
    headers: dict[str, str]
    content: bytes


@dataclass(frozen=True)
class Target:
    """Where the API is: scheme, host, port and the path its calls are under."""

    scheme: str
    host: str
    port: int
    prefix: str

    @classmethod
    def parse(cls, base_url: str) -> Target:
        """The target of ``base_url``; ``ValueError`` when it is not an http(s) URL."""
        parts = urlsplit(base_url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname or parts.username is not None:
            raise ValueError("not an http(s) URL")
        port = parts.port or (443 if scheme == "https" else 80)
        return cls(scheme, _checked_host(parts.hostname), port, parts.path.rstrip("/"))

    @property
    def ascii_host(self) -> str:
        """The host as it travels in a header (an international name in its IDNA form)."""
        return self.host if self.host.isascii() else self.host.encode("idna").decode("ascii")

    @property
    def host_header(self) -> str:
        """The ``Host`` of its requests: the port only when not the scheme's own."""
        host = self.ascii_host
        host = f"[{host}]" if ":" in host else host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Proxy:
    """An http:// proxy that tunnels https:// (CONNECT), and the headers of its CONNECT."""

    host: str
    port: int
    headers: dict[str, str]


def proxy_for(target: Target) -> Proxy | None:
    """The proxy the environment names for ``target``: never for http://; for https://,
    ``HTTPS_PROXY`` else ``ALL_PROXY`` (either case), unless ``NO_PROXY`` lists the host.
    ``ValueError`` (naming no part of the URL: it may hold credentials) when it is not an
    http:// proxy."""
    if target.scheme != "https":
        return None
    import urllib.request  # only for https:// (a heavy import)

    proxies = urllib.request.getproxies()
    url = proxies.get("https") or proxies.get("all")
    if not url or urllib.request.proxy_bypass(target.host):
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise ValueError("only an http:// proxy can tunnel to the API")
    headers = {}
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        encoded = base64.b64encode(credentials.encode("utf-8")).decode("ascii")
        headers["Proxy-Authorization"] = f"Basic {encoded}"
    return Proxy(_checked_host(parts.hostname), parts.port or 80, headers)


def _checked_host(host: str) -> str:
    """``host``, if a connection can be opened to it: no space or control character (which
    ``http.client`` refuses) and every label one IDNA encodes (as the name lookup does: not
    empty, at most 63 characters); else ``ValueError``."""
    if _NOT_IN_A_HOST.search(host):
        raise ValueError("not a host name")
    host.encode("idna")  # UnicodeError, a ValueError, for a label it cannot encode
    return host


def tls_context() -> ssl.SSLContext:
    """The TLS settings of https://: certificates verified against ``SSL_CERT_FILE`` or
    ``SSL_CERT_DIR`` when set, else certifi's bundle (httpx's trust store). Built once."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@lru_cache(maxsize=4)
def _tls_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    import ssl

    if not cafile and not capath:
        import certifi

        cafile = certifi.where()
    context = ssl.create_default_context(cafile=cafile or None, capath=capath or None)
    context.set_alpn_protocols(["http/1.1"])
    return context


class ConnectionPool:
    """At most ``max_connections`` kept-alive connections to ``target``; thread-safe."""

    def __init__(self, target: Target, *, max_connections: int, connect_timeout: float) -> None:
        self._target = target
        self._connect_timeout = connect_timeout
        self._proxy = proxy_for(target)
        self._context = tls_context() if target.scheme == "https" else None
        self._host = target.host_header
        self._slots = threading.Semaphore(max(1, max_connections))
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Close the idle connections; those in use are closed when they are given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def exchange(
        self,
        method: str,
        path: str,
        headers: Sequence[Header],
        body: bytes | None,
        *,
        started: float,
        deadline: float,
        max_body: int,
    ) -> Answer:
        """Send one request and read its whole answer, all within ``deadline`` seconds of
        ``started`` (``time.monotonic``); a ``WireFailure`` when no usable answer came."""
        head = self._head(method, path, headers)
        reusable = False
        conn = self._acquire(deadline - (time.monotonic() - started))
        try:
            exchange = _Exchange(conn, started, deadline)
            exchange.send(head, body)
            answer, reusable = exchange.receive(method, max_body)
            return answer
        finally:
            self._release(conn, reusable=reusable)

    def _head(self, method: str, path: str, headers: Sequence[Header]) -> bytes:
        """The request line and headers, ``Host`` first: one write with the body (the
        headers' values are the caller's to check, once)."""
        target = self._target.prefix + path
        if not _REQUEST_TARGET.fullmatch(target):
            raise WireFailure(Failure.FATAL, "the request could not be sent (invalid path)")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._host}"]
        lines.extend(f"{name}: {value}" for name, value in headers)
        lines.append("\r\n")
        return "\r\n".join(lines).encode("latin-1")

    def _acquire(self, wait: float) -> http.client.HTTPConnection:
        if not self._slots.acquire(timeout=max(wait, 0.0)):
            raise WireFailure(Failure.NOT_SENT, "timed out waiting for a free connection")
        try:
            return self._idle_or_new()
        except BaseException:  # the slot is given back whatever the failure (^C included)
            self._slots.release()
            raise

    def _idle_or_new(self) -> http.client.HTTPConnection:
        """An idle connection still open (the stale ones closed), else a new one."""
        stale: list[http.client.HTTPConnection] = []
        conn = None
        with self._lock:
            while self._idle and conn is None:
                candidate = self._idle.pop()
                if _still_open(candidate):
                    conn = candidate
                else:
                    stale.append(candidate)
        for old in stale:
            old.close()
        return conn if conn is not None else self._new()

    def _release(self, conn: http.client.HTTPConnection, *, reusable: bool) -> None:
        try:
            if reusable and conn.sock is not None:
                with self._lock:
                    if not self._closed:
                        self._idle.append(conn)
                        return
            conn.close()
        finally:
            self._slots.release()

    def _new(self) -> http.client.HTTPConnection:
        target, timeout = self._target, self._connect_timeout
        if self._context is None:
            return http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        if self._proxy is None:
            return http.client.HTTPSConnection(
                target.host, target.port, timeout=timeout, context=self._context
            )
        conn = http.client.HTTPSConnection(
            self._proxy.host, self._proxy.port, timeout=timeout, context=self._context
        )
        conn.set_tunnel(target.ascii_host, target.port, headers=self._proxy.headers)
        return conn


def _still_open(conn: http.client.HTTPConnection) -> bool:
    """Whether an idle connection may carry a request: not closed, nothing to read on it.

    Readable while idle means the server closed it (end of stream) or sent bytes no request
    asked for: either way it cannot carry the next request (httpcore's ``is_socket_readable``).
    Over TLS, such bytes may also wait in the TLS layer, already read from the socket.
    """
    sock = conn.sock
    if sock is None or sock.fileno() < 0:
        return False
    pending = getattr(sock, "pending", None)  # TLS: bytes decrypted already, not on the socket
    if pending is not None and pending():
        return False
    try:
        if not hasattr(select, "poll"):  # Windows: no poll, and no descriptor limit on select
            return not select.select([sock], [], [], 0)[0]
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


class _Exchange:
    """One request on one connection, its deadline counted from ``started``."""

    def __init__(self, conn: http.client.HTTPConnection, started: float, deadline: float):
        self._conn, self._started, self._deadline = conn, started, deadline
        self._sock: socket.socket | None = None

    def _remaining(self) -> float:
        return self._deadline - (time.monotonic() - self._started)

    def _late(self) -> WireFailure:
        return WireFailure(Failure.MAYBE_SENT, f"no complete response within {self._deadline:g}s")

    def send(self, head: bytes, body: bytes | None) -> None:
        conn = self._conn
        if conn.sock is None:
            remaining = self._remaining()
            if remaining <= 0:
                raise WireFailure(Failure.NOT_SENT, _NOT_YET_SENT)
            conn.timeout = min(conn.timeout or remaining, remaining)  # the handshake included
            _connect(conn)
        remaining = self._remaining()
        if remaining <= 0:
            raise WireFailure(Failure.NOT_SENT, _NOT_YET_SENT)
        self._sock = sock = conn.sock
        assert sock is not None
        try:
            sock.settimeout(remaining)
            sock.sendall(head + body if body else head)  # one write: one packet, mostly
        except TimeoutError:
            raise WireFailure(Failure.MAYBE_SENT, _TIMED_OUT) from None
        except OSError:
            raise WireFailure(Failure.MAYBE_SENT, _DROPPED) from None

    def receive(self, method: str, max_body: int) -> tuple[Answer, bool]:
        """The answer, and whether the connection may carry another request."""
        assert self._sock is not None
        timed = _TimedReader(self._sock, self._remaining)
        response = _Response(cast("socket.socket", timed), method=method)
        try:
            return self._receive(response, max_body)
        finally:
            response.close()

    def _receive(self, response: http.client.HTTPResponse, max_body: int) -> tuple[Answer, bool]:
        try:
            response.begin()
        except TimeoutError:
            raise WireFailure(Failure.MAYBE_SENT, _TIMED_OUT) from None
        except (OSError, http.client.HTTPException):
            raise WireFailure(Failure.MAYBE_SENT, _DROPPED) from None
        headers: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if response.length is not None and response.length > max_body:
            raise _too_large(max_body)
        content = self._read_body(response, max_body)
        encoding = headers.get("content-encoding", "").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            content = _inflated(content, encoding, max_body)
        reusable = not response.will_close and response.status != 101  # 101: no longer HTTP
        return Answer(response.status, headers, content), reusable

    def _read_body(self, response: http.client.HTTPResponse, max_body: int) -> bytes:
        """The body, a read at a time, each within what is left of the deadline."""
        chunks: list[bytes] = []
        size = 0
        while response.length != 0:
            try:
                chunk = response.read1(READ_SIZE)
            except TimeoutError:
                raise self._late() from None
            except (OSError, http.client.HTTPException):
                raise WireFailure(Failure.MAYBE_SENT, _DROPPED) from None
            if not chunk:
                if response.length:  # the server closed before the length it announced
                    raise WireFailure(Failure.MAYBE_SENT, _DROPPED)
                break
            size += len(chunk)
            if size > max_body:
                raise _too_large(max_body)
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class _TimedReader(io.RawIOBase):
    """The socket as ``HTTPResponse`` reads it: each read waits no longer than what is left of
    the exchange's deadline (the status line, every header, chunk size and body read), so
    that a server trickling any part of its answer cannot hold the exchange past it."""

    def __init__(self, sock: socket.socket, remaining: Callable[[], float]) -> None:
        self._sock, self._remaining = sock, remaining

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(self)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._remaining()
        if remaining <= 0:
            raise TimeoutError
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


class _Response(http.client.HTTPResponse):
    """``http.client``'s answer, interim answers skipped: it skips ``100 Continue`` alone,
    and would take a ``102 Processing`` or ``103 Early Hints`` for the final answer (a POST
    answered 103 then 201 was carried out: it must not look like a failure)."""

    def _read_status(self) -> tuple[str, int, str]:
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if not 100 < status < 200 or status == 101:
                return version, status, reason
            http.client.parse_headers(self.fp)  # the interim answer's headers, unused


def _connect(conn: http.client.HTTPConnection) -> None:
    """Open ``conn`` (through the proxy's tunnel, TLS verified): a failure here is NOT_SENT,
    but for a certificate that cannot be verified (FATAL: retrying cannot help)."""
    try:
        conn.connect()
    except TimeoutError:
        conn.close()
        raise WireFailure(Failure.NOT_SENT, "timed out while connecting") from None
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        text = " ".join(str(exc).split())
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            raise WireFailure(
                Failure.FATAL, "the server's TLS certificate could not be verified"
            ) from None
        # whole: ``http`` redacts the token from it before it cuts it to length
        raise WireFailure(Failure.NOT_SENT, f"could not connect ({text or 'refused'})") from None


def _inflated(content: bytes, encoding: str, max_body: int) -> bytes:
    """``inflating.inflate``, its failures as the wire's: too large is FATAL, a body cut short
    or undecodable MAYBE_SENT (as a body shorter than its announced length is)."""
    try:
        return inflate(content, encoding, max_body)
    except TooLarge:
        raise _too_large(max_body) from None
    except BadBody as bad:
        raise WireFailure(Failure.MAYBE_SENT, str(bad)) from None


def _too_large(max_body: int) -> WireFailure:
    return WireFailure(
        Failure.FATAL, f"the response is larger than {max_body >> 20} MiB", answered=True
    )
