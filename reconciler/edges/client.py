"""The Qovery API client: the only module that imports httpx.

One ``httpx.Client`` (a bounded, thread-safe connection pool, TLS verified) behind the dozen
calls the reconciler makes. Each call is sent by ``_send``, which retries what the policy of
``retrying`` allows, maps error statuses onto the ``errors.ApiError`` tree, and checks that a
successful body is JSON of the expected shape. httpx exceptions never leave this module: each
one is turned into an ``ApiError`` raised ``from None``, so that nothing chained to it can
carry request headers.

The token never appears in an exception, a log line or a ``repr``: messages are built from
the method, the path (ids only, no query string), the status and a short excerpt of the body,
from which the Authorization value is redacted anyway. With ``-v`` the ``reconciler.edges.client``
logger writes, at DEBUG, one line per request: method, path, status, duration.

Neighbours: ``connection`` gives it the base URL and the Authorization header; ``retrying``
decides what is retried; ``errors`` holds the exceptions it raises; ``observing`` and
``executing`` call it.
"""

from __future__ import annotations

import html
import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import quote

import httpx

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
from reconciler.core.kinds import ServiceKind
from reconciler.core.version import VERSION as __version__
from reconciler.edges.connection import redact
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


class QoveryClient:
    """A thread-safe client for the subset of the Qovery API the reconciler uses.

    Every method returns parsed JSON (``dict`` / ``list[dict]``) of the spec's shapes, or
    raises a ``reconciler.core.errors.ApiError`` subclass. Reads (GET) and DELETE/PUT are retried
    with exponential backoff and jitter on connection errors, timeouts, dropped connections,
    429 (honouring ``Retry-After``) and 502/503/504; a DELETE that meets 404 after a retry
    counts as done. POSTs (clone, deploy) are retried only when the server surely did not
    act (connection refused, 429; and 409 "operation in progress" for deploy); after an
    ambiguous failure (timeout, dropped connection, 5xx, or an accepted request whose body
    cannot be read) they raise ``AmbiguousWriteError`` at once and the caller reads the
    target environment again. A 409 on clone raises ``ConflictError`` at once (contract
    section 7: a clone that meets a 409 is never simply repeated).

    ``max_connections`` bounds the pool; the executor passes its ``--parallelism``.
    Use as a context manager, or call ``close()``.
    """

    def __init__(
        self,
        base_url: str,
        authorization: str,
        *,
        max_connections: int = 8,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 0.2,
        backoff_max: float = 10.0,
        user_agent: str | None = None,
    ) -> None:
        if not authorization or not all("\x20" <= c <= "\x7e" for c in authorization):
            raise ConfigError("the Authorization value cannot be sent in an HTTP header")
        self._base_url = base_url.rstrip("/")
        self._authorization = authorization
        self._policy = RetryPolicy(max(0, max_retries), backoff_base, backoff_max)
        self._rng = random.Random()
        self._count = 0
        self._count_lock = threading.Lock()
        self._deadline = timeout  # for a whole exchange, the body included
        try:
            self._http = self._open(timeout, max_connections, user_agent)
        except (httpx.InvalidURL, ValueError, TypeError):
            raise ConfigError(f"the API URL {self._base_url!r} is not valid") from None

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
        )

    def __repr__(self) -> str:
        return f"QoveryClient(base_url={self._base_url!r})"

    # -- lifecycle
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> QoveryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        """How many HTTP requests this client sent (retries included)."""
        with self._count_lock:
            return self._count

    # -- reads
    def list_organizations(self) -> list[JSONObject]:
        """GET /organization → ``results``."""
        return self._list("/organization")

    def list_projects(self, organization_id: str) -> list[JSONObject]:
        """GET /organization/{id}/project → ``results``."""
        return self._list(f"/organization/{_id(organization_id)}/project")

    def list_environments(self, project_id: str) -> list[JSONObject]:
        """GET /project/{id}/environment → ``results``."""
        return self._list(f"/project/{_id(project_id)}/environment", parents=("project",))

    def list_organization_environments(self, organization_id: str) -> list[JSONObject]:
        """GET /organization/{id}/environments → ``results`` (every environment of the org)."""
        path = f"/organization/{_id(organization_id)}/environments"
        return self._list(path, parents=("project",))

    def list_applications(self, environment_id: str) -> list[JSONObject]:
        """GET /environment/{id}/application → ``results`` (full Application objects)."""
        return self._list(f"/environment/{_id(environment_id)}/application")

    def list_application_statuses(self, environment_id: str) -> list[JSONObject]:
        """GET /environment/{id}/application/status → ``results`` (id + status)."""
        path = f"/environment/{_id(environment_id)}/application/status"
        return self._list(path, strings=("id",))

    def get_application(self, application_id: str) -> JSONObject:
        """GET /application/{id}."""
        path = f"/application/{_id(application_id)}"
        return _with_id(self._json("GET", path), "GET", path)

    def get_application_status(self, application_id: str) -> JSONObject:
        """GET /application/{id}/status."""
        return self._json("GET", f"/application/{_id(application_id)}/status")

    # -- writes
    def clone_application(self, application_id: str, name: str, environment_id: str) -> JSONObject:
        """POST /application/{id}/clone {name, environment_id} → the new Application (202)."""
        path = f"/application/{_id(application_id)}/clone"
        body = {"name": name, "environment_id": environment_id}
        return _with_id(self._json("POST", path, body, retry_conflict=False), "POST", path)

    def edit_application(self, application_id: str, body: JSONObject) -> JSONObject:
        """PUT /application/{id} with a full ApplicationEditRequest → the Application."""
        path = f"/application/{_id(application_id)}"
        return _with_id(self._json("PUT", path, body), "PUT", path)

    def delete_application(self, application_id: str) -> None:
        """DELETE /application/{id} (204). A 404 is raised as NotFoundError.

        A 404 met on a retry, after an attempt that may have reached the server, means
        that attempt deleted it: it counts as done.
        """
        self._send("DELETE", f"/application/{_id(application_id)}")

    def deploy_application(self, application_id: str, git_commit_id: str) -> JSONObject:
        """POST /application/{id}/deploy {git_commit_id} → Status (202)."""
        path = f"/application/{_id(application_id)}/deploy"
        return self._json("POST", path, {"git_commit_id": git_commit_id}, retry_conflict=True)

    # -- plumbing
    def _list(
        self,
        path: str,
        *,
        strings: tuple[str, ...] = ("id", "name"),
        parents: tuple[str, ...] = (),
    ) -> list[JSONObject]:
        """GET ``path`` → ``results``, each entry checked for what identifies and places it.

        An entry without its name, or an environment without its project, would be taken for
        another or for none (a clone pruned as undeclared): the whole listing is refused.
        """
        body = self._json("GET", path)
        results = body.get("results")
        if not isinstance(results, list) or not all(
            _identifies(item, strings, parents) for item in results
        ):
            wanted = " and ".join(f"a string '{key}'" for key in strings)
            wanted += "".join(f" and a '{key}' object with a string 'id'" for key in parents)
            raise BadResponseError(
                "unexpected response shape: expected an object whose 'results' is a list "
                f"of objects that each have {wanted}",
                method="GET",
                path=path,
            )
        return results

    def _json(
        self,
        method: str,
        path: str,
        body: JSONObject | None = None,
        *,
        retry_conflict: bool = False,
    ) -> JSONObject:
        """Send, then parse the 2xx body as a JSON object."""
        response = self._send(method, path, body, retry_conflict=retry_conflict)
        try:
            parsed = parse_json(response.content)
        except ValueError:
            self._raise_unreadable(method, path, response)
        if not isinstance(parsed, dict):
            raise BadResponseError(
                f"unexpected response shape: expected a JSON object, got {_kind(parsed)}",
                method=method,
                path=path,
                status=response.status_code,
            )
        return parsed

    def _raise_unreadable(self, method: str, path: str, response: httpx.Response) -> NoReturn:
        content_type = response.headers.get("content-type", "no content type")
        excerpt = self._excerpt(response)
        if method == "POST":
            raise AmbiguousWriteError(
                "the request was accepted but its response is not readable JSON "
                f"({content_type}); the outcome must be read back",
                method=method,
                path=path,
                status=response.status_code,
                excerpt=excerpt,
            )
        raise BadResponseError(
            f"the response is not valid JSON ({content_type}; it may be truncated, "
            "or come from a proxy rather than the Qovery API)",
            method=method,
            path=path,
            status=response.status_code,
            excerpt=excerpt,
        )

    def _send(
        self,
        method: str,
        path: str,
        body: JSONObject | None = None,
        *,
        retry_conflict: bool = False,
    ) -> httpx.Response:
        """Send one call, retrying as ``retrying`` allows; a 2xx response or an ApiError."""
        call = _Call(method, path, body, retry_conflict)
        maybe_acted = False  # an earlier attempt may have reached the server
        retries = 0
        while True:
            outcome = self._attempt(call)
            if isinstance(outcome, httpx.Response):
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
        self, call: _Call, response: httpx.Response, retries: int
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

    def _attempt(self, call: _Call) -> httpx.Response | tuple[Failure, str]:
        """One HTTP exchange: the response, or what kind of transport failure it met.

        httpx's read timeout restarts with every chunk, so a server that trickles its answer
        could hold a call forever: the body is read here under one deadline for the whole
        exchange, and a body larger than ``MAX_BODY_BYTES`` is refused rather than buffered.
        """
        method, path = call.method, call.path
        with self._count_lock:
            self._count += 1
        started = time.monotonic()
        try:
            request = self._http.build_request(method, path, json=call.body)
            response = self._http.send(request, stream=True)
            try:
                body = self._read_body(response, started)
            finally:
                response.close()
        except _BodyRefused as refused:
            failure, description = refused.failure, refused.description
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            failure, description = _classify(exc)
            description = redact(description, self._authorization)
        else:
            elapsed = time.monotonic() - started
            _log.debug("%s %s -> %s in %.3fs", method, path, response.status_code, elapsed)
            headers = [(k, v) for k, v in response.headers.items() if k != "content-encoding"]
            return httpx.Response(
                response.status_code, headers=headers, content=body, request=request
            )
        elapsed = time.monotonic() - started
        _log.debug("%s %s -> %s after %.3fs", method, path, description, elapsed)
        return failure, description

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
        self, call: _Call, response: httpx.Response, retries: int, *, ambiguous: bool = False
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

    def _excerpt(self, response: httpx.Response) -> str:
        return redact(error_excerpt(response.text), self._authorization)

    # -- services of any kind (core.kinds): the paths come from the kind
    def list_services(self, kind: ServiceKind, environment_id: str) -> list[JSONObject]:
        """GET /environment/{id}/{kind} → ``results`` (full objects of that kind)."""
        return self._list(kind.list_path(_id(environment_id)))

    def list_service_statuses(self, kind: ServiceKind, environment_id: str) -> list[JSONObject]:
        """GET /environment/{id}/{kind}/status → ``results`` (id + status)."""
        return self._list(kind.statuses_path(_id(environment_id)), strings=("id",))

    def get_service(self, kind: ServiceKind, service_id: str) -> JSONObject:
        """GET /{kind}/{id}."""
        path = kind.item_path(_id(service_id))
        return _with_id(self._json("GET", path), "GET", path)

    def get_service_status(self, kind: ServiceKind, service_id: str) -> JSONObject:
        """GET /{kind}/{id}/status."""
        return self._json("GET", kind.status_path(_id(service_id)))

    def clone_service(
        self, kind: ServiceKind, service_id: str, name: str, environment_id: str
    ) -> JSONObject:
        """POST /{kind}/{id}/clone {name, environment_id} → the new service (202).

        A 409 raises ``ConflictError`` at once, as for ``clone_application``.
        """
        path = kind.clone_path(_id(service_id))
        body = {"name": name, "environment_id": environment_id}
        return _with_id(self._json("POST", path, body, retry_conflict=False), "POST", path)

    def edit_service(self, kind: ServiceKind, service_id: str, body: JSONObject) -> JSONObject:
        """PUT /{kind}/{id} with the kind's full edit body (``kind.edit_body``)."""
        path = kind.item_path(_id(service_id))
        return _with_id(self._json("PUT", path, body), "PUT", path)

    def delete_service(self, kind: ServiceKind, service_id: str) -> None:
        """DELETE /{kind}/{id} (204); a 404 after a retry counts as done."""
        self._send("DELETE", kind.item_path(_id(service_id)))

    def deploy_service(self, kind: ServiceKind, service_id: str, version: str) -> JSONObject:
        """POST /{kind}/{id}/deploy ``kind.deploy_body(version)`` → Status (202)."""
        path = kind.deploy_path(_id(service_id))
        return self._json("POST", path, kind.deploy_body(version), retry_conflict=True)


def parse_json(data: str | bytes) -> Any:
    """Parse a body as JSON; ``ValueError`` for anything that is not, nesting too deep included.

    The json module raises ``RecursionError`` for deeply nested arrays or objects (a hostile
    or broken body), and accepts ``NaN`` and ``Infinity``, which JSON does not have (a NaN
    ``cpu`` would differ from every value, and be "corrected" on every run): both are
    unreadable JSON like any other, not a bug of ours nor a value to act upon.
    """
    try:
        return json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def error_excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """A short, one-line account of an error body: its JSON ``detail``, else its text."""
    try:
        parsed = parse_json(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("detail", "message", "error"):
            if isinstance(parsed.get(key), str) and parsed[key].strip():
                return _shorten(parsed[key], limit)
    if "<" in text and ">" in text:
        text = html.unescape(_TAGS.sub(" ", _HIDDEN_BLOCKS.sub(" ", text)))
    return _shorten(text, limit)


def _shorten(text: str, limit: int) -> str:
    text = _WHITESPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _BodyRefused(Exception):
    """A response body read no further: too slow or too large."""

    def __init__(self, failure: Failure, description: str) -> None:
        super().__init__(description)
        self.failure, self.description = failure, description


def _classify(exc: Exception) -> tuple[Failure, str]:
    """Whether the server may have seen the request, and a short, header-free description."""
    if isinstance(exc, httpx.ConnectTimeout):
        return Failure.NOT_SENT, "timed out while connecting"
    if isinstance(exc, httpx.PoolTimeout):
        return Failure.NOT_SENT, "timed out waiting for a free connection"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
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


def _id(value: str) -> str:
    """An id as one path segment: nothing in it can reach another path or a query."""
    return quote(str(value), safe="")


def _identifies(item: object, strings: tuple[str, ...], parents: tuple[str, ...]) -> bool:
    """Whether a listed entry has its identifying strings and its parents' ids."""
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in strings):
        return False
    return all(
        isinstance(item.get(key), dict) and isinstance(item[key].get("id"), str) for key in parents
    )


def _with_id(body: JSONObject, method: str, path: str) -> JSONObject:
    if not isinstance(body.get("id"), str):
        raise BadResponseError(
            "unexpected response shape: the object has no string 'id'",
            method=method,
            path=path,
        )
    return body


def _kind(value: object) -> str:
    names = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")
