"""Finding: the one entry of an API list that a manifest's reference names. Pure.

A UUID-shaped reference matches by id, anything else by name, ignoring case (as Qovery
does). A name that matches nothing is a message listing the closest existing names (or some
of them); two matches name both. ``resolving`` calls ``find`` at each of its stages.

Neighbours: ``resolving`` (the caller), ``suggesting`` (closest names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.core.model import JSON
from reconciler.core.suggesting import closest

Entry = Mapping[str, Any]
"""One object of an API list (organization, project, environment, application)."""

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_LISTED_NAMES = 10
"""How many existing names a "matches nothing" message lists when none is close."""


def is_uuid(ref: str) -> bool:
    """Whether a reference is UUID-shaped (then it is matched by id, never by name)."""
    return _UUID.match(ref) is not None


def find(kind: str, ref: str, entries: Iterable[JSON], within: str = "") -> Entry | str:
    """The one entry that ``ref`` names (by id when UUID-shaped, else by name, ignoring
    case), or the message saying why there is none. ``within`` is e.g. ``" in project shop"``.
    """
    candidates = [e for e in entries if isinstance(e, Mapping)]
    if is_uuid(ref):
        matches = [e for e in candidates if entry_id(e).casefold() == ref.casefold()]
        if not matches:
            return f"no {kind} with id {ref}{within}"
    else:
        matches = [e for e in candidates if entry_name(e).casefold() == ref.casefold()]
        if not matches:
            return f"no {kind} '{ref}'{within}{_hint(kind, ref, candidates, within)}"
    if len(matches) > 1:
        both = " and ".join(f"'{entry_name(m)}' (id {entry_id(m)})" for m in matches)
        return f"{kind} '{ref}'{within} is ambiguous: {both} both match"
    return matches[0]


def _hint(kind: str, ref: str, candidates: Sequence[Entry], within: str) -> str:
    names = sorted({entry_name(e) for e in candidates if entry_name(e)}, key=str.casefold)
    close = closest(ref, names)
    if close:
        return f"; did you mean: {', '.join(close)}?"
    if not names:
        return f"; there is no {kind}{within}"
    more = ", …" if len(names) > _LISTED_NAMES else ""
    return f"; existing: {', '.join(names[:_LISTED_NAMES])}{more}"


def entry_id(entry: Entry) -> str:
    return str(entry.get("id", ""))


def entry_name(entry: Entry) -> str:
    return str(entry.get("name", ""))


def parent_id(entry: Entry, key: str) -> str:
    parent = entry.get(key)
    return str(parent.get("id", "")) if isinstance(parent, Mapping) else ""
