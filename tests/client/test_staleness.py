"""stale_reasons and replan_reasons: what makes a saved plan stale, over plain data."""

from __future__ import annotations

from typing import Any

from reconciler.core.model import SelectorMatch
from reconciler.core.plans import Action, Change, Endpoint, Plan, Step
from reconciler.edges.staleness import api_url_reason, replan_reasons, stale_reasons


def env(env_id: str, name: str) -> dict[str, object]:
    return {"id": env_id, "name": name}


def test_a_selector_never_counts_its_source_environment_even_with_no_change() -> None:
    # 'pr-*' would match the source 'pr-main' by name; the selector never matches its
    # source, so a plan with no change for this manifest is not stale because of it.
    selector = SelectorMatch("previews", "p1", "pr-*", ("e2",), source_environment_id="e1")
    plan = Plan.of([], selectors=[selector])
    listing = {"p1": [env("e1", "pr-main"), env("e2", "pr-2")]}
    assert stale_reasons(plan, {}, listing) == []


def test_a_new_environment_matching_the_selector_makes_the_plan_stale() -> None:
    selector = SelectorMatch("previews", "p1", "pr-*", ("e2",), source_environment_id="e1")
    plan = Plan.of([], selectors=[selector])
    listing = {"p1": [env("e1", "staging"), env("e2", "pr-2"), env("e3", "PR-3")]}
    (reason,) = stale_reasons(plan, {}, listing)
    assert "previews" in reason and "pr-*" in reason


# ── replan_reasons: a saved plan is a request, not a licence ───────────────────────────


def change(action: Action = Action.UPDATE, **fields: object) -> Change:
    source = Endpoint("s1", "api", "shop", "staging", "e1")
    target = Endpoint("t1", "api", "shop", "pr-1", "e2")
    values: dict[str, Any] = {
        "address": "previews.api[shop/pr-1]",
        "action": action,
        "manifest": "previews",
        "source": source,
        "target": target,
        "owned": True,
        "steps": (Step.EDIT,),
        "desired": {"cpu": 250},
        "reason": "drifted",
        "fingerprints": {"source": "a", "target": "b"},
    }
    values.update(fields)
    return Change(**values)


def test_a_change_a_fresh_plan_makes_the_same_way_holds_whatever_its_display() -> None:
    fresh = Plan.of([change(reason="drifted; on_drift: correct", fingerprints={})])
    assert replan_reasons(Plan.of([change()]), fresh) == []


def test_a_change_no_fresh_change_matches_is_named() -> None:
    other = Endpoint("x9", "api", "shop", "production", "e3")
    saved = Plan.of([change(), change(address="previews.api[shop/production]", target=other)])
    (reason,) = replan_reasons(saved, Plan.of([change()]))
    assert reason.startswith("previews.api[shop/production]: no manifest")


def test_a_change_whose_target_steps_or_values_differ_is_named_with_what_differs() -> None:
    fresh = Plan.of([change()])
    other = Endpoint("x9", "api", "shop", "pr-1", "e2")
    for edited, what in (
        (change(target=other), "target"),
        (change(steps=(Step.EDIT, Step.DEPLOY)), "steps"),
        (change(desired={"cpu": 4000}), "desired values"),
        (change(owned=False), "owned"),
        (change(description="mine"), "description"),
    ):
        (reason,) = replan_reasons(Plan.of([edited]), fresh)
        assert reason == (
            f"previews.api[shop/pr-1]: a fresh plan would make another change (its {what} differ)"
        )
    (reason,) = replan_reasons(Plan.of([change(Action.DELETE)]), fresh)
    assert reason == "previews.api[shop/pr-1]: a fresh plan would update it, not delete"


def test_changes_that_write_nothing_are_not_compared() -> None:
    saved = Plan.of([change(Action.NOOP), change(Action.CONFLICT, address="previews.x[shop/y]")])
    assert replan_reasons(saved, Plan.of([])) == []


def test_a_plan_without_an_api_url_or_for_another_is_refused() -> None:
    assert api_url_reason(Plan.of([], api_url="http://a"), "http://a") is None
    assert "no api_url" in str(api_url_reason(Plan.of([]), "http://a"))
    assert "made against http://b, not http://a" in str(
        api_url_reason(Plan.of([], api_url="http://b"), "http://a")
    )
