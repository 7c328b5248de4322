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
from collections.abc import Callable

from reconciler.core.model import Config
from reconciler.core.normalising import normalise
from reconciler.core.ownership import make_marker, read_marker

FINGERPRINT_LENGTH = 16


def fingerprint(
    config: Config | None,
    *,
    normalised: Config | None = None,
    normaliser: Callable[[Config], Config] = normalise,
) -> str | None:
    """The fingerprint of one raw service (``None`` for a service not there).

    ``normalised`` is ``normaliser(config)`` when the caller already has it (a planner
    does); ``normaliser`` is the service's kind's (``core.kinds``), an application's by
    default.
    """
    if config is None:
        return None
    description = config.get("description")
    owner = read_marker(description if isinstance(description, str) else None)
    payload = {
        "name": str(config.get("name", "")).lower(),
        "config": normaliser(config) if normalised is None else normalised,
        "marker": make_marker(owner) if owner else None,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_LENGTH]
