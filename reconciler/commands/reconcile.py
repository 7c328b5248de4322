"""``reconciler reconcile``: the unattended scheduled job (contract section 5).

One round = load the manifests (again: a GitOps checkout may have changed) → connect →
observe → plan → execute with auto-approval under the manifests' policies, every step logged
as JSON lines on stdout (``rendering.log``): ``round_start``, ``plan``, one ``drift`` per
clone whose drift is only reported, one ``change`` per change applied (or refused: conflict,
failed, skipped), ``error`` for a round that could not run, ``round_end`` with the counts
and the round's exit code.

With ``--interval`` rounds start every SECONDS until SIGTERM or SIGINT. The signal only
sets a ``threading.Event``: the executor (``execute(stop=...)``) finishes the calls in
flight and starts no more, the sleep between rounds is cut short, and the process exits
with the last round's code. A second signal stops at once (``KeyboardInterrupt``, exit 130).
A failed round (API down, bad manifest edit) is logged and the next round runs.

Exit code of a round: 1 on an error, a failed change, a conflict, or a round stopped before
its writes were done; with ``--detailed-exitcode``, 2 when reported drift remains; else 0.

Neighbours: ``commands.common`` (connect, load, plan_against), ``executing`` (execute),
``rendering.log`` (the lines), ``cli`` (flags, and the exit code of a usage error).
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TextIO

from reconciler.commands.common import connect
from reconciler.core.errors import ExitCode, ReconcilerError
from reconciler.core.plans import Action, Change, Plan
from reconciler.edges.connection import resolve_connection
from reconciler.edges.executing import ApplyResult, Outcome, execute
from reconciler.pipeline import load, plan_manifests
from reconciler.rendering.log import (
    EventLog,
    change_fields,
    drift_fields,
    error_fields,
    plan_fields,
    reported_drift,
    round_end_fields,
)
from reconciler.rendering.streams import Streams

COUNT_KEYS = ("created", "updated", "deleted", "failed", "conflicts")
NOT_DONE = ("failed", "conflict")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run(args: argparse.Namespace, streams: Streams) -> int:
    log = EventLog(streams.out)
    stop = threading.Event()
    with stopping_on_signals(stop):
        return _loop(args, log, stop, streams.err)


def _loop(args: argparse.Namespace, log: EventLog, stop: threading.Event, err: TextIO) -> int:
    """Run rounds until the last one (no ``--interval``) or a stop; the last round's code."""
    interval: float | None = args.interval
    number = 0
    while True:
        number += 1
        started = time.monotonic()
        code = run_round(args, log, number, stop, err)
        if interval is None or stop.is_set():
            return code
        if stop.wait(max(0.0, started + interval - time.monotonic())):
            return code


# ── one round ─────────────────────────────────────────────────────────────────────────────


@dataclass
class RoundOutcome:
    """What a round did: the counts for ``round_end`` and its exit code."""

    exit_code: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    interrupted: bool = False


def run_round(
    args: argparse.Namespace, log: EventLog, number: int, stop: threading.Event, err: TextIO
) -> int:
    """Run round ``number``, logging it from ``round_start`` to ``round_end``; its exit code.

    A bug is logged as an ``error`` line too (the next round still runs); with ``-v`` its
    traceback goes to ``err``, never to the log.
    """
    started = time.monotonic()
    log.write("round_start", round=number)
    try:
        outcome = _reconcile(args, log, number, stop)
    except ReconcilerError as exc:
        log.write("error", round=number, **error_fields(exc))
        outcome = RoundOutcome(int(exc.exit_code))
    except Exception as exc:  # a bug: logged as one line, and the next round still runs
        log.write(
            "error",
            round=number,
            kind="InternalError",
            message=f"internal error: {type(exc).__name__}: {exc}",
        )
        outcome = RoundOutcome(int(ExitCode.ERROR))
        if getattr(args, "verbose", False):
            traceback.print_exc(file=err)
    fields = round_end_fields(outcome.counts, outcome.exit_code, time.monotonic() - started)
    if outcome.interrupted:
        fields["interrupted"] = True
    log.write("round_end", round=number, **fields)
    return outcome.exit_code


def _reconcile(
    args: argparse.Namespace, log: EventLog, number: int, stop: threading.Event
) -> RoundOutcome:
    clonesets = load(args.paths)
    log.add_secrets(_secrets(args))
    with connect(args) as session:
        plan = plan_manifests(
            session, clonesets, args.target, allow_deletes=args.allow_deletes
        ).plan
        log.write("plan", round=number, **plan_fields(plan))
        drifted = reported_drift(plan)
        for change in drifted:
            log.write("drift", round=number, **drift_fields(change))
        if stop.is_set():
            return _stopped_before_apply(plan, drifted, detailed=args.detailed_exitcode)
        progress = LogProgress(log, number)
        result = execute(
            plan, session.client, parallelism=session.parallelism, progress=progress, stop=stop
        )
    progress.log_unreported(result)
    return _judge(plan, result, drifted, detailed=args.detailed_exitcode)


def _judge(
    plan: Plan, result: ApplyResult, drifted: tuple[Change, ...], *, detailed: bool
) -> RoundOutcome:
    counts = {**dict.fromkeys(COUNT_KEYS, 0), **result.counts(), "drifted": len(drifted)}
    if result.skipped:
        counts["skipped"] = result.skipped
    skipped_writes = [o for o in result.outcomes if o.result == "skipped" and _writes(o)]
    not_done = any(o.result in NOT_DONE for o in result.outcomes)
    if not result.ok or not_done or plan.summary.conflict or skipped_writes:
        code = ExitCode.ERROR
    elif detailed and drifted:
        code = ExitCode.CHANGES
    else:
        code = ExitCode.OK
    return RoundOutcome(int(code), counts, interrupted=bool(skipped_writes))


def _stopped_before_apply(
    plan: Plan, drifted: tuple[Change, ...], *, detailed: bool
) -> RoundOutcome:
    """A stop arrived while observing: nothing is written; 1 when something was to be."""
    counts = {**dict.fromkeys(COUNT_KEYS, 0), "drifted": len(drifted)}
    if plan.has_pending_changes or plan.summary.conflict:
        return RoundOutcome(int(ExitCode.ERROR), counts, interrupted=True)
    code = ExitCode.CHANGES if detailed and drifted else ExitCode.OK
    return RoundOutcome(int(code), counts, interrupted=False)


def _writes(outcome: Outcome) -> bool:
    return Action(outcome.action) in (Action.CREATE, Action.UPDATE, Action.DELETE)


def _secrets(args: argparse.Namespace) -> tuple[str, ...]:
    """The token of this round (read again: a mounted secret may rotate), to keep off the log."""
    if getattr(args, "sandbox", False):
        return ()
    try:
        connection = resolve_connection(
            api_url=args.api_url, token_file=args.token_file, environ=os.environ
        )
    except ReconcilerError:
        return ()  # ``connect`` raises the same error, and the round logs it
    authorization = connection.authorization
    return (authorization, authorization.partition(" ")[2])


class LogProgress:
    """The executor's progress hook: one ``change`` line per finished change, live."""

    def __init__(self, log: EventLog, number: int) -> None:
        self._log = log
        self._number = number
        # outcomes, not addresses: a renamed clone's create and its old clone's delete share one
        self._reported: set[Outcome] = set()
        self._lock = threading.Lock()

    def started(self, change: Change) -> None:
        pass

    def step(self, change: Change, step: str) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        if Action(outcome.action) is Action.NOOP and outcome.result in ("ok", "skipped"):
            return  # nothing happened: the plan line and any drift line said it all
        with self._lock:
            if outcome in self._reported:
                return
            self._reported.add(outcome)
        self._log.write("change", round=self._number, **change_fields(outcome))

    def log_unreported(self, result: ApplyResult) -> None:
        """Log the outcomes the executor returned without announcing them (skipped ones)."""
        for outcome in result.outcomes:
            self.finished(outcome)


@contextmanager
def stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT set ``stop``; a second one stops at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; an embedding caller sets ``stop`` itself
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous: Mapping[signal.Signals, Any] = {
        sig: signal.signal(sig, handle) for sig in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
