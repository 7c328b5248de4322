"""Ownership: the marker line the reconciler writes into a clone's ``description``. Pure.

Contract section 4: no local state holds ownership; the Qovery application carries it, as
one trailing line of its description naming the manifest and the source application::

    [managed-by: reconciler; manifest: previews; source: api (6f1c…-uuid); applied: 9a8b…]

``planning`` reads it (``read_marker``) to tell owned clones from strangers, ``normalising``
strips it before comparing, and ``executing`` writes it (``with_marker``). A marker copied
from an owned source (a clone of a clone) is replaced, never kept: ``with_marker`` strips
every trailing marker line before appending the new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER_PREFIX = "[managed-by: reconciler;"
_MARKER_LINE = re.compile(
    r"^\s*\[managed-by:\s*reconciler;\s*manifest:\s*(?P<manifest>[^;\]]+?)\s*;"
    r"\s*source:\s*(?P<name>.*?)\s*\((?P<id>[^()\s]+)\)"
    r"(?:\s*;\s*applied:\s*(?P<applied>[0-9a-f]+))?\s*\]\s*$"
)


@dataclass(frozen=True)
class Owner:
    """Who owns a clone: the manifest, and the source application it was cloned from.

    ``applied`` is the digest of the declared configuration the reconciler last wrote
    (``planning.declared_digest``): it tells a changed declaration (the manifest, or the
    source it follows) from drift made behind the reconciler's back. ``None`` on markers
    written before it existed, or by hand.
    """

    manifest: str
    source_name: str
    source_id: str
    applied: str | None = None


def make_marker(owner: Owner) -> str:
    """The marker line for ``owner`` (no newline)."""
    applied = f"; applied: {owner.applied}" if owner.applied else ""
    return (
        f"[managed-by: reconciler; manifest: {owner.manifest}; "
        f"source: {owner.source_name} ({owner.source_id}){applied}]"
    )


def _split_last_line(description: str) -> tuple[str, str]:
    """``description`` without trailing blank space, cut before its last line."""
    text = description.rstrip()
    head, _, last = text.rpartition("\n")
    return head, last


def read_marker(description: str | None) -> Owner | None:
    """The owner named by the last line of ``description``, or ``None`` when there is none."""
    if not description:
        return None
    _, last = _split_last_line(description)
    match = _MARKER_LINE.match(last)
    if match is None:
        return None
    return Owner(match["manifest"], match["name"], match["id"], match["applied"])


def strip_marker(description: str | None) -> str:
    """``description`` without its trailing marker line(s) and the blank space before them."""
    text = (description or "").rstrip()
    while True:
        head, last = _split_last_line(text)
        if _MARKER_LINE.match(last) is None:
            return text
        text = head.rstrip()


def with_marker(description: str | None, owner: Owner) -> str:
    """``description`` with any marker replaced by ``owner``'s, as its last line."""
    body = strip_marker(description)
    marker = make_marker(owner)
    return f"{body}\n{marker}" if body else marker
