"""The JSON-lines log of ``reconciler reconcile``: one JSON object per line, flushed at once.

Every line holds ``ts`` (RFC 3339, UTC, milliseconds), ``level`` (``info``, ``warning``,
``error``: ``level_of``), ``event`` and the event's fields (``level`` left out below)::

    {"ts": "2026-08-20T12:00:00.123Z", "level": "info", "event": "round_start", "round": 1}
    {"ts": "…", "event": "plan", "round": 1, "summary": {"create": 2, …}, "notes": []}
    {"ts": "…", "event": "drift", "round": 1, "address": "…", "drift": [{"path": …}]}
    {"ts": "…", "event": "change", "round": 1, "address": "…", "action": "create",
     "result": "ok", "message": "…", "duration_s": 1.234}
    {"ts": "…", "event": "error", "round": 1, "kind": "ApiError", "message": "…"}
    {"ts": "…", "event": "round_end", "round": 1, "counts": {…}, "exit_code": 0,
     "duration_s": 2.5, "requests": {"total": 12, "by_method": {…}, "by_status": {…}}}
    {"ts": "…", "event": "stopped", "reason": "signal", "rounds": 7}

A ``change`` line of a corrected drift holds ``overwrote``: each field's ``path``, the
``actual`` value it held and the ``expected`` one written over it. Other lines:
``listening`` (``--listen``), ``budget_wait`` (why the next round waits), ``notify_failed``
(a notification given up) and ``metrics_file_failed``.

``EventLog`` is safe to call from the executor's worker threads (one lock, one write and one
flush per line, so lines never interleave) and replaces any string it was told is secret by
``***`` before writing: the token never reaches the log even by accident. The helpers below
turn a plan's pieces and the executor's outcomes into event fields; ``ReconcileJSON`` is
reconcile's view (``ReconcileView``: one method per event, and ``progress`` for the
executor's hook); this module computes nothing else and calls no API.

Neighbours: ``commands.reconcile`` (the only writer), ``plans`` (Change, Summary, and the
drift as JSON), ``json_document`` (an outcome as JSON).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

from reconciler.core.outcomes import ApplyResult, Outcome, Phase
from reconciler.core.plan_documents import drift_document
from reconciler.core.plans import Action, Change, Plan
from reconciler.rendering.json_document import outcome_document
from reconciler.rendering.streams import Streams

REDACTED = "***"


def rfc3339_now() -> str:
    """The current UTC time as RFC 3339 with milliseconds: ``2026-08-20T12:00:00.123Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EventLog:
    """Writes one JSON object per line to ``out`` and flushes after each line."""

    def __init__(
        self,
        out: TextIO,
        *,
        secrets: Iterable[str] = (),
        clock: Callable[[], str] = rfc3339_now,
    ) -> None:
        self._out = out
        self._secrets: tuple[str, ...] = ()
        self._clock = clock
        self._lock = threading.Lock()
        self.add_secrets(secrets)

    def __repr__(self) -> str:  # never the secrets
        return f"EventLog(secrets={len(self._secrets)})"

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Also replace these strings by ``***`` in every line written from now on."""
        with self._lock:
            known = {*self._secrets, *(s for s in secrets if s)}
            self._secrets = tuple(sorted(known, key=len, reverse=True))

    def write(self, event: str, level: str | None = None, **fields: Any) -> None:
        """Write ``{"ts", "level", "event", **fields}`` as one line, then flush; the level is
        the event's own (``level_of``) unless given."""
        level = level or level_of(event, fields)
        record = {"ts": self._clock(), "level": level, "event": event, **fields}
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            for secret in self._secrets:
                line = line.replace(secret, REDACTED)
            self._out.write(line + "\n")
            self._out.flush()


def level_of(event: str, fields: Mapping[str, Any]) -> str:
    """``error`` for a round that could not run and a failed change; ``warning`` for a
    conflict, a skipped change, reported drift and a round that did not do all it should;
    else ``info``."""
    if event == "error" or (event == "change" and fields.get("result") == "failed"):
        return "error"
    if event == "drift" or (event == "change" and fields.get("result") in ("conflict", "skipped")):
        return "warning"
    if event == "round_end" and fields.get("exit_code", 0) != 0:
        return "warning"
    return "info"


def overwritten(change: Change) -> list[dict[str, Any]]:
    """What correcting ``change``'s drift overwrote: each field's path, the value it held
    (``actual``) and the declared one written over it (``expected``)."""
    return [
        {"path": item.path, "expected": item.expected, "actual": item.actual}
        for item in change.drift
    ]


def plan_fields(plan: Plan) -> dict[str, Any]:
    """The fields of a ``plan`` event: the summary counts and the plan's notes."""
    return {"summary": plan.summary.as_dict(), "notes": list(plan.notes)}


def drift_fields(change: Change) -> dict[str, Any]:
    """The fields of a ``drift`` event: the address and every drifted field."""
    return {"address": change.address, "drift": [drift_document(item) for item in change.drift]}


def change_fields(outcome: Outcome) -> dict[str, Any]:
    """The fields of a ``change`` event: what happened to one change, and how long it took."""
    return outcome_document(outcome, for_log=True)


def error_fields(exc: BaseException) -> dict[str, Any]:
    """The fields of an ``error`` event: the error's kind and its one clear message."""
    return {"kind": type(exc).__name__, "message": str(exc)}


def round_end_fields(
    counts: Mapping[str, int], exit_code: int, duration_s: float
) -> dict[str, Any]:
    """The fields of a ``round_end`` event."""
    return {"counts": dict(counts), "exit_code": exit_code, "duration_s": round(duration_s, 3)}


# ── reconcile's view ──────────────────────────────────────────────────────────────────────


class RoundProgress(Protocol):
    """The executor's progress hook during one round, and the outcomes it did not announce."""

    def started(self, change: Change) -> None: ...

    def step(self, change: Change, step: Phase) -> None: ...

    def finished(self, outcome: Outcome) -> None: ...

    def log_unreported(self, result: ApplyResult) -> None: ...


class ReconcileView(Protocol):
    """What ``reconciler reconcile`` shows: one method per event of a round."""

    def add_secrets(self, secrets: Iterable[str]) -> None: ...

    def round_start(self, number: int) -> None: ...

    def plan(self, number: int, plan: Plan) -> None: ...

    def drift(self, number: int, change: Change) -> None: ...

    def progress(self, number: int) -> RoundProgress: ...

    def error(self, number: int, exc: BaseException, *, internal: bool = False) -> None: ...

    def round_end(
        self,
        number: int,
        counts: Mapping[str, int],
        exit_code: int,
        duration_s: float,
        *,
        interrupted: bool,
        requests: Mapping[str, object] | None = None,
    ) -> None: ...

    def event(self, event: str, level: str | None = None, **fields: Any) -> None: ...


class ReconcileJSON:
    """The JSON-lines log on stdout."""

    def __init__(self, streams: Streams) -> None:
        self.log = EventLog(streams.out)
        self._drift: dict[tuple[str, Action], list[dict[str, Any]]] = {}

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self.log.add_secrets(secrets)

    def round_start(self, number: int) -> None:
        self.log.write("round_start", round=number)

    def plan(self, number: int, plan: Plan) -> None:
        self._drift = {(c.address, c.action): overwritten(c) for c in plan.changes if c.drift}
        self.log.write("plan", round=number, **plan_fields(plan))

    def drift(self, number: int, change: Change) -> None:
        self.log.write("drift", round=number, **drift_fields(change))

    def progress(self, number: int) -> RoundProgress:
        return LogProgress(self.log, number, self._drift)

    def error(self, number: int, exc: BaseException, *, internal: bool = False) -> None:
        if internal:  # a bug: its kind is not the user's business, its message is
            fields = {
                "kind": "InternalError",
                "message": f"internal error: {type(exc).__name__}: {exc}",
            }
        else:
            fields = error_fields(exc)
        self.log.write("error", round=number, **fields)

    def round_end(
        self,
        number: int,
        counts: Mapping[str, int],
        exit_code: int,
        duration_s: float,
        *,
        interrupted: bool,
        requests: Mapping[str, object] | None = None,
    ) -> None:
        fields = round_end_fields(counts, exit_code, duration_s)
        if interrupted:
            fields["interrupted"] = True
        if requests is not None:
            fields["requests"] = dict(requests)
        self.log.write("round_end", round=number, **fields)

    def event(self, event: str, level: str | None = None, **fields: Any) -> None:
        """Any other line: ``listening``, ``budget_wait``, ``notify_failed``, ``stopped``."""
        self.log.write(event, level, **fields)


class LogProgress:
    """The executor's progress hook: one ``change`` line per finished change, live."""

    def __init__(
        self,
        log: EventLog,
        number: int,
        drift: Mapping[tuple[str, Action], list[dict[str, Any]]] | None = None,
    ) -> None:
        self._log = log
        self._number = number
        self._drift = drift or {}
        # outcomes, not addresses: a renamed clone's create and its old clone's delete share one
        self._reported: set[Outcome] = set()
        self._lock = threading.Lock()

    def started(self, change: Change) -> None:
        pass

    def step(self, change: Change, step: Phase) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        if Action(outcome.action) is Action.NOOP and outcome.result in ("ok", "skipped"):
            return  # nothing happened: the plan line and any drift line said it all
        with self._lock:
            if outcome in self._reported:
                return
            self._reported.add(outcome)
        fields = change_fields(outcome)
        overwrote = self._drift.get((outcome.address, outcome.action))
        if overwrote and outcome.action is Action.UPDATE and outcome.result == "ok":
            fields["overwrote"] = overwrote  # a corrected drift: what it wrote over
        self._log.write("change", round=self._number, **fields)

    def log_unreported(self, result: ApplyResult) -> None:
        """Log the outcomes the executor returned without announcing them (skipped ones)."""
        for outcome in result.outcomes:
            self.finished(outcome)
