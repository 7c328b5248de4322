"""The sandbox's request budget, as Qovery documents it: N requests per window per token.

Off by default. Set through the admin API (``PUT /_sandbox/rate_limit {"limit": N,
"window": SECONDS}``, ``DELETE`` to turn it off) or ``RunningSandbox.set_rate_limit``. While
on, every Qovery path answers with ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (Unix seconds, the end of the current fixed window), and a request
past the budget gets 429 with ``Retry-After`` without being carried out. The default window
is an hour (Qovery's docs: 1000 requests per hour per API token).

Neighbours: ``server`` asks ``take`` for each Qovery request; this module does no I/O.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from reconciler.sandbox.problems import bad_request


class RateLimit:
    """A fixed-window budget of requests; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.set()

    def set(self, limit: int | None = None, window: float = 3600.0) -> None:
        """``limit`` requests per ``window`` seconds from now on; ``None``: no limit."""
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise bad_request("limit must be a whole number of at least 1")
        if isinstance(window, bool) or not isinstance(window, int | float) or not window > 0:
            raise bad_request("window must be a positive number of seconds")
        with self._lock:
            self._limit, self._window = limit, float(window)
            self._start, self._used = self._clock(), 0

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"limit": self._limit, "window": self._window, "used": self._used}

    def take(self) -> tuple[bool, dict[str, str]]:
        """Count one request: whether it is allowed, and the headers of its answer (none
        when no limit is set)."""
        with self._lock:
            if self._limit is None:
                return True, {}
            now = self._clock()
            if now >= self._start + self._window:
                self._start += self._window * math.floor((now - self._start) / self._window)
                self._used = 0
            allowed = self._used < self._limit
            if allowed:
                self._used += 1
            reset = self._start + self._window
            headers = {
                "X-RateLimit-Limit": str(self._limit),
                "X-RateLimit-Remaining": str(self._limit - self._used),
                "X-RateLimit-Reset": f"{reset:.3f}",
            }
            if not allowed:
                headers["Retry-After"] = str(max(1, math.ceil(reset - now)))
            return allowed, headers
