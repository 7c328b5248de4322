"""``GET /organization/{id}/services``: every service of an organization, light, in one call.

The spec's ``listServicesByOrganizationId``: one ``ServiceLightResponse`` per application,
container, job and database of the organization's environments (id, name, description,
icon, ``service_type``, project, environment, cluster; a job's ``job_type``), narrowed by the
optional query parameters ``project_id``, ``environment_id`` and ``cluster_id``; 404 for an
unknown organization. Environments in the state's order, and in each, its applications,
containers, jobs (``service_index``: the work follows the environments listed, not every
table's services), then its databases.

Neighbours: ``service_index`` (each environment's services), ``core.light_services`` (each
item, built as a recorded catalog builds it), ``store`` (the transaction), ``routes``
(``organization_service_routes``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reconciler.core.light_services import light_service
from reconciler.sandbox.applications import JSONObject
from reconciler.sandbox.records import get_or_404
from reconciler.sandbox.service_index import index_of
from reconciler.sandbox.variables import SERVICE_TABLES, tables

if TYPE_CHECKING:
    from reconciler.sandbox.store import Store

Operation = Callable[["Store", str, Any], tuple[int, Any]]

SERVICE_TYPES = {table: service_type for service_type, table in SERVICE_TABLES.items()}
FILTERS = ("project_id", "environment_id", "cluster_id")


def list_organization_services(store: Store, organization_id: str, query: Any) -> list[JSONObject]:
    """The light item of every service of the organization that the query's filters keep."""
    wanted = {key: query[key] for key in FILTERS if isinstance(query, dict) and query.get(key)}
    with store.transaction() as txn:
        state = txn.state
        get_or_404(state, "organizations", organization_id, "organization")
        projects = state["projects"]
        environments = [
            e
            for e in state["environments"].values()
            if e["organization"]["id"] == organization_id and _kept(e, wanted)
        ]
        _, databases = tables(state)
        by_env: dict[str, list[JSONObject]] = {}
        for database in databases.values():
            by_env.setdefault(database["environment"]["id"], []).append(database)
        index = index_of(state)
        items: list[JSONObject] = []
        for env in environments:
            project_name = projects.get(env["project"]["id"], {}).get("name", "")
            for table, service in index.all_in(env["id"]):
                items.append(light_service(service, SERVICE_TYPES[table], env, project_name))
            for database in by_env.get(env["id"], ()):
                items.append(light_service(database, "DATABASE", env, project_name))
        return items  # made here, of strings: nothing of the store's to protect


def _kept(environment: JSONObject, wanted: dict[str, str]) -> bool:
    """Whether the environment passes the query's filters."""
    values = {
        "project_id": environment["project"]["id"],
        "environment_id": environment["id"],
        "cluster_id": environment.get("cluster_id"),
    }
    return all(values[key] == value for key, value in wanted.items())


def organization_service_routes() -> list[tuple[str, str, Operation]]:
    """The route of the light listing, for ``routes``."""
    return [
        (
            "GET",
            r"/organization/([^/]+)/services",
            lambda s, i, b: (200, {"results": list_organization_services(s, i, b)}),
        )
    ]
