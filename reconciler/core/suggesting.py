"""Closest-name suggestions for messages ("did you mean 'cpu'?"). Pure.

Used by ``validating`` (unknown keys, enum values, ignore paths) and ``resolving`` (names
that match nothing in Qovery). Comparison is case-insensitive, as Qovery's names are.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6
"""How alike two names must be (difflib ratio, 0 to 1) for one to be suggested."""


def closest(word: str, candidates: Iterable[str], *, limit: int = 3) -> list[str]:
    """The candidates most like ``word``, best first, at most ``limit`` (maybe none)."""
    by_folded: dict[str, str] = {}
    for candidate in candidates:
        by_folded.setdefault(candidate.casefold(), candidate)
    if word.casefold() in by_folded:  # only the case differs: that is the one
        return [by_folded[word.casefold()]]
    matches = difflib.get_close_matches(word.casefold(), list(by_folded), n=limit, cutoff=CUTOFF)
    return [by_folded[m] for m in matches]


def did_you_mean(word: str, candidates: Iterable[str], *, quote: str = "'") -> str:
    """`` — did you mean 'x'?`` (or ``'x' or 'y'``), or an empty string when nothing is close."""
    found = closest(word, candidates)
    if not found:
        return ""
    return " — did you mean " + " or ".join(f"{quote}{f}{quote}" for f in found) + "?"
