"""Declared variables: what a manifest says a clone's variables must be (contract 10, 11). Pure.

A manifest declares ``variables`` at three levels (``spec.variables``, an application
entry's, a target's); they merge key by key, the target's over the application's over the
manifest's (``merge_layers``). Each value is one of:

- a plain value (string, number, boolean), its text templated with ``{app}``, ``{name}``,
  ``{environment}``, ``{project}`` (``render``);
- ``{alias: KEY}``: an alias of ``KEY`` as the clone sees it in its **target** environment;
- ``{alias: {service: NAME, builtin: SUFFIX}}``: an alias of the built-in of service ``NAME``
  of the target environment whose key ends with ``_SUFFIX``;
- ``{secret: {from_env: NAME}}`` / ``{secret: {from_file: PATH}}``: a secret, read by the
  runner (``edges.secrets``) and compared by digest (``core.secrets``), never by value;
- ``null``: the key must not exist at the clone's own scope.

``parse`` turns one raw value into a ``Declared`` (or says why it cannot), for ``validating``
offline and for ``resolving`` per clone. ``scope_of`` gives the variable scope of a kind's
services: its API type (``kinds.ServiceKind.api_type``: ``APPLICATION``, ``CONTAINER``, ``JOB``).

Neighbours: ``variable_plans`` compares declared with observed variables; ``model`` carries
the raw declarations; ``edges.variable_values`` validates them at their line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

PLACEHOLDERS = ("app", "name", "environment", "project")
"""The placeholders a plain variable value may use (contract section 11)."""

KEY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def scope_of(kind: str) -> str:
    """The variable scope of a clone of ``kind`` (``application`` → ``APPLICATION``)."""
    return kind.upper()  # the API's type of the kind: ``ServiceKind.api_type`` is this


class Sort(StrEnum):
    """What a declared variable is."""

    PLAIN = "plain"
    ALIAS = "alias"  # of a key the clone sees at environment or project scope
    BUILTIN = "builtin"  # alias of a service's built-in, by suffix
    SECRET = "secret"
    ABSENT = "absent"  # null: must not exist


@dataclass(frozen=True)
class Declared:
    """One declared variable of one clone, its placeholders rendered.

    ``value``: a plain value's text, or the aliased key (``ALIAS``), or the suffix
    (``BUILTIN``); ``service``: the service a ``BUILTIN`` alias names; ``from_env`` /
    ``from_file``: where a secret's value is read. Never a secret's value.
    """

    key: str
    sort: Sort
    value: str | None = None
    service: str | None = None
    from_env: str | None = None
    from_file: str | None = None

    @property
    def secret_source(self) -> str:
        """Where a secret comes from, for messages: ``env PREVIEW_STRIPE_KEY`` or a path."""
        return f"env {self.from_env}" if self.from_env else f"file {self.from_file}"

    def as_document(self) -> dict[str, Any]:
        """The declaration in a plan document (a secret by its source, never its value)."""
        found: dict[str, Any] = {"key": self.key, "sort": self.sort.value}
        for name in ("value", "service", "from_env", "from_file"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        return found


class DeclarationError(ValueError):
    """A variable value the manifest may not hold; the message says why."""


def template_problem(text: str) -> str | None:
    """Why ``text`` cannot be rendered (braces, unknown placeholder), or ``None``."""
    rest = _PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        return f"value {text!r} has unbalanced braces"
    for match in _PLACEHOLDER.finditer(text):
        if match.group(1) not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            return f"unknown placeholder '{{{match.group(1)}}}' in {text!r} (placeholders: {known})"
    return None


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders replaced by ``values`` (checked by ``template_problem``)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def plain_text(value: bool | int | float | str) -> str:
    """A plain value as the variable's text: booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse(key: str, raw: Any, values: Mapping[str, str] | None = None) -> Declared:
    """One raw declaration as a ``Declared``; ``DeclarationError`` says why it cannot be."""
    if not KEY_PATTERN.fullmatch(key):
        raise DeclarationError(
            f"variable key {key!r} must be letters, digits and _, not starting with a digit"
        )
    if raw is None:
        return Declared(key, Sort.ABSENT)
    if isinstance(raw, bool | int | float | str):
        text = plain_text(raw)
        problem = template_problem(text)
        if problem:
            raise DeclarationError(f"variable {key}: {problem}")
        return Declared(key, Sort.PLAIN, render(text, values) if values is not None else text)
    if isinstance(raw, Mapping) and len(raw) == 1 and "alias" in raw:
        return _alias(key, raw["alias"])
    if isinstance(raw, Mapping) and len(raw) == 1 and "secret" in raw:
        return _secret(key, raw["secret"])
    raise DeclarationError(
        f"variable {key}: a value is text, a number, a boolean, null, {{alias: ...}} or "
        "{secret: ...}"
    )


def _alias(key: str, target: Any) -> Declared:
    if isinstance(target, str) and KEY_PATTERN.fullmatch(target):
        return Declared(key, Sort.ALIAS, target)
    if (
        isinstance(target, Mapping)
        and set(target) == {"service", "builtin"}
        and isinstance(target["service"], str)
        and target["service"]
        and isinstance(target["builtin"], str)
        and KEY_PATTERN.fullmatch(target["builtin"])
    ):
        return Declared(key, Sort.BUILTIN, target["builtin"], service=target["service"])
    raise DeclarationError(
        f"variable {key}: alias takes a variable key (alias: REDIS_HOST) or "
        "{service: NAME, builtin: SUFFIX}"
    )


def _secret(key: str, source: Any) -> Declared:
    if isinstance(source, Mapping) and len(source) == 1:
        ((where, name),) = source.items()
        if where == "from_env" and isinstance(name, str) and KEY_PATTERN.fullmatch(name):
            return Declared(key, Sort.SECRET, from_env=name)
        if where == "from_file" and isinstance(name, str) and name:
            return Declared(key, Sort.SECRET, from_file=name)
    if not isinstance(source, Mapping):
        raise DeclarationError(
            f"variable {key}: a secret's value is never written in a manifest; use "
            "{secret: {from_env: NAME}} or {secret: {from_file: PATH}}"
        )
    raise DeclarationError(
        f"variable {key}: secret takes {{from_env: NAME}} (an environment variable's name) "
        "or {from_file: PATH}"
    )


def merge_layers(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Layers of raw declarations merged key by key, the later winning."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer or {})
    return merged


def declare(raw: Mapping[str, Any], values: Mapping[str, str]) -> tuple[Declared, ...]:
    """Every declaration of one clone, rendered with its placeholder ``values``, by key."""
    return tuple(parse(key, raw[key], values) for key in sorted(raw))


# ── planned writes ──────────────────────────────────────────────────────────────────────


class Op(StrEnum):
    """What the executor does about one declared variable of a clone."""

    CREATE = "create"  # POST /variable, …/alias or …/override
    EDIT = "edit"  # PUT /variable/{id}, the whole variable
    DELETE = "delete"  # DELETE /variable/{id} (a 404 is done)
    RECREATE = "recreate"  # delete, then create: an alias's target or a variable's sort changed


@dataclass(frozen=True)
class VariableWrite:
    """One planned write of one variable of a clone: everything the executor needs, and what
    a person reads (``before`` → ``after``, a secret only as ``(secret)``). Never a secret's
    value: a secret carries where its value is read and its ``digest``.

    ``variable_id``: the clone's own variable of that key (edit, delete, recreate);
    ``parent_id``: the variable an alias points at, or a higher-scope variable an override
    overrides (``override``: true); ``description``: what an edit keeps.
    """

    key: str
    op: Op
    declared: Declared
    before: str | None = None
    after: str | None = None
    variable_id: str | None = None
    parent_id: str | None = None
    override: bool = False
    digest: str | None = None
    description: str | None = None

    @property
    def secret(self) -> bool:
        return self.declared.sort is Sort.SECRET


# ── in the plan document ────────────────────────────────────────────────────────────────


def declared_of_document(data: Mapping[str, Any]) -> Declared:
    """The ``Declared`` of ``Declared.as_document``."""
    return Declared(
        data["key"],
        Sort(data["sort"]),
        data.get("value"),
        data.get("service"),
        data.get("from_env"),
        data.get("from_file"),
    )


def write_document(write: VariableWrite) -> dict[str, Any]:
    """One planned variable write in the plan document (a secret never by its value)."""
    found: dict[str, Any] = {
        "key": write.key,
        "op": write.op.value,
        "secret": write.secret,
        "before": write.before,
        "after": write.after,
        "declared": write.declared.as_document(),
    }
    for name in ("variable_id", "parent_id", "digest", "description"):
        if getattr(write, name) is not None:
            found[name] = getattr(write, name)
    if write.override:
        found["override"] = True
    return found


def write_of_document(data: Mapping[str, Any]) -> VariableWrite:
    """The ``VariableWrite`` of ``write_document``."""
    return VariableWrite(
        data["key"],
        Op(data["op"]),
        declared_of_document(data["declared"]),
        data.get("before"),
        data.get("after"),
        data.get("variable_id"),
        data.get("parent_id"),
        bool(data.get("override", False)),
        data.get("digest"),
        data.get("description"),
    )
