"""One declaration in a run: a desired configuration and what every clone of it shares. Pure.

The clones of one source under the same policy and overrides (a fleet's preview
environments) share one desired configuration (``declaring.compute_desired``), computed
once. ``Declaration`` holds it with what planning asks of it for each of those clones, each
worked out once too: what a deploy of it runs (``deploying.version_of``); the values the API
would refuse (``prechecks``: once, unless a clone's own values hold a field the
configuration lacks, then for that clone); whether a write keeps the description as found
(``edits.keeps_description``) and the digest its marker records (``declaring.declared_digest``),
each per ignore list.

The planner keeps one per (source, ``follow_source``, kind, overrides) for the whole run:
``per_body`` keys on its configuration's identity.

Neighbours: ``planning`` (the only user), ``declaring``, ``deploying``, ``prechecks``,
``edits``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.core.declaring import DesiredConfig, compute_desired, declared_digest
from reconciler.core.deploying import version_of
from reconciler.core.edits import keeps_description
from reconciler.core.kinds import kind_named
from reconciler.core.model import DesiredClone
from reconciler.core.prechecks import PRECHECKED_FIELDS, refused_values


class Declaration:
    """The desired configuration of a declaration (``config``), and per clone of it what
    planning asks, each worked out once."""

    __slots__ = ("_digests", "_keeps", "_lacking", "_refused", "_source", "config", "version")

    def __init__(self, clone: DesiredClone, source: Mapping[str, Any]) -> None:
        """``clone``: any clone of the declaration; ``source``: its source's configuration."""
        self.config: DesiredConfig = compute_desired(
            source,
            clone.overrides,
            follow_source=clone.policy.follow_source,
            kind=kind_named(clone.kind),
        )
        self.version = version_of(clone.kind, source, self.config.config)  # what a deploy runs
        self._source = source
        # the fields prechecks read that the configuration lacks, and their answer without them
        self._lacking = tuple(name for name in PRECHECKED_FIELDS if name not in self.config.config)
        self._refused = refused_values(self.config.config, source, {})
        self._keeps: dict[tuple[str, ...], bool] = {}
        self._digests: dict[tuple[str, ...], str] = {}

    def refused(self, current: Mapping[str, Any]) -> str:
        """``prechecks.refused_values`` of a write laid over ``current`` (the clone, or the
        source a new clone copies): once, unless ``current`` holds a field it checks that
        the configuration lacks."""
        if not current.keys().isdisjoint(self._lacking):
            return refused_values(self.config.config, self._source, current)
        return self._refused

    def keeps_description(self, ignore: tuple[str, ...]) -> bool:
        """``edits.keeps_description`` of a write ignoring ``ignore``."""
        found = self._keeps.get(ignore)
        if found is None:
            config = self.config
            found = self._keeps[ignore] = keeps_description(
                config.config, complete=config.complete, ignore=ignore
            )
        return found

    def digest(self, ignore: tuple[str, ...]) -> str:
        """``declaring.declared_digest`` of the configuration, ``ignore`` aside."""
        found = self._digests.get(ignore)
        if found is None:
            found = self._digests[ignore] = declared_digest(self.config, ignore)
        return found
