"""``--target ADDRESS`` selection: which changes of a plan a run acts on. Pure.

Patterns take ``*`` (any run of characters) and ``?`` (one character) only; everything else
is literal, brackets included, since addresses contain them (``previews.api[shop/pr-1]``).
Matching is case-insensitive, like Qovery's names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .plans import Plan


def address_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """A predicate that is true for an address matched by any of ``patterns``."""
    regexes = [_compile(p) for p in patterns]
    return lambda address: any(r.fullmatch(address) for r in regexes)


def _compile(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def select(plan: Plan, patterns: Sequence[str]) -> Plan:
    """The plan restricted to the changes whose address matches one of ``patterns``."""
    if not patterns:
        return plan
    matches = address_matcher(patterns)
    changes = tuple(c for c in plan.changes if matches(c.address))
    return plan.with_changes(changes)
