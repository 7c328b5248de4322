"""Prometheus metrics of the reconcile loop, through the official ``prometheus_client``.

``LoopMetrics`` owns its own ``CollectorRegistry`` (never the process-wide one: two loops in
one process, or two tests, do not share counters) and the metrics of contract section 14:

- ``reconciler_rounds_total{result}``: rounds by result: ``ok`` (exit 0 or 2: the round did
  what the policies allow), ``changes_failed`` (it ran, but a change failed or met a
  conflict), ``error`` (it could not run: the API, a manifest);
- ``reconciler_round_duration_seconds``: a histogram of round durations;
- ``reconciler_changes_total{action,result}``: every change's outcome (as the log's
  ``change`` lines: a noop that did nothing is not one);
- ``reconciler_clones{state}``: clones per state after the last round that planned
  (``in_sync``, ``drifted``, ``missing``, ``conflict``, ``expired``);
- ``reconciler_last_success_timestamp_seconds``: when the last round that ran ended;
- ``reconciler_api_requests_total{method,status}``: every request sent to the API.

``exposition()`` is the text format (``/metrics``); ``write_textfile(path)`` writes it for
node_exporter's textfile collector, atomically (a temporary file renamed over the old one).

Neighbours: ``core.events`` (clone states), ``budget`` (the request counts), ``serving``
(``/metrics``), ``commands.watching`` (records each round).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    write_to_textfile,
)

from reconciler.core.events import CloneState
from reconciler.core.outcomes import Outcome
from reconciler.core.plans import Action

ROUND_RESULTS = ("ok", "changes_failed", "error")
DURATION_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


class LoopMetrics:
    """The metrics of one loop, in a registry of their own."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no ``*_created`` series: the contract names none
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.rounds = Counter("reconciler_rounds", "Rounds run, by result.", ["result"], registry=r)
        self.duration = Histogram(
            "reconciler_round_duration_seconds",
            "How long each round took.",
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.changes = Counter(
            "reconciler_changes", "Changes carried out, by action and result.",
            ["action", "result"], registry=r,
        )  # fmt: skip
        self.clones = Gauge(
            "reconciler_clones", "Declared clones after the last round, by state.",
            ["state"], registry=r,
        )  # fmt: skip
        self.last_success = Gauge(
            "reconciler_last_success_timestamp_seconds",
            "Unix time at which the last round that ran ended.",
            registry=r,
        )
        self.requests = Counter(
            "reconciler_api_requests", "Requests sent to the Qovery API, by method and status.",
            ["method", "status"], registry=r,
        )  # fmt: skip
        for result in ROUND_RESULTS:
            self.rounds.labels(result=result)
        for state in CloneState:
            self.clones.labels(state=state.value).set(0)

    def record_round(
        self,
        result: str,
        duration_s: float,
        ended_at: float,
        outcomes: Iterable[Outcome] = (),
        states: Mapping[CloneState, int] | None = None,
    ) -> None:
        """One round: its result, duration and outcomes; the clone states when it planned."""
        self.rounds.labels(result=result).inc()
        self.duration.observe(duration_s)
        for outcome in outcomes:
            if outcome.action is Action.NOOP and outcome.result in ("ok", "skipped"):
                continue  # nothing happened to it
            self.changes.labels(action=str(outcome.action), result=str(outcome.result)).inc()
        if states is not None:
            for state, count in states.items():
                self.clones.labels(state=state.value).set(count)
        if result != "error":
            self.last_success.set(ended_at)

    def record_requests(self, counts: Mapping[tuple[str, str], int]) -> None:
        """Add requests made since the last call (counts keyed by (method, status))."""
        for (method, status), count in counts.items():
            if count > 0:
                self.requests.labels(method=method, status=status).inc(count)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

    def write_textfile(self, path: str) -> None:
        """Write the metrics to ``path`` atomically (node_exporter's textfile collector)."""
        write_to_textfile(path, self.registry)
