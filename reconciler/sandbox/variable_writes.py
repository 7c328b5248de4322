"""The sandbox's variable writes: create, alias, override, edit, delete, and what a clone copies.

The rules are Qovery's (QOVERY-NOTES "Variables", the spec's ``/variable`` endpoints), told
in ``variables``' docstring: a key visible at a higher scope (or a built-in's) answers 409 on
create; an alias or an override points from a higher scope to a lower one, never at an alias;
``PUT`` replaces the whole variable; a delete takes the variable's aliases and overrides with
it; built-ins are read-only. Each function takes the state of one store transaction.

Neighbours: ``variables`` (visibility, answers), ``store`` (transactions), ``services`` and
``lifecycle`` (the clone and delete of services, which call ``copy_service_variables`` /
``drop_service_variables``).
"""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.sandbox.applications import JSONObject
from reconciler.sandbox.problems import ApiProblem, bad_request, conflict
from reconciler.sandbox.variables import (
    MAX_DESCRIPTION,
    RANK,
    SERVICE_TABLES,
    environment_of,
    find_variable,
    lineage,
    response,
    tables,
    visible,
)

WRITABLE_SCOPES = ("PROJECT", "ENVIRONMENT", *SERVICE_TABLES)


def _text(body: JSONObject, name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} is required and must be a string")
    return value


def _description(body: JSONObject) -> str | None:
    description = _text(body, "description", required=False)
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise bad_request(f"description is longer than {MAX_DESCRIPTION} characters")
    return description


def _where(state: JSONObject, body: JSONObject, prefix: str) -> tuple[str, str]:
    """The scope and parent id of a write (``variable_``, ``alias_`` or ``override_``)."""
    scope = _text(body, f"{prefix}_scope")
    parent_id = _text(body, f"{prefix}_parent_id")
    assert scope is not None and parent_id is not None
    if scope not in WRITABLE_SCOPES:
        raise bad_request(f"{prefix}_scope must be one of {', '.join(WRITABLE_SCOPES)}")
    visible(state, scope, parent_id)  # 404 for an unknown parent
    return scope, parent_id


def _check_key_free(state: JSONObject, scope: str, parent_id: str, key: str) -> None:
    for other in visible(state, scope, parent_id):
        if other["key"] != key:
            continue
        if other["scope"] == scope and other["parent_id"] == parent_id:
            raise bad_request(f"a variable {key} already exists here")
        raise conflict(
            f"a variable {key} exists at {other['scope']} scope: create an override of it instead"
        )


def _record(
    key: str,
    value: str | None,
    secret: bool,
    where: tuple[str, str],
    link: tuple[str, str | None],
    description: str | None,
) -> JSONObject:
    """A stored variable: ``where`` is (scope, parent id), ``link`` (type, what it points at)."""
    (scope, parent_id), (kind, target_id) = where, link
    return {
        "key": key,
        "value": value,
        "is_secret": secret,
        "scope": scope,
        "parent_id": parent_id,
        "variable_type": kind,
        "target_id": target_id,
        "description": description,
    }


def _store(state: JSONObject, record: JSONObject, now: str, ident: str | None) -> JSONObject:
    stored, _ = tables(state)
    record |= {"id": ident or str(uuid.uuid4()), "created_at": now, "updated_at": now}
    stored[record["id"]] = record
    return response(state, record)


def create_variable(state: JSONObject, body: Any, now: str, ident: str | None = None) -> JSONObject:
    """``POST /variable`` (``VariableRequest``); ``ident``: a seed's reproducible id."""
    body = body if isinstance(body, dict) else {}
    key, value = _text(body, "key"), _text(body, "value")
    if not isinstance(body.get("is_secret"), bool):
        raise bad_request("is_secret is required and must be a boolean")
    scope, parent_id = _where(state, body, "variable")
    assert key is not None
    if not key:
        raise bad_request("key cannot be empty")
    _check_key_free(state, scope, parent_id, key)
    where = (scope, parent_id)
    record = _record(key, value, body["is_secret"], where, ("VALUE", None), _description(body))
    return _store(state, record, now, ident)


def _linkable(state: JSONObject, target_id: str, scope: str, parent_id: str) -> JSONObject:
    """The variable an alias or override at ``scope``/``parent_id`` may point at."""
    target = find_variable(state, target_id, lineage(state, scope, parent_id).get("ENVIRONMENT"))
    if target["variable_type"] in ("ALIAS", "OVERRIDE"):
        raise bad_request("cannot point at an alias or an override")
    if RANK[target["scope"]] >= RANK[scope] or not any(
        v["id"] == target_id for v in visible(state, scope, parent_id)
    ):
        raise bad_request(
            "aliases and overrides go from one scope to a lower one "
            "(PROJECT > ENVIRONMENT > service), to a variable the parent sees"
        )
    return target


def create_alias(
    state: JSONObject, target_id: str, body: Any, now: str, ident: str | None = None
) -> JSONObject:
    """``POST /variable/{id}/alias`` (``VariableAliasRequest``)."""
    body = body if isinstance(body, dict) else {}
    key = _text(body, "key")
    scope, parent_id = _where(state, body, "alias")
    target = _linkable(state, target_id, scope, parent_id)
    assert key is not None
    _check_key_free(state, scope, parent_id, key)
    link = ("ALIAS", target_id)
    record = _record(key, None, target["is_secret"], (scope, parent_id), link, _description(body))
    return _store(state, record, now, ident)


def create_override(
    state: JSONObject, target_id: str, body: Any, now: str, ident: str | None = None
) -> JSONObject:
    """``POST /variable/{id}/override`` (``VariableOverrideRequest``)."""
    body = body if isinstance(body, dict) else {}
    value = _text(body, "value")
    scope, parent_id = _where(state, body, "override")
    target = _linkable(state, target_id, scope, parent_id)
    if target["scope"] == "BUILT_IN":
        raise bad_request("a built-in variable cannot be overridden")
    for other in visible(state, scope, parent_id):
        if other["key"] == target["key"] and other["parent_id"] == parent_id:
            raise bad_request(f"a variable {target['key']} already exists here")
    link, where = ("OVERRIDE", target_id), (scope, parent_id)
    description = _description(body)
    record = _record(target["key"], value, target["is_secret"], where, link, description)
    return _store(state, record, now, ident)


def edit_variable(state: JSONObject, variable_id: str, body: Any, now: str) -> JSONObject:
    """``PUT /variable/{id}`` (``VariableEditRequest``): the whole variable is replaced."""
    body = body if isinstance(body, dict) else {}
    record = find_variable(state, variable_id)
    if record["scope"] == "BUILT_IN":
        raise bad_request("a built-in variable cannot be edited")
    key = _text(body, "key")
    value = _text(body, "value", required=False)
    kind = record["variable_type"]
    if kind == "OVERRIDE" and key != record["key"]:
        raise bad_request("the key of an override cannot be edited")
    if kind == "ALIAS" and value is not None:
        raise bad_request("the value of an alias cannot be edited")
    if kind != "ALIAS" and value is None:
        raise bad_request("value is required")
    if key != record["key"]:
        assert key is not None
        _check_key_free(state, record["scope"], record["parent_id"], key)
    description = _description(body)
    record |= {"key": key, "description": description, "updated_at": now}
    if kind != "ALIAS":
        record["value"] = value
    return response(state, record)


def delete_variable(state: JSONObject, variable_id: str) -> None:
    """``DELETE /variable/{id}``: its aliases and overrides go with it."""
    record = find_variable(state, variable_id)
    if record["scope"] == "BUILT_IN":
        raise bad_request("a built-in variable cannot be deleted")
    stored, _ = tables(state)
    for other in [v for v in stored.values() if v.get("target_id") == variable_id]:
        stored.pop(other["id"], None)
    stored.pop(variable_id, None)


def drop_service_variables(state: JSONObject, service_id: str) -> None:
    """A deleted service's variables, with whatever pointed at them or its built-ins."""
    stored, _ = tables(state)
    for record in [v for v in stored.values() if v["parent_id"] == service_id]:
        delete_variable(state, record["id"])
    for record in [v for v in stored.values() if v.get("target_id")]:
        try:
            find_variable(state, record["target_id"], environment_of(state, record))
        except ApiProblem:  # its built-in went with the service: the alias goes too
            stored.pop(record["id"], None)


def copy_service_variables(
    state: JSONObject, source_id: str, clone_id: str, *, same_environment: bool, now: str
) -> None:
    """What a clone copies of its source's own variables (QOVERY-NOTES "What a clone drops")."""
    stored, _ = tables(state)
    for record in [v for v in stored.values() if v["parent_id"] == source_id]:
        near = environment_of(state, record)
        target = find_variable(state, record["target_id"], near) if record["target_id"] else None
        target_scope = None if target is None else target["scope"]
        if not same_environment and target_scope in ("ENVIRONMENT", "PROJECT"):
            continue  # dropped across environments; an alias of a built-in is kept as it is
        copied = dict(record) | {"parent_id": clone_id}
        _store(state, copied, now, None)
