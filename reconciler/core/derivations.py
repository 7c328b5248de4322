"""Derivations: each listed service's compared configuration and fingerprint, computed once
per distinct body. Pure.

A fleet's clones of one source are listed with the same configuration: only their identity
differs (``id``, ``name``, timestamps, the environment, the marker in the description). A
``Derivations`` normalises (by the service's kind) and writes the canonical text
(``fingerprints.config_text``) once per distinct body, and shares the result: every other
service of that body costs one compact dump of the fields its kind reads and a hash of its
own name and marker. Real clones have ids of their own in their ports, storage and
autoscaling, and another deployed commit: the key leaves out every part of a field that its
rule never reads (``ServiceKind.field_reads``), so such clones share one body too. The cache
keeps a digest of each key and the hash of the canonical text up to its end, never the
texts: a fleet whose bodies all differ costs little more memory than no cache. The
shared normalised configuration is read, never written, by those who receive it (as
``planning`` already shares one desired configuration between clones).

The key holds what the kind's ``normalise`` reads (``ServiceKind.normalise_reads``: its
compared fields and the few it reads besides), each as given (cut to what its rule reads,
``field_reads``) or absent, and the description without its marker (``strip_marker``), which
is how it is compared; a field no kind reads (a newer API's bulky addition) never enters it.
``derive`` takes a body parsed from JSON (an API answer, ``edges.answers.parse_json``):
dicts, lists, strings, finite numbers, booleans and null, of which the key's text is
faithful. A body it cannot write (a key that is not a string, an integer beyond 64 bits) is
derived alone, as without the cache.

Neighbours: ``edges.observing`` keeps one per read of the listings; ``fingerprints``,
``kinds`` (each kind's ``normalise`` and what it reads), ``ownership`` (``strip_marker``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from reconciler.core.fingerprints import config_hash, config_text, fingerprint_with
from reconciler.core.kinds import APPLICATION, ServiceKind
from reconciler.core.kinds.kind import ReadsForKey
from reconciler.core.model import JSON
from reconciler.core.ownership import strip_marker

Derived = tuple[Any, str | None]
"""A service's normalised configuration and its fingerprint."""

_Key = bytes  # a digest of the kind, the description without marker and the fields read


class Derivations:
    """``derive`` over many services, each distinct body normalised once (thread-safe: a
    race only computes one body twice)."""

    def __init__(self) -> None:
        self._known: dict[_Key, tuple[dict[str, JSON], Any]] = {}

    def derive(self, service: Mapping[str, Any], kind: ServiceKind = APPLICATION) -> Derived:
        """``service``'s normalised configuration and fingerprint (``observing.derive``)."""
        key = _key(service, kind, kind.reads_for_key)
        found = self._known.get(key) if key is not None else None
        if found is None:
            normalised = kind.normalise(service)
            found = (normalised, config_hash(config_text(normalised)))
            if key is not None:
                found = self._known.setdefault(key, found)
        return found[0], fingerprint_with(service, found[1])

    def __len__(self) -> int:
        """How many distinct bodies were normalised."""
        return len(self._known)


def _key(service: Mapping[str, Any], kind: ServiceKind, reads: ReadsForKey) -> _Key | None:
    """What ``kind.normalise(service)`` depends on (``reads``, and the description where
    ``description``), as a hashable value; ``None`` when the body cannot be written (then it
    is derived without the cache)."""
    whole, cut, description = reads
    read = {field: service[field] for field in whole if field in service}
    for field, part in cut:
        if field in service:
            read[field] = part(service[field])
    try:
        text = orjson.dumps(read)
    except orjson.JSONEncodeError:
        return None
    given = service.get("description") if description else None
    stripped = strip_marker(given if isinstance(given, str) else None)
    # a digest: a fleet of distinct bodies keeps no copies
    parts = b"\0".join((kind.name.encode(), stripped.encode(), text))
    return hashlib.blake2b(parts, digest_size=20).digest()
