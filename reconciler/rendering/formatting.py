"""Small formatting helpers shared by the text and markdown views.

Values, the summary and footprint lines, and how one field reads (contract section 17,
Terraform's order): a field apply sets is ``before → after``; drift made behind the
reconciler's back is ``actual, declared expected``.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson

from reconciler.core.expiry import expires_text, parse_instant
from reconciler.core.plans import Change, DriftItem, FieldUpdate, Footprint, Origin, Plan, Summary

MAX_VALUE_LENGTH = 80


def format_value(value: Any) -> str:
    """A drift value, short and unambiguous: JSON, "(absent)" for None, cut when long."""
    if value is None:
        return "(absent)"
    kind = type(value)
    if kind is int:  # what the standard encoder writes of an int: its repr
        text = int.__repr__(value)
    elif kind is str:
        text = _quoted(value)
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_VALUE_LENGTH:
        text = text[: MAX_VALUE_LENGTH - 1] + "…"
    return text


def _quoted(text: str) -> str:
    """``json.dumps(text, ensure_ascii=False)``, by orjson: the same text for every code point
    (``tests/rendering/test_formatting.py``); orjson refuses a lone surrogate, which goes
    through the standard encoder."""
    try:
        return orjson.dumps(text).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(text, ensure_ascii=False)


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
    if not change.expires_at:
        return ""
    moment = parse_instant(now)
    text = expires_text(change.expires_at, moment) if moment else None
    return f" ({text})" if text else ""


def drift_line(summary: Summary) -> str:
    """``Drift: N drifted, N missing.``, with ``; N conflicts`` when there are any."""
    conflicts = summary.conflict
    tail = f"; {conflicts} conflict{'' if conflicts == 1 else 's'}" if conflicts else ""
    return f"Drift: {summary.drifted} drifted, {summary.missing} missing{tail}."


def no_drift_line(*, pending: bool) -> str:
    """``No drift.``: and, when no declaration is pending either, every clone matches."""
    tail = "." if pending else " and matches its manifest."
    return f"No drift. Every declared clone exists{tail}"


def pending_line(count: int) -> str:
    """What ``drift`` says of clones whose changed declaration is still to apply."""
    clones = "clone has" if count == 1 else "clones have"
    return (
        f"{count} {clones} a changed declaration (the manifest or its source) that apply "
        "has not made yet; not drift:"
    )


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


def footprint_line(footprint: Footprint) -> str:
    """``Footprint: +2.50 vCPU, +1.0 GiB, +6 instances`` (signed: a plan can free resources)."""
    instances = footprint.instances
    return (
        f"Footprint: {footprint.cpu_millicores / 1000:+.2f} vCPU, "
        f"{_gib(footprint.memory_mb)} GiB, "
        f"{instances:+d} instance{'' if abs(instances) == 1 else 's'}"
    )


def _gib(megabytes: int) -> str:
    """Signed GiB to one decimal, halves rounded away from zero (2,304 MB: ``+2.3``, where
    the float format's half-to-even would say ``+2.2``)."""
    gib = (Decimal(megabytes) / 1024).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{gib:+.1f}"


def update_text(update: FieldUpdate) -> str:
    """A field apply sets, Terraform's way: ``memory: 128 → 192 (override)``."""
    return (
        f"{update.path}: {format_value(update.before)} → {format_value(update.after)} "
        f"({update.origin.value})"
    )


def created_text(update: FieldUpdate) -> str:
    """A field a new clone gets: ``memory: 256``, or ``cpu: 500 (source)`` when it comes from
    the source rather than the overrides (listed with ``-v``)."""
    origin = " (source)" if update.origin is Origin.SOURCE else ""
    return f"{update.path}: {format_value(update.after)}{origin}"


def drift_text(item: DriftItem) -> str:
    """``memory: 1024, declared 256 (override)``: what is there, and what the manifest says."""
    return (
        f"{item.path}: {format_value(item.actual)}, declared {format_value(item.expected)} "
        f"({item.origin.value})"
    )


def created_fields(change: Change, *, every: bool) -> tuple[FieldUpdate, ...]:
    """What a create lists: the fields from overrides, or with ``every`` (``-v``) all."""
    return tuple(u for u in change.updates if every or u.origin is Origin.OVERRIDE)


DRIFT_HEADING = "drifted outside the reconciler (actual, declared):"
CORRECTS_HEADING = "corrects drift made outside the reconciler:"
