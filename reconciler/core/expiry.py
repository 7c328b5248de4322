"""Expiry: when a temporary clone goes away (contract section 13). Pure; the clock is passed in.

The small language of ``policy.expire_after`` and ``policy.expiry_warning`` (``90m``,
``12h``, ``7d``: ``parse_duration``), of ``targets[].until`` (an ISO 8601 date or date-time:
``parse_instant``; a date means its midnight UTC, a date-time without an offset is UTC),
and the decision planning asks for each owned clone (``decide``):

- a clone marked ``[reconciler: keep]`` (``ownership.KEEP_LINE``) never expires;
- its *activity* is the ``active`` time its marker records (its creation, or the last write
  because its declaration changed), else the application's ``created_at``;
- past ``activity + expire_after`` it is expired: the action ``expire`` stops it and marks
  it (``expired: <time>`` in the marker);
- an expired clone stays stopped while its declaration (the marker's ``applied`` digest) is
  unchanged: a ``noop``, whatever drift or deploy it would otherwise want; a changed
  declaration wakes it (an update whose write restarts its activity).

No state file: everything lives in the marker (``ownership``). ``now`` is never read here;
``pipeline`` passes the API's clock in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from reconciler.core.change_copies import with_fields
from reconciler.core.model import CloneSet, Policy
from reconciler.core.ownership import (
    Owner,
    description_of,
    has_keep_line,
    marker_of,
    read_marker,
    with_marker,
)
from reconciler.core.plans import Action, Change, Step
from reconciler.core.reasons import Because, Reason, text_of

_DURATION = re.compile(r"(?P<count>[0-9]{1,6})(?P<unit>[mhd])")
_UNITS = {"m": 60, "h": 3600, "d": 86400}


# ── the small languages ─────────────────────────────────────────────────────────────────


def duration_problem(text: object) -> str | None:
    """Why ``text`` is not a duration (``90m``, ``12h``, ``7d``), or ``None`` when it is."""
    if isinstance(text, str) and (found := _DURATION.fullmatch(text)) and int(found["count"]) > 0:
        return None
    return (
        f"{text!r} is not a duration: write a positive whole number and one unit, "
        "m (minutes), h (hours) or d (days), e.g. 90m, 12h, 7d"
    )


def parse_duration(text: str) -> int:
    """The seconds of a duration; ``ValueError`` (``duration_problem``'s message) otherwise."""
    problem = duration_problem(text)
    found = _DURATION.fullmatch(text)
    if problem or found is None:
        raise ValueError(problem)
    return int(found["count"]) * _UNITS[found["unit"]]


def parse_instant(text: object) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC instant; ``None`` when it is neither."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def until_problem(text: object) -> str | None:
    """Why ``text`` is not a valid ``until``, or ``None`` when it is."""
    if parse_instant(text) is not None:
        return None
    return (
        f"until {text!r} is not an ISO 8601 date or date-time "
        "(e.g. 2026-12-31 or 2026-12-31T18:00:00Z)"
    )


def iso(moment: datetime) -> str:
    """An instant as the marker and the plan write it: ``2026-12-07T06:00:00Z``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def remaining_text(seconds: float) -> str:
    """``5h 12m``, ``3d 4h``, ``12m``; ``under a minute``; ``now`` when due."""
    if seconds <= 0:
        return "now"
    minutes = int(seconds // 60)
    if minutes == 0:
        return "under a minute"
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def is_past(until: str | None, now: datetime) -> bool:
    """Whether a target's ``until`` has come (a malformed one never has: validation says so)."""
    moment = parse_instant(until)
    return moment is not None and moment <= now


# ── the decision ────────────────────────────────────────────────────────────────────────


def is_temporary(policy: Policy) -> bool:
    return policy.expire_after is not None


def active_for_write(
    policy: Policy, target: Mapping[str, Any] | None, digest: str, now: datetime
) -> str | None:
    """The ``active`` time the marker of a write records: ``now`` for a new clone or a
    changed declaration, else what the marker held (drift corrected is no new activity)."""
    if not is_temporary(policy):
        return None
    owner = marker_of(target) if target is not None else None
    if owner is None or owner.applied != digest or owner.expired:
        return iso(now)
    return owner.active


def due_after(activity: datetime, seconds: int) -> datetime | None:
    """When a clone active at ``activity`` expires; ``None`` past the calendar's end (a
    far-future time in a marker or a ``created_at`` edited by hand): it never expires."""
    try:
        return activity + timedelta(seconds=seconds)
    except OverflowError:
        return None


def activity_of(owner: Owner, target: Mapping[str, Any]) -> datetime | None:
    """When the clone was last active: its marker's ``active``, else its ``created_at``."""
    return parse_instant(owner.active) or parse_instant(target.get("created_at"))


def decide(
    change: Change, policy: Policy, target: Mapping[str, Any] | None, digest: str, now: datetime
) -> Change:
    """``change`` (planned as if nothing expired) with expiry applied; see the module doc."""
    if policy.expire_after is None or change.action not in (
        Action.CREATE,
        Action.UPDATE,
        Action.NOOP,
    ):
        return change
    lifetime = timedelta(seconds=policy.expire_after)
    if target is None or change.action is Action.CREATE:
        return with_fields(change, expires_at=iso(now + lifetime))
    owner = marker_of(target)
    if not change.owned or owner is None or has_keep_line(description_of(target)):
        return change  # adopted or finished: its write starts its activity, shown next time
    changed = owner.applied is not None and owner.applied != digest
    if owner.expired and changed:  # woken: written again, its activity starts again
        steps = change.steps if Step.EDIT in change.steps else (Step.EDIT, *change.steps)
        why = (Because.of(Reason.DECLARATION_CHANGED), *change.why[1:])
        return with_fields(
            change,
            action=Action.UPDATE,
            steps=steps,
            why=why,
            reason=text_of(why),
            expires_at=iso(now + lifetime),
        )
    if owner.expired:
        why = (Because.of(Reason.EXPIRED_STAYS, expired=owner.expired),)
        return _quiet(change, Action.NOOP, why, expires_at=owner.expired)
    if changed and Step.EDIT in change.steps:  # the write starts its activity again
        return with_fields(change, expires_at=iso(now + lifetime))
    due = due_after(activity_of(owner, target) or now, policy.expire_after)
    if due is None:
        return change
    if due > now:
        return with_fields(change, expires_at=iso(due))
    marked = replace(owner, clone_id=str(target.get("id", "")), expired=iso(now))
    why = (Because.of(Reason.EXPIRED, after=_shown(policy.expire_after)),)
    return _quiet(
        change,
        Action.EXPIRE,
        why,
        expires_at=iso(due),
        steps=(Step.STOP,),
        description=with_marker(description_of(target), marked),
    )


def timeless(description: str | None) -> str | None:
    """``description`` with its marker's ``active`` and ``expired`` times left out: what a
    saved plan and a fresh one must agree on (their clocks differ by the time between)."""
    owner = read_marker(description)
    if owner is None or not (owner.active or owner.expired):
        return description
    plain = replace(owner, active=None, expired=None)
    return with_marker(description, plain, keep=has_keep_line(description))


def _quiet(
    change: Change,
    action: Action,
    why: tuple[Because, ...],
    *,
    expires_at: str,
    steps: tuple[Step, ...] = (),
    description: str | None = None,
) -> Change:
    """A change that writes no configuration (drift stays reported, never corrected); an
    expired clone's is its stop (``steps``) and its marker (``description``)."""
    return with_fields(
        change,
        action=action,
        steps=steps,
        desired={},
        description=description,
        why=why,
        reason=text_of(why),
        expires_at=expires_at,
    )


def _shown(seconds: int) -> str:
    """A duration as a manifest would write it: ``7d``, ``24h``, ``90m``."""
    if seconds % 86400 == 0 and seconds >= 2 * 86400:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def expires_text(expires_at: str | None, now: datetime) -> str | None:
    """``expires in 5h 12m`` (``expired`` when past), or ``None`` for a clone that never does."""
    moment = parse_instant(expires_at)
    if moment is None:
        return None
    if moment <= now:
        return "expired"
    return f"expires in {remaining_text((moment - now).total_seconds())}"


def expiring_soon(
    changes: Sequence[Change], policies: Mapping[str, Policy], now: datetime
) -> tuple[tuple[Change, datetime], ...]:
    """The clones that expire within their manifest's ``expiry_warning``, each with its end:
    not yet due, and not expired by this plan (the ``expiring`` notes and events)."""
    soon = []
    for change in changes:
        moment = parse_instant(change.expires_at)
        policy = policies.get(change.manifest)
        if change.action is Action.EXPIRE or moment is None or moment <= now or policy is None:
            continue
        if moment - now <= timedelta(seconds=policy.expiry_warning):
            soon.append((change, moment))
    return tuple(soon)


def expiry_notes(
    changes: Sequence[Change], policies: Mapping[str, Policy], now: datetime
) -> tuple[str, ...]:
    """One note per manifest listing its clones that expire within its ``expiry_warning``."""
    soon: dict[str, list[str]] = {}
    for change, moment in expiring_soon(changes, policies, now):
        text = remaining_text((moment - now).total_seconds())
        soon.setdefault(change.manifest, []).append(f"{change.address} in {text}")
    return tuple(
        f"{manifest}: {len(items)} clone{'' if len(items) == 1 else 's'} expire within "
        f"{_shown(policies[manifest].expiry_warning)} (policy.expiry_warning): {', '.join(items)}"
        for manifest, items in sorted(soon.items())
    )


def current_targets(
    clonesets: Sequence[CloneSet], now: datetime
) -> tuple[tuple[CloneSet, ...], tuple[str, ...]]:
    """The manifests without the targets whose ``until`` has come, and a note for each."""
    kept: list[CloneSet] = []
    notes: list[str] = []
    for cloneset in clonesets:
        live = tuple(t for t in cloneset.targets if not is_past(t.until, now))
        for target in cloneset.targets:
            if target not in live:
                what = target.environment or f"match {target.match!r}"
                fate = "prune: true deletes them" if cloneset.policy.prune else "prune is off"
                notes.append(
                    f"{cloneset.name}: target {what} is past its until ({target.until}): "
                    f"its clones are no longer declared ({fate})"
                )
        kept.append(
            replace(cloneset, targets=live) if len(live) != len(cloneset.targets) else cloneset
        )
    return tuple(kept), tuple(notes)
