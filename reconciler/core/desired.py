"""Desired clones: name templates, selector globs and the expansion into DesiredClone. Pure.

The small languages of a manifest live here, so that ``validating`` checks them offline with
the very functions that ``resolving`` later applies to Qovery's names:

- name templates: text with ``{app}``, ``{environment}``, ``{project}`` placeholders;
- ``match`` globs: ``*`` and ``?`` only, case-insensitive, over whole names;
- Qovery names: what a rendered clone name must look like;
- ``desired_clone``: one ``DesiredClone`` from a manifest, a source application and a target.

Neighbours: ``validating`` and ``resolving`` call it; ``overrides.deep_merge`` merges.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from reconciler.core.model import CloneSet, DesiredClone, EnvironmentRef, SourceApplication
from reconciler.core.overrides import deep_merge
from reconciler.core.templating import is_templated, render, substitute
from reconciler.core.variables import declare

PLACEHOLDERS = ("app", "environment", "project")
"""The placeholders a name template may use."""
MAX_NAME_LENGTH = 255
"""The longest clone name accepted (the spec gives none for applications; 255 elsewhere)."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_GLOB_WILDCARDS = frozenset("*?")
_GLOB_FORBIDDEN = "[]"


# ── name templates ───────────────────────────────────────────────────────────────────────


class TemplateError(ValueError):
    """A name template that cannot be rendered; the message says why."""


@lru_cache(maxsize=1024)
def placeholders(template: str) -> tuple[str, ...]:
    """The placeholder names of ``template``, in order; ``TemplateError`` when malformed.

    Remembered: one manifest's template is rendered for every clone.
    """
    found = tuple(m.group(1) for m in _PLACEHOLDER.finditer(template))
    rest = _PLACEHOLDER.sub("", template)
    if "{" in rest or "}" in rest:
        raise TemplateError(f"name template {template!r} has unbalanced braces")
    unknown = [name for name in found if name not in PLACEHOLDERS]
    if unknown:
        raise TemplateError(
            f"unknown placeholder '{{{unknown[0]}}}' in name template {template!r}"
            f" (placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
        )
    return found


def render_name(template: str, *, app: str, environment: str, project: str) -> str:
    """The template with its placeholders replaced; ``TemplateError`` when malformed."""
    placeholders(template)
    return substitute(template, {"app": app, "environment": environment, "project": project})


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a Qovery application, or ``None`` when it can."""
    if not name.strip():
        return "a name cannot be empty"
    if name != name.strip():
        return f"name {name!r} starts or ends with a space"
    if len(name) > MAX_NAME_LENGTH:
        return f"name {name[:20]!r}… is longer than {MAX_NAME_LENGTH} characters"
    # every control, format or unassigned character is unprintable: most names are not
    if not name.isprintable() and any(unicodedata.category(ch).startswith("C") for ch in name):
        return f"name {name!r} holds a control character"
    return None


# ── match globs ──────────────────────────────────────────────────────────────────────────


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid ``match`` glob, or ``None`` when it is."""
    if not pattern:
        return "a match glob cannot be empty"
    for ch in _GLOB_FORBIDDEN:
        if ch in pattern:
            return f"match glob {pattern!r} uses '{ch}': only * and ? are wildcards"
    return None


def glob_matches(pattern: str, name: str) -> bool:
    """Whether ``name`` matches ``pattern`` as a whole, case-insensitively."""
    parts = [
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern.casefold()
    ]
    return re.fullmatch("".join(parts), name.casefold(), flags=re.DOTALL) is not None


def has_wildcard(pattern: str) -> bool:
    return any(ch in _GLOB_WILDCARDS for ch in pattern)


# ── expansion ────────────────────────────────────────────────────────────────────────────


def address(manifest: str, app_name: str, target: EnvironmentRef) -> str:
    """``<manifest>.<source app name>[<target project>/<target environment>]``."""
    return f"{manifest}.{app_name}[{target.project_name}/{target.name}]"


def overrides_key(overrides: Mapping[str, Any]) -> str:
    """The canonical text of merged overrides: equal overrides, equal key (the planner keys
    its cache of desired configurations on it, never on object identity)."""
    return json.dumps(overrides, sort_keys=True, separators=(",", ":"), default=str)


def desired_clone(
    cloneset: CloneSet,
    application: SourceApplication,
    source_app: Mapping[str, object],
    source_env: EnvironmentRef,
    target_env: EnvironmentRef,
    overrides: Mapping[str, Any] | None = None,
    key: str | None = None,
    target_overrides: Mapping[str, Any] | None = None,
    *,
    kind: str = "application",
    templated: bool | None = None,
) -> DesiredClone:
    """The clone of one source application (as Qovery lists it) in one target environment.

    ``overrides`` and ``key``: the application's merged overrides and their
    ``overrides_key``, when the caller has them already (it makes them once for all the
    application's targets), and ``templated``: whether they hold a placeholder
    (``templating.is_templated``), likewise. ``target_overrides`` (the target's own) are laid
    over them, and placeholders in their strings are rendered for this clone
    (``templating``). ``kind``: the source's kind.
    """
    app_name = str(source_app.get("name", ""))
    merged = (
        deep_merge(cloneset.overrides, application.overrides) if overrides is None else overrides
    )
    name = render_name(
        cloneset.name_template,
        app=app_name,
        environment=target_env.name,
        project=target_env.project_name,
    )
    if target_overrides:
        merged, key, templated = deep_merge(merged, target_overrides), None, None
    if is_templated(merged) if templated is None else templated:
        values = {"app": app_name, "name": name, "environment": target_env.name}
        merged, key = render(merged, {**values, "project": target_env.project_name}), None
    return DesiredClone(
        address=address(cloneset.name, app_name, target_env),
        manifest=cloneset.name,
        source_app_id=str(source_app.get("id", "")),
        source_app_name=app_name,
        source_env=source_env,
        target_env=target_env,
        name=name,
        overrides=merged,
        overrides_key=overrides_key(merged) if key is None else key,
        ignore=cloneset.ignore,
        policy=cloneset.policy,
        position=application.position or cloneset.position,
        kind=kind,
    )


def with_variables(clone: DesiredClone, raw: Mapping[str, Any]) -> DesiredClone:
    """``clone`` with its variables declared from ``raw`` (target over application over
    manifest, merged by ``merge_layers``), placeholders rendered for it."""
    if not raw:
        return clone
    env = clone.target_env
    values = {
        "app": clone.source_app_name,
        "name": clone.name,
        "environment": env.name,
        "project": env.project_name,
    }
    return replace(clone, variables=declare(raw, values))
