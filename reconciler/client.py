"""The Qovery API client: the only module that imports httpx.

INTERFACE STUB — the signatures below are the contract every other module codes against.
The bodies are being written (issue 2). Do not change a signature without updating callers.

Neighbours: ``connection`` gives it the base URL and the Authorization header; ``errors``
holds the exceptions it raises; ``observing``, ``resolving`` (through ``observing``) and
``executing`` call it.
"""

from __future__ import annotations

from typing import Any

JSONObject = dict[str, Any]


class QoveryClient:
    """A thread-safe client for the subset of the Qovery API the reconciler uses.

    Every method returns parsed JSON (``dict`` / ``list[dict]``) of the spec's shapes, or
    raises a ``reconciler.errors.ApiError`` subclass. Reads (GET) and DELETE/PUT are retried
    with exponential backoff and jitter on connection errors, 429 (honouring ``Retry-After``)
    and 502/503/504. ``clone_application`` is never retried after an ambiguous failure
    (timeout, dropped connection, 5xx): it raises ``AmbiguousWriteError`` and the caller reads
    the target environment again. A 409 on clone/deploy ("operation in progress") is retried
    with backoff; if it persists it raises ``ConflictError``.

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
        raise NotImplementedError

    # -- lifecycle
    def close(self) -> None: ...
    def __enter__(self) -> QoveryClient: ...
    def __exit__(self, *exc: object) -> None: ...

    @property
    def request_count(self) -> int:
        """How many HTTP requests this client sent (retries included)."""
        raise NotImplementedError

    # -- reads
    def list_organizations(self) -> list[JSONObject]:
        """GET /organization → ``results``."""
        raise NotImplementedError

    def list_projects(self, organization_id: str) -> list[JSONObject]:
        """GET /organization/{id}/project → ``results``."""
        raise NotImplementedError

    def list_environments(self, project_id: str) -> list[JSONObject]:
        """GET /project/{id}/environment → ``results``."""
        raise NotImplementedError

    def list_organization_environments(self, organization_id: str) -> list[JSONObject]:
        """GET /organization/{id}/environments → ``results`` (every environment of the org)."""
        raise NotImplementedError

    def list_applications(self, environment_id: str) -> list[JSONObject]:
        """GET /environment/{id}/application → ``results`` (full Application objects)."""
        raise NotImplementedError

    def list_application_statuses(self, environment_id: str) -> list[JSONObject]:
        """GET /environment/{id}/application/status → ``results`` (id + status)."""
        raise NotImplementedError

    def get_application(self, application_id: str) -> JSONObject:
        """GET /application/{id}."""
        raise NotImplementedError

    def get_application_status(self, application_id: str) -> JSONObject:
        """GET /application/{id}/status."""
        raise NotImplementedError

    # -- writes
    def clone_application(self, application_id: str, name: str, environment_id: str) -> JSONObject:
        """POST /application/{id}/clone {name, environment_id} → the new Application (202)."""
        raise NotImplementedError

    def edit_application(self, application_id: str, body: JSONObject) -> JSONObject:
        """PUT /application/{id} with a full ApplicationEditRequest → the Application."""
        raise NotImplementedError

    def delete_application(self, application_id: str) -> None:
        """DELETE /application/{id} (204). A 404 is raised as NotFoundError."""
        raise NotImplementedError

    def deploy_application(self, application_id: str, git_commit_id: str) -> JSONObject:
        """POST /application/{id}/deploy {git_commit_id} → Status (202)."""
        raise NotImplementedError
