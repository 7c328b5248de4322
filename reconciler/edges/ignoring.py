"""Ignore paths: whether each ``spec.ignore`` entry can match a compared field.

An entry is a field path of the overrides (``git_repository.branch``,
``ports[8080].external_port``, ``storage[/mnt/data].size``); it is walked through the
schema's ``overrides`` definition, so that a typo is an error at validate time rather than
an ignore that silently ignores nothing.

Neighbours: ``validating`` above (calls ``ignore_problems``), ``humanising`` for the schema,
``normalising.KEYED_LISTS`` for the lists whose entries are named by a key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.core.errors import Diagnostic
from reconciler.core.normalising import KEYED_LISTS
from reconciler.core.suggesting import did_you_mean
from reconciler.core.variables import KEY_PATTERN
from reconciler.edges.humanising import manifest_schema
from reconciler.edges.loading import Document


def ignore_problems(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    ignore = spec.get("ignore")
    problems = []
    for i, entry in enumerate(ignore if isinstance(ignore, list) else []):
        if isinstance(entry, str) and entry:
            problem = ignore_path_problem(entry)
            if problem:
                at = document.position_of(("spec", "ignore", i))
                problems.append(Diagnostic(at, problem))
    return problems


VARIABLES_PREFIX = "variables."
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\[\]]+)\])?(\.|$)")


def ignore_path_problem(path: str) -> str | None:
    """Why an ``ignore`` entry can match no compared field, or ``None`` when it can."""
    if path.startswith(VARIABLES_PREFIX):  # ``variables.KEY``: one declared variable
        key = path[len(VARIABLES_PREFIX) :]
        return None if KEY_PATTERN.fullmatch(key) else f"ignore path '{path}' names no variable key"
    segments = _segments(path)
    if segments is None:
        return (
            f"ignore path '{path}' is not a field path "
            "(e.g. git_repository.branch, ports[8080].external_port, storage[/mnt/data].size)"
        )
    return _walk_ignore_path(path, segments)


def _segments(path: str) -> list[tuple[str, str | None]] | None:
    """``ports[8080].protocol`` → ``[("ports", "8080"), ("protocol", None)]``; None if bad."""
    segments: list[tuple[str, str | None]] = []
    position = 0
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None or (match.group(3) == "." and match.end() == len(path)):
            return None
        segments.append((match.group(1), match.group(2)))
        position = match.end()
    return segments or None


def _walk_ignore_path(path: str, segments: list[tuple[str, str | None]]) -> str | None:
    node: Mapping[str, Any] = resolve_ref(manifest_schema()["$defs"]["overrides"])
    done: list[str] = []
    for i, (name, key) in enumerate(segments):
        properties = node.get("properties", {})
        if name not in properties:
            where = f" under '{'.'.join(done)}'" if done else ""
            hint = did_you_mean(name, properties)
            return f"ignore path '{path}' matches no compared field: no '{name}'{where}{hint}"
        node = resolve_ref(properties[name])
        done.append(name)
        is_list = node.get("type") == "array"
        last = i == len(segments) - 1
        if key is not None:
            problem = _entry_key_problem(path, name, key)
            if problem:
                return problem
            node = resolve_ref(node["items"])
        elif is_list and not last:
            keyed = f" (name an entry: {name}[…])" if name in KEYED_LISTS else ""
            return f"ignore path '{path}' matches no compared field: '{name}' is a list{keyed}"
    return None


def _entry_key_problem(path: str, name: str, key: str) -> str | None:
    if name not in KEYED_LISTS:
        return (
            f"ignore path '{path}' matches no compared field: only ports[<internal port>] and "
            "storage[<mount point>] take a [key]"
        )
    if name == "ports" and not (key.isdigit() and 1 <= int(key) <= 65535):
        return f"ignore path '{path}': ports[…] takes an internal port number, got '{key}'"
    if name == "storage" and not key.startswith("/"):
        return f"ignore path '{path}': storage[…] takes a mount point starting with '/'"
    return None


def resolve_ref(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema node ``node`` refers to (a ``#/...`` JSON pointer), or ``node`` itself."""
    while "$ref" in node:
        target: Any = manifest_schema()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node
