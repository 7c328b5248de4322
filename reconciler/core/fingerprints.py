"""Fingerprints: a short stable hash of what a plan was computed from. Pure.

A saved plan records, per change, the fingerprint of the target and of the source
application it read. ``apply --plan`` observes again and recomputes them: any difference
means the plan is stale (contract section 5). The hash covers the normalised configuration
(so that server noise such as timestamps never makes a plan stale) and the ownership marker
(so that a change of owner does). ``config_text`` is the canonical text of a normalised
configuration that the hash reads; ``fingerprint_of`` hashes it with a service's name and
marker, so that a caller that has the text already (``derivations``, once per distinct
configuration) need not write it again. Neighbours: ``planning`` writes them, ``executing``
checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

from reconciler.core.model import Config
from reconciler.core.normalising import normalise
from reconciler.core.ownership import make_marker, read_marker

FINGERPRINT_LENGTH = 16


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def config_text(normalised: Config) -> str:
    """The canonical text of a normalised configuration: sorted keys, no spaces (``json.dumps``
    with these options, its encoder made once)."""
    return _CANONICAL.encode(normalised)


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
    return fingerprint_of(
        config, config_text(normaliser(config) if normalised is None else normalised)
    )


def fingerprint_of(config: Config, text: str) -> str:
    """The fingerprint of the raw service ``config`` whose normalised configuration has the
    canonical text ``text`` (``config_text``).

    The hashed text is that of ``{"config": …, "marker": …, "name": …}`` written with sorted
    keys and no spaces, the configuration's part being ``text`` itself.
    """
    return fingerprint_with(config, config_hash(text))


def config_hash(text: str) -> Any:
    """The hash of a fingerprint's text up to its configuration's end (a ``hashlib`` object,
    copied per service by ``fingerprint_with``): what a cache of configurations keeps
    instead of their text."""
    return hashlib.sha256(b'{"config":' + text.encode())


def fingerprint_with(config: Config, started: Any) -> str:
    """``fingerprint_of`` from ``config_hash(text)``: the name and the marker added."""
    description = config.get("description")
    owner = read_marker(description if isinstance(description, str) else None)
    # ``json.dumps`` of a text, without its encoder's set-up
    marker = encode_basestring_ascii(make_marker(owner)) if owner else "null"
    name = encode_basestring_ascii(str(config.get("name", "")).lower())
    digest = started.copy()
    digest.update(f',"marker":{marker},"name":{name}}}'.encode())
    return str(digest.hexdigest())[:FINGERPRINT_LENGTH]
