"""``--target ADDRESS`` selection: which changes of a plan a run acts on. Pure.

Patterns take ``*`` (any run of characters) and ``?`` (one character) only; everything else
is literal, brackets included, since addresses contain them (``previews.api[shop/pr-1]``).
Matching is case-insensitive, like Qovery's names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from reconciler.core.desired import glob_matches
from reconciler.core.plans import Plan


def address_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """A predicate that is true for an address matched by any of ``patterns``."""
    return lambda address: any(glob_matches(p, address) for p in patterns)


def select(plan: Plan, patterns: Sequence[str]) -> Plan:
    """The plan restricted to the changes whose address matches one of ``patterns``.

    A pattern that matches no address is noted on the plan (a typo must not read as
    "No changes"), as a selector that matches no environment is.
    """
    if not patterns:
        return plan
    matches = address_matcher(patterns)
    changes = tuple(c for c in plan.changes if matches(c.address))
    unmatched = [p for p in patterns if not any(glob_matches(p, c.address) for c in plan.changes)]
    notes = tuple(f"--target {p!r} matched no address" for p in dict.fromkeys(unmatched))
    return replace(plan.with_changes(changes), notes=plan.notes + notes)
