"""Override values the API would refuse, refused first: offline, at the manifest's line.

Each application's overrides are the manifest's ``spec.overrides`` with its own laid over
them, and each target's own over those (contract section 11; ``core.overrides.deep_merge``);
on that merged value, as the clone's edit would carry it, this checks what the schema
cannot: two ports with one ``internal_port``, two volumes with one ``mount_point``, more
than one port with ``is_default: true``, and ``min_running_instances`` above
``max_running_instances`` (unless max is -1, no limit).

Lists (``ports``, ``storage``) replace whole, so each list of the merged value was written in
one place: the target's overrides if they have the key, else the application's, else the
manifest's; that is where a problem is pinned. A problem of the manifest's overrides is the
same for every application that inherits it, and is reported once
(``validating.sort_diagnostics`` drops repeats).

Neighbours: ``validating`` above (calls ``override_value_problems`` among its checks),
``loading`` for positions, ``core.overrides`` for the merge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from reconciler.core.errors import Diagnostic, Position
from reconciler.core.overrides import deep_merge
from reconciler.edges.loading import Document, Path

MANIFEST_OVERRIDES: Path = ("spec", "overrides")


def override_value_problems(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    """Every value the API would refuse in any application's merged overrides."""
    base = spec.get("overrides")
    base = base if isinstance(base, dict) else {}
    problems: list[Diagnostic] = []
    for own_path, own in _own_overrides(spec):
        for target_path, target in [((), {}), *_target_overrides(spec)]:
            merged = deep_merge(deep_merge(base, own), target)
            origins = {
                key: target_path
                if key in target
                else own_path
                if key in own
                else MANIFEST_OVERRIDES
                for key in merged
            }
            problems.extend(_problems(_Checked(document, merged, origins)))
    return problems


def _problems(checked: _Checked) -> list[Diagnostic]:
    """What the API would refuse in one clone's merged overrides."""
    problems: list[Diagnostic] = []
    if checked.merged:
        problems.extend(checked.unique("ports", "internal_port", _port_message))
        problems.extend(checked.unique("storage", "mount_point", _mount_message))
        problems.extend(checked.one_default_port())
        problems.extend(checked.instances())
    return problems


def _target_overrides(spec: Mapping[str, Any]) -> list[tuple[Path, dict[str, Any]]]:
    """Each target's own overrides (contract section 11), with their path; none when empty."""
    targets = spec.get("targets")
    found: list[tuple[Path, dict[str, Any]]] = []
    for i, target in enumerate(targets if isinstance(targets, list) else []):
        own = target.get("overrides") if isinstance(target, dict) else None
        if isinstance(own, dict) and own:
            found.append((("spec", "targets", i, "overrides"), own))
    return found


def _own_overrides(spec: Mapping[str, Any]) -> list[tuple[Path, dict[str, Any]]]:
    """Each listed application's own overrides (``{}`` for a bare name), with their path."""
    source = spec.get("source")
    apps = source.get("applications") if isinstance(source, dict) else None
    found: list[tuple[Path, dict[str, Any]]] = []
    for i, item in enumerate(apps if isinstance(apps, list) else []):
        path: Path = ("spec", "source", "applications", i, "overrides")
        own = item.get("overrides") if isinstance(item, dict) else None
        found.append((path, own if isinstance(own, dict) else {}))
    return found


def _port_message(value: Any, first: Position) -> str:
    return (
        f"duplicate port: internal_port {value} is also at line {first.line}; "
        "each port needs its own internal_port"
    )


def _mount_message(value: Any, first: Position) -> str:
    return (
        f"duplicate mount point '{value}' (also at line {first.line}); "
        "each volume needs its own mount_point"
    )


def _integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checked:
    """One application's merged overrides, and where each of their top-level keys was written."""

    def __init__(
        self, document: Document, merged: Mapping[str, Any], origins: Mapping[str, Path]
    ) -> None:
        self.document = document
        self.merged = merged
        self.origins = origins

    def at(self, key: str, *rest: str | int) -> Position:
        return self.document.position_of((*self.origins[key], key, *rest))

    def entries(self, key: str) -> list[tuple[int, Mapping[str, Any]]]:
        items = self.merged.get(key)
        listed = items if isinstance(items, list) else []
        return [(j, item) for j, item in enumerate(listed) if isinstance(item, dict)]

    def unique(
        self, key: str, field: str, message: Callable[[Any, Position], str]
    ) -> list[Diagnostic]:
        """A diagnostic at each entry of list ``key`` whose ``field`` an earlier one holds."""
        first: dict[Any, Position] = {}
        problems = []
        for j, entry in self.entries(key):
            value = entry.get(field)
            if not (_integer(value) or isinstance(value, str)):
                continue  # of the wrong type or absent: the schema says so
            where = self.at(key, j, field)
            if value in first:
                problems.append(Diagnostic(where, message(value, first[value])))
            else:
                first[value] = where
        return problems

    def one_default_port(self) -> list[Diagnostic]:
        defaults = [j for j, port in self.entries("ports") if port.get("is_default") is True]
        if len(defaults) < 2:
            return []
        first = self.at("ports", defaults[0], "is_default")
        message = (
            f"more than one default port: is_default is also true at line {first.line}; "
            "Qovery takes exactly one"
        )
        return [Diagnostic(self.at("ports", j, "is_default"), message) for j in defaults[1:]]

    def instances(self) -> list[Diagnostic]:
        low, high = (self.merged.get(f"{b}_running_instances") for b in ("min", "max"))
        if not (_integer(low) and _integer(high)) or high == -1 or low <= high:
            return []
        message = (
            f"min_running_instances {low} is greater than max_running_instances {high} "
            f"(line {self.at('max_running_instances').line}); raise max_running_instances, "
            "or set it to -1 for no limit"
        )
        return [Diagnostic(self.at("min_running_instances"), message)]
