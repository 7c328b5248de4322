"""The questions every view asks of a plan, answered once in ``plans``."""

from __future__ import annotations

from helpers_planning import plan_change

from reconciler.core import plans
from reconciler.core.plans import Action, Change, DriftItem, Origin, Plan

DRIFT = (DriftItem("cpu", 250, 900, Origin.OVERRIDE),)


change = plan_change


PLAN = Plan.of(
    [
        change("a-new", Action.CREATE),
        change("b-fixed", Action.UPDATE, DRIFT),
        change("c-gone", Action.DELETE, DRIFT),
        change("d-reported", Action.NOOP, DRIFT),
        change("e-same", Action.NOOP),
        change("f-taken", Action.CONFLICT),
    ]
)


def names(changes: tuple[Change, ...]) -> list[str]:
    return [c.target.name for c in changes]


def test_each_query_picks_its_changes_in_address_order() -> None:
    assert names(plans.drifted(PLAN)) == ["b-fixed", "d-reported"]
    assert names(plans.reported_drift(PLAN)) == ["d-reported"]
    assert names(plans.missing(PLAN)) == ["a-new"]
    assert names(plans.conflicts(PLAN)) == ["f-taken"]
    assert names(plans.shown(PLAN)) == ["a-new", "b-fixed", "c-gone", "d-reported", "f-taken"]


def test_the_summary_counts_what_the_queries_list() -> None:
    assert PLAN.summary.drifted == len(plans.drifted(PLAN))
    assert PLAN.summary.missing == len(plans.missing(PLAN))
    assert PLAN.summary.conflict == len(plans.conflicts(PLAN))
