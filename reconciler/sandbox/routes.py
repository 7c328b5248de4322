"""The sandbox's routes: each Qovery path it serves, with the ``store`` operation behind it.

``ROUTES`` pairs a method and a path pattern (ids as ``([^/]+)``) with an operation
``(store, id, body) -> (status, payload)``; ``route`` finds a request's operation (404 or
405 otherwise) and ``template`` names the route a path belongs to, for the request log and
faults. Every kind of service (applications, containers, jobs) adds its routes from
``services``, plain reads of the hierarchy from ``hierarchy``, the light listing of an
organization's services from ``organization_services``, variables from ``variables`` and
``variable_writes``.

Neighbours: ``server`` (the only caller), ``store`` (the operations).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reconciler.sandbox.deploys import deploy_routes
from reconciler.sandbox.hierarchy import hierarchy_routes
from reconciler.sandbox.organization_services import organization_service_routes
from reconciler.sandbox.problems import ApiProblem
from reconciler.sandbox.services import service_routes
from reconciler.sandbox.store import Store
from reconciler.sandbox.variable_writes import (
    create_alias,
    create_override,
    create_variable,
    delete_variable,
    edit_variable,
)
from reconciler.sandbox.variables import list_variables

Payload = Any
Operation = Callable[[Store, str, Any], tuple[int, Payload]]


def _results(items: list[Any]) -> dict[str, Any]:
    return {"results": items}


ROUTES: list[tuple[str, re.Pattern[str], Operation]] = [
    (method, re.compile(pattern), op)
    for method, pattern, op in [
        ("GET", r"/organization", lambda s, i, b: (200, _results(s.list_organizations()))),
        (
            "GET",
            r"/organization/([^/]+)/project",
            lambda s, i, b: (200, _results(s.list_projects(i))),
        ),
        (
            "GET",
            r"/organization/([^/]+)/environments",
            lambda s, i, b: (200, _results(s.list_organization_environments(i))),
        ),
        (
            "GET",
            r"/project/([^/]+)/environment",
            lambda s, i, b: (200, _results(s.list_environments(i))),
        ),
        (
            "GET",
            r"/environment/([^/]+)/database",
            lambda s, i, b: (200, _results(s.list_databases(i))),
        ),
        ("GET", r"/variable", lambda s, i, b: (200, _results(s.read_variables(list_variables, b)))),
        ("POST", r"/variable", lambda s, i, b: (201, s.write_variables(create_variable, b))),
        (
            "POST",
            r"/variable/([^/]+)/alias",
            lambda s, i, b: (201, s.write_variables(create_alias, i, b)),
        ),
        (
            "POST",
            r"/variable/([^/]+)/override",
            lambda s, i, b: (201, s.write_variables(create_override, i, b)),
        ),
        (
            "PUT",
            r"/variable/([^/]+)",
            lambda s, i, b: (200, s.write_variables(edit_variable, i, b)),
        ),
        (
            "DELETE",
            r"/variable/([^/]+)",
            lambda s, i, b: (204, s.write_variables(lambda st, v, _now: delete_variable(st, v), i)),
        ),
        *service_routes(),
        *deploy_routes(),
        *hierarchy_routes(),
        *organization_service_routes(),
    ]
]


def route(method: str, path: str) -> tuple[Operation, str] | None:
    """The operation for ``method path`` and its path id; ``ApiProblem`` 404/405 if none."""
    allowed = False
    for route_method, pattern, op in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            if route_method == method:
                return op, match.group(1) if pattern.groups else ""
            allowed = True
    if allowed:
        raise ApiProblem(405, f"{method} is not allowed on {path}")
    return None


def template(path: str) -> str:
    """The route ``path`` belongs to, ids as ``{id}`` (``/application/{id}/clone``); else itself."""
    for _method, pattern, _op in ROUTES:
        if pattern.fullmatch(path):
            return pattern.pattern.replace("([^/]+)", "{id}")
    return path
