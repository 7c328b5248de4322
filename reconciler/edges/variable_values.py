"""Variable declarations the manifest may not hold, at their line (contract sections 10, 11).

The schema says where ``variables`` may appear and gives editors their completion; this
checks each declared value with ``core.variables.parse``, the very function resolution uses:
a key that is not a variable name, an unknown placeholder, an alias that names neither a key
nor a service's built-in, a secret written as a literal instead of ``from_env`` /
``from_file``. Each problem is pinned to its value (its key, for a bad key).

Neighbours: ``validating`` (calls ``variable_problems``), ``loading`` for positions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.core.errors import Diagnostic
from reconciler.core.variables import KEY_PATTERN, DeclarationError, parse
from reconciler.edges.loading import Document, Path


def variable_problems(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    """Every declared variable value of the document that cannot be a variable."""
    problems = []
    for path, layer in _layers(spec):
        for key, raw in layer.items():
            if isinstance(raw, list):
                continue  # the schema says what a value may be
            try:
                parse(str(key), raw)
            except DeclarationError as exc:
                at = (
                    document.key_position_of((*path, key))
                    if not KEY_PATTERN.fullmatch(str(key))
                    else document.position_of((*path, key))
                )
                problems.append(Diagnostic(at, str(exc)))
    return problems


def _layers(spec: Mapping[str, Any]) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Each ``variables`` mapping of the document, with its path."""
    candidates: list[tuple[Path, Any]] = [(("spec", "variables"), spec.get("variables"))]
    source = spec.get("source")
    apps = source.get("applications") if isinstance(source, dict) else None
    for i, item in enumerate(apps if isinstance(apps, list) else []):
        own = item.get("variables") if isinstance(item, dict) else None
        candidates.append((("spec", "source", "applications", i, "variables"), own))
    targets = spec.get("targets")
    for i, target in enumerate(targets if isinstance(targets, list) else []):
        own = target.get("variables") if isinstance(target, dict) else None
        candidates.append((("spec", "targets", i, "variables"), own))
    for path, layer in candidates:
        if isinstance(layer, dict):
            yield path, layer
