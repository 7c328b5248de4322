"""Drift: where an observed compared configuration differs from the desired one. Pure.

``drift(desired, observed, ignore=..., override_paths=...)`` walks two normalised
configurations (``normalising.normalise``) and returns one ``DriftItem`` per differing leaf,
with dotted paths: ``git_repository.branch``, ``ports[8080].publicly_accessible``,
``storage[/mnt/data].size``. Ports and storage entries are matched by ``internal_port`` and
``mount_point``; other lists (``arguments``, groups, scalers, an exec command) compare as one
value. It compares with ``==`` first and descends only where the two sides differ, so an
unchanged clone costs one comparison per field (no deepdiff: it costs about 1.8 ms a pair).

Every path in the union of both sides' keys is compared: for a partial desired configuration
(``follow_source: false``) the planner passes an observed configuration cut to the desired
one's shape (``project_onto``). Neighbours: ``planning`` calls it; ``plans`` holds DriftItem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from reconciler.core.model import JSON, Config
from reconciler.core.normalising import KEYED_LISTS, entry_key
from reconciler.core.overrides import REPLACE_WHOLE_KEYS
from reconciler.core.plans import DriftItem, Origin


def is_at_or_under(path: str, prefix: str) -> bool:
    """Whether ``path`` is ``prefix`` or lies under it (``a.b`` and ``a[k]`` are under ``a``)."""
    if not path.startswith(prefix):
        return False
    rest = path[len(prefix) :]
    return rest == "" or rest[0] in ".["


@lru_cache(maxsize=8192)
def under_any(path: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``path`` is at or under one of ``prefixes`` (remembered: the same few paths
    are asked about for every clone)."""
    return any(is_at_or_under(path, prefix) for prefix in prefixes)


@lru_cache(maxsize=8192)
def above_any(path: str, prefixes: tuple[str, ...]) -> bool:
    """Whether one of ``prefixes`` is at or under ``path``."""
    return any(is_at_or_under(prefix, path) for prefix in prefixes)


def child_path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def entry_path(parent: str, key: JSON) -> str:
    return f"{parent}[{key}]"


def paths_set_by(overrides: Config, parent: str = "") -> tuple[str, ...]:
    """The leaf paths that overrides set; lists and a probe's ``type`` are leaves."""
    paths: list[str] = []
    for key, value in overrides.items():
        path = child_path(parent, key)
        if isinstance(value, Mapping) and value and key not in REPLACE_WHOLE_KEYS:
            paths.extend(paths_set_by(value, path))
        else:
            paths.append(path)
    return tuple(paths)


def project_onto(observed: Mapping[str, Any], shape: Mapping[str, Any]) -> dict[str, JSON]:
    """``observed`` cut to the keys of ``shape``, recursively through objects."""
    result: dict[str, JSON] = {}
    for key, wanted in shape.items():
        if key not in observed:
            continue
        value = observed[key]
        if isinstance(wanted, Mapping) and isinstance(value, Mapping) and key != "type":
            result[key] = project_onto(value, wanted)
        else:
            result[key] = value
    return result


class _Walker:
    """Collects drift items, skipping ignored paths and labelling each item's origin."""

    def __init__(self, ignore: Iterable[str], overrides: Iterable[str]) -> None:
        self.ignore = tuple(ignore)
        self.overrides = tuple(overrides)
        self.items: list[DriftItem] = []

    def ignored(self, path: str) -> bool:
        return under_any(path, self.ignore)

    def origin(self, path: str) -> Origin:
        return Origin.OVERRIDE if under_any(path, self.overrides) else Origin.SOURCE

    def add(self, path: str, expected: JSON, actual: JSON) -> None:
        if not self.ignored(path):
            self.items.append(DriftItem(path, expected, actual, self.origin(path)))

    def objects(self, path: str, desired: Mapping[str, Any], observed: Mapping[str, Any]) -> None:
        for key, expected in desired.items():  # the keys of both, in first-seen order
            actual = observed.get(key)
            if expected != actual:
                self.value(child_path(path, key), key, expected, actual)
        for key, actual in observed.items():
            if key not in desired and actual is not None:
                self.value(child_path(path, key), key, None, actual)

    def value(self, path: str, key: str, expected: JSON, actual: JSON) -> None:
        if self.ignored(path):
            return
        if isinstance(expected, Mapping) and isinstance(actual, Mapping) and key != "type":
            self.objects(path, expected, actual)
        elif key in KEYED_LISTS and isinstance(expected, list) and isinstance(actual, list):
            self.keyed_lists(path, key, expected, actual)
        else:
            self.add(path, expected, actual)

    def keyed_lists(self, path: str, field: str, desired: list[Any], observed: list[Any]) -> None:
        wanted = {entry_key(field, entry): entry for entry in desired}
        found = {entry_key(field, entry): entry for entry in observed}
        for key in _union(wanted, found):
            expected, actual = wanted.get(key), found.get(key)
            if expected == actual:
                continue
            where = entry_path(path, key)
            if isinstance(expected, Mapping) and isinstance(actual, Mapping):
                self.objects(where, expected, actual)
            else:
                self.add(where, expected, actual)


def _union(first: Mapping[Any, Any], second: Mapping[Any, Any]) -> Iterator[Any]:
    """The keys of both, in first-seen order."""
    yield from first
    yield from (key for key in second if key not in first)


def drift(
    desired: Mapping[str, Any],
    observed: Mapping[str, Any],
    *,
    ignore: Iterable[str] = (),
    override_paths: Iterable[str] = (),
) -> tuple[DriftItem, ...]:
    """Every leaf where ``observed`` differs from ``desired`` (both normalised)."""
    if desired == observed:
        return ()
    walker = _Walker(ignore, override_paths)
    walker.objects("", desired, observed)
    return tuple(walker.items)


def fields_of(config: Mapping[str, Any], parent: str = "") -> tuple[tuple[str, JSON], ...]:
    """Every leaf of ``config`` with its path, as ``drift`` names them (objects and
    port/storage entries are walked; a probe's ``type`` and other lists are leaves)."""
    found: list[tuple[str, JSON]] = []
    for key, value in config.items():
        path = child_path(parent, key)
        if isinstance(value, Mapping) and value and key != "type":
            found.extend(fields_of(value, path))
        elif key in KEYED_LISTS and isinstance(value, list) and value:
            for entry in value:
                where = entry_path(path, entry_key(key, entry))
                found.extend(fields_of(entry, where) if isinstance(entry, Mapping) else [])
        else:
            found.append((path, value))
    return tuple(found)


def without_ignored(
    config: Mapping[str, Any], ignore: Iterable[str], parent: str = ""
) -> dict[str, JSON]:
    """``config`` without its ignored paths, through objects and port/storage entries.

    A probe's ``type`` and other lists are leaves, as in ``drift``.
    """
    paths = tuple(ignore)
    result: dict[str, JSON] = {}
    for key, value in config.items():
        path = child_path(parent, key)
        if under_any(path, paths):
            continue
        if isinstance(value, Mapping) and key != "type":
            value = without_ignored(value, paths, path)
        elif key in KEYED_LISTS and isinstance(value, list):
            value = _entries_without_ignored(path, key, value, paths)
        result[key] = value
    return result


def _entries_without_ignored(
    path: str, field: str, entries: list[Any], ignore: tuple[str, ...]
) -> list[JSON]:
    kept: list[JSON] = []
    for entry in entries:
        where = entry_path(path, entry_key(field, entry))
        if under_any(where, ignore):
            continue
        kept.append(without_ignored(entry, ignore, where) if isinstance(entry, Mapping) else entry)
    return kept


# ── writes leave what is ignored as it is ───────────────────────────────────────────────

_ABSENT: Any = object()


def carry_ignored(
    desired: Mapping[str, Any], observed: Mapping[str, Any], ignore: Iterable[str]
) -> dict[str, JSON]:
    """``desired`` with every ignored path holding ``observed``'s value (or absent with it).

    A write built from the result leaves the ignored fields as they are, like Argo CD's
    ``RespectIgnoreDifferences``: what ``ignore`` names is someone else's to set (an
    autoscaler, a person), even when the clone is edited for another reason.
    """
    paths = tuple(ignore)
    if not paths:
        return dict(desired)
    return _carry_objects("", desired, observed, paths)


def _carry_objects(
    path: str, desired: Mapping[str, Any], observed: Mapping[str, Any], ignore: tuple[str, ...]
) -> dict[str, JSON]:
    result = dict(desired)
    for key in _keys_to_carry(path, ignore, tuple(desired), tuple(observed)):
        expected, actual = desired.get(key, _ABSENT), observed.get(key, _ABSENT)
        if expected is actual or expected == actual:
            continue
        value = _carry(child_path(path, key), key, expected, actual, ignore)
        if value is _ABSENT:
            result.pop(key, None)
        else:
            result[key] = value
    return result


@lru_cache(maxsize=1024)
def _keys_to_carry(
    path: str, ignore: tuple[str, ...], desired: tuple[Any, ...], observed: tuple[Any, ...]
) -> tuple[Any, ...]:
    """The keys of both sides (``desired``'s, then the others of ``observed``) that are
    ignored or hold something ignored: of every other key, ``_carry`` keeps the desired
    value, or its absence. Remembered: a fleet's configurations have the same few shapes."""
    known = set(desired)
    keys = [*desired, *(key for key in observed if key not in known)]
    return tuple(
        key
        for key in keys
        if under_any(child_path(path, key), ignore) or above_any(child_path(path, key), ignore)
    )


def _carry(path: str, key: str, expected: Any, actual: Any, ignore: tuple[str, ...]) -> Any:
    if under_any(path, ignore):
        return actual
    if not above_any(path, ignore):
        return expected  # nothing ignored below this point
    if isinstance(expected, Mapping) and isinstance(actual, Mapping) and key != "type":
        return _carry_objects(path, expected, actual, ignore)
    if key in KEYED_LISTS and isinstance(expected, list) and isinstance(actual, list):
        return _carry_entries(path, key, expected, actual, ignore)
    return expected


def _carry_entries(
    path: str, field: str, desired: list[Any], observed: list[Any], ignore: tuple[str, ...]
) -> list[Any]:
    found = {entry_key(field, entry): entry for entry in observed}
    wanted = {entry_key(field, entry) for entry in desired}
    result = []
    for entry in desired:
        key = entry_key(field, entry)
        value = _carry(entry_path(path, key), field, entry, found.get(key, _ABSENT), ignore)
        if value is not _ABSENT:
            result.append(value)
    for key, entry in found.items():  # an ignored entry the desired side does not have
        if key not in wanted and under_any(entry_path(path, key), ignore):
            result.append(entry)
    return result
