"""``reconciler reconcile``: the unattended scheduled job (contract section 5).

One round = load the manifests (again: a GitOps checkout may have changed) → connect →
observe → plan → execute with auto-approval under the manifests' policies, every step logged
as JSON lines on stdout (``rendering.log``): ``round_start``, ``plan``, one ``drift`` per
clone whose drift is only reported, one ``change`` per change applied (or refused: conflict,
failed, skipped), ``error`` for a round that could not run, ``round_end`` with the counts
and the round's exit code.

With ``--interval`` rounds start every SECONDS until SIGTERM or SIGINT. The signal only
sets a ``threading.Event`` (``commands.signals``): the executor (``execute(stop=...)``)
finishes the calls in flight and starts no more, the sleep between rounds is cut short, the
round's ``round_end`` says how it ended, and the loop ends cleanly: exit 0 (contract section
18). Without ``--interval`` the exit code is the round's. A second signal stops at once
(``KeyboardInterrupt``, exit 1). A failed round (API down, bad manifest edit) is logged and
the next round runs.

Exit code of a round (``exits``): 1 on an error, a failed change, a conflict, or a round
stopped before its writes were done; with ``--detailed-exitcode``, 2 when reported drift
remains; else 0.

Neighbours: ``commands.common`` (connect), ``pipeline`` (load, plan), ``executing``
(execute), ``rendering.log`` (the view: ``ReconcileJSON``), ``cli`` (flags, and the exit
code of a usage error).
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import TextIO

from reconciler.commands import exits
from reconciler.commands.arguments import ReconcileOptions
from reconciler.commands.common import connect, plan_for
from reconciler.commands.signals import stopping_on_signals
from reconciler.core.errors import ExitCode, ReconcilerError
from reconciler.core.plans import Change, Plan, reported_drift
from reconciler.edges.connection import resolve_connection
from reconciler.edges.executing import ApplyResult, execute
from reconciler.pipeline import load
from reconciler.rendering.log import ReconcileView
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_reconcile_view

COUNT_KEYS = ("created", "updated", "deleted", "failed", "conflicts")


def run(options: ReconcileOptions, streams: Streams) -> int:
    view = new_reconcile_view(options.view_type, streams)
    stop = threading.Event()
    with stopping_on_signals(stop):
        return _loop(options, view, stop, streams.err)


def _loop(
    options: ReconcileOptions, view: ReconcileView, stop: threading.Event, err: TextIO
) -> int:
    """One round (its code), or with ``--interval`` rounds until a stop (``LOOP_STOPPED``)."""
    interval = options.interval
    number = 0
    while True:
        number += 1
        started = time.monotonic()
        code = run_round(options, view, number, stop, err)
        if interval is None:
            return code
        if stop.is_set() or stop.wait(max(0.0, started + interval - time.monotonic())):
            return exits.LOOP_STOPPED


# ── one round ─────────────────────────────────────────────────────────────────────────────


@dataclass
class RoundOutcome:
    """What a round did: the counts for ``round_end`` and its exit code."""

    exit_code: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    interrupted: bool = False


def run_round(
    options: ReconcileOptions, view: ReconcileView, number: int, stop: threading.Event, err: TextIO
) -> int:
    """Run round ``number``, logging it from ``round_start`` to ``round_end``; its exit code.

    A bug is logged as an ``error`` line too (the next round still runs); with ``-v`` its
    traceback goes to ``err``, never to the log.
    """
    started = time.monotonic()
    view.round_start(number)
    try:
        outcome = _reconcile(options, view, number, stop)
    except ReconcilerError as exc:
        view.error(number, exc)
        outcome = RoundOutcome(int(exc.exit_code))
    except Exception as exc:  # a bug: logged as one line, and the next round still runs
        view.error(number, exc, internal=True)
        outcome = RoundOutcome(int(ExitCode.ERROR))
        if options.verbose:
            traceback.print_exc(file=err)
    duration = time.monotonic() - started
    view.round_end(
        number, outcome.counts, outcome.exit_code, duration, interrupted=outcome.interrupted
    )
    return outcome.exit_code


def _reconcile(
    options: ReconcileOptions, view: ReconcileView, number: int, stop: threading.Event
) -> RoundOutcome:
    clonesets = load(options.paths)
    view.add_secrets(_secrets(options))
    with connect(options) as session:
        plan = plan_for(session, options, clonesets).plan
        view.plan(number, plan)
        drifted = reported_drift(plan)
        for change in drifted:
            view.drift(number, change)
        if stop.is_set():
            return _stopped_before_apply(plan, drifted, detailed=options.detailed_exitcode)
        progress = view.progress(number)
        result = execute(
            plan,
            session.client,
            parallelism=session.parallelism,
            progress=progress,
            stop=stop,
            secrets=session.secrets,
        )
    progress.log_unreported(result)
    return _judge(plan, result, drifted, detailed=options.detailed_exitcode)


def _judge(
    plan: Plan, result: ApplyResult, drifted: tuple[Change, ...], *, detailed: bool
) -> RoundOutcome:
    counts = {**dict.fromkeys(COUNT_KEYS, 0), **result.counts(), "drifted": len(drifted)}
    if result.skipped:
        counts["skipped"] = result.skipped
    code = exits.of_round(plan, result, detailed=detailed)
    return RoundOutcome(code, counts, interrupted=exits.writes_left_undone(result))


def _stopped_before_apply(
    plan: Plan, drifted: tuple[Change, ...], *, detailed: bool
) -> RoundOutcome:
    """A stop arrived while observing: nothing is written."""
    counts = {**dict.fromkeys(COUNT_KEYS, 0), "drifted": len(drifted)}
    code = exits.of_round_stopped_before_apply(plan, detailed=detailed)
    interrupted = plan.has_pending_changes or plan.summary.conflict > 0
    return RoundOutcome(code, counts, interrupted=interrupted)


def _secrets(options: ReconcileOptions) -> tuple[str, ...]:
    """The token of this round (read again: a mounted secret may rotate), to keep off the log."""
    if options.sandbox:
        return ()
    try:
        connection = resolve_connection(
            api_url=options.api_url, token_file=options.token_file, environ=os.environ
        )
    except ReconcilerError:
        return ()  # ``connect`` raises the same error, and the round logs it
    authorization = connection.authorization
    return (authorization, authorization.partition(" ")[2])
