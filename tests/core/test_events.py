"""What a round tells the world (``core.events``) and the API's budget (``core.budget``), as
plain data: the events of a round, each clone's state after it, the once-per-state rule, and
how long to wait before the next round."""

from __future__ import annotations

from dataclasses import replace

from helpers_planning import plan_change

from reconciler.core.budget import (
    RateLimit,
    parse_rate_limit,
    requests_document,
    wait_for_api,
    wait_for_own_budget,
)
from reconciler.core.events import (
    ROUND,
    CloneState,
    Deduplicator,
    EventKind,
    clone_rows,
    events_of_round,
    round_failed_event,
    settled,
    state_counts,
)
from reconciler.core.outcomes import ApplyResult, Outcome, Result
from reconciler.core.plans import Action, DriftItem, Origin, Plan, reported_drift

DRIFT = (DriftItem("cpu", 250, 900, Origin.OVERRIDE),)
AT = "2026-08-20T12:00:00.000Z"


change = plan_change


PLAN = Plan.of(
    [
        change("a-new", Action.CREATE),
        change("b-fixed", Action.UPDATE, DRIFT),
        change("c-gone", Action.DELETE),
        change("d-reported", Action.NOOP, DRIFT),
        change("e-same", Action.NOOP),
        change("f-taken", Action.CONFLICT),
        change("g-broken", Action.CREATE),
    ]
)


def outcome(name: str, action: Action, result: Result, message: str = "") -> Outcome:
    return Outcome(f"m.{name}[shop/preview-1]", action, result, message, 0.1)


RESULT = ApplyResult(
    (
        outcome("a-new", Action.CREATE, Result.OK, "created"),
        outcome("b-fixed", Action.UPDATE, Result.OK, "updated"),
        outcome("c-gone", Action.DELETE, Result.OK, "deleted"),
        outcome("e-same", Action.NOOP, Result.OK),
        outcome("f-taken", Action.CONFLICT, Result.CONFLICT, "not ours"),
        outcome("g-broken", Action.CREATE, Result.FAILED, "HTTP 500"),
    )
)


def test_a_round_yields_one_event_per_thing_that_happened_and_per_reported_drift() -> None:
    events = events_of_round(PLAN, RESULT, reported_drift(PLAN), AT)
    assert sorted((e.event.value, e.address) for e in events) == [
        ("conflict", "m.f-taken[shop/preview-1]"),
        ("created", "m.a-new[shop/preview-1]"),
        ("deleted", "m.c-gone[shop/preview-1]"),
        ("drift", "m.d-reported[shop/preview-1]"),
        ("failed", "m.g-broken[shop/preview-1]"),
        ("updated", "m.b-fixed[shop/preview-1]"),
    ]
    drift = next(e for e in events if e.event is EventKind.DRIFT)
    assert drift.document() == {
        "event": "drift",
        "at": AT,
        "manifest": "m",
        "address": "m.d-reported[shop/preview-1]",
        "action": "noop",
        "result": "reported",
        "message": "",
        "drift": [{"path": "cpu", "expected": 250, "actual": 900, "origin": "override"}],
    }
    assert "drifted: cpu" in drift.summary()


def test_each_declared_clone_has_a_state_after_the_round() -> None:
    rows = {row.address.split("[")[0]: row for row in clone_rows(PLAN, RESULT)}
    assert "m.c-gone" not in rows  # deleted: no longer declared
    assert {name: row.state for name, row in rows.items()} == {
        "m.a-new": CloneState.IN_SYNC,
        "m.b-fixed": CloneState.IN_SYNC,
        "m.d-reported": CloneState.DRIFTED,
        "m.e-same": CloneState.IN_SYNC,
        "m.f-taken": CloneState.CONFLICT,
        "m.g-broken": CloneState.MISSING,
    }
    assert (rows["m.g-broken"].result, rows["m.g-broken"].message) == ("failed", "HTTP 500")
    counts = state_counts(rows.values())
    assert counts[CloneState.IN_SYNC] == 3 and counts[CloneState.EXPIRED] == 0
    unapplied = {row.address.split("[")[0]: row for row in clone_rows(PLAN, None)}
    assert unapplied["m.a-new"].state is CloneState.MISSING
    assert unapplied["m.a-new"].result == "planned"


def test_an_event_is_sent_once_per_clone_and_state_while_the_loop_runs() -> None:
    dedup = Deduplicator()

    def round_of(result: ApplyResult, plan: Plan = PLAN) -> list[tuple[str, str | None]]:
        events = events_of_round(plan, result, reported_drift(plan), AT)
        quiet = settled(clone_rows(plan, result), events)
        return sorted((e.event.value, e.address) for e in dedup.fresh(events, quiet))

    assert len(round_of(RESULT)) == 6
    repeat = ApplyResult(
        (
            outcome("f-taken", Action.CONFLICT, Result.CONFLICT, "not ours"),
            outcome("g-broken", Action.CREATE, Result.FAILED, "HTTP 500"),
        )
    )
    assert round_of(repeat) == []  # the same conflict, failure and drift: nothing new
    other_failure = ApplyResult((outcome("g-broken", Action.CREATE, Result.FAILED, "HTTP 502"),))
    assert round_of(other_failure) == [("failed", "m.g-broken[shop/preview-1]")]
    # the drift is corrected by hand: in sync, then the same drift again is news again
    calm = Plan.of([change("d-reported", Action.NOOP)])
    assert round_of(ApplyResult(()), calm) == []
    again = Plan.of([change("d-reported", Action.NOOP, DRIFT)])
    assert round_of(ApplyResult(()), again) == [("drift", "m.d-reported[shop/preview-1]")]


def test_a_clone_both_drifted_and_expiring_is_told_each_once_while_the_loop_runs() -> None:
    dedup = Deduplicator()
    ending = replace(change("d-reported", Action.NOOP, DRIFT), expires_at="2026-08-20T14:00:00Z")
    plan = Plan.of([ending])

    def round_of(expiring: bool) -> list[str]:
        soon = plan.changes if expiring else ()
        events = events_of_round(plan, ApplyResult(()), reported_drift(plan), AT, soon)
        quiet = settled(clone_rows(plan, None), events)
        return sorted(e.event.value for e in dedup.fresh(events, quiet))

    assert round_of(expiring=True) == ["drift", "expiring"]
    assert round_of(expiring=True) == []  # the same drift, the same end: nothing new
    assert round_of(expiring=True) == []
    assert round_of(expiring=False) == []  # out of the window (its activity moved the end)
    assert round_of(expiring=True) == ["expiring"]  # back in it: news again, the drift not


def test_a_failed_round_is_news_once_until_a_round_runs_again() -> None:
    dedup = Deduplicator()
    down = round_failed_event("GET /organization: HTTP 503", AT)
    assert dedup.fresh([down]) == (down,)
    assert dedup.fresh([down]) == ()
    assert dedup.fresh([], settled((), ())) == ()  # a round ran: ROUND is settled
    assert dedup.fresh([down]) == (down,)
    assert down.document()["address"] is None and ROUND not in str(down.document())


# ── the budget ────────────────────────────────────────────────────────────────────────────


def test_the_rate_limit_headers_are_read_only_when_all_three_are_numbers() -> None:
    assert parse_rate_limit("1000", "12", "1760000000") == RateLimit(1000, 12, 1760000000.0)
    assert parse_rate_limit("1000", None, "1760000000") is None
    assert parse_rate_limit("1000", "x", "1760000000") is None
    assert parse_rate_limit("1000", "nan", "1760000000") is None


def test_a_round_that_would_not_fit_waits_for_the_reset() -> None:
    rate = RateLimit(limit=100, remaining=5, reset=1_000.0)
    assert wait_for_api(rate, needed=5, now=990.0) == 0.0  # it fits
    assert wait_for_api(rate, needed=6, now=990.0) == 10.0
    assert wait_for_api(rate, needed=6, now=1_001.0) == 0.0  # the reset has passed
    assert wait_for_api(None, needed=600, now=0.0) == 0.0  # the API says nothing


def test_the_tools_own_budget_counts_the_last_hour() -> None:
    sent = [100.0, 200.0, 300.0, 3_500.0]  # at 3_750 the last hour starts after 150
    assert wait_for_own_budget(sent, needed=9, per_hour=None, now=3_750.0) == 0.0
    assert wait_for_own_budget(sent, needed=2, per_hour=5, now=3_750.0) == 0.0  # 3 + 2 fit
    assert wait_for_own_budget(sent, needed=3, per_hour=5, now=3_750.0) == 50.0  # 200 leaves
    # a round larger than the budget waits until the hour holds no request
    assert wait_for_own_budget(sent, needed=9, per_hour=5, now=3_750.0) == 3_350.0


def test_requests_are_counted_by_method_and_status() -> None:
    counts = {("GET", "200"): 10, ("GET", "429"): 1, ("POST", "202"): 2, ("GET", "error"): 1}
    assert requests_document(counts) == {
        "total": 14,
        "by_method": {"GET": 12, "POST": 2},
        "by_status": {"200": 10, "202": 2, "429": 1, "error": 1},
    }
