"""Guards of contract section 18 in the planner, over plain data: sacred sources, copied
markers, values the API would refuse (``prechecks``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from helpers_planning import (
    PREVIEW_1,
    PREVIEW_2,
    application,
    desired,
    desired_clone,
    fresh_clone,
    observed,
    observed_app,
)

from reconciler.core.errors import Position
from reconciler.core.model import Policy
from reconciler.core.ownership import Owner, with_marker
from reconciler.core.planning import plan
from reconciler.core.plans import Action
from reconciler.core.prechecks import refused_values

SRC: dict[str, Any] = application("app-src", "api", "env-staging")
OWNER = Owner("previews", "api", "app-src")


def test_an_owned_clone_that_is_the_source_of_another_clone_is_neither_edited_nor_pruned() -> None:
    first = fresh_clone(SRC, "app-1", "api", PREVIEW_1.id)
    first["description"] = with_marker("", dataclasses.replace(OWNER, clone_id="app-1"))
    first["cpu"] = 999  # drifted
    from_first = desired_clone(first, name="api-next")
    from_staging = desired_clone(SRC, policy=Policy(prune=True))  # targets app-1 itself
    state = desired(from_first, from_staging, prune={"previews": (PREVIEW_1,)})
    changes = plan(state, observed(observed_app(SRC), observed_app(first))).changes
    by_name = {c.target.name: c for c in changes}
    assert by_name["api"].action is Action.CONFLICT
    assert "a source of this run" in by_name["api"].reason
    assert by_name["api-next"].action is Action.CREATE
    assert not [c for c in changes if c.action is Action.DELETE]


def test_a_copy_of_an_owned_clone_is_not_renamed_nor_pruned() -> None:
    ours = fresh_clone(SRC, "app-1", "api", PREVIEW_1.id)
    ours["description"] = with_marker("", dataclasses.replace(OWNER, clone_id="app-1"))
    copy = fresh_clone(ours, "app-2", "aaa-bob", PREVIEW_1.id)  # the marker names app-1
    clone = desired_clone(SRC, name="api-pr", policy=Policy(prune=True))
    state = desired(clone, prune={"previews": (PREVIEW_1,)})
    apps = observed(observed_app(SRC), observed_app(ours), observed_app(copy))
    changes = plan(state, apps).changes
    assert [(c.action, c.target.application_id) for c in changes] == [(Action.UPDATE, "app-1")]


def test_values_the_api_would_refuse_are_a_conflict_naming_the_manifest_position() -> None:
    at = Position("previews.yaml", 12, 7)
    clone = dataclasses.replace(
        desired_clone(SRC, overrides={"min_running_instances": 4}), position=at
    )
    (change,) = plan(desired(clone), observed(observed_app(SRC))).changes
    assert change.action is Action.CONFLICT and change.steps == ()
    assert change.reason.endswith("(previews.yaml:12:7)")
    assert "min_running_instances (4) is above max_running_instances" in change.reason


def test_a_partial_write_is_refused_by_each_clones_own_values_not_once_per_declaration() -> None:
    """Prechecks are answered once per desired configuration, except where a clone's own
    value fills a field the declaration lacks: then per clone."""
    policy = Policy(follow_source=False)
    clones = [
        desired_clone(SRC, env, overrides={"min_running_instances": 4}, policy=policy)
        for env in (PREVIEW_1, PREVIEW_2)
    ]
    roomy = fresh_clone(SRC, "app-1", "api", PREVIEW_1.id)
    roomy.update(max_running_instances=10, description=with_marker("", OWNER))
    tight = fresh_clone(SRC, "app-2", "api", PREVIEW_2.id)
    tight.update(max_running_instances=2, description=with_marker("", OWNER))
    apps = observed(observed_app(SRC), observed_app(roomy), observed_app(tight))
    changes = plan(desired(*clones), apps).changes
    by_env = {c.target.environment_id: c for c in changes}
    assert by_env[PREVIEW_1.id].action is not Action.CONFLICT
    assert by_env[PREVIEW_2.id].action is Action.CONFLICT
    assert "above max_running_instances (2)" in by_env[PREVIEW_2.id].reason


def test_refused_values() -> None:
    source = {"maximum_cpu": 4000, "maximum_memory": 8192}
    assert not refused_values({"min_running_instances": 2, "max_running_instances": -1}, source, {})
    assert refused_values({"min_running_instances": 2}, source, {"max_running_instances": 1})
    assert not refused_values({"min_running_instances": 1}, source, {"max_running_instances": 1})
    assert "cpu (4001)" in refused_values({"cpu": 4001}, source, {})
    assert "memory (9000)" in refused_values({"memory": 9000}, source, {})
    assert not refused_values({"cpu": 4000, "memory": 8192}, source, {})
    assert not refused_values({"cpu": 10**6}, {}, {})  # no known maximum: the API decides


def test_a_source_is_not_pruned_when_its_manifest_declares_no_clone_of_it() -> None:
    """The manifest now clones from its own former clone, but its selector matches nothing
    (allowed empty): no desired clone names the source, and still it is never deleted."""
    first = fresh_clone(SRC, "app-1", "api", PREVIEW_1.id)
    first["description"] = with_marker("", dataclasses.replace(OWNER, clone_id="app-1"))
    state = dataclasses.replace(
        desired(
            policies={"previews": Policy(prune=True, allow_empty=True)},
            prune={"previews": (PREVIEW_1,)},
        ),
        source_ids=("app-1",),
    )
    changes = plan(state, observed(observed_app(SRC), observed_app(first))).changes
    assert [c for c in changes if c.action is Action.DELETE] == []
    without = dataclasses.replace(state, source_ids=())  # what main planned before
    assert [c.action for c in plan(without, observed(observed_app(first))).changes] == [
        Action.DELETE
    ]
