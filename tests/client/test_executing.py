"""The executor: pure helpers with plain data, then every action against the sandbox over
loopback sockets (desired states built by hand, planned by the real planner)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from helpers_executing import Demo, add_stranger, marker_manifest

from reconciler.core.model import Deploy, OnDrift, Policy
from reconciler.core.outcomes import Result
from reconciler.core.ownership import Owner, with_marker
from reconciler.core.plans import Action, Change, Endpoint
from reconciler.edges.executing import (
    ApplyResult,
    DeployWait,
    Outcome,
    deployment_verdict,
    execute,
    group_changes,
)
from reconciler.sandbox import RunningSandbox

FAST_WAIT = DeployWait(timeout=5.0, first_delay=0.02, max_delay=0.1)


@pytest.fixture
def demo(sandbox: RunningSandbox) -> Iterator[Demo]:
    demo = Demo(sandbox)
    with demo.client:
        yield demo


def _change(address: str, action: Action, env: str = "e1", name: str = "api") -> Change:
    return Change(
        address,
        action,
        "m",
        Endpoint("s", "api", "p", "staging", "e0"),
        Endpoint(None, name, "p", env, env),
        owned=False,
    )


# ── pure ────────────────────────────────────────────────────────────────────────────────


def test_changes_to_one_application_share_a_group_and_noops_are_left_out() -> None:
    a = _change("m.api[p/e1]", Action.CREATE, "e1", "api")
    b = _change("n.api[p/e1]", Action.CONFLICT, "e1", "API")
    c = _change("m.api[p/e2]", Action.CREATE, "e2", "api")
    d = _change("m.web[p/e1]", Action.NOOP, "e1", "web")
    assert group_changes([a, b, c, d]) == [[a, b], [c]]


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        ({"state": "DEPLOYED", "deployment_request_id": "r2"}, "deployed"),
        ({"state": "DEPLOYED", "deployment_request_id": "r1"}, None),  # stale: earlier request
        ({"state": "DEPLOYING", "deployment_request_id": "r2"}, None),
        ({"state": "QUEUED"}, None),
        ({"state": "DEPLOYMENT_ERROR", "deployment_request_id": "r2"}, "failed"),
        ({"state": "BUILD_ERROR"}, "failed"),
        ({"state": "READY", "status_details": {"status": "ERROR"}}, "failed"),
    ],
)
def test_deployment_verdict(status: dict[str, object], verdict: str | None) -> None:
    found = deployment_verdict(status, "r2")
    if verdict is None:
        assert found is None
    else:
        assert found is not None and found.startswith(verdict)


def test_apply_result_counts_and_summary() -> None:
    outcomes = (
        Outcome("a", Action.CREATE, Result.OK, "created", 0.1),
        Outcome("b", Action.CREATE, Result.FAILED, "boom", 0.1),
        Outcome("c", Action.UPDATE, Result.OK, "updated", 0.1),
        Outcome("d", Action.DELETE, Result.OK, "deleted", 0.1),
        Outcome("e", Action.CONFLICT, Result.CONFLICT, "owned by x", 0.0),
        Outcome("f", Action.UPDATE, Result.CONFLICT, "changed", 0.0),
    )
    result = ApplyResult(outcomes)
    assert result.counts() == {
        "created": 1,
        "updated": 1,
        "deleted": 1,
        "failed": 1,
        "conflicts": 2,
    }
    assert result.summary_line() == "1 created, 1 updated, 1 deleted, 1 failed, 2 conflicts"
    assert not result.ok
    assert ApplyResult(outcomes[:1]).ok
    skipped = ApplyResult((Outcome("g", Action.CREATE, Result.SKIPPED, "stopped", 0.0),))
    assert skipped.ok and skipped.skipped == 1
    assert skipped.summary_line().endswith(", 1 skipped")


# ── against the sandbox ─────────────────────────────────────────────────────────────────


def test_create_clones_edits_marks_and_a_second_plan_is_empty(demo: Demo) -> None:
    desired = demo.desired()
    result = execute(demo.plan(desired), demo.client)
    assert result.counts()["created"] == 4, result
    for env in ("preview-101", "preview-102"):
        for app in ("api", "web"):
            clone = demo.clone_of(env, app)
            assert clone["cpu"] == 250
            assert marker_manifest(clone) == "previews"
    again = demo.plan(desired)
    assert {c.action for c in again.changes} == {Action.NOOP}
    assert all(not c.drift for c in again.changes)


def test_create_sends_clone_get_put_and_nothing_else(demo: Demo) -> None:
    desired = demo.desired(apps=("api",), targets=("preview-101",))
    plan = demo.plan(desired)
    demo.sandbox.clear_requests()
    execute(plan, demo.client)
    calls = [(r["method"], r["path"].split("/")[-1]) for r in demo.sandbox.requests()]
    assert [m for m, _ in calls] == ["POST", "GET", "PUT"]


def test_update_restores_drift_when_correcting(demo: Demo) -> None:
    desired = demo.desired(policy=Policy(on_drift=OnDrift.CORRECT))
    execute(demo.plan(desired), demo.client)
    clone = demo.clone_of("preview-101", "api")
    demo.sandbox.edit_out_of_band(clone["id"], cpu=900, memory=2048)
    plan = demo.plan(desired)
    assert [c.action for c in plan.changes].count(Action.UPDATE) == 1
    result = execute(plan, demo.client)
    assert result.counts()["updated"] == 1, result
    restored = demo.clone_of("preview-101", "api")
    assert (restored["cpu"], restored["memory"]) == (250, 512)
    assert marker_manifest(restored) == "previews"


def test_update_refuses_when_the_marker_changed_since_the_plan(demo: Demo) -> None:
    desired = demo.desired(apps=("api",), targets=("preview-101",))
    desired = replace(
        desired,
        clones=tuple(replace(c, policy=Policy(on_drift=OnDrift.CORRECT)) for c in desired.clones),
    )
    execute(demo.plan(desired), demo.client)
    clone = demo.clone_of("preview-101", "api")
    demo.sandbox.edit_out_of_band(clone["id"], cpu=900)
    plan = demo.plan(desired)
    taken = with_marker("", Owner("someone-else", "api", clone["id"]))
    demo.sandbox.edit_out_of_band(clone["id"], description=taken)
    result = execute(plan, demo.client)
    (outcome,) = result.outcomes
    assert outcome.result == "conflict" and "someone-else" in outcome.message
    after = demo.clone_of("preview-101", "api")
    assert after["cpu"] == 900 and marker_manifest(after) == "someone-else"


def test_adopting_refuses_when_the_application_changed_since_the_plan(demo: Demo) -> None:
    desired = demo.desired(apps=("api",), targets=("preview-101",), policy=Policy(adopt=True))
    add_stranger(demo, "preview-101", "api", cpu=500, memory=512)
    plan = demo.plan(desired)
    assert plan.changes[0].reason == "adopting"
    stranger = demo.clone_of("preview-101", "api")
    demo.sandbox.edit_out_of_band(stranger["id"], memory=1024)
    (outcome,) = execute(plan, demo.client).outcomes
    assert outcome.result == "conflict"
    assert marker_manifest(demo.clone_of("preview-101", "api")) is None


def test_prune_deletes_an_owned_clone_and_refuses_one_whose_marker_went(demo: Demo) -> None:
    execute(demo.plan(demo.desired()), demo.client)
    fewer = demo.desired(targets=("preview-101",), policy=Policy(prune=True))
    plan = demo.plan(fewer)
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    assert sorted(c.address for c in deletes) == [
        "previews.api[shop/preview-102]",
        "previews.web[shop/preview-102]",
    ]
    web = demo.clone_of("preview-102", "web")
    demo.sandbox.edit_out_of_band(web["id"], description="hands off")
    result = execute(plan, demo.client)
    by_address = {o.address: o for o in result.outcomes}
    assert by_address["previews.api[shop/preview-102]"].result == "ok"
    assert by_address["previews.web[shop/preview-102]"].result == "conflict"
    assert demo.named("preview-102", "api") == []
    assert len(demo.named("preview-102", "web")) == 1


def test_delete_of_an_application_already_gone_is_done(demo: Demo) -> None:
    execute(demo.plan(demo.desired(apps=("api",), targets=("preview-101",))), demo.client)
    plan = demo.plan(
        demo.desired(apps=("web",), targets=("preview-101",), policy=Policy(prune=True))
    )
    delete = next(c for c in plan.changes if c.action is Action.DELETE)
    demo.client.delete_application(str(delete.target.application_id))
    outcome = next(o for o in execute(plan, demo.client).outcomes if o.action is Action.DELETE)
    assert (outcome.result, outcome.message) == ("ok", "already gone")


def test_a_lost_clone_response_is_read_back_not_cloned_twice(demo: Demo) -> None:
    desired = demo.desired(apps=("api",), targets=("preview-101",))
    plan = demo.plan(desired)
    demo.sandbox.set_faults(
        rules=[{"action": "drop_after", "method": "POST", "path": "*/clone", "times": 1}]
    )
    (outcome,) = execute(plan, demo.client).outcomes
    assert outcome.result == "ok", outcome
    clone = demo.clone_of("preview-101", "api")
    assert clone["cpu"] == 250 and marker_manifest(clone) == "previews"
    clones = [r for r in demo.sandbox.requests() if r["path"].endswith("/clone")]
    assert len(clones) == 1


def test_a_409_with_a_stranger_of_that_name_is_a_conflict(demo: Demo) -> None:
    plan = demo.plan(demo.desired(apps=("api",), targets=("preview-101",)))
    add_stranger(demo, "preview-101", "API", cpu=100, memory=128)
    (outcome,) = execute(plan, demo.client).outcomes
    assert outcome.result == "conflict" and "neither ours" in outcome.message
    (stranger,) = demo.named("preview-101", "api")
    assert stranger["cpu"] == 100 and marker_manifest(stranger) is None


def test_a_409_with_an_untouched_clone_of_the_source_is_finished(demo: Demo) -> None:
    plan = demo.plan(demo.desired(apps=("api",), targets=("preview-101",)))
    source = demo.sources["api"]["id"]
    demo.client.clone_application(source, "api", demo.env("preview-101").id)
    (outcome,) = execute(plan, demo.client).outcomes
    assert outcome.result == "ok", outcome
    clone = demo.clone_of("preview-101", "api")
    assert clone["cpu"] == 250 and marker_manifest(clone) == "previews"


def test_one_failed_change_does_not_stop_the_others(demo: Demo) -> None:
    plan = demo.plan(demo.desired())
    api = demo.sources["api"]["id"]
    demo.sandbox.set_faults(
        rules=[
            {
                "action": "respond",
                "method": "POST",
                "path": f"/application/{api}/clone",
                "status": 400,
                "body": '{"detail": "nope"}',
            }
        ]
    )
    result = execute(plan, demo.client, parallelism=2)
    assert result.counts() == {
        "created": 2,
        "updated": 0,
        "deleted": 0,
        "failed": 2,
        "conflicts": 0,
    }
    failed = [o for o in result.outcomes if o.result == "failed"]
    assert all("api[" in o.address and "nope" in o.message for o in failed)
    assert len(demo.named("preview-101", "web")) == 1


def test_deploy_waits_for_a_deployed_status(demo: Demo) -> None:
    demo.sandbox.deploy_seconds = 0.1
    desired = demo.desired(
        apps=("api",), targets=("preview-101",), policy=Policy(deploy=Deploy.ON_CREATE)
    )
    plan = demo.plan(desired)
    (outcome,) = execute(plan, demo.client, deploy_wait=FAST_WAIT).outcomes
    assert outcome.result == "ok" and outcome.message == "created, deployed", outcome
    status = demo.client.get_application_status(demo.clone_of("preview-101", "api")["id"])
    assert status["state"] == "DEPLOYED"
    assert {c.action for c in demo.plan(desired).changes} == {Action.NOOP}


def test_deploy_that_does_not_settle_in_time_fails(demo: Demo) -> None:
    demo.sandbox.deploy_seconds = 5.0
    desired = demo.desired(
        apps=("api",), targets=("preview-101",), policy=Policy(deploy=Deploy.ON_CREATE)
    )
    wait = DeployWait(timeout=0.2, first_delay=0.05, max_delay=0.05)
    (outcome,) = execute(demo.plan(desired), demo.client, deploy_wait=wait).outcomes
    assert outcome.result == "failed" and "did not settle" in outcome.message


def test_stop_set_skips_every_change_without_a_call(demo: Demo) -> None:
    plan = demo.plan(demo.desired())
    stop = threading.Event()
    stop.set()
    demo.sandbox.clear_requests()
    result = execute(plan, demo.client, stop=stop)
    assert [o.result for o in result.outcomes] == ["skipped"] * 4
    assert demo.sandbox.requests() == []


def test_progress_hears_every_change_and_step(demo: Demo) -> None:
    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    class Recorder:
        def started(self, change: Change) -> None:
            with lock:
                events.append(("started", change.address))

        def step(self, change: Change, step: str) -> None:
            with lock:
                events.append((step, change.address))

        def finished(self, outcome: Outcome) -> None:
            with lock:
                events.append(("finished", outcome.address))

    execute(demo.plan(demo.desired(apps=("api",))), demo.client, progress=Recorder())
    address = "previews.api[shop/preview-101]"
    mine = [kind for kind, a in events if a == address]
    assert mine == ["started", "clone", "edit", "finished"]


def test_a_delete_of_a_source_of_the_plan_is_refused_at_the_write(demo: Demo) -> None:
    """The last line of defence, for a plan the planner did not make (a saved plan edited by
    hand): a change that would delete one of the plan's own sources is refused, unwritten."""
    execute(demo.plan(demo.desired(apps=("api",), targets=("preview-101",))), demo.client)
    clone = demo.clone_of("preview-101", "api")
    plan = demo.plan(
        demo.desired(apps=("web",), targets=("preview-101",), policy=Policy(prune=True))
    )
    delete = next(c for c in plan.changes if c.action is Action.DELETE)
    assert delete.target.application_id == clone["id"]
    create = next(c for c in plan.changes if c.action is Action.CREATE)
    as_source = replace(create, source=replace(create.source, application_id=clone["id"]))
    tampered = replace(plan, changes=(as_source, delete))  # the clone is a source of it too
    outcomes = {o.action: o for o in execute(tampered, demo.client).outcomes}
    assert outcomes[Action.DELETE].result == "conflict", outcomes
    assert "source" in outcomes[Action.DELETE].message
    assert demo.clone_of("preview-101", "api")["id"] == clone["id"]  # still there
