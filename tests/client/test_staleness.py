"""stale_reasons: what makes a saved plan stale, over plain data."""

from __future__ import annotations

from reconciler.core.model import SelectorMatch
from reconciler.core.plans import Plan
from reconciler.edges.staleness import stale_reasons


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
