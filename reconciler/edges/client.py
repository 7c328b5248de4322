"""The Qovery API client: the dozen calls the reconciler makes, and the shapes of their answers.

Each call is sent through ``http.HttpChannel`` (retries, status -> error, redaction, over
``http_pool``'s connections) and its 2xx answer is checked by ``answers`` before it is
returned: JSON, an object, a listing whose entries identify themselves, an id where one is
expected. Nothing here talks HTTP itself.

Neighbours: ``connection`` gives it the base URL and the Authorization header; ``http``
sends; ``answers`` checks; ``errors`` holds the exceptions it raises; ``observing`` and
``executing`` call it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NoReturn
from urllib.parse import quote

from reconciler.core.errors import AmbiguousWriteError, ApiError, BadResponseError
from reconciler.core.kinds import APPLICATION, ServiceKind
from reconciler.edges.answers import NonFiniteNumber, kind, listed, parse_json, with_id
from reconciler.edges.budget import RequestLedger
from reconciler.edges.http import HttpChannel, Reply
from reconciler.edges.retrying import RetryPolicy

JSONObject = dict[str, Any]


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
        ledger: RequestLedger | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._http = HttpChannel(
            self._base_url,
            authorization,
            max_connections=max_connections,
            timeout=timeout,
            policy=RetryPolicy(max(0, max_retries), backoff_base, backoff_max),
            user_agent=user_agent,
            ledger=ledger,
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
        return self._http.request_count

    @property
    def ledger(self) -> RequestLedger:
        """The requests sent, by method and status, and the API's last rate-limit headers."""
        return self._http.ledger

    # -- reads
    def list_organizations(self) -> list[JSONObject]:
        """GET /organization → ``results``."""
        return self._list("/organization")

    def list_projects(self, organization_id: str) -> list[JSONObject]:
        """GET /organization/{id}/project → ``results``."""
        return self._list(f"/organization/{_id(organization_id)}/project")

    def list_environments(self, project_id: str) -> list[JSONObject]:
        """GET /project/{id}/environment → ``results``."""
        path = f"/project/{_id(project_id)}/environment"
        return self._list(path, parents=("project",), named=True)

    def list_organization_environments(self, organization_id: str) -> list[JSONObject]:
        """GET /organization/{id}/environments → ``results`` (every environment of the org)."""
        path = f"/organization/{_id(organization_id)}/environments"
        return self._list(path, parents=("project",), named=True)

    def list_organization_services(self, organization_id: str) -> list[JSONObject]:
        """GET /organization/{id}/services → ``results`` (``ServiceLightResponse``: every
        service of the organization, of every kind, with its environment and description; an
        entry without its ``service_type`` is of no known kind: ``core.sources``)."""
        path = f"/organization/{_id(organization_id)}/services"
        return self._list(path, strings=("id", "name", "environment_id"))

    # -- services of any kind (core.kinds): the paths come from the kind
    def list_services(self, kind: ServiceKind, environment_id: str) -> list[JSONObject]:
        """GET /environment/{id}/{kind} → ``results`` (full objects of that kind)."""
        return self._list(kind.list_path(_id(environment_id)), named=True)

    def list_service_statuses(self, kind: ServiceKind, environment_id: str) -> list[JSONObject]:
        """GET /environment/{id}/{kind}/status → ``results`` (id + status)."""
        return self._list(kind.statuses_path(_id(environment_id)), strings=("id",))

    def get_service(self, kind: ServiceKind, service_id: str) -> JSONObject:
        """GET /{kind}/{id}."""
        path = kind.item_path(_id(service_id))
        return with_id(self._json("GET", path), "GET", path)

    def get_service_status(self, kind: ServiceKind, service_id: str) -> JSONObject:
        """GET /{kind}/{id}/status."""
        return self._json("GET", kind.status_path(_id(service_id)))

    def clone_service(
        self, kind: ServiceKind, service_id: str, name: str, environment_id: str
    ) -> JSONObject:
        """POST /{kind}/{id}/clone {name, environment_id} → the new service (202).

        A 409 ("operation in progress") raises ``ConflictError`` at once: the executor reads
        the target environment again before anything is sent again (contract section 7).
        """
        path = kind.clone_path(_id(service_id))
        body = {"name": name, "environment_id": environment_id}
        return with_id(self._json("POST", path, body, retry_conflict=False), "POST", path)

    def edit_service(self, kind: ServiceKind, service_id: str, body: JSONObject) -> JSONObject:
        """PUT /{kind}/{id} with the kind's full edit body (``kind.edit_body``)."""
        path = kind.item_path(_id(service_id))
        return with_id(self._json("PUT", path, body), "PUT", path)

    def delete_service(self, kind: ServiceKind, service_id: str) -> None:
        """DELETE /{kind}/{id} (204). A 404 is raised as NotFoundError.

        A 404 met on a retry, after an attempt that may have reached the server, means
        that attempt deleted it: it counts as done.
        """
        self._http.send("DELETE", kind.item_path(_id(service_id)))

    def deploy_service(
        self,
        kind: ServiceKind,
        service_id: str,
        version: str,
        clone: JSONObject | None = None,
    ) -> JSONObject:
        """POST /{kind}/{id}/deploy ``kind.deploy_body(version, clone)`` → Status (202).

        ``clone``: the service as it is deployed (a job's body depends on its source)."""
        path = kind.deploy_path(_id(service_id))
        body = kind.deploy_body(version, clone or {})
        return self._json("POST", path, body, retry_conflict=True)

    def stop_service(self, kind: ServiceKind, service_id: str) -> JSONObject:
        """POST /{kind}/{id}/stop (202): the service goes to STOPPED (expiry)."""
        return self._json("POST", f"{kind.item_path(_id(service_id))}/stop", retry_conflict=True)

    def deploy_environment(self, environment_id: str, body: JSONObject) -> JSONObject:
        """POST /environment/{id}/service/deploy ``DeployAllRequest`` → EnvironmentStatus
        (202): the listed services of one environment, in ONE deployment (contract 12)."""
        path = f"/environment/{_id(environment_id)}/service/deploy"
        return self._json("POST", path, body, retry_conflict=True)

    def list_commits(self, kind: ServiceKind, service_id: str) -> list[JSONObject]:
        """GET /{application|job}/{id}/commit: the last commits of the branch the service is
        built from, newest first."""
        return self._list(kind.commits_path(_id(service_id)), strings=("git_commit_id",))

    def environment_statuses(self, environment_id: str) -> JSONObject:
        """GET /environment/{id}/statuses: every kind's statuses of one environment."""
        return self._json("GET", f"/environment/{_id(environment_id)}/statuses")

    def server_time(self) -> datetime | None:
        """The API's clock: the ``Date`` of its latest answer (``None`` before any)."""
        return self._http.server_time

    # -- applications: the application kind's calls, by their familiar names
    def list_applications(self, environment_id: str) -> list[JSONObject]:
        return self.list_services(APPLICATION, environment_id)

    def list_application_statuses(self, environment_id: str) -> list[JSONObject]:
        return self.list_service_statuses(APPLICATION, environment_id)

    def get_application(self, application_id: str) -> JSONObject:
        return self.get_service(APPLICATION, application_id)

    def get_application_status(self, application_id: str) -> JSONObject:
        return self.get_service_status(APPLICATION, application_id)

    def clone_application(self, application_id: str, name: str, environment_id: str) -> JSONObject:
        return self.clone_service(APPLICATION, application_id, name, environment_id)

    def edit_application(self, application_id: str, body: JSONObject) -> JSONObject:
        return self.edit_service(APPLICATION, application_id, body)

    def delete_application(self, application_id: str) -> None:
        self.delete_service(APPLICATION, application_id)

    def deploy_application(self, application_id: str, git_commit_id: str) -> JSONObject:
        return self.deploy_service(APPLICATION, application_id, git_commit_id)

    # -- variables: the unified API (contract section 10); a secret never leaves in an error
    def list_variables(self, parent_id: str, scope: str) -> list[JSONObject]:
        """GET /variable?parent_id=&scope= → what the parent sees (higher scopes, built-ins)."""
        path = f"/variable?parent_id={_id(parent_id)}&scope={_id(scope)}"
        return self._list(path, strings=("id", "key", "scope"))

    def create_variable(self, body: JSONObject, *, secret: str | None = None) -> JSONObject:
        """POST /variable (``VariableRequest``) → the new variable (201)."""
        return self._variable("POST", "/variable", body, secret)

    def create_variable_alias(self, variable_id: str, body: JSONObject) -> JSONObject:
        """POST /variable/{id}/alias (``VariableAliasRequest``) → the alias (201)."""
        return self._variable("POST", f"/variable/{_id(variable_id)}/alias", body, None)

    def create_variable_override(
        self, variable_id: str, body: JSONObject, *, secret: str | None = None
    ) -> JSONObject:
        """POST /variable/{id}/override (``VariableOverrideRequest``) → the override (201)."""
        return self._variable("POST", f"/variable/{_id(variable_id)}/override", body, secret)

    def edit_variable(
        self, variable_id: str, body: JSONObject, *, secret: str | None = None
    ) -> JSONObject:
        """PUT /variable/{id} (``VariableEditRequest``: the whole variable)."""
        return self._variable("PUT", f"/variable/{_id(variable_id)}", body, secret)

    def delete_variable(self, variable_id: str) -> None:
        """DELETE /variable/{id} (204; its aliases and overrides go with it)."""
        self._http.send("DELETE", f"/variable/{_id(variable_id)}")

    def _variable(self, method: str, path: str, body: JSONObject, secret: str | None) -> JSONObject:
        """Send a variable write; when its body holds a secret, an error never quotes the
        answer (a server may echo the request) nor anything holding the value."""
        try:
            return with_id(self._json(method, path, body), method, path)
        except ApiError as exc:
            if secret is None:
                raise
            exc.excerpt = ""
            exc.args = (f"{method} {path}: {exc.detail.replace(secret, '(secret)')}",)
            raise exc from None

    # -- plumbing
    def _list(
        self,
        path: str,
        *,
        strings: tuple[str, ...] = ("id", "name"),
        parents: tuple[str, ...] = (),
        named: bool = False,
    ) -> list[JSONObject]:
        """GET ``path`` → ``results``, each entry checked (``answers.listed``)."""
        return listed(self._json("GET", path), path, strings, parents, named=named)

    def _json(
        self,
        method: str,
        path: str,
        body: JSONObject | None = None,
        *,
        retry_conflict: bool = False,
    ) -> JSONObject:
        """Send, then parse the 2xx body as a JSON object."""
        reply = self._http.send(method, path, body, retry_conflict=retry_conflict)
        try:
            parsed = parse_json(reply.content)
        except ValueError as exc:
            self._raise_unreadable(method, path, reply, exc)
        if not isinstance(parsed, dict):
            raise BadResponseError(
                f"unexpected response shape: expected a JSON object, got {kind(parsed)}",
                method=method,
                path=path,
                status=reply.status,
            )
        return parsed

    def _raise_unreadable(
        self, method: str, path: str, reply: Reply, problem: ValueError
    ) -> NoReturn:
        content_type = reply.content_type
        if isinstance(problem, NonFiniteNumber) and method != "POST":
            raise BadResponseError(
                f"malformed answer: it holds {problem}",
                method=method,
                path=path,
                status=reply.status,
            )
        excerpt = self._http.excerpt(reply)
        if method == "POST":
            raise AmbiguousWriteError(
                "the request was accepted but its response is not readable JSON "
                f"({content_type}); the outcome must be read back",
                method=method,
                path=path,
                status=reply.status,
                excerpt=excerpt,
            )
        raise BadResponseError(
            f"the response is not valid JSON ({content_type}; it may be truncated, "
            "or come from a proxy rather than the Qovery API)",
            method=method,
            path=path,
            status=reply.status,
            excerpt=excerpt,
        )


def _id(value: str) -> str:
    """An id as one path segment: nothing in it can reach another path or a query."""
    text = str(value)
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="")


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")  # what ``quote`` never escapes: a UUID as it is
