"""The API's request budget (contract section 15), as pure arithmetic over numbers.

``RateLimit`` is what the API said in its last ``X-RateLimit-Limit``, ``-Remaining`` and
``-Reset`` headers (``parse_rate_limit``; Qovery documents 1000 requests per hour per token
and a reset as Unix time). Before a round, ``reconcile`` asks ``wait_for_api`` and
``wait_for_own_budget`` (``--max-requests-per-hour``) how long to wait so that the round,
estimated at the requests the last round made, fits; 0 means go. ``requests_document`` is
the ``"requests"`` object of ``plan --json`` and of every round's log line.

Neighbours: ``edges.budget`` (records what the client sends and sees), ``commands.budgeting``
(waits), ``plans`` (the document carries ``requests``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HOUR = 3600.0


@dataclass(frozen=True)
class RateLimit:
    """The API's budget as its last answer stated it; ``reset`` in Unix seconds."""

    limit: int
    remaining: int
    reset: float


def parse_rate_limit(
    limit: str | None, remaining: str | None, reset: str | None
) -> RateLimit | None:
    """The three headers as numbers; ``None`` when any is absent or not a finite number."""
    try:
        values = [float(v) for v in (limit, remaining, reset) if v is not None]
    except ValueError:
        return None
    if len(values) != 3 or not all(math.isfinite(v) and v >= 0 for v in values):
        return None
    return RateLimit(int(values[0]), int(values[1]), values[2])


def wait_for_api(rate: RateLimit | None, needed: int, now: float) -> float:
    """Seconds to wait for the API's reset so that ``needed`` requests fit; 0 when they fit,
    when the reset has passed (the budget is whole again), or when nothing is known."""
    if rate is None or needed <= rate.remaining or rate.reset <= now:
        return 0.0
    return rate.reset - now


def wait_for_own_budget(
    sent: Sequence[float], needed: int, per_hour: int | None, now: float
) -> float:
    """Seconds to wait until ``needed`` more requests fit in ``per_hour`` over the last hour,
    ``sent`` being the times of the requests already made; 0 when they fit or no budget is set.

    A round larger than the whole budget waits until the last hour holds no request."""
    if per_hour is None:
        return 0.0
    window = sorted(t for t in sent if t > now - HOUR)
    excess = len(window) + needed - per_hour
    if excess <= 0:
        return 0.0
    oldest_to_expire = window[min(excess, len(window)) - 1]
    return max(0.0, oldest_to_expire + HOUR - now)


def requests_document(counts: Mapping[tuple[str, str], int]) -> dict[str, object]:
    """``{"total": N, "by_method": {"GET": n}, "by_status": {"200": n}}`` from counts keyed
    by (method, status)."""
    by_method: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for (method, status), count in sorted(counts.items()):
        by_method[method] = by_method.get(method, 0) + count
        by_status[status] = by_status.get(status, 0) + count
    return {"total": sum(counts.values()), "by_method": by_method, "by_status": by_status}
