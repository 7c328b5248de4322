"""What a round of ``reconcile`` (or an ``apply``) tells the outside world, as values. Pure.

From a plan and the executor's outcomes: each clone's state after the round (``clone_rows``:
``in_sync``, ``drifted``, ``missing``, ``conflict``, ``expired``, with its last action and
result), and the events of contract section 14 (``events_of_round``): ``created``,
``updated``, ``deleted``, ``failed``, ``conflict``, ``drift``, and ``round_failed`` for a
round that could not run. ``expired`` and ``expiring`` belong to expiry (section 13): an
outcome whose action is ``expire`` becomes ``expired``; the clones that expire within their
manifest's warning (``expiry.expiring_soon``, chosen by the command, which knows the
policies) become ``expiring``.

``Deduplicator`` sends each event once per clone and state while the loop runs: it keeps
the last state sent for each address (the round's, for ``round_failed``) and lets through
only what changed, so a long loop does not repeat ``drift`` every round for the same drift;
once the clone is back in sync, the same drift found again is news again. ``expiring`` has a
slot of its own per clone (a clone may be drifted and expiring at once), news again once a
round that ran did not find the clone expiring.

Neighbours: ``edges.notifying`` (delivers events), ``edges.metrics`` and
``rendering.status_page`` (read ``clone_rows``), ``commands.reconcile`` and
``commands.apply`` (call them after each round).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.core.model import JSON
from reconciler.core.outcomes import ApplyResult, Outcome, Result
from reconciler.core.plan_documents import drift_document
from reconciler.core.plans import Action, Change, Plan

ROUND = "(round)"  # the address of round-wide events


class CloneState(StrEnum):
    """Where a clone stands after a round (the ``reconciler_clones{state}`` label)."""

    IN_SYNC = "in_sync"
    DRIFTED = "drifted"
    MISSING = "missing"
    CONFLICT = "conflict"
    EXPIRED = "expired"


class EventKind(StrEnum):
    """The events of contract section 14."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    EXPIRED = "expired"
    FAILED = "failed"
    CONFLICT = "conflict"
    DRIFT = "drift"
    EXPIRING = "expiring"
    ROUND_FAILED = "round_failed"


_DONE: dict[str, EventKind] = {
    Action.CREATE: EventKind.CREATED,
    Action.UPDATE: EventKind.UPDATED,
    Action.DELETE: EventKind.DELETED,
    "expire": EventKind.EXPIRED,
}


@dataclass(frozen=True)
class Event:
    """One notification: ``at`` is the RFC 3339 time it was found."""

    event: EventKind
    at: str
    manifest: str | None = None
    address: str | None = None
    action: str | None = None
    result: str | None = None
    message: str = ""
    drift: tuple[Mapping[str, JSON], ...] = ()

    def document(self) -> dict[str, JSON]:
        """The JSON body of the event (contract section 14)."""
        return {
            "event": self.event.value,
            "at": self.at,
            "manifest": self.manifest,
            "address": self.address,
            "action": self.action,
            "result": self.result,
            "message": self.message,
            "drift": [dict(item) for item in self.drift],
        }

    def summary(self) -> str:
        """One line for a person (Slack's ``text``)."""
        where = f" {self.address}" if self.address else ""
        what = f" ({self.action}: {self.result})" if self.action else ""
        paths = ", ".join(str(item.get("path")) for item in self.drift)
        tail = f" drifted: {paths}" if paths else ""
        message = f" {self.message}" if self.message else ""
        return f"reconciler {self.event.value}:{where}{what}{message}{tail}".strip()


@dataclass(frozen=True)
class CloneRow:
    """One clone as a round left it: for the status page and the ``clones`` gauge."""

    address: str
    manifest: str
    change: Change
    state: CloneState
    action: str
    result: str
    message: str = ""
    expires_at: str | None = None


def _state_after(change: Change, outcome: Outcome | None) -> CloneState:
    done = outcome is not None and outcome.result == Result.OK
    if change.action is Action.CONFLICT or (outcome and outcome.result == Result.CONFLICT):
        return CloneState.CONFLICT
    if change.action is Action.CREATE:
        return CloneState.IN_SYNC if done else CloneState.MISSING
    if str(change.action) == "expire":
        return CloneState.EXPIRED if done else CloneState.IN_SYNC
    if change.action is Action.UPDATE:
        return CloneState.IN_SYNC if done or not change.drift else CloneState.DRIFTED
    return CloneState.DRIFTED if change.drift else CloneState.IN_SYNC


def clone_rows(plan: Plan, result: ApplyResult | None) -> tuple[CloneRow, ...]:
    """Every declared clone of ``plan`` (deletes excluded: no longer declared), as the round
    left it; ``result`` is ``None`` for a round that wrote nothing."""
    outcomes = {(o.address, o.action): o for o in (result.outcomes if result is not None else ())}
    rows = []
    for change in plan.changes:
        if change.action is Action.DELETE:
            continue
        outcome = outcomes.get((change.address, change.action))
        rows.append(
            CloneRow(
                address=change.address,
                manifest=change.manifest,
                change=change,
                state=_state_after(change, outcome),
                action=str(change.action),
                result=_result_of(change, outcome, applied=result is not None),
                message=outcome.message if outcome is not None else change.reason,
                expires_at=getattr(change, "expires_at", None),
            )
        )
    return tuple(rows)


def _result_of(change: Change, outcome: Outcome | None, *, applied: bool) -> str:
    """The outcome's result; ``ok`` for a noop of a round that applied (nothing to do, done);
    ``planned`` for a change the round did not get to."""
    if outcome is not None:
        return str(outcome.result)
    return "ok" if applied and change.action is Action.NOOP else "planned"


def state_counts(rows: Iterable[CloneRow]) -> dict[CloneState, int]:
    """How many clones are in each state (every state present, 0 where none)."""
    counts = dict.fromkeys(CloneState, 0)
    for row in rows:
        counts[row.state] += 1
    return counts


def events_of_round(
    plan: Plan,
    result: ApplyResult | None,
    drifted: Sequence[Change],
    at: str,
    expiring: Sequence[Change] = (),
) -> tuple[Event, ...]:
    """The events of one round: each outcome that did something or failed, each clone whose
    drift is only reported, and each clone of ``expiring`` (``expiry.expiring_soon``)."""
    manifests = {change.address: change.manifest for change in plan.changes}
    events = [
        event
        for outcome in (result.outcomes if result is not None else ())
        if (event := _outcome_event(outcome, manifests.get(outcome.address), at)) is not None
    ]
    events.extend(
        _change_event(
            EventKind.DRIFT,
            change,
            at,
            result="reported",
            message=change.reason,
            drift=tuple(drift_document(item) for item in change.drift),
        )
        for change in drifted
    )
    events.extend(expiring_event(change, change.expires_at or "", at) for change in expiring)
    return tuple(events)


def _change_event(
    kind: EventKind,
    change: Change,
    at: str,
    *,
    result: str,
    message: str,
    drift: tuple[Mapping[str, JSON], ...] = (),
) -> Event:
    """An event about one clone of the plan."""
    return Event(
        kind,
        at,
        manifest=change.manifest,
        address=change.address,
        action=str(change.action),
        result=result,
        message=message,
        drift=drift,
    )


def _outcome_event(outcome: Outcome, manifest: str | None, at: str) -> Event | None:
    if outcome.result == Result.OK:
        kind = _DONE.get(outcome.action)
    elif outcome.result == Result.FAILED:
        kind = EventKind.FAILED
    elif outcome.result == Result.CONFLICT:
        kind = EventKind.CONFLICT
    else:
        kind = None  # skipped: the run was stopped, nothing happened to it
    if kind is None:
        return None
    return Event(
        kind,
        at,
        manifest=manifest,
        address=outcome.address,
        action=str(outcome.action),
        result=str(outcome.result),
        message=outcome.message,
    )


def settled(rows: Iterable[CloneRow], events: Iterable[Event]) -> tuple[str, ...]:
    """The addresses in sync after a round that sent them nothing, and ``ROUND`` (the round
    ran): their next event is news again (``Deduplicator.fresh``)."""
    spoken = {event.address for event in events}
    quiet = (r.address for r in rows if r.state is CloneState.IN_SYNC and r.address not in spoken)
    return (*quiet, ROUND)


def round_failed_event(message: str, at: str) -> Event:
    """A round that could not run (the API down, a bad manifest edit)."""
    return Event(EventKind.ROUND_FAILED, at, address=None, result="error", message=message)


def expiring_event(change: Change, expires_at: str, at: str) -> Event:
    """A temporary clone that expires within its manifest's warning (section 13)."""
    return _change_event(
        EventKind.EXPIRING, change, at, result="expiring", message=f"expires at {expires_at}"
    )


@dataclass
class Deduplicator:
    """Lets each event through once per clone and state while a loop runs."""

    _last: dict[str, str] = field(default_factory=dict)

    def fresh(self, events: Iterable[Event], settled: Iterable[str] = ()) -> tuple[Event, ...]:
        """The events whose state differs from the last one sent for their address.

        ``settled``: addresses now back in sync (and ``ROUND`` after a round that ran), whose
        next event is news again.
        """
        settled = tuple(settled)
        for address in settled:
            self._last.pop(address, None)
        events = tuple(events)
        if ROUND in settled:  # a round ran: a clone it did not find expiring is news again
            soon = {_slot(e) for e in events if e.event is EventKind.EXPIRING}
            for key in [k for k in self._last if k.endswith(_EXPIRING) and k not in soon]:
                del self._last[key]
        news = []
        for event in events:
            key = _slot(event)
            state = _state_key(event)
            if self._last.get(key) != state:
                self._last[key] = state
                news.append(event)
        return tuple(news)


_EXPIRING = "\x00expiring"


def _slot(event: Event) -> str:
    """Where the last state sent of ``event``'s kind is kept: its address (``ROUND`` for a
    round's), and a slot of its own for ``expiring``, which a clone may be beside any other
    state (drifted and expiring: each is told once, not the two in turn every round)."""
    address = event.address or ROUND
    return address + _EXPIRING if event.event is EventKind.EXPIRING else address


def _state_key(event: Event) -> str:
    """What makes an event the same as the last one: its kind, result and drift (its
    message only for a failure, whose message names what failed)."""
    failure = event.event in (EventKind.FAILED, EventKind.ROUND_FAILED)
    parts = [event.event.value, event.result, event.message if failure else "", event.drift]
    return json.dumps(parts, sort_keys=True, default=str)
