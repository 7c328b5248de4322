"""Clone-safety warnings of one manifest, offline (``validate``), at the line that causes them.

Contract section 16, as far as the manifest alone can tell: an override that sets
``auto_preview: true``, or ``auto_deploy: true`` while ``policy.follow_source`` is true, and a
plain override value that names the source environment (``spec.source.environment``). What a
clone *inherits* from its source is known only once the source is read: ``plan`` warns about
that (``core.clone_safety.plan_warnings``). The rules themselves live in ``core.clone_safety``.

Neighbours: ``validating`` (calls ``safety_warnings`` among its checks), ``loading`` for
positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.core.clone_safety import naming_message, risky_settings, values_naming
from reconciler.core.errors import Diagnostic, Severity
from reconciler.edges.loading import Document, Path


def _override_blocks(spec: Mapping[str, Any]) -> list[tuple[Path, Mapping[str, Any]]]:
    """The manifest's overrides and each application's own, with where they are written."""
    blocks: list[tuple[Path, Mapping[str, Any]]] = []
    if isinstance(spec.get("overrides"), dict):
        blocks.append((("spec", "overrides"), spec["overrides"]))
    source = spec.get("source")
    apps = source.get("applications") if isinstance(source, dict) else None
    for i, item in enumerate(apps if isinstance(apps, list) else []):
        own = item.get("overrides") if isinstance(item, dict) else None
        if isinstance(own, dict):
            blocks.append((("spec", "source", "applications", i, "overrides"), own))
    return blocks


def _follows_source(spec: Mapping[str, Any]) -> bool:
    policy = spec.get("policy")
    follow = policy.get("follow_source", True) if isinstance(policy, dict) else True
    return follow is not False


def safety_warnings(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    """Every clone-safety warning of the manifest's own overrides."""
    source = spec.get("source")
    environment = source.get("environment") if isinstance(source, dict) else None
    needles = (environment,) if isinstance(environment, str) else ()
    warnings: list[Diagnostic] = []
    for path, overrides in _override_blocks(spec):
        for key, message in risky_settings(overrides, follow_source=_follows_source(spec)):
            where = document.position_of((*path, key))
            warnings.append(Diagnostic(where, message, Severity.WARNING))
        for value_path, needle in values_naming(overrides, needles):
            where = document.position_of((*path, *value_path))
            warnings.append(Diagnostic(where, naming_message(value_path, needle), Severity.WARNING))
    return warnings
