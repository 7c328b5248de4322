"""What a reconcile loop tells the world besides its log: notifications, metrics, a status
page and its health (contract section 14), and the API's budget (section 15).

``Watch`` is made once per loop from the options and lives as long as it: it keeps the
``RequestLedger`` every round's client records into, the metrics registry (with
``--listen`` or ``--metrics-file``: none is kept, nor imported, otherwise), the events
already sent (``core.events.Deduplicator``), the last round's status, and, with
``--listen``, the HTTP server. ``reconcile`` calls ``budget_wait`` before each round and
``round_done`` after it; ``close`` at the end delivers what is queued (bounded) and stops
the server. ``apply``'s one-shot notifications are in ``commands.announcing``.

Health: 200 while a round that ran (whatever its changes did) ended within the last three
intervals, or, before the first one ends, while the loop is younger than that; 503 once
rounds stop running (the API unreachable, the manifests broken), with the reason.

Neighbours: ``commands.reconcile`` and ``commands.apply``; ``edges.notifying``,
``edges.metrics``, ``edges.serving``, ``edges.budget``; ``core.events``, ``core.budget``;
``rendering.status_page``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from reconciler.core.budget import wait_for_api, wait_for_own_budget
from reconciler.core.events import (
    Deduplicator,
    Event,
    clone_rows,
    events_of_round,
    round_failed_event,
    settled,
    state_counts,
)
from reconciler.core.outcomes import ApplyResult
from reconciler.core.plans import Change, Plan
from reconciler.edges.budget import RequestLedger
from reconciler.edges.notifying import DeliveryFailure, Notifier, notify_urls
from reconciler.rendering.log import rfc3339_now
from reconciler.rendering.status_page import LoopStatus, render_status

if TYPE_CHECKING:  # imported by ``Watch._expose``, when the flags ask for them
    from reconciler.edges.metrics import LoopMetrics
    from reconciler.edges.serving import StatusServer

Log = Callable[..., None]  # log(event, level=..., **fields)


@dataclass(frozen=True)
class RoundReport:
    """What one round did, as ``round_done`` needs it (``plan`` is None when it could not
    plan; ``error`` says why a round could not run)."""

    number: int
    exit_code: int
    duration_s: float
    plan: Plan | None = None
    result: ApplyResult | None = None
    drifted: tuple[Change, ...] = ()
    error: str | None = None
    places: Mapping[str, tuple[str, str]] | None = None
    expiring: tuple[Change, ...] = ()


def round_result(report: RoundReport) -> str:
    """``error`` (it could not run), ``changes_failed`` (exit 1), else ``ok``."""
    if report.error is not None:
        return "error"
    return "changes_failed" if report.exit_code == 1 else "ok"


def console_places(
    environments: Mapping[str, Sequence[Mapping[str, Any]]],
) -> dict[str, tuple[str, str]]:
    """Environment id → (organization id, project id), from the organizations' listings."""
    places = {}
    for organization, listed in environments.items():
        for environment in listed:
            project = environment.get("project")
            if isinstance(project, Mapping) and isinstance(environment.get("id"), str):
                places[environment["id"]] = (organization, str(project.get("id")))
    return places


class Watch:
    """The loop's notifications, metrics, status page, health and budget."""

    def __init__(
        self,
        *,
        notify: Sequence[str] = (),
        listen: str | None = None,
        metrics_file: str | None = None,
        max_requests_per_hour: int | None = None,
        interval: float | None = None,
        log: Log,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.ledger = RequestLedger()
        self.metrics: LoopMetrics | None = None  # with --listen or --metrics-file only
        self._log, self._interval = log, interval
        self._metrics_file, self._per_hour = metrics_file, max_requests_per_hour
        self._dedup = Deduplicator()
        self._lock = threading.Lock()
        self._status = LoopStatus(interval_s=interval)
        self._started = time.monotonic()
        self._last_ran: float | None = None
        self._last_error: str | None = None
        self._requests_before: dict[tuple[str, str], int] = {}
        self._last_round_requests = 0
        urls = notify_urls(notify, os.environ if environ is None else environ)
        self.notifier = Notifier(urls, on_failure=self._notify_failed)
        self.server: StatusServer | None = None
        if listen is not None or metrics_file is not None:
            self.metrics, self.server = self._expose(listen)

    def _expose(self, listen: str | None) -> tuple[LoopMetrics, StatusServer | None]:
        """The metrics, and with ``listen`` the server of /metrics, /healthz and the page.

        Their modules are imported here, once, and only when asked for: a loop without
        ``--listen`` or ``--metrics-file``, and ``apply``, load neither prometheus_client nor
        http.server (start-up, issue 15; ``tests/cli/test_startup.py``).
        """
        from reconciler.edges.metrics import LoopMetrics
        from reconciler.edges.serving import Pages, StatusServer, parse_listen

        metrics = LoopMetrics()
        if listen is None:
            return metrics, None
        host, port = parse_listen(listen)
        return metrics, StatusServer(host, port, Pages(self._metrics, self.health, self._page))

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self.notifier.add_secrets(secrets)

    # -- before a round: the budget
    def budget_wait(self) -> tuple[float, dict[str, Any]]:
        """Seconds to wait before the next round so that it fits the API's budget and the
        tool's own, and why; (0, {}) to go now."""
        needed, now = self._last_round_requests, time.time()
        rate = self.ledger.rate_limit
        api = wait_for_api(rate, needed, now)
        own = wait_for_own_budget(self.ledger.times(), needed, self._per_hour, now)
        if max(api, own) <= 0:
            return 0.0, {}
        why: dict[str, Any] = {"needed": needed, "seconds": round(max(api, own), 3)}
        if api >= own and rate is not None:
            why.update(reason="api_rate_limit", remaining=rate.remaining, limit=rate.limit)
            why["reset"] = datetime.fromtimestamp(rate.reset, UTC).isoformat()
        else:
            why.update(reason="max_requests_per_hour", max_requests_per_hour=self._per_hour)
        return max(api, own), why

    # -- after a round
    def requests_of_round(self) -> dict[str, object]:
        """The ``"requests"`` of the round that just ended; counts them into the metrics."""
        counts = self.ledger.counts()
        since = self._requests_before
        delta = {k: v - since.get(k, 0) for k, v in counts.items() if v > since.get(k, 0)}
        self._requests_before = counts
        if self.metrics is not None:
            self.metrics.record_requests(delta)
        self._last_round_requests = sum(delta.values())
        return self.ledger.document(since)

    def round_done(self, report: RoundReport) -> None:
        """Metrics, status, notifications and the metrics file for one finished round."""
        at = rfc3339_now()
        result = round_result(report)
        rows = clone_rows(report.plan, report.result) if report.plan is not None else None
        outcomes = report.result.outcomes if report.result is not None else ()
        states = state_counts(rows) if rows is not None else None
        if self.metrics is not None:
            self.metrics.record_round(result, report.duration_s, time.time(), outcomes, states)
        with self._lock:
            if result != "error":
                self._last_ran = time.monotonic()
            self._last_error = report.error
            self._status = replace(
                self._status,
                round=report.number,
                ended_at=at,
                duration_s=report.duration_s,
                result=result,
                error=report.error,
                rows=rows if rows is not None else self._status.rows,
                places=report.places if report.places is not None else self._status.places,
            )
        self._notify(report, rows, at)
        self._write_metrics_file()

    def _notify(self, report: RoundReport, rows: Any, at: str) -> None:
        if report.error is not None:
            events: tuple[Event, ...] = (round_failed_event(report.error, at),)
            quiet: tuple[str, ...] = ()
        else:
            plan = report.plan if report.plan is not None else Plan.of(())
            events = events_of_round(plan, report.result, report.drifted, at, report.expiring)
            quiet = settled(rows or (), events)
        self.notifier.send(self._dedup.fresh(events, quiet))

    def _write_metrics_file(self) -> None:
        if self._metrics_file is None or self.metrics is None:
            return
        try:
            self.metrics.write_textfile(self._metrics_file)
        except OSError as exc:
            self._log(
                "metrics_file_failed",
                level="warning",
                path=self._metrics_file,
                message=exc.strerror or str(exc),
            )

    # -- what the server shows
    def health(self) -> tuple[bool, str]:
        """(healthy, why): a round ran within the last three intervals."""
        with self._lock:
            last, error = self._last_ran, self._last_error
        window = 3 * self._interval if self._interval else None
        now = time.monotonic()
        if last is None:
            young = window is None or now - self._started <= window
            return young, "starting" if error is None else f"starting; last round: {error}"
        if window is not None and now - last > window:
            why = f": {error}" if error else ""
            return False, f"no round has run for {now - last:.0f}s{why}"
        return True, "ok"

    def _metrics(self) -> bytes:
        return self.metrics.exposition() if self.metrics is not None else b""

    def _page(self) -> str:
        with self._lock:
            status = self._status
        return render_status(status)

    def _notify_failed(self, failure: DeliveryFailure) -> None:
        self._log(
            "notify_failed",
            level="warning",
            host=failure.host,
            notification=failure.event,
            address=failure.address,
            attempts=failure.attempts,
            message=failure.problem,
        )

    def close(self) -> None:
        self.notifier.close()
        if self.server is not None:
            self.server.close()
