"""Fingerprints: a short stable hash of what a plan was computed from. Pure.

A saved plan records, per change, the fingerprint of the target and of the source
application it read. ``apply --plan`` observes again and recomputes them: any difference
means the plan is stale (contract section 5). The hash covers the normalised configuration
(so that server noise such as timestamps never makes a plan stale) and the ownership marker
(so that a change of owner does). Neighbours: ``planning`` writes them, ``executing`` checks.
"""

from __future__ import annotations

import hashlib
import json

from reconciler.core.model import Config
from reconciler.core.normalising import normalise
from reconciler.core.ownership import make_marker, read_marker

FINGERPRINT_LENGTH = 16


def fingerprint(config: Config | None, *, normalised: Config | None = None) -> str | None:
    """The fingerprint of one raw ``Application`` (``None`` for an application not there).

    ``normalised`` is ``normalise(config)`` when the caller already has it (a planner does).
    """
    if config is None:
        return None
    description = config.get("description")
    owner = read_marker(description if isinstance(description, str) else None)
    payload = {
        "name": str(config.get("name", "")).lower(),
        "config": normalise(config) if normalised is None else normalised,
        "marker": make_marker(owner) if owner else None,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_LENGTH]
