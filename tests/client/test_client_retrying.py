"""The retry policy as plain data: what is repeated, how long to wait, Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from reconciler.edges.retrying import (
    Failure,
    RetryPolicy,
    is_ambiguous,
    parse_retry_after,
    should_retry_failure,
    should_retry_status,
)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_safe_requests_retry_transient_statuses(status: int) -> None:
    assert should_retry_status(status, idempotent=True, retry_conflict=False)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 501])
def test_safe_requests_do_not_retry_other_statuses(status: int) -> None:
    assert not should_retry_status(status, idempotent=True, retry_conflict=True)


def test_posts_retry_only_what_the_server_refused_to_do() -> None:
    assert should_retry_status(429, idempotent=False, retry_conflict=False)
    assert should_retry_status(409, idempotent=False, retry_conflict=True)
    assert not should_retry_status(409, idempotent=False, retry_conflict=False)
    assert not should_retry_status(503, idempotent=False, retry_conflict=True)


def test_transport_failures() -> None:
    assert should_retry_failure(Failure.NOT_SENT, idempotent=False)
    assert should_retry_failure(Failure.MAYBE_SENT, idempotent=True)
    assert not should_retry_failure(Failure.MAYBE_SENT, idempotent=False)
    assert not should_retry_failure(Failure.FATAL, idempotent=True)


def test_ambiguity_is_for_posts_that_may_have_reached_the_server() -> None:
    assert is_ambiguous(idempotent=False, failure=Failure.MAYBE_SENT)
    assert is_ambiguous(idempotent=False, status=502)
    assert not is_ambiguous(idempotent=False, failure=Failure.NOT_SENT)
    assert not is_ambiguous(idempotent=False, status=429)
    assert not is_ambiguous(idempotent=True, failure=Failure.MAYBE_SENT, status=503)


def test_backoff_grows_with_full_jitter_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=10, backoff_base=0.5, backoff_max=3.0)
    rng = random.Random(7)
    for retry, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        delays = [policy.delay(retry, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter reaches near the ceiling
        assert min(delays) < ceiling * 0.2  # ...and near zero


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy(backoff_base=0.1, backoff_max=2.0)
    assert policy.delay(1, retry_after=1.5) == 1.5
    assert policy.delay(1, retry_after=60.0) == 2.0


def test_parse_retry_after_seconds_and_dates() -> None:
    now = datetime(2026, 8, 20, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.05 ") == 0.05
    assert parse_retry_after(format_datetime(now + timedelta(seconds=7), usegmt=True), now=now) == (
        7.0
    )
    assert parse_retry_after(format_datetime(now - timedelta(seconds=7), usegmt=True), now=now) == (
        0.0
    )
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
