"""The retry policy of the API client: which failures are repeated, and how long to wait.

Pure decisions over plain values (no HTTP here): ``client`` classifies what happened to a
request (an HTTP status, or a transport failure that did or did not reach the server) and
asks this module whether to send it again and after which delay.

The rules (issue 2, contract section 7):

- A request safe to repeat (GET, PUT — a full replace —, DELETE) is retried after a
  connection error, a timeout, a dropped connection, 429 and any 5xx but 501 (as HashiCorp's
  go-retryablehttp, which Terraform providers use: a 500 from a busy API is often transient).
- A POST (clone, deploy) is retried only when the server surely did not act: the connection
  was never made, or it answered 429 (and, for deploy, 409 "operation in progress"). Anything
  that may have reached the server (a timeout, a dropped connection, a 5xx) is ambiguous and
  never re-sent.
- Waits grow exponentially with full jitter, capped by ``backoff_max``; a ``Retry-After``
  (seconds or an HTTP date) is honoured, capped the same way.

Neighbours: ``client`` (the only caller).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class Failure(Enum):
    """What a transport failure says about whether the server saw the request."""

    NOT_SENT = "not sent"  # connection refused, connect timeout, no pooled connection
    MAYBE_SENT = "maybe sent"  # read/write timeout, dropped connection, broken response
    FATAL = "fatal"  # repeating cannot help: bad URL, TLS verification, protocol misuse


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, and the exponential backoff between attempts."""

    max_retries: int = 5
    backoff_base: float = 0.2
    backoff_max: float = 10.0

    def delay(
        self, retry_number: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before retry number ``retry_number`` (counting from 1)."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.backoff_max))
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (retry_number - 1)))
        return (rng or random).uniform(0.0, ceiling)


def should_retry_status(status: int, *, idempotent: bool, retry_conflict: bool) -> bool:
    """Whether a response with ``status`` may be answered by sending the request again."""
    if status == 429:
        return True
    if status == 409:
        return not idempotent and retry_conflict
    return idempotent and status in RETRYABLE_STATUSES


def should_retry_failure(failure: Failure, *, idempotent: bool) -> bool:
    """Whether a transport failure may be answered by sending the request again."""
    if failure is Failure.NOT_SENT:
        return True
    return idempotent and failure is Failure.MAYBE_SENT


def is_ambiguous(*, idempotent: bool, failure: Failure | None = None, status: int = 0) -> bool:
    """A non-repeatable write that the server may have carried out: its outcome is unknown."""
    if idempotent:
        return False
    return failure is Failure.MAYBE_SENT or status >= 500


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
