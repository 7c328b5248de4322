"""The guards of contract section 18, each replayed against the sandbox over loopback sockets.

A person using the Qovery console is played by httpx calls straight to the sandbox's API
(clone, edit); the reconciler runs as ``apply`` and ``reconcile`` run it (the Python API, or
``execute`` on a plan of the real planner). Each test shows that nothing the reconciler does
not own is touched, and that what it owns is handled as the contract says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers_executing import Demo, marker_manifest
from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import client as person
from helpers_sandbox import edit_body

import reconciler
from reconciler.core.model import DesiredState, OnDrift, Policy
from reconciler.core.ownership import read_marker
from reconciler.core.plans import Action
from reconciler.edges.executing import execute
from reconciler.sandbox import RunningSandbox

CORRECT = Policy(on_drift=OnDrift.CORRECT)


@pytest.fixture
def demo(sandbox: RunningSandbox) -> Iterator[Demo]:
    demo = Demo(sandbox)
    with demo.client:
        yield demo


def _console_edit(sandbox: RunningSandbox, app_id: str, **changes: Any) -> None:
    """A person edits an application in the console: GET it, PUT it back changed."""
    with person(sandbox) as http:
        app = http.get(f"/application/{app_id}").raise_for_status().json()
        http.put(f"/application/{app_id}", json=edit_body(app, **changes)).raise_for_status()


def _console_clone(sandbox: RunningSandbox, app_id: str, name: str, env_id: str) -> dict[str, Any]:
    """A person clones an application in the console (its description, marker included)."""
    with person(sandbox) as http:
        body = {"name": name, "environment_id": env_id}
        answer: dict[str, Any] = (
            http.post(f"/application/{app_id}/clone", json=body).raise_for_status().json()
        )
        return answer


def _with_clones(desired: DesiredState, **fields: Any) -> DesiredState:
    return replace(desired, clones=tuple(replace(c, **fields) for c in desired.clones))


def _writes_to(sandbox: RunningSandbox, app_id: str) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in sandbox.requests()
        if r["method"] in ("PUT", "DELETE", "POST") and app_id in r["path"]
    ]


# ── ignore: applied where the write is built, from the fresh read ──────────────────────


def _ignoring_manifest(tmp_path: Path) -> str:
    text = demo_manifest(
        applications=("api",),
        targets=("environment: preview-101",),
        policy="{on_drift: correct}",
    )
    return write_manifest(tmp_path, text + "  ignore: [max_running_instances]\n")


def test_an_ignored_field_set_between_plan_and_apply_is_kept_python_api(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    clonesets = reconciler.load(_ignoring_manifest(tmp_path))
    with reconciler.connect(api_url=sandbox.url, environ=sandbox.env) as session:
        assert reconciler.apply(reconciler.plan(clonesets, session), session).ok
        clone = sandbox.application("preview-101", "api")
        assert clone is not None
        _console_edit(sandbox, clone["id"], cpu=900)  # drift, corrected
        plan = reconciler.plan(clonesets, session)
        assert [c.action for c in plan.changes] == [Action.UPDATE]
        _console_edit(sandbox, clone["id"], max_running_instances=5)  # ignored, after the plan
        assert reconciler.apply(plan, session).ok
    after = sandbox.application("preview-101", "api")
    assert after is not None
    assert (after["cpu"], after["max_running_instances"]) == (250, 5)


def test_an_ignored_field_set_between_plan_and_apply_is_kept_by_execute(demo: Demo) -> None:
    desired = demo.desired(apps=("api",), targets=("preview-101",), policy=CORRECT)
    desired = _with_clones(desired, ignore=("max_running_instances",))
    assert execute(demo.plan(desired), demo.client).ok
    clone = demo.clone_of("preview-101", "api")
    _console_edit(demo.sandbox, clone["id"], cpu=900)
    plan = demo.plan(desired)
    _console_edit(demo.sandbox, clone["id"], max_running_instances=5)
    assert execute(plan, demo.client).ok
    after = demo.clone_of("preview-101", "api")
    assert (after["cpu"], after["max_running_instances"]) == (250, 5)


# ── a. the marker names its clone ──────────────────────────────────────────────────────


def test_a_console_copy_of_an_owned_clone_survives_prune_untouched(demo: Demo) -> None:
    pruning = demo.desired(apps=("api",), targets=("preview-101",), policy=Policy(prune=True))
    assert execute(demo.plan(pruning), demo.client).ok
    owned = demo.clone_of("preview-101", "api")
    copy = _console_clone(demo.sandbox, owned["id"], "api-bob-debug", demo.env("qa").id)
    assert read_marker(copy["description"]) == read_marker(owned["description"])  # copied
    demo.sandbox.clear_requests()
    plan = demo.plan(pruning)
    assert not [c for c in plan.changes if c.target.application_id == copy["id"]]
    assert execute(plan, demo.client).ok
    assert demo.clone_of("qa", "api-bob-debug") == demo.sandbox.store.get_application(copy["id"])
    assert _writes_to(demo.sandbox, copy["id"]) == []
    assert demo.named("qa", "api-bob-debug")[0]["description"] == copy["description"]


def test_a_marker_without_an_id_is_trusted_once_and_rewritten_with_it(demo: Demo) -> None:
    desired = demo.desired(apps=("api",), targets=("preview-101",), policy=CORRECT)
    assert execute(demo.plan(desired), demo.client).ok
    clone = demo.clone_of("preview-101", "api")
    owner = read_marker(clone["description"])
    assert owner is not None and owner.clone_id == clone["id"]
    legacy = clone["description"].replace(f"; id: {clone['id']}", "")
    demo.sandbox.edit_out_of_band(clone["id"], description=legacy, cpu=900)
    assert read_marker(legacy) == replace(owner, clone_id=None)
    assert execute(demo.plan(desired), demo.client).counts()["updated"] == 1
    rewritten = read_marker(demo.clone_of("preview-101", "api")["description"])
    assert rewritten is not None and rewritten.clone_id == clone["id"]


# ── b. sources are sacred ──────────────────────────────────────────────────────────────


def test_a_former_clone_that_became_the_source_is_not_pruned(demo: Demo) -> None:
    first = demo.desired(apps=("api",), targets=("preview-101",))
    assert execute(demo.plan(first), demo.client).ok
    former = demo.clone_of("preview-101", "api")
    env_101, env_102 = demo.env("preview-101"), demo.env("preview-102")
    second = demo.desired(apps=("api",), targets=("preview-102",), policy=Policy(prune=True))
    second = _with_clones(
        second, source_app_id=former["id"], source_env=env_101, target_env=env_102
    )
    plan = demo.plan(second)
    assert [c.action for c in plan.changes] == [Action.CREATE]
    demo.sandbox.clear_requests()
    result = execute(plan, demo.client)
    assert result.ok, result
    assert demo.clone_of("preview-101", "api")["id"] == former["id"]  # still there
    assert _writes_to(demo.sandbox, former["id"]) == [f"POST /application/{former['id']}/clone"]
    assert marker_manifest(demo.clone_of("preview-102", "api")) == "previews"


# ── c. an untouched clone is recognised narrowly ───────────────────────────────────────


def _hand_made_copy_of_the_source(demo: Demo) -> dict[str, Any]:
    source = demo.sources["api"]
    made = _console_clone(demo.sandbox, source["id"], "api", demo.env("preview-101").id)
    _console_edit(demo.sandbox, made["id"], description="hand-made, DO NOT TOUCH")
    return made


def test_a_same_configured_application_with_its_own_description_is_a_conflict(
    demo: Demo,
) -> None:
    made = _hand_made_copy_of_the_source(demo)
    desired = demo.desired(apps=("api",), targets=("preview-101",), overrides={})
    plan = demo.plan(desired)
    assert [c.action for c in plan.changes] == [Action.CONFLICT]
    demo.sandbox.clear_requests()
    assert execute(plan, demo.client).counts()["conflicts"] == 1
    assert _writes_to(demo.sandbox, made["id"]) == []
    assert demo.clone_of("preview-101", "api")["description"] == "hand-made, DO NOT TOUCH"
    adopting = demo.desired(apps=("api",), targets=("preview-101",), policy=Policy(adopt=True))
    (change,) = demo.plan(adopting).changes
    assert (change.action, change.reason) == (Action.UPDATE, "adopting")


# ── d. follow_source: false keeps the description ──────────────────────────────────────


def test_follow_source_false_keeps_the_description_and_shows_a_declared_change(
    demo: Demo,
) -> None:
    partial = Policy(follow_source=False, on_drift=OnDrift.CORRECT)
    desired = demo.desired(apps=("api",), targets=("preview-101",), policy=partial)
    assert execute(demo.plan(desired), demo.client).ok
    clone = demo.clone_of("preview-101", "api")
    words = "the team's notes\n" + clone["description"]
    _console_edit(demo.sandbox, clone["id"], description=words, cpu=900)
    assert execute(demo.plan(desired), demo.client).counts()["updated"] == 1
    after = demo.clone_of("preview-101", "api")
    assert after["cpu"] == 250
    assert after["description"].startswith("the team's notes\n[managed-by: reconciler;")
    declared = demo.desired(
        apps=("api",),
        targets=("preview-101",),
        policy=partial,
        overrides={"cpu": 250, "description": "new words"},
    )
    (change,) = demo.plan(declared).changes
    # a changed declaration: a change to make, before → after, not drift
    assert [(u.path, u.after) for u in change.updates] == [("description", "new words")]
    assert change.drift == ()


# ── e. a clone left half-made is still ours; checks before the clone ────────────────────


def _refuse_edits(sandbox: RunningSandbox, times: int) -> None:
    body = '{"status": 400, "message": "refused by the test"}'
    rule = {"action": "respond", "method": "PUT", "path": "/application/*", "status": 400}
    sandbox.set_faults(rules=[{**rule, "body": body, "times": times}])


def test_a_clone_whose_edit_fails_carries_the_marker_alone_and_is_finished_later(
    demo: Demo,
) -> None:
    desired = demo.desired(apps=("api",), targets=("preview-101",))
    plan = demo.plan(desired)
    _refuse_edits(demo.sandbox, times=1)
    (outcome,) = execute(plan, demo.client).outcomes
    clone = demo.clone_of("preview-101", "api")
    assert outcome.result == "failed" and clone["id"] in outcome.message
    assert "marked as ours" in outcome.message
    assert marker_manifest(clone) == "previews" and clone["cpu"] == 500  # marker alone
    (change,) = demo.plan(desired).changes
    assert (change.action, change.owned) == (Action.UPDATE, True)
    assert execute(demo.plan(desired), demo.client).ok
    assert demo.clone_of("preview-101", "api")["cpu"] == 250


def test_a_clone_that_cannot_even_be_marked_is_named_in_the_failure(demo: Demo) -> None:
    plan = demo.plan(demo.desired(apps=("api",), targets=("preview-101",)))
    _refuse_edits(demo.sandbox, times=2)
    (outcome,) = execute(plan, demo.client).outcomes
    clone = demo.clone_of("preview-101", "api")
    assert outcome.result == "failed"
    assert f"'api' ({clone['id']}) is left without an ownership marker" in outcome.message


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"min_running_instances": 5}, "min_running_instances (5) is above"),
        ({"cpu": 20000}, "cpu (20000) is above the source's maximum_cpu (16000)"),
        ({"memory": 999999}, "memory (999999) is above the source's maximum_memory"),
    ],
)
def test_values_the_api_would_refuse_are_a_conflict_before_any_clone(
    demo: Demo, overrides: dict[str, Any], words: str
) -> None:
    desired = demo.desired(apps=("api",), targets=("preview-101",), overrides=overrides)
    (change,) = demo.plan(desired).changes
    assert change.action is Action.CONFLICT and words in change.reason
    demo.sandbox.clear_requests()
    assert execute(demo.plan(desired), demo.client).counts()["conflicts"] == 1
    assert [r for r in demo.sandbox.requests() if r["method"] != "GET"] == []
    assert demo.named("preview-101", "api") == []


# ── f. a template change renames our clone, not a person's copy ───────────────────────


def test_a_template_change_renames_our_clone_and_leaves_a_persons_copy(demo: Demo) -> None:
    before = demo.desired(apps=("api",), targets=("preview-101",), policy=Policy(prune=True))
    assert execute(demo.plan(before), demo.client).ok
    ours = demo.clone_of("preview-101", "api")
    theirs = _console_clone(demo.sandbox, ours["id"], "aaa-bob", demo.env("preview-101").id)
    demo.sandbox.clear_requests()
    after = _with_clones(before, name="api-pr")
    result = execute(demo.plan(after), demo.client)
    assert result.ok, result
    assert demo.clone_of("preview-101", "api-pr")["id"] == ours["id"]
    assert demo.sandbox.store.get_application(theirs["id"]) == demo.clone_of(
        "preview-101", "aaa-bob"
    )
    assert demo.clone_of("preview-101", "aaa-bob")["description"] == theirs["description"]
    assert _writes_to(demo.sandbox, theirs["id"]) == []


# ── g. answers are checked before they are believed ────────────────────────────────────


def test_a_clone_answer_naming_the_source_is_read_back_and_the_source_untouched(
    demo: Demo,
) -> None:
    source = demo.sources["api"]
    before = demo.sandbox.store.get_application(source["id"])
    rule = {
        "action": "respond",
        "method": "POST",
        "path": f"/application/{source['id']}/clone",
        "status": 202,
        "body": json.dumps(before),  # a hostile answer: the source, not a new clone
        "times": 1,
    }
    demo.sandbox.set_faults(rules=[rule])
    plan = demo.plan(demo.desired(apps=("api",), targets=("preview-101",)))
    demo.sandbox.clear_requests()
    result = execute(plan, demo.client)
    assert result.ok, result
    assert _writes_to(demo.sandbox, source["id"]) == [f"POST /application/{source['id']}/clone"] * 2
    assert demo.sandbox.store.get_application(source["id"]) == before
    clone = demo.clone_of("preview-101", "api")
    assert clone["id"] != source["id"] and marker_manifest(clone) == "previews"
