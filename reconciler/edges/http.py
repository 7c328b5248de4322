"""HTTP to the Qovery API: the only module that imports httpx.

One ``httpx.Client`` (a bounded, thread-safe connection pool, TLS verified) behind
``HttpChannel.send``, which sends one call, retries what the policy of ``retrying`` allows,
maps error statuses onto the ``errors.ApiError`` tree and hands back a ``Reply`` (status,
body, content type) of a 2xx answer. httpx exceptions never leave this module: each one is
turned into an ``ApiError`` raised ``from None``, so that nothing chained to it can carry
request headers.

Every attempt is recorded in a ``budget.RequestLedger`` (method, status, the API's
``X-RateLimit-*`` headers). ``post_json`` is the one other HTTP call: a notification POSTed
to a webhook (``notifying``), with no Authorization header.

The token never appears in an exception, a log line or a ``repr``: messages are built from
the method, the path (ids only, no query string), the status and a short excerpt of the body,
from which the Authorization value is redacted (before it is cut to length). With ``-v`` the
``reconciler.edges.http`` logger writes, at DEBUG, one line per request: method, path,
status, duration.

Neighbours: ``client`` (the endpoints and the shape of their answers) is the only caller;
``connection`` gives the base URL, the Authorization header and ``redact``; ``retrying``
decides what is retried; ``answers`` parses JSON; ``errors`` holds the exceptions raised.
"""

from __future__ import annotations

import html
import json
import logging
import random
import re
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn

from reconciler.core.errors import (
    AmbiguousWriteError,
    ApiError,
    BadRequestError,
    BadResponseError,
    ConfigError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
)
from reconciler.core.version import VERSION as __version__
from reconciler.edges.answers import parse_json
from reconciler.edges.budget import RequestLedger
from reconciler.edges.connection import redact
from reconciler.edges.retrying import (
    Failure,
    RetryPolicy,
    is_ambiguous,
    parse_retry_after,
    should_retry_failure,
    should_retry_status,
)

# isort: split

# httpx imports its own command-line client (click, pygments, rich: a third of its import
# time) whenever they are installed; the tool never runs it. A ``None`` in ``sys.modules``
# makes that one import fail, which httpx expects (it then defines a stub ``httpx.main``).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx  # noqa: E402 (after the line above)

JSONObject = dict[str, Any]

_log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
MAX_BODY_BYTES = 64 << 20  # far above any real listing; a larger body is refused, not buffered
EXCERPT_LENGTH = 200

_STATUS_ERRORS: dict[int, tuple[type[ApiError], str]] = {
    400: (BadRequestError, "the API refused the request as invalid"),
    401: (UnauthorizedError, "the API token was refused (missing, wrong or expired)"),
    403: (ForbiddenError, "the API token is not allowed to do this"),
    404: (NotFoundError, "not found"),
    409: (ConflictError, "conflict: the name is taken, or an operation is in progress"),
    429: (RateLimitedError, "rate limited by the API"),
}
_HIDDEN_BLOCKS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class _Call:
    """One API call as ``_send`` retries it."""

    method: str
    path: str
    body: JSONObject | None
    retry_conflict: bool

    @property
    def idempotent(self) -> bool:
        """GET, PUT (a full replace) and DELETE may be repeated; a POST may not."""
        return self.method != "POST"


@dataclass(frozen=True)
class Reply:
    """A successful (2xx) answer, read whole: its status, body and content type."""

    status: int
    content: bytes
    content_type: str

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class _Answer:
    """An answer as ``_send`` judges it: its status, headers and the body read whole."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        """The body decoded as httpx decodes it (the charset its content type names)."""
        headers = [(k, v) for k, v in self.headers.items() if k != "content-encoding"]
        return httpx.Response(self.status_code, headers=headers, content=self.content).text


_JSON_HEADERS = ((b"Content-Type", b"application/json"),)


class HttpChannel:
    """The pool of connections to one API, and the retry loop around each call."""

    def __init__(
        self,
        base_url: str,
        authorization: str,
        *,
        max_connections: int,
        timeout: float,
        policy: RetryPolicy,
        user_agent: str | None,
        ledger: RequestLedger | None = None,
    ) -> None:
        if not authorization or not all("\x20" <= c <= "\x7e" for c in authorization):
            raise ConfigError("the Authorization value cannot be sent in an HTTP header")
        self._base_url = base_url
        self._authorization = authorization
        self._policy = policy
        self._rng = random.Random()
        self._count = 0
        self._count_lock = threading.Lock()
        self._deadline = timeout  # for a whole exchange, the body included
        self.ledger = ledger if ledger is not None else RequestLedger()
        self._server_time: datetime | None = None
        try:
            self._http = self._open(timeout, max_connections, user_agent)
        except (httpx.InvalidURL, ValueError, TypeError):
            raise ConfigError(f"the API URL {self._base_url!r} is not valid") from None
        self._headers = self._http.headers.raw  # every request's: the client's, merged once
        self._ext = {"timeout": self._http.timeout.as_dict()}

    def _open(self, timeout: float, max_connections: int, user_agent: str | None) -> httpx.Client:
        return httpx.Client(
            base_url=self._base_url,
            headers={
                "Authorization": self._authorization,
                "Accept": "application/json",
                "User-Agent": user_agent or f"reconciler/{__version__}",
            },
            timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
            # plain http:// (loopback only): no proxy variable may route the token through a
            # proxy in clear; the API is reached directly. https:// honours them (tunnelled).
            trust_env=not self._base_url.lower().startswith("http://"),
        )

    def close(self) -> None:
        self._http.close()

    @property
    def request_count(self) -> int:
        """How many HTTP requests were sent (retries included)."""
        with self._count_lock:
            return self._count

    def send(
        self,
        method: str,
        path: str,
        body: JSONObject | None = None,
        *,
        retry_conflict: bool = False,
    ) -> Reply:
        """Send one call, retrying as ``retrying`` allows; a 2xx reply or an ApiError."""
        answer = self._send(_Call(method, path, body, retry_conflict))
        self._note_date(answer.headers.get("date"))
        content_type = answer.headers.get("content-type", "no content type")
        return Reply(answer.status_code, answer.content, content_type)

    @property
    def server_time(self) -> datetime | None:
        """The ``Date`` of the latest answer: the API's clock (expiry is judged by it)."""
        return self._server_time

    def _note_date(self, header: str | None) -> None:
        if not header:
            return
        try:
            moment = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return  # a malformed Date is no clock; the machine's is used
        self._server_time = moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def excerpt(self, reply: Reply) -> str:
        """A short, redacted account of a reply's body, for a message."""
        return error_excerpt(reply.text, self._authorization)

    def _send(self, call: _Call) -> _Answer:
        method, path = call.method, call.path
        maybe_acted = False  # an earlier attempt may have reached the server
        retries = 0
        while True:
            outcome = self._attempt(call)
            if isinstance(outcome, _Answer):
                if outcome.is_success or (
                    method == "DELETE" and outcome.status_code == 404 and maybe_acted
                ):
                    return outcome
                retry_after, reason = self._judge_response(call, outcome, retries)
                maybe_acted = maybe_acted or outcome.status_code >= 500
            else:
                retry_after, reason = self._judge_failure(call, *outcome, retries)
                maybe_acted = maybe_acted or outcome[0] is Failure.MAYBE_SENT
            retries += 1
            delay = self._policy.delay(retries, retry_after, self._rng)
            _log.debug("retrying %s %s in %.2fs after %s", method, path, delay, reason)
            time.sleep(delay)

    def _judge_response(
        self, call: _Call, response: _Answer, retries: int
    ) -> tuple[float | None, str]:
        """Raise for an error status that may not be retried; else the wait it asks for."""
        status = response.status_code
        if is_ambiguous(idempotent=call.idempotent, status=status):
            self._raise_for_status(call, response, retries, ambiguous=True)
        retry = should_retry_status(
            status, idempotent=call.idempotent, retry_conflict=call.retry_conflict
        )
        if not retry or retries >= self._policy.max_retries:
            self._raise_for_status(call, response, retries)
        return parse_retry_after(response.headers.get("retry-after")), f"HTTP {status}"

    def _judge_failure(
        self, call: _Call, failure: Failure, description: str, retries: int
    ) -> tuple[float | None, str]:
        """Raise for a transport failure that may not be retried; else no particular wait."""
        if is_ambiguous(idempotent=call.idempotent, failure=failure):
            self._raise_transport(call, description, retries, ambiguous=True)
        retry = should_retry_failure(failure, idempotent=call.idempotent)
        if not retry or retries >= self._policy.max_retries:
            self._raise_transport(call, description, retries)
        return None, description

    def _attempt(self, call: _Call) -> _Answer | tuple[Failure, str]:
        """One HTTP exchange: the answer, or what kind of transport failure it met.

        httpx's read timeout restarts with every chunk, so a server that trickles its answer
        could hold a call forever: the body is read here under one deadline for the whole
        exchange, and a body larger than ``MAX_BODY_BYTES`` is refused rather than buffered.
        """
        method, path = call.method, call.path
        with self._count_lock:
            self._count += 1
        started = time.monotonic()
        try:
            request = self._request(call)
            response = self._http.send(request, stream=True)
            try:
                body = self._read_body(response, started)
            finally:
                response.close()
        except _BodyRefused as refused:
            failure, description = refused.failure, refused.description
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            failure, description = _classify(exc, self._authorization)
        else:
            self.ledger.record(method, response.status_code, response.headers)
            if _log.isEnabledFor(logging.DEBUG):
                elapsed = time.monotonic() - started
                _log.debug("%s %s -> %s in %.3fs", method, path, response.status_code, elapsed)
            return _Answer(response.status_code, response.headers, body)
        self.ledger.record(method, None)
        elapsed = time.monotonic() - started
        _log.debug("%s %s -> %s after %.3fs", method, path, description, elapsed)
        return failure, description

    def _request(self, call: _Call) -> httpx.Request:
        """The request of ``call``: the URL parsed once, the client's headers as they are.

        ``Client.build_request`` parses the URL three times and merges the headers and the
        cookies again for every request; here the merged headers are the client's own, the
        body is encoded as httpx encodes ``json=``. A client that holds cookies (an API that
        set one) builds its requests the client's way, which sends them back."""
        if self._http.cookies:
            return self._http.build_request(call.method, call.path, json=call.body)
        url = httpx.URL(self._base_url + call.path)
        if call.body is None:
            return httpx.Request(call.method, url, headers=self._headers, extensions=self._ext)
        content = json.dumps(
            call.body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
        headers = [*self._headers, *_JSON_HEADERS, (b"Content-Length", b"%d" % len(content))]
        return httpx.Request(
            call.method, url, headers=headers, content=content, extensions=self._ext
        )

    def _read_body(self, response: httpx.Response, started: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _BodyRefused(
                    Failure.FATAL, f"the response is larger than {MAX_BODY_BYTES >> 20} MiB"
                )
            if time.monotonic() - started > self._deadline:
                raise _BodyRefused(
                    Failure.MAYBE_SENT, f"no complete response within {self._deadline:g}s"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _raise_for_status(
        self, call: _Call, response: _Answer, retries: int, *, ambiguous: bool = False
    ) -> NoReturn:
        method, path = call.method, call.path
        status = response.status_code
        excerpt = self._excerpt(response)
        if ambiguous:
            raise AmbiguousWriteError(
                "the server failed while handling a write that may have been carried out; "
                "the outcome must be read back",
                method=method,
                path=path,
                status=status,
                excerpt=excerpt,
            )
        cls: type[ApiError]
        if status >= 500:
            cls, message = ServerError, "the API failed (server error)"
        elif status in _STATUS_ERRORS:
            cls, message = _STATUS_ERRORS[status]
        elif 400 <= status < 500:
            cls, message = BadRequestError, "the API refused the request"
        else:
            cls, message = BadResponseError, "unexpected response status"
        if retries:
            message += f", still after {retries} retries"
        raise cls(message, method=method, path=path, status=status, excerpt=excerpt)

    def _raise_transport(
        self, call: _Call, description: str, retries: int, *, ambiguous: bool = False
    ) -> NoReturn:
        method, path = call.method, call.path
        where = f"no usable answer from {self._base_url}: {description}"
        if ambiguous:
            raise AmbiguousWriteError(
                f"{where}; the write may or may not have been carried out, "
                "the outcome must be read back",
                method=method,
                path=path,
            )
        if retries:
            where += f" (still after {retries} retries)"
        raise TransportError(where, method=method, path=path)

    def _excerpt(self, response: _Answer) -> str:
        return error_excerpt(response.text, self._authorization)


def post_json(url: str, body: JSONObject, *, timeout: float) -> int:
    """POST ``body`` to a webhook ``url`` (no Authorization header, no redirect, proxies per
    the environment); the status of its answer, or a ``TransportError`` naming only its host
    (a webhook URL may hold a secret of its own)."""
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as http:
            response = http.post(
                url, json=body, headers={"User-Agent": f"reconciler/{__version__}"}
            )
            return response.status_code
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, ValueError) as exc:
        host = httpx.URL(url).host if _parses(url) else "?"
        raise TransportError(f"no answer from {host} ({type(exc).__name__})") from None


def _parses(url: str) -> bool:
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return False
    return True


def error_excerpt(text: str, secret: str = "", limit: int = EXCERPT_LENGTH) -> str:
    """A short, one-line account of an error body: its JSON ``detail``, else its text.

    ``secret`` (the Authorization value) is redacted before the text is cut to ``limit``:
    cut first, a token at the edge would leave its first characters behind.
    """
    try:
        parsed = parse_json(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("detail", "message", "error"):
            if isinstance(parsed.get(key), str) and parsed[key].strip():
                return _shorten(redact(parsed[key], secret), limit)
    if "<" in text and ">" in text:
        text = html.unescape(_TAGS.sub(" ", _HIDDEN_BLOCKS.sub(" ", text)))
    return _shorten(redact(text, secret), limit)


def _shorten(text: str, limit: int) -> str:
    text = _WHITESPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _BodyRefused(Exception):
    """A response body read no further: too slow or too large."""

    def __init__(self, failure: Failure, description: str) -> None:
        super().__init__(description)
        self.failure, self.description = failure, description


def _classify(exc: Exception, secret: str) -> tuple[Failure, str]:
    """Whether the server may have seen the request, and a short description, ``secret``
    redacted (before it is cut)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return Failure.NOT_SENT, "timed out while connecting"
    if isinstance(exc, httpx.PoolTimeout):
        return Failure.NOT_SENT, "timed out waiting for a free connection"
    if isinstance(exc, httpx.ConnectError):
        text = redact(str(exc), secret)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return Failure.FATAL, "the server's TLS certificate could not be verified"
        return Failure.NOT_SENT, f"could not connect ({_shorten(text, 120) or 'refused'})"
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return Failure.MAYBE_SENT, "timed out waiting for the response"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return Failure.MAYBE_SENT, "the connection was dropped before a complete response"
    if isinstance(exc, httpx.DecodingError):
        return Failure.MAYBE_SENT, "the response body could not be decoded"
    if isinstance(exc, httpx.NetworkError | httpx.TimeoutException):
        return Failure.MAYBE_SENT, f"network error ({type(exc).__name__})"
    return Failure.FATAL, f"the request could not be sent ({type(exc).__name__})"
