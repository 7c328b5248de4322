"""The ledger of requests sent to the API: counts, times, and its rate-limit headers.

``RequestLedger`` is thread-safe and outlives a client: ``reconcile`` keeps one for the
whole loop (each round opens a new client on it), so that the requests of every round, the
times of the last hour's requests (``--max-requests-per-hour``) and the API's last
``X-RateLimit-*`` headers are known before the next round. ``http.HttpChannel`` records one
entry per attempt (retries included): its method and its status (``"error"`` for an answer
that never came). The arithmetic is ``core.budget``'s.

Neighbours: ``http`` (records), ``client`` and ``session`` (hand it over), ``metrics``
(``reconciler_api_requests_total``), ``commands.budgeting`` (waits).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping

from reconciler.core.budget import HOUR, RateLimit, parse_rate_limit, requests_document


class RequestLedger:
    """Every request sent, by (method, status); their times over the last hour; the last
    rate limit the API stated."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._times: deque[float] = deque()
        self._rate: RateLimit | None = None

    def record(
        self, method: str, status: int | None, headers: Mapping[str, str] | None = None
    ) -> None:
        """One attempt: its status (``None``: no answer) and the headers of its answer."""
        now = self._clock()
        headers = headers or {}
        limit = headers.get("x-ratelimit-limit")  # the others are read only when it is there
        rate = None
        if limit is not None:
            remaining = headers.get("x-ratelimit-remaining")
            rate = parse_rate_limit(limit, remaining, headers.get("x-ratelimit-reset"))
        with self._lock:
            self._counts[(method, "error" if status is None else str(status))] += 1
            self._times.append(now)
            while self._times and self._times[0] <= now - HOUR:
                self._times.popleft()
            if rate is not None:
                self._rate = rate

    def counts(self) -> dict[tuple[str, str], int]:
        """Requests so far, keyed by (method, status)."""
        with self._lock:
            return dict(self._counts)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def times(self) -> tuple[float, ...]:
        """When each request of the last hour was sent (Unix seconds)."""
        with self._lock:
            return tuple(self._times)

    @property
    def rate_limit(self) -> RateLimit | None:
        with self._lock:
            return self._rate

    def document(self, since: Mapping[tuple[str, str], int] | None = None) -> dict[str, object]:
        """The ``"requests"`` object: every request, or those made after ``since`` (counts
        taken earlier)."""
        counts = self.counts()
        if since:
            counts = {k: v - since.get(k, 0) for k, v in counts.items() if v > since.get(k, 0)}
        return requests_document(counts)
