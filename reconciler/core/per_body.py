"""What a desired configuration makes of one listed body: its drift and its write, once. Pure.

The observer derives each distinct listed body once (``derivations``): a fleet's clones of
one source, listed with the same configuration but for their ids, share one normalised
configuration, the same object. Their drift from the declaration (``diffs.drift``) and the
declaration written over them with the ignored paths left as they are (``carry_ignored``)
are then the same for all of them: ``PerBody`` computes each once per (desired
configuration, body, ignore), keyed on identity (both live as long as the plan is made; each
entry keeps its body), and hands the same immutable drift and the same read-only written
configuration to every clone of that body, as ``planning`` already shares one desired
configuration between the clones of a declaration.

Neighbours: ``planning`` (the only user), ``diffs``, ``declaring`` (``DesiredConfig``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.core.declaring import DesiredConfig
from reconciler.core.diffs import carry_ignored, drift, project_onto
from reconciler.core.plans import DriftItem

_Key = tuple[int, int, tuple[str, ...]]  # id(DesiredConfig), id(listed body), ignore


class PerBody:
    """``drift`` and ``written`` of a (desired configuration, listed body, ignore), remembered."""

    def __init__(self) -> None:
        self._drifts: dict[_Key, tuple[Mapping[str, Any], tuple[DriftItem, ...]]] = {}
        self._writes: dict[_Key, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}

    def drift(
        self, desired: DesiredConfig, body: Mapping[str, Any], ignore: tuple[str, ...]
    ) -> tuple[DriftItem, ...]:
        """Where ``body`` (a listed service's normalised configuration) differs from
        ``desired``; a partial configuration is compared with the body cut to its shape."""
        key = (id(desired), id(body), ignore)
        found = self._drifts.get(key)
        if found is not None and found[0] is body:
            return found[1]
        actual = body if desired.complete else project_onto(body, desired.config)
        paths = desired.override_paths
        items = drift(desired.config, actual, ignore=ignore, override_paths=paths)
        self._drifts[key] = (body, items)
        return items

    def written(
        self, desired: DesiredConfig, body: Mapping[str, Any], ignore: tuple[str, ...]
    ) -> Mapping[str, Any]:
        """``desired`` with what ``ignore`` names as ``body`` holds it (a partial write
        touches only what it declares)."""
        key = (id(desired), id(body), ignore)
        found = self._writes.get(key)
        if found is not None and found[0] is body:
            return found[1]
        actual = body if desired.complete else project_onto(body, desired.config)
        written = carry_ignored(desired.config, actual, ignore)
        self._writes[key] = (body, written)
        return written
