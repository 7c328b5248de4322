"""Derivations: each listed service's compared configuration and fingerprint, computed once
per distinct body. Pure.

A fleet's clones of one source are listed with the same configuration: only their identity
differs (``id``, ``name``, timestamps, the environment, the marker in the description). A
``Derivations`` normalises (by the service's kind) and writes the canonical text
(``fingerprints.config_text``) once per distinct rest, and shares the result: every other
service of that body costs one compact dump of it and a hash of its own name and marker.
The shared normalised configuration is read, never written, by those who receive it (as
``planning`` already shares one desired configuration between clones).

What the key leaves out must not matter to any kind's ``normalise``: the ``IDENTITY_FIELDS``
are never compared, and the description is compared without its marker (``strip_marker``),
so the key holds that instead. ``derive`` takes a body parsed from JSON (an API answer,
``edges.answers.parse_json``): dicts, lists, strings, finite numbers, booleans and null, of
which the key's text is faithful. A body it cannot write (a key that is not a string, an
integer beyond 64 bits) is derived alone, as without the cache.

Neighbours: ``edges.observing`` keeps one per read of the listings; ``fingerprints``,
``kinds`` (each kind's ``normalise``), ``ownership`` (``strip_marker``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from reconciler.core.fingerprints import config_text, fingerprint_of
from reconciler.core.kinds import APPLICATION, Normaliser
from reconciler.core.model import JSON
from reconciler.core.ownership import strip_marker

IDENTITY_FIELDS = frozenset(
    {"id", "name", "created_at", "updated_at", "environment", "description"}
)
"""The fields of a listed service that name or place it, or carry its marker: never compared
as they are, so left out of the key (the description enters it without its marker)."""

Derived = tuple[Any, str | None]
"""A service's normalised configuration and its fingerprint."""


class Derivations:
    """``derive`` over many services, each distinct body normalised once (thread-safe: a
    race only computes one body twice)."""

    def __init__(self) -> None:
        self._known: dict[tuple[Normaliser, str, bytes], tuple[dict[str, JSON], str]] = {}

    def derive(
        self, service: Mapping[str, Any], normalise: Normaliser = APPLICATION.normalise
    ) -> Derived:
        """``service``'s normalised configuration and fingerprint (``observing.derive``)."""
        key = _key(service, normalise)
        found = self._known.get(key) if key is not None else None
        if found is None:
            normalised = normalise(service)
            found = (normalised, config_text(normalised))
            if key is not None:
                found = self._known.setdefault(key, found)
        return found[0], fingerprint_of(service, found[1])

    def __len__(self) -> int:
        """How many distinct bodies were normalised."""
        return len(self._known)


def _key(service: Mapping[str, Any], normalise: Normaliser) -> tuple[Normaliser, str, bytes] | None:
    """What ``normalise(service)`` depends on, as a hashable value; ``None`` when the body
    cannot be written (then it is derived without the cache)."""
    description = service.get("description")
    rest = {key: value for key, value in service.items() if key not in IDENTITY_FIELDS}
    try:
        text = orjson.dumps(rest)
    except orjson.JSONEncodeError:
        return None
    return normalise, strip_marker(description if isinstance(description, str) else None), text
