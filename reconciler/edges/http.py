"""HTTP to the Qovery API: calls, retries and errors over ``http_pool``'s connections.

``HttpChannel.send`` sends one call through a ``http_pool.ConnectionPool`` (a bounded,
thread-safe pool of kept-alive ``http.client`` connections, TLS verified), retries what the
policy of ``retrying`` allows, maps error statuses onto the ``errors.ApiError`` tree and
hands back a ``Reply`` (status, body, content type) of a 2xx answer. A transport failure is
turned into an ``ApiError`` raised ``from None``, so that nothing chained to it can carry
request headers. Every request carries the same headers: ``Authorization``, ``Accept:
application/json``, ``Accept-Encoding: gzip``, ``User-Agent`` and ``Host``, and for a body
``Content-Type: application/json`` and its ``Content-Length``. Cookies are neither kept nor
sent: the API authenticates by its token alone.

Every attempt is recorded in a ``budget.RequestLedger`` (method, status, the API's
``X-RateLimit-*`` headers). ``post_json`` is the one other HTTP call: a notification POSTed
to a webhook (``notifying``), with no Authorization header, through httpx (proxies as the
environment says); httpx is imported there only, so that the calls to the API never load it.

The token never appears in an exception, a log line or a ``repr``: messages are built from
the method, the path (ids only, no query string), the status and a short excerpt of the body,
from which the Authorization value is redacted (before it is cut to length). With ``-v`` the
``reconciler.edges.http`` logger writes, at DEBUG, one line per request: method, path,
status, duration.

Neighbours: ``client`` (the endpoints and the shape of their answers) is the only caller;
``connection`` gives the base URL, the Authorization header and ``redact``; ``retrying``
decides what is retried; ``http_pool`` holds the connections and classifies what happened on
the wire; ``answers`` parses JSON; ``errors`` holds the exceptions raised.
"""

from __future__ import annotations

import codecs
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
from reconciler.edges.http_pool import Answer, ConnectionPool, Header, Target, WireFailure
from reconciler.edges.retrying import (
    Failure,
    RetryPolicy,
    is_ambiguous,
    parse_retry_after,
    should_retry_failure,
    should_retry_status,
)

JSONObject = dict[str, Any]

_log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
MAX_BODY_BYTES = 64 << 20  # far above any real listing; a larger body is refused, not buffered
EXCERPT_LENGTH = 200
DESCRIPTION_LENGTH = 160  # a transport failure's account: redacted first, then cut

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


def _sendable(value: str) -> bool:
    """Whether ``value`` can travel as a header's value: printable ASCII, not empty."""
    return bool(value) and all("\x20" <= c <= "\x7e" for c in value)


def _charset(content_type: str | None) -> str:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("\"'")
            try:
                return codecs.lookup(value).name
            except LookupError:
                break
    return "utf-8"


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
        if not _sendable(authorization):
            raise ConfigError("the Authorization value cannot be sent in an HTTP header")
        user_agent = user_agent or f"reconciler/{__version__}"
        if not _sendable(user_agent):
            raise ConfigError("the User-Agent cannot be sent in an HTTP header")
        self._base_url = base_url
        self._authorization = authorization
        self._policy = policy
        self._rng = random.Random()
        self._count = 0
        self._count_lock = threading.Lock()
        self._deadline = timeout  # for a whole exchange, the body included
        self.ledger = ledger if ledger is not None else RequestLedger()
        self._server_time: datetime | None = None
        self._date_header: str | None = None  # the Date that ``_server_time`` was read from
        try:
            target = Target.parse(base_url)
        except (ValueError, TypeError):
            raise ConfigError(f"the API URL {self._base_url!r} is not valid") from None
        try:
            # plain http:// (loopback only) is never proxied: no proxy variable may route the
            # token through a proxy in clear. https:// honours them, tunnelled (CONNECT).
            self._pool = ConnectionPool(
                target, max_connections=max_connections, connect_timeout=CONNECT_TIMEOUT
            )
        except ValueError:
            raise ConfigError(
                "the proxy that HTTPS_PROXY or ALL_PROXY names is not an http:// URL"
            ) from None
        except OSError:  # a file that is missing, unreadable or holds no certificate
            raise ConfigError(
                "the certificates that SSL_CERT_FILE or SSL_CERT_DIR name could not be loaded"
            ) from None
        self._headers: tuple[Header, ...] = (  # every request's, in this order
            ("Authorization", authorization),
            ("Accept", "application/json"),
            ("Accept-Encoding", "gzip"),
            ("User-Agent", user_agent),
        )

    def close(self) -> None:
        self._pool.close()

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
        return Reply(answer.status, answer.content, content_type)

    @property
    def server_time(self) -> datetime | None:
        """The ``Date`` of the latest answer: the API's clock (expiry is judged by it)."""
        return self._server_time

    def _note_date(self, header: str | None) -> None:
        if not header or header == self._date_header:
            return  # parsed already: the Date changes once a second, answers come faster
        self._date_header = header
        try:
            moment = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return  # a malformed Date is no clock; the machine's is used
        self._server_time = moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def excerpt(self, reply: Reply) -> str:
        """A short, redacted account of a reply's body, for a message."""
        return error_excerpt(reply.text, self._authorization)

    def _send(self, call: _Call) -> Answer:
        method, path = call.method, call.path
        maybe_acted = False  # an earlier attempt may have reached the server
        retries = 0
        while True:
            outcome = self._attempt(call)
            if isinstance(outcome, Answer):
                if 200 <= outcome.status < 300 or (
                    method == "DELETE" and outcome.status == 404 and maybe_acted
                ):
                    return outcome
                retry_after, reason = self._judge_response(call, outcome, retries)
                maybe_acted = maybe_acted or outcome.status >= 500
            else:
                retry_after, reason = self._judge_failure(call, *outcome, retries)
                maybe_acted = maybe_acted or outcome[0] is Failure.MAYBE_SENT
            retries += 1
            delay = self._policy.delay(retries, retry_after, self._rng)
            _log.debug("retrying %s %s in %.2fs after %s", method, path, delay, reason)
            time.sleep(delay)

    def _judge_response(
        self, call: _Call, response: Answer, retries: int
    ) -> tuple[float | None, str]:
        """Raise for an error status that may not be retried; else the wait it asks for."""
        status = response.status
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

    def _attempt(self, call: _Call) -> Answer | tuple[Failure, str]:
        """One HTTP exchange: the answer, or what kind of transport failure it met.

        The whole exchange (waiting for a connection, sending, every chunk of the answer)
        runs under one deadline, so that a server trickling its answer cannot hold a call
        forever; a body larger than ``MAX_BODY_BYTES`` is refused rather than buffered.
        """
        method, path = call.method, call.path
        with self._count_lock:
            self._count += 1
        headers, content = self._request(call)
        started = time.monotonic()
        try:
            answer = self._pool.exchange(
                method,
                path,
                headers,
                content,
                started=started,
                deadline=self._deadline,
                max_body=MAX_BODY_BYTES,
            )
        except WireFailure as failed:
            failure = failed.failure
            description = _shorten(
                redact(failed.description, self._authorization), DESCRIPTION_LENGTH
            )
            if failed.answered and not call.idempotent:  # a write the server may have made
                failure = Failure.MAYBE_SENT
        else:
            self.ledger.record(method, answer.status, answer.headers)
            if _log.isEnabledFor(logging.DEBUG):
                elapsed = time.monotonic() - started
                _log.debug("%s %s -> %s in %.3fs", method, path, answer.status, elapsed)
            return answer
        self.ledger.record(method, None)
        elapsed = time.monotonic() - started
        _log.debug("%s %s -> %s after %.3fs", method, path, description, elapsed)
        return failure, description

    def _request(self, call: _Call) -> tuple[tuple[Header, ...], bytes | None]:
        """The headers and body of ``call``: its JSON body encoded compactly, UTF-8."""
        if call.body is None:
            return self._headers, None
        content = json.dumps(
            call.body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
        length = ("Content-Length", str(len(content)))
        return (*self._headers, ("Content-Type", "application/json"), length), content

    def _raise_for_status(
        self, call: _Call, response: Answer, retries: int, *, ambiguous: bool = False
    ) -> NoReturn:
        method, path = call.method, call.path
        status = response.status
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

    def _excerpt(self, response: Answer) -> str:
        """The body, decoded by the charset its content type names (UTF-8 when it names none,
        or one unknown), as an error shows it: the token out, cut short."""
        charset = _charset(response.headers.get("content-type"))
        return error_excerpt(
            response.content.decode(charset, errors="replace"), self._authorization
        )


def post_json(url: str, body: JSONObject, *, timeout: float) -> int:
    """POST ``body`` to a webhook ``url`` (no Authorization header, no redirect, proxies per
    the environment); the status of its answer, or a ``TransportError`` naming only its host
    (a webhook URL may hold a secret of its own). httpx is imported here, and only here."""
    # httpx imports its own command-line client (click, pygments, rich: a third of its
    # import time) whenever they are installed; the tool never runs it. A ``None`` in
    # ``sys.modules`` makes that one import fail, which httpx expects (it then defines a stub).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    import httpx

    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as http:
            response = http.post(
                url, json=body, headers={"User-Agent": f"reconciler/{__version__}"}
            )
            return response.status_code
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, ValueError) as exc:
        try:
            host = httpx.URL(url).host
        except (httpx.InvalidURL, ValueError, TypeError):
            host = "?"
        raise TransportError(f"no answer from {host} ({type(exc).__name__})") from None


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
