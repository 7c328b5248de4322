"""Writing a clone's variables: the ``variables`` step of a change (contract section 10).

An existing clone's writes were planned (``Change.variables``); a clone made by this apply
has only its declarations (``Change.declared_variables``): its variables are read once it
exists (what the clone copied from its source) and compared there, in its own environment,
with ``core.variable_plans.compare``, so that it gets its variables before any deploy.

Each write is one call: deletes first (a 404 is done: the parent took it with it), then
``POST /variable`` (or ``…/{id}/override`` of a higher-scope variable, never a 409),
``POST /variable/{id}/alias``, ``PUT /variable/{id}`` (the whole variable: a secret with its
digest in its description, anything else keeping its description). A secret's value is read
from the runner just before its write and must still have the planned digest (else the
plan is stale for it); it goes only into the request body and never into a message.

Neighbours: ``executing`` (calls ``write_variables``), ``client`` (the calls), ``secrets``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from reconciler.core.errors import NotFoundError
from reconciler.core.plans import Change
from reconciler.core.secrets import described
from reconciler.core.variable_plans import compare
from reconciler.core.variables import Op, Sort, VariableWrite, scope_of
from reconciler.edges.client import QoveryClient
from reconciler.edges.secrets import SecretError, SecretReader


class VariableWriteError(SecretError):
    """A variable step that cannot be carried out (a stale secret, an alias with no target)."""


def write_variables(
    client: QoveryClient, change: Change, clone_id: str, secrets: SecretReader | None
) -> str:
    """Carry out the change's variable writes on ``clone_id``; what was done, for people."""
    writes = change.variables
    if change.declared_variables and not writes:
        writes = _decided_now(client, change, clone_id, secrets)
    scope = scope_of(change.target.kind)
    for write in writes:
        _carry_out(client, write, clone_id, scope, secrets)
    return f"{len(writes)} variable{'s' if len(writes) != 1 else ''} written"


def _decided_now(
    client: QoveryClient, change: Change, clone_id: str, secrets: SecretReader | None
) -> tuple[VariableWrite, ...]:
    """A new clone's writes, from what it holds now in its own environment."""
    visible = client.list_variables(clone_id, scope_of(change.target.kind))
    digests = secrets.digests(change.declared_variables) if secrets is not None else {}
    found = compare(
        change.declared_variables,
        visible,
        scope=scope_of(change.target.kind),
        digests=digests,
        ignore=change.ignore,
    )
    if found.problems:
        raise VariableWriteError("; ".join(found.problems))
    return found.writes


def _carry_out(
    client: QoveryClient,
    write: VariableWrite,
    clone_id: str,
    scope: str,
    secrets: SecretReader | None,
) -> None:
    if write.op in (Op.DELETE, Op.RECREATE) and write.variable_id:
        with contextlib.suppress(NotFoundError):  # gone with the variable it pointed at
            client.delete_variable(write.variable_id)
    if write.op is Op.DELETE:
        return
    value, description = _value(write, secrets)
    if write.op is Op.EDIT and write.variable_id:
        body: dict[str, Any] = {"key": write.key, "value": value, "description": description}
        client.edit_variable(write.variable_id, body, secret=_secret(write, value))
    elif write.declared.sort in (Sort.ALIAS, Sort.BUILTIN):
        alias = {"key": write.key, "alias_scope": scope, "alias_parent_id": clone_id}
        client.create_variable_alias(str(write.parent_id), alias)
    elif write.override and write.parent_id:
        body = {"value": value, "override_scope": scope, "override_parent_id": clone_id}
        body["description"] = description
        client.create_variable_override(write.parent_id, body, secret=_secret(write, value))
    else:
        body = {"key": write.key, "value": value, "is_secret": write.secret}
        body |= {"variable_scope": scope, "variable_parent_id": clone_id}
        body["description"] = description
        client.create_variable(body, secret=_secret(write, value))


def _value(write: VariableWrite, secrets: SecretReader | None) -> tuple[str, str | None]:
    """The value to write and the description to write it with."""
    if not write.secret:
        return str(write.declared.value), write.description
    if secrets is None:
        raise VariableWriteError(f"variables.{write.key}: no secret reader for this run")
    value = secrets.value(write.declared)
    if write.digest is not None and secrets.digest(write.declared) != write.digest:
        raise VariableWriteError(
            f"variables.{write.key}: the secret changed since the plan "
            f"({write.declared.secret_source}); plan again"
        )
    return value, described(secrets.digest(write.declared))


def _secret(write: VariableWrite, value: str) -> str | None:
    return value if write.secret else None
