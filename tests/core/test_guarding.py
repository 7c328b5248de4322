"""The mass-deletion guard over plain plans (contract section 18): which plans are refused,
and which intended retirements go through."""

from __future__ import annotations

from helpers_planning import desired_clone

from reconciler.core.guarding import refusals
from reconciler.core.model import DesiredState, EnvironmentRef, Policy, SelectorMatch
from reconciler.core.plans import Action, Change, Endpoint, Plan
from reconciler.core.targeting import select

SHOP = [EnvironmentRef(f"env-{n}", f"preview-{n}", "proj-shop", "shop", "org") for n in range(30)]
DATA = EnvironmentRef("env-qa", "qa", "proj-data", "data", "org")


def change(action: Action, env: EnvironmentRef, app: str = "api", manifest: str = "m") -> Change:
    return Change(
        address=f"{manifest}.{app}[{env.project_name}/{env.name}]",
        action=action,
        manifest=manifest,
        source=Endpoint("src", app, "shop", "staging", "env-staging"),
        target=Endpoint(f"id-{app}-{env.id}", app, env.project_name, env.name, env.id),
        owned=True,
    )


def plan_of(kept: int, deleted: int, *, where: list[EnvironmentRef] = SHOP) -> Plan:
    """``kept`` owned clones kept (noop), then ``deleted`` owned clones deleted."""
    changes = [change(Action.NOOP, env) for env in where[:kept]]
    changes += [change(Action.DELETE, env) for env in where[kept : kept + deleted]]
    return Plan.of(changes)


def desired(
    policy: Policy,
    *,
    clones: int = 1,
    selectors: tuple[SelectorMatch, ...] = (),
) -> DesiredState:
    source = {"id": "src", "name": "api"}
    return DesiredState(
        clones=tuple(desired_clone(source, env, manifest="m") for env in SHOP[:clones]),
        managed_manifests=("m",),
        policies={"m": policy},
        prune_environments={"m": (*SHOP, DATA)} if policy.prune else {},
        selectors=selectors,
    )


PRUNE = Policy(prune=True)
EMPTY = SelectorMatch("m", "proj-shop", "preveiw-*", ())


def messages(plan: Plan, state: DesiredState, whole: Plan | None = None) -> list[str]:
    return [r.message for r in refusals(plan, state, whole=whole)]


def test_a_few_deletes_among_many_owned_clones_go_through() -> None:
    assert messages(plan_of(kept=6, deleted=4), desired(PRUNE)) == []
    assert messages(plan_of(kept=1, deleted=1), desired(PRUNE)) == []  # exactly half


def test_more_than_half_of_the_owned_clones_is_refused() -> None:
    assert messages(plan_of(kept=1, deleted=2), desired(PRUNE)) == [
        "the plan deletes 2 of the 3 clones it owns, more than half"
    ]


def test_more_than_max_deletes_is_refused_and_max_deletes_is_the_manifests() -> None:
    assert messages(plan_of(kept=12, deleted=11), desired(PRUNE)) == [
        "the plan deletes 11 of the 23 clones it owns, more than policy.max_deletes (10)"
    ]
    assert messages(plan_of(kept=12, deleted=11), desired(Policy(prune=True, max_deletes=11))) == []
    assert messages(plan_of(kept=9, deleted=1), desired(Policy(prune=True, max_deletes=0))) == [
        "the plan deletes 1 of the 10 clones it owns, more than policy.max_deletes (0)"
    ]


def test_an_empty_selector_that_would_delete_in_its_project_is_refused() -> None:
    state = desired(PRUNE, clones=0, selectors=(EMPTY,))
    found = refusals(plan_of(kept=0, deleted=3), state)
    assert [r.message for r in found] == [
        "selector 'preveiw-*' in shop matches no environment, and the plan deletes 3 clones "
        "it owns there (set policy.allow_empty: true if the selector may match nothing)",
        "the plan deletes 3 of the 3 clones it owns, more than half",
    ]
    assert found[0].selector == EMPTY and {r.manifest for r in found} == {"m"}


def test_an_empty_selector_is_no_refusal_where_nothing_of_its_project_is_deleted() -> None:
    state = desired(PRUNE, clones=4, selectors=(EMPTY,))
    qa_only = Plan.of([*plan_of(kept=4, deleted=0).changes, change(Action.DELETE, DATA)])
    assert messages(qa_only, state) == []
    assert messages(plan_of(kept=4, deleted=0), state) == []  # no delete at all


def test_allow_empty_lets_an_empty_selector_retire_its_clones_within_max_deletes() -> None:
    allowed = Policy(prune=True, allow_empty=True)
    state = desired(allowed, clones=0, selectors=(EMPTY,))
    assert messages(plan_of(kept=0, deleted=3), state) == []
    assert messages(plan_of(kept=0, deleted=11), state) == [
        "the plan deletes 11 of the 11 clones it owns, more than policy.max_deletes (10)"
    ]
    # a manifest that keeps clones is not empty: the half rule still holds
    still = desired(allowed, clones=1, selectors=(EMPTY,))
    assert messages(plan_of(kept=1, deleted=2), still) == [
        "the plan deletes 2 of the 3 clones it owns, more than half"
    ]


def test_targets_empty_retires_every_clone_within_max_deletes() -> None:
    retired = desired(PRUNE, clones=0)
    assert messages(plan_of(kept=0, deleted=10), retired) == []
    assert messages(plan_of(kept=0, deleted=12), retired) == [
        "the plan deletes 12 of the 12 clones it owns, more than policy.max_deletes (10)"
    ]


def test_with_target_only_the_deletes_carried_out_count_against_the_whole_plans_clones() -> None:
    whole = plan_of(kept=1, deleted=3)
    one = select(whole, [whole.changes[-1].address])
    assert messages(whole, desired(PRUNE)) != []
    assert messages(one, desired(PRUNE), whole) == []  # 1 of the 4 it owns
    kept_only = select(whole, [whole.changes[0].address])
    assert messages(kept_only, desired(PRUNE), whole) == []  # deletes nothing


def test_each_manifest_is_weighed_on_its_own() -> None:
    other = [change(Action.DELETE, env, manifest="other") for env in SHOP[:3]]
    plan = Plan.of([*plan_of(kept=6, deleted=1).changes, *other])
    state = DesiredState(
        clones=(),
        managed_manifests=("m", "other"),
        policies={"m": PRUNE, "other": PRUNE},
        prune_environments={},
        selectors=(SelectorMatch("other", "proj-shop", "x-*", ("env-1",)),),
    )
    (refusal,) = refusals(plan, state)
    assert refusal.manifest == "other"
    assert refusal.message == "the plan deletes 3 of the 3 clones it owns, more than half"
