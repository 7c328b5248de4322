"""Clone safety: what in a clone's declaration would make it act for its source. Pure.

Contract section 16. A clone copies its source, so it can inherit settings that are right
for the source and wrong for a copy; ``validate`` and ``plan`` warn (``--strict`` makes the
warnings errors) when a clone would:

- have ``auto_preview: true``: each clone would make preview environments of its own;
- have ``auto_deploy: true`` under ``follow_source: true``: every push to the source's
  branch redeploys every clone;
- hold the source environment's name or id in a plain override value: it would point the
  clone at the source environment (its database, its URL).

``risky_settings(settings, follow_source=…)`` and ``values_naming(overrides, needles)`` are
the rules, over plain mappings; ``validate`` applies them to a manifest's own overrides
(``edges.validating``, with positions), ``plan_warnings`` to every declared clone with what
it inherits from its observed source. Neighbours: ``planning`` (the caller at plan time),
``errors.Diagnostic`` (the warnings).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reconciler.core.errors import Diagnostic, Severity
from reconciler.core.model import DesiredClone, ObservedApplication

AUTO_PREVIEW = (
    "auto_preview: true: each clone would make preview environments of its own "
    "(set auto_preview: false in the overrides)"
)
AUTO_DEPLOY = (
    "auto_deploy: true with follow_source: true: every push to the source's branch "
    "redeploys every clone (set auto_deploy: false in the overrides)"
)


def risky_settings(
    settings: Mapping[str, Any], *, follow_source: bool
) -> tuple[tuple[str, str], ...]:
    """``(field, message)`` for each setting of ``settings`` (a clone's own, or what it
    inherits) that is unsafe on a clone."""
    found = []
    if settings.get("auto_preview") is True:
        found.append(("auto_preview", AUTO_PREVIEW))
    if follow_source and settings.get("auto_deploy") is True:
        found.append(("auto_deploy", AUTO_DEPLOY))
    return tuple(found)


def _mentions(text: str, needle: str) -> bool:
    """``needle`` in ``text`` as a word of its own (``staging`` in ``api-staging.acme.dev``,
    not in ``stagingarea``), whatever the case."""
    pattern = rf"(?<![A-Za-z0-9]){re.escape(needle)}(?![A-Za-z0-9])"
    return re.search(pattern, text, re.IGNORECASE) is not None


Where = tuple[str | int, ...]


def values_naming(
    values: Mapping[str, Any], needles: Sequence[str], parent: Where = ()
) -> Iterator[tuple[Where, str]]:
    """``(path, needle)`` for every plain string value under ``values`` naming a needle."""
    for key, value in values.items():
        yield from _naming(value, needles, (*parent, key))


def _naming(value: Any, needles: Sequence[str], path: Where) -> Iterator[tuple[Where, str]]:
    if isinstance(value, Mapping):
        yield from values_naming(value, needles, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _naming(item, needles, (*path, index))
    elif isinstance(value, str):
        found = next((n for n in needles if n and _mentions(value, n)), None)
        if found is not None:
            yield path, found


def dotted(path: Where) -> str:
    """``git_repository.branch``, ``arguments[1]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def naming_message(path: Where, needle: str) -> str:
    return (
        f"override {dotted(path)} holds the source environment's name or id ({needle!r}): "
        "it would point the clone at the source environment"
    )


def _clone_messages(clone: DesiredClone, source: Mapping[str, Any]) -> list[str]:
    inherited = {
        key: clone.overrides.get(key, source.get(key)) for key in ("auto_preview", "auto_deploy")
    }
    messages = [
        f"{clone.manifest}: {clone.source_app_name}: {message}"
        for _, message in risky_settings(inherited, follow_source=clone.policy.follow_source)
    ]
    needles = (clone.source_env.name, clone.source_env.id)
    for path, needle in values_naming(clone.overrides, needles):
        messages.append(
            f"{clone.manifest}: {clone.source_app_name}: {naming_message(path, needle)}"
        )
    return messages


def plan_warnings(
    clones: Sequence[DesiredClone], sources: Mapping[str, ObservedApplication]
) -> tuple[Diagnostic, ...]:
    """The warnings of every declared clone, once per manifest, application and message."""
    warnings: dict[tuple[str, str], Diagnostic] = {}
    seen: set[tuple[str, str, str, str, bool]] = set()  # clones of one declaration: once
    for clone in clones:
        source = sources.get(clone.source_app_id)
        declaration = (
            clone.manifest,
            clone.source_app_id,
            clone.source_env.id,
            clone.overrides_key or repr(clone.overrides),
            clone.policy.follow_source,
        )
        if source is None or declaration in seen:
            continue
        seen.add(declaration)
        for message in _clone_messages(clone, source.config):
            key = (clone.manifest, message)
            warnings.setdefault(key, Diagnostic(clone.position, message, Severity.WARNING))
    return tuple(warnings.values())
