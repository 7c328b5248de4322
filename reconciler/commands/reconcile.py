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

The loop's ``Watch`` (``commands.watching``) sees every round: before it, whether it fits
the API's budget and ``--max-requests-per-hour`` (else a ``budget_wait`` line and a wait for
the reset, which a signal cuts short); after it, the requests it made (in ``round_end``), the
notifications (``--notify``), the metrics (``--listen``, ``--metrics-file``) and the status
page. The loop ends with a ``stopped`` line.

Neighbours: ``commands.common`` (connect), ``commands.watching``, ``pipeline`` (load,
plan), ``executing`` (execute), ``rendering.log`` (the view: ``ReconcileJSON``), ``cli``
(flags, and the exit code of a usage error).
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from typing import TextIO

from reconciler.commands import exits
from reconciler.commands.announcing import expiring_of, token_strings
from reconciler.commands.arguments import ReconcileOptions
from reconciler.commands.common import connect, plan_for
from reconciler.commands.signals import stopping_on_signals
from reconciler.commands.watching import RoundReport, Watch, console_places
from reconciler.core.errors import ExitCode, ReconcilerError
from reconciler.core.plans import Change, Plan, reported_drift
from reconciler.edges.executing import ApplyResult, execute
from reconciler.edges.states import BEFORE_WRITING
from reconciler.pipeline import load
from reconciler.rendering.log import ReconcileView
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_reconcile_view

COUNT_KEYS = ("created", "updated", "deleted", "failed", "conflicts")


def run(options: ReconcileOptions, streams: Streams) -> int:
    view = new_reconcile_view(options.view_type, streams)
    stop = threading.Event()
    watch = Watch(
        notify=options.notify,
        listen=options.listen,
        metrics_file=options.metrics_file,
        max_requests_per_hour=options.max_requests_per_hour,
        interval=options.interval,
        log=view.event,
    )
    if watch.server is not None:
        host, port = watch.server.address
        view.event("listening", url=f"http://{host}:{port}/", interval_s=options.interval)
    try:
        with stopping_on_signals(stop):
            return _loop(options, view, stop, streams.err, watch)
    finally:
        watch.close()


def _loop(
    options: ReconcileOptions,
    view: ReconcileView,
    stop: threading.Event,
    err: TextIO,
    watch: Watch | None = None,
) -> int:
    """One round (its code), or with ``--interval`` rounds until a stop (``LOOP_STOPPED``,
    after a ``stopped`` line)."""
    interval = options.interval
    number = 0
    while True:
        number += 1
        started = time.monotonic()
        if watch is not None and not _wait_for_budget(watch, view, stop):
            view.event("stopped", reason="signal", rounds=number - 1)
            return exits.LOOP_STOPPED
        code = run_round(options, view, number, stop, err, watch)
        if interval is None:
            return code
        if stop.is_set() or stop.wait(max(0.0, started + interval - time.monotonic())):
            view.event("stopped", reason="signal", rounds=number)
            return exits.LOOP_STOPPED


def _wait_for_budget(watch: Watch, view: ReconcileView, stop: threading.Event) -> bool:
    """Wait, logging why, until the next round fits the API's budget and the tool's own;
    False when a stop came during the wait."""
    seconds, why = watch.budget_wait()
    if seconds <= 0:
        return True
    view.event("budget_wait", **why)
    return not stop.wait(seconds)


# ── one round ─────────────────────────────────────────────────────────────────────────────


@dataclass
class RoundOutcome:
    """What a round did: the counts for ``round_end`` and its exit code; for ``Watch``, the
    plan and the result it came from, and why it could not run."""

    exit_code: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    interrupted: bool = False
    plan: Plan | None = None
    result: ApplyResult | None = None
    drifted: tuple[Change, ...] = ()
    error: str | None = None
    places: dict[str, tuple[str, str]] | None = None
    expiring: tuple[Change, ...] = ()  # within their manifest's warning (``expiring`` events)


def run_round(
    options: ReconcileOptions,
    view: ReconcileView,
    number: int,
    stop: threading.Event,
    err: TextIO,
    watch: Watch | None = None,
) -> int:
    """Run round ``number``, logging it from ``round_start`` to ``round_end``; its exit code.

    A bug is logged as an ``error`` line too (the next round still runs); with ``-v`` its
    traceback goes to ``err``, never to the log.
    """
    started = time.monotonic()
    view.round_start(number)
    try:
        outcome = _reconcile(options, view, number, stop, watch)
    except ReconcilerError as exc:
        view.error(number, exc)
        outcome = RoundOutcome(int(exc.exit_code), error=str(exc))
    except Exception as exc:  # a bug: logged as one line, and the next round still runs
        view.error(number, exc, internal=True)
        outcome = RoundOutcome(int(ExitCode.ERROR), error=f"internal error: {type(exc).__name__}")
        if options.verbose:
            traceback.print_exc(file=err)
    duration = time.monotonic() - started
    requests = watch.requests_of_round() if watch is not None else None
    if watch is not None:  # metrics, page and health first: once round_end is logged, they agree
        watch.round_done(_report(number, duration, outcome))
    view.round_end(
        number,
        outcome.counts,
        outcome.exit_code,
        duration,
        interrupted=outcome.interrupted,
        requests=requests,
    )
    return outcome.exit_code


def _report(number: int, duration: float, outcome: RoundOutcome) -> RoundReport:
    return RoundReport(
        number,
        outcome.exit_code,
        duration,
        plan=outcome.plan,
        result=outcome.result,
        drifted=outcome.drifted,
        error=outcome.error,
        places=outcome.places,
        expiring=outcome.expiring,
    )


def _reconcile(
    options: ReconcileOptions,
    view: ReconcileView,
    number: int,
    stop: threading.Event,
    watch: Watch | None = None,
) -> RoundOutcome:
    clonesets = load(options.paths)
    secrets = token_strings(options)
    view.add_secrets(secrets)
    if watch is not None:
        watch.add_secrets(secrets)
    with connect(options, watch.ledger if watch is not None else None) as session:
        planned = plan_for(session, options, clonesets, read_states_for=BEFORE_WRITING)
        plan = planned.plan
        view.plan(number, plan)
        drifted = reported_drift(plan)
        for change in drifted:
            view.drift(number, change)
        places = console_places(planned.observation.catalog.environments)
        expiring = expiring_of(plan, clonesets) if watch is not None else ()
        if stop.is_set():
            outcome = _stopped_before_apply(plan, drifted, detailed=options.detailed_exitcode)
            return replace(outcome, plan=plan, drifted=drifted, places=places, expiring=expiring)
        progress = view.progress(number)
        result = execute(
            plan,
            session.client,
            parallelism=session.parallelism,
            progress=progress,
            stop=stop,
            secrets=session.secrets,
            deploy_timeout=options.deploy_timeout,
        )
    progress.log_unreported(result)
    outcome = _judge(plan, result, drifted, detailed=options.detailed_exitcode)
    return replace(
        outcome, plan=plan, result=result, drifted=drifted, places=places, expiring=expiring
    )


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
