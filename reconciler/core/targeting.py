"""``--target ADDRESS`` selection: which changes of a plan a run acts on. Pure.

Patterns take ``*`` (any run of characters) and ``?`` (one character) only; everything else
is literal, brackets included, since addresses contain them (``previews.api[shop/pr-1]``).
Matching is case-insensitive, like Qovery's names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reconciler.core.desired import glob_matches
from reconciler.core.errors import UsageError
from reconciler.core.plans import Plan
from reconciler.core.suggesting import closest


def address_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """A predicate that is true for an address matched by any of ``patterns``."""
    return lambda address: any(glob_matches(p, address) for p in patterns)


def select(plan: Plan, patterns: Sequence[str]) -> Plan:
    """The plan restricted to the changes whose address matches one of ``patterns``.

    A pattern that matches no address is an error (contract section 17: a typo must never
    read as "No changes") naming the closest addresses, so nothing is planned or applied.
    """
    if not patterns:
        return plan
    matches = address_matcher(patterns)
    addresses = sorted({c.address for c in plan.changes}, key=lambda a: (a.casefold(), a))
    unmatched = [p for p in patterns if not any(glob_matches(p, a) for a in addresses)]
    if unmatched:
        raise UsageError(
            "\n".join(unmatched_message(p, addresses) for p in dict.fromkeys(unmatched))
        )
    return plan.with_changes(tuple(c for c in plan.changes if matches(c.address)))


SHOWN_ADDRESSES = 5


def unmatched_message(pattern: str, addresses: Sequence[str]) -> str:
    """``--target 'x' matches no address``, with the closest addresses (sorted) or some."""
    if not addresses:
        return f"--target {pattern!r} matches no address: the plan has none"
    close = sorted(closest(pattern, addresses), key=lambda a: (a.casefold(), a))
    if close:
        return f"--target {pattern!r} matches no address; the closest: " + ", ".join(close)
    shown = ", ".join(addresses[:SHOWN_ADDRESSES])
    more = (
        f" (and {len(addresses) - SHOWN_ADDRESSES} more)"
        if len(addresses) > SHOWN_ADDRESSES
        else ""
    )
    return f"--target {pattern!r} matches no address; the plan's addresses: {shown}{more}"
