"""The sandbox's unified variable API (``/variable``), with Qovery's rules (QOVERY-NOTES).

Scopes: PROJECT > ENVIRONMENT > service (APPLICATION, CONTAINER, JOB; the parent is the
service's id). Every service of an environment (applications, and the databases a seed
gives it) has read-only BUILT_IN variables whose keys embed its id,
``QOVERY_<TYPE>_Z<SHORTID>_<PROPERTY>``: computed from the services, never stored.
``GET /variable?parent_id=&scope=`` answers what is visible at that scope: the higher scopes
and the environment's built-ins included. Creating a key that exists at a higher scope (or
is a built-in) answers 409: an override (``POST /variable/{id}/override``) is the way;
``POST /variable/{id}/alias`` makes an alias (never of an alias, only towards a lower
scope). ``PUT`` replaces the whole variable (a description left out is cleared; an
override's key and an alias's value cannot change). ``DELETE`` takes the variable's aliases
and overrides with it; built-ins cannot be written. Secret values are stored, never returned
(``value: null``), and an alias of a secret is a secret.

A clone of a service copies its service-scope variables and secrets; across environments it
drops its aliases and overrides of environment- or project-scope variables, and keeps its
aliases of built-ins, which still name the source environment's service
(``copy_service_variables``).

The stored record (``state["variables"][id]``): ``id``, ``key``, ``value``, ``is_secret``,
``scope``, ``parent_id``, ``variable_type`` (VALUE, ALIAS, OVERRIDE), ``target_id`` (what an
alias or override points at), ``description``, ``created_at``, ``updated_at``.
Neighbours: ``store`` runs these in its transactions, ``server`` routes them, ``seeding``
adds the databases.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from reconciler.sandbox.applications import JSONObject
from reconciler.sandbox.problems import bad_request, not_found
from reconciler.sandbox.service_index import index_of

SERVICE_TABLES = {"APPLICATION": "applications", "CONTAINER": "containers", "JOB": "jobs"}
"""The state table of each service scope (containers and jobs: when the sandbox has them)."""
RANK = {"PROJECT": 0, "ENVIRONMENT": 1, "BUILT_IN": 1} | dict.fromkeys(SERVICE_TABLES, 2)
MAX_DESCRIPTION = 255
BUILTIN_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://reconciler.invalid/builtin")
DATABASE_BUILTINS = (
    ("HOST_INTERNAL", False),
    ("PORT", False),
    ("LOGIN", False),
    ("PASSWORD", True),
    ("DATABASE_URL_INTERNAL", True),
)
APPLICATION_BUILTINS = (("HOST_INTERNAL", False),)


def tables(state: JSONObject) -> tuple[JSONObject, JSONObject]:
    return state.setdefault("variables", {}), state.setdefault("databases", {})


# ── built-ins ───────────────────────────────────────────────────────────────────────────


def short_id(service_id: str) -> str:
    """``Z`` and the first group of the id, upper-case, as Qovery's built-in keys spell it."""
    return "Z" + service_id.split("-")[0].upper()


def _builtin(
    service: JSONObject, kind: str, service_type: str, suffix: str, secret: bool
) -> JSONObject:
    sid = service["id"]
    key = f"QOVERY_{kind}_{short_id(sid)}_{suffix}"
    host = f"{short_id(sid).lower()}-{kind.lower()}"
    values = {
        "HOST_INTERNAL": host,
        "PORT": "5432",
        "LOGIN": "qovery",
        "PASSWORD": f"pw-{sid[:8]}",
        "DATABASE_URL_INTERNAL": f"postgresql://qovery:pw-{sid[:8]}@{host}:5432/postgres",
    }
    return {
        "id": str(uuid.uuid5(BUILTIN_NAMESPACE, f"{sid}/{suffix}")),
        "key": key,
        "value": values.get(suffix, ""),
        "is_secret": secret,
        "scope": "BUILT_IN",
        "parent_id": service["environment"]["id"],
        "variable_type": "BUILT_IN",
        "description": "",
        "created_at": service.get("created_at"),
        "updated_at": service.get("created_at"),
        "service": {"id": sid, "name": service["name"], "type": service_type},
    }


def builtins_of(state: JSONObject, env_id: str) -> Iterator[JSONObject]:
    """The built-in variables of every service of environment ``env_id``."""
    _, databases = tables(state)
    for db in databases.values():
        if db["environment"]["id"] == env_id:
            for suffix, secret in DATABASE_BUILTINS:
                yield _builtin(db, db.get("type", "POSTGRESQL"), "DATABASE", suffix, secret)
    for app in index_of(state).services_in("applications", env_id):
        for suffix, secret in APPLICATION_BUILTINS:
            yield _builtin(app, "APPLICATION", "APPLICATION", suffix, secret)


# ── what a parent sees ──────────────────────────────────────────────────────────────────


def _service(state: JSONObject, scope: str, parent_id: str) -> JSONObject | None:
    found: JSONObject | None = state.get(SERVICE_TABLES[scope], {}).get(parent_id)
    return found


def lineage(state: JSONObject, scope: str, parent_id: str) -> dict[str, str]:
    """Scope → parent id of every level ``parent_id`` sees (404 for an unknown parent)."""
    if scope in SERVICE_TABLES:
        service = _service(state, scope, parent_id)
        if service is None:
            raise not_found(scope.lower(), parent_id)
        env_id = service["environment"]["id"]
        return lineage(state, "ENVIRONMENT", env_id) | {scope: parent_id}
    if scope == "ENVIRONMENT":
        env = state["environments"].get(parent_id)
        if env is None:
            raise not_found("environment", parent_id)
        return {"PROJECT": env["project"]["id"], "ENVIRONMENT": parent_id}
    if scope == "PROJECT":
        if parent_id not in state["projects"]:
            raise not_found("project", parent_id)
        return {"PROJECT": parent_id}
    raise bad_request(f"scope must be PROJECT, ENVIRONMENT or one of {sorted(SERVICE_TABLES)}")


def visible(state: JSONObject, scope: str, parent_id: str) -> list[JSONObject]:
    """Every stored or built-in variable ``parent_id`` of ``scope`` sees, higher scopes first."""
    levels = lineage(state, scope, parent_id)
    stored, _ = tables(state)
    seen = [v for v in stored.values() if levels.get(v["scope"]) == v["parent_id"]]
    found = sorted(seen, key=lambda v: (RANK[v["scope"]], v["key"]))
    if "ENVIRONMENT" in levels:
        found[:0] = list(builtins_of(state, levels["ENVIRONMENT"]))
    return found


def environment_of(state: JSONObject, record: JSONObject) -> str | None:
    """The environment whose built-ins the variable's parent sees (None: a project's)."""
    scope, parent_id = record["scope"], record["parent_id"]
    if scope in SERVICE_TABLES:
        service = _service(state, scope, parent_id)
        return None if service is None else str(service["environment"]["id"])
    return str(parent_id) if scope in ("ENVIRONMENT", "BUILT_IN") else None


def find_variable(state: JSONObject, variable_id: str, near: str | None = None) -> JSONObject:
    """The stored or built-in variable of this id (404 otherwise); a built-in is looked for
    among the services of environment ``near`` first, then everywhere (an alias that a clone
    took to another environment still names the source environment's built-in)."""
    stored, _ = tables(state)
    found = stored.get(variable_id)
    if found is not None:
        return found  # type: ignore[no-any-return]
    first = [near] if near in state["environments"] else []
    for env_id in [*first, *state["environments"]]:
        for builtin in builtins_of(state, env_id):
            if builtin["id"] == variable_id:
                return builtin
    raise not_found("variable", variable_id)


# ── answers ─────────────────────────────────────────────────────────────────────────────


def _linked(state: JSONObject, record: JSONObject, near: str | None) -> JSONObject:
    """A ``VariableAlias`` / ``VariableOverride``: what the record points at."""
    target = find_variable(state, record["target_id"], near)
    return {
        "id": target["id"],
        "key": target["key"],
        "value": None if target["is_secret"] else target["value"],
        "mount_path": "",
        "scope": target["scope"],
        "variable_type": target["variable_type"],
    }


def response(state: JSONObject, record: JSONObject) -> JSONObject:
    """The ``VariableResponse`` of a record: a secret's value is never in it."""
    answer = {
        key: record[key]
        for key in ("id", "created_at", "updated_at", "key", "scope", "variable_type")
    }
    value = record["value"]
    linked = record["variable_type"] in ("ALIAS", "OVERRIDE")
    near = environment_of(state, record) if linked else None
    if record["variable_type"] == "ALIAS":
        value = find_variable(state, record["target_id"], near)["value"]
        answer["aliased_variable"] = _linked(state, record, near)
    if record["variable_type"] == "OVERRIDE":
        answer["overridden_variable"] = _linked(state, record, near)
    service = record.get("service")
    if service is None and record["scope"] in SERVICE_TABLES:
        found = _service(state, record["scope"], record["parent_id"]) or {}
        service = {"id": record["parent_id"], "name": found.get("name"), "type": record["scope"]}
    if service is not None:
        answer |= {"service_id": service["id"], "service_name": service["name"]}
        answer["service_type"] = service["type"]
    return answer | {
        "value": None if record["is_secret"] else value,
        "mount_path": None,
        "is_secret": record["is_secret"],
        "description": record.get("description") or "",
        "owned_by": "QOVERY",
    }


def list_variables(state: JSONObject, query: Any) -> list[JSONObject]:
    """``GET /variable?parent_id=&scope=[&is_secret=]``."""
    query = query if isinstance(query, dict) else {}
    parent_id, scope = query.get("parent_id"), query.get("scope")
    if not parent_id or not scope:
        raise bad_request("parent_id and scope are required")
    found = visible(state, str(scope), str(parent_id))
    wanted = query.get("is_secret")
    if wanted in ("true", "false"):
        found = [v for v in found if v["is_secret"] == (wanted == "true")]
    return [response(state, v) for v in found]
