"""Declaring: what is declared for one clone, as a value. Pure.

``compute_desired`` turns a source's configuration and a clone's merged overrides into the
clone's desired compared configuration (``follow_source: true``: the source with the
overrides laid over it; ``false``: the overrides alone), normalised by the clone's kind.
``declared_digest`` is the short digest of that declaration which the ownership marker
records at every write (``Owner.applied``), so that a changed declaration can be told from
drift made behind the reconciler's back. ``fields_declared`` lists what a new clone gets.

Neighbours: ``declarations`` (the caller: one ``DesiredConfig`` per declaration in a run,
with what planning asks of it), ``kinds`` (normalising), ``diffs`` (override paths,
ignored paths), ``ownership``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.core.diffs import fields_of, is_at_or_under, paths_set_by, without_ignored
from reconciler.core.kinds import APPLICATION, ServiceKind
from reconciler.core.model import JSON
from reconciler.core.overrides import deep_merge
from reconciler.core.ownership import strip_marker
from reconciler.core.plans import FieldUpdate, Origin


@dataclass(frozen=True)
class DesiredConfig:
    """What one clone should look like, computed once per (source, overrides)."""

    config: Mapping[str, JSON]  # normalised; complete or only the overrides
    complete: bool
    override_paths: tuple[str, ...]
    description: str  # without marker


def compute_desired(
    source_config: Mapping[str, Any],
    overrides: Mapping[str, Any],
    *,
    follow_source: bool,
    kind: ServiceKind = APPLICATION,
) -> DesiredConfig:
    """The desired compared configuration of a clone of ``source_config``."""
    over_description = overrides.get("description")
    raw_description = over_description if isinstance(over_description, str) else None
    if raw_description is None and follow_source:
        source_description = source_config.get("description")
        raw_description = source_description if isinstance(source_description, str) else None
    description = strip_marker(raw_description)
    paths = paths_set_by(overrides)
    if follow_source:
        # the whole source: a kind may read a field it does not compare (a container's
        # ``registry``); its ``normalise`` keeps only its compared fields
        merged = deep_merge(source_config, overrides)
        return DesiredConfig(kind.normalise(merged), True, paths, description)
    return DesiredConfig(kind.normalise(overrides, partial=True), False, paths, description)


def declared_digest(desired: DesiredConfig, ignore: tuple[str, ...]) -> str:
    """A short digest of what is declared for a clone: its desired fields, ignored ones aside.

    The marker records it at every write (``Owner.applied``). When the declaration changes
    afterwards (an override edited in the manifest, or the source that ``follow_source``
    follows), the clone's drift is the manifest's to apply, whatever ``on_drift`` says; when
    it has not, drift was made behind the reconciler's back and ``on_drift`` decides.
    """
    description = None if "description" in ignore else desired.description
    payload = [without_ignored(desired.config, ignore), description]  # dict keys get sorted
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def fields_declared(desired: DesiredConfig) -> tuple[FieldUpdate, ...]:
    """Every field a new clone gets, as updates from nothing (Terraform's attributes on
    create), each labelled with where its value comes from."""
    overridden = desired.override_paths
    return tuple(
        FieldUpdate(
            path,
            None,
            value,
            Origin.OVERRIDE
            if any(is_at_or_under(path, prefix) for prefix in overridden)
            else Origin.SOURCE,
        )
        for path, value in fields_of(desired.config)
    )
