"""``--target ADDRESS`` selection: which changes of a plan a run acts on. Pure.

Patterns take ``*`` (any run of characters) and ``?`` (one character) only; everything else
is literal, brackets included, since addresses contain them (``previews.api[shop/pr-1]``).
Matching is case-insensitive, like Qovery's names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .desired import glob_matches
from .plans import Plan


def address_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """A predicate that is true for an address matched by any of ``patterns``."""
    return lambda address: any(glob_matches(p, address) for p in patterns)


def select(plan: Plan, patterns: Sequence[str]) -> Plan:
    """The plan restricted to the changes whose address matches one of ``patterns``."""
    if not patterns:
        return plan
    matches = address_matcher(patterns)
    changes = tuple(c for c in plan.changes if matches(c.address))
    return plan.with_changes(changes)
