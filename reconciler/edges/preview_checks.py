"""Preview checks: what a manifest says about per-target overrides and expiry, checked offline.

Contract sections 11 and 13, beyond what the JSON Schema says:

- placeholders in the string values of ``overrides`` (manifest-wide, per application, per
  target): an unknown one, or one written in a field whose type is not a string, is an
  error at its ``file:line:column`` (``core.templating`` is the language);
- ``policy.expire_after`` and ``policy.expiry_warning`` are durations (``90m``, ``12h``,
  ``7d``; ``core.expiry``);
- ``targets[].until`` is an ISO 8601 date or date-time.

``placeholder_positions`` tells ``validating`` which nodes this module speaks for, so that
the schema's "must be an integer" is not said a second time about ``cpu: "{environment}"``.
Neighbours: ``validating`` (the caller), ``humanising`` (the schema it walks for a field's
type), ``loading`` (positions).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.core.errors import Diagnostic
from reconciler.core.expiry import duration_problem, until_problem
from reconciler.core.templating import templated_strings, unknown_in
from reconciler.edges.humanising import dotted, manifest_schema
from reconciler.edges.ignoring import resolve_ref
from reconciler.edges.loading import Document, Path

DURATIONS = ("expire_after", "expiry_warning")


def preview_problems(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    """Every placeholder, duration and ``until`` problem of one manifest's spec."""
    return [
        *(Diagnostic(document.position_of(path), message) for path, message in _placeholders(spec)),
        *_durations(document, spec),
        *_untils(document, spec),
    ]


def placeholder_positions(document: Document, spec: Mapping[str, Any]) -> set[Any]:
    """The positions of the override values this module reports a placeholder problem at."""
    return {document.position_of(path) for path, _ in _placeholders(spec)}


def _override_blocks(spec: Mapping[str, Any]) -> Iterator[tuple[Path, Any]]:
    yield ("spec", "overrides"), spec.get("overrides")
    source = spec.get("source")
    apps = source.get("applications") if isinstance(source, dict) else None
    for i, item in enumerate(apps if isinstance(apps, list) else []):
        if isinstance(item, dict):
            yield ("spec", "source", "applications", i, "overrides"), item.get("overrides")
    targets = spec.get("targets")
    for i, target in enumerate(targets if isinstance(targets, list) else []):
        if isinstance(target, dict):
            yield ("spec", "targets", i, "overrides"), target.get("overrides")


def _placeholders(spec: Mapping[str, Any]) -> list[tuple[Path, str]]:
    found = []
    for base, block in _override_blocks(spec):
        if not isinstance(block, dict):
            continue
        for path, text in templated_strings(block):
            field = dotted(path)
            unknown = unknown_in(text)
            if unknown:
                found.append(((*base, *path), f"overrides.{field}: {unknown}"))
            elif not _is_string_field(path):
                message = (
                    f"overrides.{field} is not a text field, so {text!r} cannot be rendered "
                    "there: placeholders work only in string values"
                )
                found.append(((*base, *path), message))
    return found


def _is_string_field(path: tuple[str | int, ...]) -> bool:
    """Whether the override field at ``path`` takes a string (per the manifest schema)."""
    node: Mapping[str, Any] = manifest_schema()["$defs"]["overrides"]
    for step in path:
        node = resolve_ref(node)
        if isinstance(step, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(step, {})
    node = resolve_ref(node)
    kinds = node.get("type")
    if kinds is None and "enum" in node:
        return all(isinstance(v, str) for v in node["enum"])
    return kinds == "string" or (isinstance(kinds, list) and "string" in kinds)


def _durations(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    policy = spec.get("policy")
    problems = []
    for key in DURATIONS:
        value = policy.get(key) if isinstance(policy, dict) else None
        if isinstance(value, str):  # another type: the schema says so
            problem = duration_problem(value)
            if problem:
                at = document.position_of(("spec", "policy", key))
                problems.append(Diagnostic(at, f"spec.policy.{key}: {problem}"))
    return problems


def _untils(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    targets = spec.get("targets")
    problems = []
    for i, target in enumerate(targets if isinstance(targets, list) else []):
        value = target.get("until") if isinstance(target, dict) else None
        if isinstance(value, str):
            problem = until_problem(value)
            if problem:
                problems.append(
                    Diagnostic(document.position_of(("spec", "targets", i, "until")), problem)
                )
    return problems
