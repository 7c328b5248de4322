"""Ownership: the one home of "is this application ours?". Pure.

Contract sections 4 and 18: no local state holds ownership; the Qovery application carries
it, as one trailing line of its description naming the manifest, the source application and
the application the marker was written on::

    [managed-by: reconciler; manifest: previews; source: api (6f1c…); id: 0b7e…; applied: 9a8b…]

A temporary clone's marker (contract section 13) also records its ``active`` time (its
creation, or the last write because its declaration changed) and, once stopped, when it
``expired``: ``…; applied: 9a8b…; active: 2026-12-07T06:00:00Z; expired: 2026-12-14T06:00:00Z]``.
Markers without them still read. A line ``[reconciler: keep]`` (``KEEP_LINE``) that a person
adds anywhere in the description is never compared, survives every write, and keeps the
clone from expiring; the marker is the last line but for it.

The rules, used by ``planning`` (on what was listed) and ``executing`` (on what it just
read), both on raw ``Application`` mappings:

- ``marker_of``: the marker as written; ``owner_of``: the marker when it is the
  application's own. A marker is a *copy* (``is_copied_marker``) when its ``id`` is not the
  application's (a person cloned an owned clone in the console, which copies the
  description), or when it is the marker of the source the application was cloned from.
  Markers without an id (written before the id existed) are trusted, and rewritten with the
  id at the next write.
- ``owned_by``: owned by this manifest for this source application.
- ``is_untouched_clone``: exactly a fresh clone of its source: same normalised
  configuration *and* same description (a clone copies it verbatim).
- ``find_named`` / ``name_key``: identity by name, case-insensitively.

``normalising`` strips the marker before comparing; ``executing`` writes it (``with_marker``),
which replaces every trailing marker line (a copied one included) with the new one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MARKER_PREFIX = "[managed-by: reconciler;"
KEEP_LINE = "[reconciler: keep]"
UNFINISHED = "0" * 12
"""The ``applied`` digest of a marker written alone on a clone whose edit failed: no
declaration has it, so the next plan applies the declaration (the clone is finished)."""

_MARKER_LINE = re.compile(
    r"^\s*\[managed-by:\s*reconciler;\s*manifest:\s*(?P<manifest>[^;\]]+?)\s*;"
    r"\s*source:\s*(?P<name>.*?)\s*\((?P<id>[^()\s]+)\)"
    r"(?:\s*;\s*id:\s*(?P<clone>[^;\]\s]+))?"
    r"(?:\s*;\s*applied:\s*(?P<applied>[0-9a-f]+))?"
    r"(?:\s*;\s*active:\s*(?P<active>[0-9TZ:.+-]+))?"
    r"(?:\s*;\s*expired:\s*(?P<expired>[0-9TZ:.+-]+))?\s*\]\s*$"
)

MARKERS_REMEMBERED = 1 << 15
"""How many descriptions' markers are remembered: every listed service of a large fleet,
from its fingerprint (at listing) to its plan."""

Application = Mapping[str, Any]
"""One application as Qovery returns it (a list entry or a GET)."""


@dataclass(frozen=True)
class Owner:
    """Who owns a clone: the manifest, and the source application it was cloned from.

    ``applied`` is the digest of the declared configuration the reconciler last wrote
    (``declaring.declared_digest``): it tells a changed declaration (the manifest, or the
    source it follows) from drift made behind the reconciler's back. ``clone_id`` is the id
    of the application the marker was written on. Either is ``None`` on markers written
    before it existed, or by hand. ``active`` and ``expired`` (ISO 8601 UTC instants) are
    set on temporary clones only (``core.expiry``).
    """

    manifest: str
    source_name: str
    source_id: str
    applied: str | None = None
    clone_id: str | None = None
    active: str | None = None
    expired: str | None = None


def make_marker(owner: Owner) -> str:
    """The marker line for ``owner`` (no newline)."""
    clone_id = f"; id: {owner.clone_id}" if owner.clone_id else ""
    applied = f"; applied: {owner.applied}" if owner.applied else ""
    active = f"; active: {owner.active}" if owner.active else ""
    expired = f"; expired: {owner.expired}" if owner.expired else ""
    return (
        f"[managed-by: reconciler; manifest: {owner.manifest}; "
        f"source: {owner.source_name} ({owner.source_id}){clone_id}{applied}{active}{expired}]"
    )


def _is_keep_line(line: str) -> bool:
    return line.strip() == KEEP_LINE


def has_keep_line(description: str | None) -> bool:
    """Whether a person marked the clone ``[reconciler: keep]``: it never expires."""
    if not description or KEEP_LINE not in description:
        return False
    return any(_is_keep_line(line) for line in description.splitlines())


def _without_keep_lines(description: str) -> str:
    if KEEP_LINE not in description:
        return description  # as it is, line endings included
    return "\n".join(line for line in description.splitlines() if not _is_keep_line(line))


def _split_last_line(description: str) -> tuple[str, str]:
    """``description`` without trailing blank space, cut before its last line."""
    text = description.rstrip()
    head, _, last = text.rpartition("\n")
    return head, last


@lru_cache(maxsize=MARKERS_REMEMBERED)
def read_marker(description: str | None) -> Owner | None:
    """The owner named by the last line of ``description``, or ``None`` when there is none.

    Remembered (an ``Owner`` is immutable): a plan reads each clone's marker several times.
    """
    if not description:
        return None
    _, last = _split_last_line(_without_keep_lines(description))
    match = _MARKER_LINE.match(last)
    if match is None:
        return None
    return Owner(
        match["manifest"],
        match["name"],
        match["id"],
        match["applied"],
        match["clone"],
        match["active"],
        match["expired"],
    )


@lru_cache(maxsize=MARKERS_REMEMBERED)
def strip_marker(description: str | None) -> str:
    """``description`` without its trailing marker line(s) and the blank space before them,
    and without any ``KEEP_LINE`` (never compared: a person may add it in the console)."""
    text = _without_keep_lines(description or "").rstrip()
    while True:
        head, last = _split_last_line(text)
        if _MARKER_LINE.match(last) is None:
            return text
        text = head.rstrip()


def with_marker(description: str | None, owner: Owner, *, keep: bool = False) -> str:
    """``description`` with any marker replaced by ``owner``'s, as its last line; ``keep``:
    with the ``KEEP_LINE`` just before it (written where the application had one)."""
    body = strip_marker(description)
    marker = f"{KEEP_LINE}\n{make_marker(owner)}" if keep else make_marker(owner)
    return f"{body}\n{marker}" if body else marker


# ── the rules on applications ───────────────────────────────────────────────────────────


def description_of(application: Application | None) -> str:
    """The application's description as text (``""`` when absent)."""
    text = application.get("description") if application is not None else None
    return text if isinstance(text, str) else ""


def marker_of(application: Application | None) -> Owner | None:
    """The marker on ``application`` as written, a copied one included."""
    return read_marker(description_of(application))


def _same_owner(first: Owner, second: Owner | None) -> bool:
    """Same manifest and source, whatever digest and id each records: the source's own
    digest moves each time its manifest applies it, a copy of its marker keeps the older."""
    return second is not None and _plain(first) == _plain(second)


def _plain(owner: Owner) -> tuple[str, str, str]:
    """What names an owner, whatever digest, id and times its marker records (compared as a
    tuple: an ``Owner`` copied with those cleared compares the same, at a copy's cost)."""
    return owner.manifest, owner.source_name, owner.source_id


def is_copied_marker(application: Application, source: Application | None = None) -> bool:
    """Whether ``application``'s marker was copied onto it rather than written on it.

    A marker naming another application's id is a copy (a console clone of an owned clone);
    so is the marker of ``source`` (the application it was cloned from), whatever its id.
    """
    return is_copy(marker_of(application), application, source)


def is_copy(owner: Owner | None, application: Application, source: Application | None) -> bool:
    """``is_copied_marker``, of the ``owner`` read from ``application`` already."""
    if owner is None:
        return False
    if owner.clone_id is not None and owner.clone_id != str(application.get("id", "")):
        return True
    return source is not None and _same_owner(owner, marker_of(source))


def owner_of(application: Application, source: Application | None = None) -> Owner | None:
    """The owner of ``application``: its marker, unless that marker is a copy."""
    owner = marker_of(application)
    return None if is_copy(owner, application, source) else owner


def owned_by(
    application: Application,
    manifest: str,
    source_id: str | None,
    source: Application | None = None,
) -> bool:
    """Whether ``application`` is owned by ``manifest`` for the source ``source_id``."""
    owner = owner_of(application, source)
    return owner is not None and owner.manifest == manifest and owner.source_id == source_id


def is_untouched_clone(
    application: Application,
    source: Application,
    normalised: Callable[[Application], Mapping[str, Any]],
) -> bool:
    """Whether ``application`` is exactly a fresh clone of ``source``.

    Its normalised configuration (``normalised``: ``normalising.normalise``, or a cache of
    it) equals the source's, and its description equals the source's: a clone copies it
    verbatim, marker included (only the digest of that marker may have moved since).
    """
    if str(application.get("id", "")) == str(source.get("id", "")):
        return False  # the source itself is nobody's clone
    if not _same_description(description_of(application), description_of(source)):
        return False
    return _without_description(normalised(application)) == _without_description(normalised(source))


def _same_description(first: str, second: str) -> bool:
    """Equal descriptions, the digest a copied marker records aside (the source's own
    manifest may have applied it again since it was cloned)."""
    if strip_marker(first) != strip_marker(second):
        return False
    mine, theirs = read_marker(first), read_marker(second)
    return mine is None if theirs is None else _same_owner(theirs, mine)


def _without_description(config: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in config.items() if key != "description"}


def name_key(name: object) -> str:
    """The key of an application's identity: its name, case-insensitively."""
    return str(name or "").casefold()


def find_named(applications: Iterable[Application], name: str) -> Application | None:
    """The first of ``applications`` called ``name`` (case-insensitively), else ``None``."""
    wanted = name_key(name)
    return next((a for a in applications if name_key(a.get("name")) == wanted), None)


def describe_owner(application: Application) -> str:
    """For messages: who owns ``application``, or why nobody does."""
    owner = marker_of(application)
    if owner is None:
        return "no ownership marker"
    if is_copied_marker(application):
        return f"a copy of the marker of application {owner.clone_id}"
    return f"owned by manifest {owner.manifest!r} (source {owner.source_name})"
