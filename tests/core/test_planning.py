"""The planner over plain data: every action, every policy knob, ownership and prune safety."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from helpers_planning import (
    PREVIEW_1,
    PREVIEW_2,
    SOURCE_ENV,
    application,
    desired,
    desired_clone,
    fresh_clone,
    observed,
    observed_app,
)

from reconciler.core.model import Deploy, ObservedApplication, OnDrift, Policy
from reconciler.core.ownership import Owner, make_marker, read_marker, with_marker
from reconciler.core.planning import plan
from reconciler.core.plans import Action, Change, Origin, Step
from reconciler.core.reasons import Reason

SRC: dict[str, Any] = application("app-src", "api", "env-staging")
OWNER = Owner("previews", "api", "app-src")
CORRECT = Policy(on_drift=OnDrift.CORRECT)


def marker_of(change: Change) -> Owner | None:
    """The marker a change writes, its ``applied`` digest checked and set aside."""
    owner = read_marker(change.description)
    assert owner is not None and owner.applied and len(owner.applied) == 12
    assert owner.clone_id == change.target.application_id  # the marker names its clone
    return dataclasses.replace(owner, applied=None, clone_id=None)


def owner_recorded_by(change: Change) -> Owner:
    """OWNER with the digest that ``change`` records."""
    owner = read_marker(change.description)
    assert owner is not None
    return dataclasses.replace(OWNER, applied=owner.applied, clone_id=owner.clone_id)


def owned_clone(name: str = "api", env: str = PREVIEW_1.id, **fields: Any) -> dict[str, Any]:
    clone = fresh_clone(SRC, f"app-{name}-{env}", name, env)
    clone["description"] = with_marker(clone["description"], OWNER)
    clone.update(fields)
    return clone


def only(changes: tuple[Change, ...]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


def plan_one(*targets: dict[str, Any], status: str | None = None, **clone_kw: Any) -> Change:
    apps = [observed_app(SRC)] + [observed_app(t, status) for t in targets]
    return only(plan(desired(desired_clone(SRC, **clone_kw)), observed(*apps)).changes)


# ── a changed declaration vs drift behind the reconciler's back ──────────────────────────


def applied_clone(overrides: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An owned clone whose marker records the declaration made with ``overrides``."""
    applied = read_marker(plan_one(overrides=overrides).description)
    clone = owned_clone(**fields)
    clone["description"] = with_marker(clone["description"], applied)  # type: ignore[arg-type]
    return clone


def test_an_override_changed_in_the_manifest_is_applied_even_with_on_drift_report() -> None:
    clone = applied_clone({"cpu": 250}, cpu=250)
    assert plan_one(clone, overrides={"cpu": 250}).action is Action.NOOP
    change = plan_one(clone, overrides={"cpu": 300})
    assert (change.action, change.steps) == (Action.UPDATE, (Step.EDIT,))
    assert change.reason == "the manifest or its source changed since the last apply"
    # a change of the declaration is a change, before → after, never drift (contract 17)
    assert [(u.path, u.before, u.after) for u in change.updates] == [("cpu", 250, 300)]
    assert change.drift == ()
    assert plan(*_one_clone(clone, {"cpu": 300})).summary.drifted == 0


def test_a_changed_declaration_is_a_change_even_under_on_drift_correct() -> None:
    clone = applied_clone({"cpu": 250}, cpu=250)
    change = plan_one(clone, overrides={"cpu": 300}, policy=Policy(on_drift=OnDrift.CORRECT))
    assert change.reason_code is Reason.DECLARATION_CHANGED
    assert (change.drift, [u.after for u in change.updates]) == ((), [300])


def test_corrected_drift_is_drift_and_the_update_that_restores_it() -> None:
    clone = applied_clone({"cpu": 250}, cpu=999)
    change = plan_one(clone, overrides={"cpu": 250}, policy=Policy(on_drift=OnDrift.CORRECT))
    assert change.reason_code is Reason.DRIFTED
    assert [(i.path, i.expected, i.actual) for i in change.drift] == [("cpu", 250, 999)]
    assert [(u.path, u.before, u.after) for u in change.updates] == [("cpu", 999, 250)]


def _one_clone(clone: dict[str, Any], overrides: dict[str, Any]) -> tuple[Any, Any]:
    return desired(desired_clone(SRC, overrides=overrides)), observed(
        observed_app(SRC), observed_app(clone)
    )


def test_drift_made_behind_the_reconcilers_back_is_only_reported() -> None:
    change = plan_one(applied_clone({"cpu": 250}, cpu=999), overrides={"cpu": 250})
    assert (change.action, change.steps, change.updates) == (Action.NOOP, (), ())
    assert [(i.path, i.actual) for i in change.drift] == [("cpu", 999)]


def test_a_new_declaration_the_clone_already_matches_writes_nothing() -> None:
    change = plan_one(applied_clone({"cpu": 250}, cpu=300), overrides={"cpu": 300})
    assert (change.action, change.steps, change.drift) == (Action.NOOP, (), ())


def test_a_source_change_in_an_ignored_field_is_no_declaration_change() -> None:
    ignore = ("max_running_instances",)
    applied = read_marker(plan_one(ignore=ignore).description)
    moved = copy.deepcopy(SRC) | {"max_running_instances": 7}
    clone = fresh_clone(SRC, "app-c", "api", PREVIEW_1.id)
    clone["description"] = with_marker(clone["description"], applied)  # type: ignore[arg-type]
    apps = [observed_app(moved), observed_app(clone)]
    clones = desired(desired_clone(moved, ignore=ignore))
    change = only(plan(clones, observed(*apps)).changes)
    assert (change.action, change.drift) == (Action.NOOP, ())


# ── create ──────────────────────────────────────────────────────────────────────────────


def test_missing_clone_is_created() -> None:
    change = plan_one()
    assert (change.action, change.reason) == (Action.CREATE, "does not exist")
    assert change.steps == (Step.CLONE, Step.EDIT)
    assert change.target.application_id is None
    assert change.drift == ()
    assert change.deploy_commit == "c0ffee"
    assert marker_of(change) == OWNER
    assert change.desired_is_complete


def test_create_with_deploy_adds_a_deploy_step() -> None:
    change = plan_one(policy=Policy(deploy=Deploy.ON_CREATE))
    assert change.steps == (Step.CLONE, Step.EDIT, Step.DEPLOY)


def test_names_match_case_insensitively() -> None:
    change = plan_one(owned_clone(name="API"))
    assert change.action is Action.NOOP
    assert change.target.name == "API"


# ── owned clones: drift and on_drift ────────────────────────────────────────────────────


def test_owned_untouched_clone_is_a_noop_without_drift() -> None:
    change = plan_one(owned_clone())
    assert (change.action, change.drift, change.owned) == (Action.NOOP, (), True)


@pytest.mark.parametrize(
    ("policy", "action", "steps"),
    [(Policy(), Action.NOOP, ()), (CORRECT, Action.UPDATE, (Step.EDIT,))],
)
def test_drift_is_reported_or_corrected(policy: Policy, action: Action, steps: Any) -> None:
    change = plan_one(owned_clone(cpu=1000), policy=policy)
    assert change.action is action
    assert change.steps == steps
    assert [(i.path, i.expected, i.actual) for i in change.drift] == [("cpu", 500, 1000)]
    assert change.reason == f"drifted; on_drift: {policy.on_drift.value}"


def test_override_drift_has_origin_override_and_source_drift_origin_source() -> None:
    change = plan_one(owned_clone(cpu=500, memory=1024), overrides={"cpu": 250})
    origins = {i.path: i.origin for i in change.drift}
    assert origins == {"cpu": Origin.OVERRIDE, "memory": Origin.SOURCE}


def test_override_given_as_string_is_normalised() -> None:
    change = plan_one(owned_clone(cpu=250), overrides={"cpu": "250"})
    assert change.drift == ()


def test_follow_source_true_sees_a_source_change() -> None:
    clone = owned_clone()
    source = copy.deepcopy(SRC) | {"memory": 2048}
    apps = [observed_app(source), observed_app(clone)]
    change = only(plan(desired(desired_clone(source)), observed(*apps)).changes)
    assert [(i.path, i.expected, i.actual) for i in change.drift] == [("memory", 2048, 512)]


def test_follow_source_false_compares_only_the_overrides() -> None:
    clone = owned_clone(memory=4096, cpu=250)
    clone["git_repository"]["branch"] = "feature"
    policy = Policy(follow_source=False)
    quiet = plan_one(clone, overrides={"cpu": 250}, policy=policy)
    assert quiet.drift == ()
    assert quiet.desired == {"cpu": 250}
    assert not quiet.desired_is_complete
    loud = plan_one(clone, overrides={"git_repository": {"branch": "main"}}, policy=policy)
    assert [(i.path, i.origin) for i in loud.drift] == [("git_repository.branch", Origin.OVERRIDE)]


def test_ignore_paths_hide_drift() -> None:
    change = plan_one(owned_clone(max_running_instances=5), ignore=("max_running_instances",))
    assert change.drift == ()


def test_ports_reordered_with_new_ids_and_server_defaults_are_no_drift() -> None:
    clone = owned_clone()
    clone["ports"].reverse()
    for port in clone["ports"]:
        port["id"] = "renewed"
    del clone["gpu"]
    clone["cpu"] = "500"
    clone["healthchecks"]["readiness_probe"].pop("failure_threshold")
    assert plan_one(clone).drift == ()


def test_deploy_true_deploys_an_owned_clone_never_deployed() -> None:
    change = plan_one(
        owned_clone(), status="NEVER_DEPLOYED", policy=Policy(deploy=Deploy.ON_CREATE)
    )
    assert (change.action, change.steps) == (Action.UPDATE, (Step.DEPLOY,))
    assert plan_one(
        owned_clone(), status="UP_TO_DATE", policy=Policy(deploy=Deploy.ON_CREATE)
    ).action is (Action.NOOP)


# ── ownership ───────────────────────────────────────────────────────────────────────────


def test_an_unowned_application_is_a_conflict() -> None:
    stranger = application("app-x", "api", PREVIEW_1.id, cpu=100)
    change = plan_one(stranger)
    assert change.action is Action.CONFLICT
    assert change.steps == () and change.description is None
    assert "adopt" in change.reason


def test_adopt_true_takes_an_unowned_application_over() -> None:
    stranger = application("app-x", "api", PREVIEW_1.id, cpu=100)
    change = plan_one(stranger, policy=Policy(adopt=True))
    assert (change.action, change.reason, change.steps) == (Action.UPDATE, "adopting", (Step.EDIT,))
    assert change.owned is False
    # nothing moved behind the reconciler's back on an application it never had: a change
    assert (change.drift, [(u.path, u.before) for u in change.updates]) == ((), [("cpu", 100)])


def test_an_untouched_clone_without_marker_finishes_the_interrupted_create() -> None:
    change = plan_one(fresh_clone(SRC, "app-c", "api", PREVIEW_1.id))
    assert (change.action, change.reason) == (Action.UPDATE, "finishing an interrupted create")
    assert marker_of(change) == OWNER


def test_an_untouched_clone_of_an_owned_source_gets_its_own_marker() -> None:
    source = copy.deepcopy(SRC)
    source["description"] = with_marker("the API", Owner("upstream", "core", "app-core"))
    clone = fresh_clone(source, "app-c", "api", PREVIEW_1.id)
    apps = [observed_app(source), observed_app(clone)]
    change = only(plan(desired(desired_clone(source)), observed(*apps)).changes)
    assert (change.action, change.reason) == (Action.UPDATE, "finishing an interrupted create")
    applied = owner_recorded_by(change)
    assert change.description == f"the API\n{make_marker(applied)}"
    create = only(plan(desired(desired_clone(source)), observed(apps[0])).changes)
    fresh = dataclasses.replace(applied, clone_id=None)  # the id is known once cloned
    assert create.description == f"the API\n{make_marker(fresh)}"


def test_a_touched_clone_carrying_the_sources_marker_is_a_conflict() -> None:
    source = copy.deepcopy(SRC)
    source["description"] = with_marker("the API", Owner("upstream", "core", "app-core"))
    clone = fresh_clone(source, "app-c", "api", PREVIEW_1.id) | {"cpu": 7}
    apps = [observed_app(source), observed_app(clone)]
    change = only(
        plan(desired(desired_clone(source, policy=Policy(adopt=True))), observed(*apps)).changes
    )
    assert change.action is Action.CONFLICT


def test_owned_by_another_manifest_is_always_a_conflict() -> None:
    clone = owned_clone()
    clone["description"] = with_marker("x", Owner("other", "api", "app-src"))
    change = plan_one(clone, policy=Policy(adopt=True, on_drift=OnDrift.CORRECT))
    assert change.action is Action.CONFLICT
    assert "other" in change.reason


def test_owned_for_another_source_is_a_conflict() -> None:
    clone = owned_clone()
    clone["description"] = with_marker("x", Owner("previews", "web", "app-web"))
    assert plan_one(clone, policy=Policy(adopt=True)).action is Action.CONFLICT


def test_an_environment_that_failed_to_list_is_never_created_in() -> None:
    state = observed(observed_app(SRC), failed={PREVIEW_1.id: "HTTP 503"})
    change = only(plan(desired(desired_clone(SRC)), state).changes)
    assert change.action is Action.CONFLICT
    assert "503" in change.reason


def test_an_environment_that_was_never_listed_is_never_created_in() -> None:
    state = observed(observed_app(SRC), envs=(SOURCE_ENV,))
    change = only(plan(desired(desired_clone(SRC)), state).changes)
    assert change.action is Action.CONFLICT
    assert "not listed" in change.reason


# ── prune ───────────────────────────────────────────────────────────────────────────────


def prune_plan(*apps: ObservedApplication, managed: tuple[str, ...] | None = None) -> list[Change]:
    policy = Policy(prune=True)
    state = desired(
        desired_clone(SRC, PREVIEW_1, policy=policy),
        prune={"previews": (PREVIEW_1, PREVIEW_2)},
        managed=managed,
    )
    return [
        c
        for c in plan(state, observed(observed_app(SRC), *apps)).changes
        if c.action is Action.DELETE
    ]


def test_prune_deletes_owned_clones_no_longer_declared() -> None:
    gone = owned_clone(env=PREVIEW_2.id)
    deletes = prune_plan(observed_app(owned_clone()), observed_app(gone))
    assert [(c.target.application_id, c.steps, c.owned) for c in deletes] == [
        (gone["id"], (Step.DELETE,), True)
    ]
    assert deletes[0].address == "previews.api[shop/preview-2]"


def test_prune_never_touches_an_unowned_application() -> None:
    assert prune_plan(observed_app(application("x", "legacy", PREVIEW_2.id))) == []


def test_prune_never_touches_another_manifests_clone() -> None:
    theirs = owned_clone(env=PREVIEW_2.id)
    theirs["description"] = with_marker("", Owner("other", "api", "app-src"))
    assert prune_plan(observed_app(theirs)) == []


def test_prune_never_touches_a_manifest_not_managed() -> None:
    assert prune_plan(observed_app(owned_clone(env=PREVIEW_2.id)), managed=()) == []


def test_without_prune_nothing_is_deleted() -> None:
    state = desired(desired_clone(SRC), prune={"previews": (PREVIEW_2,)})
    result = plan(state, observed(observed_app(SRC), observed_app(owned_clone(env=PREVIEW_2.id))))
    assert all(c.action is not Action.DELETE for c in result.changes)


# ── the plan as a whole ─────────────────────────────────────────────────────────────────


def test_summary_and_pending_changes() -> None:
    clones = (
        desired_clone(SRC, PREVIEW_1),  # drifted, reported
        desired_clone(SRC, PREVIEW_2),  # missing
    )
    result = plan(desired(*clones), observed(observed_app(SRC), observed_app(owned_clone(cpu=9))))
    assert result.summary.as_dict() == {
        "create": 1,
        "update": 0,
        "delete": 0,
        "noop": 1,
        "conflict": 0,
        "drifted": 1,
        "missing": 1,
        "expire": 0,
    }
    assert result.has_pending_changes
    assert [c.address for c in result.changes] == sorted(c.address for c in result.changes)


def test_reported_drift_alone_is_not_pending() -> None:
    result = plan(
        desired(desired_clone(SRC)), observed(observed_app(SRC), observed_app(owned_clone(cpu=9)))
    )
    assert not result.has_pending_changes
    assert result.has_drift


def test_fingerprints_change_with_the_configuration_not_with_timestamps() -> None:
    def fp(clone: dict[str, Any]) -> Any:
        return plan_one(clone).fingerprints["target"]

    base = owned_clone()
    assert fp(base) == fp(base | {"updated_at": "2030-01-01T00:00:00Z"})
    assert fp(base) != fp(base | {"cpu": 9})
    assert plan_one().fingerprints["target"] is None


def test_a_correcting_write_leaves_ignored_fields_as_they_are() -> None:
    clone = owned_clone(cpu=999, max_running_instances=7)
    change = plan_one(clone, ignore=("max_running_instances",), policy=CORRECT)
    assert (change.action, [i.path for i in change.drift]) == (Action.UPDATE, ["cpu"])
    assert change.desired["cpu"] == SRC["cpu"]
    assert change.desired["max_running_instances"] == 7  # the clone's own, not the source's


def test_an_ignored_description_is_kept_by_a_write_with_a_fresh_marker() -> None:
    clone = owned_clone(cpu=999)
    clone["description"] = with_marker("the team's own words", OWNER)
    change = plan_one(clone, ignore=("description",), policy=CORRECT)
    assert change.action is Action.UPDATE
    assert change.description is not None
    assert change.description.startswith("the team's own words\n")
    assert marker_of(change) == OWNER


def test_a_partial_write_does_not_gain_ignored_fields_it_does_not_declare() -> None:
    clone = owned_clone(cpu=999, max_running_instances=7)
    policy = Policy(follow_source=False, on_drift=OnDrift.CORRECT)
    change = plan_one(
        clone, overrides={"cpu": 250}, ignore=("max_running_instances",), policy=policy
    )
    assert change.action is Action.UPDATE
    assert "max_running_instances" not in change.desired
    assert change.desired["cpu"] == 250


def test_a_changed_name_template_renames_the_owned_clone_in_place() -> None:
    clone = owned_clone()  # named "api", owned by previews for this source
    policy = Policy(prune=True)
    state = desired(
        desired_clone(SRC, name="api-pr", policy=policy), prune={"previews": (PREVIEW_1,)}
    )
    changes = plan(state, observed(observed_app(SRC), observed_app(clone))).changes
    (change,) = changes  # no delete of the old name, no create of the new one
    assert (change.action, change.steps) == (Action.UPDATE, (Step.EDIT,))
    assert change.reason.startswith("renamed from 'api'")
    assert (change.target.application_id, change.target.name) == (clone["id"], "api-pr")


def test_a_stranger_under_the_old_name_is_never_renamed() -> None:
    stranger = application("app-x", "api", PREVIEW_1.id)
    change = plan_one(stranger, name="api-pr")
    assert (change.action, change.target.application_id) == (Action.CREATE, None)
