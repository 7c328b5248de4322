"""Plain reads of what the sandbox holds above services, for any Qovery client.

``GET /organization/{id}``, ``GET /project/{id}``, ``GET /environment/{id}`` (404 for an
unknown id) and ``GET /organization/{id}/containerRegistry`` (the organization's container
registries, which containers and image jobs name by ``registry_id``). Each one atomic.
Neighbours: ``store`` (the state and its lists), ``server`` (``hierarchy_routes``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.sandbox.answers import copy_json
from reconciler.sandbox.applications import JSONObject
from reconciler.sandbox.records import get_or_404
from reconciler.sandbox.store import Store

Operation = Callable[[Store, str, Any], tuple[int, Any]]


def get_organization(store: Store, organization_id: str) -> JSONObject:
    with store.transaction() as txn:
        return copy_json(get_or_404(txn.state, "organizations", organization_id, "organization"))


def get_project(store: Store, project_id: str) -> JSONObject:
    with store.transaction() as txn:
        project = copy_json(get_or_404(txn.state, "projects", project_id, "project"))
        project["associated_environments_count"] = sum(
            1 for e in txn.state["environments"].values() if e["project"]["id"] == project_id
        )
        return project


def get_environment(store: Store, environment_id: str) -> JSONObject:
    with store.transaction() as txn:
        return copy_json(get_or_404(txn.state, "environments", environment_id, "environment"))


def list_registries(store: Store, organization_id: str) -> list[JSONObject]:
    with store.transaction() as txn:
        get_or_404(txn.state, "organizations", organization_id, "organization")
        registries = txn.state["registries"].get(organization_id, {})
        return copy_json(list(registries.values()))


def _none_held(store: Store, environment_id: str) -> JSONObject:
    """The listing of a kind the sandbox never holds (helm, terraform; its databases are
    listed by ``store``): empty, for an environment that exists (404 otherwise)."""
    get_environment(store, environment_id)
    return {"results": []}


def hierarchy_routes() -> list[tuple[str, str, Operation]]:
    """The routes of the plain reads, for ``server``."""
    return [
        ("GET", r"/organization/([^/]+)", lambda s, i, b: (200, get_organization(s, i))),
        (
            "GET",
            r"/organization/([^/]+)/containerRegistry",
            lambda s, i, b: (200, {"results": list_registries(s, i)}),
        ),
        ("GET", r"/project/([^/]+)", lambda s, i, b: (200, get_project(s, i))),
        ("GET", r"/environment/([^/]+)", lambda s, i, b: (200, get_environment(s, i))),
        # kinds the sandbox holds none of: an existing environment lists none
        (
            "GET",
            r"/environment/([^/]+)/(?:helm|terraform)",
            lambda s, i, b: (200, _none_held(s, i)),
        ),
    ]
