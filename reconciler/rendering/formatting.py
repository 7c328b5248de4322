"""Small formatting helpers shared by the text and markdown views."""

from __future__ import annotations

import json
from typing import Any

from reconciler.core.expiry import expires_text, parse_instant
from reconciler.core.plans import Change, Plan, Summary

MAX_VALUE_LENGTH = 80


def format_value(value: Any) -> str:
    """A drift value, short and unambiguous: JSON, "(absent)" for None, cut when long."""
    if value is None:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_VALUE_LENGTH:
        text = text[: MAX_VALUE_LENGTH - 1] + "…"
    return text


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary_line(summary: Summary) -> str:
    """``Plan: N to create, N to update, N to delete, N conflicts; N drifted, N missing.``"""
    return (
        f"Plan: {summary.create} to create, {summary.update} to update, "
        f"{summary.delete} to delete, {_plural(summary.conflict, 'conflict', 'conflicts')}; "
        f"{summary.drifted} drifted, {summary.missing} missing"
        + (f"; {summary.expire} to expire." if summary.expire else ".")
    )


def expiry_suffix(change: Change, now: str | None) -> str:
    """`` (expires in 5h 12m)`` for a temporary clone of a plan made at ``now``, else ``""``."""
    moment = parse_instant(now)
    text = expires_text(change.expires_at, moment) if moment and change.expires_at else None
    return f" ({text})" if text else ""


def drift_line(summary: Summary) -> str:
    """``Drift: N drifted, N missing.``, with ``; N conflicts`` when there are any."""
    conflicts = summary.conflict
    tail = f"; {conflicts} conflict{'' if conflicts == 1 else 's'}" if conflicts else ""
    return f"Drift: {summary.drifted} drifted, {summary.missing} missing{tail}."


def has_nothing_to_show(plan: Plan) -> bool:
    """No change to make, no conflict, no drift: "No changes."."""
    s = plan.summary
    return not (
        s.create or s.update or s.delete or s.conflict or s.drifted or s.missing or s.expire
    )


def no_changes_line(plan: Plan) -> str:
    """What to say when there is nothing to do; an empty declaration says so."""
    if not plan.changes:
        return "No changes. The manifests declare no clone."
    return "No changes. Every clone matches its manifest."
