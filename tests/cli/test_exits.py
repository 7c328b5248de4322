"""The exit-code rules, on plain values: 0, 1 or 2, and 1 wins over 2."""

from __future__ import annotations

from reconciler.commands import exits
from reconciler.core.outcomes import ApplyResult, Outcome, Result
from reconciler.core.plans import Action, Change, DriftItem, Endpoint, Origin, Plan

SIDE = Endpoint(None, "api", "shop", "preview-1", "e1")
DRIFT = (DriftItem("cpu", 250, 900, Origin.OVERRIDE),)


def plan_of(*actions: Action, drift: tuple[DriftItem, ...] = ()) -> Plan:
    return Plan.of(
        [
            Change(f"m.a{i}[shop/preview-1]", a, "m", SIDE, SIDE, owned=True, drift=drift)
            for i, a in enumerate(actions)
        ]
    )


def result(*outcomes: tuple[Action, str]) -> ApplyResult:
    return ApplyResult(
        tuple(Outcome(f"a{i}", a, Result(r), "", 0.0) for i, (a, r) in enumerate(outcomes))
    )


def test_plan_and_drift() -> None:
    assert exits.of_plan(plan_of(Action.CREATE), detailed=False) == 0
    assert exits.of_plan(plan_of(Action.CREATE), detailed=True) == 2
    assert exits.of_plan(plan_of(Action.CREATE, Action.CONFLICT), detailed=True) == 1
    assert exits.of_plan(plan_of(Action.NOOP, drift=DRIFT), detailed=True) == 0
    assert exits.of_drift(plan_of(Action.NOOP, drift=DRIFT)) == 2
    assert exits.of_drift(plan_of(Action.CREATE, Action.CONFLICT)) == 1
    assert exits.of_drift(plan_of(Action.NOOP)) == 0


def test_apply_succeeds_only_when_everything_was_done_and_no_stop_came() -> None:
    done = result((Action.CREATE, "ok"))
    assert exits.of_apply(done) == 0
    assert exits.of_apply(done, stopped=True) == 1
    assert exits.of_apply(result((Action.CREATE, "ok"), (Action.UPDATE, "skipped"))) == 1
    assert exits.of_apply(result((Action.CREATE, "failed"))) == 1


def test_a_round_fails_when_a_write_was_left_undone_and_reports_drift_when_asked() -> None:
    drifted = plan_of(Action.NOOP, drift=DRIFT)
    assert exits.of_round(drifted, result((Action.NOOP, "ok")), detailed=True) == 2
    assert exits.of_round(drifted, result((Action.NOOP, "skipped")), detailed=False) == 0
    undone = result((Action.CREATE, "ok"), (Action.DELETE, "skipped"))
    assert exits.of_round(plan_of(Action.CREATE, Action.DELETE), undone, detailed=True) == 1
    assert exits.of_round_stopped_before_apply(plan_of(Action.CREATE), detailed=False) == 1
    assert exits.of_round_stopped_before_apply(drifted, detailed=True) == 2
